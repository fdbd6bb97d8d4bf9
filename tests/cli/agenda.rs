//! `dossier agenda` on `fixtures/agenda` (dates around Friday 2026-12-04):
//! the contract's `--json` (items and attention, in order), the human view
//! by day in the dossiers' language, `--ics` read back with a calendar
//! parser, and the edge cases a calendar user expects (29 February, year
//! wrap, trips under way, reversed or unreadable dates, bounds of `--days`,
//! an unknown `--owner`).

use std::path::Path;
use std::process::Output;

use icalendar::{Calendar, Component, DatePerhapsTime};
use serde_json::Value;

use crate::{assert_no_failures, code, describe, dossier_command_on, indexed_kb, stderr, stdout};

/// The fixture's day: a Friday.
const TODAY: &str = "2026-12-04";

fn agenda(dir: &Path, today: &str, args: &[&str]) -> Output {
    let mut all = vec!["agenda"];
    all.extend_from_slice(args);
    dossier_command_on(dir, today, &all)
        .output()
        .expect("running dossier agenda")
}

/// `agenda --json`, which must exit 0 and print one object.
fn agenda_json(dir: &Path, today: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let output = agenda(dir, today, &all);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", describe(&output)))
}

/// Items as `date kind id detail` lines.
fn items(value: &Value) -> Vec<String> {
    value["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {value}"))
        .iter()
        .map(|item| {
            format!(
                "{} {} {} {}",
                item["date"].as_str().unwrap_or("?"),
                item["kind"].as_str().unwrap_or("?"),
                item["id"].as_str().unwrap_or("?"),
                item["detail"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// Attention as `id last_contact days` lines.
fn attention(value: &Value) -> Vec<String> {
    value["attention"]
        .as_array()
        .unwrap_or_else(|| panic!("no attention in {value}"))
        .iter()
        .map(|a| {
            format!(
                "{} {} {}",
                a["id"].as_str().unwrap_or("?"),
                a["last_contact"],
                a["days"]
            )
        })
        .collect()
}

#[test]
fn agenda_json_lists_birthdays_trips_and_attention_in_the_contracts_order() {
    let dir = indexed_kb("agenda");
    let value = agenda_json(dir.path(), TODAY, &[]);
    assert_eq!(value["from"], "2026-12-04");
    assert_eq!(value["to"], "2026-12-17");
    assert_eq!(
        items(&value),
        [
            // A birthday written 1988年12月4日 is today; a trip under way
            // since 12-01 is dated today.
            "2026-12-04 birthday a008 1988年12月4日",
            "2026-12-04 trip a003 上海 2026-12-01..2026-12-05 展会",
            "2026-12-05 birthday a011 12-05",
            "2026-12-05 trip a011 Tokyo 2026-12-05 trade fair",
            "2026-12-06 birthday a003 12-06",
            // a001's 广州 trip ended before today; a005's 成都 trip is
            // reversed and its 武汉 trip has an unreadable date: no items.
            "2026-12-08 trip a001 北京 2026-12-08..2026-12-10 部里开会",
            "2026-12-15 birthday a002 1975-12-15",
            // The last day of the window; a009's trip on 12-18 is not.
            "2026-12-17 trip a009 杭州 2026-12-17 客户答谢会",
        ]
    );
    let first = &value["items"][0];
    assert_eq!(first["name"], "吴秀英");
    assert_eq!(first["owner"], "陈杰");
    assert_eq!(
        attention(&value),
        [
            // Neither notes nor `updated`: first, with null.
            "a004 null null",
            // Note 08-30, updated 08-15: the later counts.
            "a003 \"2026-08-30\" 96",
            // Its only note links two customers.
            "a010 \"2026-09-10\" 85",
            "a007 \"2026-10-04\" 61",
            // Not listed: a008 (updated 60 days ago, not more), a006 (old
            // notes but updated 55 days ago).
        ]
    );
}

#[test]
fn agenda_edge_cases_of_the_calendar() {
    let dir = indexed_kb("agenda");
    // (today, arguments, expected items)
    let cases: &[(&str, &[&str], &[&str])] = &[
        // Year wrap: January birthdays and trips, with next year's dates.
        (
            "2026-12-20",
            &["--days", "30"],
            &[
                "2027-01-03 birthday a006 1990-01-03",
                "2027-01-10 trip a005 西安 2027-01-10..2027-01-12 项目验收",
            ],
        ),
        // 29 February in a common year: 28 February; in a leap year: 29.
        (
            "2027-02-20",
            &["--days", "14"],
            &["2027-02-28 birthday a004 1980-02-29"],
        ),
        (
            "2028-02-20",
            &["--days", "14"],
            &["2028-02-29 birthday a004 1980-02-29"],
        ),
        // One day: today only.
        (
            TODAY,
            &["--days", "1"],
            &[
                "2026-12-04 birthday a008 1988年12月4日",
                "2026-12-04 trip a003 上海 2026-12-01..2026-12-05 展会",
            ],
        ),
        // The trip under way on its last day is still today's.
        (
            "2026-12-05",
            &["--days", "1", "--owner", "陈杰"],
            &["2026-12-05 trip a003 上海 2026-12-01..2026-12-05 展会"],
        ),
        // A whole year lists every readable birthday once (a005's
        // 1970-13-45 is none) and every trip to come.
        (
            TODAY,
            &["--days", "366", "--owner", "陈杰"],
            &[
                "2026-12-04 birthday a008 1988年12月4日",
                "2026-12-04 trip a003 上海 2026-12-01..2026-12-05 展会",
                "2026-12-06 birthday a003 12-06",
                "2027-01-03 birthday a006 1990-01-03",
            ],
        ),
        // The owner folded (case), as `owner:` matches.
        (
            TODAY,
            &["--owner", "mark LIU"],
            &[
                "2026-12-05 birthday a011 12-05",
                "2026-12-05 trip a011 Tokyo 2026-12-05 trade fair",
            ],
        ),
    ];
    let mut failures = Vec::new();
    for (today, args, expected) in cases {
        let value = agenda_json(dir.path(), today, args);
        if items(&value) != *expected {
            failures.push(format!(
                "--today {today} {args:?}\nexpected {expected:#?}\ngot {:#?}",
                items(&value)
            ));
        }
    }
    assert_no_failures("agendas", cases.len(), &failures);
}

#[test]
fn agenda_human_view_is_grouped_by_day_in_the_dossiers_language() {
    let dir = indexed_kb("agenda");
    let output = agenda(dir.path(), TODAY, &[]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    for expected in [
        "日程 2026-12-04..2026-12-17 (14 天)",
        "今天 周五 12-04",
        "  生日  吴秀英 · 满 38 岁 · 1988年12月4日 · 负责人 陈杰  [a008]",
        "  行程  张伟 · 上海 2026-12-01..2026-12-05 展会（进行中，至 12-05） · 负责人 陈杰  [a003]",
        "明天 周六 12-05",
        "  生日  Emma Wilson · 12-05 · 负责人 Mark Liu  [a011]",
        "周二 12-08",
        "  行程  王建国 · 北京 2026-12-08..2026-12-10 部里开会 · 负责人 刘芳  [a001]",
        "需要跟进 (4)",
        "  Michael Brown · 负责人 Mark Liu · 从未联系  [a004]",
        "  张伟 · 负责人 陈杰 · 上次联系 2026-08-30，96 天前  [a003]",
    ] {
        assert!(lines.contains(&expected), "missing {expected:?}:\n{text}");
    }
    let position = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{text}"))
    };
    assert!(position("今天") < position("明天") && position("明天") < position("周日 12-06"));
    assert!(position("周四 12-17") < position("需要跟进"));

    // Mostly English names: English labels.
    let output = agenda(dir.path(), TODAY, &["--owner", "Mark Liu"]);
    let text = stdout(&output);
    for expected in [
        "Agenda 2026-12-04..2026-12-17 (14 days)",
        "Tomorrow Sat 12-05",
        "  birthday  Emma Wilson · 12-05 · owner Mark Liu  [a011]",
        "  trip      Emma Wilson · Tokyo 2026-12-05 trade fair · owner Mark Liu  [a011]",
        "Needs attention (1)",
        "  Michael Brown · owner Mark Liu · never contacted  [a004]",
    ] {
        assert!(
            text.lines().any(|line| line.trim_end() == expected),
            "missing {expected:?}:\n{text}"
        );
    }
    let output = agenda(dir.path(), "2027-02-20", &["--owner", "Mark Liu"]);
    assert!(
        stdout(&output).contains("Michael Brown · turns 47 · 1980-02-29"),
        "{}",
        describe(&output)
    );
}

#[test]
fn agenda_rejects_out_of_bounds_days_and_accepts_an_unknown_owner() {
    let dir = indexed_kb("agenda");
    for days in ["0", "367", "100000", "99999999999999999999999", "-3", "two"] {
        let output = agenda(dir.path(), TODAY, &["--days", days]);
        assert_eq!(code(&output), 2, "--days {days}\n{}", describe(&output));
        assert!(
            stdout(&output).is_empty(),
            "--days {days}\n{}",
            describe(&output)
        );
        assert!(
            stderr(&output).contains("days") && !stderr(&output).contains("panicked"),
            "--days {days}\n{}",
            describe(&output)
        );
    }
    let output = agenda(dir.path(), TODAY, &["--days", "0"]);
    assert!(
        stderr(&output).contains("1 to 366 days"),
        "{}",
        describe(&output)
    );

    for args in [
        &["--json", "--owner", "王五"][..],
        &["--owner", "王五"],
        &["--ics", "--owner", "王五"],
    ] {
        let output = agenda(dir.path(), TODAY, args);
        assert_eq!(code(&output), 0, "{args:?}\n{}", describe(&output));
        assert!(
            stderr(&output).contains("王五: no customer has this owner"),
            "{args:?}\n{}",
            describe(&output)
        );
    }
    let value = agenda_json(dir.path(), TODAY, &["--owner", "王五"]);
    assert_eq!(value["items"], Value::Array(Vec::new()));
    assert_eq!(value["attention"], Value::Array(Vec::new()));
}

/// The events of an `--ics` output, parsed back.
fn calendar(dir: &Path, today: &str, args: &[&str]) -> (String, Calendar) {
    let mut all = vec!["--ics"];
    all.extend_from_slice(args);
    let output = agenda(dir, today, &all);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = stdout(&output);
    let parsed: Calendar = text
        .parse()
        .unwrap_or_else(|e| panic!("not iCalendar: {e}\n{text}"));
    (text, parsed)
}

fn date(value: Option<DatePerhapsTime>) -> String {
    match value {
        Some(DatePerhapsTime::Date(day)) => day.format("%Y%m%d").to_string(),
        other => format!("{other:?}"),
    }
}

/// `UID DTSTART DTEND RRULE` per event, sorted.
fn events(calendar: &Calendar) -> Vec<String> {
    let mut events: Vec<String> = calendar
        .events()
        .map(|event| {
            format!(
                "{} {} {} {}",
                event.get_uid().unwrap_or("?"),
                date(event.get_start()),
                date(event.get_end()),
                event.property_value("RRULE").unwrap_or("-")
            )
        })
        .collect();
    events.sort();
    events
}

#[test]
fn agenda_ics_holds_every_trip_to_come_and_every_birthday() {
    let dir = indexed_kb("agenda");
    let (text, parsed) = calendar(dir.path(), TODAY, &[]);
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    assert!(text.contains("\r\nVERSION:2.0\r\n"), "{text}");
    // Every line within 75 octets (RFC 5545 3.1: longer ones are folded).
    assert!(text.split("\r\n").all(|line| line.len() <= 75), "{text}");
    let all = events(&parsed);
    // 6 trips not over (not a001's 广州, a005's 成都 reversed or 武汉
    // unreadable), 7 readable birthdays (not a005's 1970-13-45).
    assert_eq!(all.len(), 13, "{all:#?}");
    let uids: std::collections::BTreeSet<&str> = all
        .iter()
        .map(|e| e.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(uids.len(), 13, "UIDs are unique: {all:#?}");
    let mut failures = Vec::new();
    for (uid_part, expected) in [
        // All-day trips end the day after their last (DTEND exclusive).
        ("-trip1-20261208-20261210@dossier", "20261208 20261211 -"),
        ("-trip0-20261201-20261205@dossier", "20261201 20261206 -"),
        ("-trip0-20261217-20261217@dossier", "20261217 20261218 -"),
        ("-trip2-20270110-20270112@dossier", "20270110 20270113 -"),
        // Yearly birthdays from the year of birth, or 2000 without one.
        ("-birthday@dossier", "19751215 19751216 FREQ=YEARLY"),
        ("-birthday@dossier", "20001206 20001207 FREQ=YEARLY"),
        ("-birthday@dossier", "19881204 19881205 FREQ=YEARLY"),
        // 29 February on the last day of February in other years.
        (
            "-birthday@dossier",
            "19800229 19800301 FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1",
        ),
    ] {
        if !all
            .iter()
            .any(|e| e.contains(uid_part) && e.ends_with(expected))
        {
            failures.push(format!("no event {uid_part} {expected} in {all:#?}"));
        }
    }
    assert_no_failures("events", 8, &failures);
    for city in ["成都", "武汉", "广州"] {
        assert!(!text.contains(city), "{city} is no event:\n{text}");
    }
    let beijing = parsed
        .events()
        .find(|e| e.get_uid().is_some_and(|u| u.contains("-trip1-")))
        .expect("the 北京 trip");
    assert_eq!(beijing.get_summary(), Some("王建国 · 北京 · 部里开会"));
    assert!(
        beijing
            .get_description()
            .is_some_and(|d| d.contains("刘芳")),
        "{text}"
    );
    assert_eq!(beijing.property_value("DTSTAMP"), Some("20261204T000000Z"));

    // The same feed whatever --days; the same bytes twice; the same UIDs
    // the next day (re-importing updates, never duplicates).
    let (again, _) = calendar(dir.path(), TODAY, &["--days", "1"]);
    assert_eq!(text, again);
    let (_, next_day) = calendar(dir.path(), "2026-12-05", &[]);
    let uids_next: std::collections::BTreeSet<String> = next_day
        .events()
        .filter_map(|e| e.get_uid().map(str::to_string))
        .collect();
    assert_eq!(
        uids_next,
        uids.iter().map(|u| u.to_string()).collect(),
        "UIDs are stable from one day to the next"
    );

    // --owner applies: 陈杰's customers only (a003's trip and birthday,
    // a006's and a008's birthdays).
    let (_, owned) = calendar(dir.path(), TODAY, &["--owner", "陈杰"]);
    assert_eq!(events(&owned).len(), 4, "{:#?}", events(&owned));
}

#[test]
fn show_opens_with_the_brief_by_the_agendas_rules() {
    let dir = indexed_kb("agenda");
    let output = dossier_command_on(dir.path(), TODAY, &["show", "a003"])
        .output()
        .expect("running dossier show");
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    for expected in [
        "拜访前 Before the visit",
        "  next trip     上海 2026-12-01..2026-12-05 展会 (under way, until 2026-12-05)",
        "  birthday      12-06: in 2 days (2026-12-06)",
        "  last contact  2026-08-30 (96 days ago)",
        "  needs attention: nothing written or updated for more than 60 days",
    ] {
        assert!(lines.contains(&expected), "missing {expected:?}:\n{text}");
    }
    let brief_at = text.find("拜访前").expect("the brief");
    let profile_at = text.find("基本资料").expect("the profile");
    let notes_at = text.find("会谈纪要与走访").expect("the notes");
    assert!(brief_at < profile_at && profile_at < notes_at, "{text}");

    // (customer, expected brief)
    let cases = [
        (
            "a003",
            serde_json::json!({
                "next_trip": {"city": "上海", "from": "2026-12-01", "to": "2026-12-05",
                              "purpose": "展会", "under_way": true, "days": 0},
                "birthday": {"written": "12-06", "next": "2026-12-06", "days": 2, "turns": null},
                "last_contact": "2026-08-30", "days_since_contact": 96,
                "needs_attention": true, "competitors": [], "satisfaction": null
            }),
        ),
        (
            "a001",
            serde_json::json!({
                // The 广州 trip is over; the next one is 北京.
                "next_trip": {"city": "北京", "from": "2026-12-08", "to": "2026-12-10",
                              "purpose": "部里开会", "under_way": false, "days": 4},
                "birthday": {"written": "1966-03-12", "next": "2027-03-12", "days": 98, "turns": 61},
                "last_contact": "2026-11-20", "days_since_contact": 14,
                "needs_attention": false,
                "competitors": [{"name": "IBM", "product": "计费系统", "satisfaction": "一般"}],
                "satisfaction": null
            }),
        ),
        (
            // Reversed and unreadable trips are skipped; so is an
            // unreadable birthday.
            "a005",
            serde_json::json!({
                "next_trip": {"city": "西安", "from": "2027-01-10", "to": "2027-01-12",
                              "purpose": "项目验收", "under_way": false, "days": 37},
                "birthday": null,
                "last_contact": "2026-11-01", "days_since_contact": 33,
                "needs_attention": false, "competitors": [], "satisfaction": null
            }),
        ),
        (
            "a004",
            serde_json::json!({
                "next_trip": null,
                "birthday": {"written": "1980-02-29", "next": "2027-02-28", "days": 86, "turns": 47},
                "last_contact": null, "days_since_contact": null,
                "needs_attention": true, "competitors": [], "satisfaction": null
            }),
        ),
    ];
    let mut failures = Vec::new();
    for (id, expected) in &cases {
        let output = dossier_command_on(dir.path(), TODAY, &["show", "--json", id])
            .output()
            .expect("running dossier show --json");
        let value: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("not JSON: {e}\n{}", describe(&output)));
        // Every field show --json had before is still there.
        for key in ["id", "kind", "path", "name", "profile", "notes"] {
            if value.get(key).is_none() {
                failures.push(format!("show --json {id}: no {key}"));
            }
        }
        if value["brief"] != *expected {
            failures.push(format!(
                "show --json {id}: brief\nexpected {expected:#}\ngot {:#}",
                value["brief"]
            ));
        }
    }
    assert_no_failures("briefs", cases.len(), &failures);
}
