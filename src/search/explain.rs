//! Explaining: which documents and which text made a customer match.

use serde_json::{Map, Value};
use tantivy::query::Weight;
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal};

use super::snippet::{self, Needle};
use crate::document::{
    PRIVATE_KEY, TRIP_KIND, entries, entry_name, keyed_values, text_values, trip_city, trip_dates,
};
use crate::error::{Error, Result};
use crate::index::{Profiles, StoredRecord};
use crate::record::Kind;

use super::plan::Explain;
use super::plan::Plan;
use super::{Hit, MATCHES_PER_CLAUSE, Match, Searcher, Trip};

/// The documents of the customers shown (see `Searcher::shown`).
#[derive(Default)]
pub(super) struct Shown {
    /// Per segment, (document, customer key) in doc order.
    pub(super) per_segment: Vec<Vec<(DocId, u64)>>,
    /// Each customer's profile document.
    pub(super) profiles: rustc_hash::FxHashMap<u64, DocAddress>,
}

impl<'a> Searcher<'a> {
    /// The documents of a few customers (those shown), read once from the
    /// `cust` postings: per segment in doc order, and each customer's
    /// profile (the first customer document with its key).
    pub(super) fn shown(&self, keys: &[u64]) -> Result<Shown> {
        use tantivy::DocSet as _;
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let io_error = |e| Error::io(self.location.index_dir(), e);
        let mut shown = Shown::default();
        for (ordinal, segment) in self.read.searcher.segment_readers().iter().enumerate() {
            let postings = segment
                .inverted_index(self.read.fields.cust)
                .map_err(index_error)?;
            let profiles = Profiles::of(segment).map_err(index_error)?;
            let mut theirs: Vec<(DocId, u64)> = Vec::new();
            // A customer's private document explains them only to a reader
            // who may see it.
            let private = keys
                .iter()
                .filter(|&&key| self.may_see_private_key(key))
                .map(|&key| (key | PRIVATE_KEY, key));
            for (term_key, key) in keys.iter().map(|&key| (key, key)).chain(private) {
                let term = Term::from_field_u64(self.read.fields.cust, term_key);
                let Some(mut docs) = postings
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(io_error)?
                else {
                    continue;
                };
                while docs.doc() != tantivy::TERMINATED {
                    let doc = docs.doc();
                    if !segment.is_deleted(doc) {
                        theirs.push((doc, key));
                        if profiles.contains(doc) {
                            let address = DocAddress::new(ordinal as SegmentOrdinal, doc);
                            shown.profiles.entry(key).or_insert(address);
                        }
                    }
                    docs.advance();
                }
            }
            theirs.sort_unstable();
            shown.per_segment.push(theirs);
        }
        Ok(shown)
    }

    /// The best documents (best first, ties by address) of each shown
    /// customer for one clause: their documents are looked up in the
    /// clause's scorer, so they get the scores `run` gave them.
    pub(super) fn explaining(
        &self,
        weight: &dyn Weight,
        shown: &Shown,
    ) -> Result<rustc_hash::FxHashMap<u64, Vec<DocAddress>>> {
        use tantivy::DocSet as _;
        use tantivy::query::Scorer as _;
        let searcher = &self.read.searcher;
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let mut scored: Vec<(u64, Score, DocAddress)> = Vec::new();
        for (ordinal, (segment, theirs)) in searcher
            .segment_readers()
            .iter()
            .zip(&shown.per_segment)
            .enumerate()
        {
            if theirs.is_empty() {
                continue;
            }
            let mut scorer = weight.scorer(segment, 1.0).map_err(index_error)?;
            for &(doc, key) in theirs {
                if scorer.doc() < doc {
                    scorer.seek(doc);
                }
                if scorer.doc() == doc {
                    let address = DocAddress::new(ordinal as SegmentOrdinal, doc);
                    scored.push((key, scorer.score(), address));
                }
            }
        }
        scored.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| b.1.total_cmp(&a.1))
                .then_with(|| a.2.cmp(&b.2))
        });
        let mut best: rustc_hash::FxHashMap<u64, Vec<DocAddress>> =
            rustc_hash::FxHashMap::default();
        for (key, _, address) in scored {
            let docs = best.entry(key).or_default();
            if docs.len() < MATCHES_PER_CLAUSE {
                docs.push(address);
            }
        }
        Ok(best)
    }
}

/// Adds to a hit why one document matched one clause.
pub(super) fn explain(plan: &Plan, stored: &StoredRecord, hit: &mut Hit) {
    let date = stored
        .fields
        .get("date")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut push =
        |field: &str, text: &str, range: Option<(usize, usize)>| {
            let cut = snippet::cut(text, range, 24, 48);
            let entry = Match {
                path: stored.path.clone(),
                kind: stored.kind.clone(),
                field: field.to_string(),
                snippet: cut.text,
                highlight: cut.highlight,
                term: plan.label.clone(),
                date: date.clone(),
            };
            // One line per place: a line that answers two terms (`city:Hong
            // Kong` is `city:Hong` and `Kong`) names both.
            match hit.matches.iter_mut().find(|m| {
                m.path == entry.path && m.field == entry.field && m.snippet == entry.snippet
            }) {
                Some(line) => {
                    let term = &entry.term;
                    let already = line.term == *term
                        || line.term.starts_with(&format!("{term} "))
                        || line.term.ends_with(&format!(" {term}"))
                        || line.term.contains(&format!(" {term} "));
                    if !already {
                        line.term.push(' ');
                        line.term.push_str(&entry.term);
                    }
                }
                None => hit.matches.push(entry),
            }
        };
    match &plan.explain {
        Explain::Trip => {
            if stored.kind != TRIP_KIND {
                return;
            }
            let (from, to) = trip_dates(&stored.fields);
            let trip = Trip {
                city: trip_city(&stored.fields).unwrap_or_default().to_string(),
                from: from.map(str::to_string),
                to: to.map(str::to_string),
                purpose: stored
                    .fields
                    .get("purpose")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            };
            let text = describe_trip(&trip);
            push("itinerary", &text, Some((0, trip.city.chars().count())));
            hit.trips.push(trip);
        }
        Explain::InField(field, needles) if matches!(*field, "interests" | "competitors") => {
            let values: Vec<String> = entries(&stored.fields, field)
                .iter()
                .filter_map(|e| entry_name(e).map(str::to_string))
                .collect();
            for value in &values {
                if let Some(range) = snippet::find(value, needles) {
                    push(field, value, Some(range));
                    return;
                }
            }
            explain_text(&stored.fields, needles, &mut push);
        }
        Explain::InField(field, needles) => {
            // A profile field: the match is that field, whatever else in the
            // record says the same words.
            if stored.kind != Kind::Customer.as_str() {
                return;
            }
            let keys: &[&str] = if *field == "name" {
                &["name", "nickname"]
            } else {
                std::slice::from_ref(field)
            };
            for key in keys {
                if let Some(value) = stored.fields.get(*key).and_then(scalar_text)
                    && let Some(range) = snippet::find(&value, needles)
                {
                    push(key, &value, Some(range));
                    return;
                }
            }
            // Matched through pinyin, a place's other names or a synonym.
            if let Some(value) = stored.fields.get(*field).and_then(scalar_text) {
                push(field, &value, None);
            }
        }
        Explain::Path(path, needles) => {
            if stored.kind != Kind::Customer.as_str() {
                return;
            }
            let values: Vec<(String, String)> = keyed_values(&stored.fields)
                .into_iter()
                .filter(|(key, _)| key == path)
                .map(|(key, text)| (key, text.into_owned()))
                .collect();
            for (key, text) in &values {
                if let Some(range) = snippet::find(text, needles) {
                    push(key, text, Some(range));
                    return;
                }
            }
            if let Some((key, text)) = values.first() {
                push(key, text, None);
            }
        }
        Explain::NoteDate => {
            // The line already shows the note's date: say what the note is.
            for key in ["title", "date"] {
                if let Some(text) = stored.fields.get(key).and_then(Value::as_str) {
                    push(key, text, None);
                    return;
                }
            }
        }
        Explain::Nothing => {}
        Explain::Text(needles) => explain_text(&stored.fields, needles, &mut push),
    }
}

/// A field's value as text: a string, or a number or boolean as written.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Records one match: field, original text, char range of the match.
pub(super) type PushMatch<'a> = dyn FnMut(&str, &str, Option<(usize, usize)>) + 'a;

pub(super) fn explain_text(record: &Map<String, Value>, needles: &[Needle], push: &mut PushMatch) {
    // Letters being typed that spell a name (`Needle::Pinyin`) point at the
    // name before any other field's word that merely starts with them.
    for needle in needles.iter().filter(|n| matches!(n, Needle::Pinyin(_))) {
        for key in ["name", "nickname"] {
            if let Some(text) = record.get(key).and_then(Value::as_str)
                && let Some(range) = snippet::find(text, std::slice::from_ref(needle))
            {
                push(key, text, Some(range));
                return;
            }
        }
    }
    for (key, text) in text_values(record) {
        if let Some(range) = snippet::find(text, needles) {
            push(key, text, Some(range));
            return;
        }
    }
    // Matched through pinyin or stemming we cannot point at: name the record.
    if let Some(name) = record.get("name").and_then(Value::as_str) {
        push("name", name, None);
    } else if let Some(title) = record.get("title").and_then(Value::as_str) {
        push("title", title, None);
    }
}

/// A trip as one line: `北京 2026-12-01..2026-12-03 部里开会`.
pub fn describe_trip(trip: &Trip) -> String {
    let mut text = trip.city.clone();
    match (&trip.from, &trip.to) {
        (Some(from), Some(to)) if from != to => text.push_str(&format!(" {from}..{to}")),
        (Some(day), _) | (None, Some(day)) => text.push_str(&format!(" {day}")),
        (None, None) => {}
    }
    if let Some(purpose) = &trip.purpose {
        text.push(' ');
        text.push_str(purpose);
    }
    text
}
