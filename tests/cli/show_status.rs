//! `dossier show` (one customer's dossier: profile, then linked notes newest
//! first) and `dossier status` (what is indexed, last sync, errors, watcher).

use std::path::Path;

use serde_json::Value;

use crate::{assert_no_failures, code, describe, dossier, indexed_kb, json, kb, stderr, stdout};

/// Runs `show --json` for each argument and checks which customer it shows.
fn check(dir: &Path, cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (argument, expected_id) in cases {
        let output = dossier(dir, &["show", "--json", argument]);
        let shown: Option<Value> = serde_json::from_slice(&output.stdout).ok();
        let id = shown.as_ref().and_then(|s| s["id"].as_str());
        if code(&output) != 0 || id != Some(expected_id) {
            failures.push(format!(
                "show {argument:?}: expected {expected_id}\n{}",
                describe(&output)
            ));
        }
    }
    assert_no_failures("show arguments", cases.len(), &failures);
}

#[test]
fn show_finds_a_customer_by_id_or_unambiguous_name() {
    let dir = indexed_kb("kb");
    check(
        dir.path(),
        &[
            ("c002", "c002"),
            ("李红梅", "c002"),
            // Traditional spelling of a simplified name, and the reverse.
            ("李紅梅", "c002"),
            ("黃志明", "c011"),
            ("黄志明", "c011"),
            ("Michael Brown", "c009"),
            ("michael brown", "c009"),
            // The customer without an id: its path is its id.
            ("customers/郑海涛.json", "customers/郑海涛.json"),
            ("郑海涛", "customers/郑海涛.json"),
            ("鄭海濤", "customers/郑海涛.json"),
        ],
    );
}

/// The dates of the note lines of `show`'s human output (lines that start
/// with `YYYY-MM-DD`), in the order printed.
fn note_dates(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.get(..10))
        .filter(|start| {
            start.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            })
        })
        .collect()
}

/// A dossier as `show` must print it: some profile text first, then the
/// linked notes (by path) with their dates, newest first.
struct Expected {
    id: &'static str,
    profile: &'static [&'static str],
    note_paths: &'static [&'static str],
    dates: &'static [&'static str],
}

#[test]
fn show_prints_the_profile_then_the_notes_newest_first() {
    let dir = indexed_kb("kb");
    let cases = [
        Expected {
            id: "c002",
            profile: &["李红梅", "青岛海川港务集团有限公司", "刘芳"],
            note_paths: &[
                "visits/2026-11-11-v015.json",
                "meetings/2026-11-03-m006-联合交流.json",
                "meetings/2026-10-15-m002.json",
            ],
            dates: &["2026-11-11", "2026-11-03", "2026-10-15"],
        },
        Expected {
            id: "c001",
            profile: &["王建国", "山东省通信管理局"],
            note_paths: &[
                "visits/2026-11-12-v001.json",
                "meetings/2026-11-10-m001.json",
                "notes/2026-10-14-电话-王局.json",
            ],
            dates: &["2026-11-12", "2026-11-10", "2026-10-14"],
        },
    ];
    let mut failures = Vec::new();
    for Expected {
        id,
        profile,
        note_paths,
        dates,
    } in &cases
    {
        let output = dossier(dir.path(), &["show", id]);
        let text = stdout(&output);
        if code(&output) != 0 {
            failures.push(format!("show {id}\n{}", describe(&output)));
            continue;
        }
        let position = |needle: &str| text.find(needle);
        let profile_end = profile.iter().filter_map(|p| position(p)).max();
        let note_positions: Vec<Option<usize>> = note_paths.iter().map(|p| position(p)).collect();
        let all_found = profile.iter().all(|p| position(p).is_some())
            && note_positions.iter().all(Option::is_some);
        let in_order = note_positions.windows(2).all(|pair| pair[0] < pair[1])
            && profile_end < note_positions[0];
        if !all_found || !in_order {
            failures.push(format!(
                "show {id}: expected {profile:?}, then {note_paths:?} in this order\n{text}"
            ));
        }
        if note_dates(&text) != dates[..] {
            failures.push(format!(
                "show {id}: note dates {:?}, expected {dates:?}\n{text}",
                note_dates(&text)
            ));
        }
    }
    assert_no_failures("dossiers", cases.len(), &failures);
}

#[test]
fn show_json_has_the_profile_and_the_notes_newest_first() {
    let dir = indexed_kb("kb");
    let output = dossier(dir.path(), &["show", "--json", "c002"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let shown = json(&output);
    assert_eq!(shown["id"], "c002", "{shown}");
    assert_eq!(shown["name"], "李红梅", "{shown}");
    assert_eq!(
        shown["profile"]["company"], "青岛海川港务集团有限公司",
        "{shown}"
    );
    assert_eq!(shown["profile"]["owner"], "刘芳", "{shown}");
    assert_eq!(
        shown["profile"]["interests"][0]["name"], "高尔夫",
        "{shown}"
    );
    assert_eq!(shown["profile"]["itinerary"][0]["city"], "上海", "{shown}");
    let notes = shown["notes"].as_array().expect("a notes array");
    let note_ids: Vec<&str> = notes.iter().filter_map(|n| n["id"].as_str()).collect();
    assert_eq!(note_ids, ["v015", "m006", "m002"], "{shown}");
    let dates: Vec<&str> = notes.iter().filter_map(|n| n["date"].as_str()).collect();
    assert_eq!(dates, ["2026-11-11", "2026-11-03", "2026-10-15"]);
    assert_eq!(notes[0]["kind"], "visit");
    assert_eq!(notes[1]["kind"], "meeting");
}

#[test]
fn show_json_keeps_the_profiles_own_notes_field() {
    // The contract's customer has `"notes": "free text"`; `show --json`
    // must not lose it to the array of linked notes.
    let dir = indexed_kb("kb");
    let output = dossier(dir.path(), &["show", "--json", "c002"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = stdout(&output);
    let duplicates = crate::duplicate_keys(&text);
    assert!(
        duplicates.is_empty(),
        "show --json repeats the keys {duplicates:?}\n{text}"
    );
    assert!(
        json(&output)
            .to_string()
            .contains("港口集团办公终端和打印设备年度集采由她分管"),
        "the profile's notes text is lost\n{text}"
    );
}

#[test]
fn show_on_broken_input_lists_the_good_notes() {
    let dir = indexed_kb("broken");
    let shown = json(&dossier(dir.path(), &["show", "--json", "c001"]));
    let note_ids: Vec<&str> = shown["notes"]
        .as_array()
        .expect("a notes array")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(note_ids, ["m004", "m001"], "{shown}");
    let shown = json(&dossier(dir.path(), &["show", "--json", "c002"]));
    assert_eq!(shown["name"], "李红梅", "{shown}");
}

#[test]
fn show_an_ambiguous_or_unknown_name_exits_2() {
    let dir = indexed_kb("kb");
    // (argument, words the message must contain)
    let cases: &[(&str, &[&str])] = &[
        ("张伟", &["c003", "c007"]),
        ("張偉", &["c003", "c007"]),
        ("zhang wei", &["c003", "c007"]),
        ("王", &["c001", "c036"]),
        ("nobody at all", &[]),
        ("c999", &[]),
    ];
    let mut failures = Vec::new();
    for (argument, candidates) in cases {
        let output = dossier(dir.path(), &["show", argument]);
        let message = stderr(&output).to_lowercase();
        let says_enough = if candidates.is_empty() {
            message.contains("no customer") || message.contains("not found")
        } else {
            candidates.iter().all(|c| message.contains(c))
        };
        if code(&output) != 2
            || !stdout(&output).is_empty()
            || message.trim_end().lines().count() != 1
            || !says_enough
        {
            failures.push(format!(
                "show {argument:?}: expected exit 2 and one line naming {candidates:?} or \
                 saying not found\n{}",
                describe(&output)
            ));
        }
    }
    assert_no_failures("show arguments", cases.len(), &failures);
}

#[test]
fn status_after_index_counts_the_fixture() {
    let dir = indexed_kb("kb");
    let output = dossier(dir.path(), &["status", "--json"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert_eq!(
        crate::duplicate_keys(&stdout(&output)),
        Vec::<String>::new()
    );
    let status = json(&output);
    assert_eq!(status["customers"], 38, "{status}");
    assert_eq!(status["meetings"], 40, "{status}");
    assert_eq!(status["visits"], 15, "{status}");
    assert_eq!(status["state"], "ready", "{status}");
    assert_eq!(status["watcher"], Value::Null, "{status}");
    assert_eq!(status["files_in_error"], serde_json::json!([]), "{status}");
    let last_sync = status["last_sync"].as_str().unwrap_or_default();
    assert!(
        last_sync.starts_with("20") && last_sync.len() >= 10,
        "last_sync is a timestamp: {status}"
    );

    let output = dossier(dir.path(), &["status"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = stdout(&output);
    for count in ["38", "40", "15"] {
        assert!(text.contains(count), "{count} missing\n{text}");
    }
}

#[test]
fn status_before_any_index_says_missing() {
    let dir = kb("kb");
    let output = dossier(dir.path(), &["status", "--json"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let status = json(&output);
    assert_eq!(status["state"], "missing", "{status}");
    assert_eq!(status["last_sync"], Value::Null, "{status}");
}
