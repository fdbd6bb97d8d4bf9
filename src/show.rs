//! One customer's whole dossier: the profile, then every meeting note and
//! visit report linked to it, newest first. Finds the customer by id, or by
//! a name (or pinyin) that is unambiguous. `brief` says what a rep needs
//! before a visit, by the agenda's rules (`agenda`).

use tantivy::DocAddress;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query as TantivyQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Term};

use chrono::NaiveDate;
use serde_json::Value;

use crate::agenda::{
    NextBirthday, UpcomingTrip, days_since, last_contact, needs_attention, next_birthday,
    upcoming_trips,
};
use crate::dates::{parse_birthday, parse_date};
use crate::document::{customer_key, entries, entry_name};
use crate::error::{Error, Result};
use crate::fold::fold;
use crate::index::{Location, ReadIndex};
use crate::record::{Kind, Problem};
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
    reader.strip_private(&mut customer.fields);
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

/// What a rep needs before a visit, at the top of a dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct Brief {
    /// The trip under way, or else the next one.
    pub next_trip: Option<UpcomingTrip>,
    /// The birthday as written and when it next falls.
    pub birthday: Option<(String, NextBirthday)>,
    /// The latest of the newest note's date and `updated`.
    pub last_contact: Option<NaiveDate>,
    /// Days since `last_contact`.
    pub days_since_contact: Option<i64>,
    /// Nobody has written about or updated this customer for more than
    /// `agenda::ATTENTION_DAYS` days, or ever.
    pub needs_attention: bool,
    /// The competitors in the profile, with their product and how
    /// satisfied the customer is with it, as written.
    pub competitors: Vec<Competitor>,
    /// The profile's own `satisfaction`, when it has one.
    pub satisfaction: Option<String>,
}

/// A competitor as the profile lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Competitor {
    /// Its name.
    pub name: String,
    /// The product the customer uses.
    pub product: Option<String>,
    /// How satisfied the customer is with it.
    pub satisfaction: Option<String>,
}

fn plain(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The brief of a dossier on `today`. Never fails: what cannot be read
/// (an unreadable birthday, a trip with a reversed date) is left out.
pub fn brief(dossier: &Dossier, today: NaiveDate) -> Brief {
    let profile = &dossier.customer.fields;
    let latest_note = dossier
        .notes
        .iter()
        .filter_map(|note| note.text("date").and_then(parse_date))
        .max();
    let updated = dossier.customer.text("updated").and_then(parse_date);
    let contact = last_contact(latest_note, updated);
    let birthday = dossier.customer.text("birthday").and_then(|written| {
        parse_birthday(written).map(|b| (written.trim().to_string(), next_birthday(b, today)))
    });
    let competitors = entries(profile, "competitors")
        .iter()
        .filter_map(|entry| {
            let name = entry_name(entry)?.trim().to_string();
            let field = |key| entry.as_object().and_then(|map| plain(map.get(key)));
            Some(Competitor {
                name,
                product: field("product"),
                satisfaction: field("satisfaction"),
            })
        })
        .collect();
    Brief {
        next_trip: upcoming_trips(profile, today).into_iter().next(),
        birthday,
        last_contact: contact,
        days_since_contact: days_since(contact, today),
        needs_attention: needs_attention(contact, today),
        competitors,
        satisfaction: plain(profile.get("satisfaction")),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect(text)
    }

    fn record(kind: &str, json: &str) -> StoredRecord {
        StoredRecord {
            id: "x".into(),
            kind: kind.into(),
            path: format!("{kind}.json"),
            fields: serde_json::from_str(json).expect(json),
            last_good: false,
        }
    }

    #[test]
    fn the_brief_says_what_comes_next_and_when_we_last_talked() {
        let today = d("2026-12-04");
        let customer = record(
            "customer",
            r#"{"name": "王建国", "birthday": "1966-12-15", "updated": "2026-09-01",
                "satisfaction": "满意",
                "itinerary": [
                    {"city": "广州", "from": "2026-11-01", "to": "2026-11-03"},
                    {"city": "北京", "from": "2026-12-20", "to": "2026-12-22"},
                    {"city": "成都", "from": "2026-12-10", "to": "2026-12-08"},
                    {"city": "上海", "from": "2026-12-08", "to": "2026-12-09", "purpose": "开会"}
                ],
                "competitors": ["联想", {"name": "IBM", "product": "计费系统", "satisfaction": "一般"}]}"#,
        );
        let notes = vec![
            record("meeting", r#"{"date": "2026-09-20"}"#),
            record("visit", r#"{"date": "2026/09/25"}"#),
            record("visit", r#"{"date": "not a date"}"#),
        ];
        let found = brief(
            &Dossier {
                customer,
                notes,
                problems: Vec::new(),
            },
            today,
        );
        let trip = found.next_trip.expect("a trip to come");
        // The reversed 成都 trip is skipped, though it starts sooner.
        assert_eq!(
            (trip.city.as_str(), trip.from, trip.index),
            ("上海", d("2026-12-08"), 3)
        );
        let (written, next) = found.birthday.expect("a birthday");
        assert_eq!(written, "1966-12-15");
        assert_eq!(
            (next.date, next.days, next.turns),
            (d("2026-12-15"), 11, Some(60))
        );
        assert_eq!(found.last_contact, Some(d("2026-09-25")));
        assert_eq!(found.days_since_contact, Some(70));
        assert!(found.needs_attention);
        assert_eq!(found.satisfaction.as_deref(), Some("满意"));
        assert_eq!(
            found.competitors,
            [
                Competitor {
                    name: "联想".into(),
                    product: None,
                    satisfaction: None
                },
                Competitor {
                    name: "IBM".into(),
                    product: Some("计费系统".into()),
                    satisfaction: Some("一般".into())
                }
            ]
        );

        let empty = brief(
            &Dossier {
                customer: record("customer", r#"{"name": "新客户"}"#),
                notes: Vec::new(),
                problems: Vec::new(),
            },
            today,
        );
        assert_eq!(
            (
                empty.next_trip,
                empty.birthday,
                empty.last_contact,
                empty.needs_attention
            ),
            (None, None, None, true)
        );
    }
}
