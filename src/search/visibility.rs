//! The reader's visibility clause: no query runs without it.
//!
//! A reader (`team::Reader`) who may not see everything gets one more
//! customer-level clause in every search: the customers whose `owner_key`
//! is one of theirs or the shared pool's (`team::NO_OWNER`). It is run
//! like any clause, into a table of the same kind (by key or by ordinal),
//! with a score of 0, and intersected with the query's clauses before
//! anything is counted, ranked, limited or explained (`Searcher::search`).
//! A watcher runs it once per commit and reader (`VisibleTables`) and
//! walks it by its list of customers, so a rep's search costs about what
//! everyone's does.
//! A note belongs to each of its customers separately in a clause's table,
//! so a note shared with a customer the reader may not see counts for the
//! visible one only.
//!
//! Private fields live in a private document per customer whose customer
//! key has `document::PRIVATE_KEY` set (and `MORE_CUSTOMERS` in
//! `cust_first`, so the common path of one plain key per document is
//! untouched). When a clause matches one, `run` asks `may_see_private`:
//! for a reader who is not an admin, only the customers they own.
//!
//! Why customer sets, and not owner keys on every note: a note's owners
//! would change with its customers' `owner`, so the writer would re-index
//! every note of a customer whose owner changes, and a note read before
//! its customer would carry a stale owner. The customer set is computed
//! from the profiles at query time, always current, and costs one term
//! query over the reader's own customers.

use std::sync::{Arc, Mutex};

use tantivy::query::{
    BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query as TantivyQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};

use super::Searcher;
use super::plan::{Explain, Plan};
use super::table::Table;
use crate::document::{MORE_CUSTOMERS, PRIVATE_KEY, PRIVATE_KIND};
use crate::error::{Error, Result};
use crate::index::{Generation, ReadIndex};
use crate::team::{NO_OWNER, Reader};

/// How a search applies the reader's visibility clause.
pub(super) enum Visible {
    /// Nothing to apply: a reader who sees all (or no search yet).
    All,
    /// One more clause of the query, at this place among the clauses,
    /// whose table is this one (from `VisibleTables` in a watcher); ANDed
    /// with the others like any clause.
    Clause(usize, Arc<Table>),
}

/// Whose private documents a search counts.
pub(super) enum PrivateSeen {
    /// Every customer's (no team file, an admin, the operator).
    All,
    /// Only these customers' (by key or ordinal, like the clause tables).
    Only(Arc<Table>),
}

impl PrivateSeen {
    /// Whether the private document of this customer (a key, or an
    /// ordinal by `Ordinals`) counts.
    #[inline]
    pub(super) fn allows(&self, id: u64) -> bool {
        match self {
            PrivateSeen::All => true,
            PrivateSeen::Only(table) => table.get(id).is_some(),
        }
    }
}

/// A query for the profiles whose `owner_key` is one of `owners`.
fn owned_by<'o>(field: Field, owners: impl Iterator<Item = &'o str>) -> Box<dyn TantivyQuery> {
    let terms: Vec<(Occur, Box<dyn TantivyQuery>)> = owners
        .filter(|owner| !owner.is_empty())
        .map(|owner| {
            let term = TermQuery::new(
                Term::from_field_text(field, owner),
                IndexRecordOption::Basic,
            );
            (Occur::Should, Box::new(term) as Box<dyn TantivyQuery>)
        })
        .collect();
    Box::new(BooleanQuery::new(terms))
}

/// The profiles `reader` may see, as a query (for passes over profiles
/// that are not searches: the agenda); `None` for a reader who sees all.
pub fn visible_profiles(read: &ReadIndex, reader: &Reader) -> Option<Box<dyn TantivyQuery>> {
    if reader.sees_all() {
        return None;
    }
    let owners = reader
        .owner_keys()
        .iter()
        .map(String::as_str)
        .chain([NO_OWNER]);
    Some(owned_by(read.fields.owner_key, owners))
}

impl Searcher<'_> {
    /// The reader's visibility clause as a clause of the query (see
    /// `Searcher::search`, `Visible::Clause`): the customers they may see,
    /// score 0, explaining nothing. Asked only for a reader who does not
    /// see all (else it would be every document).
    pub(super) fn visibility_plan(&self) -> Plan {
        let query = visible_profiles(self.read, self.reader)
            .unwrap_or_else(|| Box::new(tantivy::query::AllQuery));
        Plan {
            query: Box::new(ConstScoreQuery::new(query, 0.0)),
            explain: Explain::Nothing,
            customer_only: true,
            label: "visible to the reader".into(),
            dated: None,
        }
    }

    /// The reader's visibility clause: every customer they may see, with
    /// score 0; `None` for a reader who sees all (nothing to intersect).
    /// Run once per commit and reader in a watcher (`VisibleTables`).
    pub(super) fn visible_customers(&self) -> Result<Option<Arc<Table>>> {
        if self.reader.sees_all() {
            return Ok(None);
        }
        let mut owners: Vec<&str> = self
            .reader
            .owner_keys()
            .iter()
            .map(String::as_str)
            .chain([NO_OWNER])
            .collect();
        owners.sort_unstable();
        owners.dedup();
        self.customers_owned_by_cached(Whose::Visible, owners)
            .map(Some)
    }

    /// The birthdays (month * 100 + day) that private documents hold for
    /// these customers, where the reader may see them (`--sort date`).
    pub(super) fn private_birthdays(
        &self,
        found: &[(u64, tantivy::Score)],
    ) -> Result<rustc_hash::FxHashMap<u64, u64>> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let wanted: rustc_hash::FxHashSet<u64> = found.iter().map(|&(key, _)| key).collect();
        let mut birthdays = rustc_hash::FxHashMap::default();
        for segment in self.read.searcher.segment_readers() {
            let fast = segment.fast_fields();
            let first = fast
                .u64(crate::schema::names::CUST_FIRST)
                .map_err(index_error)?;
            let month_day = fast
                .u64(crate::schema::names::BIRTHDAY_MD)
                .map_err(index_error)?;
            self.each_live_doc_of_kind(segment, PRIVATE_KIND, |doc| {
                if let (Some(key), Some(md)) = (first.first(doc), month_day.first(doc)) {
                    let key = key & !(MORE_CUSTOMERS | PRIVATE_KEY);
                    if wanted.contains(&key) && self.may_see_private_key(key) {
                        birthdays.insert(key, md);
                    }
                }
            })?;
        }
        Ok(birthdays)
    }

    /// Whether the private document of the customer with this key counts
    /// (by key, or through its ordinal when the index numbers customers).
    pub(super) fn may_see_private_key(&self, key: u64) -> bool {
        match &self.private_seen {
            PrivateSeen::All => true,
            PrivateSeen::Only(table) => self.table_has_key(table, key),
        }
    }

    /// Whether a clause's table holds the customer with this key (its
    /// ids are keys, or ordinals when the index numbers customers).
    fn table_has_key(&self, table: &Table, key: u64) -> bool {
        match self.read.ordinals.as_deref() {
            None => table.get(key).is_some(),
            Some(ordinals) => ordinals
                .ordinal_of
                .get(&key)
                .is_some_and(|&ordinal| table.get(u64::from(ordinal)).is_some()),
        }
    }

    /// Calls `each` with every live document of `kind` in `segment`.
    ///
    /// Fails when the segment's postings cannot be read.
    fn each_live_doc_of_kind(
        &self,
        segment: &tantivy::SegmentReader,
        kind: &str,
        mut each: impl FnMut(tantivy::DocId),
    ) -> Result<()> {
        use tantivy::DocSet as _;
        let term = Term::from_field_text(self.read.fields.kind, kind);
        let postings = segment
            .inverted_index(self.read.fields.kind)
            .map_err(|e| Error::index(self.location.index_dir(), e))?;
        let Some(mut docs) = postings
            .read_postings(&term, IndexRecordOption::Basic)
            .map_err(|e| Error::io(self.location.index_dir(), e))?
        else {
            return Ok(());
        };
        while docs.doc() != tantivy::TERMINATED {
            let doc = docs.doc();
            if !segment.is_deleted(doc) {
                each(doc);
            }
            docs.advance();
        }
        Ok(())
    }

    /// The customers whose private documents count for the reader.
    pub(super) fn private_customers(&self) -> Result<PrivateSeen> {
        if self.reader.sees_all() {
            return Ok(PrivateSeen::All);
        }
        let own = self.reader.own_key();
        Ok(PrivateSeen::Only(
            self.customers_owned_by_cached(Whose::Private, vec![own])?,
        ))
    }

    /// `customers_owned_by`, from the watcher's tables of this commit when
    /// it has run already (`VisibleTables`); a one-shot search (no
    /// `Ordinals`) runs it.
    fn customers_owned_by_cached(&self, whose: Whose, owners: Vec<&str>) -> Result<Arc<Table>> {
        let Some(ordinals) = self.read.ordinals.as_deref() else {
            return Ok(Arc::new(self.customers_owned_by(owners.into_iter())?));
        };
        let key = (whose, owners.iter().map(|o| (*o).to_owned()).collect());
        let generation = self.read.generation();
        if let Some(table) = ordinals.visible.get(generation, &key) {
            return Ok(table);
        }
        let table = match self.customers_owned_by(owners.into_iter())? {
            Table::Ordinals(dense) => Table::Ordinals(dense.listed()),
            keys => keys,
        };
        let table = Arc::new(table);
        ordinals.visible.put(generation, key, Arc::clone(&table));
        Ok(table)
    }

    /// The profiles whose `owner_key` is one of `owners`, as a clause's
    /// table with score 0.
    fn customers_owned_by<'o>(&self, owners: impl Iterator<Item = &'o str>) -> Result<Table> {
        let query = ConstScoreQuery::new(owned_by(self.read.fields.owner_key, owners), 0.0);
        // Scoring enabled, or tantivy drops the constant and scores 1; the
        // terms inside are not scored either way.
        let weight = query
            .weight(EnableScoring::enabled_from_searcher(&self.read.searcher))
            .map_err(|e| Error::index(self.location.index_dir(), e))?;
        self.run(weight.as_ref())
    }
}

/// Which clause a table of `VisibleTables` is: the customers a reader may
/// see, or those whose private documents count for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Whose {
    Visible,
    Private,
}

/// The visibility clauses a watcher has run on its current commit, by
/// clause and owner keys (sorted), so a reader's second search does not
/// run them again: the clause is the same table, intersected the same way
/// (`Searcher::search`), only not recomputed. A new commit (other
/// segments, or other deletes in one) empties it: an owner changed in a
/// file is a new commit. A changed team file changes the owner keys, so
/// it is another entry. Kept in `Ordinals`, which lives as long as the
/// watcher's index.
#[derive(Default)]
pub(super) struct VisibleTables {
    tables: Mutex<Option<(Generation, TablesByKey)>>,
}

/// The tables of one commit.
type TablesByKey = rustc_hash::FxHashMap<TableKey, Arc<Table>>;

/// A table's clause and owner keys.
type TableKey = (Whose, Vec<String>);

impl VisibleTables {
    /// More readers than a team has: the tables are dropped then, so a
    /// stream of changing team files cannot grow them without bound.
    const MOST: usize = 256;

    /// The table of `key` run on `generation`, if it has been.
    fn get(&self, generation: &Generation, key: &TableKey) -> Option<Arc<Table>> {
        let tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        match &*tables {
            Some((current, by_key)) if current == generation => by_key.get(key).cloned(),
            _ => None,
        }
    }

    /// Keeps the table of `key` run on `generation`, dropping those of any
    /// other commit.
    fn put(&self, generation: &Generation, key: TableKey, table: Arc<Table>) {
        let mut tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        let entry = tables.get_or_insert_with(|| (generation.clone(), Default::default()));
        if &entry.0 != generation || entry.1.len() >= Self::MOST {
            *entry = (generation.clone(), Default::default());
        }
        entry.1.insert(key, table);
    }
}

impl std::fmt::Debug for VisibleTables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tables = self.tables.lock().unwrap_or_else(|e| e.into_inner());
        let count = tables.as_ref().map_or(0, |(_, by_key)| by_key.len());
        write!(f, "VisibleTables({count} tables)")
    }
}

impl Clone for VisibleTables {
    /// A copy of the customer numbers for another commit starts empty.
    fn clone(&self) -> Self {
        VisibleTables::default()
    }
}

/// How many records of each kind a reader may see (`status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VisibleCounts {
    /// Customers they may see.
    pub customers: u64,
    /// Meeting notes linked to one of them.
    pub meetings: u64,
    /// Visit reports linked to one of them.
    pub visits: u64,
}

impl Searcher<'_> {
    /// How many customers, meetings and visits the reader may see, through
    /// the same visibility clause as every search.
    ///
    /// Fails with `Error::Index` when the index cannot be read.
    pub fn visible_counts(&mut self) -> Result<VisibleCounts> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let kind_docs = |kind: &str| {
            self.read
                .searcher
                .doc_freq(&Term::from_field_text(self.read.fields.kind, kind))
        };
        let Some(visible) = self.visible_customers()? else {
            // Deleted documents are counted until a merge, as before.
            return Ok(VisibleCounts {
                customers: kind_docs("customer").map_err(index_error)?,
                meetings: kind_docs("meeting").map_err(index_error)?,
                visits: kind_docs("visit").map_err(index_error)?,
            });
        };
        let sees = |key: u64| self.table_has_key(&visible, key);
        let mut counts = VisibleCounts {
            customers: visible.len() as u64,
            ..VisibleCounts::default()
        };
        for (kind, count) in [
            ("meeting", &mut counts.meetings),
            ("visit", &mut counts.visits),
        ] {
            for segment in self.read.searcher.segment_readers() {
                let keys = segment
                    .fast_fields()
                    .u64(crate::schema::names::CUST)
                    .map_err(index_error)?;
                self.each_live_doc_of_kind(segment, kind, |doc| {
                    if keys.values_for_doc(doc).any(sees) {
                        *count += 1;
                    }
                })?;
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Location;
    use crate::search::SearchOptions;
    use crate::team::{Reader, Team};

    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).expect("create a folder");
        for entry in std::fs::read_dir(from).expect("read the fixture") {
            let entry = entry.expect("an entry");
            let target = to.join(entry.file_name());
            if entry.file_type().expect("a type").is_dir() {
                copy(&entry.path(), &target);
            } else if entry.file_name() != ".dossier" {
                std::fs::copy(entry.path(), target).expect("copy a file");
            }
        }
    }

    /// A copy of `fixtures/team` (the folder, where its knowledge base is,
    /// its location), indexed.
    fn indexed_team() -> Result<(tempfile::TempDir, std::path::PathBuf, Location)> {
        let scratch = tempfile::tempdir().expect("temp dir");
        let kb = scratch.path().join("kb");
        copy(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/team"),
            &kb,
        );
        let location = Location::new(&kb, Some(&scratch.path().join("index")))?;
        crate::testing::index_folder(&location)?;
        Ok((scratch, kb, location))
    }

    /// A watcher runs a reader's visibility clause once per commit: a
    /// customer given to her in a file is hers at the next commit, one
    /// taken away is gone, and a reader of other owner keys (a changed
    /// team file) gets their own table.
    #[test]
    fn a_watchers_visible_customers_follow_each_commit() -> Result<()> {
        let (_scratch, kb, location) = indexed_team()?;
        let team = Team::load(&kb)?.expect("the fixture has a team file");
        let (liu, mark) = (team.reader("刘芳")?, team.reader("Mark Liu")?);
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
        let every = crate::query::parse("*", today)?;
        let mut live = crate::index::LiveIndex::new();
        let ids = |live: &mut crate::index::LiveIndex, reader: &Reader| -> Result<Vec<String>> {
            let read = live.current(&location)?;
            let found =
                Searcher::new(&read, &location, reader).search(&every, SearchOptions::new(20))?;
            let mut ids: Vec<String> = found.hits.into_iter().map(|h| h.id).collect();
            ids.sort();
            Ok(ids)
        };
        for _ in 0..2 {
            assert_eq!(ids(&mut live, &liu)?, ["t01", "t02", "t06"]);
            assert_eq!(ids(&mut live, &mark)?, ["t03", "t04", "t06"]);
        }
        // t03 passes from Mark Liu to 刘芳.
        let t03 = kb.join("customers/t03.json");
        let text = std::fs::read_to_string(&t03).expect("read t03");
        std::fs::write(&t03, text.replace("\"Mark Liu\"", "\"刘芳\"")).expect("write t03");
        crate::testing::index_folder(&location)?;
        for _ in 0..2 {
            assert_eq!(ids(&mut live, &liu)?, ["t01", "t02", "t03", "t06"]);
            assert_eq!(ids(&mut live, &mark)?, ["t04", "t06"]);
        }
        Ok(())
    }

    /// By key (a one-shot search) and by ordinal (a watcher), every reader
    /// of `fixtures/team` gets the same answer, which holds only the
    /// customers they may see and private matches of their own only.
    #[test]
    fn every_reader_gets_the_same_answer_by_key_and_by_ordinal() -> Result<()> {
        let (_scratch, kb, location) = indexed_team()?;
        let by_key = crate::index::open_for_search(&location)?;
        let by_ordinal = crate::index::LiveIndex::new().current(&location)?;
        assert!(by_ordinal.ordinals.is_some());
        let team = Team::load(&kb)?.expect("the fixture has a team file");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
        let readers: Vec<(Reader, &[&str])> = vec![
            (team.reader("刘芳")?, &["t01", "t02", "t06"]),
            (team.reader("Mark Liu")?, &["t03", "t04", "t06"]),
            (team.reader("陈杰")?, &["t01", "t02", "t05", "t06"]),
            (
                team.reader("Boss")?,
                &["t01", "t02", "t03", "t04", "t05", "t06", "t07"],
            ),
            (
                Reader::everyone(),
                &["t01", "t02", "t03", "t04", "t05", "t06", "t07"],
            ),
        ];
        let queries = [
            "蓝海项目",
            "IBM",
            "likes:话剧",
            "潜水",
            "13800001111",
            "蓝海项目 IBM",
            "*",
            "-likes:golf",
            "likes:golf OR 蓝海项目",
            "birthday:next-week",
            "birthday:this-month OR likes:话剧",
            "contacts.mobile:138",
            "family:潜水",
        ];
        let sorts = [
            crate::search::Sort::Score,
            crate::search::Sort::Name,
            crate::search::Sort::Date,
        ];
        for (reader, visible) in &readers {
            for text in queries {
                let query = crate::query::parse(text, today)?;
                for (limit, sort) in [1, 20].into_iter().flat_map(|l| sorts.map(|s| (l, s))) {
                    let options = SearchOptions { limit, sort };
                    let one = Searcher::new(&by_key, &location, reader).search(&query, options)?;
                    let other =
                        Searcher::new(&by_ordinal, &location, reader).search(&query, options)?;
                    assert_eq!(
                        other, one,
                        "{} {text} --limit {limit} {sort:?}",
                        reader.name
                    );
                    for hit in &one.hits {
                        assert!(
                            visible.contains(&hit.id.as_str()),
                            "{} {text}: {}",
                            reader.name,
                            hit.id
                        );
                    }
                }
            }
            // t01's private fields (刘芳's): a word, a keyed value, a birthday.
            let owner_or_admin = reader.may_see_private(Some("刘芳"));
            for text in ["潜水", "contacts.mobile:13800001111", "birthday:2026-12-02"] {
                let private = Searcher::new(&by_ordinal, &location, reader)
                    .search(&crate::query::parse(text, today)?, SearchOptions::new(20))?;
                let ids: Vec<&str> = private.hits.iter().map(|h| h.id.as_str()).collect();
                let expected: &[&str] = if owner_or_admin { &["t01"] } else { &[] };
                assert_eq!(ids, expected, "{} {text}", reader.name);
            }
        }
        Ok(())
    }
}
