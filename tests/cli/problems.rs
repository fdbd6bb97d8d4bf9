//! Problems through the real binary, on `fixtures/written` (files written
//! the way people write them): warnings (dates that are no dates, a trip
//! that ends before it starts) printed by `index` without changing its
//! exit code, listed by `status` and by `show`; dates in every accepted
//! form read; `--today`, ranges and intervals bounded with a message.

use std::process::Command;

use serde_json::Value;

use crate::{
    TODAY, code, describe, dossier, ids, indexed_kb, json, kb, search_ids, stderr, stdout,
    write_file,
};

/// The warnings `fixtures/written` has, as `index` prints them (the start
/// of each line).
const WARNINGS: &[&str] = &[
    "customers/w002-孙丽.json:7:28: warning: \"from\" of trip 1 (\"12/08/2026\") is not a date: the year must come first (2026-08-12 or 2026-12-08?) — write it as YYYY-MM-DD",
    "customers/w002-孙丽.json:7:48: warning: \"to\" of trip 1 (\"12/10/2026\") is not a date",
    "customers/w003-马超.json:7:48: warning: trip 1 ends (\"to\": \"2026-12-01\") before it starts (\"from\": \"2026-12-03\")",
    "customers/w004-何静.json:5:15: warning: \"birthday\" \"1980-02-30\" is not a date: there is no such day",
    "customers/w004-何静.json:6:14: warning: \"updated\" \"26-12-04\" is not a date: the year needs all four digits",
    "meetings/wm02.json:1:63: warning: \"date\" \"12/08/2026\" is not a date",
];

/// The summary line's count before `label` (`… 6 warnings, …`).
fn count_in_summary(stderr: &str, label: &str) -> Option<u64> {
    let line = stderr.lines().find(|line| line.contains(" added, "))?;
    let piece = line.split(", ").find(|piece| piece.ends_with(label))?;
    piece
        .trim_end_matches(label)
        .split_whitespace()
        .last()?
        .parse()
        .ok()
}

#[test]
fn index_prints_warnings_and_exits_0() {
    let dir = kb("written");
    let output = dossier(dir.path(), &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let err = stderr(&output);
    for warning in WARNINGS {
        assert!(
            err.lines().any(|line| line.starts_with(warning)),
            "no line starting with {warning:?}\n{err}"
        );
    }
    let problem_lines = err.lines().filter(|l| l.contains(": warning: ")).count();
    assert_eq!(problem_lines, WARNINGS.len(), "{err}");
    assert_eq!(count_in_summary(&err, " files in error"), Some(0), "{err}");
    assert_eq!(count_in_summary(&err, " warnings"), Some(6), "{err}");
}

#[test]
fn an_error_among_warnings_exits_2_and_is_counted_apart() {
    let dir = kb("written");
    write_file(dir.path(), "customers/broken.json", "{\"id\": \"w009\",");
    let output = dossier(dir.path(), &["index"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    let err = stderr(&output);
    assert!(
        err.lines()
            .any(|l| l.starts_with("customers/broken.json:1:") && !l.contains("warning:")),
        "{err}"
    );
    assert_eq!(count_in_summary(&err, " files in error"), Some(1), "{err}");
    assert_eq!(count_in_summary(&err, " warnings"), Some(6), "{err}");
    let status = json(&dossier(dir.path(), &["status", "--json"]));
    let severities: Vec<&str> = status["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["severity"].as_str().expect("severity"))
        .collect();
    assert_eq!(severities.iter().filter(|s| **s == "error").count(), 1);
    assert_eq!(severities.iter().filter(|s| **s == "warning").count(), 6);
    assert_eq!(
        status["files_in_error"].as_array().map(Vec::len),
        Some(1),
        "files_in_error lists the errors only: {status}"
    );
}

#[test]
fn dates_in_every_written_form_are_read_and_no_others() {
    let dir = indexed_kb("written");
    // With --today 2026-11-23, next week is 11-30..12-06, next month December.
    for (query, expected) in [
        // 2026年11月30日 .. 2026年12月2日
        ("travel:北京 when:next-week", &["w001"][..]),
        // 2026-12-01 09:00 .. 2026-12-02, and 成都 on 2026/12/5
        ("travel:深圳 when:next-week", &["w005"]),
        ("travel:成都 when:next-week", &["w005"]),
        // 12/08/2026..12/10/2026: found by place, by no date.
        ("travel:上海", &["w002"]),
        ("travel:上海 when:next-month", &[]),
        // 2026-12-03 .. 2026-12-01: ends before it starts.
        ("travel:广州", &["w003"]),
        ("travel:广州 when:next-week", &[]),
        ("when:next-week", &["w001", "w005"]),
    ] {
        assert_eq!(search_ids(dir.path(), query), ids(expected), "{query}");
    }
}

#[test]
fn status_lists_errors_and_warnings() {
    let dir = indexed_kb("written");
    let status = json(&dossier(dir.path(), &["status", "--json"]));
    let problems = status["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), WARNINGS.len(), "{status}");
    for problem in problems {
        let text = format!(
            "{}:{}:{}: warning: {}",
            problem["path"].as_str().expect("path"),
            problem["line"],
            problem["column"],
            problem["message"].as_str().expect("message")
        );
        assert_eq!(problem["severity"], "warning", "{problem}");
        assert!(
            WARNINGS.iter().any(|w| text.starts_with(w)),
            "{text} is none of the expected warnings"
        );
    }
    assert_eq!(status["files_in_error"], Value::Array(Vec::new()));
    let human = stdout(&dossier(dir.path(), &["status"]));
    assert!(human.contains("files in error  0\n"), "{human}");
    assert!(human.contains("warnings        6\n"), "{human}");
    for warning in WARNINGS {
        assert!(
            human.contains(&format!("  {warning}")),
            "{warning}\n{human}"
        );
    }
}

#[test]
fn show_lists_the_problems_of_the_dossiers_own_files() {
    let dir = indexed_kb("written");
    let output = dossier(dir.path(), &["show", "w002"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = stdout(&output);
    assert!(text.contains("Problems (3)"), "{text}");
    for warning in [WARNINGS[0], WARNINGS[1], WARNINGS[5]] {
        assert!(text.contains(warning), "{warning}\n{text}");
    }
    assert!(
        !text.contains("w004"),
        "another customer's problems: {text}"
    );
    let shown = json(&dossier(dir.path(), &["show", "--json", "w002"]));
    let paths: Vec<&str> = shown["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        paths,
        [
            "customers/w002-孙丽.json",
            "customers/w002-孙丽.json",
            "meetings/wm02.json"
        ]
    );
    // A dossier without problems says nothing about them.
    let clean = dossier(dir.path(), &["show", "w001"]);
    assert!(!stdout(&clean).contains("Problems"), "{}", describe(&clean));
    let clean = json(&dossier(dir.path(), &["show", "--json", "w001"]));
    assert_eq!(clean["problems"], Value::Array(Vec::new()));
}

/// `dossier --dir DIR ARGS…` without the `--today` the helpers add.
fn dossier_without_today(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dossier"))
        .env_clear()
        .env("NO_COLOR", "1")
        .current_dir(std::env::temp_dir())
        .arg("--dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("running dossier")
}

#[test]
fn today_takes_yyyy_mm_dd_only() {
    let dir = indexed_kb("written");
    for today in ["26-12-04", "2026-1-4", "12/04/2026", "2026-02-30"] {
        let output = dossier_without_today(dir.path(), &["--today", today, "search", "*"]);
        assert_eq!(code(&output), 2, "{today}: {}", describe(&output));
        assert_eq!(
            stderr(&output),
            format!(
                "dossier: --today {today}: expected a date written YYYY-MM-DD, with a four-digit year, like 2026-12-04\n"
            )
        );
    }
    let output = dossier_without_today(
        dir.path(),
        &["--today", TODAY, "search", "travel:北京 when:next-week"],
    );
    assert_eq!(code(&output), 0, "{}", describe(&output));
}

#[test]
fn huge_ranges_and_intervals_are_errors_not_panics() {
    let dir = indexed_kb("written");
    for (args, words) in [
        (
            &["search", "travel:北京 when:next-99999999-days"][..],
            &["next-99999999-days", "at most 3660 days"][..],
        ),
        (
            &["search", "when:next-99999999999999999999999-days"],
            &["at most 3660 days"],
        ),
        (
            &["watch", "--reconcile-every", "99999999999999999999h"],
            &["--reconcile-every 99999999999999999999h", "at most 168h"],
        ),
        (
            &["watch", "--poll", "99999999999999999999h"],
            &["--poll 99999999999999999999h", "at most 168h"],
        ),
        (&["watch", "--poll", "0ms"], &["--poll 0ms", "at least 1ms"]),
    ] {
        let output = dossier(dir.path(), args);
        let err = stderr(&output);
        assert_eq!(code(&output), 2, "{args:?}: {}", describe(&output));
        assert_eq!(err.lines().count(), 1, "{args:?}: one line\n{err}");
        for word in words {
            assert!(err.contains(word), "{args:?}: {word:?} in {err}");
        }
    }
}

#[test]
fn the_agenda_reads_dates_as_a_search_does() {
    let dir = indexed_kb("written");
    let agenda = json(&dossier(dir.path(), &["agenda", "--json"]));
    let items: Vec<String> = agenda["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| format!("{} {} {}", item["date"], item["kind"], item["id"]).replace('"', ""))
        .collect();
    // w002's day-first trip and w003's reversed one are no items, as
    // `when:` finds neither; w003's year-less birthday (12月1日) is one.
    assert_eq!(
        items,
        [
            "2026-11-30 trip w001",
            "2026-12-01 birthday w003",
            "2026-12-01 trip w005",
            "2026-12-05 trip w005",
        ],
        "{agenda}"
    );
    // w004's "updated" (26-12-04) is no date: it needs attention.
    let attention: Vec<&str> = agenda["attention"]
        .as_array()
        .expect("attention")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(attention, ["w004"]);
}

/// Runs `dossier watch` on `dir` until `done` holds for its stderr so far
/// (or a 20 s deadline passes), then stops it; returns that stderr.
fn watch_until(dir: &std::path::Path, act: impl FnOnce(), done: impl Fn(&str) -> bool) -> String {
    use std::io::{BufRead, BufReader};
    use std::sync::{Arc, Mutex};
    let mut child = crate::dossier_command(dir, &["watch"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting dossier watch");
    let pipe = child.stderr.take().expect("piped stderr");
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut text = sink.lock().expect("stderr lock");
            text.push_str(&line);
            text.push('\n');
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let seen = |what: &dyn Fn(&str) -> bool| loop {
        if what(&text.lock().expect("stderr lock")) {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let started = seen(&|text: &str| text.contains("dossier: watching"));
    if started {
        act();
    }
    let finished = started && seen(&done);
    let _ = child.kill();
    let _ = child.wait();
    let text = text.lock().expect("stderr lock").clone();
    assert!(finished, "the watcher never said so:\n{text}");
    text
}

#[test]
fn watch_prints_a_warning_and_counts_it_apart() {
    let dir = indexed_kb("written");
    let err = watch_until(
        dir.path(),
        || {
            write_file(
                dir.path(),
                "customers/w006.json",
                "{\"id\": \"w006\", \"name\": \"新客户\",\n \"birthday\": \"31/12\"}",
            )
        },
        |text| text.contains("dossier: synced:"),
    );
    assert!(
        err.contains("customers/w006.json:2:14: warning: \"birthday\" \"31/12\" is not a date"),
        "{err}"
    );
    let synced = err
        .lines()
        .find(|l| l.starts_with("dossier: synced:"))
        .expect("a synced line");
    assert!(synced.contains(" 0 errors, 1 warnings"), "{synced}");
    // The customer is indexed all the same.
    assert_eq!(search_ids(dir.path(), "新客户"), ids(&["w006"]));
}

/// A rebuild (here a vocabulary edit) keeps a broken customer file's last
/// good version, and the notes that link it, by id or by name, still
/// resolve to it, whichever of them comes first in path order: no "names
/// no customer" warning appears. (Found by the convergence run, seed 12345.)
#[test]
fn notes_still_link_a_broken_customers_last_good_version_after_a_rebuild() {
    let dir = tempfile::Builder::new()
        .prefix("dossier-problems-test-")
        .tempdir()
        .expect("a temporary folder");
    let root = dir.path();
    let good = r#"{"id": "c031", "name": "张伟", "notes": "zqgnvrwpyn"}"#;
    crate::write_file(root, "team/c031.json", good);
    crate::write_file(
        root,
        "meetings/a.json",
        r#"[{"customer": "C031", "date": "2026-11-22", "text": "nqjmhpfgxy"},
            {"customer": "张伟", "date": "2026-11-21", "text": "nqbgjwswll"}]"#,
    );
    let output = dossier(root, &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    crate::write_file(root, "team/c031.json", &good.replace("\"id\":", "\"id\""));
    let output = dossier(root, &["index"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    crate::write_file(
        root,
        "dossier-vocab.tsv",
        "interest\tguqin\t古琴|guqin|七弦琴\n",
    );
    let output = dossier(root, &["index"]);
    assert!(
        stderr(&output).contains("rebuilding"),
        "{}",
        describe(&output)
    );
    let status = crate::json(&dossier(root, &["status", "--json"]));
    let problems: Vec<String> = status["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| format!("{} {} {}", p["path"], p["severity"], p["message"]))
        .collect();
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].contains("team/c031.json"), "{problems:#?}");
    for word in ["zqgnvrwpyn", "nqjmhpfgxy", "nqbgjwswll"] {
        assert_eq!(crate::search_ids(root, word), ["c031"], "{word}");
    }
}
