//! A running watcher answers one-shot commands over its socket as they
//! would answer alone: searches, questions, agendas (and a kept agenda
//! follows each commit).

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::{DEADLINE, Watcher, customer, write};
use crate::kb;

/// Runs a one-shot command with `DOSSIER_VIA_WATCHER` set: `only` must be
/// answered by a running watcher, `no` searches in its own process.
pub(super) fn via(dir: &Path, how: &str, args: &[&str]) -> Output {
    via_on(dir, crate::TODAY, how, args)
}

/// `via` with another `--today`.
fn via_on(dir: &Path, today: &str, how: &str, args: &[&str]) -> std::process::Output {
    crate::dossier_command_on(dir, today, args)
        .env("DOSSIER_VIA_WATCHER", how)
        .output()
        .unwrap_or_else(|e| panic!("running dossier {args:?}: {e}"))
}

/// What differs between a command answered by the watcher and the same
/// command alone (exit code, stdout, stderr), described under `label`;
/// `None` when nothing does.
fn served_unlike_alone(label: &str, served: &Output, alone: &Output) -> Option<String> {
    (served.status.code() != alone.status.code()
        || served.stdout != alone.stdout
        || served.stderr != alone.stderr)
        .then(|| {
            format!(
                "{label}\n=== answered by the watcher\n{}\n=== alone\n{}",
                crate::describe(served),
                crate::describe(alone)
            )
        })
}

#[test]
fn a_running_watcher_answers_searches_as_the_search_itself_would() {
    let dir = kb("kb");
    let root = dir.path();
    let socket = root.join(".dossier/search.sock");
    let mut watcher = Watcher::start(root, &[]);
    assert!(socket.exists(), "no socket once watching");
    let cases: &[&[&str]] = &[
        &["search", "--json", "likes:话剧"],
        &["search", "likes:theatre"],
        &["search", "--limit", "1", "计费系统"],
        &["search", "--json", "--limit", "2", "mentions:Lenovo"],
        &["search", "--json", "travel:北京 when:next-week"],
        &["search", "--json", "无此词语"],
        &["search", "likes:"],
        &["search", "--json", "travel:Atlantis"],
        &["ask", "谁下周去北京"],
        &["ask", "--json", "who likes theatre?"],
        &["ask", "hello there"],
    ];
    let mut failures = Vec::new();
    for args in cases {
        let served = via(root, "only", args);
        let alone = via(root, "no", args);
        failures.extend(served_unlike_alone(&format!("{args:?}"), &served, &alone));
    }
    crate::assert_no_failures("watcher answers", cases.len(), &failures);

    // What the watcher answers follows the files.
    write(
        &root.join("customers/c980.json"),
        &customer("c980", "套接字客户", "钓鱼"),
    );
    let started = Instant::now();
    while !String::from_utf8_lossy(&via(root, "only", &["search", "--json", "套接字客户"]).stdout)
        .contains("c980")
    {
        assert!(
            started.elapsed() < DEADLINE,
            "the watcher never answered c980"
        );
        std::thread::sleep(Duration::from_millis(25));
    }

    // Another binary (here: the same file under another name) is not
    // answered, as its output could differ; on its own it still searches.
    let other = tempfile::tempdir().expect("temp dir");
    let copy = other.path().join("dossier-other");
    if std::fs::hard_link(env!("CARGO_BIN_EXE_dossier"), &copy).is_err() {
        std::fs::copy(env!("CARGO_BIN_EXE_dossier"), &copy).expect("copy the binary");
    }
    let run_copy = |how: &str| {
        Command::new(&copy)
            .env_clear()
            .env("NO_COLOR", "1")
            .env("DOSSIER_VIA_WATCHER", how)
            .arg("--dir")
            .arg(root)
            .args(["--today", crate::TODAY, "search", "--json", "likes:话剧"])
            .output()
            .expect("run the copy")
    };
    let refused = run_copy("only");
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("another dossier binary"),
        "{refused:?}"
    );
    let alone = run_copy("auto");
    assert_eq!(alone.status.code(), Some(0), "{alone:?}");
    assert_eq!(
        alone.stdout,
        via(root, "only", &["search", "--json", "likes:话剧"]).stdout
    );

    // Killed, the watcher leaves its socket behind: searches do not wait
    // for it, and the next watcher takes the socket over.
    watcher.signal("-KILL");
    assert!(socket.exists(), "a killed watcher cannot remove its socket");
    let after_kill = via(root, "auto", &["search", "--json", "套接字客户"]);
    assert_eq!(after_kill.status.code(), Some(0), "{after_kill:?}");
    let only = via(root, "only", &["search", "--json", "套接字客户"]);
    assert_eq!(only.status.code(), Some(2), "{only:?}");
    assert!(
        String::from_utf8_lossy(&only.stderr).contains("search.sock"),
        "{only:?}"
    );
    let mut restarted = Watcher::start(root, &[]);
    let served = via(root, "only", &["search", "--json", "套接字客户"]);
    assert_eq!(served.stdout, after_kill.stdout, "{served:?}");
    // Stopped cleanly, it removes the socket.
    let status = restarted.signal("-INT");
    assert_eq!(status.code(), Some(0), "{}", restarted.stderr());
    assert!(!socket.exists(), "socket left after a clean stop");
}

#[test]
fn a_running_watcher_answers_the_agenda_as_the_agenda_itself_would() {
    // (fixture, the agenda's arguments): the whole agenda and one owner's,
    // as JSON and as text, and a rep's view of a knowledge base with a team.
    let cases: &[(&str, &[&str])] = &[
        ("agenda", &["agenda", "--json"]),
        ("agenda", &["agenda"]),
        (
            "agenda",
            &["agenda", "--json", "--days", "40", "--owner", "刘芳"],
        ),
        ("agenda", &["agenda", "--owner", "nobody at all"]),
        ("team", &["agenda", "--json", "--days", "366"]),
        (
            "team",
            &["--as", "陈杰", "agenda", "--json", "--days", "366"],
        ),
        ("team", &["--as", "Mark Liu", "agenda", "--days", "366"]),
    ];
    let mut failures = Vec::new();
    for fixture in ["agenda", "team"] {
        let dir = kb(fixture);
        let root = dir.path();
        let _watcher = Watcher::start(root, &[]);
        for (_, args) in cases.iter().filter(|(f, _)| *f == fixture) {
            let served = via_on(root, "2026-12-04", "only", args);
            let alone = via_on(root, "2026-12-04", "no", args);
            let label = format!("{fixture} {args:?}");
            if served.status.code() != Some(0) {
                failures.push(format!(
                    "{label}: exit 0 expected\n{}",
                    crate::describe(&served)
                ));
            }
            failures.extend(served_unlike_alone(&label, &served, &alone));
        }
    }
    crate::assert_no_failures("agenda answers", cases.len(), &failures);
}

/// The watcher renders an agenda once per commit and question and sends
/// it again as it was (`serve::agendas`): asked twice it is the same, and
/// a file saved since (a new commit) is in the next answer.
#[test]
fn a_watchers_kept_agenda_follows_each_commit() {
    let dir = kb("agenda");
    let root = dir.path();
    let _watcher = Watcher::start(root, &[]);
    let run = |how: &str| {
        let output = via_on(root, "2026-12-04", how, &["agenda", "--json"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            crate::describe(&output)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let first = run("only");
    assert_eq!(run("only"), first);
    assert_eq!(run("no"), first);
    assert!(!first.contains("a990"), "{first}");
    write(
        &root.join("customers/a990.json"),
        r#"{"id": "a990", "name": "Dora Kim", "owner": "刘芳", "birthday": "1980-12-05"}"#,
    );
    let started = Instant::now();
    let served = loop {
        let served = run("only");
        if served.contains("a990") {
            break served;
        }
        assert!(
            started.elapsed() < DEADLINE,
            "the watcher's agenda never showed a990: {served}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(served, run("no"));
    assert!(
        served.contains(r#""kind":"birthday","id":"a990""#),
        "{served}"
    );
}
