//! Names by pinyin (any run of whole syllables, initials ranked below, ü
//! typed as v, u or yu) and misspelled words answered for the closest
//! indexed word, with a notice.

use tempfile::TempDir;

use crate::{code, describe, dossier, ids, json, search_ids, write_file};

/// A small knowledge base of names that pinyin must tell apart.
fn names_kb() -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix("dossier-test-")
        .tempdir()
        .expect("creating a temporary directory");
    for (id, name, extra) in [
        (
            "n1",
            "司马光明",
            r#", "interests": ["话剧"], "notes": "theater and Lenovo laptops""#,
        ),
        ("n2", "李佳琪", ""),
        ("n3", "吕芳", ""),
        ("n4", "章明", ""),
        ("n5", "张伟", r#", "notes": "Michael introduced him""#),
        ("n6", "施美歌", ""),
    ] {
        write_file(
            dir.path(),
            &format!("customers/{id}.json"),
            &format!(r#"{{"id": "{id}", "name": "{name}"{extra}}}"#),
        );
    }
    let output = dossier(dir.path(), &["index"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    dir
}

#[test]
fn names_by_any_run_of_whole_syllables() {
    let dir = names_kb();
    for (query, expected) in [
        ("name:sima", &["n1"][..]),
        ("name:simaguang", &["n1"]),
        ("name:guangming", &["n1"]),
        ("name:lijia", &["n2"]),
        ("name:jiaqi", &["n2"]),
        ("name:lv", &["n3"]),
        ("name:lyu", &["n3"]),
        ("name:lvfang", &["n3"]),
        ("name:lufang", &["n3"]),
        ("name:zhang", &["n4", "n5"]),
        ("name:zhangwei", &["n5"]),
        // Not a run of whole syllables.
        ("name:ngming", &[]),
        ("name:ijia", &[]),
    ] {
        assert_eq!(search_ids(dir.path(), query), ids(expected), "{query}");
    }
}

#[test]
fn initials_find_a_name_and_no_free_word_meets_them() {
    let dir = names_kb();
    assert_eq!(search_ids(dir.path(), "name:smgm"), ids(&["n1"]));
    assert_eq!(search_ids(dir.path(), "name:ljq"), ids(&["n2"]));
    // 施美歌 (shi mei ge) is smg; 司马光明's initials are smgm: both asked
    // as smg find only the one whose initials they are.
    assert_eq!(search_ids(dir.path(), "name:smg"), ids(&["n6"]));
    // Initials are never met by a free word.
    let output = dossier(dir.path(), &["search", "--json", "smgm"]);
    assert_eq!(code(&output), 1, "{}", describe(&output));
    let answer = json(&output);
    assert_eq!(answer["total"], 0, "{answer}");
}

/// `search --json QUERY`: its hit ids and its notices.
fn search_with_notices(dir: &std::path::Path, query: &str) -> (Vec<String>, Vec<String>) {
    let output = dossier(dir, &["search", "--json", query]);
    assert_ne!(code(&output), 2, "{query}\n{}", describe(&output));
    let answer = json(&output);
    let notices = answer["notices"]
        .as_array()
        .map(|n| {
            n.iter()
                .map(|n| n.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    (crate::hit_ids(&answer), notices)
}

#[test]
fn a_misspelled_word_is_searched_as_the_closest_indexed_one() {
    let dir = names_kb();
    for (query, expected, correction) in [
        ("theatr", &["n1"][..], "theater"),
        ("Lenvo", &["n1"], "lenovo"),
        ("Micheal", &["n5"], "michael"),
        ("zhangwie", &["n5"], "zhangwei"),
        ("name:zhangwie", &["n5"], "zhangwei"),
        ("mentions:Lenvo", &["n1"], "Lenovo"),
        ("likes:theatr", &["n1"], "theat"),
    ] {
        let (hits, notices) = search_with_notices(dir.path(), query);
        assert_eq!(hits, ids(expected), "{query}: {notices:?}");
        assert!(
            notices
                .iter()
                .any(|n| n.contains(correction) && n.contains("typo")),
            "{query}: the notice names the correction: {notices:?}"
        );
    }
}

#[test]
fn an_exact_word_and_chinese_are_never_fuzzed() {
    let dir = names_kb();
    for (query, expected) in [
        ("theater", &["n1"][..]),
        ("name:zhang", &["n4", "n5"]),
        ("话具", &[]),
        ("name:zhan", &[]),
    ] {
        let (hits, notices) = search_with_notices(dir.path(), query);
        assert_eq!(hits, ids(expected), "{query}");
        assert!(
            !notices.iter().any(|n| n.contains("typo")),
            "{query}: nothing to correct: {notices:?}"
        );
    }
}

/// Letters that are one name's initials and another's whole reading find
/// both, the whole reading first: `lang` is 郎平's first syllable and the
/// initials of 李安宁光 (li an ning guang).
#[test]
fn initials_rank_below_a_whole_reading() {
    let dir = crate::empty_kb();
    crate::write_file(
        dir.path(),
        "customers/c1.json",
        r#"{"id": "c1", "name": "李安宁光"}"#,
    );
    crate::write_file(
        dir.path(),
        "customers/c2.json",
        r#"{"id": "c2", "name": "郎平"}"#,
    );
    let found = crate::search_json(dir.path(), "name:lang");
    let ranked: Vec<(String, f64)> = found["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|hit| {
            (
                hit["id"].as_str().expect("an id").to_string(),
                hit["score"].as_f64().expect("a score"),
            )
        })
        .collect();
    assert_eq!(ranked.len(), 2, "{found}");
    assert_eq!(ranked[0].0, "c2", "{found}");
    assert!(ranked[0].1 > ranked[1].1, "{found}");
}
