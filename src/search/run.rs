//! Running a clause: per customer, its best score.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tantivy::query::Weight;
use tantivy::schema::Term;
use tantivy::{DocId, Score};

use super::Searcher;
use super::table::{ClauseResult, DenseResult, KeyScore, Table, score_bits};
use crate::document::{MORE_CUSTOMERS, PRIVATE_KEY};
use crate::error::{Error, Result};
use crate::index::Location;
use crate::record::Kind;
use crate::schema::names;

/// Dense numbers for the customers of an index kept open (`LiveIndex`):
/// every customer key gets an ordinal, and every document of a segment its
/// customer's ordinal, read once per segment. A clause's table is then a
/// plain array indexed by ordinal (`DenseResult`) instead of a hash table
/// keyed by the 63-bit key, and a document's customer is a 4-byte array
/// read in document order instead of a bit-packed 8-byte column. Building
/// a segment's numbers reads its whole column and looks every key up
/// (about 140 ms for the 400,000 documents of the benchmark corpus), which
/// pays off only in a process that searches again and again, and does it
/// before the first search (`Service::warm` in the binary): one-shot
/// searches keep the hash table.
#[derive(Debug, Clone, Default)]
pub struct Ordinals {
    /// Ordinal → customer key.
    pub(super) keys: Vec<u64>,
    /// Customer key → ordinal.
    pub(super) ordinal_of: rustc_hash::FxHashMap<u64, u32>,
    /// Per segment, the ordinals of its documents' customers.
    pub(super) segments:
        rustc_hash::FxHashMap<tantivy::index::SegmentId, std::sync::Arc<SegmentOrdinals>>,
    /// The visibility clauses run on the current commit, by reader.
    pub(super) visible: super::visibility::VisibleTables,
}

/// The customers of each document of one segment.
#[derive(Debug)]
pub(super) struct SegmentOrdinals {
    /// Per document: its customer's ordinal; `NO_ORDINAL`; or, for a
    /// document of several customers, `MORE_ORDINALS` plus where their
    /// list starts in `more`.
    pub(super) documents: Vec<u32>,
    /// Lists of ordinals, each after its length.
    pub(super) more: Vec<u32>,
}

/// A document of several customers: the low bits say where their list is.
pub(super) const MORE_ORDINALS: u32 = 1 << 31;
/// A document of no customer.
pub(super) const NO_ORDINAL: u32 = u32::MAX;
/// In a list of `more`: the ordinal of a customer whose private document
/// this is (see `visibility`).
pub(super) const PRIVATE_ORDINAL: u32 = 1 << 31;

impl SegmentOrdinals {
    /// Calls `take` with the ordinal of every customer of `doc`, and
    /// whether `doc` is that customer's private document.
    #[inline]
    pub(super) fn for_each(&self, doc: DocId, mut take: impl FnMut(u32, bool)) {
        match self.documents[doc as usize] {
            NO_ORDINAL => {}
            ordinal if ordinal & MORE_ORDINALS == 0 => take(ordinal, false),
            more => {
                let start = (more & !MORE_ORDINALS) as usize;
                let count = self.more[start] as usize;
                for &ordinal in &self.more[start + 1..start + 1 + count] {
                    take(ordinal & !PRIVATE_ORDINAL, ordinal & PRIVATE_ORDINAL != 0);
                }
            }
        }
    }
}

impl Ordinals {
    /// Numbers the documents of every segment of `searcher` not numbered
    /// yet, and forgets segments it no longer has (merged or deleted).
    pub fn update(&mut self, searcher: &tantivy::Searcher, location: &Location) -> Result<()> {
        let index_error = |e| Error::index(location.index_dir(), e);
        let live: rustc_hash::FxHashSet<tantivy::index::SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.segment_id())
            .collect();
        self.segments.retain(|id, _| live.contains(id));
        for segment in searcher.segment_readers() {
            if self.segments.contains_key(&segment.segment_id()) {
                continue;
            }
            let (keys, first) = customer_columns(segment).map_err(index_error)?;
            let mut documents = Vec::with_capacity(segment.max_doc() as usize);
            let mut more = Vec::new();
            for doc in 0..segment.max_doc() {
                documents.push(match first.first(doc) {
                    None => NO_ORDINAL,
                    Some(key) if key & MORE_CUSTOMERS == 0 => self.ordinal(key),
                    Some(_) => {
                        let start = more.len();
                        more.push(0);
                        for key in keys.values_for_doc(doc) {
                            more.push(match key & PRIVATE_KEY {
                                0 => self.ordinal(key),
                                _ => self.ordinal(key & !PRIVATE_KEY) | PRIVATE_ORDINAL,
                            });
                        }
                        more[start] = (more.len() - start - 1) as u32;
                        MORE_ORDINALS | start as u32
                    }
                });
            }
            if more.len() >= (NO_ORDINAL & !MORE_ORDINALS) as usize
                || self.keys.len() >= MORE_ORDINALS as usize
            {
                return Err(Error::index(
                    location.index_dir(),
                    tantivy::TantivyError::InternalError(
                        "too many customers to number them".into(),
                    ),
                ));
            }
            self.segments.insert(
                segment.segment_id(),
                std::sync::Arc::new(SegmentOrdinals { documents, more }),
            );
        }
        Ok(())
    }

    pub(super) fn ordinal(&mut self, key: u64) -> u32 {
        let next = self.keys.len() as u32;
        let ordinal = *self.ordinal_of.entry(key).or_insert(next);
        if ordinal == next {
            self.keys.push(key);
        }
        ordinal
    }
}

/// A segment's customer columns: every key of each document (`cust`), and
/// its first key with `MORE_CUSTOMERS` set when it has more (`cust_first`).
pub(super) fn customer_columns(
    segment: &tantivy::SegmentReader,
) -> tantivy::Result<(
    tantivy::columnar::Column<u64>,
    tantivy::columnar::Column<u64>,
)> {
    let fast = segment.fast_fields();
    Ok((fast.u64(names::CUST)?, fast.u64(names::CUST_FIRST)?))
}

/// A clause that costs less (about the documents it visits; a phrase's
/// documents count about 10 times per term, for their positions) runs on
/// one thread: starting another costs more than it saves.
pub(super) const PARALLEL_MIN_COST: u64 = 40_000;
/// A clause runs on several threads only if it costs at least this many
/// times the keys it is expected to find (see `Searcher::run`).
pub(super) const PARALLEL_COST_PER_KEY: u64 = 4;
/// At most this many threads for one clause.
pub(super) const MAX_WORKERS: usize = 8;
/// Pieces per thread (`split_work`): enough that a thread which starts
/// late (a thread may wait milliseconds for a core) leaves its pieces to
/// the others, few enough that cutting segments into ranges costs little.
pub(super) const PIECES_PER_WORKER: usize = 4;

/// Runs `work` on `threads` threads, this one included (at least this
/// one), and returns what each returned, this thread's first.
pub(super) fn on_threads<T: Send>(threads: usize, work: impl Fn() -> T + Sync) -> Vec<T> {
    if threads <= 1 {
        return vec![work()];
    }
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(&work)).collect();
        let mut results = vec![work()];
        results.extend(
            helpers
                .into_iter()
                .map(|h| h.join().expect("a search thread never panics")),
        );
        results
    })
}

/// Part of a clause's work: a segment, whole or a range of its documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Piece {
    pub(super) segment: usize,
    /// `None` for the whole segment.
    pub(super) docs: Option<std::ops::Range<DocId>>,
}

/// Cuts a clause's work into about `count` pieces of like cost (`work`:
/// each segment's scorer cost and `max_doc`), in segment and document
/// order, for threads that take the next piece when done with one. A
/// segment that fits in one piece stays whole (tantivy's own loop, cheaper
/// per document than a range); a larger one is cut into ranges of
/// documents. Every segment is in some piece, even one whose cost is 0 (an
/// estimate).
pub(super) fn split_work(work: &[(u64, DocId)], count: usize) -> Vec<Piece> {
    let total: u64 = work.iter().map(|&(cost, _)| cost).sum();
    let size = total.div_ceil(count.max(1) as u64).max(1);
    let mut pieces = Vec::new();
    for (segment, &(cost, max_doc)) in work.iter().enumerate() {
        let cuts = cost.div_ceil(size).clamp(1, u64::from(max_doc.max(1)));
        if cuts == 1 {
            pieces.push(Piece {
                segment,
                docs: None,
            });
            continue;
        }
        let step = u64::from(max_doc).div_ceil(cuts);
        for i in 0..cuts {
            let start = (i * step).min(u64::from(max_doc)) as DocId;
            let end = ((i + 1) * step).min(u64::from(max_doc)) as DocId;
            if start < end {
                pieces.push(Piece {
                    segment,
                    docs: Some(start..end),
                });
            }
        }
    }
    pieces
}

/// When a clause runs on several threads (`Searcher::run`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Threads {
    pub(super) min_cost: u64,
    pub(super) cost_per_key: u64,
    /// `None`: one per core, at most `MAX_WORKERS`.
    pub(super) workers: Option<usize>,
}

impl Threads {
    /// How many threads run a clause that costs `cost` and may find
    /// `keys_hint` customers, by key or by ordinal (`dense`).
    ///
    /// By key, threads pay off where each match costs much work (a
    /// phrase's positions), not where the work is entering keys in the
    /// table: two threads filling one table pass its cache lines back and
    /// forth (`客户`, 222k documents of one term: no faster on two
    /// threads). By ordinal each thread fills an array of its own, so any
    /// large clause is shared out (`客户` held by a watcher: 6.0 → 3.2–3.9
    /// ms in `cargo bench --bench search`).
    pub(super) fn workers_for(&self, cost: u64, keys_hint: usize, dense: bool) -> usize {
        let heavy = cost >= self.min_cost
            && (dense || cost >= self.cost_per_key.saturating_mul(keys_hint as u64));
        match self.workers {
            _ if !heavy => 1,
            Some(workers) => workers,
            None => std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_WORKERS)),
        }
    }
}

impl Default for Threads {
    fn default() -> Self {
        Threads {
            min_cost: PARALLEL_MIN_COST,
            cost_per_key: PARALLEL_COST_PER_KEY,
            workers: None,
        }
    }
}

impl<'a> Searcher<'a> {
    /// Runs one clause over every live document: per customer, its best
    /// score. Documents are visited once, without a collector's
    /// intermediate list per segment. A clause that costs much (`cost`:
    /// documents to visit, times about 10 per phrase term) is run on every
    /// core: the threads take pieces of it (`split_work`) one after the
    /// other and fill one shared table (by key) or one array each (by
    /// ordinal).
    pub(super) fn run(&self, weight: &dyn Weight) -> Result<Table> {
        let (work, keys_hint) = self.work(weight)?;
        let cost: u64 = work.iter().map(|&(cost, _)| cost).sum();
        let ordinals = self.read.ordinals.as_deref();
        let workers = self
            .threads
            .workers_for(cost, keys_hint, ordinals.is_some());
        if let Some(ordinals) = ordinals {
            return Ok(Table::Ordinals(
                self.run_dense(weight, &work, workers, ordinals)?,
            ));
        }
        let profiles = Term::from_field_text(self.read.fields.kind, Kind::Customer.as_str());
        let customers = self.doc_freq(&profiles) as usize;
        if workers > 1
            && let Some(result) = self.run_shared(weight, &work, workers, customers)?
        {
            return Ok(Table::Keys(result));
        }
        // Room for the keys the clause can find: at most one per matching
        // document (its scorers' hint), and about one per customer profile
        // (a note may name a customer without one; the table grows then).
        let mut result = ClauseResult::with_room(keys_hint.min(customers));
        for piece in split_work(&work, 1) {
            self.run_piece(weight, &piece, &mut |batch| result.add_batch(batch))?;
        }
        Ok(Table::Keys(result))
    }

    /// A clause's work per segment (its scorer's cost and `max_doc`), and
    /// how many documents it expects to match (the scorers' size hints).
    pub(super) fn work(&self, weight: &dyn Weight) -> Result<(Vec<(u64, DocId)>, usize)> {
        let segments = self.read.searcher.segment_readers();
        let mut work = Vec::with_capacity(segments.len());
        let mut keys_hint = 0;
        for segment in segments {
            let scorer = weight
                .scorer(segment, 1.0)
                .map_err(|e| Error::index(self.location.index_dir(), e))?;
            keys_hint += scorer.size_hint() as usize;
            work.push((scorer.cost(), segment.max_doc()));
        }
        Ok((work, keys_hint))
    }

    /// `run` with customer ordinals: each thread fills a plain array of its
    /// own (no atomics, no cache lines passed between cores), and the
    /// arrays are merged by their maximum at the end.
    pub(super) fn run_dense(
        &self,
        weight: &dyn Weight,
        work: &[(u64, DocId)],
        workers: usize,
        ordinals: &Ordinals,
    ) -> Result<DenseResult> {
        let pieces = split_work(work, workers * PIECES_PER_WORKER);
        let next = AtomicUsize::new(0);
        let take_pieces = || -> Result<Vec<u32>> {
            let mut scores = vec![0u32; ordinals.keys.len()];
            while let Some(piece) = pieces.get(next.fetch_add(1, Ordering::Relaxed)) {
                self.run_piece_dense(weight, piece, ordinals, &mut scores)?;
            }
            Ok(scores)
        };
        let mut tables = on_threads(workers.min(pieces.len()), take_pieces).into_iter();
        let mut scores = tables.next().expect("at least one table")?;
        for other in tables {
            for (best, bits) in scores.iter_mut().zip(other?) {
                *best = (*best).max(bits);
            }
        }
        Ok(DenseResult::new(scores))
    }

    /// `run_piece` with customer ordinals, into a thread's own array.
    pub(super) fn run_piece_dense(
        &self,
        weight: &dyn Weight,
        piece: &Piece,
        ordinals: &Ordinals,
        scores: &mut [u32],
    ) -> Result<()> {
        let segment = &self.read.searcher.segment_readers()[piece.segment];
        let customers = ordinals
            .segments
            .get(&segment.segment_id())
            .ok_or_else(|| {
                Error::index(
                    self.location.index_dir(),
                    tantivy::TantivyError::InternalError(
                        "a segment without customer ordinals".into(),
                    ),
                )
            })?;
        let alive = segment.alive_bitset();
        let mut one = |doc: DocId, score: Score| {
            if alive.is_some_and(|alive| alive.is_deleted(doc)) {
                return;
            }
            let bits = score_bits(score) + 1;
            customers.for_each(doc, |ordinal, private| {
                // A private document counts only where its reader may see it.
                if !private || self.private_seen.allows(u64::from(ordinal)) {
                    let slot = &mut scores[ordinal as usize];
                    *slot = (*slot).max(bits);
                }
            });
        };
        self.for_each_match(weight, segment, piece, &mut one)
    }

    /// Calls `one` with every match of `weight` in a piece and its score.
    pub(super) fn for_each_match(
        &self,
        weight: &dyn Weight,
        segment: &tantivy::SegmentReader,
        piece: &Piece,
        one: &mut dyn FnMut(DocId, Score),
    ) -> Result<()> {
        use tantivy::DocSet as _;
        use tantivy::query::Scorer as _;
        let index_error = |e| Error::index(self.location.index_dir(), e);
        match &piece.docs {
            // The whole segment: tantivy's own loop, without a virtual call
            // per document.
            None => weight.for_each(segment, one).map_err(index_error)?,
            Some(docs) => {
                let mut scorer = weight.scorer(segment, 1.0).map_err(index_error)?;
                // `seek` must not go back: a fresh scorer already stands on
                // its first match, which may lie past the range's start.
                let mut doc = if scorer.doc() < docs.start {
                    scorer.seek(docs.start)
                } else {
                    scorer.doc()
                };
                while doc < docs.end {
                    one(doc, scorer.score());
                    doc = scorer.advance();
                }
            }
        }
        Ok(())
    }

    /// `run` on `workers` threads, or `None` if the shared table fills up.
    pub(super) fn run_shared(
        &self,
        weight: &dyn Weight,
        work: &[(u64, DocId)],
        workers: usize,
        customers: usize,
    ) -> Result<Option<ClauseResult>> {
        // Shared, the table cannot grow: room for a key per customer
        // profile and an eighth more. Should notes name more customers
        // that have no profile, the table fills up, and the clause runs
        // on one thread, which grows its table.
        let mut result = ClauseResult::with_room(customers + customers / 8);
        let pieces = split_work(work, workers * PIECES_PER_WORKER);
        let next = AtomicUsize::new(0);
        let full = AtomicBool::new(false);
        let shared = &result;
        let take_pieces = || -> Result<usize> {
            let mut added = 0;
            while let Some(piece) = pieces.get(next.fetch_add(1, Ordering::Relaxed)) {
                if full.load(Ordering::Relaxed) {
                    break;
                }
                self.run_piece(weight, piece, &mut |batch| {
                    if full.load(Ordering::Relaxed) {
                        return;
                    }
                    match shared.add_batch_shared(batch) {
                        Some(new) => added += new,
                        None => full.store(true, Ordering::Relaxed),
                    }
                })?;
            }
            Ok(added)
        };
        let added = on_threads(workers.min(pieces.len()), take_pieces);
        if full.into_inner() {
            return Ok(None);
        }
        for added in added {
            result.count_shared(added?);
        }
        Ok(Some(result))
    }

    /// Runs one clause over one piece of a segment, handing its matches'
    /// keys and scores to `take` in batches.
    pub(super) fn run_piece(
        &self,
        weight: &dyn Weight,
        piece: &Piece,
        take: &mut dyn FnMut(&[KeyScore]),
    ) -> Result<()> {
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let segment = &self.read.searcher.segment_readers()[piece.segment];
        // `first`: one value per document (its first customer), read
        // without the multi-value index of `cust`, which only the few
        // documents of several customers need.
        let (keys, first) = customer_columns(segment).map_err(index_error)?;
        let alive = segment.alive_bitset();
        let mut batch: Vec<(u64, Score)> = Vec::with_capacity(ClauseResult::BATCH + 8);
        let mut one = |doc: DocId, score: Score| {
            if alive.is_some_and(|alive| alive.is_deleted(doc)) {
                return;
            }
            match first.first(doc) {
                Some(key) if key & MORE_CUSTOMERS == 0 => batch.push((key, score)),
                // Several customers, or a customer's private document
                // (counted only where its reader may see it).
                Some(_) => {
                    for key in keys.values_for_doc(doc) {
                        if key & PRIVATE_KEY == 0 {
                            batch.push((key, score));
                        } else if self.private_seen.allows(key & !PRIVATE_KEY) {
                            batch.push((key & !PRIVATE_KEY, score));
                        }
                    }
                }
                None => {}
            }
            if batch.len() >= ClauseResult::BATCH {
                take(&batch);
                batch.clear();
            }
        };
        self.for_each_match(weight, segment, piece, &mut one)?;
        take(&batch);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tests search as the operator: no team file, nothing hidden.
    static EVERYONE: std::sync::LazyLock<crate::team::Reader> =
        std::sync::LazyLock::new(crate::team::Reader::everyone);
    use crate::search::*;

    #[test]
    fn split_work_covers_every_document_once() {
        // (name, per segment (cost, max_doc), pieces asked for, pieces
        // expected, segments left whole)
        type Case<'a> = (&'a str, &'a [(u64, DocId)], usize, usize, &'a [usize]);
        let cases: &[Case] = &[
            (
                "one thread: every segment whole",
                &[(500, 100), (9_000, 800)],
                1,
                2,
                &[0, 1],
            ),
            (
                "two like segments, two pieces",
                &[(100, 50), (100, 60)],
                2,
                2,
                &[0, 1],
            ),
            ("one segment cut in four", &[(4_000, 1_000)], 4, 4, &[]),
            (
                "a small segment stays whole",
                &[(7_000, 900), (100, 40)],
                8,
                9,
                &[1],
            ),
            ("cost 0 still runs", &[(0, 10), (0, 0)], 8, 2, &[0, 1]),
            ("more cuts than documents", &[(1_000, 3)], 8, 3, &[]),
            ("nothing to do", &[], 4, 0, &[]),
        ];
        for (name, work, count, expected, whole) in cases {
            let pieces = split_work(work, *count);
            assert_eq!(pieces.len(), *expected, "{name}: {pieces:?}");
            for (segment, &(_, max_doc)) in work.iter().enumerate() {
                let theirs: Vec<&Piece> = pieces.iter().filter(|p| p.segment == segment).collect();
                if whole.contains(&segment) {
                    assert_eq!(theirs.len(), 1, "{name}: segment {segment}");
                    assert_eq!(theirs[0].docs, None, "{name}: segment {segment}");
                    continue;
                }
                // Ranges in order, back to back, from 0 to max_doc.
                let mut next = 0;
                for piece in theirs {
                    let docs = piece.docs.clone().expect("a range");
                    assert_eq!(docs.start, next, "{name}: segment {segment}");
                    assert!(docs.start < docs.end, "{name}: segment {segment}");
                    next = docs.end;
                }
                assert_eq!(next, max_doc, "{name}: segment {segment}");
            }
        }
    }

    #[test]
    fn a_shared_table_that_fills_up_runs_the_clause_again_on_one_thread() -> Result<()> {
        // Three customers, and notes linked to 3,000 customers without a
        // profile: a shared table has room for the profiles (its smallest
        // size, 1,024 slots), so it fills up and the clause runs again on
        // one thread. Customers without a profile are never counted.
        let kb = tempfile::tempdir().expect("temp dir");
        let write =
            |path: &str, text: String| crate::testing::write_files(kb.path(), &[(path, text)]);
        for i in 0..3 {
            write(
                &format!("customers/c{i}.json"),
                format!(r#"{{"id": "c{i}", "name": "客户{i}"}}"#),
            );
            write(
                &format!("meetings/c{i}.json"),
                format!(r#"{{"id": "mc{i}", "customer": "c{i}", "text": "计费系统选型"}}"#),
            );
        }
        for i in 0..3_000 {
            write(
                &format!("meetings/x{i}.json"),
                format!(r#"{{"id": "mx{i}", "customer": "x{i}", "text": "计费系统升级"}}"#),
            );
        }
        let state = tempfile::tempdir().expect("temp dir");
        let location = Location::new(kb.path(), Some(state.path()))?;
        crate::testing::index_folder(&location)?;
        let read = crate::index::open_for_search(&location)?;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
        let query = crate::query::parse("计费系统", today)?;
        let options = SearchOptions::new(10);
        let one = Searcher::new(&read, &location, &EVERYONE).search(&query, options)?;
        assert_eq!(one.total, 3, "{one:?}");
        let mut searcher = Searcher::new(&read, &location, &EVERYONE);
        searcher.threads = Threads {
            min_cost: 0,
            cost_per_key: 0,
            workers: Some(2),
        };
        let mut notices = Vec::new();
        let plan = searcher
            .plan(&query.clauses[0], Default::default(), &mut notices)?
            .expect("a free word has a plan");
        let weight = plan
            .query
            .weight(EnableScoring::enabled_from_searcher(&read.searcher))
            .expect("a weight");
        let (work, _) = searcher.work(weight.as_ref())?;
        assert!(
            searcher.run_shared(weight.as_ref(), &work, 2, 3)?.is_none(),
            "the shared table fills up"
        );
        assert_eq!(searcher.search(&query, options)?, one);
        Ok(())
    }

    #[test]
    fn a_clause_finds_the_same_on_many_threads_and_by_ordinal() -> Result<()> {
        let state = tempfile::tempdir().expect("temp dir");
        let kb = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/kb");
        let location = Location::new(&kb, Some(state.path()))?;
        crate::testing::index_folder(&location)?;
        let read = crate::index::open_for_search(&location)?;
        // The same index kept open: customers numbered (`Ordinals`).
        let mut live = crate::index::LiveIndex::new();
        let numbered = live.current(&location)?;
        assert!(numbered.ordinals.is_some());
        // Released and opened again, it keeps its segments' numbers (the
        // same lists, not numbered again).
        live.release();
        assert!(!live.is_open());
        let reopened = live.current(&location)?;
        assert!(live.is_open());
        let before = &numbered.ordinals.as_ref().expect("numbered").segments;
        let after = &reopened.ordinals.as_ref().expect("numbered").segments;
        assert!(!before.is_empty());
        for (segment, documents) in before {
            assert!(std::sync::Arc::ptr_eq(documents, &after[segment]));
        }
        let queries = [
            "话剧",
            "客户",
            "计费系统",
            "budget",
            "\"data center\"",
            "\"数据 安全\"",
            "likes:theatre",
            "mentions:联想",
            "travel:北京 when:next-month",
            "IBM 话剧",
            "系",
        ];
        for text in queries {
            let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
            let query = crate::query::parse(text, today)?;
            let options = SearchOptions::new(50);
            let one = Searcher::new(&read, &location, &EVERYONE).search(&query, options)?;
            for (read, how) in [
                (&read, "by key"),
                (&numbered, "by ordinal"),
                (&reopened, "by ordinal, reopened"),
            ] {
                for workers in [1, 2, 3] {
                    let mut searcher = Searcher::new(read, &location, &EVERYONE);
                    searcher.threads = Threads {
                        min_cost: 0,
                        cost_per_key: 0,
                        workers: Some(workers),
                    };
                    let many = searcher.search(&query, options)?;
                    assert_eq!(many, one, "{text} on {workers} threads, {how}");
                }
            }
            assert!(
                one.total > 0 || text.starts_with("travel:"),
                "{text} finds something"
            );
        }
        Ok(())
    }

    #[test]
    fn by_ordinal_a_search_counts_and_ranks_as_by_key() -> Result<()> {
        // Ties (c01–c06 say the same), better scores (c07–c10), a customer
        // without the word (c11), and notes of a customer with no profile
        // (c404), which is never counted.
        let scratch = tempfile::tempdir().expect("temp dir");
        let kb = scratch.path().join("kb");
        let mut files: Vec<(String, String)> = Vec::new();
        for n in 1..=11 {
            let notes = match n {
                1..=6 => "喜欢话剧",
                7..=10 => "话剧 话剧 话剧 很喜欢",
                _ => "喜欢钓鱼",
            };
            files.push((
                format!("customers/c{n:02}.json"),
                format!(r#"{{"id": "c{n:02}", "name": "客户{n}", "notes": "{notes}"}}"#),
            ));
        }
        files.push((
            "meetings/m1.json".into(),
            r#"{"id": "m1", "customer": "c404", "text": "话剧 话剧 话剧 话剧"}"#.into(),
        ));
        files.push((
            "meetings/m2.json".into(),
            r#"{"id": "m2", "customers": ["c01", "c404"], "text": "喜欢话剧"}"#.into(),
        ));
        crate::testing::write_files(&kb, &files);
        let location = Location::new(&kb, Some(&scratch.path().join("index")))?;
        crate::testing::index_folder(&location)?;
        let by_key = crate::index::open_for_search(&location)?;
        let by_ordinal = crate::index::LiveIndex::new().current(&location)?;
        assert!(by_ordinal.ordinals.is_some());
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
        for (text, total) in [("话剧", 10), ("喜欢", 11), ("话剧 喜欢", 10)] {
            let query = crate::query::parse(text, today)?;
            for limit in [0, 1, 2, 3, 5, 7, 20] {
                let options = SearchOptions::new(limit);
                let one = Searcher::new(&by_key, &location, &EVERYONE).search(&query, options)?;
                let other =
                    Searcher::new(&by_ordinal, &location, &EVERYONE).search(&query, options)?;
                assert_eq!(other, one, "{text} --limit {limit}");
                assert_eq!(one.total, total, "{text}: c404 is not counted");
                assert_eq!(one.hits.len(), limit.min(total), "{text} --limit {limit}");
            }
        }
        Ok(())
    }

    #[test]
    fn large_clauses_run_on_every_core_where_threads_pay_off() {
        let threads = Threads {
            workers: Some(2),
            ..Threads::default()
        };
        let phrase = PARALLEL_MIN_COST * 10;
        // (cost, keys it may find, by ordinal, threads)
        let table = [
            (PARALLEL_MIN_COST - 1, 1, false, 1),
            (PARALLEL_MIN_COST - 1, 1, true, 1),
            // A phrase: much work per match.
            (phrase, (phrase / PARALLEL_COST_PER_KEY) as usize, false, 2),
            (phrase, (phrase / PARALLEL_COST_PER_KEY) as usize, true, 2),
            // One broad term: a key per match; shared out only by ordinal.
            (222_000, 222_000, false, 1),
            (222_000, 222_000, true, 2),
        ];
        for (cost, keys, dense, expected) in table {
            assert_eq!(
                threads.workers_for(cost, keys, dense),
                expected,
                "cost {cost}, {keys} keys, by ordinal: {dense}"
            );
        }
    }
}
