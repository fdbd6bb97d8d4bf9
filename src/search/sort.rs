//! Queries with OR, NOT or `*`, and hits in an order other than by score
//! (`--sort`): every customer found is gathered (not only the best
//! `limit`), combined by the query's tree, then ordered.
//!
//! - AND: the customers of every part, score summed (as a plain query).
//! - OR: the customers of any alternative, with the best score of those
//!   that found them (an alternative is no better for being one of many).
//! - NOT: the customers of the rest less those the negated part finds; a
//!   group of exclusions only starts from every customer.

use rustc_hash::{FxHashMap, FxHashSet};
use tantivy::query::Weight;
use tantivy::{DocId, Score};

use super::plan::{Dated, Plan};
use super::run::customer_columns;
use super::table::{Best, Ranked, Table};
use super::{Node, SearchOptions, Searcher, Sort};
use crate::dates::Birthday;
use crate::document::MORE_CUSTOMERS;
use crate::error::{Error, Result};
use crate::schema::names;

/// Customer id (key or ordinal, as the tables hold them) → score.
type Found = FxHashMap<u64, Score>;

impl<'a> Searcher<'a> {
    /// Every customer the query tree finds, ordered as `options` says: the
    /// total and the first `limit` (customer key, score).
    pub(super) fn found_in_general(
        &self,
        nodes: &[Node],
        plans: &[(Plan, bool)],
        weights: &[Box<dyn Weight>],
        options: SearchOptions,
    ) -> Result<(usize, Vec<(u64, Score)>)> {
        let mut tables = Vec::with_capacity(weights.len());
        for weight in weights {
            tables.push(self.run(weight.as_ref())?);
        }
        let found = combine(nodes, &tables);
        // Notes may link to customers that do not exist (yet).
        let missing = if plans.iter().all(|(plan, _)| plan.customer_only) {
            None
        } else {
            Some(crate::links::missing_customers(
                self.location,
                &self.read.searcher,
            )?)
        };
        let ordinals = self.read.ordinals.as_deref();
        let found: Vec<(u64, Score)> = found
            .into_iter()
            .map(|(id, score)| (ordinals.map_or(id, |o| o.keys[id as usize]), score))
            .filter(|(key, _)| missing.as_ref().is_none_or(|m| !m.contains(key)))
            .collect();
        let total = found.len();
        let limit = options.limit;
        let ordered = match options.sort {
            Sort::Score => {
                let mut best = Best::new(limit);
                for (key, score) in found {
                    best.enter(Ranked(key, score));
                }
                best.heap
                    .into_sorted_vec()
                    .into_iter()
                    .map(|Ranked(key, score)| (key, score))
                    .collect()
            }
            Sort::Name => self.by_name(found, limit)?,
            Sort::Updated => {
                let days = self.profile_i64(names::UPDATED_DAY, &found)?;
                by_value(found, &days, true, limit)
            }
            Sort::Date => self.by_date(found, plans, weights, limit)?,
        };
        Ok((total, ordered))
    }

    /// `--sort name`: each segment's customers by the ordinal of their
    /// `name_sort` (its dictionary is in order), the first `limit` of each
    /// read as text, then merged.
    fn by_name(&self, found: Vec<(u64, Score)>, limit: usize) -> Result<Vec<(u64, Score)>> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let scores: FxHashMap<u64, Score> = found.iter().copied().collect();
        let mut named: Vec<(String, u64)> = Vec::new();
        for segment in self.read.searcher.segment_readers() {
            let Some(column) = segment
                .fast_fields()
                .str("name_sort")
                .map_err(index_error)?
            else {
                continue;
            };
            let (_, first) = customer_columns(segment).map_err(index_error)?;
            let mut ords: Vec<(u64, u64)> = Vec::new();
            for doc in self.profiles_in(segment)? {
                if let Some(key) = first.first(doc)
                    && scores.contains_key(&key)
                    && let Some(ord) = column.term_ords(doc).next()
                {
                    ords.push((ord, key));
                }
            }
            ords.sort_unstable();
            ords.truncate(limit);
            for (ord, key) in ords {
                let mut name = String::new();
                column
                    .ord_to_str(ord, &mut name)
                    .map_err(|e| Error::io(self.location.index_dir(), e))?;
                named.push((name, key));
            }
        }
        named.sort();
        named.dedup_by_key(|(_, key)| *key);
        Ok(named
            .into_iter()
            .take(limit)
            .map(|(_, key)| (key, scores[&key]))
            .collect())
    }

    /// `--sort date`: by the date of what the first dated term matched.
    fn by_date(
        &self,
        found: Vec<(u64, Score)>,
        plans: &[(Plan, bool)],
        weights: &[Box<dyn Weight>],
        limit: usize,
    ) -> Result<Vec<(u64, Score)>> {
        let dated = plans
            .iter()
            .filter(|(_, explains)| *explains)
            .find_map(|(plan, _)| plan.dated);
        let chosen = |kind: Option<Dated>| -> Vec<&dyn Weight> {
            plans
                .iter()
                .zip(weights)
                .filter(|((plan, explains), _)| *explains && (kind.is_none() || plan.dated == kind))
                .map(|(_, weight)| weight.as_ref())
                .collect()
        };
        Ok(match dated {
            Some(Dated::Birthday(from)) => {
                let days: FxHashMap<u64, i64> = self
                    .profile_u64(names::BIRTHDAY_MD, &found)?
                    .into_iter()
                    .filter_map(|(key, md)| {
                        let (month, day) = ((md / 100) as u32, (md % 100) as u32);
                        // A day of some year (2000 has every one).
                        chrono::NaiveDate::from_ymd_opt(2000, month, day)?;
                        let birthday = Birthday {
                            year: None,
                            month,
                            day,
                        };
                        Some((key, crate::dates::to_days(birthday.next_on_or_after(from))))
                    })
                    .collect();
                by_value(found, &days, false, limit)
            }
            Some(Dated::TripStart) => {
                let days = self.match_dates(&chosen(dated), "trip_from", &found, false)?;
                by_value(found, &days, false, limit)
            }
            // A note's date (`date:`, or no dated term: the newest note
            // that matched), newest first.
            Some(Dated::NoteDay) | None => {
                let kind = dated.map(|_| Dated::NoteDay);
                let days = self.match_dates(&chosen(kind), names::NOTE_DAY, &found, true)?;
                by_value(found, &days, true, limit)
            }
        })
    }

    /// The live customer profiles of a segment.
    fn profiles_in(&self, segment: &tantivy::SegmentReader) -> Result<Vec<DocId>> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let profiles = crate::index::Profiles::of(segment).map_err(index_error)?;
        let alive = segment.alive_bitset();
        Ok((0..segment.max_doc())
            .filter(|&doc| alive.is_none_or(|a| a.is_alive(doc)) && profiles.contains(doc))
            .collect())
    }

    /// A u64 fast field of the profiles of the customers found.
    fn profile_u64(&self, field: &str, found: &[(u64, Score)]) -> Result<FxHashMap<u64, u64>> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let wanted: FxHashSet<u64> = found.iter().map(|&(key, _)| key).collect();
        let mut values = FxHashMap::default();
        for segment in self.read.searcher.segment_readers() {
            let column = segment.fast_fields().u64(field).map_err(index_error)?;
            let (_, first) = customer_columns(segment).map_err(index_error)?;
            for doc in self.profiles_in(segment)? {
                if let (Some(key), Some(value)) = (first.first(doc), column.first(doc))
                    && wanted.contains(&key)
                {
                    values.insert(key, value);
                }
            }
        }
        Ok(values)
    }

    /// An i64 fast field of the profiles of the customers found.
    fn profile_i64(&self, field: &str, found: &[(u64, Score)]) -> Result<FxHashMap<u64, i64>> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let wanted: FxHashSet<u64> = found.iter().map(|&(key, _)| key).collect();
        let mut values = FxHashMap::default();
        for segment in self.read.searcher.segment_readers() {
            let column = segment.fast_fields().i64(field).map_err(index_error)?;
            let (_, first) = customer_columns(segment).map_err(index_error)?;
            for doc in self.profiles_in(segment)? {
                if let (Some(key), Some(value)) = (first.first(doc), column.first(doc))
                    && wanted.contains(&key)
                {
                    values.insert(key, value);
                }
            }
        }
        Ok(values)
    }

    /// The earliest (or, with `newest`, the latest) value of an i64 fast
    /// field among the documents each customer found matched in `weights`.
    fn match_dates(
        &self,
        weights: &[&dyn Weight],
        field: &str,
        found: &[(u64, Score)],
        newest: bool,
    ) -> Result<FxHashMap<u64, i64>> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let wanted: FxHashSet<u64> = found.iter().map(|&(key, _)| key).collect();
        let mut days: FxHashMap<u64, i64> = FxHashMap::default();
        for segment in self.read.searcher.segment_readers() {
            let column = segment.fast_fields().i64(field).map_err(index_error)?;
            let (keys, first) = customer_columns(segment).map_err(index_error)?;
            let alive = segment.alive_bitset();
            for weight in weights {
                let mut one = |doc: DocId, _: Score| {
                    if alive.is_some_and(|a| a.is_deleted(doc)) {
                        return;
                    }
                    let Some(day) = column.first(doc) else {
                        return;
                    };
                    let mut keep = |key: u64| {
                        if wanted.contains(&key) {
                            let slot = days.entry(key).or_insert(day);
                            *slot = if newest {
                                (*slot).max(day)
                            } else {
                                (*slot).min(day)
                            };
                        }
                    };
                    match first.first(doc) {
                        Some(key) if key & MORE_CUSTOMERS == 0 => keep(key),
                        Some(_) => keys.values_for_doc(doc).for_each(&mut keep),
                        None => {}
                    }
                };
                weight.for_each(segment, &mut one).map_err(index_error)?;
            }
        }
        Ok(days)
    }
}

/// AND of nodes: the customers every positive node finds (scores summed),
/// less those of every NOT.
fn combine(nodes: &[Node], tables: &[Table]) -> Found {
    let mut positive: Vec<Found> = Vec::new();
    let mut negative: Vec<Found> = Vec::new();
    for node in nodes {
        match node {
            Node::Leaf(i) => {
                let mut found = Found::default();
                tables[*i].for_each(|id, score| {
                    found.insert(id, score);
                });
                positive.push(found);
            }
            Node::Any(alternatives) => {
                let mut union = Found::default();
                for alternative in alternatives {
                    for (id, score) in combine(alternative, tables) {
                        let slot = union.entry(id).or_insert(score);
                        *slot = slot.max(score);
                    }
                }
                positive.push(union);
            }
            Node::Not(inner) => negative.push(combine(inner, tables)),
        }
    }
    positive.sort_by_key(|found| found.len());
    let mut parts = positive.into_iter();
    let Some(mut result) = parts.next() else {
        return Found::default();
    };
    for part in parts {
        result.retain(|id, score| match part.get(id) {
            Some(more) => {
                *score += more;
                true
            }
            None => false,
        });
    }
    for part in &negative {
        result.retain(|id, _| !part.contains_key(id));
    }
    result
}

/// The first `limit` customers by a value (ascending, or descending with
/// `newest`); customers without one after them, then by score.
fn by_value(
    mut found: Vec<(u64, Score)>,
    values: &FxHashMap<u64, i64>,
    newest: bool,
    limit: usize,
) -> Vec<(u64, Score)> {
    let rank = |&(key, score): &(u64, Score)| {
        let value = values.get(&key).copied();
        let value = match (value, newest) {
            (Some(v), false) => v,
            (Some(v), true) => -v,
            (None, _) => i64::MAX,
        };
        (value, std::cmp::Reverse(ordered_score(score)), key)
    };
    let cmp = |a: &(u64, Score), b: &(u64, Score)| rank(a).cmp(&rank(b));
    if found.len() > limit && limit > 0 {
        found.select_nth_unstable_by(limit - 1, cmp);
        found.truncate(limit);
    }
    found.sort_unstable_by(cmp);
    found.truncate(limit);
    found
}

/// A score as an ordered integer (scores are never NaN).
fn ordered_score(score: Score) -> u32 {
    super::table::score_bits(score)
}
