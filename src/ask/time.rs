//! Time words of a question: relative words (下周, "next month"), months
//! ("in December", 12月), days ("on December 13", 12月13号, 2026-12-13),
//! ranges and day counts. Found in the question's folded text, and written
//! as the range word the query language takes; which year a month means
//! depends on whether the question looks ahead (a trip, a birthday) or back
//! (a note).

use std::ops::Range;
use std::sync::LazyLock;

use chrono::{Datelike, Days, NaiveDate};
use regex::Regex;

use crate::dates::{DateRange, parse_range};

/// Relative time words, folded, longest first where one contains another,
/// with the range word each is written as. English words are matched as
/// whole words.
const WORDS: &[(&str, &str)] = &[
    ("the week after next", "week-after-next"),
    ("day after tomorrow", "day-after-tomorrow"),
    ("next weekend", "next-weekend"),
    ("this weekend", "this-weekend"),
    ("over the weekend", "this-weekend"),
    ("on the weekend", "this-weekend"),
    ("next week", "next-week"),
    ("this week", "this-week"),
    ("last week", "last-week"),
    ("past week", "last-week"),
    ("next month", "next-month"),
    ("this month", "this-month"),
    ("last month", "last-month"),
    ("past month", "last-month"),
    ("tomorrow", "tomorrow"),
    ("today", "today"),
    ("tonight", "today"),
    ("yesterday", "yesterday"),
    ("下下个星期", "下下周"),
    ("下下个礼拜", "下下周"),
    ("下下周", "下下周"),
    ("下周末", "下周末"),
    ("这周末", "周末"),
    ("本周末", "周末"),
    ("呢个周末", "周末"),
    ("周末", "周末"),
    ("下个星期", "下周"),
    ("下个礼拜", "下周"),
    ("下星期", "下周"),
    ("下礼拜", "下周"),
    ("下周", "下周"),
    ("这个星期", "本周"),
    ("这个礼拜", "本周"),
    ("呢个礼拜", "本周"),
    ("呢个星期", "本周"),
    ("这星期", "本周"),
    ("这礼拜", "本周"),
    ("这周", "本周"),
    ("本周", "本周"),
    ("上个星期", "上周"),
    ("上个礼拜", "上周"),
    ("上星期", "上周"),
    ("上礼拜", "上周"),
    ("上周", "上周"),
    ("下个月", "下个月"),
    ("下月", "下个月"),
    ("这个月", "本月"),
    ("呢个月", "本月"),
    ("今个月", "本月"),
    ("本月", "本月"),
    ("上个月", "上个月"),
    ("上月", "上个月"),
    ("明天", "明天"),
    ("明日", "明天"),
    ("听日", "明天"),
    ("后天", "后天"),
    ("今天", "今天"),
    ("今日", "今天"),
    ("昨天", "昨天"),
    ("寻日", "昨天"),
    ("琴日", "昨天"),
];

/// Range words that look back: with them a question is about notes.
const PAST: &[&str] = &[
    "yesterday",
    "last-week",
    "last-month",
    "昨天",
    "上周",
    "上个月",
];

const MONTHS: &str = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

/// Explicit dates, ranges, day counts and months, as one alternation.
static EXPLICIT: LazyLock<Regex> = LazyLock::new(|| {
    let iso = r"\d{4}-\d{1,2}-\d{1,2}";
    let zh_number = "[0-9一二三四五六七八九十]{1,3}";
    let patterns = [
        format!(
            r"(?:between |from )?(?P<from>{iso})\s*(?:\.\.|and|to|到|至|~)\s*(?P<to>{iso})"
        ),
        format!(r"(?:on )?(?P<iso>{iso})"),
        r"(?:in |within )?(?:the )?next (?P<next>\d{1,3}) days|未来(?P<next_zh>\d{1,3})天".into(),
        r"(?:in )?(?:the )?(?:last|past) (?P<last>\d{1,3}) days|(?:过去|最近)(?P<last_zh>\d{1,3})天"
            .into(),
        format!(r"(?:on )?{MONTHS}\.? (?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"),
        format!(r"(?:on )?(?:the )?(?P<day2>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{}", MONTHS.replace("month", "month2")),
        format!(r"(?P<zh_month>{zh_number})月份?(?:(?P<zh_day>{zh_number})(?:日|号))?"),
        format!(r"(?:in |during )(?:the month of )?{}\b", MONTHS.replace("month", "month3")),
        format!(r"\b{}\b", MONTHS.replace("month", "month4").replace("|may|", "|")),
    ];
    Regex::new(&patterns.join("|")).expect("the time pattern is a valid regular expression")
});

/// What a time in a question says, before it is given a year.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A relative range word, already as the query writes it.
    Word(&'static str),
    /// A range word taken as written (an ISO date or range).
    Exact(String),
    /// The coming `n` days.
    Next(u32),
    /// The past `n` days.
    Last(u32),
    /// A month of an unsaid year.
    Month(u32),
    /// A day of an unsaid year.
    Day(u32, u32),
}

/// A time found in a question: where, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Time {
    /// The chars of the question it was read from.
    pub span: Range<usize>,
    kind: Kind,
}

/// What a time is about, which decides the year of a month and the term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A trip (`when:`): months and days ahead.
    Trip,
    /// A note (`date:`): months and days behind.
    Note,
    /// A birthday (`birthday:`): months and days ahead.
    Birthday,
}

impl Time {
    /// True when the time looks back (last week, 上个月, the past 30 days).
    pub fn is_past(&self) -> bool {
        match &self.kind {
            Kind::Word(word) => PAST.contains(word),
            Kind::Last(_) => true,
            _ => false,
        }
    }

    /// The range word and its days, for a role; `None` when the words name
    /// no real day (February 30), so the question is read without them.
    pub fn resolve(&self, role: Role, today: NaiveDate) -> Option<(String, DateRange)> {
        let ahead = role != Role::Note;
        // A month (day 0) or a day of the coming twelve months, or of the
        // past twelve when the question looks back.
        let year_of = |month: u32, day: u32| -> Option<i32> {
            let asked = (month, day);
            let now = (today.month(), if day == 0 { 0 } else { today.day() });
            let year = match (ahead, asked.cmp(&now)) {
                (true, std::cmp::Ordering::Less) => today.year() + 1,
                (false, std::cmp::Ordering::Greater) => today.year() - 1,
                _ => today.year(),
            };
            (1..=12).contains(&month).then_some(year)
        };
        let words = match &self.kind {
            Kind::Word(word) => (*word).to_string(),
            Kind::Exact(word) => word.clone(),
            Kind::Next(days) => format!("next-{days}-days"),
            Kind::Last(days) => {
                // The query language's own word; its days worked out here so
                // that the question reads the same whatever `dates` takes.
                let days = (*days).max(1);
                let start = today.checked_sub_days(Days::new(u64::from(days - 1)))?;
                return Some((format!("last-{days}-days"), DateRange { start, end: today }));
            }
            Kind::Month(month) => format!("{}-{month:02}", year_of(*month, 0)?),
            Kind::Day(month, day) => {
                let year = year_of(*month, *day)?;
                NaiveDate::from_ymd_opt(year, *month, *day)?;
                format!("{year}-{month:02}-{day:02}")
            }
        };
        let range = parse_range(&words, today).ok()?;
        Some((words, range))
    }
}

fn month_number(name: &str) -> Option<u32> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    NAMES
        .iter()
        .position(|n| name.starts_with(n))
        .map(|i| i as u32 + 1)
}

/// 12, 十二, 一 → the number; `None` past 31.
fn zh_number(text: &str) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return (1..=31).contains(&n).then_some(n);
    }
    let digit = |c: char| {
        "一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|i| i as u32 + 1)
    };
    let chars: Vec<char> = text.chars().collect();
    let n = match chars.as_slice() {
        [c] if *c == '十' => 10,
        [c] => digit(*c)?,
        ['十', c] => 10 + digit(*c)?,
        [a, '十'] => digit(*a)? * 10,
        [a, '十', c] => digit(*a)? * 10 + digit(*c)?,
        _ => return None,
    };
    (1..=31).contains(&n).then_some(n)
}

fn is_latin(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Finds the first time in `masked` (the folded question, one char per
/// char of the question; taken chars masked): an explicit date or month
/// first, else the longest relative word.
pub(super) fn find(masked: &str) -> Option<Time> {
    let chars: Vec<char> = masked.chars().collect();
    let to_chars = |bytes: Range<usize>| {
        let start = masked[..bytes.start].chars().count();
        start..start + masked[bytes].chars().count()
    };
    for captures in EXPLICIT.captures_iter(masked) {
        let whole = captures.get(0).expect("group 0 is the match");
        let span = to_chars(whole.range());
        if is_latin(span.start.checked_sub(1).and_then(|i| chars.get(i)))
            || is_latin(chars.get(span.end)) && !whole.as_str().ends_with(char::is_numeric)
        {
            continue;
        }
        let get = |name: &str| captures.name(name).map(|m| m.as_str());
        let kind = if let (Some(from), Some(to)) = (get("from"), get("to")) {
            Kind::Exact(format!("{from}..{to}"))
        } else if let Some(iso) = get("iso") {
            Kind::Exact(iso.to_string())
        } else if let Some(days) = get("next").or(get("next_zh")) {
            Kind::Next(days.parse().ok()?)
        } else if let Some(days) = get("last").or(get("last_zh")) {
            Kind::Last(days.parse().ok()?)
        } else if let (Some(month), Some(day)) = (get("month"), get("day")) {
            Kind::Day(month_number(month)?, day.parse().ok()?)
        } else if let (Some(day), Some(month)) = (get("day2"), get("month2")) {
            Kind::Day(month_number(month)?, day.parse().ok()?)
        } else if let Some(month) = get("zh_month") {
            let Some(month) = zh_number(month).filter(|m| *m <= 12) else {
                continue;
            };
            match get("zh_day").and_then(zh_number) {
                Some(day) => Kind::Day(month, day),
                None => Kind::Month(month),
            }
        } else if let Some(month) = get("month3").or(get("month4")) {
            Kind::Month(month_number(month)?)
        } else {
            continue;
        };
        return Some(Time { span, kind });
    }
    let mut best: Option<Time> = None;
    for (word, range_word) in WORDS {
        let Some(start) = masked.find(word) else {
            continue;
        };
        let span = to_chars(start..start + word.len());
        let latin = word.is_ascii();
        if latin
            && (is_latin(span.start.checked_sub(1).and_then(|i| chars.get(i)))
                || is_latin(chars.get(span.end)))
        {
            continue;
        }
        if best.as_ref().is_none_or(|b| span.len() > b.span.len()) {
            best = Some(Time {
                span,
                kind: Kind::Word(range_word),
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_resolve_for_their_role() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
        for (text, role, expected) in [
            ("谁下周去北京", Role::Trip, Some("下周")),
            ("in december", Role::Trip, Some("2026-12")),
            ("in january", Role::Trip, Some("2027-01")),
            ("in october", Role::Note, Some("2026-10")),
            ("in december", Role::Note, Some("2025-12")),
            ("12月13号", Role::Trip, Some("2026-12-13")),
            ("十二月", Role::Birthday, Some("2026-12")),
            ("on december 13", Role::Trip, Some("2026-12-13")),
            ("13th of december", Role::Trip, Some("2026-12-13")),
            (
                "2026-12-01 to 2026-12-03",
                Role::Trip,
                Some("2026-12-01..2026-12-03"),
            ),
            ("the next 10 days", Role::Trip, Some("next-10-days")),
            ("the last 30 days", Role::Note, Some("last-30-days")),
            ("who may go", Role::Trip, None),
            ("2月30日", Role::Trip, None),
            ("next weekend", Role::Trip, Some("next-weekend")),
            ("nextweek", Role::Trip, None),
        ] {
            let found = find(text).and_then(|time| time.resolve(role, today));
            assert_eq!(found.map(|(w, _)| w).as_deref(), expected, "{text}");
        }
    }
}
