//! Plain-language questions → typed queries. Maps the questions reps ask,
//! in English and Chinese (simplified or traditional), onto the query
//! language, so `ask` gives exactly the hits of the equivalent `search` and
//! can print the query it understood. Questions it cannot map fall back to
//! free text, and say so.

use std::sync::{LazyLock, OnceLock};

use chrono::NaiveDate;
use regex::Regex;

use crate::dates::parse_range;
use crate::error::{Error, Result};
use crate::fold::fold;
use crate::query::{Clause, ProfileField, Query};

/// What `ask` understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Understood {
    /// The query to run.
    pub query: Query,
    /// True when no pattern matched and the question is searched as text.
    pub fallback: bool,
}

/// Time words of questions, in the order they are tried (longest first),
/// and the `when:` range each means.
const WHEN_WORDS: &[(&str, &str)] = &[
    ("next weekend", "next-weekend"),
    ("this weekend", "this-weekend"),
    ("over the weekend", "this-weekend"),
    ("the week after next", "week-after-next"),
    ("next week", "next-week"),
    ("this week", "this-week"),
    ("next month", "next-month"),
    ("this month", "this-month"),
    ("tomorrow", "tomorrow"),
    ("today", "today"),
    ("下下周", "下下周"),
    ("下下个星期", "下下周"),
    ("下周末", "下周末"),
    ("这周末", "周末"),
    ("本周末", "周末"),
    ("周末", "周末"),
    ("下个星期", "下周"),
    ("下星期", "下周"),
    ("下礼拜", "下周"),
    ("下周", "下周"),
    ("这个星期", "本周"),
    ("这星期", "本周"),
    ("这周", "本周"),
    ("本周", "本周"),
    ("下个月", "下个月"),
    ("下月", "下个月"),
    ("这个月", "本月"),
    ("本月", "本月"),
    ("明天", "明天"),
    ("后天", "后天"),
    ("今天", "今天"),
];

/// Stands for the question's time words inside the patterns: the time
/// words are found first (`mark_when`) and replaced by this one char, so
/// the ~20 patterns stay small and cheap to compile in every process.
const WHEN_MARK: char = '\u{e000}';

/// Explicit dates and day counts in a question.
static DATES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"in the next \d+ days|未来\d+天|(?:on |between )?\d{4}-\d{1,2}-\d{1,2}(?:(?:\.\.| and | to |到|至)\d{4}-\d{1,2}-\d{1,2})?",
    )
    .expect("the date pattern is a valid regular expression")
});

/// A pattern compiled on first use: a question tries patterns in order
/// and stops at the first that reads it, so most are never compiled.
struct Pattern {
    source: String,
    compiled: OnceLock<Regex>,
}

impl Pattern {
    fn get(&self) -> &Regex {
        self.compiled.get_or_init(|| {
            Regex::new(&self.source).expect("ask patterns are valid regular expressions")
        })
    }
}

fn regex(pattern: &str) -> Pattern {
    Pattern {
        source: pattern.replace("WHEN", &WHEN_MARK.to_string()),
        compiled: OnceLock::new(),
    }
}

/// Which questions a pattern can read at all, checked before compiling it
/// (compiling is most of what `ask` costs over `search`).
#[derive(Clone, Copy)]
enum Gate {
    /// A Chinese pattern: the question has one of these words, which the
    /// pattern cannot match without.
    Zh(&'static [&'static str]),
    /// An English pattern: the question opens with a Latin letter or the
    /// time mark.
    En,
}

impl Gate {
    fn may_read(self, folded: &str) -> bool {
        match self {
            Gate::Zh(words) => words.iter().any(|word| folded.contains(word)),
            Gate::En => folded
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == WHEN_MARK),
        }
    }
}

/// Finds the question's time words (an explicit date, else the longest
/// known word) and replaces them by `WHEN_MARK` in both the question and its
/// folded form, which stay char for char alike. Returns the folded words.
fn mark_when(question: &mut String, folded: &mut String) -> Option<String> {
    let byte_range = DATES.find(folded).map(|m| m.range()).or_else(|| {
        WHEN_WORDS
            .iter()
            .find_map(|(word, _)| folded.find(word).map(|start| start..start + word.len()))
    })?;
    let words = folded[byte_range.clone()].to_string();
    let start = folded[..byte_range.start].chars().count();
    let length = words.chars().count();
    let replace = |text: &str| -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out: String = chars[..start].iter().collect();
        out.push(WHEN_MARK);
        out.extend(&chars[start + length..]);
        out
    };
    *question = replace(question);
    *folded = replace(folded);
    Some(words)
}

/// Who-words that open a question.
const WHO_ZH: &str = "(?:请问)?(?:有哪些客户|有哪些人|有哪些|有谁|谁|哪些客户|哪个客户|哪位客户|哪些人|哪位|什么人|哪些)";
const WHO_EN: &str = r"(?:who|whom|which (?:customers?|clients?|people|contacts?)|what (?:customers?|clients?)|any(?:one|body)|(?:list |show |find )?(?:all )?(?:the )?(?:customers?|clients?|people|contacts?)(?: who| that)?)";

/// Owner patterns, each with the words a question needs to be read by it.
static OWNER_PATTERNS: LazyLock<Vec<(&[&str], Pattern)>> = LazyLock::new(|| {
    vec![
        (
            &["的"],
            regex(
                r"^(?P<owner>[^\s的]{1,12}?)(?:负责|名下|跟进)?的(?:客户|客人|顾客)(?:里面|里|中|当中|之中)?(?:有哪些|有谁|是谁)?[,，]?\s*(?P<rest>.*)$",
            ),
        ),
        (
            &["'s "],
            regex(
                r"^(?:(?:which|who) (?:of|among) )(?P<owner>.+?)'s (?:customers|clients) (?P<rest>.+)$",
            ),
        ),
        (
            &["'s "],
            regex(r"^(?P<owner>.+?)'s (?:customers|clients) (?:who|that) (?P<rest>.+)$"),
        ),
        (
            &["'s "],
            regex(r"^(?P<rest>.+?) (?:among|of|in|for) (?P<owner>.+?)'s (?:customers|clients)$"),
        ),
        (
            &[" owned by "],
            regex(r"^(?P<rest>.+?)(?:,? and)?(?: is| are)? owned by (?P<owner>.+)$"),
        ),
        (
            &["'s "],
            regex(r"^(?:(?:show|list) )?(?:me )?(?P<owner>.+?)'s (?:customers|clients)(?P<rest>)$"),
        ),
    ]
});

enum Intent {
    Likes,
    Travel,
    Mentions,
    Tier,
}

/// Words without one of which a Chinese pattern cannot match (their
/// patterns' verbs, folded).
const TRIP_WORDS: &[&str] = &["出差", "出行", "出门", "外出", "旅行", "不在"];
const LIKE_WORDS: &[&str] = &["喜欢", "爱", "热衷"];
const MENTION_WORDS: &[&str] = &["提", "说到", "说起", "谈到", "谈起", "聊到", "用"];
const GO_WORDS: &[&str] = &["去", "到", "飞", "前往", "在", "回"];

static INTENT_PATTERNS: LazyLock<Vec<(Intent, Gate, Pattern)>> = LazyLock::new(|| {
    let likes_zh =
        "(?:最)?(?:比较)?(?:喜欢|爱好|喜爱|热爱|热衷于?|偏爱|爱)(?:玩|打|看|听|喝|吃|去)?";
    let go_zh = "(?:要|会|将|打算|准备|计划)?(?:出差)?(?:去|到|飞|飞往|前往|在|回)";
    let mention_zh = "(?:提到过|提到了|提到|提过|提及|说到|说起|谈到|谈起|聊到|在用|正在用|用过|用了|用的是|使用|采用|用)";
    let likes_en = r"(?:likes?|loves?|enjoys?|(?:is|are) (?:into|fond of|keen on|interested in)|plays?|(?:is|are) a fan of)";
    let go_en = r"(?:(?:is |are |will be )?(?:travel(?:l)?(?:s|ing)?|go(?:es|ing)?|fl(?:y|ies|ying)|head(?:s|ing)?|be|visit(?:s|ing)?)(?: to| in)?|ha(?:s|ve) (?:a )?trips? to|(?:is|are|will be) in)";
    let mention_en = r"(?:(?:has |have )?mention(?:s|ed)?|talked about|talks about|(?:is |are )?(?:us(?:es|e|ed|ing))|runs?|(?:is |are )?running|buys? from|bought from|works? with|(?:is |are )?on)";
    let tail_zh = "(?:的客户|的人|的有谁|的是谁|的有哪些|的)?(?:吗|呢)?";
    let trip_zh = "(?:要|会|将|打算|准备|计划)?(?:出差|出行|出门|外出|旅行|不在)";
    let trip_en = r"(?:travel(?:l)?(?:s|ing)?|(?:is|are) (?:travel(?:l)?ing|away|on (?:a )?trips?|on the road)|ha(?:s|ve) (?:a )?trips?|go(?:es)? away)";
    vec![
        (
            Intent::Tier,
            Gate::Zh(&["客户", "客人"]),
            regex(&format!(
                "^(?:{WHO_ZH}是|哪些是)?(?P<tier>vip|[abc])(?:级|类)?(?:客户|客人)(?:有哪些|有谁|是谁)?$"
            )),
        ),
        (
            Intent::Tier,
            Gate::En,
            regex(&format!(
                r"^(?:{WHO_EN} (?:is|are) )?(?:the |our |my )?(?:tier )?(?P<tier>vip|[abc])(?: tier)?(?: customers| clients)?$"
            )),
        ),
        (
            Intent::Likes,
            Gate::Zh(&["兴趣"]),
            regex(&format!(
                "^{WHO_ZH}对(?P<x>.+?)(?:很|比较|特别|非常)?(?:感兴趣|有兴趣)$"
            )),
        ),
        (
            Intent::Travel,
            Gate::Zh(TRIP_WORDS),
            regex(&format!("^{WHO_ZH}(?P<when>WHEN){trip_zh}$")),
        ),
        (
            Intent::Travel,
            Gate::Zh(TRIP_WORDS),
            regex(&format!("^(?P<when>WHEN){WHO_ZH}{trip_zh}$")),
        ),
        (
            Intent::Travel,
            Gate::En,
            regex(&format!("^{WHO_EN} {trip_en} (?P<when>WHEN)$")),
        ),
        (
            Intent::Likes,
            Gate::Zh(LIKE_WORDS),
            regex(&format!("^{WHO_ZH}{likes_zh}(?P<x>.+?){tail_zh}$")),
        ),
        (
            Intent::Likes,
            Gate::Zh(LIKE_WORDS),
            regex(&format!(
                "^{likes_zh}(?P<x>.+?)的(?:客户|人|有谁|是谁|有哪些)$"
            )),
        ),
        (
            Intent::Likes,
            Gate::En,
            regex(&format!("^{WHO_EN} {likes_en} (?P<x>.+)$")),
        ),
        (
            Intent::Mentions,
            Gate::Zh(MENTION_WORDS),
            regex(&format!(
                "^{WHO_ZH}{mention_zh}(?P<x>.+?)(?:的产品|的系统|的设备|的服务器|的方案)?{tail_zh}$"
            )),
        ),
        (
            Intent::Mentions,
            Gate::Zh(MENTION_WORDS),
            regex(&format!(
                "^{mention_zh}(?P<x>.+?)(?:的产品|的系统|的设备)?的(?:客户|人|有谁|是谁|有哪些)$"
            )),
        ),
        (
            Intent::Mentions,
            Gate::En,
            regex(&format!("^{WHO_EN} {mention_en} (?P<x>.+)$")),
        ),
        (
            Intent::Travel,
            Gate::Zh(GO_WORDS),
            regex(&format!(
                "^{WHO_ZH}(?P<when>WHEN)?{go_zh}(?P<city>.+?)(?P<when2>WHEN)?(?:出差|开会|办事|玩|旅游|旅行)?{tail_zh}$"
            )),
        ),
        (
            Intent::Travel,
            Gate::Zh(GO_WORDS),
            regex(&format!(
                "^(?P<when>WHEN)?{WHO_ZH}{go_zh}(?P<city>.+?)(?:出差|开会|办事|玩|旅游|旅行)?{tail_zh}$"
            )),
        ),
        (
            Intent::Travel,
            Gate::Zh(GO_WORDS),
            regex(&format!(
                "^(?P<when>WHEN)?{go_zh}(?P<city>.+?)(?:出差|开会|办事|玩|旅游|旅行)?的(?:客户|人|有谁|是谁|有哪些)$"
            )),
        ),
        (
            Intent::Travel,
            Gate::En,
            regex(&format!(
                "^{WHO_EN} {go_en} (?P<city>.+?)(?: (?P<when>WHEN))?$"
            )),
        ),
        (
            Intent::Travel,
            Gate::En,
            regex(&format!("^(?P<when>WHEN),? {WHO_EN} {go_en} (?P<city>.+)$")),
        ),
    ]
});

/// Words that carry no meaning for a text search.
const STOP_WORDS: &[&str] = &[
    "who",
    "which",
    "what",
    "the",
    "a",
    "an",
    "is",
    "are",
    "of",
    "customers",
    "customer",
    "clients",
    "client",
    "any",
    "anyone",
    "about",
    "with",
    "in",
    "for",
    "to",
    "does",
    "do",
    "did",
    "has",
    "have",
    "谁",
    "哪些",
    "客户",
    "的",
    "有",
    "吗",
    "呢",
    "了",
    "是",
];

/// Maps the char range of a match in folded text back to the original.
fn original(question: &str, folded: &str, range: std::ops::Range<usize>) -> String {
    let start = folded[..range.start].chars().count();
    let length = folded[range].chars().count();
    question
        .chars()
        .skip(start)
        .take(length)
        .collect::<String>()
        .trim()
        .to_string()
}

fn clean_value(value: &str) -> String {
    let trimmed = value
        .trim()
        .trim_matches(|c: char| "?？!！。.,，\"'“”「」".contains(c))
        .trim();
    let trimmed = trimmed.strip_prefix("the ").unwrap_or(trimmed);
    trimmed.to_string()
}

fn when_word(written: &str) -> String {
    let folded = fold(written.trim());
    let folded = folded
        .trim_start_matches("on ")
        .trim_start_matches("between ");
    for (word, range) in WHEN_WORDS {
        if folded == *word {
            return (*range).to_string();
        }
    }
    if let Some(days) = folded
        .strip_prefix("in the next ")
        .and_then(|r| r.strip_suffix(" days"))
    {
        return format!("next-{days}-days");
    }
    folded
        .replace(" and ", "..")
        .replace(" to ", "..")
        .replace(['到', '至'], "..")
}

/// True when some intent pattern reads the whole text as a question.
fn is_question(text: &str) -> bool {
    let (mut marked, mut folded) = (text.to_string(), fold(text));
    mark_when(&mut marked, &mut folded);
    INTENT_PATTERNS
        .iter()
        .any(|(_, gate, pattern)| gate.may_read(&folded) && pattern.get().is_match(&folded))
}

/// Understands a question. `today` resolves its time words.
///
/// Fails only when the question is empty or names a date range that does
/// not exist.
pub fn understand(question: &str, today: NaiveDate) -> Result<Understood> {
    let question = question
        .trim()
        .trim_end_matches(|c: char| "?？!！。.".contains(c))
        .trim();
    if question.is_empty() {
        return Err(Error::query(
            question,
            "empty question — ask e.g. \"who likes theatre?\" or 谁下周去北京",
        ));
    }
    let mut clauses = Vec::new();
    let mut rest = question
        .replace("who's ", "who is ")
        .replace("Who's ", "who is ");
    for (needs, pattern) in OWNER_PATTERNS.iter() {
        let folded = fold(&rest);
        if !needs.iter().any(|word| folded.contains(word)) {
            continue;
        }
        if let Some(captures) = pattern.get().captures(&folded)
            && let (Some(owner), Some(remainder)) = (captures.name("owner"), captures.name("rest"))
        {
            let owner_text = clean_value(&original(&rest, &folded, owner.range()));
            let remainder_text = original(&rest, &folded, remainder.range());
            // "喜欢高尔夫的客户" is a question, not the customers of 喜欢高尔夫.
            if remainder_text.trim().is_empty() && is_question(&rest) {
                continue;
            }
            clauses.push(Clause::Field(ProfileField::Owner, owner_text));
            if remainder_text.trim().is_empty() {
                return Ok(Understood {
                    query: Query { clauses },
                    fallback: false,
                });
            }
            // "likes theatre" after the owner reads as "who likes theatre".
            // 有谁在用IBM lost its 有谁 to the owner pattern: give the
            // remainder its who-word back, in its language.
            let asks_who = ["谁", "誰", "哪", "有"]
                .iter()
                .any(|w| remainder_text.starts_with(w));
            rest = if remainder_text.is_ascii() && !remainder_text.to_lowercase().starts_with("who")
            {
                format!("who {remainder_text}")
            } else if !remainder_text.is_ascii() && !asks_who {
                format!("谁{remainder_text}")
            } else {
                remainder_text
            };
            break;
        }
    }
    let mut folded = fold(&rest);
    let when_words = mark_when(&mut rest, &mut folded);
    for (intent, gate, pattern) in INTENT_PATTERNS.iter() {
        if !gate.may_read(&folded) {
            continue;
        }
        let Some(captures) = pattern.get().captures(&folded) else {
            continue;
        };
        let value = |name: &str| {
            captures
                .name(name)
                .map(|m| clean_value(&original(&rest, &folded, m.range())))
        };
        match intent {
            Intent::Likes => clauses.push(Clause::Likes(value("x").unwrap_or_default())),
            Intent::Mentions => {
                // 聯想的電腦 names 聯想: what follows 的 is the product.
                let named = value("x").unwrap_or_default();
                let named = named
                    .split('的')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                clauses.push(Clause::Mentions(named));
            }
            Intent::Tier => clauses.push(Clause::Field(
                ProfileField::Tier,
                value("tier").unwrap_or_default(),
            )),
            Intent::Travel => {
                // "who travels next week" names no city: any trip then.
                if let Some(city) = value("city") {
                    clauses.push(Clause::Travel(city));
                }
                let marked = captures
                    .name("when")
                    .or_else(|| captures.name("when2"))
                    .is_some();
                if let Some(when) = when_words.clone().filter(|_| marked) {
                    let word = when_word(&when);
                    let range = parse_range(&word, today)
                        .map_err(|problem| Error::query(when.clone(), problem))?;
                    clauses.push(Clause::When(word, range));
                }
            }
        }
        if clauses.iter().all(|c| match c {
            Clause::Likes(v) | Clause::Mentions(v) | Clause::Travel(v) | Clause::Field(_, v) => {
                !v.is_empty()
            }
            _ => true,
        }) {
            return Ok(Understood {
                query: Query { clauses },
                fallback: false,
            });
        }
        clauses.retain(|c| matches!(c, Clause::Field(..)));
    }
    // Nothing matched: search the meaningful words as free text.
    let mut words: Vec<Clause> = question
        .split(|c: char| c.is_whitespace() || "?？!！。.,，、".contains(c))
        .map(str::trim)
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(&fold(w).as_str()))
        .map(|w| Clause::Word(w.to_string()))
        .collect();
    if words.is_empty() {
        words.push(Clause::Word(question.to_string()));
    }
    Ok(Understood {
        query: Query { clauses: words },
        fallback: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(question: &str, expected: &str) {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
        let understood = understand(question, today).unwrap_or_else(|e| panic!("{question}: {e}"));
        assert_eq!(understood.query.to_string(), expected, "{question}");
        assert!(!understood.fallback, "{question} fell back to text");
    }

    /// Questions and the query each must be read as.
    const QUESTIONS: &[(&str, &str)] = &[
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
    fn questions() {
        for &(question, expected) in QUESTIONS {
            check(question, expected);
        }
    }

    #[test]
    fn every_pattern_compiles_and_its_gate_never_hides_a_match() {
        for (_, pattern) in OWNER_PATTERNS.iter() {
            pattern.get();
        }
        for &(question, _) in QUESTIONS {
            let question = question.trim_end_matches(['?', '？']);
            let (mut marked, mut folded) = (question.to_string(), fold(question));
            mark_when(&mut marked, &mut folded);
            for (_, gate, pattern) in INTENT_PATTERNS.iter() {
                if pattern.get().is_match(&folded) {
                    assert!(gate.may_read(&folded), "{question}: {}", pattern.source);
                }
            }
        }
    }

    #[test]
    fn falls_back_to_text() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
        let understood = understand("计费系统 售后服务 complaints", today).expect("understand");
        assert!(understood.fallback);
        assert_eq!(understood.query.to_string(), "计费系统 售后服务 complaints");
        assert!(understand("  ？ ", today).is_err());
    }
}
