//! One clause's best score per customer (by key or by ordinal), and the
//! best customers kept.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use tantivy::Score;

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
pub(super) struct ClauseResult {
    /// Key 0 marks an empty slot; the length is a power of two.
    pub(super) keys: Vec<AtomicU64>,
    /// The bits of each slot's best score (`score_bits`).
    pub(super) scores: Vec<AtomicU32>,
    /// The bits of key 0's best score plus one (0: key 0 not found), since
    /// key 0 cannot live in a slot.
    pub(super) zero: AtomicU32,
    /// Keys entered through `&mut self`; those entered through `&self`
    /// are counted by their callers and added by `count_shared`.
    pub(super) len: usize,
}

/// A score as bits that order like the scores: scores are never negative
/// (BM25, boosts and constant 0), and a negative or NaN one counts as 0.
pub(super) fn score_bits(score: Score) -> u32 {
    if score > 0.0 { score.to_bits() } else { 0 }
}

impl ClauseResult {
    /// The smallest table.
    const MIN_BITS: u32 = 10;

    /// A table for about `keys` keys; it grows if more come.
    pub(super) fn with_room(keys: usize) -> Self {
        // The table grows past 3/4 full; an estimate that fills it that
        // much more is rare, and a smaller table faults in fewer pages.
        Self::with_slots((keys + keys / 8 + 1).next_power_of_two())
    }

    pub(super) fn with_slots(wanted: usize) -> Self {
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

    pub(super) fn home(&self, key: u64) -> usize {
        // Fibonacci hashing: ids that differ in their last character have
        // FNV hashes with alike top bits, and would pile up unmixed.
        let mixed = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> (64 - self.keys.len().trailing_zeros())) as usize
    }

    pub(super) fn add(&mut self, key: u64, score: Score) {
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
    pub(super) fn add_shared(&self, key: u64, score: Score) -> Option<bool> {
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
    pub(super) fn count_shared(&mut self, added: usize) {
        self.len += added;
    }

    /// Keys entered together by `add_batch`.
    pub(super) const BATCH: usize = 64;
    /// The longest probe `add_shared` makes before calling the table full:
    /// at the 3/4 load `add` grows at, an average probe is under 9 slots.
    const MAX_PROBE: usize = 256;

    /// Reads the home slots of many keys at once, so the cache misses of
    /// a large table overlap instead of coming one after the other
    /// (`客户`: 222k documents, about half its time before).
    pub(super) fn touch(&self, entries: &[(u64, Score)]) {
        let mut touched = 0;
        for &(key, _) in entries {
            let i = self.home(key);
            touched ^= self.keys[i].load(Ordering::Relaxed);
            touched ^= u64::from(self.scores[i].load(Ordering::Relaxed));
        }
        std::hint::black_box(touched);
    }

    /// Adds many keys, their cache misses overlapped.
    pub(super) fn add_batch(&mut self, entries: &[(u64, Score)]) {
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
    pub(super) fn add_batch_shared(&self, entries: &[(u64, Score)]) -> Option<usize> {
        self.touch(entries);
        let mut added = 0;
        for &(key, score) in entries {
            added += usize::from(self.add_shared(key, score)?);
        }
        Some(added)
    }

    pub(super) fn grow(&mut self) {
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

    pub(super) fn get(&self, key: u64) -> Option<Score> {
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

    pub(super) fn len(&self) -> usize {
        self.len
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, Score)> + '_ {
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

/// One clause's best score per customer ordinal (see `Ordinals`): the
/// score's bits plus one, 0 for a customer the clause did not find.
pub(super) struct DenseResult {
    pub(super) scores: Vec<u32>,
    pub(super) len: usize,
    /// The ordinals found, ascending, for a table walked by many searches
    /// (`listed`).
    pub(super) listed: Option<Vec<u32>>,
}

impl DenseResult {
    pub(super) fn new(scores: Vec<u32>) -> Self {
        let len = scores.iter().filter(|&&bits| bits != 0).count();
        DenseResult {
            scores,
            len,
            listed: None,
        }
    }

    /// The same table, with its ordinals listed: a table kept across
    /// searches (a reader's visibility clause) is walked through its few
    /// thousand customers instead of every customer's slot.
    pub(super) fn listed(mut self) -> Self {
        let listed = self
            .scores
            .iter()
            .enumerate()
            .filter(|&(_, &bits)| bits != 0)
            .map(|(ordinal, _)| ordinal as u32)
            .collect();
        self.listed = Some(listed);
        self
    }

    pub(super) fn get(&self, ordinal: u64) -> Option<Score> {
        let bits = self.scores[ordinal as usize];
        (bits != 0).then(|| Score::from_bits(bits - 1))
    }

    pub(super) fn for_each(&self, mut take: impl FnMut(u64, Score)) {
        if let Some(listed) = &self.listed {
            for &ordinal in listed {
                let bits = self.scores[ordinal as usize];
                take(u64::from(ordinal), Score::from_bits(bits - 1));
            }
            return;
        }
        for (ordinal, &bits) in self.scores.iter().enumerate() {
            if bits != 0 {
                take(ordinal as u64, Score::from_bits(bits - 1));
            }
        }
    }
}

/// A clause's best score per customer: by key (one-shot searches) or by
/// ordinal (an index kept open, see `Ordinals`).
pub(super) enum Table {
    Keys(ClauseResult),
    Ordinals(DenseResult),
}

impl Table {
    pub(super) fn len(&self) -> usize {
        match self {
            Table::Keys(table) => table.len(),
            Table::Ordinals(table) => table.len,
        }
    }

    pub(super) fn get(&self, id: u64) -> Option<Score> {
        match self {
            Table::Keys(table) => table.get(id),
            Table::Ordinals(table) => table.get(id),
        }
    }

    pub(super) fn for_each(&self, mut take: impl FnMut(u64, Score)) {
        match self {
            Table::Keys(table) => table.iter().for_each(|(key, score)| take(key, score)),
            Table::Ordinals(table) => table.for_each(take),
        }
    }
}

/// A customer key and a score.
pub(super) type KeyScore = (u64, Score);

/// A customer and its score, ordered best first: higher score, then the
/// smaller key.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ranked(pub(super) u64, pub(super) Score);

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
pub(super) struct Best {
    pub(super) total: usize,
    pub(super) limit: usize,
    pub(super) heap: std::collections::BinaryHeap<Ranked>,
}

impl Best {
    pub(super) fn new(limit: usize) -> Self {
        Best {
            total: 0,
            limit,
            heap: std::collections::BinaryHeap::with_capacity(limit.min(1024) + 1),
        }
    }

    /// Keeps `entry` if it is among the best `limit` so far (it is not
    /// counted here).
    pub(super) fn enter(&mut self, entry: Ranked) {
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
    pub(super) fn floor_bits(&self) -> u32 {
        if self.heap.len() < self.limit {
            return 1;
        }
        self.heap
            .peek()
            .map_or(u32::MAX, |worst| score_bits(worst.1).saturating_add(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
