//! File → records: reads one JSON file of the knowledge base into typed
//! records, and reports every problem as `path:line:col: what is wrong`
//! without giving up on the rest of the file.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::dates::{self, Birthday};

/// Files larger than this are reported and skipped: a dossier is a few
/// kilobytes, a larger file is almost always an export put in the wrong place.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A customer profile (person or company).
    Customer,
    /// Meeting notes.
    Meeting,
    /// A visit report.
    Visit,
}

impl Kind {
    /// The name used in files, the index and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::Meeting => "meeting",
            Kind::Visit => "visit",
        }
    }

    /// Parses a `"kind"` value or folder name; tolerant of plurals and
    /// common synonyms.
    pub fn parse(word: &str) -> Option<Kind> {
        match word.trim().to_lowercase().as_str() {
            "customer" | "customers" | "client" | "clients" | "客户" | "客戶" => {
                Some(Kind::Customer)
            }
            "meeting" | "meetings" | "note" | "notes" | "会谈纪要" | "會談紀要" | "纪要" => {
                Some(Kind::Meeting)
            }
            "visit" | "visits" | "visit_report" | "走访" | "走訪" => Some(Kind::Visit),
            _ => None,
        }
    }

    /// True for meeting notes and visit reports.
    pub fn is_note(self) -> bool {
        self != Kind::Customer
    }
}

/// One record of a file, checked and ready to index.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Customer, meeting or visit.
    pub kind: Kind,
    /// The record's id: its `"id"`, or the file path (with `#N` for the
    /// N-th record of an array) when it has none.
    pub id: String,
    /// The file it came from, relative to the knowledge base, with `/`.
    pub path: String,
    /// The record as written.
    pub fields: Map<String, Value>,
    /// For notes: the ids of the customers it is linked to.
    pub customer_ids: Vec<String>,
    /// Line and column where the record starts, for problems found later.
    pub location: (usize, usize),
    /// The record's JSON as written in the file (stored in the index).
    pub source: String,
    /// The record's dates that were read; a value that is no date is
    /// missing here, and a warning of the file.
    pub dates: RecordDates,
}

/// The keys a trip's first day is read from; the first one present wins
/// (`date` or `on` alone make a one-day trip).
pub const TRIP_FROM_KEYS: &[&str] = &["from", "start", "begin", "date", "on"];
/// The keys a trip's last day is read from; the first one present wins.
pub const TRIP_TO_KEYS: &[&str] = &["to", "end", "until", "date", "on"];
/// The keys a trip's city is read from; the first one present wins.
pub const TRIP_CITY_KEYS: &[&str] = &["city", "place", "destination", "to_city"];

/// The days of a record that were read as dates (see `dates::parse_date`
/// and `dates::parse_birthday`). Only these are indexed as dates: a value
/// written some other way is kept as text, and is a warning of its file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordDates {
    /// A customer's `birthday`.
    pub birthday: Option<Birthday>,
    /// A customer's `updated`.
    pub updated: Option<NaiveDate>,
    /// A note's `date`.
    pub date: Option<NaiveDate>,
    /// A customer's trips, one per `itinerary` entry, in order: the first
    /// and last day. None for a trip without days, with a day that is no
    /// date, or that ends before it starts: it matches no `when:`.
    pub trips: Vec<Option<(NaiveDate, NaiveDate)>>,
}

impl Record {
    /// A string field, if present and textual.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

impl Record {
    /// A record as it was stored in an index, already checked when it was
    /// first read (used to carry a file's last good version over a rebuild).
    pub fn from_stored(kind: Kind, id: String, path: String, source: String) -> Option<Record> {
        let fields: Map<String, Value> = serde_json::from_str(&source).ok()?;
        let mut customer_ids = Vec::new();
        for key in ["customer", "customers"] {
            match fields.get(key) {
                Some(Value::String(id)) => customer_ids.push(id.trim().to_string()),
                Some(Value::Number(id)) => customer_ids.push(id.to_string()),
                Some(Value::Array(ids)) => {
                    customer_ids.extend(ids.iter().filter_map(|id| match id {
                        Value::String(id) => Some(id.trim().to_string()),
                        Value::Number(id) => Some(id.to_string()),
                        _ => None,
                    }))
                }
                _ => {}
            }
        }
        customer_ids.retain(|id| !id.is_empty());
        let (dates, _) = read_dates(kind, &fields, &source);
        Some(Record {
            kind,
            id,
            path,
            fields,
            customer_ids,
            location: (1, 1),
            source,
            dates,
        })
    }
}

/// A problem found in a file, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Problem {
    /// An error (the record, or the file, cannot be used) or a warning
    /// (the record is used, but part of it was not understood).
    #[serde(default)]
    pub severity: Severity,
    /// The file, relative to the knowledge base.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and, where useful, what to do.
    pub message: String,
}

/// How bad a problem is: an error keeps a record (or a file) out of the
/// index and makes `dossier index` exit 2; a warning does not.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The record or file cannot be used.
    #[default]
    Error,
    /// The record is used, but part of it was not understood.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`, as `status --json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// `path:line:col: message`, as compilers print it; a warning's message
/// starts with `warning: `, so a reader of `dossier index`'s stderr sees
/// which problems left their record in the index.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        write!(
            f,
            "{}:{}:{}: {label}{}",
            self.path, self.line, self.column, self.message
        )
    }
}

/// The outcome of reading one file.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// The records that passed every check.
    pub records: Vec<Record>,
    /// Every problem found, in file order.
    pub problems: Vec<Problem>,
    /// True when nothing in the file could be read (syntax error, not
    /// UTF-8, too large): the last good version must stay indexed.
    pub unreadable: bool,
}

/// The kind implied by the nearest folder named like a kind.
pub fn kind_from_path(rel_path: &str) -> Option<Kind> {
    rel_path.rsplit('/').skip(1).find_map(Kind::parse)
}

fn line_column(text: &str, byte_offset: usize) -> (usize, usize) {
    let before = &text[..byte_offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn problem_at(path: &str, text: &str, byte_offset: usize, message: impl Into<String>) -> Problem {
    let (line, column) = line_column(text, byte_offset);
    Problem {
        severity: Severity::Error,
        path: path.to_string(),
        line,
        column,
        message: message.into(),
    }
}

fn warning_at(path: &str, text: &str, byte_offset: usize, message: impl Into<String>) -> Problem {
    Problem {
        severity: Severity::Warning,
        ..problem_at(path, text, byte_offset, message)
    }
}

fn offset_of(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// Reads one file's bytes into records. Never fails: every problem becomes
/// a `Problem`, and every good record of the file is kept.
pub fn parse_file(rel_path: &str, bytes: &[u8]) -> ParsedFile {
    let unreadable = |problem: Problem| ParsedFile {
        records: Vec::new(),
        problems: vec![problem],
        unreadable: true,
    };
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return unreadable(Problem {
            severity: Severity::Error,
            path: rel_path.into(),
            line: 1,
            column: 1,
            message: format!(
                "file is {} MiB, over the {} MiB limit — split it into smaller files",
                bytes.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        });
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default();
            return unreadable(problem_at(
                rel_path,
                valid,
                valid.len(),
                "not valid UTF-8 — save the file as UTF-8",
            ));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let without_comments = blank_comments(text);
    let text: &str = &without_comments;
    if text.trim().is_empty() {
        return unreadable(problem_at(
            rel_path,
            text,
            0,
            "empty file — write a JSON object or array, or delete the file",
        ));
    }
    let top: &RawValue = match serde_json::from_str(text) {
        Ok(top) => top,
        Err(error) => {
            // serde_json says column 0 for an error at a line's very start
            // (the end of a file cut after a line break): columns count from 1.
            return unreadable(Problem {
                severity: Severity::Error,
                path: rel_path.into(),
                line: error.line().max(1),
                column: error.column().max(1),
                message: format!("{error} — fix the JSON; until then its last good version, if any, stays searchable")
                    .replace(
                        &format!(" at line {} column {}", error.line(), error.column()),
                        "",
                    ),
            });
        }
    };
    let raw_records: Vec<&RawValue> = if top.get().trim_start().starts_with('[') {
        match serde_json::from_str(top.get()) {
            Ok(items) => items,
            Err(error) => return unreadable(problem_at(rel_path, text, 0, error.to_string())),
        }
    } else {
        vec![top]
    };
    let is_array = raw_records.len() != 1 || top.get().trim_start().starts_with('[');
    let mut parsed = ParsedFile::default();
    for (index, raw) in raw_records.into_iter().enumerate() {
        let start = offset_of(text, raw.get());
        let fallback_id = if is_array && index > 0 {
            format!("{rel_path}#{}", index + 1)
        } else {
            rel_path.to_string()
        };
        match check_record(rel_path, raw, fallback_id) {
            Ok(mut record) => {
                record.location = line_column(text, start);
                let (dates, warnings) = read_dates(record.kind, &record.fields, raw.get());
                record.dates = dates;
                for (message, offset) in warnings {
                    parsed
                        .problems
                        .push(warning_at(rel_path, text, start + offset, message));
                }
                parsed.records.push(record);
            }
            Err(message_and_key) => {
                let (message, key_offset) = message_and_key;
                parsed
                    .problems
                    .push(problem_at(rel_path, text, start + key_offset, message));
            }
        }
    }
    parsed
}

/// `text` with its `//` and `/* */` comments outside strings turned into
/// spaces (line breaks kept), so that a file written like the contract's
/// own example parses, and every line and column stays where it was. An
/// unclosed `/*` blanks the rest of the file. Borrowed when there is no
/// comment to blank.
fn blank_comments(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("//") && !text.contains("/*") {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let byte = bytes[i];
        if in_string {
            out.push(byte);
            match byte {
                b'\\' if i + 1 < bytes.len() => {
                    out.push(bytes[i + 1]);
                    i += 1;
                }
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        let end = match (byte, bytes.get(i + 1)) {
            (b'/', Some(b'/')) => bytes[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |n| i + n),
            (b'/', Some(b'*')) => text[i + 2..].find("*/").map_or(bytes.len(), |n| i + n + 4),
            _ => {
                in_string = byte == b'"';
                out.push(byte);
                i += 1;
                continue;
            }
        };
        // Every byte of a comment becomes a space (ASCII, so the text stays
        // UTF-8), except line breaks.
        out.extend(
            bytes[i..end]
                .iter()
                .map(|&b| if b == b'\n' { b'\n' } else { b' ' }),
        );
        i = end;
    }
    std::borrow::Cow::Owned(String::from_utf8(out).expect("only ASCII bytes were replaced"))
}

/// Byte offset of `"key"` inside one record's text, for error locations.
fn key_offset(record_text: &str, key: &str) -> usize {
    record_text.find(&format!("\"{key}\"")).unwrap_or(0)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Fields whose value must be text (or a number, read as text).
const TEXT_FIELDS: &[&str] = &[
    "nickname", "title", "company", "industry", "owner", "region", "tier", "stage", "hometown",
    "city", "birthday", "updated", "type", "date", "author", "text",
];

fn check_record(
    rel_path: &str,
    raw: &RawValue,
    fallback_id: String,
) -> Result<Record, (String, usize)> {
    let record_text = raw.get();
    let value: Value = serde_json::from_str(record_text).map_err(|e| (e.to_string(), 0))?;
    let Value::Object(fields) = value else {
        return Err((
            format!(
                "expected a record (a JSON object), found {} — wrap it in {{…}} or remove it",
                type_name(&value)
            ),
            0,
        ));
    };
    let wrong = |key: &str, expected: &str, found: &Value| {
        (
            format!(
                "\"{key}\" must be {expected}, found {} — fix the value",
                type_name(found)
            ),
            key_offset(record_text, key),
        )
    };
    let kind = match fields.get("kind") {
        None => kind_from_path(rel_path).unwrap_or_else(|| guess_kind(&fields)),
        Some(Value::String(word)) => Kind::parse(word).ok_or_else(|| {
            (
                format!("unknown kind {word:?} — use customer, meeting or visit"),
                key_offset(record_text, "kind"),
            )
        })?,
        Some(other) => return Err(wrong("kind", "text", other)),
    };
    let id = match fields.get("id") {
        None | Some(Value::Null) => fallback_id,
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_string(),
        Some(Value::Number(number)) => number.to_string(),
        Some(other) => return Err(wrong("id", "non-empty text", other)),
    };
    match fields.get("name") {
        Some(Value::String(name)) if !name.trim().is_empty() => {}
        None if kind.is_note() => {}
        None | Some(Value::String(_)) => {
            return Err((
                "customer record has no \"name\" — add one; it is the only required field".into(),
                key_offset(record_text, "name"),
            ));
        }
        Some(other) => return Err(wrong("name", "text", other)),
    }
    for key in TEXT_FIELDS {
        if let Some(value) = fields.get(*key)
            && !matches!(value, Value::String(_) | Value::Number(_) | Value::Null)
        {
            return Err(wrong(key, "text", value));
        }
    }
    for key in ["interests", "competitors"] {
        match fields.get(key) {
            None | Some(Value::Null | Value::String(_) | Value::Array(_)) => {}
            Some(other) => return Err(wrong(key, "a list of words or objects", other)),
        }
    }
    match fields.get("itinerary") {
        None | Some(Value::Null) => {}
        Some(Value::Array(trips)) => {
            if let Some(bad) = trips.iter().find(|trip| !trip.is_object()) {
                return Err(wrong(
                    "itinerary",
                    "a list of objects {\"city\", \"from\", \"to\"}",
                    bad,
                ));
            }
        }
        Some(other) => return Err(wrong("itinerary", "a list of trips", other)),
    }
    match fields.get("contacts") {
        None | Some(Value::Null | Value::Object(_) | Value::String(_)) => {}
        Some(other) => return Err(wrong("contacts", "an object", other)),
    }
    let mut customer_ids = Vec::new();
    for key in ["customer", "customers"] {
        match fields.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) => customer_ids.push(id.trim().to_string()),
            Some(Value::Number(id)) => customer_ids.push(id.to_string()),
            Some(Value::Array(ids)) => {
                for id in ids {
                    match id {
                        Value::String(id) => customer_ids.push(id.trim().to_string()),
                        Value::Number(id) => customer_ids.push(id.to_string()),
                        other => return Err(wrong(key, "customer ids", other)),
                    }
                }
            }
            Some(other) => return Err(wrong(key, "a customer id or a list of ids", other)),
        }
    }
    customer_ids.retain(|id| !id.is_empty());
    customer_ids.dedup();
    Ok(Record {
        kind,
        id,
        path: rel_path.to_string(),
        fields,
        customer_ids,
        location: (1, 1),
        source: record_text.to_string(),
        dates: RecordDates::default(),
    })
}

/// A value as a date reader sees it: text trimmed, a number as written
/// (`20261201`), anything else as its JSON; None when there is nothing
/// (missing, null, empty).
fn written(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(text) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
        other => Some(other.to_string()),
    }
}

/// The raw JSON of `key` in an object's text: the last one when the key is
/// repeated, as `serde_json` reads the record. Only called for a warning.
fn field_raw<'a>(object_text: &'a str, key: &str) -> Option<&'a RawValue> {
    let map: HashMap<String, &'a RawValue> = serde_json::from_str(object_text).ok()?;
    map.get(key).copied()
}

/// The raw JSON of a record's `index`-th trip.
fn trip_raw(record_text: &str, index: usize) -> Option<&RawValue> {
    let itinerary = field_raw(record_text, "itinerary")?;
    let trips: Vec<&RawValue> = serde_json::from_str(itinerary.get()).ok()?;
    trips.get(index).copied()
}

/// Where a value starts in a record's text (its start when not found).
fn value_offset(record_text: &str, raw: Option<&RawValue>) -> usize {
    raw.map_or(0, |raw| offset_of(record_text, raw.get()))
}

/// Reads a record's dates, and says where each value that is no date sits:
/// `(message, byte offset in the record's text)`, a warning each.
fn read_dates(
    kind: Kind,
    fields: &Map<String, Value>,
    record_text: &str,
) -> (RecordDates, Vec<(String, usize)>) {
    let mut dates = RecordDates::default();
    let mut warnings = Vec::new();
    let mut unread = |key: &str, text: &str, how: &str, until: &str| {
        let message = format!(
            "{key:?} {text:?} is not a date{} — write it as {how}; until then {until}",
            dates::why_not_a_date(text)
        );
        warnings.push((
            message,
            value_offset(record_text, field_raw(record_text, key)),
        ));
    };
    if kind == Kind::Customer {
        if let Some(text) = written(fields.get("birthday")) {
            dates.birthday = dates::parse_birthday(&text);
            if dates.birthday.is_none() {
                unread(
                    "birthday",
                    &text,
                    "YYYY-MM-DD, or MM-DD without the year",
                    "birthday: does not find it",
                );
            }
        }
        if let Some(text) = written(fields.get("updated")) {
            dates.updated = dates::parse_date(&text);
            if dates.updated.is_none() {
                unread("updated", &text, "YYYY-MM-DD", "it is kept as text only");
            }
        }
        if let Some(Value::Array(trips)) = fields.get("itinerary") {
            for (index, trip) in trips.iter().enumerate() {
                let Value::Object(trip) = trip else {
                    dates.trips.push(None);
                    continue;
                };
                let (days, trip_warnings) = read_trip(trip, index + 1);
                dates.trips.push(days);
                for (message, key) in trip_warnings {
                    let trip_raw = trip_raw(record_text, index);
                    let raw = match key {
                        Some(key) => trip_raw.and_then(|trip| field_raw(trip.get(), key)),
                        None => trip_raw,
                    };
                    warnings.push((message, value_offset(record_text, raw)));
                }
            }
        }
    } else if let Some(text) = written(fields.get("date")) {
        dates.date = dates::parse_date(&text);
        if dates.date.is_none() {
            unread("date", &text, "YYYY-MM-DD", "the note has no date");
        }
    }
    (dates, warnings)
}

/// A trip's first and last day, as `when:` reads them (the same rule as
/// `Record::dates`): None for a trip without days, with a day that is no
/// date, or that ends before it starts. For a reader of a stored record,
/// such as the agenda.
pub fn trip_days(trip: &Map<String, Value>) -> Option<(NaiveDate, NaiveDate)> {
    read_trip(trip, 1).0
}

/// A warning about a trip: its message, and the key whose value it is
/// about (None for the trip as a whole).
type TripWarning = (String, Option<&'static str>);

/// Reads one trip's first and last day (the `number`-th trip, from 1),
/// with its warnings: `(message, the key whose value it is about, or None
/// for the trip as a whole)`.
fn read_trip(
    trip: &Map<String, Value>,
    number: usize,
) -> (Option<(NaiveDate, NaiveDate)>, Vec<TripWarning>) {
    let mut warnings = Vec::new();
    if !TRIP_CITY_KEYS
        .iter()
        .any(|key| trip.get(*key).and_then(Value::as_str).is_some())
    {
        warnings.push((
            format!("trip {number} has no \"city\" — add one; until then travel: does not find it"),
            None,
        ));
    }
    let first_written = |keys: &'static [&'static str]| {
        keys.iter()
            .find_map(|key| written(trip.get(*key)).map(|text| (*key, text)))
    };
    let from = first_written(TRIP_FROM_KEYS);
    let to = first_written(TRIP_TO_KEYS);
    let mut read = |written: &Option<(&'static str, String)>| {
        let (key, text) = written.as_ref()?;
        let day = dates::parse_date(text);
        if day.is_none() && !warnings.iter().any(|(_, k)| *k == Some(*key)) {
            warnings.push((
                format!(
                    "{key:?} of trip {number} ({text:?}) is not a date{} — write it as YYYY-MM-DD; until then the trip matches no when:",
                    dates::why_not_a_date(text)
                ),
                Some(*key),
            ));
        }
        Some(day)
    };
    let days = match (read(&from), read(&to)) {
        (Some(Some(first)), Some(Some(last))) if last < first => {
            let (from_key, from_text) = from.as_ref().expect("a day was read from it");
            let (to_key, to_text) = to.as_ref().expect("a day was read from it");
            warnings.push((
                format!(
                    "trip {number} ends ({to_key:?}: {to_text:?}) before it starts ({from_key:?}: {from_text:?}) — correct the dates; until then the trip matches no when:"
                ),
                Some(*to_key),
            ));
            None
        }
        (Some(Some(first)), Some(Some(last))) => Some((first, last)),
        // One day written: a one-day trip.
        (Some(Some(day)), None) | (None, Some(Some(day))) => Some((day, day)),
        _ => None,
    };
    (days, warnings)
}

/// Kind of a record that says nothing and lives in no named folder: a
/// record linked to a customer is a note, anything else a customer.
fn guess_kind(fields: &Map<String, Value>) -> Kind {
    if fields.contains_key("customer") || fields.contains_key("customers") {
        Kind::Meeting
    } else {
        Kind::Customer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, text: &[u8], ids: &[&str], problems: &[&str], unreadable: bool) {
        let parsed = parse_file(path, text);
        let got_ids: Vec<&str> = parsed.records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(got_ids, ids, "{path}: ids");
        let got: Vec<String> = parsed.problems.iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), problems.len(), "{path}: {got:?}");
        for (got, want) in got.iter().zip(problems) {
            assert!(
                got.starts_with(want),
                "{path}: {got:?} should start with {want:?}"
            );
        }
        assert_eq!(parsed.unreadable, unreadable, "{path}: unreadable");
    }

    #[test]
    fn parses_and_reports() {
        check(
            "customers/a.json",
            r#"{"id":"c1","name":"王建国"}"#.as_bytes(),
            &["c1"],
            &[],
            false,
        );
        check(
            "customers/a.json",
            r#"{"name":"王建国"}"#.as_bytes(),
            &["customers/a.json"],
            &[],
            false,
        );
        check(
            "customers/a.json",
            br#"{"id": 7, "name":"x"}"#,
            &["7"],
            &[],
            false,
        );
        check(
            "meetings/b.json",
            b"[{\"id\":\"m1\",\"customer\":\"c1\"},\n \"oops\",\n {\"id\":\"m3\",\"customers\":[\"c1\",\"c2\"]}]",
            &["m1", "m3"],
            &["meetings/b.json:2:2: expected a record"],
            false,
        );
        check(
            "customers/c.json",
            b"{\n  \"id\": \"c1\"\n  \"name\": \"x\"\n}",
            &[],
            &["customers/c.json:3:3:"],
            true,
        );
        check(
            "customers/d.json",
            b"{\"name\": 42}",
            &[],
            &["customers/d.json:1:2: \"name\" must be text"],
            false,
        );
        check(
            "customers/e.json",
            b"{\"id\":\"c9\",\n\"title\":\"x\"}",
            &[],
            &["customers/e.json:1:1: customer record has no \"name\""],
            false,
        );
        check(
            "customers/f.json",
            b"{\"name\":\"\xff\"}",
            &[],
            &["customers/f.json:1:10: not valid UTF-8"],
            true,
        );
        check(
            "customers/g.json",
            b"",
            &[],
            &["customers/g.json:1:1: empty file"],
            true,
        );
        check(
            "customers/h.json",
            br#"{"name":"x","interests":{"a":1}}"#,
            &[],
            &["customers/h.json:1:13: \"interests\""],
            false,
        );
        check(
            "customers/i.json",
            br#"{"name":"x","kind":"robot"}"#,
            &[],
            &["customers/i.json:1:13: unknown kind"],
            false,
        );
    }

    #[test]
    fn comments_are_blanked_outside_strings() {
        for (text, blanked) in [
            (r#"{"a": 1}"#, r#"{"a": 1}"#),
            ("{\"a\": 1 // one\n}", "{\"a\": 1       \n}"),
            ("{/* 注 */\"a\": 1}", "{         \"a\": 1}"),
            ("{/* a\nb */\"a\": 1}", "{    \n    \"a\": 1}"),
            (
                r#"{"url": "http://x/*y*/", "b": "\"//"}"#,
                r#"{"url": "http://x/*y*/", "b": "\"//"}"#,
            ),
            ("{\"a\": 1} /* never closed", "{\"a\": 1}                "),
            ("{\"a\": 1} //", "{\"a\": 1}   "),
        ] {
            assert_eq!(blank_comments(text), blanked, "{text:?}");
        }
        // The contract's own example parses, and a later mistake is
        // reported on its own line and column.
        check(
            "customers/a.json",
            "{\n  \"id\": \"c001\",   // unique\n  \"name\": \"王建国\" /* required */\n}"
                .as_bytes(),
            &["c001"],
            &[],
            false,
        );
        check(
            "customers/b.json",
            b"{\n  // a comment\n  \"name\": \"x\",\n  \"tier\": [1]\n}",
            &[],
            &["customers/b.json:4:3: \"tier\" must be text"],
            false,
        );
    }

    /// The dates a file's one record was read with, and its problems.
    fn dates_of(path: &str, text: &str) -> (RecordDates, Vec<String>) {
        let parsed = parse_file(path, text.as_bytes());
        let problems = parsed.problems.iter().map(ToString::to_string).collect();
        let record = parsed.records.first().expect("the record is kept");
        (record.dates.clone(), problems)
    }

    fn day(text: &str) -> NaiveDate {
        dates::parse_date(text).expect("test date")
    }

    #[test]
    fn dates_are_read_or_warned_about_where_they_are_written() {
        type Row<'a> = (&'a str, &'a str, &'a [&'a str]);
        let rows: &[Row] = &[
            (
                "customers/a.json",
                r#"{"name":"x","birthday":"1966/3/12","updated":"2026年11月20日"}"#,
                &[],
            ),
            (
                "customers/a.json",
                "{\"name\":\"x\",\n \"birthday\": \"12/08/1966\",\n \"updated\": \"2026-02-30\"}",
                &[
                    "customers/a.json:2:14: warning: \"birthday\" \"12/08/1966\" is not a date: the year must come first",
                    "customers/a.json:3:13: warning: \"updated\" \"2026-02-30\" is not a date: there is no such day",
                ],
            ),
            (
                "meetings/m.json",
                r#"{"customer":"c1","date":"26-12-04"}"#,
                &[
                    "meetings/m.json:1:25: warning: \"date\" \"26-12-04\" is not a date: the year needs all four digits — write it as YYYY-MM-DD; until then the note has no date",
                ],
            ),
            (
                "customers/t.json",
                "{\"name\":\"x\",\"itinerary\":[\n {\"city\":\"北京\",\"from\":\"2026-12-08\",\"to\":\"2026-12-10\"},\n {\"city\":\"上海\",\"from\":\"12/08/2026\",\"to\":\"2026-12-10\"},\n {\"city\":\"广州\",\"from\":\"2026-12-10\",\"to\":\"2026-12-08\"},\n {\"date\":\"2026-12-20\"}]}",
                &[
                    "customers/t.json:3:22: warning: \"from\" of trip 2 (\"12/08/2026\") is not a date",
                    "customers/t.json:4:40: warning: trip 3 ends (\"to\": \"2026-12-08\") before it starts (\"from\": \"2026-12-10\")",
                    "customers/t.json:5:2: warning: trip 4 has no \"city\"",
                ],
            ),
        ];
        for (path, text, expected) in rows {
            let (_, problems) = dates_of(path, text);
            assert_eq!(problems.len(), expected.len(), "{text}: {problems:#?}");
            for (got, want) in problems.iter().zip(*expected) {
                assert!(got.starts_with(want), "{got:?} should start with {want:?}");
            }
        }
        let (read, _) = dates_of(rows[0].0, rows[0].1);
        assert_eq!(read.birthday.map(Birthday::month_day), Some(312));
        assert_eq!(read.updated, Some(day("2026-11-20")));
        let (read, _) = dates_of(rows[1].0, rows[1].1);
        assert_eq!((read.birthday, read.updated), (None, None));
        let (read, _) = dates_of(rows[2].0, rows[2].1);
        assert_eq!(read.date, None);
        let (read, _) = dates_of(rows[3].0, rows[3].1);
        assert_eq!(
            read.trips,
            vec![
                Some((day("2026-12-08"), day("2026-12-10"))),
                None,
                None,
                Some((day("2026-12-20"), day("2026-12-20"))),
            ]
        );
        // A year-less birthday, a date as a number, a note's date with a
        // time; a record read back from the index has the same dates.
        let text = r#"{"name":"x","birthday":"12月15日","updated":20261120}"#;
        let (read, problems) = dates_of("customers/b.json", text);
        assert_eq!(problems, Vec::<String>::new());
        assert_eq!(
            read.birthday.map(|b| (b.year, b.month_day())),
            Some((None, 1215))
        );
        assert_eq!(read.updated, Some(day("2026-11-20")));
        let stored = Record::from_stored(
            Kind::Customer,
            "b".into(),
            "customers/b.json".into(),
            text.into(),
        )
        .expect("stored record");
        assert_eq!(stored.dates, read);
        let (read, _) = dates_of(
            "notes/n.json",
            r#"{"customer":"c1","date":"2026-11-10 14:00"}"#,
        );
        assert_eq!(read.date, Some(day("2026-11-10")));
    }

    #[test]
    fn kind_comes_from_field_then_folder() {
        for (path, text, kind) in [
            ("customers/a.json", r#"{"name":"x"}"#, Kind::Customer),
            ("x/notes/a.json", r#"{"customer":"c1"}"#, Kind::Meeting),
            ("visits/2026/a.json", r#"{"customer":"c1"}"#, Kind::Visit),
            ("a.json", r#"{"customer":"c1","text":"t"}"#, Kind::Meeting),
            ("a.json", r#"{"name":"x"}"#, Kind::Customer),
            (
                "customers/a.json",
                r#"{"kind":"visit","customer":"c1"}"#,
                Kind::Visit,
            ),
        ] {
            assert_eq!(
                parse_file(path, text.as_bytes()).records[0].kind,
                kind,
                "{path} {text}"
            );
        }
    }
}
