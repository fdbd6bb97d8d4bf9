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
use crate::record::Kind;
use crate::search::grams_query;
use crate::team::Reader;

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

/// Finds the customers an id or name names, among those `reader` may see
/// (a customer they may not see is not there, exactly like an unknown
/// one): the customer with that id, or else the customers whose name or
/// nickname is exactly it, or else those whose name contains it or reads
/// as it in pinyin.
pub fn candidates(
    read: &ReadIndex,
    location: &Location,
    term: &str,
    reader: &Reader,
) -> Result<Vec<StoredRecord>> {
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
        let customer = read.record(location, *address)?;
        if reader.may_see_record(&customer.fields) {
            return Ok(vec![customer]);
        }
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
        let customer = read.record(location, address)?;
        if reader.may_see_record(&customer.fields) {
            found.push(customer);
        }
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

/// The whole dossier of one customer, as `reader` may see it: private
/// fields only for its owner and admins, and a note's links only to
/// customers the reader may see.
///
/// Fails with `Error::NotFound` when the id or name names no customer the
/// reader may see, or several (the message lists them, with their ids).
pub fn dossier(
    read: &ReadIndex,
    location: &Location,
    term: &str,
    reader: &Reader,
) -> Result<Dossier> {
    let mut found = candidates(read, location, term, reader)?;
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
    let mut customer = customer;
    if let Some(fields) = reader.strip_private(&customer.fields) {
        customer.fields = fields;
    }
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
        let mut note = read.record(location, address)?;
        if !reader.sees_all() {
            hide_invisible_links(read, location, reader, &mut note)?;
        }
        notes.push(note);
    }
    notes.sort_by(|a, b| {
        let date = |r: &StoredRecord| r.text("date").and_then(crate::dates::parse_date);
        date(b).cmp(&date(a)).then_with(|| b.path.cmp(&a.path))
    });
    Ok(Dossier { customer, notes })
}

/// Leaves in a note's `customer` / `customers` only the links that name a
/// customer the reader may see: the note is seen with them, and its other
/// customers never appear.
fn hide_invisible_links(
    read: &ReadIndex,
    location: &Location,
    reader: &Reader,
    note: &mut StoredRecord,
) -> Result<()> {
    use serde_json::Value;
    for key in ["customer", "customers"] {
        let Some(value) = note.fields.remove(key) else {
            continue;
        };
        let kept = match value {
            Value::String(link) => {
                names_visible(read, location, reader, &link)?.then_some(Value::String(link))
            }
            Value::Array(links) => {
                let mut kept = Vec::new();
                for link in links {
                    if let Some(text) = link.as_str()
                        && names_visible(read, location, reader, text)?
                    {
                        kept.push(link);
                    }
                }
                Some(Value::Array(kept))
            }
            _ => None,
        };
        if let Some(kept) = kept {
            note.fields.insert(key.to_string(), kept);
        }
    }
    Ok(())
}

/// Whether a link names, exactly (id, or name or nickname folded), a
/// customer the reader may see.
fn names_visible(
    read: &ReadIndex,
    location: &Location,
    reader: &Reader,
    link: &str,
) -> Result<bool> {
    let folded = fold(link.trim());
    Ok(candidates(read, location, link, reader)?
        .iter()
        .any(|customer| {
            fold(&customer.id) == folded
                || ["name", "nickname"]
                    .iter()
                    .any(|k| customer.text(k).is_some_and(|n| fold(n.trim()) == folded))
        }))
}
