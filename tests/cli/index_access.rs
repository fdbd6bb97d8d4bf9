//! An index that cannot be opened for a reason a rebuild would not fix
//! (permissions, a file where a folder belongs) is one clear error and is
//! never deleted; a damaged one is rebuilt. The index folder follows the
//! umask, so another account can search a knowledge base it may read.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{code, describe, dossier, dossier_command, indexed_kb, search_ids, stderr};

/// True when the tests run as root (CI does): root reads any file, so a
/// permission test must run the binary as another user.
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// The same command run as the unprivileged `nobody` (uid and gid 65534)
/// through `setpriv`, when the tests run as root; `None` when they do not
/// (the command then already runs without privileges) or setpriv is
/// missing.
fn as_nobody(command: &Command) -> Option<Command> {
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"]
        .into_iter()
        .map(Path::new)
        .find(|path| path.exists())?;
    let mut wrapped = Command::new(setpriv);
    wrapped
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(command.get_program())
        .args(command.get_args())
        .env_clear()
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(std::env::temp_dir());
    Some(wrapped)
}

/// Lets every account walk to and read the knowledge base (the temporary
/// folder is created 0700), as a shared knowledge base would be.
fn share(dir: &Path) {
    for entry in walk(dir) {
        let mode = if entry.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {}: {e}", entry.display()));
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = vec![dir.to_path_buf()];
    for entry in std::fs::read_dir(dir).expect("read a folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// The names and contents of the index folder's files.
fn index_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = walk(&dir.join(".dossier/index"))
        .into_iter()
        .filter(|path| path.is_file())
        .map(|path| {
            (
                path.display().to_string(),
                std::fs::read(&path).expect("read an index file"),
            )
        })
        .collect();
    files.sort();
    files
}

/// Asserts what every failure to open the index must look like: exit 2, one
/// line on stderr naming `path` and saying `what`, no debug dump, no advice
/// to rebuild.
fn assert_one_clear_line(output: &Output, path: &str, what: &str) {
    let text = stderr(output);
    assert_eq!(code(output), 2, "{}", describe(output));
    assert_eq!(text.lines().count(), 1, "one line\n{}", describe(output));
    assert!(
        text.contains(path) && text.contains(what),
        "names {path} and {what:?}\n{}",
        describe(output)
    );
    for wrong in ["IoError", "Os {", "rebuild"] {
        assert!(!text.contains(wrong), "no {wrong:?}\n{}", describe(output));
    }
}

#[test]
fn an_index_another_account_cannot_read_is_one_clear_error() {
    let dir = indexed_kb("kb");
    share(dir.path());
    let index = dir.path().join(".dossier/index");
    // Its owner may read it, no one else: root bypasses permissions, so as
    // root the search runs as `nobody`; otherwise the folder is closed to
    // everyone, the owner included.
    let closed = if running_as_root() { 0o700 } else { 0o000 };
    std::fs::set_permissions(&index, std::fs::Permissions::from_mode(closed)).expect("chmod");
    let before = {
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let files = index_files(dir.path());
        std::fs::set_permissions(&index, std::fs::Permissions::from_mode(closed)).expect("chmod");
        files
    };
    let command = dossier_command(dir.path(), &["search", "王建国"]);
    let mut command = if running_as_root() {
        as_nobody(&command).expect("setpriv, to run the search as another user")
    } else {
        command
    };
    let output = command.output().expect("run dossier");
    assert_one_clear_line(&output, "index/meta.json", "permission denied");
    assert!(
        stderr(&output).contains("chmod -R a+rX"),
        "{}",
        describe(&output)
    );
    std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    assert_eq!(
        index_files(dir.path()),
        before,
        "the index is left as it was"
    );
    assert_eq!(search_ids(dir.path(), "王建国"), ["c001"]);
}

#[test]
fn an_index_that_cannot_be_opened_is_never_deleted() {
    // Each case makes the index fail to open in a way rebuilding would not
    // fix (all of them real as root, unlike permissions): `index` and
    // `search` say so in one line and leave every file where it was.
    type Break = fn(&Path);
    let cases: [(&str, Break, &str, &str); 2] = [
        (
            "meta.json is a folder",
            |index| {
                std::fs::remove_file(index.join("meta.json")).expect("remove meta.json");
                std::fs::create_dir(index.join("meta.json")).expect("a folder instead");
                std::fs::write(index.join("meta.json/keep"), "x").expect("a file in it");
            },
            "index/meta.json",
            "move",
        ),
        (
            "the index folder is a file",
            |index| {
                std::fs::remove_dir_all(index).expect("remove the index");
                std::fs::write(index, "someone's notes").expect("a file instead");
            },
            "index/meta.json",
            "not a directory",
        ),
    ];
    for (name, break_it, path, what) in cases {
        let dir = indexed_kb("kb");
        let index = dir.path().join(".dossier/index");
        break_it(&index);
        let snapshot = || -> Vec<(String, Vec<u8>)> {
            if index.is_file() {
                vec![(
                    "index".into(),
                    std::fs::read(&index).expect("read the file"),
                )]
            } else {
                index_files(dir.path())
            }
        };
        let before = snapshot();
        for args in [&["index"][..], &["search", "王建国"][..]] {
            let output = dossier(dir.path(), args);
            assert_one_clear_line(&output, path, what);
            assert_eq!(snapshot(), before, "{name}: {args:?} deleted nothing");
        }
    }
}

#[test]
fn a_damaged_index_is_rebuilt() {
    let dir = indexed_kb("kb");
    std::fs::write(dir.path().join(".dossier/index/meta.json"), "{ not json").expect("damage");
    let output = dossier(dir.path(), &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(
        stderr(&output).contains("rebuilding the index") && stderr(&output).contains("damaged"),
        "{}",
        describe(&output)
    );
    assert_eq!(search_ids(dir.path(), "王建国"), ["c001"]);
}

/// The same command run by `sh` under a umask.
fn under_umask(command: &Command, umask: &str) -> Command {
    let mut wrapped = Command::new("sh");
    wrapped
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(command.get_program())
        .args(command.get_args())
        .env_clear()
        .envs(command.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(std::env::temp_dir());
    wrapped
}

#[test]
fn the_index_folder_follows_the_umask() {
    // Every file and folder dossier writes (tantivy's meta.json and
    // .managed.json included, which it writes 0600 through tempfile), after
    // a build, an incremental index and a rebuild.
    for (umask, file_mode, folder_mode) in [("022", 0o644, 0o755), ("027", 0o640, 0o750)] {
        let dir = crate::kb("kb");
        let run = |args: &[&str]| {
            let output = under_umask(&dossier_command(dir.path(), args), umask)
                .output()
                .expect("run dossier");
            assert_eq!(
                code(&output),
                0,
                "umask {umask}: {args:?}\n{}",
                describe(&output)
            );
        };
        run(&["index"]);
        crate::write_file(
            dir.path(),
            "customers/c900.json",
            r#"{"id": "c900", "kind": "customer", "name": "新客户"}"#,
        );
        run(&["index"]);
        crate::write_file(
            dir.path(),
            "dossier-vocab.tsv",
            "interest\tkarting\t卡丁车\n",
        );
        run(&["index"]);
        let mut wrong = Vec::new();
        for path in walk(&dir.path().join(".dossier")) {
            let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
            let expected = if path.is_dir() {
                folder_mode
            } else {
                file_mode
            };
            if mode != expected {
                wrong.push(format!("{} is {mode:o}, not {expected:o}", path.display()));
            }
        }
        assert!(wrong.is_empty(), "umask {umask}:\n{}", wrong.join("\n"));
    }
}
