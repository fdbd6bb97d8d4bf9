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
pub const ACCEPTED_RANGES: &str = "today, tomorrow, yesterday, this-week, next-week, last-week, this-weekend, next-7-days, last-7-days, last-30-days (any N up to 3660), this-month, next-month, last-month, YYYY-MM-DD, YYYY-MM, YYYY-MM-DD..YYYY-MM-DD, 今天, 明天, 后天, 昨天, 本周, 下周, 下下周, 上周, 周末, 本月, 下个月, 上个月, 未来N天, 过去N天";

/// The longest range a relative word may name (`next-3660-days`, about ten
/// years; `last-N-days` too): chrono's date arithmetic panics past its
/// calendar's end, and no one plans further.
pub const MAX_RANGE_DAYS: u64 = 3660;

/// Days since 1970-01-01, the unit stored in the index.
pub fn to_days(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - 719_163
}

/// Reads a date as people write it, year first: `2026-12-01`, `2026/12/1`,
/// `2026.12.01`, `2026年12月1日` (one- or two-digit month and day, the same
/// separator twice), the compact `20261201`, and any of these followed by a
/// time (`2026-11-10 14:00`, `2026-11-10T14:00:00+08:00`). Full-width digits
/// and separators read as their ASCII forms.
///
/// None for anything else: a day-first or two-digit-year date (`12/08/2026`
/// is 12 August to some and December 8 to others; `26-12-04`), a day that
/// does not exist (`2026-02-30`), words.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = half_width(text.trim());
    let (date, rest) = split_date(&text)?;
    is_time_or_nothing(rest).then_some(date)
}

/// Full-width digits and date punctuation as ASCII (`２０２６－１２－０１`
/// is typed with a Chinese input method on); borrowed when there are none.
fn half_width(text: &str) -> std::borrow::Cow<'_, str> {
    let is_full_width = |c: char| ('\u{ff01}'..='\u{ff5e}').contains(&c) || c == '\u{3000}';
    if !text.chars().any(is_full_width) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            c if is_full_width(c) => {
                char::from_u32(u32::from(c) - 0xfee0).expect("the ASCII range maps to ASCII")
            }
            c => c,
        })
        .collect()
}

/// The leading ASCII digits of `text`, and what follows them.
fn leading_digits(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    text.split_at(end)
}

/// A year-first date at the start of `text`, and the text after it.
fn split_date(text: &str) -> Option<(NaiveDate, &str)> {
    let (year, rest) = leading_digits(text);
    if year.len() == 8 {
        let (year, month_day) = year.split_at(4);
        let (month, day) = month_day.split_at(2);
        return Some((ymd(year, month, day)?, rest));
    }
    if year.len() != 4 {
        return None;
    }
    let mut chars = rest.chars();
    let separator = chars.next()?;
    let (month_end, day_end): (&[char], &[char]) = match separator {
        '-' | '/' | '.' => (&[], &[]),
        '年' => (&['月'], &['日', '号', '號']),
        _ => return None,
    };
    let (month, rest) = leading_digits(chars.as_str());
    let rest = if month_end.is_empty() {
        rest.strip_prefix(separator)?
    } else {
        rest.strip_prefix(month_end)?
    };
    let (day, mut rest) = leading_digits(rest);
    if let Some(after) = rest.strip_prefix(day_end) {
        rest = after;
    }
    Some((ymd(year, month, day)?, rest))
}

/// The day of a four-digit year and a one- or two-digit month and day.
fn ymd(year: &str, month: &str, day: &str) -> Option<NaiveDate> {
    let short = |part: &str| (1..=2).contains(&part.len());
    if year.len() != 4 || !short(month) || !short(day) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// True for nothing, or a time after a date: a space or `T`, then `H:MM`.
fn is_time_or_nothing(rest: &str) -> bool {
    if rest.is_empty() {
        return true;
    }
    let Some(time) = rest
        .strip_prefix('T')
        .or_else(|| rest.strip_prefix(char::is_whitespace))
    else {
        return false;
    };
    let (hour, time) = leading_digits(time.trim_start());
    let Some(minutes) = time.strip_prefix(':') else {
        return false;
    };
    let (minutes, _) = leading_digits(minutes);
    (1..=2).contains(&hour.len()) && minutes.len() == 2
}

/// Why a written date was not read, for a warning: `": there is no such
/// day"`, `": the year must come first (2026-08-12 or 2026-12-08?)"`, or
/// empty when there is nothing more useful to say than the forms to use.
pub fn why_not_a_date(text: &str) -> String {
    let text = half_width(text.trim());
    let numbers: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .collect();
    match numbers.as_slice() {
        [year, month, day] if year.len() == 4 && month.len() <= 2 && day.len() <= 2 => {
            ": there is no such day".into()
        }
        [first, second, year] if year.len() == 4 && first.len() <= 2 && second.len() <= 2 => {
            // Day first or month first: say which days it could be.
            let mut readings: Vec<String> = [(second, first), (first, second)]
                .iter()
                .filter_map(|(month, day)| ymd(year, month, day))
                .map(|day| day.to_string())
                .collect();
            readings.dedup();
            match readings.as_slice() {
                [] => ": the year must come first".into(),
                [one] => format!(": the year must come first ({one}?)"),
                [one, other, ..] => format!(": the year must come first ({one} or {other}?)"),
            }
        }
        [year, _, _] if year.len() == 2 => ": the year needs all four digits".into(),
        _ => String::new(),
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
    ///
    /// A month and day no calendar has (the fields are public), or a year
    /// past the last that chrono knows, never falls: the answer is then
    /// chrono's last day, rather than a panic.
    pub fn next_on_or_after(self, from: NaiveDate) -> NaiveDate {
        let on = |year: i32| {
            NaiveDate::from_ymd_opt(year, self.month, self.day)
                .or_else(|| NaiveDate::from_ymd_opt(year, self.month, self.day.saturating_sub(1)))
        };
        match on(from.year()) {
            Some(this_year) if this_year >= from => this_year,
            _ => on(from.year() + 1).unwrap_or(NaiveDate::MAX),
        }
    }
}

/// Reads a birthday: a date as `parse_date` reads it, or a month and day
/// without a year, month first: `12-15`, `--12-15` (ISO 8601), `3-8`,
/// `12月15日`, `3月8号`. None when it is neither: `12/15` and `15.12`
/// are not read, since a slash or a dot without a year is written day
/// first as often as month first.
pub fn parse_birthday(text: &str) -> Option<Birthday> {
    if let Some(date) = parse_date(text) {
        return Some(Birthday {
            year: Some(date.year()),
            month: date.month(),
            day: date.day(),
        });
    }
    let text = half_width(text.trim());
    let text = text.strip_prefix("--").unwrap_or(&text);
    let (month, rest) = leading_digits(text);
    let (day, rest) = if let Some(rest) = rest.strip_prefix('-') {
        leading_digits(rest)
    } else {
        let (day, rest) = leading_digits(rest.strip_prefix('月')?);
        (day, rest.strip_prefix(['日', '号', '號']).unwrap_or(rest))
    };
    let short = |part: &str| (1..=2).contains(&part.len());
    if !rest.is_empty() || !short(month) || !short(day) {
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
    // Every relative range below is at most MAX_RANGE_DAYS from today, so
    // a today within four-digit years keeps chrono's arithmetic in range.
    if !(0..=9999).contains(&today.year()) {
        return Err(format!(
            "today {today} is outside the years 0000 to 9999 — pass --today YYYY-MM-DD"
        ));
    }
    let folded = crate::fold::fold(word.trim());
    let normalized = folded.replace(['_', ' '], "-");
    let this_monday = monday_of(today);
    let range = match normalized.as_str() {
        "today" | "今天" | "今日" => single(today),
        "tomorrow" | "明天" | "明日" => single(today + Days::new(1)),
        "day-after-tomorrow" | "后天" => single(today + Days::new(2)),
        "yesterday" | "昨天" | "昨日" => single(today - Days::new(1)),
        "this-week" | "本周" | "这周" | "这个星期" | "本星期" | "这星期" => {
            week(this_monday)
        }
        "next-week" | "下周" | "下个星期" | "下星期" | "下礼拜" | "下个礼拜" => {
            week(this_monday + Days::new(7))
        }
        "week-after-next" | "下下周" | "下下个星期" => week(this_monday + Days::new(14)),
        "last-week" | "上周" | "上个星期" | "上星期" | "上礼拜" | "上个礼拜" => {
            week(this_monday - Days::new(7))
        }
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

/// A whole month: 2026-12.
fn whole_month(word: &str) -> Option<DateRange> {
    let parts: Vec<&str> = word.split('-').collect();
    if let [year, month] = parts.as_slice()
        && year.len() == 4
        && let (Ok(year), Ok(month)) = (year.parse::<i32>(), month.parse::<u32>())
        && let Some(first) = NaiveDate::from_ymd_opt(year, month, 1)
    {
        return Some(month_of(first));
    }
    None
}

fn unknown(word: &str) -> String {
    format!("unknown date range {word:?} — use one of: {ACCEPTED_RANGES}")
}

/// The N of `next-N-days`, `last-N-days`, 未来N天, 过去N天, 最近N天, and
/// whether it looks back.
fn relative_days(word: &str) -> Option<(&str, bool)> {
    let between = |prefix: &str, suffix: &str| {
        word.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
    };
    if let Some(n) = between("next-", "-days").or_else(|| between("未来", "天")) {
        return Some((n, false));
    }
    between("last-", "-days")
        .or_else(|| between("past-", "-days"))
        .or_else(|| between("过去", "天"))
        .or_else(|| between("最近", "天"))
        .map(|n| (n, true))
}

fn parse_explicit(word: &str, today: NaiveDate) -> Result<DateRange, String> {
    if let Some((days, back)) = relative_days(word) {
        if !days.is_empty() && days.bytes().all(|b| b.is_ascii_digit()) {
            // A number too large for u64 is as much too long as any.
            let days = days.parse::<u64>().unwrap_or(u64::MAX);
            if days > MAX_RANGE_DAYS {
                return Err(format!(
                    "date range {word:?} is too long — name at most {MAX_RANGE_DAYS} days, or a range YYYY-MM-DD..YYYY-MM-DD"
                ));
            }
        }
        let days: u64 = days.parse().map_err(|_| unknown(word))?;
        if days == 0 {
            return Err(unknown(word));
        }
        // Ten years from any date chrono reads is still a date.
        return Ok(if back {
            DateRange {
                start: today
                    .checked_sub_days(Days::new(days - 1))
                    .ok_or_else(|| unknown(word))?,
                end: today,
            }
        } else {
            DateRange {
                start: today,
                end: today
                    .checked_add_days(Days::new(days - 1))
                    .ok_or_else(|| unknown(word))?,
            }
        });
    }
    if let Some((from, to)) = word.split_once("..") {
        // Either end may be a whole month: 2026-10..2026-11-15.
        let start = parse_date(from)
            .or_else(|| whole_month(from).map(|m| m.start))
            .ok_or_else(|| unknown(word))?;
        let end = parse_date(to)
            .or_else(|| whole_month(to).map(|m| m.end))
            .ok_or_else(|| unknown(word))?;
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
    if let Some(month) = whole_month(word) {
        return Ok(month);
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
            // The past.
            (
                "2026-11-23",
                "yesterday",
                Some(("2026-11-22", "2026-11-22")),
            ),
            ("2026-11-23", "昨天", Some(("2026-11-22", "2026-11-22"))),
            (
                "2026-11-23",
                "last-week",
                Some(("2026-11-16", "2026-11-22")),
            ),
            ("2026-11-23", "上週", Some(("2026-11-16", "2026-11-22"))),
            (
                "2026-11-23",
                "last-month",
                Some(("2026-10-01", "2026-10-31")),
            ),
            ("2026-11-23", "上個月", Some(("2026-10-01", "2026-10-31"))),
            (
                "2026-01-15",
                "last-month",
                Some(("2025-12-01", "2025-12-31")),
            ),
            (
                "2026-11-23",
                "last-7-days",
                Some(("2026-11-17", "2026-11-23")),
            ),
            (
                "2026-11-23",
                "last-30-days",
                Some(("2026-10-25", "2026-11-23")),
            ),
            ("2026-11-23", "过去7天", Some(("2026-11-17", "2026-11-23"))),
            ("2026-11-23", "2026-02", Some(("2026-02-01", "2026-02-28"))),
            (
                "2026-11-23",
                "2026-10..2026-11",
                Some(("2026-10-01", "2026-11-30")),
            ),
            (
                "2026-11-23",
                "2026-10..2026-11-15",
                Some(("2026-10-01", "2026-11-15")),
            ),
            (
                "2026-11-23",
                "next-3660-days",
                Some(("2026-11-23", "2036-11-29")),
            ),
            // Numbers are bounded: an error naming the term, never a panic.
            ("2026-11-23", "next-3661-days", None),
            ("2026-11-23", "last-0-days", None),
            ("2026-11-23", "last-99999999999999999999999-days", None),
            ("2026-11-23", "next-18446744073709551615-days", None),
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
            (" 2026-12-01 ", Some("2026-12-01")),
            ("2026/12/1", Some("2026-12-01")),
            ("2026/1/09", Some("2026-01-09")),
            ("2026.12.01", Some("2026-12-01")),
            ("2026-1-1", Some("2026-01-01")),
            ("2026年12月1日", Some("2026-12-01")),
            ("2026年3月8号", Some("2026-03-08")),
            ("2026年03月08", Some("2026-03-08")),
            ("２０２６－１２－０１", Some("2026-12-01")),
            ("２０２６年１２月１日", Some("2026-12-01")),
            ("20261201", Some("2026-12-01")),
            ("2026-11-10 14:00", Some("2026-11-10")),
            ("2026-11-10T14:00:00+08:00", Some("2026-11-10")),
            ("2026年11月10日 9:30", Some("2026-11-10")),
            ("2028-02-29", Some("2028-02-29")),
            // Day first, two-digit years, days that do not exist: never read.
            ("12/01/2026", None),
            ("12/08/2026", None),
            ("01.12.2026", None),
            ("26-12-04", None),
            ("26/12/4", None),
            ("2026-02-30", None),
            ("2027-02-29", None),
            ("2026-13-01", None),
            ("2026-00-10", None),
            ("2026-12-001", None),
            ("2026-12/01", None),
            ("2026-12", None),
            ("2026", None),
            ("202612011", None),
            ("02026-12-01", None),
            ("2026-12-01 next week", None),
            ("2026-12-01x", None),
            ("next tuesday", None),
            ("", None),
        ] {
            assert_eq!(parse_date(text), expected.map(d), "{text}");
        }
        assert_eq!(to_days(d("1970-01-02")), 1);
    }

    #[test]
    fn says_why_a_date_was_not_read() {
        for (text, why) in [
            ("2026-02-30", ": there is no such day"),
            (
                "12/08/2026",
                ": the year must come first (2026-08-12 or 2026-12-08?)",
            ),
            ("25.12.2026", ": the year must come first (2026-12-25?)"),
            ("12/12/2026", ": the year must come first (2026-12-12?)"),
            ("40/40/2026", ": the year must come first"),
            ("26-12-04", ": the year needs all four digits"),
            ("soon", ""),
        ] {
            assert_eq!(why_not_a_date(text), why, "{text}");
        }
    }

    #[test]
    fn ranges_are_bounded() {
        let today = d("2026-11-23");
        for (word, error) in [
            ("next-99999999-days", "is too long — name at most 3660 days"),
            (
                "next-99999999999999999999999-days",
                "is too long — name at most 3660 days",
            ),
            ("未来99999999天", "is too long"),
            ("last-3661-days", "is too long"),
            ("过去99999999999999999999天", "is too long"),
            ("next-0-days", "unknown date range"),
        ] {
            let got = parse_range(word, today).expect_err(word);
            assert!(got.contains(error), "{word}: {got}");
        }
        assert_eq!(
            parse_range("next-3660-days", today).map(|r| r.end),
            Ok(d("2036-11-29"))
        );
        // A today far outside four-digit years is refused, never a panic.
        for today in [NaiveDate::MAX, NaiveDate::MIN] {
            for word in ["tomorrow", "next-month", "last-week", "next-3660-days"] {
                assert!(parse_range(word, today).is_err(), "{word} from {today}");
            }
        }
        for today in ["9999-12-31", "0000-01-01"] {
            for word in [
                "tomorrow",
                "next-month",
                "last-month",
                "next-3660-days",
                "last-3660-days",
            ] {
                assert!(parse_range(word, d(today)).is_ok(), "{word} from {today}");
            }
        }
    }

    #[test]
    fn reads_birthdays_with_and_without_a_year() {
        // Text → (year, month, day) read, or None.
        type Read = Option<(Option<i32>, u32, u32)>;
        let cases: &[(&str, Read)] = &[
            ("1966-03-12", Some((Some(1966), 3, 12))),
            ("1975/12/15", Some((Some(1975), 12, 15))),
            ("1975年12月15日", Some((Some(1975), 12, 15))),
            ("12-15", Some((None, 12, 15))),
            ("--12-15", Some((None, 12, 15))),
            ("3-8", Some((None, 3, 8))),
            ("3月8日", Some((None, 3, 8))),
            ("12月15号", Some((None, 12, 15))),
            ("12月15", Some((None, 12, 15))),
            ("１２月１５日", Some((None, 12, 15))),
            ("02-29", Some((None, 2, 29))),
            ("02-30", None),
            ("13-01", None),
            // A slash or a dot without a year is written day first as
            // often as month first.
            ("12/15", None),
            ("15.12", None),
            ("12/08/1975", None),
            ("012-15", None),
            ("12-15-", None),
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
            ("12-31", "9999-12-31", "9999-12-31"),
        ];
        for (birthday, from, expected) in cases {
            let next = parse_birthday(birthday)
                .expect(birthday)
                .next_on_or_after(d(from));
            assert_eq!(next, d(expected), "{birthday} from {from}");
        }
        // A birthday no calendar has, or past chrono's last year: no panic.
        let never = Birthday {
            year: None,
            month: 13,
            day: 40,
        };
        assert_eq!(never.next_on_or_after(d("2026-12-04")), NaiveDate::MAX);
        let new_year = parse_birthday("01-01").expect("01-01");
        assert_eq!(
            new_year.next_on_or_after(d("9999-12-31")),
            NaiveDate::from_ymd_opt(10_000, 1, 1).expect("in chrono's range")
        );
        assert_eq!(new_year.next_on_or_after(NaiveDate::MAX), NaiveDate::MAX);
    }
}
