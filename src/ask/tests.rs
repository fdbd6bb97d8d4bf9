//! `ask`'s tests: the question set (`questions.tsv`) with its rates, and
//! the rules that hold for every question.

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

/// One question of `questions.tsv`.
struct Question<'a> {
    line: usize,
    split: &'a str,
    class: &'a str,
    question: &'a str,
    expected: &'a str,
    status: &'a str,
}

fn questions() -> Vec<Question<'static>> {
    include_str!("questions.tsv")
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty())
        .map(|(i, l)| {
            let columns: Vec<&str> = l.split('\t').collect();
            assert_eq!(columns.len(), 5, "questions.tsv:{}: five columns", i + 1);
            Question {
                line: i + 1,
                split: columns[0],
                class: columns[1],
                question: columns[2],
                expected: columns[3],
                status: columns[4],
            }
        })
        .collect()
}

/// What `ask` printed for a question, in the file's notation.
fn read_as(question: &str) -> String {
    let understood = understand(question, today()).unwrap_or_else(|e| panic!("{question}: {e}"));
    if understood.fallback {
        format!("~{}", understood.query)
    } else {
        understood.query.to_string()
    }
}

#[test]
#[allow(clippy::print_stdout, reason = "the rates are the test's report")]
fn question_set_rates_and_no_question_that_passed_fails() {
    let mut broken = Vec::new();
    let mut rates: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let mut by_class: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for q in questions() {
        assert!(["dev", "held"].contains(&q.split), "line {}: split", q.line);
        assert!(
            q.status == "ok" || q.status.starts_with("FIXME: "),
            "line {}: status is ok or FIXME: reason",
            q.line
        );
        let got = read_as(q.question);
        let passes = got == q.expected;
        let rate = rates.entry(q.split).or_default();
        rate.1 += 1;
        let class = by_class.entry(q.class).or_default();
        class.1 += 1;
        if passes {
            rate.0 += 1;
            class.0 += 1;
        }
        match (q.status == "ok", passes) {
            (true, false) => broken.push(format!(
                "line {}: {} → {got} (expected {})",
                q.line, q.question, q.expected
            )),
            (false, true) => broken.push(format!(
                "line {}: {} now passes: mark it ok",
                q.line, q.question
            )),
            _ => {}
        }
    }
    for (split, (passed, total)) in &rates {
        println!("{split}: {passed}/{total} understood exactly");
    }
    for (class, (passed, total)) in &by_class {
        println!("  {class}: {passed}/{total}");
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn every_question_reads_back_as_a_query() {
    // What `ask` prints is a query the user can type: it parses, and only
    // the new v2 terms (searched by the query stage) are left to it.
    for q in questions() {
        let understood = understand(q.question, today()).expect("understood");
        let printed = understood.query.to_string();
        assert!(!printed.is_empty(), "{}", q.question);
        for word in ["who", "which", "customers", "please", "any", "谁", "哪些"] {
            assert!(
                !printed.split(' ').any(|w| w.eq_ignore_ascii_case(word)),
                "{}: {printed} keeps the question word {word}",
                q.question
            );
        }
    }
}

#[test]
fn an_unknown_place_is_text_with_a_notice() {
    let understood = understand("谁下周要去火星", today()).expect("understood");
    assert_eq!(understood.query.to_string(), "when:下周 火星");
    assert!(understood.notices[0].starts_with("火星: not a known place"));
    assert!(understand("  ？ ", today()).is_err());
}

/// Questions and the query each must be read as.
const EARLIER: &[(&str, &str)] = &[
    ("who likes theatre?", "likes:theatre"),
    ("Who likes golf", "likes:golf"),
    ("which customers like fishing?", "likes:fishing"),
    ("customers who enjoy red wine", "likes:\"red wine\""),
    ("who is into tea", "likes:tea"),
    ("谁喜欢话剧", "likes:话剧"),
    ("誰喜歡話劇？", "likes:話劇"),
    ("喜欢高尔夫的客户", "likes:高尔夫"),
    ("哪些客户喜欢钓鱼", "likes:钓鱼"),
    (
        "who travels to Beijing next week?",
        "travel:Beijing when:next-week",
    ),
    (
        "who is going to Shanghai this week",
        "travel:Shanghai when:this-week",
    ),
    ("who flies to Tokyo tomorrow", "travel:Tokyo when:tomorrow"),
    (
        "who will be in Shenzhen next month",
        "travel:Shenzhen when:next-month",
    ),
    ("who goes to Beijing", "travel:Beijing"),
    ("谁下周去北京", "travel:北京 when:下周"),
    ("誰下週去北京？", "travel:北京 when:下周"),
    ("下周去北京的客户", "travel:北京 when:下周"),
    ("谁本周在上海", "travel:上海 when:本周"),
    ("下周谁去北京", "travel:北京 when:下周"),
    ("谁下个月去深圳出差", "travel:深圳 when:下个月"),
    ("who mentioned Lenovo?", "mentions:Lenovo"),
    ("which customers use IBM", "mentions:IBM"),
    ("who is using Oracle", "mentions:Oracle"),
    ("谁提到联想", "mentions:联想"),
    ("谁提到過聯想", "mentions:聯想"),
    ("谁在用IBM", "mentions:IBM"),
    ("哪些客户在用惠普的服务器", "mentions:惠普"),
    ("刘芳的客户里谁喜欢话剧", "owner:刘芳 likes:话剧"),
    ("劉芳的客戶裡誰喜歡話劇", "owner:劉芳 likes:話劇"),
    (
        "陈明的客户中谁下周去北京",
        "owner:陈明 travel:北京 when:下周",
    ),
    (
        "which of Emily Zhou's customers like golf",
        "owner:\"Emily Zhou\" likes:golf",
    ),
    (
        "who travels to Beijing between 2026-12-01 and 2026-12-03",
        "travel:Beijing when:2026-12-01..2026-12-03",
    ),
    ("who travels this week?", "when:this-week"),
    ("谁下周出差", "when:下周"),
    ("谁这周出差", "when:本周"),
    ("刘芳的客户", "owner:刘芳"),
    ("Emily Zhou's customers", "owner:\"Emily Zhou\""),
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
    (
        "Who likes golf and is owned by 刘芳?",
        "owner:刘芳 likes:golf",
    ),
    ("誰在用聯想的電腦", "mentions:聯想"),
    ("张磊的客户有谁在用IBM", "owner:张磊 mentions:IBM"),
    ("刘芳的客户喜欢话剧的", "owner:刘芳 likes:话剧"),
];

#[test]
fn the_phrasings_of_version_one_still_read_the_same() {
    for &(question, expected) in EARLIER {
        assert_eq!(read_as(question), expected, "{question}");
    }
}

#[test]
fn a_knowledge_base_s_own_names_are_understood_and_kept_until_its_file_changes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let read = |question: &str| {
        understand_in(question, today(), dir.path())
            .expect("understood")
            .query
            .to_string()
    };
    assert_eq!(read("谁下周去雄安"), "when:下周 雄安");
    std::fs::write(
        dir.path().join(crate::vocab::KB_VOCAB_FILE),
        "place\txiongan\t雄安|雄安新区\thebei\ninterest\tguqin\t古琴|七弦琴\n",
    )
    .expect("writing the vocabulary");
    assert_eq!(read("谁下周去雄安"), "travel:雄安 when:下周");
    assert_eq!(read("谁喜欢七弦琴"), "likes:七弦琴");
}
