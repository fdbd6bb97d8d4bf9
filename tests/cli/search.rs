//! `dossier search`: the query language on `fixtures/kb` (every row of
//! `fixtures/EXPECTED.md`), the `--json` shape, exit codes, and searching
//! while another process writes the index.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{
    assert_no_failures, code, describe, dossier, hit, hit_ids, ids, indexed_kb, json, kb,
    read_file, search_ids, search_json, stderr, stdout, write_file,
};

/// Runs each query and compares its sorted hit ids with the expected set;
/// reports every wrong row at once.
fn check(dir: &Path, cases: &[(&str, &[&str])]) {
    let mut failures = Vec::new();
    for (query, expected) in cases {
        let actual = search_ids(dir, query);
        if actual != ids(expected) {
            failures.push(format!(
                "search {query:?}\n  expected {:?}\n  actual   {actual:?}",
                ids(expected)
            ));
        }
    }
    assert_no_failures("queries", cases.len(), &failures);
}

const ZHENG: &str = "customers/郑海涛.json";

#[test]
fn required_queries_of_expected_md() {
    let dir = indexed_kb("kb");
    check(
        dir.path(),
        &[
            ("likes:theatre", &["c001", "c009", "c010", "c011", "c030"]),
            ("likes:话剧", &["c001", "c009", "c010", "c011", "c030"]),
            (
                "likes:golf",
                &["c002", "c007", "c009", "c016", "c023", "c027"],
            ),
            ("likes:古琴", &["c013", "c031"]),
            (
                "travel:北京 when:next-week",
                &["c001", "c003", "c007", "c009"],
            ),
            (
                "travel:Beijing",
                &[
                    "c001", "c003", "c007", "c009", "c013", "c021", "c027", "c028",
                ],
            ),
            ("travel:北京 when:this-week", &["c007", "c021"]),
            ("when:this-week", &["c004", "c007", "c020", "c021"]),
            ("travel:山东", &["c014", "c015", "c017", "c037"]),
            ("mentions:联想", &["c002", "c007", "c009", "c012", "c024"]),
            ("mentions:Lenovo", &["c002", "c007", "c009", "c012", "c024"]),
            ("mentions:HP", &["c002", "c011", "c020", "c034"]),
            ("mentions:HPE", &["c026"]),
            (
                "mentions:IBM",
                &[
                    "c001", "c002", "c006", "c007", "c010", "c015", "c017", "c023", "c027",
                ],
            ),
            ("mentions:钉钉", &["c024", "c028"]),
            ("计费", &["c001", "c023", "c033"]),
            ("計費系統", &["c001", "c023", "c033"]),
            ("浦东", &["c007", "c033"]),
            (
                "owner:刘芳",
                &[
                    "c001", "c002", "c003", "c013", "c014", "c015", "c017", "c021", "c024", "c029",
                    "c037",
                ],
            ),
            (
                "tier:vip",
                &["c001", "c007", "c010", "c014", "c017", "c021"],
            ),
            (
                "type:company",
                &[
                    "c006", "c014", "c018", "c022", "c025", "c029", "c033", "c038",
                ],
            ),
            ("name:zhang wei", &["c003", "c007"]),
            ("name:zeng", &["c004"]),
            ("city:上海", &["c005", "c009", "c016", "c033"]),
            ("全聚德", &["c017"]),
        ],
    );
}

#[test]
fn further_queries_of_expected_md() {
    let dir = indexed_kb("kb");
    let beijing: &[&str] = &[
        "c001", "c003", "c007", "c009", "c013", "c021", "c027", "c028",
    ];
    let dell: &[&str] = &["c004", "c009", "c012", "c020", "c036"];
    let oracle: &[&str] = &[
        "c010", "c011", "c015", "c017", "c025", "c030", "c033", "c038",
    ];
    let ibm: &[&str] = &[
        "c001", "c002", "c006", "c007", "c010", "c015", "c017", "c023", "c027",
    ];
    check(
        dir.path(),
        &[
            ("travel:首都", beijing),
            ("travel:北京 when:2027-01-01..2027-01-31", &["c013"]),
            (
                "when:next-week",
                &["c001", "c003", "c007", "c009", "c012", "c024", "c026"],
            ),
            ("when:2027-01-01", &["c016"]),
            ("when:today", &[]),
            ("travel:上海", &["c002", "c020", "c024", "c030"]),
            ("travel:深圳", &["c004", "c011", "c026"]),
            ("travel:Tokyo", &["c010", "c016"]),
            ("travel:东京", &["c010", "c016"]),
            ("travel:臺北", &["c012", "c023"]),
            ("travel:台北", &["c012", "c023"]),
            ("likes:guqin", &["c013", "c031"]),
            ("likes:七弦琴", &["c013", "c031"]),
            ("likes:钓鱼", &["c003", "c015", "c026", "c037", ZHENG]),
            ("likes:紫砂壶", &["c019"]),
            ("mentions:DingTalk", &["c024", "c028"]),
            ("mentions:釘釘", &["c024", "c028"]),
            ("mentions:戴尔", dell),
            ("mentions:Dell", dell),
            ("mentions:Oracle", oracle),
            ("mentions:甲骨文", oracle),
            ("name:shan xue", &["c005"]),
            (
                "owner:陈明",
                &[
                    "c004", "c008", "c011", "c018", "c022", "c023", "c031", ZHENG,
                ],
            ),
            ("city:北京", &["c017", "c026", "c030"]),
            ("张伟", &["c003", "c007"]),
            ("小李", &["c017"]),
            ("奥迪A6", &["c003"]),
            ("IBM", ibm),
        ],
    );
}

#[test]
fn simplified_and_traditional_chinese_match_each_other() {
    let dir = indexed_kb("kb");
    check(
        dir.path(),
        &[
            // c001, c030 write 话剧, c011 話劇, c021's note m028 话剧.
            ("话剧", &["c001", "c011", "c021", "c030"]),
            ("話劇", &["c001", "c011", "c021", "c030"]),
            // c001, c033 write 计费, c023 計費.
            ("计费", &["c001", "c023", "c033"]),
            ("計費", &["c001", "c023", "c033"]),
            // c002 writes 联想, c007 聯想; c015's note says 联想到 (free words match it).
            ("联想", &["c002", "c007", "c012", "c015", "c024"]),
            ("聯想", &["c002", "c007", "c012", "c015", "c024"]),
            (
                "owner:劉芳",
                &[
                    "c001", "c002", "c003", "c013", "c014", "c015", "c017", "c021", "c024", "c029",
                    "c037",
                ],
            ),
            ("name:李紅梅", &["c002"]),
            ("維修中心", &["c007"]),
            ("维修中心", &["c007"]),
        ],
    );
}

#[test]
fn words_match_inside_longer_words() {
    let dir = indexed_kb("kb");
    check(
        dir.path(),
        &[
            // 计费 inside 计费系统, 浦东 inside 上海浦东物流 (not 上海浦江制药, c005).
            ("计费", &["c001", "c023", "c033"]),
            ("浦东", &["c007", "c033"]),
            ("上海浦东物流", &["c033"]),
            ("likes:紫砂壶", &["c019"]),
        ],
    );
}

#[test]
fn case_does_not_matter() {
    let dir = indexed_kb("kb");
    let ibm: &[&str] = &[
        "c001", "c002", "c006", "c007", "c010", "c015", "c017", "c023", "c027",
    ];
    let theatre: &[&str] = &["c001", "c009", "c010", "c011", "c030"];
    let emily: &[&str] = &[
        "c007", "c009", "c010", "c012", "c020", "c025", "c026", "c027", "c030", "c036", "c038",
    ];
    check(
        dir.path(),
        &[
            ("IBM", ibm),
            ("ibm", ibm),
            ("Ibm", ibm),
            ("mentions:ibm", ibm),
            ("THEATRE", &["c009", "c010"]),
            ("theatre", &["c009", "c010"]),
            ("likes:THEATRE", theatre),
            ("LIKES:theatre", theatre),
            (
                "tier:VIP",
                &["c001", "c007", "c010", "c014", "c017", "c021"],
            ),
            ("owner:\"Emily Zhou\"", emily),
            ("owner:\"emily zhou\"", emily),
            ("mentions:hpe", &["c026"]),
        ],
    );
}

#[test]
fn quoted_phrases_match_words_in_order() {
    let dir = indexed_kb("kb");
    check(
        dir.path(),
        &[
            // m009 (c010): "its core banking on an IBM mainframe".
            ("\"IBM mainframe\"", &["c010"]),
            ("\"mainframe IBM\"", &[]),
            ("IBM mainframe", &["c010"]),
            ("mainframe IBM", &["c010"]),
            // m006 (c002, c006): "两家都在评估替换IBM的老旧小型机".
            ("\"替换IBM\"", &["c002", "c006"]),
            ("\"IBM替换\"", &[]),
            // m012 (c015): "农商行现在的核心系统跑在IBM小型机上".
            ("\"核心系统\"", &["c015"]),
            ("\"系统核心\"", &[]),
        ],
    );
}

#[test]
fn terms_are_combined_with_and() {
    let dir = indexed_kb("kb");
    let intersections = [
        ("likes:golf", "owner:刘芳", &["c002"][..]),
        ("tier:vip", "likes:theatre", &["c001", "c010"][..]),
        (
            "travel:北京",
            "when:next-week",
            &["c001", "c003", "c007", "c009"][..],
        ),
        (
            "mentions:IBM",
            "owner:\"Emily Zhou\"",
            &["c007", "c010", "c027"][..],
        ),
        ("type:company", "mentions:IBM", &["c006"][..]),
    ];
    let mut failures = Vec::new();
    for (left, right, expected) in intersections {
        let left_ids = search_ids(dir.path(), left);
        let right_ids = search_ids(dir.path(), right);
        let both: Vec<String> = left_ids
            .into_iter()
            .filter(|id| right_ids.contains(id))
            .collect();
        let combined = search_ids(dir.path(), &format!("{left} {right}"));
        if combined != both || combined != ids(expected) {
            failures.push(format!(
                "search {left:?} {right:?}: {combined:?}\n  intersection of the two: {both:?}\n  expected {expected:?}"
            ));
        }
    }
    assert_no_failures("combined queries", intersections.len(), &failures);
}

/// The matches of hit `id` as (kind, path, field, snippet).
fn matches_of(result: &Value, id: &str) -> Vec<(String, String, String, String)> {
    let hit = hit(result, id).unwrap_or_else(|| panic!("no hit {id} in {result}"));
    hit["matches"]
        .as_array()
        .unwrap_or_else(|| panic!("no matches array in {hit}"))
        .iter()
        .map(|m| {
            let text = |key: &str| m[key].as_str().unwrap_or_default().to_string();
            (text("kind"), text("path"), text("field"), text("snippet"))
        })
        .collect()
}

#[test]
fn free_words_find_a_customer_through_a_linked_note() {
    let dir = indexed_kb("kb");
    // (query, customer, kind and path of the note that holds the words)
    let cases = [
        ("維修中心", "c007", "visit", "visits/2026-11-19-v003.json"),
        (
            "上海浦东物流",
            "c033",
            "meeting",
            "meetings/2026-11-19-m019.json",
        ),
        (
            "上海浦東機場",
            "c007",
            "meeting",
            "notes/c007-2026-10-20.json",
        ),
        (
            "\"IBM mainframe\"",
            "c010",
            "meeting",
            "meetings/2026-11-09-m009.json",
        ),
    ];
    let mut failures = Vec::new();
    for (query, id, kind, path) in cases {
        let result = search_json(dir.path(), query);
        if hit_ids(&result) != ids(&[id]) {
            failures.push(format!(
                "search {query:?}: {:?}, expected [{id}]",
                hit_ids(&result)
            ));
            continue;
        }
        let matches = matches_of(&result, id);
        if !matches.iter().any(|(k, p, _, _)| k == kind && p == path) {
            failures.push(format!(
                "search {query:?}: no {kind} match in {path}: {matches:?}"
            ));
        }
    }
    assert_no_failures("note matches", cases.len(), &failures);
}

#[test]
fn a_note_linked_to_two_customers_counts_for_both() {
    let dir = indexed_kb("kb");
    let result = search_json(dir.path(), "\"替换IBM\"");
    assert_eq!(hit_ids(&result), ids(&["c002", "c006"]));
    for id in ["c002", "c006"] {
        let matches = matches_of(&result, id);
        assert!(
            matches
                .iter()
                .any(|(_, path, _, _)| path == "meetings/2026-11-03-m006-联合交流.json"),
            "{id}: {matches:?}"
        );
    }
}

#[test]
fn a_note_linked_to_a_customer_without_a_profile_finds_nobody_until_it_exists() {
    let dir = indexed_kb("kb");
    let note = r#"{"id": "m900", "kind": "meeting", "customers": ["c900", "c001"], "date": "2026-11-20", "text": "讨论了量子排程平台的试点。"}"#;
    write_file(dir.path(), "meetings/2026-11-20-m900.json", note);
    assert_eq!(code(&dossier(dir.path(), &["index"])), 0);
    // c900 has no profile: only c001 is a customer, and the total says so,
    // whether the writer's cache of missing customers is there or not.
    let cache = dir.path().join(".dossier/missing-customers.json");
    assert!(
        cache.exists(),
        "the writer keeps missing customers beside the index"
    );
    for round in ["with the cache", "without the cache"] {
        let result = search_json(dir.path(), "量子排程");
        assert_eq!(hit_ids(&result), ids(&["c001"]), "{round}");
        assert_eq!(result["total"], 1, "{round}");
        if cache.exists() {
            std::fs::remove_file(&cache).expect("remove the cache");
        }
    }
    write_file(
        dir.path(),
        "customers/c900.json",
        r#"{"id": "c900", "kind": "customer", "name": "新客户九百", "company": "九百科技"}"#,
    );
    assert_eq!(code(&dossier(dir.path(), &["index"])), 0);
    let result = search_json(dir.path(), "量子排程");
    assert_eq!(hit_ids(&result), ids(&["c001", "c900"]));
    assert_eq!(result["total"], 2);
}

#[test]
fn mentions_matches_carry_a_snippet_with_the_alias() {
    let dir = indexed_kb("kb");
    let cases: &[(&str, &[&str])] = &[
        ("mentions:联想", &["联想", "聯想", "lenovo"]),
        ("mentions:HP", &["惠普", "hp", "hewlett-packard"]),
        ("mentions:IBM", &["ibm"]),
        ("mentions:钉钉", &["钉钉", "釘釘", "dingtalk"]),
    ];
    let mut failures = Vec::new();
    for (query, aliases) in cases {
        let result = search_json(dir.path(), query);
        for id in hit_ids(&result) {
            let matches = matches_of(&result, &id);
            let with_alias = matches.iter().any(|(_, _, _, snippet)| {
                let snippet = snippet.to_lowercase();
                aliases.iter().any(|alias| snippet.contains(alias))
            });
            if !with_alias {
                failures.push(format!(
                    "{query} {id}: no snippet with {aliases:?}: {matches:?}"
                ));
            }
        }
    }
    assert_no_failures("mentions snippets", cases.len(), &failures);
}

#[test]
fn lenovo_and_hp_traps() {
    let dir = indexed_kb("kb");
    check(
        dir.path(),
        &[
            // m012 (c015) says 联想到 ("reminds me of"): a word, not Lenovo.
            ("联想到", &["c015"]),
            ("mentions:联想", &["c002", "c007", "c009", "c012", "c024"]),
            ("mentions:聯想", &["c002", "c007", "c009", "c012", "c024"]),
            // HPE / Hewlett Packard Enterprise (c026) is not HP.
            ("mentions:HP", &["c002", "c011", "c020", "c034"]),
            ("mentions:惠普", &["c002", "c011", "c020", "c034"]),
            (
                "mentions:Hewlett-Packard",
                &["c002", "c011", "c020", "c034"],
            ),
            ("mentions:HPE", &["c026"]),
            ("mentions:\"Hewlett Packard Enterprise\"", &["c026"]),
        ],
    );
}

#[test]
fn one_hit_per_customer() {
    let dir = indexed_kb("kb");
    // `search_json` checks for duplicate ids and total == number of hits.
    for query in [
        "IBM",
        "北京",
        "mentions:IBM",
        "话剧",
        "李总",
        "Beijing",
        "2026",
    ] {
        let result = search_json(dir.path(), query);
        let hits = result["hits"].as_array().expect("hits");
        assert!(!hits.is_empty(), "search {query:?} finds something");
    }
}

#[test]
fn limit_truncates_the_hits_but_not_the_total() {
    let dir = indexed_kb("kb");
    let output = dossier(dir.path(), &["search", "--json", "--limit", "2", "IBM"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let result = json(&output);
    assert_eq!(result["hits"].as_array().map(Vec::len), Some(2), "{result}");
    assert_eq!(result["total"], 9, "{result}");
}

#[test]
fn json_output_has_the_contract_shape() {
    let dir = indexed_kb("kb");
    for query in ["IBM", "travel:北京 when:next-week", "likes:古琴"] {
        let output = dossier(dir.path(), &["search", "--json", query]);
        assert_eq!(code(&output), 0, "{}", describe(&output));
        let text = stdout(&output);
        assert_eq!(
            text.trim_end().lines().count(),
            1,
            "one JSON object: {text}"
        );
        assert_eq!(crate::duplicate_keys(&text), Vec::<String>::new(), "{text}");
        let result = json(&output);
        assert_eq!(result["query"], query, "{result}");
        assert!(result["total"].is_u64(), "{result}");
        let hits = result["hits"].as_array().expect("hits is an array");
        assert!(!hits.is_empty(), "{result}");
        for hit in hits {
            assert!(hit["id"].is_string(), "{hit}");
            assert!(hit["name"].as_str().is_some_and(|n| !n.is_empty()), "{hit}");
            assert!(hit["score"].is_number(), "{hit}");
            let matches = hit["matches"].as_array().expect("matches is an array");
            assert!(!matches.is_empty(), "a hit says why it was found: {hit}");
            for m in matches {
                for key in ["path", "kind", "field", "snippet"] {
                    assert!(m[key].is_string(), "match without {key}: {m}");
                }
                let path = m["path"].as_str().unwrap_or_default();
                assert!(
                    dir.path().join(path).is_file(),
                    "match path {path:?} is not a file of the knowledge base"
                );
            }
        }
    }
}

#[test]
fn no_hits_is_exit_1_with_valid_json() {
    let dir = indexed_kb("kb");
    let output = dossier(dir.path(), &["search", "--json", "zyxwvutsrq"]);
    assert_eq!(code(&output), 1, "{}", describe(&output));
    let result = json(&output);
    assert_eq!(result["total"], 0, "{result}");
    assert_eq!(result["hits"], serde_json::json!([]), "{result}");
    let output = dossier(dir.path(), &["search", "zyxwvutsrq"]);
    assert_eq!(code(&output), 1, "{}", describe(&output));
}

#[test]
fn any_key_is_a_field_of_the_profile_and_times_are_text() {
    let dir = indexed_kb("kb");
    // (`search_json` checks the exit code against the hits.)
    let result = search_json(dir.path(), "region:山东");
    assert!(
        result["notices"].as_array().is_none_or(Vec::is_empty),
        "{result}"
    );
    let hits = result["hits"].as_array().expect("hits");
    assert!(!hits.is_empty(), "{result}");
    for hit in hits {
        let region = hit["matches"][0]["snippet"].as_str().unwrap_or_default();
        assert_eq!(hit["matches"][0]["field"], "region", "{hit}");
        assert!(region.contains("山东"), "{hit}");
    }
    // A time is text, and no term was meant.
    let output = dossier(dir.path(), &["search", "--json", "10:30"]);
    assert!(
        json(&output)["notices"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{}",
        describe(&output)
    );
}

#[test]
fn bad_queries_exit_2_with_a_one_line_message() {
    let dir = indexed_kb("kb");
    let cases: &[&[&str]] = &[
        &["search", "when:someday"],
        &["search", "--json", "when:someday"],
        &["search", "likes:"],
        &["search", "--json", "likes:"],
        &["search", "\"abc"],
        &["search", "--json", "\"abc"],
        &["search", "travel:Atlantis"],
        &["search", "--json", "travel:Atlantis"],
        &["search", "travel:北京 when:2026-13-45"],
    ];
    let mut failures = Vec::new();
    for args in cases {
        let output = dossier(dir.path(), args);
        let message = stderr(&output);
        if code(&output) != 2
            || message.trim_end().lines().count() != 1
            || !message.starts_with("dossier: ")
            || !stdout(&output).is_empty()
        {
            failures.push(format!(
                "{args:?}: expected exit 2, one stderr line, nothing on stdout\n{}",
                describe(&output)
            ));
        }
    }
    assert_no_failures("bad queries", cases.len(), &failures);
}

#[test]
fn a_missing_dir_is_an_error() {
    let parent = tempfile::tempdir().expect("a temporary directory");
    let missing = parent.path().join("no such kb");
    for args in [
        &["search", "IBM"][..],
        &["search", "--json", "IBM"],
        &["ask", "who likes golf?"],
        &["show", "c001"],
        &["index"],
    ] {
        let output = dossier(&missing, args);
        assert_eq!(code(&output), 2, "{args:?}\n{}", describe(&output));
        let message = stderr(&output);
        assert_eq!(message.trim_end().lines().count(), 1, "{args:?}: {message}");
        assert!(
            message.contains("no such kb"),
            "{args:?}: the message names the directory: {message}"
        );
    }
    assert!(!missing.exists(), "the missing directory was created");
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let dir = indexed_kb("kb");
    // Enough output to fill any buffer: every customer, as JSON and as text.
    for args in [
        &["search", "--json", "--limit", "100", "2026"][..],
        &["search", "--limit", "100", "2026"],
        &["show", "--json", "c009"],
        &["ask", "--json", "who mentioned Lenovo?"],
    ] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let output = crate::dossier_command(dir.path(), args)
            .stdout(writer)
            .output()
            .expect("running dossier");
        assert!(
            code(&output) == 0 && stderr(&output).is_empty(),
            "{args:?} into a closed pipe: exit {}\n{}",
            code(&output),
            stderr(&output)
        );
    }
}

/// Rewrites c001, adds one customer and deletes an older one, then indexes;
/// all of it mentions IBM so that `mentions:IBM` always has the 9 originals.
fn write_round(dir: &Path, round: usize, c001: &str) -> Result<(), String> {
    let changed = c001.replace(
        "\"updated\": \"",
        &format!("\"round\": {round}, \"updated\": \""),
    );
    write_file(dir, "customers/c001-王建国.json", &changed);
    write_file(
        dir,
        &format!("customers/load-{round}.json"),
        &format!(r#"{{"id": "load{round}", "name": "负载{round}", "competitors": ["IBM"]}}"#),
    );
    if round >= 2 {
        let old = dir.join(format!("customers/load-{}.json", round - 2));
        std::fs::remove_file(&old).map_err(|e| format!("deleting {}: {e}", old.display()))?;
    }
    let output = dossier(dir, &["index"]);
    if code(&output) != 0 {
        return Err(format!("index in round {round}\n{}", describe(&output)));
    }
    Ok(())
}

#[test]
fn searches_succeed_while_the_index_is_being_written() {
    const MIN_SEARCHES: usize = 30;
    const MIN_WRITES: usize = 3;
    const MAX_ROUNDS: usize = 300;
    let dir = indexed_kb("kb");
    let c001 = read_file(dir.path(), "customers/c001-王建国.json");
    assert!(
        c001.contains("\"updated\": \""),
        "c001 has an updated field"
    );

    let stop = Arc::new(AtomicBool::new(false));
    let n_writes = Arc::new(AtomicUsize::new(0));
    let writer = {
        let dir = dir.path().to_path_buf();
        let stop = Arc::clone(&stop);
        let n_writes = Arc::clone(&n_writes);
        std::thread::spawn(move || -> Result<(), String> {
            for round in 0..MAX_ROUNDS {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                write_round(&dir, round, &c001)?;
                n_writes.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        })
    };

    let originals = ids(&[
        "c001", "c002", "c006", "c007", "c010", "c015", "c017", "c023", "c027",
    ]);
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut failures = Vec::new();
    let mut n_searches = 0;
    while n_searches < MIN_SEARCHES
        || (n_writes.load(Ordering::SeqCst) < MIN_WRITES
            && !writer.is_finished()
            && Instant::now() < deadline)
    {
        let query = if n_searches % 2 == 0 {
            "mentions:IBM"
        } else {
            "IBM"
        };
        let output = dossier(dir.path(), &["search", "--json", "--limit", "100", query]);
        n_searches += 1;
        let parsed: Result<Value, _> = serde_json::from_slice(&output.stdout);
        match parsed {
            Ok(result) if code(&output) == 0 => {
                let found = hit_ids(&result);
                let missing: Vec<&String> =
                    originals.iter().filter(|id| !found.contains(id)).collect();
                if !missing.is_empty() {
                    failures.push(format!("search {n_searches} ({query}): lost {missing:?}"));
                }
            }
            _ => failures.push(format!(
                "search {n_searches} ({query})\n{}",
                describe(&output)
            )),
        }
    }
    stop.store(true, Ordering::SeqCst);
    let written = writer.join().expect("the writer thread panicked");
    assert_eq!(written, Ok(()));
    let n_written = n_writes.load(Ordering::SeqCst);
    assert!(
        n_written >= MIN_WRITES,
        "only {n_written} index runs overlapped {n_searches} searches"
    );
    assert_no_failures("concurrent searches", n_searches, &failures);
}

#[test]
fn trips_and_dates_as_people_write_them() {
    let dir = kb("kb");
    // A single-day trip written with `date`, to two cities at once; a note
    // dated with a time of day.
    write_file(
        dir.path(),
        "customers/c900.json",
        r#"{"id": "c900", "name": "行程客户", "itinerary": [{"city": "北京、上海", "date": "2026-12-02", "purpose": "路演"}]}"#,
    );
    write_file(
        dir.path(),
        "meetings/m900.json",
        r#"{"id": "m900", "customer": "c900", "date": "2026-11-21 09:00", "text": "第二次路演准备会"}"#,
    );
    write_file(
        dir.path(),
        "meetings/m901.json",
        r#"{"id": "m901", "customer": "c900", "date": "2026-11-20 14:30", "text": "第一次路演准备会"}"#,
    );
    for query in [
        "travel:北京 when:next-week",
        "travel:上海 when:2026-12-02",
        "when:2026-12-02",
    ] {
        assert!(
            search_ids(dir.path(), query).contains(&"c900".to_string()),
            "{query}"
        );
    }
    assert!(!search_ids(dir.path(), "travel:上海 when:this-week").contains(&"c900".to_string()));
    assert!(!search_ids(dir.path(), "travel:北京 when:2026-12-03").contains(&"c900".to_string()));
    let found = search_json(dir.path(), "travel:上海 when:next-week");
    let trip = &hit(&found, "c900").expect("c900 is a hit")["trips"][0];
    assert_eq!(trip["from"], "2026-12-02", "{found}");
    assert_eq!(trip["to"], "2026-12-02", "{found}");
    let shown = json(&dossier(dir.path(), &["show", "--json", "c900"]));
    let dates: Vec<&str> = shown["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|note| note["date"].as_str())
        .collect();
    // Newest first by date and time, not by file name (m901 is the older).
    assert_eq!(
        dates,
        ["2026-11-21 09:00", "2026-11-20 14:30"],
        "newest first"
    );
}

#[test]
fn a_chinese_word_matches_only_where_it_is_written_whole() {
    let dir = indexed_kb("kb");
    // (customer, how its note writes the two words)
    let notes = [
        ("c901", "客户要做量子排程升级。"),
        ("c902", "先谈量子排程，升级以后再说。"),
        ("c903", "量子排程 升级"),
        ("c904", "量子排程和升级"),
        ("c905", "谈了量子排程，升。"),
    ];
    for (i, (customer, text)) in notes.iter().enumerate() {
        write_file(
            dir.path(),
            &format!("customers/{customer}.json"),
            &format!(r#"{{"id": "{customer}", "kind": "customer", "name": "排程客户{i}"}}"#),
        );
        write_file(
            dir.path(),
            &format!("meetings/2026-11-20-m90{i}.json"),
            &format!(
                r#"{{"id": "m90{i}", "kind": "meeting", "customer": "{customer}", "date": "2026-11-20", "text": "{text}"}}"#
            ),
        );
    }
    assert_eq!(code(&dossier(dir.path(), &["index"])), 0);
    let cases: &[(&str, &[&str])] = &[
        // Not across punctuation or a space: 排程，升级 is not 排程升级.
        ("量子排程升级", &["c901"]),
        ("子排程升", &["c901"]),
        ("排程升级", &["c901"]),
        // A phrase with a space between Han words: apart or together (子排程
        // is inside 量子排程), but nothing in between (排程和升级).
        ("\"量子排程 升级\"", &["c901", "c902", "c903"]),
        ("\"量子排程，升级\"", &["c901", "c902", "c903"]),
        // A last run of one character: any run that starts with it.
        ("\"量子排程 升\"", &["c901", "c902", "c903", "c905"]),
        ("\"子 排程\"", &["c901", "c902", "c903", "c904", "c905"]),
        ("量子排程", &["c901", "c902", "c903", "c904", "c905"]),
    ];
    let mut failures = Vec::new();
    for (query, expected) in cases {
        let mut found = search_ids(dir.path(), query);
        found.sort();
        if found != ids(expected) {
            failures.push(format!("{query}: expected {expected:?}, found {found:?}"));
        }
    }
    assert_no_failures("whole-word matches", cases.len(), &failures);
}
