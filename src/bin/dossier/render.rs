//! Human output: readable at a glance, coloured only on a terminal and
//! never with `NO_COLOR`.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use dossier::document::{trip_city, trip_dates};
use dossier::search::{Hit, SearchResult, Trip, describe_trip};
use dossier::show::{Dossier, StoredRecord};
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

/// A whole dossier as a rep reads it before a call.
pub fn show(style: Style, dossier: &Dossier) -> String {
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
    if !dossier.problems.is_empty() {
        // First, so that a rep sees why a date or a note may be missing.
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
    }
    out
}

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
