//! One customer's whole dossier: the profile, then every meeting note and
//! visit report linked to it, newest first. Finds the customer by id, or by
//! a name (or pinyin) that is unambiguous.

use tantivy::DocAddress;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query as TantivyQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Term};

use crate::document::customer_key;
use crate::error::{Error, Result};
use crate::fold::fold;
use crate::index::{Location, ReadIndex};
use crate::record::{Kind, Problem};
use crate::search::grams_query;

/// Most linked notes shown for one customer.
const MAX_NOTES: usize = 10_000;

pub use crate::index::StoredRecord;

/// A whole dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    /// The customer profile.
    pub customer: StoredRecord,
    /// Linked meeting notes and visit reports, newest first.
    pub notes: Vec<StoredRecord>,
    /// The problems of the dossier's own files (the customer's file and
    /// those of its notes) as the last sync found them: why a date is
    /// missing, or a record of the file is not indexed.
    pub problems: Vec<Problem>,
}

fn search_all(
    read: &ReadIndex,
    location: &Location,
    query: &dyn TantivyQuery,
    limit: usize,
) -> Result<Vec<DocAddress>> {
    let found = read
        .searcher
        .search(query, &TopDocs::with_limit(limit).order_by_score())
        .map_err(|e| Error::index(location.index_dir(), e))?;
    Ok(found.into_iter().map(|(_, address)| address).collect())
}

fn kind_is(read: &ReadIndex, kind: &str) -> Box<dyn TantivyQuery> {
    Box::new(TermQuery::new(
        Term::from_field_text(read.fields.kind, kind),
        IndexRecordOption::Basic,
    ))
}

/// Finds the customers an id or name names: the customer with that id, or
/// else the customers whose name or nickname is exactly it, or else those
/// whose name contains it or reads as it in pinyin.
pub fn candidates(read: &ReadIndex, location: &Location, term: &str) -> Result<Vec<StoredRecord>> {
    let fields = read.fields;
    let by_id = BooleanQuery::new(vec![
        (Occur::Must, kind_is(read, Kind::Customer.as_str())),
        (
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(fields.id, term.trim()),
                IndexRecordOption::Basic,
            )),
        ),
    ]);
    if let Some(address) = search_all(read, location, &by_id, 1)?.first() {
        return Ok(vec![read.record(location, *address)?]);
    }
    let mut name_queries: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    if let Some(query) = grams_query(fields.name_grams, term) {
        name_queries.push((Occur::Should, query));
    }
    let joined: String = fold(term).chars().filter(|c| c.is_alphanumeric()).collect();
    if !joined.is_empty() {
        name_queries.push((
            Occur::Should,
            Box::new(TermQuery::new(
                Term::from_field_text(fields.name_pinyin, &joined),
                IndexRecordOption::Basic,
            )),
        ));
    }
    if name_queries.is_empty() {
        return Ok(Vec::new());
    }
    let by_name = BooleanQuery::new(name_queries);
    let mut found = Vec::new();
    for address in search_all(read, location, &by_name, 50)? {
        found.push(read.record(location, address)?);
    }
    let folded = fold(term.trim());
    let exact: Vec<StoredRecord> = found
        .iter()
        .filter(|r| {
            ["name", "nickname"]
                .iter()
                .any(|k| r.text(k).is_some_and(|n| fold(n.trim()) == folded))
        })
        .cloned()
        .collect();
    Ok(if exact.is_empty() { found } else { exact })
}

/// The whole dossier of one customer.
///
/// Fails with `Error::NotFound` when the id or name names no customer, or
/// several (the message lists them, with their ids).
pub fn dossier(read: &ReadIndex, location: &Location, term: &str) -> Result<Dossier> {
    let mut found = candidates(read, location, term)?;
    let customer = match found.len() {
        1 => found.remove(0),
        0 => {
            return Err(Error::NotFound {
                term: term.to_string(),
                problem: "no customer has this id or name — try `dossier search` to find them"
                    .into(),
            });
        }
        _ => {
            let list: Vec<String> = found
                .iter()
                .map(|r| format!("{} ({})", r.id, r.text("name").unwrap_or_default()))
                .collect();
            return Err(Error::NotFound {
                term: term.to_string(),
                problem: format!(
                    "names {} customers: {} — show one by its id",
                    found.len(),
                    list.join(", ")
                ),
            });
        }
    };
    let key = customer_key(&customer.id);
    let linked = BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_u64(read.fields.cust, key),
                IndexRecordOption::Basic,
            )),
        ),
        (Occur::MustNot, kind_is(read, Kind::Customer.as_str())),
        (Occur::MustNot, kind_is(read, crate::document::TRIP_KIND)),
    ]);
    let mut notes = Vec::new();
    for address in search_all(read, location, &linked, MAX_NOTES)? {
        notes.push(read.record(location, address)?);
    }
    notes.sort_by(|a, b| {
        let date = |r: &StoredRecord| r.text("date").and_then(crate::dates::parse_date);
        date(b).cmp(&date(a)).then_with(|| b.path.cmp(&a.path))
    });
    let problems = own_problems(location, &customer, &notes);
    Ok(Dossier {
        customer,
        notes,
        problems,
    })
}

/// The problems the last sync recorded (the status file) for the files of
/// a customer and its notes, in path and line order.
fn own_problems(
    location: &Location,
    customer: &StoredRecord,
    notes: &[StoredRecord],
) -> Vec<Problem> {
    let paths: std::collections::HashSet<&str> = std::iter::once(customer.path.as_str())
        .chain(notes.iter().map(|note| note.path.as_str()))
        .collect();
    let mut problems: Vec<Problem> = crate::index::read_status(location)
        .problems
        .into_iter()
        .filter(|problem| paths.contains(problem.path.as_str()))
        .collect();
    problems.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    problems
}
