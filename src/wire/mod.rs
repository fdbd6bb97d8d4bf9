//! The JSON wire shapes: what `--json` prints, what the HTTP API answers,
//! and what scripts rely on (see the contract). Views over the library's
//! typed results; `search_json`, `show_json` and `status_json` are the one
//! rendering of each result for every face that speaks JSON, so the command
//! and the API give byte for byte the same data.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::agenda::Agenda;
use crate::answer::Answer;
use crate::record::{Problem, Severity};
use crate::search::{Hit, Match, SearchResult, Trip};
use crate::show::{Brief, Dossier, StoredRecord};
use crate::status::{IndexState, Status};

/// `search --json`, `ask --json` and `GET /api/search`, `GET /api/ask`: one
/// line of JSON (no newline).
pub fn search_json(answer: &Answer) -> String {
    let (understood, fallback) = match (&answer.searched_instead, &answer.understood) {
        (Some(text), _) => (Some(text.as_str()), true),
        (None, Some(u)) => (Some(u.query.as_str()), u.fallback),
        (None, None) => (None, false),
    };
    let output = search_output(&answer.result, understood, fallback);
    serde_json::to_string(&output).expect("a search result serializes: string keys only")
}

/// `show --json` and `GET /api/customers/{id}`: one line of JSON, with the
/// brief before a visit as of `today`.
pub fn show_json(dossier: &Dossier, brief: &Brief, today: chrono::NaiveDate) -> String {
    serde_json::to_string(&show_output(dossier, brief, today))
        .expect("a dossier serializes: string keys only")
}

/// `agenda --json` and `GET /api/agenda`: one line of JSON
/// (`agenda::wire`'s shape).
pub fn agenda_json(agenda: &Agenda) -> String {
    serde_json::to_string(&crate::agenda::wire::output(agenda))
        .expect("an agenda serializes: string keys only")
}

/// `status --json` and `GET /api/status`: one line of JSON.
pub fn status_json(status: &Status) -> String {
    serde_json::to_string(&status_output(status)).expect("a status serializes: string keys only")
}

/// `search` and `ask` output.
#[derive(Serialize)]
pub struct SearchOutput<'a> {
    pub query: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub understood: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fallback: bool,
    pub total: usize,
    pub hits: Vec<WireHit<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub notices: &'a [String],
}

/// One customer found.
#[derive(Serialize)]
pub struct WireHit<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub score: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<&'a str>,
    pub path: &'a str,
    pub matches: Vec<WireMatch<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trips: Vec<WireTrip<'a>>,
}

/// Why a customer was found.
#[derive(Serialize)]
pub struct WireMatch<'a> {
    pub path: &'a str,
    pub kind: &'a str,
    pub field: &'a str,
    pub snippet: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub highlight: Option<[usize; 2]>,
    pub term: &'a str,
}

/// A trip that matched.
#[derive(Serialize)]
pub struct WireTrip<'a> {
    pub city: &'a str,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub purpose: Option<&'a str>,
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

fn wire_match(m: &Match) -> WireMatch<'_> {
    WireMatch {
        path: &m.path,
        kind: &m.kind,
        field: &m.field,
        snippet: &m.snippet,
        highlight: m.highlight.map(|(s, e)| [s, e]),
        term: &m.term,
    }
}

fn wire_trip(t: &Trip) -> WireTrip<'_> {
    WireTrip {
        city: &t.city,
        from: t.from.as_deref(),
        to: t.to.as_deref(),
        purpose: t.purpose.as_deref(),
    }
}

fn wire_hit(hit: &Hit) -> WireHit<'_> {
    WireHit {
        id: &hit.id,
        name: &hit.name,
        score: (hit.score * 1000.0).round() / 1000.0,
        company: text(&hit.profile, "company"),
        owner: text(&hit.profile, "owner"),
        path: &hit.path,
        matches: hit.matches.iter().map(wire_match).collect(),
        trips: hit.trips.iter().map(wire_trip).collect(),
    }
}

/// The JSON of a search result; `understood` is set for `ask`.
pub fn search_output<'a>(
    result: &'a SearchResult,
    understood: Option<&'a str>,
    fallback: bool,
) -> SearchOutput<'a> {
    SearchOutput {
        query: &result.query,
        understood,
        fallback,
        total: result.total,
        hits: result.hits.iter().map(wire_hit).collect(),
        notices: &result.notices,
    }
}

/// `show --json`: the profile as written under `profile`, and the linked
/// notes, newest first, each with its record as written under `record`. The
/// records are kept whole and apart, so no field of theirs (a profile's own
/// `"notes"` text, a company's `"path"`) can collide with dossier's keys.
#[derive(Serialize)]
pub struct ShowOutput<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub path: &'a str,
    pub name: Option<&'a str>,
    pub profile: &'a Map<String, Value>,
    pub notes: Vec<WireNote<'a>>,
    /// The problems of the customer's file and its notes' files.
    pub problems: Vec<WireProblem<'a>>,
    pub brief: WireBrief<'a>,
}

/// `show --json`'s `brief`: what a rep needs before a visit (`show::Brief`).
#[derive(Serialize)]
pub struct WireBrief<'a> {
    pub next_trip: Option<WireNextTrip<'a>>,
    pub birthday: Option<WireBirthday<'a>>,
    pub last_contact: Option<String>,
    pub days_since_contact: Option<i64>,
    pub needs_attention: bool,
    pub competitors: Vec<WireCompetitor<'a>>,
    pub satisfaction: Option<&'a str>,
}

#[derive(Serialize)]
pub struct WireNextTrip<'a> {
    pub city: &'a str,
    pub from: String,
    pub to: String,
    pub purpose: Option<&'a str>,
    pub under_way: bool,
    /// Days until it starts (0 when under way).
    pub days: i64,
}

#[derive(Serialize)]
pub struct WireBirthday<'a> {
    /// As written.
    pub written: &'a str,
    /// When it next falls.
    pub next: String,
    pub days: i64,
    pub turns: Option<i32>,
}

#[derive(Serialize)]
pub struct WireCompetitor<'a> {
    pub name: &'a str,
    pub product: Option<&'a str>,
    pub satisfaction: Option<&'a str>,
}

fn wire_brief(brief: &Brief, today: chrono::NaiveDate) -> WireBrief<'_> {
    WireBrief {
        next_trip: brief.next_trip.as_ref().map(|trip| WireNextTrip {
            city: &trip.city,
            from: trip.from.to_string(),
            to: trip.to.to_string(),
            purpose: trip.purpose.as_deref(),
            under_way: trip.under_way(today),
            days: (trip.from - today).num_days().max(0),
        }),
        birthday: brief.birthday.as_ref().map(|(written, next)| WireBirthday {
            written,
            next: next.date.to_string(),
            days: next.days,
            turns: next.turns,
        }),
        last_contact: brief.last_contact.map(|day| day.to_string()),
        days_since_contact: brief.days_since_contact,
        needs_attention: brief.needs_attention,
        competitors: brief
            .competitors
            .iter()
            .map(|c| WireCompetitor {
                name: &c.name,
                product: c.product.as_deref(),
                satisfaction: c.satisfaction.as_deref(),
            })
            .collect(),
        satisfaction: brief.satisfaction.as_deref(),
    }
}

/// One linked note.
#[derive(Serialize)]
pub struct WireNote<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub path: &'a str,
    pub date: Option<&'a str>,
    pub record: &'a Map<String, Value>,
    /// Present (true) when the note is its file's last good version, kept
    /// by the index while the file has an error: its `record` has no
    /// `text` (a note's text is kept in its file only).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub last_good: bool,
}

fn wire_note(record: &StoredRecord) -> WireNote<'_> {
    WireNote {
        id: &record.id,
        kind: &record.kind,
        path: &record.path,
        date: record.text("date"),
        record: &record.fields,
        last_good: record.last_good,
    }
}

/// The JSON view of a dossier.
pub fn show_output<'a>(
    dossier: &'a Dossier,
    brief: &'a Brief,
    today: chrono::NaiveDate,
) -> ShowOutput<'a> {
    let customer = &dossier.customer;
    ShowOutput {
        id: &customer.id,
        kind: &customer.kind,
        path: &customer.path,
        name: customer.text("name"),
        profile: &customer.fields,
        notes: dossier.notes.iter().map(wire_note).collect(),
        problems: dossier.problems.iter().map(wire_problem).collect(),
        brief: wire_brief(brief, today),
    }
}

/// `status --json`.
#[derive(Serialize)]
pub struct StatusOutput<'a> {
    pub kb: &'a str,
    pub index: &'a str,
    pub state: &'static str,
    pub customers: u64,
    pub meetings: u64,
    pub visits: u64,
    pub files: usize,
    pub last_sync: Option<&'a str>,
    /// The errors only (kept from version 1; `problems` has them all).
    pub files_in_error: Vec<WireProblem<'a>>,
    /// Every problem, errors and warnings, each with its `severity`.
    pub problems: Vec<WireProblem<'a>>,
    pub index_bytes: u64,
    pub watcher: Option<WireWriter<'a>>,
    pub writer: Option<WireWriter<'a>>,
}

/// One problem of a file.
#[derive(Serialize)]
pub struct WireProblem<'a> {
    pub path: &'a str,
    pub line: usize,
    pub column: usize,
    pub message: &'a str,
    /// `"error"` or `"warning"`.
    pub severity: &'static str,
}

fn wire_problem(problem: &Problem) -> WireProblem<'_> {
    WireProblem {
        path: &problem.path,
        line: problem.line,
        column: problem.column,
        message: &problem.message,
        severity: problem.severity.as_str(),
    }
}

/// The process writing the index.
#[derive(Serialize)]
pub struct WireWriter<'a> {
    pub pid: u32,
    pub command: &'a str,
    pub started: &'a str,
}

/// The JSON view of a status.
pub fn status_output(status: &Status) -> StatusOutput<'_> {
    let writer = status.writer.as_ref().map(|h| WireWriter {
        pid: h.pid,
        command: &h.command,
        started: &h.started,
    });
    let watcher = status
        .writer
        .as_ref()
        .filter(|h| h.command == "watch")
        .map(|h| WireWriter {
            pid: h.pid,
            command: &h.command,
            started: &h.started,
        });
    StatusOutput {
        kb: &status.kb,
        index: &status.index_dir,
        state: match status.index_state {
            IndexState::Ready => "ready",
            IndexState::Stale => "stale",
            IndexState::Missing => "missing",
        },
        customers: status.customers,
        meetings: status.meetings,
        visits: status.visits,
        files: status.files,
        last_sync: status.last_sync.as_deref(),
        files_in_error: status
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(wire_problem)
            .collect(),
        problems: status.problems.iter().map(wire_problem).collect(),
        index_bytes: status.index_bytes,
        watcher,
        writer,
    }
}
