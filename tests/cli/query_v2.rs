//! The query language, version 2, through the binary: any field, `date:`
//! with the same-note rule, `birthday:`, `*`, OR, NOT, groups, `--sort`,
//! and "why it matched" lines that name the field and term that matched.

use std::path::Path;

use tempfile::TempDir;

use crate::*;

/// A small knowledge base for the new terms (`--today` is 2026-11-23).
fn v2_kb() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let files: &[(&str, &str)] = &[
        (
            "customers/b1.json",
            r#"{"id": "b1", "name": "Alice", "birthday": "1970-12-25", "region": "山东",
                "segment": "SMB", "interests": ["golf"], "updated": "2026-11-01"}"#,
        ),
        (
            "customers/b2.json",
            r#"{"id": "b2", "name": "王芳", "birthday": "01-05", "region": "廣東",
                "contacts": {"wechat": "wx123"}, "interests": ["tennis"], "updated": "2026-11-20"}"#,
        ),
        (
            "customers/b3.json",
            r#"{"id": "b3", "name": "Bob", "birthday": "1988-02-29", "industry": "港口物流"}"#,
        ),
        (
            "customers/b4.json",
            r#"{"id": "b4", "name": "Zed", "birthday": "1975-06-01", "tier": "vip",
                "interests": ["golf"], "updated": "2026-10-01"}"#,
        ),
        ("customers/b5.json", r#"{"id": "b5", "name": "陈明"}"#),
        (
            "meetings/n1.json",
            r#"{"id": "n1", "customer": "b1", "date": "2026-11-20", "title": "电脑", "text": "讨论联想电脑的售后"}"#,
        ),
        (
            "meetings/n2.json",
            r#"{"id": "n2", "customer": "b2", "date": "2026-10-10", "text": "联想的报价"}"#,
        ),
        (
            "meetings/n3.json",
            r#"{"id": "n3", "customer": "b4", "date": "2026-11-21", "text": "华为的方案"}"#,
        ),
        (
            "meetings/n4.json",
            r#"{"id": "n4", "customer": "b4", "date": "2026-10-02", "text": "联想"}"#,
        ),
    ];
    for (path, text) in files {
        write_file(dir.path(), path, text);
    }
    let output = dossier(dir.path(), &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    dir
}

/// The hit ids in the order printed.
fn ordered_ids(dir: &Path, args: &[&str]) -> Vec<String> {
    let output = dossier(dir, args);
    json(&output)["hits"]
        .as_array()
        .unwrap_or_else(|| panic!("{args:?}: no hits\n{}", describe(&output)))
        .iter()
        .map(|hit| hit["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn new_terms_find_exactly_their_customers() {
    let kb = v2_kb();
    let cases: &[(&str, &[&str])] = &[
        // Any field, matched as free text (folded, substring), keys in any case.
        ("region:山东", &["b1"]),
        ("Region:广东", &["b2"]),
        ("segment:smb", &["b1"]),
        ("contacts.wechat:wx123", &["b2"]),
        ("industry:物流", &["b3"]),
        // date: on notes; with free words or mentions:, the same note.
        ("date:2026-11", &["b1", "b4"]),
        ("联想", &["b1", "b2", "b4"]),
        ("联想 date:last-week", &["b1"]),
        ("联想 date:last-month", &["b2", "b4"]),
        ("mentions:联想 date:2026-10", &["b2", "b4"]),
        ("华为 date:2026-10", &[]),
        // birthday: the next occurrence, over New Year, without a year, 29 February.
        ("birthday:2026-12-20..2027-01-10", &["b1", "b2"]),
        ("birthday:next-60-days", &["b1", "b2"]),
        ("birthday:2027-02-28", &["b3"]),
        ("birthday:2028-02-29", &["b3"]),
        ("birthday:2028-02-28", &[]),
        ("birthday:next-week", &[]),
        ("birthday:last-month", &[]),
        // *, OR, NOT, groups (AND binds tighter than OR).
        ("*", &["b1", "b2", "b3", "b4", "b5"]),
        ("likes:golf OR likes:tennis", &["b1", "b2", "b4"]),
        ("likes:golf -tier:vip", &["b1"]),
        ("-likes:golf", &["b2", "b3", "b5"]),
        ("* -likes:golf -likes:tennis", &["b3", "b5"]),
        ("(likes:golf OR likes:tennis) region:广东", &["b2"]),
        ("likes:tennis region:广东 OR tier:vip", &["b2", "b4"]),
        ("-(likes:golf OR likes:tennis)", &["b3", "b5"]),
    ];
    let mut failures = Vec::new();
    for (query, expected) in cases {
        let got = search_ids(kb.path(), query);
        if got != ids(expected) {
            failures.push(format!("{query}: got {got:?}, expected {expected:?}"));
        }
    }
    assert_no_failures("queries", cases.len(), &failures);
}

#[test]
fn sort_orders_every_customer_found() {
    let kb = v2_kb();
    let cases: &[(&[&str], &[&str])] = &[
        // Names: Han names read as pinyin (chen ming, wang fang).
        (&["--sort", "name", "*"], &["b1", "b3", "b5", "b2", "b4"]),
        // Not only the best by score: the first by name of all five.
        (&["--sort", "name", "--limit", "2", "*"], &["b1", "b3"]),
        // Birthdays: the next occurrence, soonest first.
        (
            &["--sort", "date", "birthday:next-365-days"],
            &["b1", "b2", "b3", "b4"],
        ),
        // Notes: newest first.
        (
            &["--sort", "date", "date:2026-10..2026-11-30"],
            &["b4", "b1", "b2"],
        ),
        (&["--sort", "date", "联想"], &["b1", "b2", "b4"]),
        // Updated: newest first, customers without one last.
        (
            &["--sort", "updated", "--limit", "3", "*"],
            &["b2", "b1", "b4"],
        ),
    ];
    let mut failures = Vec::new();
    for (args, expected) in cases {
        let mut all = vec!["search", "--json"];
        all.extend_from_slice(args);
        let got = ordered_ids(kb.path(), &all);
        if got != *expected {
            failures.push(format!("{args:?}: got {got:?}, expected {expected:?}"));
        }
    }
    assert_no_failures("sorts", cases.len(), &failures);
}

#[test]
fn a_key_no_customer_has_says_so() {
    let kb = v2_kb();
    let output = dossier(kb.path(), &["search", "nosuch:x"]);
    assert_eq!(code(&output), 1, "{}", describe(&output));
    assert!(
        stderr(&output).contains("nosuch: no customer has this field"),
        "{}",
        describe(&output)
    );
    // A time and a link are text, with no notice.
    let output = dossier(kb.path(), &["search", "10:30"]);
    assert!(!stderr(&output).contains("field"), "{}", describe(&output));
}

#[test]
fn query_errors_say_what_to_fix() {
    let kb = v2_kb();
    for (query, fragment) in [
        ("(likes:golf OR b", "this ( is never closed"),
        ("likes:golf)", "this ) closes no ("),
        ("likes:golf OR", "OR needs a term on each side"),
        ("-", "a minus needs a term"),
        ("", "dossier: empty query: type words"),
        (
            "date:next-5000-days",
            "is too long — name at most 3660 days",
        ),
    ] {
        let output = dossier(kb.path(), &["search", query]);
        assert_eq!(code(&output), 2, "{query}: {}", describe(&output));
        let message = stderr(&output);
        assert!(message.contains(fragment), "{query}: {message}");
        assert_eq!(
            message.trim().lines().count(),
            1,
            "{query}: one line: {message}"
        );
        assert!(!message.contains(": : "), "{query}: {message}");
    }
}

#[test]
fn matches_name_the_field_and_term_that_produced_them_once() {
    let kb = indexed_kb("kb");
    // (query, the field every customer-profile match must name)
    for (query, field) in [
        ("city:香港", "city"),
        ("city:HongKong", "city"),
        ("name:zhou", "name"),
        ("region:山东", "region"),
    ] {
        let value = search_json(kb.path(), query);
        for hit in value["hits"].as_array().expect("hits") {
            let matches = hit["matches"].as_array().expect("matches");
            assert!(!matches.is_empty(), "{query}: {hit}");
            for m in matches {
                assert_eq!(m["field"], field, "{query}: {hit}");
                assert_eq!(m["term"], query, "{query}: {hit}");
            }
        }
    }
    // Two terms that point at one line make one line naming both.
    for query in ["city:Hong Kong", "owner:emily zhou"] {
        let value = search_json(kb.path(), query);
        for hit in value["hits"].as_array().expect("hits") {
            let mut lines: Vec<(String, String, String)> = hit["matches"]
                .as_array()
                .expect("matches")
                .iter()
                .map(|m| {
                    (
                        m["path"].to_string(),
                        m["field"].to_string(),
                        m["snippet"].to_string(),
                    )
                })
                .collect();
            let count = lines.len();
            lines.sort();
            lines.dedup();
            assert_eq!(lines.len(), count, "{query}: a line twice: {hit}");
        }
    }
    let value = search_json(kb.path(), "city:Hong Kong");
    let c010 = hit(&value, "c010").expect("c010 lives in Hong Kong");
    assert_eq!(c010["matches"][0]["term"], "city:Hong Kong", "{c010}");
    // A trip's line names the whole term, when: and all.
    let value = search_json(kb.path(), "travel:Beijing when:next-week");
    for hit in value["hits"].as_array().expect("hits") {
        assert_eq!(
            hit["matches"][0]["term"], "travel:Beijing when:next-week",
            "{hit}"
        );
    }
}

/// `--sort name` over an index that several syncs made: more than one
/// segment, and the old versions of renamed customers deleted in them,
/// which must not come back (nor their old names decide the order).
#[test]
fn sort_by_name_sees_only_the_live_version_of_each_customer() {
    let kb = v2_kb();
    let rename = |id: &str, name: &str| {
        write_file(
            kb.path(),
            &format!("customers/{id}.json"),
            &format!(r#"{{"id": "{id}", "name": "{name}"}}"#),
        );
        let output = dossier(kb.path(), &["index"]);
        assert!(code(&output) < 2, "{}", describe(&output));
    };
    // Alice → Yvonne (last but Zed), Zed → Aaron (first).
    rename("b1", "Yvonne");
    rename("b4", "Aaron");
    let got = ordered_ids(kb.path(), &["search", "--json", "--sort", "name", "*"]);
    assert_eq!(got, ["b4", "b3", "b5", "b2", "b1"]);
    let got = ordered_ids(
        kb.path(),
        &["search", "--json", "--sort", "name", "--limit", "2", "*"],
    );
    assert_eq!(got, ["b4", "b3"]);
}
