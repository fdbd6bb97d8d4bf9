//! Property tests (fuzzing without panics) of the library's readers of what
//! people type and write: the record parser, the date readers, the query
//! parser and `ask`. Generated input reaches the interesting cases (quotes,
//! colons, parentheses, `OR`, `-`, CJK, full-width forms, huge numbers,
//! empty strings), not only random ASCII.
//!
//! Bounded: `DOSSIER_PROPTEST_CASES` cases per property (default 256, a few
//! seconds in all), from a fixed seed unless `DOSSIER_PROPTEST_SEED` gives
//! another, so a run is repeatable; proptest prints the smallest failing
//! input. A long run: `DOSSIER_PROPTEST_CASES=100000 cargo test --test cli
//! properties`.

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

use dossier::dates::{self, parse_birthday, parse_date, parse_range};
use dossier::record::parse_file;
use dossier::{Error, ask, query};

fn config() -> Config {
    let number = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    Config {
        cases: number("DOSSIER_PROPTEST_CASES")
            .map_or(256, |n| n.clamp(1, u64::from(u32::MAX)) as u32),
        rng_seed: RngSeed::Fixed(number("DOSSIER_PROPTEST_SEED").unwrap_or(20_261_204)),
        // A failure is printed, never written into the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Pieces that people type into queries and questions, and that parsers
/// trip over.
fn query_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            " ", "  ", "\t", "\"", "“", "”", "「", "」", "『", "』", ":", "：", "(", ")", "（",
            "）", "-", "--", "OR", "or", "AND", "*", "..", ".", "/", "likes:", "travel:",
            "when:", "mentions:", "owner:", "name:", "city:", "date:", "birthday:",
            "region:", "contacts.wechat:", "LIKES:", "next-week", "next-99999999-days",
            "last-30-days", "2026-12", "2026-12-01..2026-12-03", "2026-02-30",
            "99999999999999999999", "-1", "0", "今天", "下周", "下个月", "本週", "北京",
            "話劇", "高尔夫", "ＩＢＭ", "２０２６－１２－０１", "golf", "IBM", "http://x",
            "10:30", "谁", "who likes", "?", "？", "。", "'", "\\", "\u{3000}", "é",
        ])
        .prop_map(str::to_string),
        1 => "[a-z0-9]{1,6}",
        1 => any::<char>().prop_map(String::from),
    ]
}

fn query_text() -> impl Strategy<Value = String> {
    prop::collection::vec(query_piece(), 0..12).prop_map(|pieces| pieces.concat())
}

/// A today in four-digit years, as `--today` allows.
fn today() -> impl Strategy<Value = NaiveDate> {
    (0i32..=9999, 1u32..=366).prop_map(|(year, ordinal)| {
        NaiveDate::from_yo_opt(year, ordinal)
            .or_else(|| NaiveDate::from_yo_opt(year, 365))
            .expect("day 365 exists in every year")
    })
}

/// Text that dates are written in, right and wrong.
fn date_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => "[0-9]{1,8}",
        2 => prop::sample::select(vec![
            "-", "/", ".", "年", "月", "日", "号", "T", ":", " ", "+08:00", "--", "０", "１",
            "２", "９", "－", "／", "．", "　", "：", "99999999999999999999", "", "Z",
        ])
        .prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.concat())
}

/// A JSON value a record field may hold: dates written every way, text
/// with quotes and CJK, numbers, lists, objects, nothing.
fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        date_text().prop_map(|t| serde_json::Value::String(t).to_string()),
        query_text().prop_map(|t| serde_json::Value::String(t).to_string()),
        prop::sample::select(vec![
            "null",
            "true",
            "0",
            "-1",
            "20261201",
            "1e400",
            "99999999999999999999",
            "\"\"",
            "\"2026-12-01\"",
            "\"12/08/2026\"",
            "\"12-15\"",
            "\"2026年12月1日\"",
            "[]",
            "{}",
        ])
        .prop_map(str::to_string),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((json_key(), inner), 0..4).prop_map(|fields| {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("\"{k}\": {v}"))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }),
        ]
    })
}

fn json_key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "id",
        "kind",
        "name",
        "nickname",
        "customer",
        "customers",
        "birthday",
        "updated",
        "date",
        "itinerary",
        "city",
        "from",
        "to",
        "start",
        "end",
        "on",
        "interests",
        "competitors",
        "contacts",
        "text",
        "owner",
        "type",
        "title",
        "名字",
        "a\\\"b",
    ])
    .prop_map(str::to_string)
}

/// A file of records: one object or an array of them, with comments,
/// blank lines, and sometimes cut short, as a half-written save is.
fn record_file() -> impl Strategy<Value = String> {
    let record = prop::collection::vec((json_key(), json_value()), 0..8).prop_map(|fields| {
        let fields: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!("\n  \"{key}\": {value}"))
            .collect();
        format!("{{{}\n}}", fields.join(","))
    });
    (
        prop::collection::vec(record, 1..4),
        any::<bool>(),
        prop::sample::select(vec!["", "// a comment\n", "/* 注 */", "\u{feff}"]),
        prop::option::of(any::<prop::sample::Index>()),
    )
        .prop_map(|(records, as_array, comment, cut)| {
            let body = if as_array || records.len() > 1 {
                format!("[{}]", records.join(",\n"))
            } else {
                records.concat()
            };
            let mut text = format!("{comment}{body}");
            if let Some(cut) = cut {
                let mut at = cut.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.truncate(at);
            }
            text
        })
}

/// Checks what every problem of a parsed file must satisfy.
fn check_parsed(path: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let parsed = parse_file(path, bytes);
    let text = String::from_utf8_lossy(bytes);
    for problem in &parsed.problems {
        prop_assert_eq!(&problem.path, path);
        prop_assert!(problem.line >= 1 && problem.column >= 1, "{problem:?}");
        prop_assert!(!problem.message.trim().is_empty(), "{problem:?}");
        prop_assert!(
            problem.line <= text.lines().count().max(1) + 1,
            "line past the end: {problem:?}"
        );
    }
    for record in &parsed.records {
        prop_assert_eq!(&record.path, path);
        prop_assert!(!record.id.is_empty());
    }
    prop_assert!(!parsed.unreadable || parsed.records.is_empty());
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn record_parser_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check_parsed("customers/any.json", &bytes)?;
    }

    #[test]
    fn record_parser_takes_json_shaped_text(text in record_file()) {
        check_parsed("notes/生成.json", text.as_bytes())?;
        // A warning points at the value it is about: something is written there.
        for problem in parse_file("notes/生成.json", text.as_bytes()).problems {
            if problem.severity == dossier::record::Severity::Warning {
                let line = text.trim_start_matches('\u{feff}').lines().nth(problem.line - 1);
                let at = line.and_then(|l| l.chars().nth(problem.column - 1));
                prop_assert!(at.is_some_and(|c| !c.is_whitespace()), "{problem:?} in {text}");
            }
        }
    }

    #[test]
    fn a_read_date_prints_back_as_the_same_day(text in date_text()) {
        if let Some(day) = parse_date(&text) {
            prop_assert!((0..=9999).contains(&day.year()), "{text:?} → {day}");
            prop_assert_eq!(parse_date(&day.to_string()), Some(day), "{}", text);
        }
        if let Some(birthday) = parse_birthday(&text) {
            let written = match birthday.year {
                Some(year) => format!("{year:04}-{:02}-{:02}", birthday.month, birthday.day),
                None => format!("{:02}-{:02}", birthday.month, birthday.day),
            };
            prop_assert_eq!(parse_birthday(&written), Some(birthday), "{}", text);
        }
        let _ = dates::why_not_a_date(&text);
    }

    #[test]
    fn every_accepted_form_reads_as_the_day(day in today()) {
        let forms = ["%Y-%m-%d", "%Y/%-m/%-d", "%Y.%m.%d", "%Y年%-m月%-d日", "%Y%m%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"];
        let noon = day.and_hms_opt(12, 30, 0).expect("a time of day");
        for form in forms {
            let written = noon.format(form).to_string();
            prop_assert_eq!(parse_date(&written), Some(day), "{}", written);
        }
        // Day first or a two-digit year is never read, however it is written.
        for form in ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%y-%m-%d", "%y/%m/%d"] {
            let written = day.format(form).to_string();
            prop_assert_eq!(parse_date(&written), None, "{}", written);
        }
        let birthday = parse_birthday(&day.format("%m-%d").to_string()).expect("MM-DD");
        prop_assert_eq!((birthday.month, birthday.day), (day.month(), day.day()));
        let _ = birthday.next_on_or_after(day);
    }

    #[test]
    fn ranges_never_panic(word in query_text(), today in today()) {
        if let Err(message) = parse_range(&word, today) {
            prop_assert!(!message.is_empty());
        }
    }

    #[test]
    fn a_birthday_falls_on_some_day_from_any_day(month in 0u32..=14, day in 0u32..=33, days in any::<i32>()) {
        let from = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MAX);
        let birthday = dates::Birthday { year: None, month, day };
        prop_assert!(birthday.next_on_or_after(from) >= from);
    }

    #[test]
    fn queries_parse_or_name_the_term_and_print_back(text in query_text(), today in today()) {
        match query::parse(&text, today) {
            Ok(parsed) => {
                let printed = parsed.to_string();
                match query::parse(&printed, today) {
                    Ok(again) => prop_assert_eq!(again, parsed, "{:?} printed as {:?}", text, printed),
                    Err(error) => prop_assert!(false, "{text:?} printed as {printed:?}, which fails: {error}"),
                }
            }
            Err(Error::Query { term, problem }) => {
                prop_assert!(!problem.trim().is_empty(), "{text:?}");
                prop_assert!(!term.trim().is_empty(), "{text:?}: {problem}");
                // The term is a piece of the query as written (spaces, case
                // and width aside: `( )` is named `()`, `or` `OR`, `（`
                // `(`), unless the query has nothing to name (`""`: "empty
                // query").
                let squash = |s: &str| -> String {
                    dossier::fold::fold(s).chars().filter(|c| !c.is_whitespace()).collect()
                };
                prop_assert!(
                    squash(&text).contains(&squash(&term))
                        || !text.chars().any(char::is_alphanumeric),
                    "{text:?}: the error names {term:?}"
                );
            }
            Err(other) => prop_assert!(false, "{text:?}: not a query error: {other}"),
        }
    }

    #[test]
    fn ask_understands_every_question(text in query_text(), today in today()) {
        let is_blank = text
            .trim()
            .trim_end_matches(|c: char| "?？!！。.".contains(c))
            .trim()
            .is_empty();
        // FIXME(ask): what ask understood does not always parse again
        // (`"` is understood as the word `"`, an unclosed quote); checked
        // here once ask's fallback quotes what it searches as text.
        if let Err(error) = ask::understand(&text, today) {
            prop_assert!(is_blank, "{text:?}: {error}");
        }
    }
}

/// Found by `queries_parse_or_name_the_term_and_print_back` (seeds 7, 11,
/// 12): a phrase with a `"` in it, written in 「」 or 『』, printed back in
/// `"…"`; a value that starts with a quote mark or holds a `)`, printed
/// back bare.
#[test]
fn a_phrase_with_a_quote_in_it_prints_back() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("a day");
    for text in [
        "『\"』",
        "「a \"b\" c」",
        "likes:「a \"b」",
        "“x”",
        "mentions:「\"」",
        "likes:\"「\"",
        "mentions:\")\"",
        "likes:\"a) b\"",
    ] {
        let parsed = query::parse(text, today).expect(text);
        let printed = parsed.to_string();
        assert_eq!(
            query::parse(&printed, today).ok(),
            Some(parsed),
            "{text} → {printed}"
        );
    }
}

/// Found by `queries_parse_or_name_the_term_and_print_back` (seeds 7, 11,
/// 12): a query that ends with an open `(` was called an empty query.
#[test]
fn a_query_ending_with_an_open_parenthesis_says_so() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("a day");
    for text in ["golf (", "0 （", "a OR (", "( (", "("] {
        match query::parse(text, today) {
            Err(Error::Query { term, problem }) => assert_eq!(
                (term.as_str(), problem.as_str()),
                (
                    "(",
                    "this ( is never closed — add the ) that ends the group"
                ),
                "{text}"
            ),
            other => panic!("{text}: {other:?}"),
        }
    }
}
