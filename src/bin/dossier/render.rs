//! Human output: readable at a glance, coloured only on a terminal and
//! never with `NO_COLOR`.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use dossier::document::{trip_city, trip_dates};
use dossier::search::{Hit, SearchResult, Trip, describe_trip};
use dossier::show::{Brief, Dossier, StoredRecord};
use dossier::status::{IndexState, Status};

/// Whether to colour, decided once from the terminal and `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }
    fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
    fn heading(self, text: &str) -> String {
        self.paint("1;36", text)
    }
    /// The matched part of a snippet: coloured on a terminal; plain text
    /// otherwise, so piped output reads as the original text (`--json`
    /// gives the match as `highlight` offsets).
    fn highlight(self, text: &str) -> String {
        self.paint("1;33", text)
    }
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn highlighted(style: Style, snippet: &str, highlight: Option<(usize, usize)>) -> String {
    let Some((start, end)) = highlight else {
        return snippet.to_string();
    };
    let chars: Vec<char> = snippet.chars().collect();
    let (start, end) = (start.min(chars.len()), end.min(chars.len()));
    let before: String = chars[..start].iter().collect();
    let matched: String = chars[start..end].iter().collect();
    let after: String = chars[end..].iter().collect();
    format!("{before}{}{after}", style.highlight(&matched))
}

fn hit_line(style: Style, rank: usize, hit: &Hit) -> String {
    let mut line = format!("{rank}. {}", style.bold(&hit.name));
    if let Some(nickname) = text(&hit.profile, "nickname") {
        let _ = write!(line, " ({nickname})");
    }
    for key in ["title", "company"] {
        if let Some(value) = text(&hit.profile, key) {
            let _ = write!(line, " · {value}");
        }
    }
    if let Some(owner) = text(&hit.profile, "owner") {
        let _ = write!(line, " · owner {owner}");
    }
    let _ = write!(line, "  {}", style.dim(&format!("[{}]", hit.id)));
    line
}

/// A search result as a rep reads it.
pub fn search(style: Style, result: &SearchResult) -> String {
    let mut out = String::new();
    let noun = if result.total == 1 {
        "customer"
    } else {
        "customers"
    };
    let shown = if result.hits.len() < result.total {
        format!(" (showing {})", result.hits.len())
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{} {noun} for {}{shown}",
        result.total,
        style.bold(&result.query)
    );
    for (i, hit) in result.hits.iter().enumerate() {
        let _ = writeln!(out, "\n{}", hit_line(style, i + 1, hit));
        for trip in &hit.trips {
            let _ = writeln!(out, "   trip      {}", describe_trip(trip));
        }
        for m in hit.matches.iter().filter(|m| m.field != "itinerary") {
            let place = if m.kind == "customer" {
                m.field.clone()
            } else {
                format!("{} {}", m.kind, m.date.as_deref().unwrap_or(""))
            };
            let _ = writeln!(
                out,
                "   {:<9} {}  {}",
                place.trim(),
                highlighted(style, &m.snippet, m.highlight),
                style.dim(&m.path)
            );
        }
    }
    out
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join("、"),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                if k == "name" {
                    value_text(v)
                } else {
                    format!("{k}: {}", value_text(v))
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// A trip as one line, as search shows it: `北京 2026-12-01..2026-12-03 部里开会`.
fn trip_line(trip: &Value) -> String {
    let Value::Object(map) = trip else {
        return value_text(trip);
    };
    let (from, to) = trip_dates(map);
    describe_trip(&Trip {
        city: trip_city(map).unwrap_or_default().to_string(),
        from: from.map(str::to_string),
        to: to.map(str::to_string),
        purpose: text(map, "purpose").map(str::to_string),
    })
}

/// Profile sections, grouped the way the seeds group a customer file.
const SECTIONS: &[(&str, &[&str])] = &[
    (
        "基本资料 Basic facts",
        &[
            "type", "title", "company", "industry", "region", "city", "hometown", "birthday",
        ],
    ),
    (
        "联系方式 Contacts",
        &["contacts", "phone", "mobile", "email", "wechat", "address"],
    ),
    (
        "家庭与背景 Family and background",
        &["family", "education", "background", "career", "personality"],
    ),
    ("兴趣爱好 Interests", &["interests"]),
    ("行程 Trips", &["itinerary"]),
    ("竞争对手 Competitors", &["competitors"]),
    (
        "分类 Classification",
        &["owner", "tier", "stage", "updated"],
    ),
    ("备注 Notes", &["notes"]),
];

const HEADER_KEYS: &[&str] = &["id", "kind", "name", "nickname"];

/// What a rep needs before a visit, as the first lines of `show`.
fn brief_lines(brief: &Brief, today: chrono::NaiveDate) -> Vec<String> {
    let mut lines = Vec::new();
    let days = |n: i64| {
        if n == 1 {
            "1 day".to_string()
        } else {
            format!("{n} days")
        }
    };
    if let Some(trip) = &brief.next_trip {
        let when = if trip.under_way(today) {
            format!("under way, until {}", trip.to)
        } else {
            format!("in {}", days((trip.from - today).num_days()))
        };
        lines.push(format!("  next trip     {} ({when})", trip.describe()));
    }
    if let Some((written, next)) = &brief.birthday {
        let when = match next.days {
            0 => "today".to_string(),
            n => format!("in {} ({})", days(n), next.date),
        };
        let turns = next
            .turns
            .map(|age| format!(", turns {age}"))
            .unwrap_or_default();
        lines.push(format!("  birthday      {written}: {when}{turns}"));
    }
    let contact = match (brief.last_contact, brief.days_since_contact) {
        (Some(day), Some(n)) => format!("{day} ({} ago)", days(n)),
        _ => "never: no note and no `updated`".to_string(),
    };
    lines.push(format!("  last contact  {contact}"));
    if brief.needs_attention {
        lines.push(format!(
            "  needs attention: nothing written or updated for more than {} days",
            dossier::agenda::ATTENTION_DAYS
        ));
    }
    for competitor in &brief.competitors {
        let mut line = format!("  competitor    {}", competitor.name);
        if let Some(product) = &competitor.product {
            let _ = write!(line, " {product}");
        }
        if let Some(satisfaction) = &competitor.satisfaction {
            let _ = write!(line, " (satisfaction {satisfaction})");
        }
        lines.push(line);
    }
    if let Some(satisfaction) = &brief.satisfaction {
        lines.push(format!("  satisfaction  {satisfaction}"));
    }
    lines
}

/// A whole dossier as a rep reads it before a call: the brief first, then
/// the profile and the notes.
pub fn show(style: Style, dossier: &Dossier, brief: &Brief, today: chrono::NaiveDate) -> String {
    let customer = &dossier.customer;
    let fields = &customer.fields;
    let mut out = String::new();
    let mut title = style.bold(text(fields, "name").unwrap_or("?"));
    if let Some(nickname) = text(fields, "nickname") {
        let _ = write!(title, " ({nickname})");
    }
    let _ = writeln!(
        out,
        "{title}  {}",
        style.dim(&format!("[{}] {}", customer.id, customer.path))
    );
    let _ = writeln!(out, "\n{}", style.heading("拜访前 Before the visit"));
    for line in brief_lines(brief, today) {
        let _ = writeln!(out, "{line}");
    }
    if !dossier.problems.is_empty() {
        // Right after the brief, so that a rep sees why a date or a note may be missing.
        let _ = writeln!(
            out,
            "\n{}",
            style.heading(&format!("问题 Problems ({})", dossier.problems.len()))
        );
        for problem in &dossier.problems {
            let _ = writeln!(out, "  {problem}");
        }
    }
    let mut shown: Vec<&str> = HEADER_KEYS.to_vec();
    for (heading, keys) in SECTIONS {
        let mut lines = Vec::new();
        for key in *keys {
            shown.push(key);
            let Some(value) = fields.get(*key) else {
                continue;
            };
            match (*key, value) {
                ("itinerary", Value::Array(trips)) => {
                    for trip in trips {
                        lines.push(format!("  {}", trip_line(trip)));
                    }
                }
                ("contacts", Value::Object(map)) => {
                    for (k, v) in map {
                        lines.push(format!("  {k:<9} {}", value_text(v)));
                    }
                }
                ("competitors", Value::Array(items)) => {
                    for item in items {
                        lines.push(format!("  {}", value_text(item)));
                    }
                }
                _ => {
                    let rendered = value_text(value);
                    if !rendered.is_empty() {
                        lines.push(format!("  {key:<9} {rendered}"));
                    }
                }
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(out, "\n{}", style.heading(heading));
            for line in lines {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    let others: Vec<(&String, &Value)> = fields
        .iter()
        .filter(|(k, _)| !shown.contains(&k.as_str()))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "\n{}", style.heading("其他 Other"));
        for (key, value) in others {
            let _ = writeln!(out, "  {key:<9} {}", value_text(value));
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        style.heading(&format!(
            "会谈纪要与走访 Meetings and visits ({})",
            dossier.notes.len()
        ))
    );
    for note in &dossier.notes {
        out.push_str(&note_block(style, note));
    }
    out
}

fn note_block(style: Style, note: &StoredRecord) -> String {
    let mut head = format!(
        "{} · {}",
        note.text("date").unwrap_or("(no date)"),
        note.kind
    );
    if let Some(author) = note.text("author") {
        let _ = write!(head, " · {author}");
    }
    if let Some(title) = note.text("title") {
        let _ = write!(head, " · {}", style.bold(title));
    }
    let mut out = format!("\n{head}  {}\n", style.dim(&note.path));
    if let Some(body) = note.text("text") {
        for line in body.lines() {
            let _ = writeln!(out, "  {line}");
        }
    } else if note.last_good {
        let _ = writeln!(out, "  {}", style.dim(LAST_GOOD));
    }
    out
}

/// Said in place of the text of a note shown from its last good version.
const LAST_GOOD: &str = "(the last good version: its file has an error now, and a note's text \
                         is kept in its file only; fix the file to see the text)";

/// `dossier status`.
pub fn status(style: Style, status: &Status) -> String {
    let mut out = String::new();
    let state = match status.index_state {
        IndexState::Ready => "ready".to_string(),
        IndexState::Stale => {
            "stale (built with another version or vocabulary; `dossier index` rebuilds it)".into()
        }
        IndexState::Missing => "missing (run `dossier index`)".into(),
    };
    let _ = writeln!(out, "{}  {}", style.bold("knowledge base"), status.kb);
    let _ = writeln!(
        out,
        "index           {} ({state}, {:.1} MB)",
        status.index_dir,
        status.index_bytes as f64 / 1e6
    );
    let _ = writeln!(
        out,
        "indexed         {} customers, {} meetings, {} visits in {} files",
        status.customers, status.meetings, status.visits, status.files
    );
    let _ = writeln!(
        out,
        "last sync       {}",
        status.last_sync.as_deref().unwrap_or("never")
    );
    let writer = match &status.writer {
        Some(holder) if holder.command == "watch" => format!("watcher running: {holder}"),
        Some(holder) => format!("no watcher; {holder} is writing"),
        None => "no watcher running".into(),
    };
    let _ = writeln!(out, "watcher         {writer}");
    let _ = writeln!(out, "files in error  {}", status.files_in_error());
    let _ = writeln!(out, "warnings        {}", status.warnings());
    for problem in &status.problems {
        let _ = writeln!(out, "  {problem}");
    }
    out
}

/// The words of the agenda in the language of the dossiers.
struct AgendaWords {
    title: &'static str,
    days: &'static str,
    today: &'static str,
    tomorrow: &'static str,
    weekdays: [&'static str; 7],
    birthday: &'static str,
    trip: &'static str,
    owner: &'static str,
    nothing: &'static str,
    attention: &'static str,
    never: &'static str,
}

const AGENDA_ZH: AgendaWords = AgendaWords {
    title: "日程",
    days: "天",
    today: "今天",
    tomorrow: "明天",
    weekdays: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
    birthday: "生日",
    trip: "行程",
    owner: "负责人",
    nothing: "没有生日或行程",
    attention: "需要跟进",
    never: "从未联系",
};

const AGENDA_EN: AgendaWords = AgendaWords {
    title: "Agenda",
    days: "days",
    today: "Today",
    tomorrow: "Tomorrow",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    birthday: "birthday",
    trip: "trip",
    owner: "owner",
    nothing: "No birthdays or trips",
    attention: "Needs attention",
    never: "never contacted",
};

/// `周一 12-07`, or `今天 周五 12-04`; the year too when it is not today's.
fn day_label(words: &AgendaWords, day: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    use chrono::Datelike as _;
    let weekday = words.weekdays[day.weekday().num_days_from_monday() as usize];
    let date = if day.year() == today.year() {
        day.format("%m-%d").to_string()
    } else {
        day.format("%Y-%m-%d").to_string()
    };
    match (day - today).num_days() {
        0 => format!("{} {weekday} {date}", words.today),
        1 => format!("{} {weekday} {date}", words.tomorrow),
        _ => format!("{weekday} {date}"),
    }
}

/// `dossier agenda`: the items grouped by day, then who needs attention,
/// in Chinese when the names listed are mostly Chinese.
pub fn agenda(style: Style, agenda: &dossier::agenda::Agenda) -> String {
    use dossier::agenda::Event;
    let chinese = agenda.is_mostly_chinese();
    let words = if chinese { &AGENDA_ZH } else { &AGENDA_EN };
    let n_days = (agenda.to - agenda.from).num_days() + 1;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}..{} ({n_days} {})",
        style.bold(words.title),
        agenda.from,
        agenda.to,
        words.days
    );
    if agenda.items.is_empty() {
        let _ = writeln!(out, "\n{}", words.nothing);
    }
    let owner = |owner: &Option<String>| {
        owner
            .as_deref()
            .map(|o| format!(" · {} {o}", words.owner))
            .unwrap_or_default()
    };
    let mut day = None;
    for item in &agenda.items {
        if day != Some(item.date) {
            day = Some(item.date);
            let _ = writeln!(
                out,
                "\n{}",
                style.heading(&day_label(words, item.date, agenda.from))
            );
        }
        let (kind, what) = match &item.event {
            Event::Birthday { written, turns } => {
                let age = match (turns, chinese) {
                    (Some(age), true) => format!(" · 满 {age} 岁"),
                    (Some(age), false) => format!(" · turns {age}"),
                    (None, _) => String::new(),
                };
                (words.birthday, format!("{age} · {written}"))
            }
            Event::Trip(trip) => {
                let mut what = format!(" · {}", trip.describe());
                if trip.under_way(agenda.from) {
                    let until = trip.to.format("%m-%d");
                    what.push_str(&if chinese {
                        format!("（进行中，至 {until}）")
                    } else {
                        format!(" (under way until {until})")
                    });
                }
                (words.trip, what)
            }
        };
        let kind = if chinese {
            format!("{kind}  ")
        } else {
            format!("{kind:<9} ")
        };
        let _ = writeln!(
            out,
            "  {kind}{}{what}{}  {}",
            style.bold(&item.name),
            owner(&item.owner),
            style.dim(&format!("[{}]", item.id))
        );
    }
    if !agenda.attention.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            style.heading(&format!("{} ({})", words.attention, agenda.attention.len()))
        );
        for neglected in &agenda.attention {
            let contact = match (neglected.last_contact, neglected.days) {
                (Some(day), Some(days)) if chinese => format!("上次联系 {day}，{days} 天前"),
                (Some(day), Some(days)) => format!("last contact {day}, {days} days ago"),
                _ => words.never.to_string(),
            };
            let _ = writeln!(
                out,
                "  {}{} · {contact}  {}",
                style.bold(&neglected.name),
                owner(&neglected.owner),
                style.dim(&format!("[{}]", neglected.id))
            );
        }
    }
    out
}
