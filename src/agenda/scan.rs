//! The agenda's pass over the index: customers (with their birthday's
//! month and day, `updated`, and latest note date), and trips not over
//! before today, all from fast fields and postings, without reading one
//! stored record. On the benchmark corpus that is a few milliseconds; the
//! stored records are read afterwards only for what is listed.

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use tantivy::query::{EnableScoring, Query as TantivyQuery};
use tantivy::schema::{IndexRecordOption, Term};
use tantivy::{DocAddress, DocId, DocSet as _, TERMINATED};

use crate::dates::to_days;
use crate::document::{MORE_CUSTOMERS, PRIVATE_KEY, PRIVATE_KIND, TRIP_KIND};
use crate::error::{Error, Result};
use crate::index::{Location, ReadIndex};
use crate::record::Kind;
use crate::schema::names;

/// A query a customer's profile document must match.
pub(super) enum Filter<'a> {
    /// Built for this agenda (`owner:`).
    Owned(Box<dyn TantivyQuery>),
    /// Given by the caller (a reader's view).
    Borrowed(&'a dyn TantivyQuery),
    /// Matches nothing (an owner name with no searchable character).
    Nothing,
}

impl Filter<'_> {
    fn query(&self) -> Option<&dyn TantivyQuery> {
        match self {
            Filter::Owned(query) => Some(query.as_ref()),
            Filter::Borrowed(query) => Some(*query),
            Filter::Nothing => None,
        }
    }
}

/// One customer with a profile, as the fast fields know it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Customer {
    /// Its profile document.
    pub address: DocAddress,
    /// `birthday` as month * 100 + day.
    pub birthday_md: Option<u64>,
    /// `updated`.
    pub updated: Option<NaiveDate>,
    /// The date of its newest linked note.
    pub latest_note: Option<NaiveDate>,
}

/// A trip document whose days may fall in the range asked for.
#[derive(Debug, Clone, Copy)]
pub(super) struct TripDoc {
    /// The trip's document.
    pub address: DocAddress,
    /// The key of its customer.
    pub customer: u64,
}

/// What the pass found.
pub(super) struct Scanned {
    /// Customers that pass every filter, by key.
    pub customers: FxHashMap<u64, Customer>,
    /// Trips of those customers that end on or after today and start by
    /// `end` (any time when there is no end).
    pub trips: Vec<TripDoc>,
}

fn from_days(days: i64) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(i32::try_from(days + 719_163).ok()?)
}

/// Scans the index once for the customers that pass `filters`, their dates,
/// and their trips overlapping `today..=end`.
pub(super) fn scan(
    read: &ReadIndex,
    location: &Location,
    filters: &[Filter<'_>],
    today: NaiveDate,
    end: Option<NaiveDate>,
) -> Result<Scanned> {
    let index_error = |e| Error::index(location.index_dir(), e);
    let searcher = &read.searcher;
    let weights = filters
        .iter()
        .map(|filter| {
            filter
                .query()
                .map(|query| query.weight(EnableScoring::disabled_from_searcher(searcher)))
                .transpose()
        })
        .collect::<tantivy::Result<Vec<_>>>()
        .map_err(index_error)?;
    let (today_day, end_day) = (to_days(today), end.map(to_days));
    // Sized once for every customer profile: growing a table of 50,000
    // through every power of two cost more than filling it.
    let profiles = searcher
        .doc_freq(&Term::from_field_text(
            read.fields.kind,
            Kind::Customer.as_str(),
        ))
        .map_err(index_error)? as usize;
    let mut customers: FxHashMap<u64, Customer> =
        FxHashMap::with_capacity_and_hasher(profiles, Default::default());
    let mut trips = Vec::new();
    // Note dates are gathered per key for every note, then kept for the
    // customers found: a note may sit in another segment than its customer.
    let mut latest_note: FxHashMap<u64, i64> =
        FxHashMap::with_capacity_and_hasher(profiles, Default::default());
    // A private birthday (a team file's `private_fields`) is on the
    // customer's private document; whether the reader may see it is
    // `may_see_birthday`'s to say, on the record.
    let mut private_birthday: FxHashMap<u64, u64> = FxHashMap::default();
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        let ordinal = ordinal as u32;
        let alive = segment.alive_bitset();
        let is_alive = |doc: DocId| alive.is_none_or(|alive| alive.is_alive(doc));
        let fast = segment.fast_fields();
        let cust = fast.u64(names::CUST).map_err(index_error)?;
        let cust_first = fast.u64(names::CUST_FIRST).map_err(index_error)?;
        // Each document's first customer key, read in one pass over the
        // column: asked of nearly every document below, it costs a rank
        // lookup each when asked document by document.
        let mut first_key: Vec<Option<u64>> = vec![None; segment.max_doc() as usize];
        each_first(&cust_first, |doc, key| first_key[doc as usize] = Some(key));
        let cust_first = |doc: DocId| first_key[doc as usize];
        let birthday = fast.u64(names::BIRTHDAY_MD).map_err(index_error)?;
        let updated = fast.i64(names::UPDATED_DAY).map_err(index_error)?;
        let note_day = fast.i64(names::NOTE_DAY).map_err(index_error)?;
        let trip_from = fast.i64("trip_from").map_err(index_error)?;
        let trip_to = fast.i64("trip_to").map_err(index_error)?;

        // Profiles that pass every filter: the filters' matches, marked.
        let mut passes: Option<Vec<bool>> = None;
        for weight in &weights {
            let mut matched = vec![false; segment.max_doc() as usize];
            if let Some(weight) = weight {
                let mut scorer = weight.scorer(segment, 1.0).map_err(index_error)?;
                let mut doc = scorer.doc();
                while doc != TERMINATED {
                    matched[doc as usize] = true;
                    doc = scorer.advance();
                }
            }
            passes = Some(match passes {
                None => matched,
                Some(before) => before.iter().zip(&matched).map(|(a, b)| *a && *b).collect(),
            });
        }

        let inverted = segment
            .inverted_index(read.fields.kind)
            .map_err(index_error)?;
        let term = Term::from_field_text(read.fields.kind, Kind::Customer.as_str());
        if let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(|e| index_error(e.into()))?
        {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                let passed = passes.as_ref().is_none_or(|passes| passes[doc as usize]);
                if passed
                    && is_alive(doc)
                    && let Some(key) = cust_first(doc)
                {
                    customers.insert(
                        key & !MORE_CUSTOMERS,
                        Customer {
                            address: DocAddress::new(ordinal, doc),
                            birthday_md: birthday.first(doc),
                            updated: updated.first(doc).and_then(from_days),
                            latest_note: None,
                        },
                    );
                }
                doc = postings.advance();
            }
        }

        each_first(&note_day, |doc, day| {
            if !is_alive(doc) {
                return;
            }
            let mut take = |key: u64| {
                let latest = latest_note.entry(key).or_insert(day);
                *latest = (*latest).max(day);
            };
            match cust_first(doc) {
                Some(first) if first & MORE_CUSTOMERS == 0 => take(first),
                Some(_) => cust.values_for_doc(doc).for_each(&mut take),
                None => {}
            }
        });

        let term = Term::from_field_text(read.fields.kind, PRIVATE_KIND);
        if let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(|e| index_error(e.into()))?
        {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if is_alive(doc)
                    && let (Some(key), Some(month_day)) = (cust_first(doc), birthday.first(doc))
                {
                    private_birthday.insert(key & !(MORE_CUSTOMERS | PRIVATE_KEY), month_day);
                }
                doc = postings.advance();
            }
        }

        let term = Term::from_field_text(read.fields.kind, TRIP_KIND);
        if let Some(mut postings) = inverted
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(|e| index_error(e.into()))?
        {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                // The index holds a trip's days in order; the stored trip is
                // read again before it is listed (`upcoming_trip`).
                let (from, to) = (trip_from.first(doc), trip_to.first(doc));
                if let (Some(from), Some(to)) = (from, to)
                    && to >= today_day
                    && end_day.is_none_or(|end| from <= end)
                    && is_alive(doc)
                    && let Some(key) = cust_first(doc)
                {
                    trips.push(TripDoc {
                        address: DocAddress::new(ordinal, doc),
                        customer: key & !MORE_CUSTOMERS,
                    });
                }
                doc = postings.advance();
            }
        }
    }
    for (key, customer) in customers.iter_mut() {
        customer.latest_note = latest_note.get(key).copied().and_then(from_days);
        if customer.birthday_md.is_none() {
            customer.birthday_md = private_birthday.get(key).copied();
        }
    }
    trips.retain(|trip| customers.contains_key(&trip.customer));
    Ok(Scanned { customers, trips })
}

/// Calls `each` with every document that has a value in `column` and its
/// first value, in document order, the values decoded in one pass (a
/// column read document by document pays a rank lookup for each).
fn each_first<T>(column: &tantivy::columnar::Column<T>, mut each: impl FnMut(DocId, T))
where
    T: PartialOrd + Copy + Default + std::fmt::Debug + Send + Sync + 'static,
{
    use tantivy::columnar::ColumnIndex;
    let values = |count: u32| {
        let mut values = vec![T::default(); count as usize];
        column.values.get_range(0, &mut values);
        values
    };
    match &column.index {
        ColumnIndex::Empty { .. } => {}
        ColumnIndex::Full => {
            for (doc, value) in values(column.values.num_vals()).into_iter().enumerate() {
                each(doc as DocId, value);
            }
        }
        ColumnIndex::Optional(optional) => {
            let values = values(optional.num_non_nulls());
            for (doc, value) in optional.iter_non_null_docs().zip(values) {
                each(doc, value);
            }
        }
        ColumnIndex::Multivalued(_) => {
            for doc in 0..column.num_docs() {
                if let Some(value) = column.first(doc) {
                    each(doc, value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_read_back_as_dates() {
        for text in ["1970-01-01", "2026-12-04", "2028-02-29", "1966-03-12"] {
            let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").expect(text);
            assert_eq!(from_days(to_days(date)), Some(date), "{text}");
        }
    }
}
