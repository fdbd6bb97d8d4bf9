//! Typed query → tantivy queries → hits grouped by customer. Each clause is
//! run on its own and yields, per customer, its best score; the clauses are
//! then intersected by customer (AND), so a customer whose
//! profile says 话剧 and whose meeting note says IBM is found by
//! `话剧 IBM`. One hit per customer, never two.

use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

use serde_json::{Map, Value};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhrasePrefixQuery, Query as TantivyQuery,
    RangeQuery, RegexQuery, TermQuery,
};
use tantivy::query::{EnableScoring, Weight};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal};

use crate::analysis::{Gram, grams, normalize_word, runs};
use crate::dates::{DateRange, to_days};
use crate::document::{
    MORE_CUSTOMERS, RAW_PREFIX, TRIP_KIND, entries, entry_name, text_values, trip_city, trip_dates,
};
use crate::error::{Error, Result};
use crate::fold::{fold, is_cjk};
use crate::index::{Location, Profiles, ReadIndex, StoredRecord};
use crate::query::{Clause, ProfileField, Query};
use crate::record::Kind;
use crate::schema::names;
use crate::snippet::{self, Needle};
use crate::vocab::{Group, Vocabulary, alias_key};

/// How many documents per clause and customer are kept to explain a hit.
const MATCHES_PER_CLAUSE: usize = 3;

/// Options of one search.
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// At most this many hits.
    pub limit: usize,
}

/// Why a customer was found: one document and the text that matched.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Match {
    /// The file, relative to the knowledge base.
    pub path: String,
    /// customer, meeting or visit.
    pub kind: String,
    /// The record field that matched (`text`, `interests`, `itinerary` …).
    pub field: String,
    /// Original text around the match.
    pub snippet: String,
    /// Char range of the match inside the snippet.
    pub highlight: Option<(usize, usize)>,
    /// The query term this match answers.
    pub term: String,
    /// The date of the note, for ordering.
    pub date: Option<String>,
}

/// A trip that matched a `travel:`/`when:` term.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Trip {
    /// The city as written.
    pub city: String,
    /// First day, as written.
    pub from: Option<String>,
    /// Last day, as written.
    pub to: Option<String>,
    /// Why they travel.
    pub purpose: Option<String>,
}

/// One customer found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    /// Customer id.
    pub id: String,
    /// Customer name.
    pub name: String,
    /// Sum of the clauses' best scores.
    pub score: f32,
    /// The customer's profile file.
    pub path: String,
    /// The profile as written.
    pub profile: Map<String, Value>,
    /// Why it was found.
    pub matches: Vec<Match>,
    /// Trips that matched, by date.
    pub trips: Vec<Trip>,
}

/// The answer to a query.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SearchResult {
    /// The query as understood, printed back.
    pub query: String,
    /// Customers found in all (hits may be fewer, cut at the limit).
    pub total: usize,
    /// The best customers, best first.
    pub hits: Vec<Hit>,
    /// Things the user should know about how the query was read.
    pub notices: Vec<String>,
}

/// One clause's best score per customer key, in an open-addressing table
/// with linear probing: a broad term's 200k documents cost a cache miss or
/// two each, with no list of every match and no sort. Which documents
/// explain a customer is asked again only for the few customers shown
/// (`Searcher::explaining`).
///
/// A one-shot search pays a page fault (about 2 µs here) for every page of
/// the table it touches, so a slot is 12 bytes (a key and a score, in two
/// arrays) and the table is sized once from an estimate of the keys
/// (`with_room`) instead of growing through every power of two.
///
/// One thread fills it through `&mut self` (`add`, `add_batch`: plain
/// loads and stores, growing as needed). Several threads fill it at once
/// through `&self` (`add_shared`, `add_batch_shared`: a compare-and-swap
/// claims a slot, the best score is kept with an atomic maximum); such a
/// table cannot grow, and says so when it is too full.
struct ClauseResult {
    /// Key 0 marks an empty slot; the length is a power of two.
    keys: Vec<AtomicU64>,
    /// The bits of each slot's best score (`score_bits`).
    scores: Vec<AtomicU32>,
    /// The bits of key 0's best score plus one (0: key 0 not found), since
    /// key 0 cannot live in a slot.
    zero: AtomicU32,
    /// Keys entered through `&mut self`; those entered through `&self`
    /// are counted by their callers and added by `count_shared`.
    len: usize,
}

/// A score as bits that order like the scores: scores are never negative
/// (BM25, boosts and constant 0), and a negative or NaN one counts as 0.
fn score_bits(score: Score) -> u32 {
    if score > 0.0 { score.to_bits() } else { 0 }
}

impl ClauseResult {
    /// The smallest table.
    const MIN_BITS: u32 = 10;

    /// A table for about `keys` keys; it grows if more come.
    fn with_room(keys: usize) -> Self {
        // The table grows past 3/4 full; an estimate that fills it that
        // much more is rare, and a smaller table faults in fewer pages.
        Self::with_slots((keys + keys / 8 + 1).next_power_of_two())
    }

    fn with_slots(wanted: usize) -> Self {
        let slots = wanted.max(1 << Self::MIN_BITS);
        // Zeros the compiler cannot see: known zeros would make this a
        // `calloc` of untouched pages, and every page would then fault
        // twice, on the first read (`touch`) and again on the first write.
        let zero = std::hint::black_box(0);
        ClauseResult {
            keys: (0..slots).map(|_| AtomicU64::new(zero)).collect(),
            scores: (0..slots).map(|_| AtomicU32::new(zero as u32)).collect(),
            zero: AtomicU32::new(0),
            len: 0,
        }
    }

    fn home(&self, key: u64) -> usize {
        // Fibonacci hashing: ids that differ in their last character have
        // FNV hashes with alike top bits, and would pile up unmixed.
        let mixed = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> (64 - self.keys.len().trailing_zeros())) as usize
    }

    fn add(&mut self, key: u64, score: Score) {
        let bits = score_bits(score);
        if key == 0 {
            let zero = self.zero.get_mut();
            self.len += usize::from(*zero == 0);
            *zero = (*zero).max(bits + 1);
            return;
        }
        if (self.len + 1) * 4 > self.keys.len() * 3 {
            self.grow();
        }
        let mask = self.keys.len() - 1;
        let mut i = self.home(key);
        loop {
            let found = self.keys[i].get_mut();
            if *found == 0 {
                *found = key;
                *self.scores[i].get_mut() = bits;
                self.len += 1;
                return;
            }
            if *found == key {
                let best = self.scores[i].get_mut();
                *best = (*best).max(bits);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Like `add`, from any thread. Returns whether the key is new, or
    /// `None` when the table is too full to take it (a probe longer than
    /// `MAX_PROBE`): the table cannot grow while shared.
    fn add_shared(&self, key: u64, score: Score) -> Option<bool> {
        let bits = score_bits(score);
        if key == 0 {
            return Some(self.zero.fetch_max(bits + 1, Ordering::Relaxed) == 0);
        }
        let mask = self.keys.len() - 1;
        let mut i = self.home(key);
        for _ in 0..Self::MAX_PROBE {
            let mut found = self.keys[i].load(Ordering::Relaxed);
            let mut new = false;
            if found == 0 {
                match self.keys[i].compare_exchange(0, key, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => {
                        found = key;
                        new = true;
                    }
                    Err(other) => found = other,
                }
            }
            if found == key {
                // Scores start at 0 bits, the least, so whichever thread
                // comes first the maximum is kept.
                if self.scores[i].load(Ordering::Relaxed) < bits {
                    self.scores[i].fetch_max(bits, Ordering::Relaxed);
                }
                return Some(new);
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// Adds keys found by other threads' `add_shared` to the count.
    fn count_shared(&mut self, added: usize) {
        self.len += added;
    }

    /// Keys entered together by `add_batch`.
    const BATCH: usize = 64;
    /// The longest probe `add_shared` makes before calling the table full:
    /// at the 3/4 load `add` grows at, an average probe is under 9 slots.
    const MAX_PROBE: usize = 256;

    /// Reads the home slots of many keys at once, so the cache misses of
    /// a large table overlap instead of coming one after the other
    /// (`客户`: 222k documents, about half its time before).
    fn touch(&self, entries: &[(u64, Score)]) {
        let mut touched = 0;
        for &(key, _) in entries {
            let i = self.home(key);
            touched ^= self.keys[i].load(Ordering::Relaxed);
            touched ^= u64::from(self.scores[i].load(Ordering::Relaxed));
        }
        std::hint::black_box(touched);
    }

    /// Adds many keys, their cache misses overlapped.
    fn add_batch(&mut self, entries: &[(u64, Score)]) {
        while (self.len + entries.len()) * 4 > self.keys.len() * 3 {
            self.grow();
        }
        self.touch(entries);
        for &(key, score) in entries {
            self.add(key, score);
        }
    }

    /// Like `add_batch`, from any thread. Returns how many keys are new,
    /// or `None` when the table is too full (`add_shared`).
    fn add_batch_shared(&self, entries: &[(u64, Score)]) -> Option<usize> {
        self.touch(entries);
        let mut added = 0;
        for &(key, score) in entries {
            added += usize::from(self.add_shared(key, score)?);
        }
        Some(added)
    }

    fn grow(&mut self) {
        let doubled = Self::with_slots(self.keys.len() * 2);
        let old = std::mem::replace(self, doubled);
        let zero = old.zero.into_inner();
        if zero != 0 {
            *self.zero.get_mut() = zero;
            self.len = 1;
        }
        for (key, score) in old.keys.into_iter().zip(old.scores) {
            let key = key.into_inner();
            if key != 0 {
                self.add(key, Score::from_bits(score.into_inner()));
            }
        }
    }

    fn get(&self, key: u64) -> Option<Score> {
        if key == 0 {
            let zero = self.zero.load(Ordering::Relaxed);
            return (zero != 0).then(|| Score::from_bits(zero - 1));
        }
        let mask = self.keys.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.keys[i].load(Ordering::Relaxed) {
                0 => return None,
                found if found == key => {
                    return Some(Score::from_bits(self.scores[i].load(Ordering::Relaxed)));
                }
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn iter(&self) -> impl Iterator<Item = (u64, Score)> + '_ {
        let zero = self.get(0).map(|score| (0, score));
        self.keys
            .iter()
            .zip(&self.scores)
            .map(|(key, score)| {
                (
                    key.load(Ordering::Relaxed),
                    Score::from_bits(score.load(Ordering::Relaxed)),
                )
            })
            .filter(|&(key, _)| key != 0)
            .chain(zero)
    }
}

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
    keys: Vec<u64>,
    /// Customer key → ordinal.
    ordinal_of: rustc_hash::FxHashMap<u64, u32>,
    /// Per segment, the ordinals of its documents' customers.
    segments: rustc_hash::FxHashMap<tantivy::index::SegmentId, std::sync::Arc<SegmentOrdinals>>,
}

/// The customers of each document of one segment.
#[derive(Debug)]
struct SegmentOrdinals {
    /// Per document: its customer's ordinal; `NO_ORDINAL`; or, for a
    /// document of several customers, `MORE_ORDINALS` plus where their
    /// list starts in `more`.
    documents: Vec<u32>,
    /// Lists of ordinals, each after its length.
    more: Vec<u32>,
}

/// A document of several customers: the low bits say where their list is.
const MORE_ORDINALS: u32 = 1 << 31;
/// A document of no customer.
const NO_ORDINAL: u32 = u32::MAX;

impl SegmentOrdinals {
    /// Calls `take` with the ordinal of every customer of `doc`.
    #[inline]
    fn for_each(&self, doc: DocId, mut take: impl FnMut(u32)) {
        match self.documents[doc as usize] {
            NO_ORDINAL => {}
            ordinal if ordinal & MORE_ORDINALS == 0 => take(ordinal),
            more => {
                let start = (more & !MORE_ORDINALS) as usize;
                let count = self.more[start] as usize;
                for &ordinal in &self.more[start + 1..start + 1 + count] {
                    take(ordinal);
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
                            more.push(self.ordinal(key));
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

    fn ordinal(&mut self, key: u64) -> u32 {
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
fn customer_columns(
    segment: &tantivy::SegmentReader,
) -> tantivy::Result<(
    tantivy::columnar::Column<u64>,
    tantivy::columnar::Column<u64>,
)> {
    let fast = segment.fast_fields();
    Ok((fast.u64(names::CUST)?, fast.u64(names::CUST_FIRST)?))
}

/// One clause's best score per customer ordinal (see `Ordinals`): the
/// score's bits plus one, 0 for a customer the clause did not find.
struct DenseResult {
    scores: Vec<u32>,
    len: usize,
}

impl DenseResult {
    fn new(scores: Vec<u32>) -> Self {
        let len = scores.iter().filter(|&&bits| bits != 0).count();
        DenseResult { scores, len }
    }

    fn get(&self, ordinal: u64) -> Option<Score> {
        let bits = self.scores[ordinal as usize];
        (bits != 0).then(|| Score::from_bits(bits - 1))
    }

    fn for_each(&self, mut take: impl FnMut(u64, Score)) {
        for (ordinal, &bits) in self.scores.iter().enumerate() {
            if bits != 0 {
                take(ordinal as u64, Score::from_bits(bits - 1));
            }
        }
    }
}

/// A clause's best score per customer: by key (one-shot searches) or by
/// ordinal (an index kept open, see `Ordinals`).
enum Table {
    Keys(ClauseResult),
    Ordinals(DenseResult),
}

impl Table {
    fn len(&self) -> usize {
        match self {
            Table::Keys(table) => table.len(),
            Table::Ordinals(table) => table.len,
        }
    }

    fn get(&self, id: u64) -> Option<Score> {
        match self {
            Table::Keys(table) => table.get(id),
            Table::Ordinals(table) => table.get(id),
        }
    }

    fn for_each(&self, mut take: impl FnMut(u64, Score)) {
        match self {
            Table::Keys(table) => table.iter().for_each(|(key, score)| take(key, score)),
            Table::Ordinals(table) => table.for_each(take),
        }
    }
}

/// A clause that costs less (about the documents it visits; a phrase's
/// documents count about 10 times per term, for their positions) runs on
/// one thread: starting another costs more than it saves.
const PARALLEL_MIN_COST: u64 = 40_000;
/// A clause runs on several threads only if it costs at least this many
/// times the keys it is expected to find (see `Searcher::run`).
const PARALLEL_COST_PER_KEY: u64 = 4;
/// At most this many threads for one clause.
const MAX_WORKERS: usize = 8;
/// Pieces per thread (`split_work`): enough that a thread which starts
/// late (a thread may wait milliseconds for a core) leaves its pieces to
/// the others, few enough that cutting segments into ranges costs little.
const PIECES_PER_WORKER: usize = 4;

/// Runs `work` on `threads` threads, this one included (at least this
/// one), and returns what each returned, this thread's first.
fn on_threads<T: Send>(threads: usize, work: impl Fn() -> T + Sync) -> Vec<T> {
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
struct Piece {
    segment: usize,
    /// `None` for the whole segment.
    docs: Option<std::ops::Range<DocId>>,
}

/// Cuts a clause's work into about `count` pieces of like cost (`work`:
/// each segment's scorer cost and `max_doc`), in segment and document
/// order, for threads that take the next piece when done with one. A
/// segment that fits in one piece stays whole (tantivy's own loop, cheaper
/// per document than a range); a larger one is cut into ranges of
/// documents. Every segment is in some piece, even one whose cost is 0 (an
/// estimate).
fn split_work(work: &[(u64, DocId)], count: usize) -> Vec<Piece> {
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

/// A customer key and a score.
type KeyScore = (u64, Score);

/// A customer and its score, ordered best first: higher score, then the
/// smaller key.
#[derive(Clone, Copy, Debug)]
struct Ranked(u64, Score);

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other.1.total_cmp(&self.1).then(self.0.cmp(&other.0))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ranked {}

/// The customers a search counts, and the best `limit` of them in a heap
/// whose top is the worst kept.
struct Best {
    total: usize,
    limit: usize,
    heap: std::collections::BinaryHeap<Ranked>,
}

impl Best {
    fn new(limit: usize) -> Self {
        Best {
            total: 0,
            limit,
            heap: std::collections::BinaryHeap::with_capacity(limit.min(1024) + 1),
        }
    }

    /// Keeps `entry` if it is among the best `limit` so far (it is not
    /// counted here).
    fn enter(&mut self, entry: Ranked) {
        if self.heap.len() < self.limit {
            self.heap.push(entry);
        } else if let Some(mut worst) = self.heap.peek_mut()
            && entry < *worst
        {
            *worst = entry;
        }
    }

    /// The least slot of a `DenseResult` (score bits plus one) that can
    /// still be kept: 1 (any customer found) until `limit` are kept, then
    /// the worst kept score's, which an equal score with a smaller key
    /// beats. `u32::MAX` when nothing is kept (`limit` 0).
    fn floor_bits(&self) -> u32 {
        if self.heap.len() < self.limit {
            return 1;
        }
        self.heap
            .peek()
            .map_or(u32::MAX, |worst| score_bits(worst.1).saturating_add(1))
    }
}

/// The documents of the customers shown (see `Searcher::shown`).
#[derive(Default)]
struct Shown {
    /// Per segment, (document, customer key) in doc order.
    per_segment: Vec<Vec<(DocId, u64)>>,
    /// Each customer's profile document.
    profiles: rustc_hash::FxHashMap<u64, DocAddress>,
}

/// How to explain a clause's match inside a document.
#[derive(Debug, Clone)]
enum Explain {
    /// Look for these needles in every text field.
    Text(Vec<Needle>),
    /// Look in one list field of the profile (interests, competitors) and,
    /// failing that, everywhere.
    InField(&'static str, Vec<Needle>),
    /// The document is a trip.
    Trip,
}

struct Plan {
    query: Box<dyn TantivyQuery>,
    explain: Explain,
    /// True when only customer (or trip) documents can match, so every key
    /// found is a customer that exists.
    customer_only: bool,
    label: String,
}

fn term_query(field: Field, text: &str) -> Box<dyn TantivyQuery> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn any_of(queries: Vec<Box<dyn TantivyQuery>>) -> Box<dyn TantivyQuery> {
    if queries.len() == 1 {
        return queries.into_iter().next().expect("one query");
    }
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

fn all_of(queries: Vec<Box<dyn TantivyQuery>>) -> Box<dyn TantivyQuery> {
    if queries.len() == 1 {
        return queries.into_iter().next().expect("one query");
    }
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Must, q)).collect(),
    ))
}

/// The grams query for text: a phrase of its grams (so Han text matches as a
/// substring and words in order), a term for one gram, a prefix for one
/// Han character. None when the text has nothing searchable.
///
/// Two Han runs with only spaces or punctuation between them (数据 安全)
/// match both written apart and written together (数据安全). The index
/// places the grams of the two ways differently (`covering`), so each way
/// is its own phrase.
pub fn grams_query(field: Field, text: &str) -> Option<Box<dyn TantivyQuery>> {
    let folded = fold(text);
    let mut queries: Vec<Box<dyn TantivyQuery>> = ways_written(&folded)
        .iter()
        .filter_map(|variant| one_grams_query(field, variant))
        .collect();
    match queries.len() {
        0 => None,
        1 => queries.pop(),
        _ => Some(any_of(queries)),
    }
}

/// The ways folded text may be written in a document: each boundary
/// between two Han runs either kept or closed up (every combination up to
/// `MAX_JOINS` boundaries; past that, all kept or all closed).
fn ways_written(folded: &str) -> Vec<String> {
    const MAX_JOINS: usize = 3;
    let runs = runs(folded);
    let joinable: Vec<bool> = runs
        .windows(2)
        .map(|pair| pair[0].is_cjk && pair[1].is_cjk)
        .collect();
    let boundaries = joinable.iter().filter(|&&j| j).count();
    if boundaries == 0 {
        return vec![folded.to_string()];
    }
    let masks: Vec<u32> = if boundaries <= MAX_JOINS {
        (0..1u32 << boundaries).collect()
    } else {
        vec![0, u32::MAX]
    };
    masks
        .into_iter()
        .map(|mask| {
            let mut text = String::new();
            let mut boundary = 0;
            for (i, run) in runs.iter().enumerate() {
                if i > 0 {
                    let closed = joinable[i - 1] && mask >> boundary.min(31) & 1 == 1;
                    if joinable[i - 1] {
                        boundary += 1;
                    }
                    if !closed {
                        text.push(' ');
                    }
                }
                text.push_str(run.text);
            }
            text
        })
        .collect()
}

/// `grams_query` for one way of writing the text.
fn one_grams_query(field: Field, folded: &str) -> Option<Box<dyn TantivyQuery>> {
    let all = grams(folded);
    if let [only] = all.as_slice()
        && only.is_trailing_unigram
    {
        // One Han character: every gram that starts with it.
        let pattern = format!("{}.*", regex_escape(&only.text));
        return RegexQuery::from_pattern(&pattern, field)
            .ok()
            .map(|q| Box::new(q) as Box<dyn TantivyQuery>);
    }
    let (chosen, last_is_prefix) = covering(&all);
    let chosen_positions: Vec<usize> = chosen.iter().map(|g| g.position).collect();
    let first = chosen.first()?.position;
    let terms: Vec<(usize, Term)> = chosen
        .into_iter()
        .map(|g| (g.position - first, Term::from_field_text(field, &g.text)))
        .collect();
    Some(match (terms.len(), last_is_prefix) {
        (1, false) => Box::new(TermQuery::new(
            terms[0].1.clone(),
            IndexRecordOption::WithFreqs,
        )),
        (_, false) => {
            // The bigrams the covering skips are in every match too.
            let implied = all
                .iter()
                .filter(|g| !g.is_trailing_unigram && g.text.chars().next().is_some_and(is_cjk))
                .filter(|g| !chosen_positions.contains(&g.position))
                .map(|g| Term::from_field_text(field, &g.text))
                .collect();
            Box::new(crate::phrase::Phrase::new(terms).with_implied(implied))
        }
        (_, true) => {
            let mut query = PhrasePrefixQuery::new_with_offset(terms);
            // Every gram that starts with the character: one per Han
            // character that can follow it (tantivy reserves room for
            // this many up front, so not u32::MAX).
            query.set_max_expansions(PREFIX_EXPANSIONS);
            Box::new(query)
        }
    })
}

/// Grams that start with one Han character, at most: more than the
/// characters of the unified ideographs and Extension A that can follow it.
const PREFIX_EXPANSIONS: u32 = 1 << 15;

/// The grams a phrase needs, and whether the last one is only a prefix.
///
/// - Every Latin word.
/// - Of each Han run, every other bigram plus the last one (计费系统 →
///   计费@0 系统@2; 计费系统升 → 计费@0 系统@2 统升@3). Every character is
///   covered and two chosen bigrams overlap or touch, so, as the index
///   places grams (`analysis::for_each_gram`), they can only match inside
///   one run, in order: the whole string and nothing else, with fewer
///   position lists to read.
/// - The closing unigram of every Han run but the last: the document's run
///   must end there too (数据 安全 is not 数据和安全). The query's last run
///   may end inside a longer one, so its unigram is dropped, unless the run
///   is one character: then any gram starting with it (a prefix) follows.
fn covering(grams: &[Gram]) -> (Vec<&Gram>, bool) {
    let mut chosen = Vec::new();
    let mut in_run = 0;
    let mut last_is_prefix = false;
    for (i, gram) in grams.iter().enumerate() {
        let is_last = i + 1 == grams.len();
        if gram.is_trailing_unigram {
            if !is_last {
                chosen.push(gram);
            } else if in_run == 0 {
                chosen.push(gram);
                last_is_prefix = true;
            }
            in_run = 0;
        } else if gram.text.chars().next().is_some_and(is_cjk) {
            let last_of_run = grams.get(i + 1).is_none_or(|next| next.is_trailing_unigram);
            if in_run % 2 == 0 || last_of_run {
                chosen.push(gram);
            }
            in_run += 1;
        } else {
            chosen.push(gram);
        }
    }
    (chosen, last_is_prefix)
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~\"@<>".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

/// Needles that explain a free word or phrase inside text.
fn text_needles(text: &str) -> Vec<Needle> {
    let folded = fold(text);
    let mut needles = vec![Needle::Substring(folded.clone())];
    for run in runs(&folded) {
        if run.is_cjk {
            needles.push(Needle::Substring(run.text.to_string()));
        } else {
            needles.push(Needle::Word(normalize_word(run.text)));
        }
    }
    needles
}

fn alias_needles(groups: &[&Group]) -> Vec<Needle> {
    let mut needles: Vec<Needle> = groups
        .iter()
        .flat_map(|group| {
            let not_words: Vec<String> = group.not_words.iter().map(|w| fold(w)).collect();
            group.names.iter().map(move |name| Needle::Alias {
                name: fold(name),
                not_words: not_words.clone(),
            })
        })
        .collect();
    // Longer names first, so "Hewlett Packard Enterprise" is shown whole.
    needles.sort_by_key(|n| match n {
        Needle::Alias { name, .. } => std::cmp::Reverse(name.chars().count()),
        _ => std::cmp::Reverse(0),
    });
    needles
}

/// Everything a search needs besides the index.
pub struct Searcher<'a> {
    read: &'a ReadIndex,
    location: &'a Location,
    vocabulary: Option<Vocabulary>,
    threads: Threads,
}

/// When a clause runs on several threads (`Searcher::run`).
#[derive(Debug, Clone, Copy)]
struct Threads {
    min_cost: u64,
    cost_per_key: u64,
    /// `None`: one per core, at most `MAX_WORKERS`.
    workers: Option<usize>,
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
    fn workers_for(&self, cost: u64, keys_hint: usize, dense: bool) -> usize {
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
    /// A searcher over an opened index.
    pub fn new(read: &'a ReadIndex, location: &'a Location) -> Self {
        Searcher {
            read,
            location,
            vocabulary: None,
            threads: Threads::default(),
        }
    }

    fn vocabulary(&mut self) -> Result<&Vocabulary> {
        if self.vocabulary.is_none() {
            // Problems in the file were reported when indexing.
            self.vocabulary = Some(Vocabulary::for_knowledge_base(&self.location.kb)?.0);
        }
        Ok(self.vocabulary.as_ref().expect("just loaded"))
    }

    fn doc_freq(&self, term: &Term) -> u64 {
        self.read.searcher.doc_freq(term).unwrap_or(0)
    }

    fn plan(
        &mut self,
        clause: &Clause,
        when: Option<DateRange>,
        notices: &mut Vec<String>,
    ) -> Result<Option<Plan>> {
        let fields = self.read.fields;
        let label = clause.to_string();
        let plan = match clause {
            Clause::Word(word) => {
                if let Some(key) = crate::query::unknown_key(word) {
                    notices.push(format!(
                        "{word}: {key}: is not a search term, so it was searched as text — to search a field use one of {}",
                        crate::query::KEYS
                    ));
                }
                let mut parts: Vec<Box<dyn TantivyQuery>> = Vec::new();
                let folded = fold(word);
                for run in runs(&folded) {
                    let Some(grams_part) = grams_query(fields.all_grams, run.text) else {
                        continue;
                    };
                    let part: Box<dyn TantivyQuery> = if run.is_cjk {
                        // Rank a whole-word match above a substring match.
                        Box::new(BooleanQuery::new(vec![
                            (Occur::Must, grams_part),
                            (
                                Occur::Should,
                                Box::new(BoostQuery::new(
                                    term_query(fields.all_words, run.text),
                                    0.5,
                                )),
                            ),
                        ]))
                    } else {
                        // A Latin word may be a name in pinyin (zhangwei).
                        any_of(vec![grams_part, term_query(fields.name_pinyin, run.text)])
                    };
                    parts.push(part);
                }
                if parts.is_empty() {
                    notices.push(format!("{word}: nothing searchable in it, ignored"));
                    return Ok(None);
                }
                Plan {
                    query: all_of(parts),
                    explain: Explain::Text(text_needles(word)),
                    customer_only: false,
                    label,
                }
            }
            Clause::Phrase(phrase) => {
                let Some(query) = grams_query(fields.all_grams, phrase) else {
                    notices.push(format!("\"{phrase}\": nothing searchable in it, ignored"));
                    return Ok(None);
                };
                Plan {
                    query,
                    explain: Explain::Text(vec![Needle::Substring(fold(phrase))]),
                    customer_only: false,
                    label,
                }
            }
            Clause::Likes(value) => {
                let groups: Vec<Group> = self
                    .vocabulary()?
                    .interests()
                    .resolve(value)
                    .into_iter()
                    .cloned()
                    .collect();
                let mut queries: Vec<Box<dyn TantivyQuery>> = groups
                    .iter()
                    .map(|g| term_query(fields.interest, &g.id))
                    .collect();
                queries.push(term_query(
                    fields.interest,
                    &format!("{RAW_PREFIX}{}", alias_key(value)),
                ));
                if groups.is_empty()
                    && let Some(substring) = grams_query(fields.interest_grams, value)
                {
                    queries.push(substring);
                }
                let group_refs: Vec<&Group> = groups.iter().collect();
                let mut needles = alias_needles(&group_refs);
                needles.extend(text_needles(value));
                Plan {
                    query: any_of(queries),
                    explain: Explain::InField("interests", needles),
                    customer_only: true,
                    label,
                }
            }
            Clause::Travel(value) => {
                let place_terms = self.place_terms(value, fields.trip_place)?;
                if place_terms.is_empty() {
                    return Err(Error::query(
                        format!("travel:{value}"),
                        "unknown place — use a city, province or country in any script (北京, Beijing, 臺北, Tokyo, 山东), or add it to dossier-vocab.tsv",
                    ));
                }
                let mut parts = vec![any_of(place_terms)];
                if let Some(range) = when {
                    parts.extend(date_parts(fields.trip_from, fields.trip_to, range));
                }
                Plan {
                    query: all_of(parts),
                    explain: Explain::Trip,
                    customer_only: true,
                    label: match when {
                        Some(_) => format!("{label} when"),
                        None => label,
                    },
                }
            }
            Clause::When(_, range) => {
                // With travel: the range is applied to each trip there.
                Plan {
                    query: all_of(date_parts(fields.trip_from, fields.trip_to, *range)),
                    explain: Explain::Trip,
                    customer_only: true,
                    label,
                }
            }
            Clause::Mentions(value) => {
                let groups: Vec<Group> = self
                    .vocabulary()?
                    .competitors()
                    .resolve(value)
                    .into_iter()
                    .cloned()
                    .collect();
                let raw = term_query(
                    fields.competitor,
                    &format!("{RAW_PREFIX}{}", alias_key(value)),
                );
                if groups.is_empty() {
                    notices.push(format!(
                        "mentions:{value}: not in the competitor list — searched as a word in profiles and notes"
                    ));
                    let mut queries = vec![raw];
                    if let Some(text) = grams_query(fields.all_grams, value) {
                        queries.push(text);
                    }
                    Plan {
                        query: any_of(queries),
                        explain: Explain::InField("competitors", text_needles(value)),
                        customer_only: false,
                        label,
                    }
                } else {
                    let mut queries: Vec<Box<dyn TantivyQuery>> = groups
                        .iter()
                        .map(|g| term_query(fields.competitor, &g.id))
                        .collect();
                    queries.push(raw);
                    let group_refs: Vec<&Group> = groups.iter().collect();
                    Plan {
                        query: any_of(queries),
                        explain: Explain::InField("competitors", alias_needles(&group_refs)),
                        customer_only: false,
                        label,
                    }
                }
            }
            Clause::Field(field, value) => self.plan_field(*field, value, label)?,
            // FIXME(query v2): the parser does not produce these yet; the
            // search stage plans them next.
            Clause::Key(..)
            | Clause::Date(..)
            | Clause::Birthday(..)
            | Clause::All
            | Clause::Not(_)
            | Clause::Any(_) => {
                return Err(Error::query(label, "this term is not searchable yet"));
            }
        };
        Ok(Some(plan))
    }

    fn place_terms(&mut self, value: &str, field: Field) -> Result<Vec<Box<dyn TantivyQuery>>> {
        let vocabulary = self.vocabulary()?;
        let mut groups = vocabulary.places().resolve(value);
        if groups.is_empty() {
            let trimmed = value.trim_end_matches(['市', '省', '区', '县', '區', '縣']);
            groups = vocabulary.places().resolve(trimmed);
        }
        let mut terms: Vec<Box<dyn TantivyQuery>> =
            groups.iter().map(|g| term_query(field, &g.id)).collect();
        let raw = Term::from_field_text(field, &format!("{RAW_PREFIX}{}", alias_key(value)));
        if terms.is_empty() && self.doc_freq(&raw) == 0 {
            return Ok(Vec::new());
        }
        terms.push(Box::new(TermQuery::new(raw, IndexRecordOption::Basic)));
        Ok(terms)
    }

    fn plan_field(&mut self, field: ProfileField, value: &str, label: String) -> Result<Plan> {
        let fields = self.read.fields;
        let nothing = || Box::new(BooleanQuery::new(Vec::new())) as Box<dyn TantivyQuery>;
        let needles = text_needles(value);
        let query: Box<dyn TantivyQuery> = match field {
            ProfileField::Owner => grams_query(fields.owner_grams, value).unwrap_or_else(nothing),
            ProfileField::Company => {
                grams_query(fields.company_grams, value).unwrap_or_else(nothing)
            }
            ProfileField::Name => {
                let mut queries: Vec<Box<dyn TantivyQuery>> = Vec::new();
                queries.extend(grams_query(fields.name_grams, value));
                if !value.chars().any(is_cjk) {
                    let joined: String = fold(value)
                        .chars()
                        .filter(|c| c.is_alphanumeric())
                        .collect();
                    queries.push(term_query(fields.name_pinyin, &joined));
                }
                any_of(queries)
            }
            ProfileField::City => {
                let mut terms = self.place_terms(value, fields.home_place)?;
                terms.extend(grams_query(fields.city_grams, value));
                if terms.is_empty() {
                    nothing()
                } else {
                    any_of(terms)
                }
            }
            ProfileField::Tier | ProfileField::Stage | ProfileField::Type => {
                let keyword_field = match field {
                    ProfileField::Tier => fields.tier,
                    ProfileField::Stage => fields.stage,
                    _ => fields.ctype,
                };
                let synonyms: &[&str] = match alias_key(value).as_str() {
                    "个人" | "人" | "person" | "peopl" => &["person", "个人"],
                    "公司" | "企业" | "compani" | "organ" | "organiz" => {
                        &["company", "公司", "企业"]
                    }
                    _ => &[],
                };
                let mut terms = vec![term_query(keyword_field, &alias_key(value))];
                terms.extend(
                    synonyms
                        .iter()
                        .map(|s| term_query(keyword_field, &alias_key(s))),
                );
                any_of(terms)
            }
        };
        Ok(Plan {
            query,
            explain: Explain::InField(field.key(), needles),
            customer_only: true,
            label,
        })
    }

    /// Runs a query.
    ///
    /// Fails when a term cannot be searched (an unknown place) or the index
    /// cannot be read.
    pub fn search(&mut self, query: &Query, options: SearchOptions) -> Result<SearchResult> {
        let mut notices = Vec::new();
        let when = query.when();
        let has_travel = query.clauses.iter().any(|c| matches!(c, Clause::Travel(_)));
        let mut plans = Vec::new();
        for clause in &query.clauses {
            if matches!(clause, Clause::When(..)) && has_travel {
                continue;
            }
            if let Some(plan) = self.plan(clause, when, &mut notices)? {
                plans.push(plan);
            }
        }
        // One weight per clause (its BM25 statistics), for the run over
        // every match and again for the documents that explain a hit.
        let weights = plans
            .iter()
            .map(|plan| {
                plan.query
                    .weight(EnableScoring::enabled_from_searcher(&self.read.searcher))
                    .map_err(|e| Error::index(self.location.index_dir(), e))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut per_clause: Vec<Table> = Vec::new();
        for weight in &weights {
            per_clause.push(self.run(weight.as_ref())?);
        }
        // AND: customers found by every clause, smallest set first; a
        // customer's score is the sum of its best score in each clause.
        let mut order: Vec<usize> = (0..per_clause.len()).collect();
        order.sort_by_key(|&i| per_clause[i].len());
        // Notes may link to customers that do not exist (yet).
        let missing =
            if !plans.iter().any(|p| p.customer_only) && per_clause.iter().all(|c| c.len() > 0) {
                Some(crate::links::missing_customers(
                    self.location,
                    &self.read.searcher,
                )?)
            } else {
                None
            };
        // Every customer found is counted; only the best `limit` are kept.
        let mut best = Best::new(options.limit);
        // A table's ids are customer keys, or ordinals of `Ordinals`.
        let ordinals = self.read.ordinals.as_deref();
        let missing = missing.filter(|m| !m.is_empty());
        let is_missing = |key: u64| missing.as_ref().is_some_and(|m| m.contains(&key));
        let consider = |best: &mut Best, id: u64, score: Score| {
            let key = ordinals.map_or(id, |ordinals| ordinals.keys[id as usize]);
            if !is_missing(key) {
                best.total += 1;
                best.enter(Ranked(key, score));
            }
        };
        match (order.split_first(), ordinals) {
            // One clause by ordinal: the count is the table's, less the
            // missing customers in it, and only the slots that can beat the
            // worst score kept are looked at (most are not, after the first
            // few thousand).
            (Some((&only, [])), Some(ordinals))
                if let Table::Ordinals(dense) = &per_clause[only] =>
            {
                let missing_found = missing.as_ref().map_or(0, |m| {
                    m.iter()
                        .filter_map(|key| ordinals.ordinal_of.get(key))
                        .filter(|&&ordinal| dense.get(u64::from(ordinal)).is_some())
                        .count()
                });
                best.total = dense.len - missing_found;
                let mut floor = best.floor_bits();
                for (ordinal, &bits) in dense.scores.iter().enumerate() {
                    if bits < floor {
                        continue;
                    }
                    let key = ordinals.keys[ordinal];
                    if !is_missing(key) {
                        best.enter(Ranked(key, Score::from_bits(bits - 1)));
                        floor = best.floor_bits();
                    }
                }
            }
            (Some((&only, [])), _) => {
                per_clause[only].for_each(|id, score| consider(&mut best, id, score));
            }
            (Some((&first, rest)), _) => per_clause[first].for_each(|id, _| {
                if rest.iter().all(|&i| per_clause[i].get(id).is_some()) {
                    let score = per_clause.iter().filter_map(|c| c.get(id)).sum();
                    consider(&mut best, id, score);
                }
            }),
            (None, _) => {}
        }
        let total = best.total;
        let scored: Vec<(u64, Score)> = best
            .heap
            .into_sorted_vec()
            .into_iter()
            .map(|Ranked(key, score)| (key, score))
            .collect();
        let keys: Vec<u64> = scored.iter().map(|&(key, _)| key).collect();
        let shown = self.shown(&keys)?;
        let mut explaining = Vec::new();
        for weight in &weights {
            explaining.push(self.explaining(weight.as_ref(), &shown)?);
        }
        let mut hits = Vec::new();
        for (key, score) in scored {
            let Some(&address) = shown.profiles.get(&key) else {
                continue;
            };
            // Each document is read once per hit: a customer-only clause
            // matches the profile itself, and one note can answer two words.
            let customer = self.stored(address)?;
            let mut hit = hit_of(&customer, score);
            let mut records = rustc_hash::FxHashMap::default();
            records.insert(address, customer);
            for (plan, documents) in plans.iter().zip(&explaining) {
                for &address in documents.get(&key).into_iter().flatten() {
                    if let std::collections::hash_map::Entry::Vacant(slot) = records.entry(address)
                    {
                        slot.insert(self.stored(address)?);
                    }
                    explain(plan, &records[&address], &mut hit);
                }
            }
            hit.trips
                .sort_by(|a, b| a.from.cmp(&b.from).then(a.to.cmp(&b.to)));
            hit.trips.dedup();
            hits.push(hit);
        }
        Ok(SearchResult {
            query: query.to_string(),
            total,
            hits,
            notices,
        })
    }

    /// Runs one clause over every live document: per customer, its best
    /// score. Documents are visited once, without a collector's
    /// intermediate list per segment. A clause that costs much (`cost`:
    /// documents to visit, times about 10 per phrase term) is run on every
    /// core: the threads take pieces of it (`split_work`) one after the
    /// other and fill one shared table (by key) or one array each (by
    /// ordinal).
    fn run(&self, weight: &dyn Weight) -> Result<Table> {
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
    fn work(&self, weight: &dyn Weight) -> Result<(Vec<(u64, DocId)>, usize)> {
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
    fn run_dense(
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
    fn run_piece_dense(
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
            customers.for_each(doc, |ordinal| {
                let slot = &mut scores[ordinal as usize];
                *slot = (*slot).max(bits);
            });
        };
        self.for_each_match(weight, segment, piece, &mut one)
    }

    /// Calls `one` with every match of `weight` in a piece and its score.
    fn for_each_match(
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
    fn run_shared(
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
    fn run_piece(
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
                Some(_) => batch.extend(keys.values_for_doc(doc).map(|key| (key, score))),
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

    /// The documents of a few customers (those shown), read once from the
    /// `cust` postings: per segment in doc order, and each customer's
    /// profile (the first customer document with its key).
    fn shown(&self, keys: &[u64]) -> Result<Shown> {
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
            for &key in keys {
                let term = Term::from_field_u64(self.read.fields.cust, key);
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
    fn explaining(
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

    fn stored(&self, address: DocAddress) -> Result<StoredRecord> {
        self.read.record(self.location, address)
    }
}

/// A hit for a customer record, before its matches are explained.
fn hit_of(customer: &StoredRecord, score: Score) -> Hit {
    Hit {
        id: customer.id.clone(),
        name: customer.text("name").unwrap_or_default().to_string(),
        score,
        path: customer.path.clone(),
        profile: customer.fields.clone(),
        matches: Vec::new(),
        trips: Vec::new(),
    }
}

/// Adds to a hit why one document matched one clause.
fn explain(plan: &Plan, stored: &StoredRecord, hit: &mut Hit) {
    let date = stored
        .fields
        .get("date")
        .and_then(Value::as_str)
        .map(str::to_string);
    let mut push = |field: &str, text: &str, range: Option<(usize, usize)>| {
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
        if !hit.matches.contains(&entry) {
            hit.matches.push(entry);
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
        Explain::InField(field, needles) => {
            let values: Vec<String> = if matches!(*field, "interests" | "competitors") {
                entries(&stored.fields, field)
                    .iter()
                    .filter_map(|e| entry_name(e).map(str::to_string))
                    .collect()
            } else {
                stored
                    .fields
                    .get(*field)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .into_iter()
                    .collect()
            };
            for value in &values {
                if let Some(range) = snippet::find(value, needles) {
                    push(field, value, Some(range));
                    return;
                }
            }
            explain_text(&stored.fields, needles, &mut push);
        }
        Explain::Text(needles) => explain_text(&stored.fields, needles, &mut push),
    }
}

/// Records one match: field, original text, char range of the match.
type PushMatch<'a> = dyn FnMut(&str, &str, Option<(usize, usize)>) + 'a;

fn explain_text(record: &Map<String, Value>, needles: &[Needle], push: &mut PushMatch) {
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

/// A trip overlapping `range`: it starts by its end and ends from its start.
///
/// The parts filter and do not score. tantivy drops a required part that
/// matches every document of a segment (a segment of trips only, all in
/// range) and its score with it, so a scoring range gave the same trip 1.2
/// or 3.2 depending on how documents fell into segments.
fn date_parts(from_field: Field, to_field: Field, range: DateRange) -> Vec<Box<dyn TantivyQuery>> {
    let filter = |query: RangeQuery| -> Box<dyn TantivyQuery> {
        Box::new(ConstScoreQuery::new(Box::new(query), 0.0))
    };
    vec![
        filter(RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(Term::from_field_i64(from_field, to_days(range.end))),
        )),
        filter(RangeQuery::new(
            Bound::Included(Term::from_field_i64(to_field, to_days(range.start))),
            Bound::Unbounded,
        )),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trip_scores_the_same_whatever_segment_it_is_in() -> tantivy::Result<()> {
        use tantivy::collector::TopDocs;
        use tantivy::doc;
        let (schema, fields) = crate::schema::build();
        let index = tantivy::Index::create_in_ram(schema);
        crate::schema::register_tokenizers(&index);
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        let day = |d| to_days(chrono::NaiveDate::from_ymd_opt(2026, 12, d).expect("a date"));
        let trip = || {
            doc!(
                fields.trip_place => "beijing",
                fields.trip_from => day(2),
                fields.trip_to => day(4),
            )
        };
        // One segment of trips only, every one in range; one with a profile.
        writer.add_document(trip())?;
        writer.add_document(trip())?;
        writer.commit()?;
        writer.add_document(trip())?;
        writer.add_document(doc!(fields.kind => "customer"))?;
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let range = DateRange {
            start: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("a date"),
            end: chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("a date"),
        };
        let mut parts = vec![term_query(fields.trip_place, "beijing")];
        parts.extend(date_parts(fields.trip_from, fields.trip_to, range));
        let found = searcher.search(&all_of(parts), &TopDocs::with_limit(10).order_by_score())?;
        let scores: Vec<Score> = found.iter().map(|(score, _)| *score).collect();
        assert_eq!(scores.len(), 3, "every trip matches");
        assert!(
            scores.iter().all(|&s| s == scores[0]),
            "one trip, one score: {scores:?}"
        );
        Ok(())
    }

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
    fn threads_sharing_a_table_keep_the_best_score_of_every_key() {
        let keys: Vec<u64> = (0..20_000)
            .map(|i| crate::document::customer_key(&format!("c{i:06}")))
            .chain([0])
            .collect();
        let mut table = ClauseResult::with_room(keys.len());
        let shared = &table;
        // Four threads enter every key, each with its own scores, in
        // batches and one by one.
        let added: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4u8)
                .map(|t| {
                    let keys = &keys;
                    scope.spawn(move || {
                        let entries: Vec<(u64, Score)> = keys
                            .iter()
                            .enumerate()
                            .map(|(i, &key)| (key, f32::from(t) + (i % 7) as f32))
                            .collect();
                        let (batched, single) = entries.split_at(entries.len() / 2);
                        let mut added = 0;
                        for batch in batched.chunks(ClauseResult::BATCH) {
                            added += shared.add_batch_shared(batch).expect("room for all");
                        }
                        for &(key, score) in single {
                            added += usize::from(shared.add_shared(key, score).expect("room"));
                        }
                        added
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("no panic"))
                .sum()
        });
        assert_eq!(added, keys.len(), "each key is new to exactly one thread");
        table.count_shared(added);
        assert_eq!(table.len(), keys.len());
        for (i, &key) in keys.iter().enumerate() {
            assert_eq!(table.get(key), Some(3.0 + (i % 7) as f32), "key {i}");
        }
        assert_eq!(table.iter().count(), keys.len());
    }

    #[test]
    fn a_shared_table_says_when_it_is_full() {
        let table = ClauseResult::with_room(0);
        let results: Vec<Option<bool>> = (0..4_000)
            .map(|i| {
                let key = crate::document::customer_key(&format!("c{i:06}"));
                table.add_shared(key, 1.0)
            })
            .collect();
        assert!(results.iter().any(Option::is_none), "the table is full");
        assert!(results.iter().flatten().all(|&new| new), "every key is new");
    }

    #[test]
    fn a_shared_table_that_fills_up_runs_the_clause_again_on_one_thread() -> Result<()> {
        // Three customers, and notes linked to 3,000 customers without a
        // profile: a shared table has room for the profiles (its smallest
        // size, 1,024 slots), so it fills up and the clause runs again on
        // one thread. Customers without a profile are never counted.
        let kb = tempfile::tempdir().expect("temp dir");
        let write = |path: &str, text: String| {
            let path = kb.path().join(path);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        };
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
        let mut writer = crate::index::Writer::open_with_heap(&location, "index", 50_000_000)?;
        writer.reconcile(&mut |_| {})?;
        writer.finish()?;
        let read = crate::index::open_for_search(&location)?;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
        let query = crate::query::parse("计费系统", today)?;
        let options = SearchOptions { limit: 10 };
        let one = Searcher::new(&read, &location).search(&query, options)?;
        assert_eq!(one.total, 3, "{one:?}");
        let mut searcher = Searcher::new(&read, &location);
        searcher.threads = Threads {
            min_cost: 0,
            cost_per_key: 0,
            workers: Some(2),
        };
        let mut notices = Vec::new();
        let plan = searcher
            .plan(&query.clauses[0], query.when(), &mut notices)?
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
        let mut writer = crate::index::Writer::open_with_heap(&location, "index", 50_000_000)?;
        writer.reconcile(&mut |_| {})?;
        writer.finish()?;
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
            let options = SearchOptions { limit: 50 };
            let one = Searcher::new(&read, &location).search(&query, options)?;
            for (read, how) in [
                (&read, "by key"),
                (&numbered, "by ordinal"),
                (&reopened, "by ordinal, reopened"),
            ] {
                for workers in [1, 2, 3] {
                    let mut searcher = Searcher::new(read, &location);
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
        for (path, text) in &files {
            let path = kb.join(path);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("create a folder");
            std::fs::write(path, text).expect("write a file");
        }
        let location = Location::new(&kb, Some(&scratch.path().join("index")))?;
        let mut writer = crate::index::Writer::open_with_heap(&location, "index", 50_000_000)?;
        writer.reconcile(&mut |_| {})?;
        writer.finish()?;
        let by_key = crate::index::open_for_search(&location)?;
        let by_ordinal = crate::index::LiveIndex::new().current(&location)?;
        assert!(by_ordinal.ordinals.is_some());
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
        for (text, total) in [("话剧", 10), ("喜欢", 11), ("话剧 喜欢", 10)] {
            let query = crate::query::parse(text, today)?;
            for limit in [0, 1, 2, 3, 5, 7, 20] {
                let options = SearchOptions { limit };
                let one = Searcher::new(&by_key, &location).search(&query, options)?;
                let other = Searcher::new(&by_ordinal, &location).search(&query, options)?;
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

    #[test]
    fn han_runs_apart_may_be_written_together() {
        let table: &[(&str, &[&str])] = &[
            ("计费系统", &["计费系统"]),
            ("billing system", &["billing system"]),
            ("数据 安全", &["数据 安全", "数据安全"]),
            ("数据，安全", &["数据 安全", "数据安全"]),
            ("IBM 计费", &["ibm 计费"]),
            ("计费 ibm 系统", &["计费 ibm 系统"]),
            ("甲 乙 丙", &["甲 乙 丙", "甲乙 丙", "甲 乙丙", "甲乙丙"]),
            ("甲 乙 丙 丁 戊", &["甲 乙 丙 丁 戊", "甲乙丙丁戊"]),
        ];
        for (input, expected) in table {
            assert_eq!(
                ways_written(&fold(input)),
                *expected,
                "ways_written({input:?})"
            );
        }
    }

    #[test]
    fn phrases_skip_every_other_bigram_but_cover_every_character() {
        let table: &[(&str, &[(&str, usize)])] = &[
            ("话剧", &[("话剧", 0)]),
            ("计费系", &[("计费", 0), ("费系", 1)]),
            ("计费系统", &[("计费", 0), ("系统", 2)]),
            ("计费系统升", &[("计费", 0), ("系统", 2), ("统升", 3)]),
            ("计费系统升级", &[("计费", 0), ("系统", 2), ("升级", 4)]),
            ("billing system", &[("bill", 0), ("system", 1)]),
            (
                "IBM计费系统 ok",
                &[("ibm", 0), ("计费", 1), ("系统", 3), ("统", 5), ("ok", 6)],
            ),
            (
                "計費系統，客户关系",
                &[
                    ("计费", 0),
                    ("系统", 2),
                    ("统", 4),
                    ("客户", 5),
                    ("关系", 7),
                ],
            ),
            ("数据 安全", &[("数据", 0), ("据", 2), ("安全", 3)]),
            ("甲 乙 丙", &[("甲", 0), ("乙", 1), ("丙", 2)]),
            ("IBM 升", &[("ibm", 0), ("升", 1)]),
            ("计费 IBM", &[("计费", 0), ("费", 2), ("ibm", 3)]),
        ];
        for (input, expected) in table {
            let all = grams(&fold(input));
            let (chosen, last_is_prefix) = covering(&all);
            let chosen: Vec<(&str, usize)> = chosen
                .iter()
                .map(|g| (g.text.as_str(), g.position))
                .collect();
            let expected_prefix = input.ends_with(" 丙") || input.ends_with(" 升");
            assert_eq!(
                (chosen, last_is_prefix),
                (expected.to_vec(), expected_prefix),
                "covering({input:?})"
            );
        }
    }

    #[test]
    fn clause_result_keeps_the_best_score_of_every_key() {
        // Keys are ids' hashes, which share top bits the way real customer
        // keys do; scores are added in order.
        // (name, room asked for, keys, scores, whether key 0 is one of them)
        let cases: &[(&str, usize, usize, &[f32], bool)] = &[
            ("one key", 0, 1, &[1.0], false),
            (
                "best kept whatever the order",
                0,
                1,
                &[0.5, 2.0, 1.5],
                false,
            ),
            (
                "many keys, growing the table",
                0,
                50_000,
                &[0.25, 3.0],
                false,
            ),
            (
                "many keys, room for all",
                50_000,
                50_000,
                &[3.0, 0.25],
                false,
            ),
            ("key 0 is a key like any other", 0, 3, &[0.5, 2.0], true),
        ];
        for (name, room, keys, scores, with_zero) in cases {
            let mut result = ClauseResult::with_room(*room);
            let mut expected = rustc_hash::FxHashMap::default();
            for score in *scores {
                let ids = (0..*keys).map(|i| crate::document::customer_key(&format!("c{i:06}")));
                for key in ids.chain(with_zero.then_some(0)) {
                    result.add(key, *score);
                    let best = expected.entry(key).or_insert(*score);
                    *best = best.max(*score);
                }
            }
            assert_eq!(result.len(), expected.len(), "{name}");
            let found: rustc_hash::FxHashMap<u64, Score> = result.iter().collect();
            assert_eq!(found, expected, "{name}");
            for (key, best) in &expected {
                assert_eq!(result.get(*key), Some(*best), "{name}");
            }
            let absent = crate::document::customer_key("not a customer");
            assert_eq!(result.get(absent), None, "{name}");
        }
    }
}
