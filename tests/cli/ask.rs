//! `dossier ask`: plain-language questions in English, simplified and
//! traditional Chinese give the same customers as the equivalent search,
//! say which query they understood, and fall back to a text search.

use std::path::Path;

use crate::{
    assert_no_failures, code, describe, dossier, hit_ids, ids, indexed_kb, json, search_ids,
    stderr, stdout,
};

const THEATRE: &[&str] = &["c001", "c009", "c010", "c011", "c030"];
const GOLF: &[&str] = &["c002", "c007", "c009", "c016", "c023", "c027"];
const BEIJING_NEXT_WEEK: &[&str] = &["c001", "c003", "c007", "c009"];
const BEIJING_THIS_WEEK: &[&str] = &["c007", "c021"];
const LENOVO: &[&str] = &["c002", "c007", "c009", "c012", "c024"];
const IBM: &[&str] = &[
    "c001", "c002", "c006", "c007", "c010", "c015", "c017", "c023", "c027",
];
const HP: &[&str] = &["c002", "c011", "c020", "c034"];
const SHANDONG: &[&str] = &["c014", "c015", "c017", "c037"];
const FISHING: &[&str] = &["c003", "c015", "c026", "c037", "customers/郑海涛.json"];

/// Asks each question and checks the understood query, that it is no
/// fallback, and that its hits are the expected ones and those of
/// `search UNDERSTOOD`.
fn check(dir: &Path, cases: &[(&str, &str, &[&str])]) {
    let mut failures = Vec::new();
    for (question, understood, expected) in cases {
        let output = dossier(dir, &["ask", "--json", "--limit", "100", question]);
        let expected_code = if expected.is_empty() { 1 } else { 0 };
        if code(&output) != expected_code {
            failures.push(format!("ask {question:?}\n{}", describe(&output)));
            continue;
        }
        let answer = json(&output);
        let asked = hit_ids(&answer);
        let searched = search_ids(dir, understood);
        if answer["understood"] != *understood
            || answer["fallback"] == true
            || asked != searched
            || asked != ids(expected)
        {
            failures.push(format!(
                "ask {question:?}\n  understood {} (fallback: {})\n  expected   {understood:?}\n  \
                 ask ids    {asked:?}\n  search ids {searched:?}\n  expected   {:?}",
                answer["understood"],
                answer["fallback"],
                ids(expected)
            ));
        }
    }
    assert_no_failures("questions", cases.len(), &failures);
}

#[test]
fn questions_give_the_results_of_the_equivalent_search() {
    let dir = indexed_kb("kb");
    check(
        dir.path(),
        &[
            // likes:
            ("who likes theatre?", "likes:theatre", THEATRE),
            ("Who likes theater?", "likes:theater", THEATRE),
            ("who is interested in theatre?", "likes:theatre", THEATRE),
            ("谁喜欢话剧", "likes:话剧", THEATRE),
            ("誰喜歡話劇", "likes:話劇", THEATRE),
            ("喜欢话剧的客户", "likes:话剧", THEATRE),
            ("哪些客户喜欢话剧", "likes:话剧", THEATRE),
            ("喜欢高尔夫的客户", "likes:高尔夫", GOLF),
            ("谁喜欢打高尔夫", "likes:高尔夫", GOLF),
            ("who plays golf?", "likes:golf", GOLF),
            ("谁喜欢古琴？", "likes:古琴", &["c013", "c031"]),
            ("who likes fishing?", "likes:fishing", FISHING),
            ("誰喜歡釣魚", "likes:釣魚", FISHING),
            // travel: when:
            (
                "who travels to Beijing next week?",
                "travel:Beijing when:next-week",
                BEIJING_NEXT_WEEK,
            ),
            ("谁下周去北京", "travel:北京 when:下周", BEIJING_NEXT_WEEK),
            (
                "下周去北京的客户",
                "travel:北京 when:下周",
                BEIJING_NEXT_WEEK,
            ),
            ("誰下週去北京", "travel:北京 when:下周", BEIJING_NEXT_WEEK),
            (
                "谁下周要去北京出差",
                "travel:北京 when:下周",
                BEIJING_NEXT_WEEK,
            ),
            (
                "who travels to Beijing this week?",
                "travel:Beijing when:this-week",
                BEIJING_THIS_WEEK,
            ),
            ("谁这周去北京", "travel:北京 when:本周", BEIJING_THIS_WEEK),
            (
                "谁下个月去北京",
                "travel:北京 when:下个月",
                &["c001", "c003", "c007", "c009", "c027"],
            ),
            (
                "who goes to Tokyo next month?",
                "travel:Tokyo when:next-month",
                &["c010", "c016"],
            ),
            ("谁去山东", "travel:山东", SHANDONG),
            (
                "who is travelling to Shandong?",
                "travel:Shandong",
                SHANDONG,
            ),
            // mentions:
            ("who mentioned Lenovo?", "mentions:Lenovo", LENOVO),
            ("谁提到联想", "mentions:联想", LENOVO),
            ("誰提到聯想", "mentions:聯想", LENOVO),
            ("谁在用IBM", "mentions:IBM", IBM),
            ("who uses IBM?", "mentions:IBM", IBM),
            ("who mentioned HP?", "mentions:HP", HP),
            ("谁提到惠普", "mentions:惠普", HP),
            // owner: combined with likes:
            ("刘芳的客户里谁喜欢话剧", "owner:刘芳 likes:话剧", &["c001"]),
            ("劉芳的客戶裡誰喜歡話劇", "owner:劉芳 likes:話劇", &["c001"]),
            (
                "which of 刘芳's customers like golf?",
                "owner:刘芳 likes:golf",
                &["c002"],
            ),
        ],
    );
}

/// Questions with an obvious equivalent search that `ask` gets wrong:
/// each must give the hits of that search and not be a fallback.
fn check_equivalent(dir: &Path, cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (question, equivalent) in cases {
        let expected = search_ids(dir, equivalent);
        let output = dossier(dir, &["ask", "--json", "--limit", "100", question]);
        let answer: Option<serde_json::Value> = serde_json::from_slice(&output.stdout).ok();
        let Some(answer) = answer.filter(|_| code(&output) != 2) else {
            failures.push(format!("ask {question:?} failed\n{}", describe(&output)));
            continue;
        };
        let asked = hit_ids(&answer);
        if answer["fallback"] == true || asked != expected {
            failures.push(format!(
                "ask {question:?}\n  understood {} (fallback: {})\n  ask ids {asked:?}\n  \
                 expected the ids of `search {equivalent}`: {expected:?}",
                answer["understood"], answer["fallback"]
            ));
        }
    }
    assert_no_failures("questions", cases.len(), &failures);
}

#[test]
fn questions_are_not_misread() {
    let dir = indexed_kb("kb");
    check_equivalent(
        dir.path(),
        &[
            ("who travels this week?", "when:this-week"),
            (
                "Who likes golf and is owned by 刘芳?",
                "owner:刘芳 likes:golf",
            ),
            ("誰在用聯想的電腦", "mentions:聯想"),
        ],
    );
}

#[test]
fn common_phrasings_are_understood() {
    let dir = indexed_kb("kb");
    check_equivalent(
        dir.path(),
        &[
            ("谁下周出差", "when:next-week"),
            ("谁这周出差", "when:this-week"),
            ("刘芳的客户", "owner:刘芳"),
            ("谁是vip客户", "tier:vip"),
            ("有哪些客户提到过IBM", "mentions:IBM"),
            ("谁对话剧感兴趣", "likes:话剧"),
            (
                "who has a trip to Beijing next week?",
                "travel:Beijing when:next-week",
            ),
            (
                "Who's visiting Beijing next week?",
                "travel:Beijing when:next-week",
            ),
        ],
    );
}

#[test]
fn human_output_says_what_was_understood() {
    let dir = indexed_kb("kb");
    let output = dossier(dir.path(), &["ask", "谁下周去北京"]);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert!(
        stderr(&output).contains("travel:北京 when:下周"),
        "{}",
        describe(&output)
    );
    let text = stdout(&output);
    for name in ["王建国", "张伟", "張偉", "Michael Brown"] {
        assert!(text.contains(name), "{name} missing\n{}", describe(&output));
    }
}

#[test]
fn an_unmappable_question_falls_back_to_a_text_search() {
    let dir = indexed_kb("kb");
    for question in ["what is the weather like", "今天天气怎么样"] {
        let output = dossier(dir.path(), &["ask", "--json", question]);
        assert_ne!(code(&output), 2, "{}", describe(&output));
        let answer = json(&output);
        assert_eq!(answer["fallback"], true, "{answer}");
        assert!(answer["understood"].is_string(), "{answer}");
        let understood = answer["understood"].as_str().unwrap_or_default();
        assert_eq!(
            hit_ids(&answer),
            search_ids(dir.path(), understood),
            "a fallback finds what its words find: {answer}"
        );

        let output = dossier(dir.path(), &["ask", question]);
        assert_ne!(code(&output), 2, "{}", describe(&output));
        assert!(
            stderr(&output).to_lowercase().contains("could not"),
            "human mode says it fell back\n{}",
            describe(&output)
        );
    }
}

#[test]
fn each_class_of_question_through_the_binary() {
    let dir = indexed_kb("kb");
    check_equivalent(
        dir.path(),
        &[
            // An interest with its verb.
            ("who likes playing golf?", "likes:golf"),
            ("邊個鍾意打高爾夫", "likes:高爾夫"),
            ("谁是高尔夫迷", "likes:高尔夫"),
            // A trip with a purpose after the city.
            ("谁下周要去北京见客户", "travel:北京 when:下周"),
            (
                "who travels to Beijing next week to meet clients",
                "travel:Beijing when:next-week",
            ),
            // A month.
            (
                "who is in Beijing in December",
                "travel:Beijing when:2026-12",
            ),
            ("谁12月去北京", "travel:北京 when:2026-12"),
            // A home city.
            ("谁住在济南", "city:济南"),
            (
                "which customers are based in Hong Kong",
                "city:\"Hong Kong\"",
            ),
            // An owner behind the question.
            ("喜欢话剧的客户里哪些是刘芳的", "owner:刘芳 likes:话剧"),
            ("Emily Zhou's customers", "owner:\"Emily Zhou\""),
            // A tier, a competitor, combined.
            ("VIP客户里谁在用IBM", "tier:vip mentions:IBM"),
        ],
    );
}

/// Questions whose terms are version 2's (`region:`, `date:`,
/// `birthday:`, OR …): read so, and answered with the hits of the
/// equivalent search; never exit 2.
#[test]
fn questions_of_the_new_terms_give_the_results_of_the_equivalent_search() {
    let dir = indexed_kb("kb");
    let mut failures = Vec::new();
    let cases = [
        ("广东的客户", "region:广东"),
        ("做物流的客户", "industry:物流"),
        ("谁是局长", "title:局长"),
        ("whose birthday is next week?", "birthday:next-week"),
        ("这个月谁过生日", "birthday:本月"),
        (
            "who did we meet last month that mentioned 联想",
            "date:last-month mentions:联想",
        ),
        ("who likes golf or theatre", "likes:golf OR likes:theatre"),
        ("哪些客户是长沙人", "hometown:长沙"),
        (
            "谁下周去北京或者上海",
            "travel:北京 when:下周 OR travel:上海 when:下周",
        ),
        (
            "刘芳的客户里谁喜欢高尔夫或网球",
            "owner:刘芳 (likes:高尔夫 OR likes:网球)",
        ),
    ];
    for (question, understood) in cases {
        let output = dossier(dir.path(), &["ask", "--json", "--limit", "100", question]);
        if code(&output) == 2 {
            failures.push(format!("ask {question:?} failed\n{}", describe(&output)));
            continue;
        }
        let answer = json(&output);
        let searched = search_ids(dir.path(), understood);
        if answer["understood"] != understood
            || answer["fallback"] == true
            || hit_ids(&answer) != searched
        {
            failures.push(format!(
                "ask {question:?}: {answer}\n  expected {understood} and the ids of its search: {searched:?}"
            ));
        }
        let human = dossier(dir.path(), &["ask", question]);
        if !stderr(&human).contains(understood) {
            failures.push(format!(
                "ask {question:?} does not say what it understood\n{}",
                describe(&human)
            ));
        }
    }
    assert_no_failures("questions", cases.len(), &failures);
}

#[test]
fn a_trip_to_an_unknown_place_is_text_with_a_notice() {
    let dir = indexed_kb("kb");
    for question in ["谁下周要去火星", "谁下周要去广州见客户"] {
        let output = dossier(dir.path(), &["ask", "--json", question]);
        assert_ne!(code(&output), 2, "{question}\n{}", describe(&output));
    }
    let output = dossier(dir.path(), &["ask", "--json", "谁下周要去火星"]);
    let answer = json(&output);
    assert_eq!(answer["understood"], "when:下周 火星", "{answer}");
    assert!(
        answer["notices"]
            .to_string()
            .contains("火星: not a known place"),
        "{answer}"
    );
}
