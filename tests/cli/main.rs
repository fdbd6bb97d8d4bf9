//! Integration tests of the `dossier` binary: each test copies a fixture
//! knowledge base to a temporary directory and runs the real binary on it
//! with a scrubbed environment, checking what the contract promises.
//! Expected results come from `fixtures/EXPECTED.md` (with `--today 2026-11-23`).

mod agenda;
mod ask;
mod converge;
mod ids_links;
mod index;
mod index_access;
mod names;
mod problems;
mod properties;
mod query_v2;
mod search;
mod show_status;
#[path = "../common/stderr_lines.rs"]
mod stderr_lines;
mod team;
#[path = "../common/team_views.rs"]
mod team_views;
mod watch;
mod words;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use tempfile::TempDir;

/// The date every relative date in the fixtures is computed from (a Monday).
pub const TODAY: &str = "2026-11-23";

/// The path of a committed fixture knowledge base, e.g. `fixtures/kb`.
pub fn fixture_path(fixture: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(fixture)
}

/// Copies `fixtures/<fixture>` to a fresh temporary directory, so that the
/// index (written under `DIR/.dossier/`) never touches the committed tree.
/// An index someone built in the fixture itself (`dossier search --dir
/// fixtures/kb`) is left behind: every test starts without one.
pub fn kb(fixture: &str) -> TempDir {
    let temp = tempfile::Builder::new()
        .prefix("dossier-test-")
        .tempdir()
        .expect("creating a temporary directory");
    copy_tree(&fixture_path(fixture), temp.path());
    temp
}

/// An empty temporary knowledge base, for a test that writes its own files.
pub fn empty_kb() -> TempDir {
    tempfile::Builder::new()
        .prefix("dossier-test-")
        .tempdir()
        .expect("creating a temporary directory")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("creating {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("reading {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("reading a directory entry");
        let file_type = entry.file_type().expect("reading a file type");
        let target = to.join(entry.file_name());
        if entry.file_name() == ".dossier" {
            continue;
        }
        if file_type.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| {
                panic!(
                    "copying {} to {}: {e}",
                    entry.path().display(),
                    target.display()
                )
            });
        }
    }
}

/// Copies a fixture and runs `index` on it; the exit code must be 0 for a
/// clean fixture and 2 for `broken` (some files in error).
pub fn indexed_kb(fixture: &str) -> TempDir {
    let dir = kb(fixture);
    let output = dossier(dir.path(), &["index"]);
    let expected = if fixture == "broken" { 2 } else { 0 };
    assert_eq!(
        code(&output),
        expected,
        "index {fixture}\n{}",
        describe(&output)
    );
    dir
}

/// The `dossier` command with a scrubbed environment (only `PATH`, plus
/// `NO_COLOR=1`), always given `--dir DIR --today 2026-11-23`.
pub fn dossier_command(dir: &Path, args: &[&str]) -> Command {
    dossier_command_on(dir, TODAY, args)
}

/// `dossier_command` with another `--today`.
pub fn dossier_command_on(dir: &Path, today: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dossier"));
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
        .env("NO_COLOR", "1")
        // Run from a neutral directory so that a `--dir` that is ignored
        // cannot make the binary write into the source tree.
        .current_dir(std::env::temp_dir())
        .arg("--dir")
        .arg(dir)
        .arg("--today")
        .arg(today)
        .args(args);
    command
}

/// Runs `dossier --dir DIR --today 2026-11-23 ARGS…` and returns its output.
pub fn dossier(dir: &Path, args: &[&str]) -> Output {
    dossier_command(dir, args)
        .output()
        .unwrap_or_else(|e| panic!("running dossier {args:?}: {e}"))
}

/// The exit code; a death by signal counts as -1.
pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Exit code, stdout and stderr, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "exit code: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        code(output),
        stdout(output),
        stderr(output)
    )
}

/// Parses stdout as one JSON value.
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", describe(output)))
}

/// Runs `search --json --limit 100 QUERY` and checks what every search must
/// satisfy: exit 0 with hits, 1 without, `total` equal to the number of hits
/// (the fixtures have fewer than 100 customers) and no customer twice.
pub fn search_json(dir: &Path, query: &str) -> Value {
    let output = dossier(dir, &["search", "--json", "--limit", "100", query]);
    let value = json(&output);
    let hits = value["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("search {query:?}: no hits array\n{}", describe(&output)));
    let expected_code = if hits.is_empty() { 1 } else { 0 };
    assert_eq!(
        code(&output),
        expected_code,
        "search {query:?}: exit code does not match the hits\n{}",
        describe(&output)
    );
    assert_eq!(
        value["total"].as_u64(),
        Some(hits.len() as u64),
        "search {query:?}: total is not the number of hits\n{}",
        describe(&output)
    );
    let ids = hit_ids(&value);
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "search {query:?}: a customer appears twice");
    value
}

/// The sorted ids of the hits of a `search --json` for QUERY.
pub fn search_ids(dir: &Path, query: &str) -> Vec<String> {
    hit_ids(&search_json(dir, query))
}

/// The sorted hit ids of a `search --json` or `ask --json` output.
pub fn hit_ids(value: &Value) -> Vec<String> {
    let mut ids: Vec<String> = value["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("no hits array in {value}"))
        .iter()
        .map(|hit| {
            hit["id"]
                .as_str()
                .unwrap_or_else(|| panic!("hit without a string id: {hit}"))
                .to_string()
        })
        .collect();
    ids.sort();
    ids
}

/// The hit with this id, if any.
pub fn hit<'a>(value: &'a Value, id: &str) -> Option<&'a Value> {
    value["hits"].as_array()?.iter().find(|hit| hit["id"] == id)
}

/// Sorted owned ids, to compare with `search_ids`.
pub fn ids(expected: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = expected.iter().map(|id| id.to_string()).collect();
    ids.sort();
    ids
}

/// Asserts that no failure was collected; lists all of them otherwise, so
/// that one run of a table-driven test shows every wrong row.
pub fn assert_no_failures(what: &str, n_cases: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} of {n_cases} {what} wrong:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// The keys that appear twice in one object of a JSON text, as paths like
/// `.notes[0].id` (`serde_json::Value` silently keeps only the last one).
pub fn duplicate_keys(text: &str) -> Vec<String> {
    struct Walk<'a> {
        path: String,
        found: &'a mut Vec<String>,
    }

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
            formatter.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                let path = format!("{}.{key}", self.path);
                if !seen.insert(key) {
                    self.found.push(path.clone());
                }
                map.next_value_seed(Walk {
                    path,
                    found: &mut *self.found,
                })?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut index = 0;
            while seq
                .next_element_seed(Walk {
                    path: format!("{}[{index}]", self.path),
                    found: &mut *self.found,
                })?
                .is_some()
            {
                index += 1;
            }
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }

    let mut found = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    Walk {
        path: String::new(),
        found: &mut found,
    }
    .deserialize(&mut deserializer)
    .unwrap_or_else(|e| panic!("not JSON: {e}\n{text}"));
    found
}

/// Writes a file in the knowledge base, creating its folder.
pub fn write_file(dir: &Path, rel_path: &str, contents: &str) {
    let path = dir.join(rel_path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
    }
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

/// Reads a file of the knowledge base as text.
pub fn read_file(dir: &Path, rel_path: &str) -> String {
    let path = dir.join(rel_path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
