//! The smallest reproductions of what the random run found, one test
//! each, named by what must hold (see the seed in each comment).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::answers::Watcher;

use crate::{code, describe, dossier, stderr};

/// A folder with one customer and one visit report naming it, indexed.
fn one_customer_one_note() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("dossier-converge-repro-")
        .tempdir()
        .expect("creating a temporary directory");
    crate::write_file(
        dir.path(),
        "customers/c1.json",
        r#"{"id": "c1", "name": "Anna Berg"}"#,
    );
    crate::write_file(
        dir.path(),
        "visits/v1.json",
        r#"{"id": "n1", "customer": "c1", "date": "2026-11-14", "title": "走访", "text": "nqfeowvqrq 讨论了方案"}"#,
    );
    let output = dossier(dir.path(), &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    dir
}

/// The note file cut short, as a save that did not finish.
fn break_the_note(dir: &Path) {
    crate::write_file(
        dir,
        "visits/v1.json",
        r#"{"id": "n1", "customer": "c1", "date": "2026-11-14", "title": "走访", "text": "nqfe"#,
    );
    let output = dossier(dir, &["index"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
}

/// Found by seed 1 (80 operations): the last good version of a broken note
/// file stays searchable, but `show` lists it without its `text` (a note's
/// text is not stored in the index; `show` reads it from the file, which
/// no longer parses), and the search's snippet points at the title.
#[test]
fn a_broken_note_file_is_shown_with_the_text_of_its_last_good_version() {
    let dir = one_customer_one_note();
    break_the_note(dir.path());
    let output = dossier(dir.path(), &["show", "--json", "c1"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let shown: Value = serde_json::from_slice(&output.stdout).expect("show prints JSON");
    assert_eq!(
        shown["notes"][0]["record"]["text"], "nqfeowvqrq 讨论了方案",
        "the last good version of visits/v1.json lost its text: {shown}"
    );
}

/// The same, through a rebuild (a vocabulary edit): the last good version
/// is copied from the old index, which has no text, so the note's words
/// find nothing any more although `index` says it "stays searchable".
#[test]
fn a_broken_note_files_last_good_version_stays_searchable_after_a_rebuild() {
    let dir = one_customer_one_note();
    break_the_note(dir.path());
    assert_eq!(crate::search_ids(dir.path(), "nqfeowvqrq"), ["c1"]);
    crate::write_file(
        dir.path(),
        "dossier-vocab.tsv",
        "interest\tguqin\t古琴|guqin|七弦琴\n",
    );
    let output = dossier(dir.path(), &["index"]);
    assert!(
        stderr(&output).contains("rebuilding"),
        "{}",
        describe(&output)
    );
    assert_eq!(
        crate::search_ids(dir.path(), "nqfeowvqrq"),
        ["c1"],
        "after the rebuild\n{}",
        describe(&output)
    );
}

/// Found by the default seed once saves as vim makes them were added (73
/// operations), and by seed 2026 (419 operations): a record file renamed
/// and the new name deleted within the debounce window (an editor's `~`
/// backup, a file moved aside and thrown away) reach the watcher as one
/// removal of the new name: the old path is never looked at again, and its
/// record stays searchable until the periodic reconcile (60 s by default;
/// none here). Whether the new name is one the watcher ignores or a record
/// name makes no difference.
#[test]
fn a_file_renamed_then_deleted_at_once_leaves_the_index() {
    let mut failures = Vec::new();
    for new_name in ["v1.json~", "v2.json"] {
        let dir = one_customer_one_note();
        let _watcher = Watcher::start(dir.path(), &["--reconcile-every", "1h"])
            .unwrap_or_else(|message| panic!("{message}"));
        let note = dir.path().join("visits/v1.json");
        let renamed = dir.path().join("visits").join(new_name);
        std::fs::rename(&note, &renamed).expect("renaming the note");
        std::fs::remove_file(&renamed).expect("deleting the renamed note");
        let started = Instant::now();
        while !crate::search_ids(dir.path(), "nqfeowvqrq").is_empty() {
            if started.elapsed() > Duration::from_secs(20) {
                failures.push(format!(
                    "visits/v1.json renamed to {new_name} and deleted 20 s ago: its words still find c1"
                ));
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    crate::assert_no_failures("renames then deletions", 2, &failures);
}

/// Found by seed 11 (317 operations, the watcher killed 130 ms after a
/// vocabulary edit): a rebuild deletes the old index as it starts and keeps
/// only a searcher on it, so a process killed before the new index's first
/// commit loses the last good version of every broken file for good.
#[test]
fn a_rebuild_killed_half_way_keeps_the_last_good_versions_of_broken_files() {
    let dir = tempfile::Builder::new()
        .prefix("dossier-converge-repro-")
        .tempdir()
        .expect("creating a temporary directory");
    let root = dir.path();
    crate::write_file(
        root,
        "customers/c1.json",
        r#"{"id": "c1", "name": "Anna Berg", "notes": "zqgzcrqsdt"}"#,
    );
    // Enough other customers for the rebuild to take a moment.
    for n in 0..3000 {
        crate::write_file(
            root,
            &format!("customers/filler/f{n}.json"),
            &format!(r#"{{"id": "f{n}", "name": "客户{n}", "notes": "填充 filler"}}"#),
        );
    }
    let output = dossier(root, &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    crate::write_file(
        root,
        "customers/c1.json",
        r#"{"id" "c1", "name": "Anna Berg", "notes": "zqgzcrqsdt"}"#,
    );
    let output = dossier(root, &["index"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    assert_eq!(crate::search_ids(root, "zqgzcrqsdt"), ["c1"]);

    // A vocabulary edit: the next writer rebuilds. Kill it as soon as the
    // old index has been replaced by the new, empty one.
    crate::write_file(root, "dossier-vocab.tsv", "interest\tguqin\t古琴|guqin\n");
    let meta = root.join(".dossier/index/meta.json");
    let before = std::fs::read(&meta).expect("reading meta.json");
    let mut rebuild = crate::dossier_command(root, &["index"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting dossier index");
    // (A rebuild that replaces the index only when it is complete may
    // finish first: then there is nothing to catch, and nothing is lost.)
    let started = Instant::now();
    while std::fs::read(&meta).is_ok_and(|now| now == before)
        && rebuild.try_wait().expect("waiting for index").is_none()
    {
        assert!(started.elapsed() < Duration::from_secs(60), "no rebuild");
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = rebuild.kill();
    rebuild.wait().expect("reaping dossier index");

    let output = dossier(root, &["index"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    assert_eq!(
        crate::search_ids(root, "zqgzcrqsdt"),
        ["c1"],
        "the last good version of customers/c1.json is lost\n{}",
        describe(&output)
    );
}

/// Found by seed 15 (351 operations): a file renamed and, within the
/// debounce window, replaced by a temporary file renamed over its new name
/// (an editor's or a sync client's atomic save) reaches the watcher as the
/// second rename only: the old path is never looked at again, and the index
/// keeps both the old record and the new one (two customers for one file)
/// until the periodic reconcile. The same folding as in
/// `a_file_renamed_then_deleted_at_once_leaves_the_index`.
#[test]
fn a_renamed_file_saved_at_once_through_a_temporary_file_leaves_no_old_record() {
    let dir = one_customer_one_note();
    let root = dir.path();
    let _watcher = Watcher::start(root, &["--reconcile-every", "1h"])
        .unwrap_or_else(|message| panic!("{message}"));
    let customers = root.join("customers");
    std::fs::rename(customers.join("c1.json"), customers.join("a1.json")).expect("renaming");
    std::fs::write(
        customers.join(".a1.json.tmp"),
        r#"{"id": "c2", "name": "Anna Berg"}"#,
    )
    .expect("writing the temporary file");
    std::fs::rename(customers.join(".a1.json.tmp"), customers.join("a1.json"))
        .expect("renaming the temporary file over");
    let started = Instant::now();
    loop {
        let found = crate::search_ids(root, "Anna");
        if found == ["c2"] {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "customers/c1.json was renamed 20 s ago and only customers/a1.json (c2) \
             exists, yet Anna finds {found:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Found by the long run (seed 2026, 760 operations): the last good version
/// of a broken file keeps its id even after a file whose path sorts first
/// claims that id, so the index holds two customers with one id: `status`
/// counts both, the old version's words still find the customer, and a
/// watcher may show the old version as the customer.
#[test]
fn a_broken_files_last_good_version_gives_up_its_id_to_a_path_that_sorts_first() {
    let dir = tempfile::Builder::new()
        .prefix("dossier-converge-repro-")
        .tempdir()
        .expect("creating a temporary directory");
    let root = dir.path();
    crate::write_file(
        root,
        "customers/b.json",
        r#"{"id": "c1", "name": "Old", "notes": "zqoldwords"}"#,
    );
    let output = dossier(root, &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    crate::write_file(
        root,
        "customers/b.json",
        r#"{"id": "c1", "name": "Old", "notes": "zqoldwords""#,
    );
    crate::write_file(
        root,
        "customers/a.json",
        r#"{"id": "c1", "name": "New", "notes": "zqnewwords"}"#,
    );
    let output = dossier(root, &["index"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    let status = crate::json(&dossier(root, &["status", "--json"]));
    let mut failures = Vec::new();
    if status["customers"] != 1 {
        failures.push(format!(
            "status counts {} customers, not 1",
            status["customers"]
        ));
    }
    let old_words = crate::search_ids(root, "zqoldwords");
    if !old_words.is_empty() {
        failures.push(format!("the old version's words still find {old_words:?}"));
    }
    crate::assert_no_failures("answers", 2, &failures);
}
