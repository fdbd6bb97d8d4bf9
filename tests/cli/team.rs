//! The team: `team add` and `team check`, `--as NAME`, and the hostile
//! tests of who sees which dossiers (`fixtures/team`, whose team file and
//! customers are described in its `dossier-team.toml`).

use crate::team_views::{CUSTOMERS, QUERIES, QUESTIONS, views};
use crate::{code, describe, dossier, indexed_kb, kb, read_file, stderr, stdout, write_file};

#[test]
fn team_add_prints_a_token_once_and_a_block_with_only_its_hash() {
    let dir = kb("team");
    let before = read_file(dir.path(), "dossier-team.toml");
    let output = dossier(
        dir.path(),
        &[
            "team",
            "add",
            "张磊",
            "--role",
            "manager",
            "--team",
            "刘芳, Mark Liu",
        ],
    );
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let out = stdout(&output);
    let token = out
        .split_whitespace()
        .find(|w| w.starts_with("dsk_"))
        .unwrap_or_else(|| panic!("no token printed\n{out}"));
    assert_eq!(token.len(), 4 + 64);
    assert_eq!(
        out.matches(token).count(),
        1,
        "the token is printed once\n{out}"
    );
    let block = &out[out.find("[[user]]").expect("a [[user]] block")..];
    assert!(block.contains("name = \"张磊\"\nrole = \"manager\"\nteam = [\"刘芳\", \"Mark Liu\"]\ntoken_sha256 = \""), "{block}");
    assert!(
        !block.contains(token),
        "the block holds only the hash\n{block}"
    );
    // Nothing written inside the knowledge base.
    assert_eq!(read_file(dir.path(), "dossier-team.toml"), before);
    // The block pasted into the file lets the token in (checked through
    // `team check`, then `--as`).
    write_file(
        dir.path(),
        "dossier-team.toml",
        &format!("{before}\n{block}"),
    );
    let check = dossier(dir.path(), &["team", "check"]);
    assert_eq!(code(&check), 0, "{}", describe(&check));
    assert!(
        stderr(&check).contains("张磊: no customer has this owner"),
        "{}",
        describe(&check)
    );
    let again = dossier(dir.path(), &["team", "add", "x", "--role", "boss"]);
    assert_eq!(code(&again), 2);
    assert!(
        stderr(&again).contains("--role boss: unknown role"),
        "{}",
        describe(&again)
    );
}

#[test]
fn team_check_reports_every_problem_with_its_line_and_exits_2_on_errors() {
    let dir = kb("team");
    let good = dossier(dir.path(), &["team", "check"]);
    assert_eq!(code(&good), 0, "{}", describe(&good));
    let text = read_file(dir.path(), "dossier-team.toml");
    let bad = text
        .replace(
            "role = \"rep\"\ntoken_sha256 = \"",
            "role = \"intern\"\ntoken_sha256 = \"",
        )
        .replace("team = [\"刘芳\"]", "team = [\"刘芳\", \"赵六\"]")
        + "\n[[user]]\nname = \"劉芳\"\nrole = \"rep\"\ntoken_sha256 = \"abc\"\n";
    write_file(dir.path(), "dossier-team.toml", &bad);
    let output = dossier(dir.path(), &["team", "check"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    let err = stderr(&output);
    let line_of = |needle: &str| bad[..bad.find(needle).unwrap()].matches('\n').count() + 1;
    for expected in [
        format!(
            "dossier-team.toml:{}:8: intern: unknown role",
            line_of("role = \"intern\"")
        ),
        format!("dossier-team.toml:{}:", line_of("\"赵六\"")) + "15: 赵六: in the team of 陈杰",
        format!(
            "dossier-team.toml:{}:8: 劉芳: a second user with this name",
            line_of("name = \"劉芳\"")
        ),
        format!(
            "dossier-team.toml:{}:16: token_sha256 is not 64 hex digits",
            line_of("\"abc\"")
        ),
    ] {
        assert!(err.contains(&expected), "missing {expected}\n{err}");
    }
    // A broken team file denies every --as, and says how to find out why.
    let search = dossier(dir.path(), &["--as", "刘芳", "search", "话剧"]);
    assert_eq!(code(&search), 2, "{}", describe(&search));
    assert!(
        stderr(&search).contains("dossier team check"),
        "{}",
        describe(&search)
    );
}

#[test]
fn as_needs_a_team_file_and_a_user_of_it() {
    let plain = indexed_kb("kb");
    let output = dossier(plain.path(), &["--as", "刘芳", "search", "话剧"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    assert!(
        stderr(&output).contains("has no dossier-team.toml"),
        "{}",
        describe(&output)
    );
    let team = indexed_kb("team");
    let output = dossier(team.path(), &["--as", "nobody", "search", "话剧"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    assert!(
        stderr(&output).contains("nobody: no such user"),
        "{}",
        describe(&output)
    );
}

/// Every command a reader may run, over queries that touch customers of
/// several owners: broad ones, interests, competitors, words of notes
/// shared by customers of two owners, private values, questions, ids and
/// names of every customer.
fn commands() -> Vec<Vec<String>> {
    let mut commands: Vec<Vec<String>> = Vec::new();
    for query in QUERIES {
        for json in [true, false] {
            let mut command = vec!["search".to_string()];
            if json {
                command.push("--json".into());
            }
            command.extend(["--limit".to_string(), "100".to_string(), query.to_string()]);
            commands.push(command);
        }
    }
    for &question in QUESTIONS {
        commands.push(vec!["ask".into(), "--json".into(), question.into()]);
        commands.push(vec!["ask".into(), question.into()]);
    }
    for (id, name, _, _) in CUSTOMERS {
        for term in [id, name] {
            commands.push(vec!["show".into(), "--json".into(), term.to_string()]);
            commands.push(vec!["show".into(), term.to_string()]);
        }
    }
    commands.push(vec!["show".into(), "nosuch".into()]);
    for agenda in [
        &["agenda"][..],
        &["agenda", "--json"],
        &["agenda", "--json", "--days", "366"],
        &["agenda", "--ics"],
        &["agenda", "--json", "--owner", "王五"],
        &["agenda", "--owner", "Mark Liu"],
        &["agenda", "--owner", "刘芳", "--ics"],
    ] {
        commands.push(agenda.iter().map(|s| s.to_string()).collect());
    }
    commands.push(vec!["status".into(), "--json".into()]);
    commands.push(vec!["status".into()]);
    commands
}

#[test]
fn nobody_sees_an_invisible_customer_or_a_private_field_in_any_output() {
    let dir = indexed_kb("team");
    let mut failures = Vec::new();
    let mut cases = 0;
    for (reader, visible, private) in views() {
        for command in commands() {
            cases += 1;
            let mut args: Vec<&str> = Vec::new();
            if let Some(reader) = reader {
                args.extend(["--as", reader]);
            }
            args.extend(command.iter().map(String::as_str));
            let output = dossier(dir.path(), &args);
            // What the user typed is echoed back (`"query"`, an error
            // naming the term): it is not a leak, so it is blanked first.
            let mut all = format!("{}{}", stdout(&output), stderr(&output));
            for arg in &command[1..] {
                if !arg.starts_with("--") && arg.len() > 2 {
                    all = all.replace(arg.as_str(), "<typed>");
                }
            }
            let mut leaks = crate::team_views::leaks(&all, &visible, &private);
            // Asked for by id or name: "not found", as if unknown.
            for (id, name, _, _) in CUSTOMERS {
                if !visible.contains(id)
                    && command[0] == "show"
                    && command.iter().any(|a| a == id || a == name)
                    && code(&output) != 2
                {
                    leaks.push(format!("show of invisible {id} did not fail"));
                }
            }
            // Counts: a search's total is its hits (all shown at --limit 100).
            if command[0] == "search"
                && command.contains(&"--json".to_string())
                && code(&output) != 2
            {
                let value: serde_json::Value = serde_json::from_slice(&output.stdout)
                    .unwrap_or_else(|e| panic!("{args:?}: not JSON: {e}"));
                let hits = value["hits"].as_array().map_or(0, Vec::len);
                if value["total"].as_u64() != Some(hits as u64) {
                    leaks.push(format!("total {} for {hits} hits", value["total"]));
                }
                for id in crate::hit_ids(&value) {
                    if !visible.contains(&id.as_str()) {
                        leaks.push(format!("hit {id}"));
                    }
                }
            }
            if !leaks.is_empty() {
                failures.push(format!(
                    "{args:?}: {}\n{}",
                    leaks.join(", "),
                    describe(&output)
                ));
            }
        }
    }
    crate::assert_no_failures("outputs", cases, &failures);
}

#[test]
fn each_reader_finds_exactly_what_they_may_see() {
    let dir = indexed_kb("team");
    let search = |reader: Option<&str>, query: &str| -> Vec<String> {
        let mut args = Vec::new();
        if let Some(reader) = reader {
            args.extend(["--as", reader]);
        }
        args.extend(["search", "--json", "--limit", "100", query]);
        let output = dossier(dir.path(), &args);
        assert!(code(&output) < 2, "{args:?}\n{}", describe(&output));
        let mut ids = crate::hit_ids(&crate::json(&output));
        ids.sort();
        ids
    };
    let cases: &[(Option<&str>, &str, &[&str])] = &[
        (Some("刘芳"), "likes:话剧", &["t01", "t06"]),
        (Some("Mark Liu"), "likes:话剧", &["t03", "t06"]),
        (Some("Mark Liu"), "likes:theatre", &["t03", "t06"]),
        (Some("陈杰"), "likes:话剧", &["t01", "t05", "t06"]),
        (
            Some("Boss"),
            "likes:话剧",
            &["t01", "t03", "t05", "t06", "t07"],
        ),
        (None, "likes:话剧", &["t01", "t03", "t05", "t06", "t07"]),
        // A note of t01 and t03 is seen with whichever its reader sees.
        (Some("刘芳"), "蓝海项目", &["t01", "t06"]),
        (Some("Mark Liu"), "蓝海项目", &["t03", "t06"]),
        (Some("陈杰"), "蓝海项目", &["t01", "t05", "t06"]),
        (Some("Mark Liu"), "蓝海项目 likes:golf", &["t03"]),
        // Private fields: the owner and admins only.
        (Some("刘芳"), "潜水", &["t01"]),
        (Some("陈杰"), "潜水", &[]),
        (Some("Boss"), "潜水", &["t01"]),
        (Some("刘芳"), "13800001111", &["t01"]),
        (Some("陈杰"), "13800001111", &[]),
        (Some("陈杰"), "13700003333", &["t05"]),
        (Some("Mark Liu"), "13900002222", &["t03"]),
        // Owners compare folded: 劉芳 and mark liu are theirs.
        (Some("刘芳"), "likes:茶艺", &["t01", "t02"]),
        (Some("Mark Liu"), "likes:golf", &["t03", "t04"]),
    ];
    let mut failures = Vec::new();
    for &(reader, query, expected) in cases {
        let got = search(reader, query);
        if got != crate::ids(expected) {
            failures.push(format!(
                "{reader:?} {query}: got {got:?}, expected {expected:?}"
            ));
        }
    }
    crate::assert_no_failures("searches", cases.len(), &failures);
}

#[test]
fn show_hides_what_the_reader_may_not_see() {
    let dir = indexed_kb("team");
    let show =
        |reader: &str, id: &str| dossier(dir.path(), &["--as", reader, "show", "--json", id]);
    // An invisible customer is "not found", exactly like an unknown one.
    let hidden = show("刘芳", "t03");
    let unknown = show("刘芳", "t99");
    assert_eq!(code(&hidden), 2);
    assert_eq!(
        stderr(&hidden).replace("t03", "ID"),
        stderr(&unknown).replace("t99", "ID")
    );
    // Private fields go to the owner only; a shared note's links name only
    // the customers the reader sees.
    let manager = crate::json(&show("陈杰", "t01"));
    assert!(manager["profile"].get("contacts").is_none(), "{manager}");
    assert!(manager["profile"].get("birthday").is_none(), "{manager}");
    assert!(manager["profile"].get("family").is_none(), "{manager}");
    let note = &manager["notes"][0]["record"];
    assert_eq!(note["customers"], serde_json::json!(["t01"]), "{manager}");
    let owner = crate::json(&show("刘芳", "t01"));
    assert_eq!(owner["profile"]["contacts"]["mobile"], "13800001111");
    assert_eq!(owner["profile"]["birthday"], "1966-12-02");
    let admin = crate::json(&show("Boss", "t01"));
    assert_eq!(
        admin["notes"][0]["record"]["customers"],
        serde_json::json!(["t01", "t03"])
    );
}

/// A running watcher answers `--as` searches as that person sees the
/// knowledge base, and a changed team file applies without a restart.
#[test]
fn a_watcher_answers_as_the_reader_and_follows_the_team_file() {
    use std::time::{Duration, Instant};
    let dir = indexed_kb("team");
    let mut watcher = std::process::Command::new(env!("CARGO_BIN_EXE_dossier"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["watch", "--dir"])
        .arg(dir.path())
        .args(["--today", crate::TODAY])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start dossier watch");
    let via_watcher = |args: &[&str]| {
        crate::dossier_command(dir.path(), args)
            .env("DOSSIER_VIA_WATCHER", "only")
            .output()
            .expect("run dossier")
    };
    let ids_as = |reader: &str| -> Option<Vec<String>> {
        let output = via_watcher(&["--as", reader, "search", "--json", "蓝海项目"]);
        (code(&output) < 2).then(|| {
            let mut ids = crate::hit_ids(&crate::json(&output));
            ids.sort();
            ids
        })
    };
    let eventually = |reader: &str, expected: &[&str]| {
        let started = Instant::now();
        loop {
            let got = ids_as(reader);
            if got.as_deref() == Some(&crate::ids(expected)[..]) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{reader}: {got:?}, expected {expected:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    eventually("刘芳", &["t01", "t06"]);
    eventually("Mark Liu", &["t03", "t06"]);
    // 刘芳 becomes a manager of Mark Liu: the next answer says so.
    let text = read_file(dir.path(), "dossier-team.toml").replacen(
        "role = \"rep\"",
        "role = \"manager\"\nteam = [\"Mark Liu\"]",
        1,
    );
    write_file(dir.path(), "dossier-team.toml", &text);
    eventually("刘芳", &["t01", "t03", "t06"]);
    let _ = watcher.kill();
    let _ = watcher.wait();
}

#[test]
fn the_agenda_lists_only_what_the_reader_may_see() {
    let dir = indexed_kb("team");
    let agenda = |reader: &str| {
        let output = dossier(dir.path(), &["--as", reader, "agenda", "--json"]);
        assert_eq!(code(&output), 0, "{}", describe(&output));
        let value = crate::json(&output);
        let mut items: Vec<String> = value["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|item| {
                format!(
                    "{} {}",
                    item["kind"].as_str().unwrap(),
                    item["id"].as_str().unwrap()
                )
            })
            .collect();
        items.sort();
        items
    };
    // t01's and t02's birthdays are 刘芳's to see; t05's is 陈杰's; the
    // trips of the customers they see are theirs too.
    let cases: &[(&str, &[&str])] = &[
        ("刘芳", &["birthday t01", "birthday t02", "trip t01"]),
        ("Mark Liu", &["birthday t03", "trip t03"]),
        ("陈杰", &["birthday t05", "trip t01"]),
        (
            "Boss",
            &[
                "birthday t01",
                "birthday t02",
                "birthday t03",
                "birthday t05",
                "trip t01",
                "trip t03",
            ],
        ),
    ];
    for (reader, expected) in cases {
        assert_eq!(agenda(reader), *expected, "{reader}");
    }
    // The calendar feed: no yearly event for a birthday the reader may not see.
    let ics = stdout(&dossier(dir.path(), &["--as", "陈杰", "agenda", "--ics"]));
    assert!(ics.contains("赵敏"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "{ics}");
}
