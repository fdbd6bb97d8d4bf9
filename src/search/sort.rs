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
        let tables = self.clause_tables(weights)?;
        // One clause (`*`, or a single term sorted): its table as it is,
        // without a map of every customer it found.
        let found: Vec<(u64, Score)> = match nodes {
            [Node::Leaf(i)] => {
                let mut found = Vec::new();
                tables[*i].for_each(|id, score| found.push((id, score)));
                found
            }
            _ => combine(nodes, &tables).into_iter().collect(),
        };
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
    /// read as text, then merged. When the query found every customer
    /// (`*`), nothing is looked up per customer: the found set is consulted
    /// only when it is smaller than the customers there are.
    fn by_name(&self, found: Vec<(u64, Score)>, limit: usize) -> Result<Vec<(u64, Score)>> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let mut segments = Vec::new();
        let mut profiles = 0;
        for segment in self.read.searcher.segment_readers() {
            let Some(column) = segment
                .fast_fields()
                .str("name_sort")
                .map_err(index_error)?
            else {
                continue;
            };
            let (_, first) = customer_columns(segment).map_err(index_error)?;
            // Only a customer's profile has a `name_sort`: the column's
            // rows are the customers, in document order, and its values
            // their names' ordinals, read in one pass.
            let column_ords = column.ords();
            let docs: Vec<DocId> = match &column_ords.index {
                tantivy::columnar::ColumnIndex::Full => (0..segment.max_doc()).collect(),
                tantivy::columnar::ColumnIndex::Optional(index) => {
                    index.iter_non_null_docs().collect()
                }
                // (Never written so; read one document at a time.)
                _ => (0..segment.max_doc())
                    .filter(|&doc| column_ords.first(doc).is_some())
                    .collect(),
            };
            let mut names = vec![0u64; docs.len()];
            match &column_ords.index {
                tantivy::columnar::ColumnIndex::Full
                | tantivy::columnar::ColumnIndex::Optional(_) => {
                    column_ords.values.get_range(0, &mut names);
                }
                _ => {
                    for (name, &doc) in names.iter_mut().zip(&docs) {
                        *name = column_ords.first(doc).unwrap_or_default();
                    }
                }
            }
            let mut keys = vec![None; docs.len()];
            first.first_vals(&docs, &mut keys);
            let alive = segment.alive_bitset();
            let ords: Vec<(u64, u64)> = docs
                .iter()
                .zip(names)
                .zip(keys)
                .filter(|((doc, _), _)| alive.is_none_or(|a| a.is_alive(**doc)))
                .filter_map(|((_, name), key)| Some((name, key?)))
                .collect();
            profiles += ords.len();
            segments.push((column, ords));
        }
        // Every key found is a customer's (notes' links to customers that
        // do not exist were left out before): as many found as there are
        // customers means all of them.
        let wanted: Option<rustc_hash::FxHashSet<u64>> =
            (found.len() < profiles).then(|| found.iter().map(|(key, _)| *key).collect());
        let mut named: Vec<(String, u64)> = Vec::new();
        for (column, mut ords) in segments {
            if let Some(wanted) = &wanted {
                ords.retain(|(_, key)| wanted.contains(key));
            }
            if ords.len() > limit {
                ords.select_nth_unstable(limit);
                ords.truncate(limit);
            }
            ords.sort_unstable();
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
        named.truncate(limit);
        let chosen: rustc_hash::FxHashSet<u64> = named.iter().map(|(_, key)| *key).collect();
        let scores: FxHashMap<u64, Score> = found
            .into_iter()
            .filter(|(key, _)| chosen.contains(key))
            .collect();
        Ok(named
            .into_iter()
            .filter_map(|(_, key)| scores.get(&key).map(|score| (key, *score)))
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
                let mut month_days = self.profile_u64(names::BIRTHDAY_MD, &found)?;
                // A private birthday, where the reader may see it.
                for (key, md) in self.private_birthdays(&found)? {
                    month_days.entry(key).or_insert(md);
                }
                let days: FxHashMap<u64, i64> = month_days
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
        self.profile_values(found, |segment| segment.fast_fields().u64(field))
    }

    /// An i64 fast field of the profiles of the customers found.
    fn profile_i64(&self, field: &str, found: &[(u64, Score)]) -> Result<FxHashMap<u64, i64>> {
        self.profile_values(found, |segment| segment.fast_fields().i64(field))
    }

    /// The values of a fast field (its column opened by `column`) on the
    /// profiles of the customers found, by customer key.
    fn profile_values<T>(
        &self,
        found: &[(u64, Score)],
        column: impl Fn(&tantivy::SegmentReader) -> tantivy::Result<tantivy::columnar::Column<T>>,
    ) -> Result<FxHashMap<u64, T>>
    where
        T: PartialOrd + Copy + std::fmt::Debug + Send + Sync + 'static,
    {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let wanted: FxHashSet<u64> = found.iter().map(|&(key, _)| key).collect();
        let mut values = FxHashMap::default();
        for segment in self.read.searcher.segment_readers() {
            let column = column(segment).map_err(index_error)?;
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
/// less those of every NOT. A leaf's table is consulted where it is (a
/// dense table or a hash table answers `get` at once): only OR and NOT
/// groups are collected into maps, and the result is built by walking the
/// smallest part, so a small clause (a rep's visible customers) ANDed with
/// `*` costs the small one.
fn combine(nodes: &[Node], tables: &[std::sync::Arc<Table>]) -> Found {
    let mut positive: Vec<Part> = Vec::new();
    let mut negative: Vec<Part> = Vec::new();
    for node in nodes {
        match node {
            Node::Leaf(i) => positive.push(Part::Table(&tables[*i])),
            Node::Any(alternatives) => {
                let mut union = Found::default();
                for alternative in alternatives {
                    for (id, score) in combine(alternative, tables) {
                        let slot = union.entry(id).or_insert(score);
                        *slot = slot.max(score);
                    }
                }
                positive.push(Part::Found(union));
            }
            Node::Not(inner) => negative.push(Part::Found(combine(inner, tables))),
        }
    }
    positive.sort_by_key(Part::len);
    let Some((first, rest)) = positive.split_first() else {
        return Found::default();
    };
    let mut result = Found::default();
    first.for_each(|id, score| {
        let mut sum = score;
        for part in rest {
            match part.get(id) {
                Some(more) => sum += more,
                None => return,
            }
        }
        if negative.iter().all(|part| part.get(id).is_none()) {
            result.insert(id, sum);
        }
    });
    result
}

/// One operand of `combine`: a clause's table as it is, or a group's
/// customers collected.
enum Part<'t> {
    Table(&'t Table),
    Found(Found),
}

impl Part<'_> {
    fn len(&self) -> usize {
        match self {
            Part::Table(table) => table.len(),
            Part::Found(found) => found.len(),
        }
    }

    fn get(&self, id: u64) -> Option<Score> {
        match self {
            Part::Table(table) => table.get(id),
            Part::Found(found) => found.get(&id).copied(),
        }
    }

    fn for_each(&self, mut take: impl FnMut(u64, Score)) {
        match self {
            Part::Table(table) => table.for_each(take),
            Part::Found(found) => found.iter().for_each(|(&id, &score)| take(id, score)),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Location;
    use crate::search::table::ClauseResult;

    fn table(entries: &[(u64, Score)]) -> Table {
        let mut result = ClauseResult::with_room(entries.len());
        for &(key, score) in entries {
            result.add(key, score);
        }
        Table::Keys(result)
    }

    fn sorted(found: Found) -> Vec<(u64, Score)> {
        let mut found: Vec<(u64, Score)> = found.into_iter().collect();
        found.sort_by_key(|&(key, _)| key);
        found
    }

    #[test]
    fn and_sums_or_keeps_the_best_not_removes() {
        // Tables 0..3: a = {1, 2, 3}, b = {2, 3, 4}, c = {3, 5}, all = {1..=6}.
        let tables = vec![
            table(&[(1, 1.0), (2, 1.0), (3, 1.0)]),
            table(&[(2, 2.0), (3, 0.5), (4, 2.0)]),
            table(&[(3, 4.0), (5, 1.0)]),
            table(&[(1, 0.0), (2, 0.0), (3, 0.0), (4, 0.0), (5, 0.0), (6, 0.0)]),
        ]
        .into_iter()
        .map(std::sync::Arc::new)
        .collect::<Vec<_>>();
        use Node::{Any, Leaf, Not};
        // (query, its tree over the tables, the customers found and scores)
        type Case = (&'static str, Vec<Node>, Vec<(u64, Score)>);
        let cases: Vec<Case> = vec![
            ("a b", vec![Leaf(0), Leaf(1)], vec![(2, 3.0), (3, 1.5)]),
            (
                "a OR b",
                vec![Any(vec![vec![Leaf(0)], vec![Leaf(1)]])],
                vec![(1, 1.0), (2, 2.0), (3, 1.0), (4, 2.0)],
            ),
            (
                "a -c",
                vec![Leaf(0), Not(vec![Leaf(2)])],
                vec![(1, 1.0), (2, 1.0)],
            ),
            (
                "* -a -b",
                vec![Leaf(3), Not(vec![Leaf(0)]), Not(vec![Leaf(1)])],
                vec![(5, 0.0), (6, 0.0)],
            ),
            (
                "a b OR c",
                vec![Any(vec![vec![Leaf(0), Leaf(1)], vec![Leaf(2)]])],
                vec![(2, 3.0), (3, 4.0), (5, 1.0)],
            ),
            (
                "(a OR c) -(b OR c)",
                vec![
                    Any(vec![vec![Leaf(0)], vec![Leaf(2)]]),
                    Not(vec![Any(vec![vec![Leaf(1)], vec![Leaf(2)]])]),
                ],
                vec![(1, 1.0)],
            ),
            // The smallest part (c) walked, the larger ones asked.
            ("* b c", vec![Leaf(3), Leaf(1), Leaf(2)], vec![(3, 4.5)]),
            (
                "* (a OR c) -b",
                vec![
                    Leaf(3),
                    Any(vec![vec![Leaf(0)], vec![Leaf(2)]]),
                    Not(vec![Leaf(1)]),
                ],
                vec![(1, 1.0), (5, 1.0)],
            ),
        ];
        for (text, nodes, expected) in cases {
            assert_eq!(sorted(combine(&nodes, &tables)), expected, "{text}");
        }
    }

    #[test]
    fn by_value_orders_every_customer_and_puts_those_without_last() {
        let found = vec![(1, 1.0), (2, 5.0), (3, 2.0), (4, 3.0), (5, 0.5)];
        let values: FxHashMap<u64, i64> = [(1, 30), (2, 10), (3, 20)].into_iter().collect();
        let keys = |v: Vec<(u64, Score)>| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        assert_eq!(
            keys(by_value(found.clone(), &values, false, 10)),
            [2, 3, 1, 4, 5]
        );
        assert_eq!(
            keys(by_value(found.clone(), &values, true, 10)),
            [1, 3, 2, 4, 5]
        );
        assert_eq!(keys(by_value(found.clone(), &values, false, 2)), [2, 3]);
        assert_eq!(keys(by_value(found, &values, false, 0)), Vec::<u64>::new());
    }

    /// The new terms find the same customers, in the same order, by key (a
    /// one-shot search) and by ordinal (a watcher).
    #[test]
    fn new_terms_find_the_same_by_key_and_by_ordinal() -> Result<()> {
        let scratch = tempfile::tempdir().expect("temp dir");
        let kb = scratch.path().join("kb");
        let files: &[(&str, &str)] = &[
            (
                "customers/a.json",
                r#"{"id": "a", "name": "Alice", "birthday": "1970-12-25", "region": "山东", "interests": ["golf"]}"#,
            ),
            (
                "customers/b.json",
                r#"{"id": "b", "name": "王芳", "birthday": "01-05", "region": "广东", "interests": ["tennis"]}"#,
            ),
            (
                "customers/c.json",
                r#"{"id": "c", "name": "Bob", "birthday": "1988-02-29", "tier": "vip"}"#,
            ),
            (
                "meetings/1.json",
                r#"{"id": "m1", "customer": "a", "date": "2026-11-20", "text": "联想"}"#,
            ),
            (
                "meetings/2.json",
                r#"{"id": "m2", "customers": ["b", "nobody"], "date": "2026-10-10", "text": "联想"}"#,
            ),
        ];
        crate::testing::write_files(&kb, files);
        let location = Location::new(&kb, Some(&scratch.path().join("index")))?;
        crate::testing::index_folder(&location)?;
        let by_key = crate::index::open_for_search(&location)?;
        let by_ordinal = crate::index::LiveIndex::new().current(&location)?;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
        let cases: &[(&str, Sort, &[&str])] = &[
            ("*", Sort::Name, &["a", "c", "b"]),
            ("联想", Sort::Date, &["a", "b"]),
            ("联想 date:last-week", Sort::Score, &["a"]),
            ("-likes:golf", Sort::Name, &["c", "b"]),
            ("likes:golf OR tier:vip", Sort::Name, &["a", "c"]),
            (
                "birthday:2026-12-20..2027-03-01",
                Sort::Date,
                &["a", "b", "c"],
            ),
            ("region:广东 OR region:山东", Sort::Name, &["a", "b"]),
        ];
        for &(text, sort, expected) in cases {
            let query = crate::query::parse(text, today)?;
            let options = SearchOptions { limit: 10, sort };
            let one = Searcher::new(&by_key, &location, &crate::team::Reader::everyone())
                .search(&query, options)?;
            let other = Searcher::new(&by_ordinal, &location, &crate::team::Reader::everyone())
                .search(&query, options)?;
            assert_eq!(other, one, "{text}");
            let ids: Vec<&str> = one.hits.iter().map(|hit| hit.id.as_str()).collect();
            assert_eq!(ids, expected, "{text} --sort {}", sort.name());
            assert_eq!(
                one.total,
                expected.len(),
                "{text}: the customer without a profile is not counted"
            );
        }
        Ok(())
    }
}
