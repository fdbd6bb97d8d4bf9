//! Dates: reading the dates people write in dossiers, and turning a `when:`
//! word into an inclusive range of days computed from `--today`. Weeks run
//! Monday to Sunday.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    /// First day in the range.
    pub start: NaiveDate,
    /// Last day in the range.
    pub end: NaiveDate,
}

impl DateRange {
    /// True when a trip from `from` to `to` (inclusive) shares a day with the range.
    pub fn overlaps(&self, from: NaiveDate, to: NaiveDate) -> bool {
        from <= self.end && to >= self.start
    }
}

impl std::fmt::Display for DateRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}..{}", self.start, self.end)
        }
    }
}

/// The words `when:` accepts, for error messages and the README.
pub const ACCEPTED_RANGES: &str = "today, tomorrow, this-week, next-week, this-weekend, next-7-days, this-month, next-month, YYYY-MM-DD, YYYY-MM, YYYY-MM-DD..YYYY-MM-DD, 今天, 明天, 后天, 本周, 下周, 下下周, 周末, 本月, 下个月";

/// Days since 1970-01-01, the unit stored in the index.
pub fn to_days(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 719_163
}

/// Reads a date as people write it: 2026-12-01, 2026/12/1, 2026.12.01,
/// 2026年12月1日, 20261201. None when it is no date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let digits: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .collect();
    match digits.as_slice() {
        // A date with a time after it: 2026-11-10 14:00.
        [year, month, day, ..] if year.len() == 4 => {
            NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
        }
        [compact] if compact.len() == 8 => NaiveDate::parse_from_str(compact, "%Y%m%d").ok(),
        _ => None,
    }
}

/// A birthday as written: a whole date, or a month and day without a year
/// (`12-15`, `12/15`, `12月15日`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthday {
    /// The year of birth, when written.
    pub year: Option<i32>,
    /// 1–12.
    pub month: u32,
    /// 1–31, a day that exists in that month in some year (29 February too).
    pub day: u32,
}

impl Birthday {
    /// `month * 100 + day` (1215 for 15 December), the unit stored in the
    /// index's `birthday_md`.
    pub fn month_day(self) -> u64 {
        u64::from(self.month) * 100 + u64::from(self.day)
    }

    /// The first day on or after `from` when this birthday falls. A 29
    /// February birthday falls on 28 February in other years.
    pub fn next_on_or_after(self, from: NaiveDate) -> NaiveDate {
        let on = |year: i32| {
            NaiveDate::from_ymd_opt(year, self.month, self.day)
                .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day - 1))
                .expect("a birthday's day exists in its month, or is 29 February")
        };
        let this_year = on(from.year());
        if this_year >= from {
            this_year
        } else {
            on(from.year() + 1)
        }
    }
}

/// Reads a birthday: a date as `parse_date` reads it, or a month and day
/// without a year (`MM-DD`, `MM/DD`, `M月D日`). None when it is neither.
pub fn parse_birthday(text: &str) -> Option<Birthday> {
    if let Some(date) = parse_date(text) {
        return Some(Birthday {
            year: Some(date.year()),
            month: date.month(),
            day: date.day(),
        });
    }
    let text = text.trim();
    let parts: Vec<&str> = text
        .split(['-', '/', '.', '月', '日'])
        .filter(|part| !part.is_empty())
        .collect();
    let [month, day] = parts.as_slice() else {
        return None;
    };
    if month.len() > 2 || day.len() > 2 {
        return None;
    }
    let (month, day): (u32, u32) = (month.parse().ok()?, day.parse().ok()?);
    // 2000 is a leap year: every month and day that can be a birthday exists in it.
    NaiveDate::from_ymd_opt(2000, month, day)?;
    Some(Birthday {
        year: None,
        month,
        day,
    })
}

fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

fn week(monday: NaiveDate) -> DateRange {
    DateRange {
        start: monday,
        end: monday + Days::new(6),
    }
}

fn month_of(day: NaiveDate) -> DateRange {
    let start = day.with_day(1).expect("day 1 exists in every month");
    let end = start + Months::new(1) - Days::new(1);
    DateRange { start, end }
}

fn single(day: NaiveDate) -> DateRange {
    DateRange {
        start: day,
        end: day,
    }
}

/// Turns a `when:` word into a range of days. Accepts English and Chinese
/// (simplified or traditional, already folded by the caller or not).
///
/// Fails with the list of accepted forms when the word is unknown or a
/// range runs backwards.
pub fn parse_range(word: &str, today: NaiveDate) -> Result<DateRange, String> {
    let folded = crate::fold::fold(word.trim());
    let normalized = folded.replace(['_', ' '], "-");
    let this_monday = monday_of(today);
    let range = match normalized.as_str() {
        "today" | "今天" | "今日" => single(today),
        "tomorrow" | "明天" | "明日" => single(today + Days::new(1)),
        "day-after-tomorrow" | "后天" => single(today + Days::new(2)),
        "yesterday" | "昨天" => single(today - Days::new(1)),
        "this-week" | "本周" | "这周" | "这个星期" | "本星期" | "这星期" => {
            week(this_monday)
        }
        "next-week" | "下周" | "下个星期" | "下星期" | "下礼拜" | "下个礼拜" => {
            week(this_monday + Days::new(7))
        }
        "week-after-next" | "下下周" | "下下个星期" => week(this_monday + Days::new(14)),
        "last-week" | "上周" | "上个星期" => week(this_monday - Days::new(7)),
        "this-weekend" | "weekend" | "周末" | "这周末" | "本周末" => DateRange {
            start: this_monday + Days::new(5),
            end: this_monday + Days::new(6),
        },
        "next-weekend" | "下周末" => DateRange {
            start: this_monday + Days::new(12),
            end: this_monday + Days::new(13),
        },
        "this-month" | "本月" | "这个月" | "这月" => month_of(today),
        "next-month" | "下个月" | "下月" => {
            month_of(today.with_day(1).expect("day 1 exists") + Months::new(1))
        }
        "last-month" | "上个月" | "上月" => {
            month_of(today.with_day(1).expect("day 1 exists") - Months::new(1))
        }
        other => return parse_explicit(other, today),
    };
    Ok(range)
}

fn unknown(word: &str) -> String {
    format!("unknown date range {word:?} — use one of: {ACCEPTED_RANGES}")
}

fn parse_explicit(word: &str, today: NaiveDate) -> Result<DateRange, String> {
    if let Some(days) = word
        .strip_prefix("next-")
        .and_then(|rest| rest.strip_suffix("-days"))
        .or_else(|| {
            word.strip_prefix("未来")
                .and_then(|rest| rest.strip_suffix('天'))
        })
    {
        let days: u64 = days.parse().map_err(|_| unknown(word))?;
        if days == 0 {
            return Err(unknown(word));
        }
        return Ok(DateRange {
            start: today,
            end: today + Days::new(days - 1),
        });
    }
    if let Some((from, to)) = word.split_once("..") {
        let start = parse_date(from).ok_or_else(|| unknown(word))?;
        let end = parse_date(to).ok_or_else(|| unknown(word))?;
        if end < start {
            return Err(format!(
                "date range {word:?} ends before it starts — write the earlier date first"
            ));
        }
        return Ok(DateRange { start, end });
    }
    if let Some(day) = parse_date(word) {
        return Ok(single(day));
    }
    // A whole month: 2026-12.
    let parts: Vec<&str> = word.split('-').collect();
    if let [year, month] = parts.as_slice()
        && year.len() == 4
        && let (Ok(year), Ok(month)) = (year.parse::<i32>(), month.parse::<u32>())
        && let Some(first) = NaiveDate::from_ymd_opt(year, month, 1)
    {
        return Ok(month_of(first));
    }
    // Week days relative to today: monday = the coming one (or today).
    let weekday = match word {
        "monday" | "周一" | "星期一" => Some(Weekday::Mon),
        "tuesday" | "周二" | "星期二" => Some(Weekday::Tue),
        "wednesday" | "周三" | "星期三" => Some(Weekday::Wed),
        "thursday" | "周四" | "星期四" => Some(Weekday::Thu),
        "friday" | "周五" | "星期五" => Some(Weekday::Fri),
        "saturday" | "周六" | "星期六" => Some(Weekday::Sat),
        "sunday" | "周日" | "星期日" | "星期天" => Some(Weekday::Sun),
        _ => None,
    };
    if let Some(weekday) = weekday {
        let ahead =
            (7 + weekday.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
        return Ok(single(today + Days::new(u64::from(ahead))));
    }
    Err(unknown(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
    }

    /// (today, word, expected first and last day; None for an error)
    type Row<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>);

    fn check(today: &str, word: &str, expected: Option<(&str, &str)>) {
        let got = parse_range(word, d(today));
        match expected {
            Some((start, end)) => assert_eq!(
                got,
                Ok(DateRange {
                    start: d(start),
                    end: d(end)
                }),
                "{word} on {today}"
            ),
            None => assert!(got.is_err(), "{word} on {today} should fail, got {got:?}"),
        }
    }

    #[test]
    fn ranges() {
        let table: &[Row] = &[
            // 2026-11-23 is a Monday.
            ("2026-11-23", "today", Some(("2026-11-23", "2026-11-23"))),
            ("2026-11-23", "今天", Some(("2026-11-23", "2026-11-23"))),
            ("2026-11-23", "tomorrow", Some(("2026-11-24", "2026-11-24"))),
            ("2026-11-23", "明天", Some(("2026-11-24", "2026-11-24"))),
            (
                "2026-11-23",
                "this-week",
                Some(("2026-11-23", "2026-11-29")),
            ),
            ("2026-11-23", "本周", Some(("2026-11-23", "2026-11-29"))),
            ("2026-11-23", "本週", Some(("2026-11-23", "2026-11-29"))),
            ("2026-11-23", "這週", Some(("2026-11-23", "2026-11-29"))),
            (
                "2026-11-23",
                "next-week",
                Some(("2026-11-30", "2026-12-06")),
            ),
            ("2026-11-23", "下周", Some(("2026-11-30", "2026-12-06"))),
            ("2026-11-23", "下週", Some(("2026-11-30", "2026-12-06"))),
            ("2026-11-23", "下下周", Some(("2026-12-07", "2026-12-13"))),
            // Sunday belongs to the week that began on the Monday before.
            (
                "2026-11-29",
                "this-week",
                Some(("2026-11-23", "2026-11-29")),
            ),
            (
                "2026-11-29",
                "next-week",
                Some(("2026-11-30", "2026-12-06")),
            ),
            (
                "2026-11-23",
                "this-weekend",
                Some(("2026-11-28", "2026-11-29")),
            ),
            (
                "2026-11-23",
                "next-7-days",
                Some(("2026-11-23", "2026-11-29")),
            ),
            (
                "2026-11-23",
                "this-month",
                Some(("2026-11-01", "2026-11-30")),
            ),
            ("2026-11-23", "本月", Some(("2026-11-01", "2026-11-30"))),
            (
                "2026-11-23",
                "next-month",
                Some(("2026-12-01", "2026-12-31")),
            ),
            ("2026-11-23", "下个月", Some(("2026-12-01", "2026-12-31"))),
            ("2026-11-23", "下個月", Some(("2026-12-01", "2026-12-31"))),
            (
                "2026-12-15",
                "next-month",
                Some(("2027-01-01", "2027-01-31")),
            ),
            (
                "2027-01-31",
                "next-month",
                Some(("2027-02-01", "2027-02-28")),
            ),
            (
                "2028-01-31",
                "next-month",
                Some(("2028-02-01", "2028-02-29")),
            ),
            (
                "2028-02-10",
                "this-month",
                Some(("2028-02-01", "2028-02-29")),
            ),
            (
                "2026-11-23",
                "2026-12-01",
                Some(("2026-12-01", "2026-12-01")),
            ),
            (
                "2026-11-23",
                "2026-12-01..2026-12-03",
                Some(("2026-12-01", "2026-12-03")),
            ),
            ("2026-11-23", "2026-12", Some(("2026-12-01", "2026-12-31"))),
            ("2026-11-23", "2026-12-03..2026-12-01", None),
            ("2026-11-23", "someday", None),
            ("2026-11-23", "2026-02-30", None),
        ];
        for (today, word, expected) in table {
            check(today, word, *expected);
        }
    }

    #[test]
    fn overlap() {
        let next_week = DateRange {
            start: d("2026-11-30"),
            end: d("2026-12-06"),
        };
        for (from, to, expected) in [
            ("2026-11-28", "2026-12-01", true),  // starts before, ends inside
            ("2026-12-05", "2026-12-08", true),  // starts inside, ends after
            ("2026-12-06", "2026-12-06", true),  // single day on the Sunday
            ("2026-11-29", "2026-11-29", false), // the Sunday before
            ("2026-12-07", "2026-12-09", false),
            ("2026-11-01", "2026-12-31", true), // covers the whole week
        ] {
            assert_eq!(next_week.overlaps(d(from), d(to)), expected, "{from}..{to}");
        }
    }

    #[test]
    fn reads_written_dates() {
        for (text, expected) in [
            ("2026-12-01", Some("2026-12-01")),
            ("2026/12/1", Some("2026-12-01")),
            ("2026年12月1日", Some("2026-12-01")),
            ("20261201", Some("2026-12-01")),
            ("2026-11-10 14:00", Some("2026-11-10")),
            ("2026-11-10T14:00:00+08:00", Some("2026-11-10")),
            ("12/01/2026", None),
            ("next tuesday", None),
            ("2026-13-01", None),
        ] {
            assert_eq!(parse_date(text), expected.map(d), "{text}");
        }
        assert_eq!(to_days(d("1970-01-02")), 1);
    }

    #[test]
    fn reads_birthdays_with_and_without_a_year() {
        // Text → (year, month, day) read, or None.
        type Read = Option<(Option<i32>, u32, u32)>;
        let cases: &[(&str, Read)] = &[
            ("1966-03-12", Some((Some(1966), 3, 12))),
            ("1975/12/15", Some((Some(1975), 12, 15))),
            ("12-15", Some((None, 12, 15))),
            ("3月8日", Some((None, 3, 8))),
            ("02-29", Some((None, 2, 29))),
            ("02-30", None),
            ("13-01", None),
            ("spring", None),
            ("", None),
        ];
        for &(text, expected) in cases {
            let got = parse_birthday(text).map(|b| (b.year, b.month, b.day));
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn a_birthday_falls_next_on_or_after_a_day() {
        let cases = [
            ("12-15", "2026-12-04", "2026-12-15"),
            ("12-04", "2026-12-04", "2026-12-04"),
            ("01-03", "2026-12-20", "2027-01-03"),
            ("02-29", "2026-01-10", "2026-02-28"),
            ("02-29", "2027-12-01", "2028-02-29"),
        ];
        for (birthday, from, expected) in cases {
            let next = parse_birthday(birthday)
                .expect(birthday)
                .next_on_or_after(d(from));
            assert_eq!(next, d(expected), "{birthday} from {from}");
        }
    }
}
