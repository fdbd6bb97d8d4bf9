//! Exact phrases (no slop): tantivy's `PhraseQuery`, matched and scored the
//! same way, with a scorer that costs less per matching document.
//!
//! tantivy's phrase scorer finds where a document's positions start by
//! summing the term frequencies of every document before it in its block of
//! 128, and it does so for every term of every candidate document (the
//! largest share of a phrase query's time in the profile of `计费系统` in
//! `BENCHMARKS.md`). This scorer walks each term's blocks in order and keeps
//! that offset as it goes, so each frequency is added once.
//!
//! Walking every block is only cheaper when the terms are about as common as
//! each other: where one term is much rarer, tantivy's skip lists jump over
//! most blocks of the other, and its scorer is used instead. So is it when
//! anything this scorer needs is missing. Either way the documents and
//! scores are tantivy's own: the same BM25 weight (`Bm25Weight::for_terms`)
//! over the same phrase count and field norm.

use std::path::PathBuf;

use tantivy::directory::{CompositeFile, Directory as _, FileSlice};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::positions::PositionReader;
use tantivy::postings::{BlockSegmentPostings, TermInfo};
use tantivy::query::{
    Bm25Weight, EmptyScorer, EnableScoring, Explanation, PhraseQuery, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Index, Score, SegmentReader, TERMINATED, Term};

/// Where this scorer walks every block: the commonest term in at most this
/// many times the documents of the rarest.
const MAX_DOC_FREQ_RATIO: u32 = 32;

/// An exact phrase: terms at offsets, in one field with positions.
#[derive(Clone, Debug)]
pub struct Phrase {
    terms: Vec<(usize, Term)>,
    /// Terms every document holding the phrase holds too (the bigrams a
    /// phrase of grams skips, `search::covering`): where one is rarer than
    /// every phrase term it leads the search through documents, and fewer
    /// documents have their positions read. They do not score.
    implied: Vec<Term>,
}

impl Phrase {
    /// Same contract as `PhraseQuery::new_with_offset`: at least two terms,
    /// all of one field.
    pub fn new(mut terms: Vec<(usize, Term)>) -> Phrase {
        assert!(terms.len() > 1, "a phrase has at least two terms");
        terms.sort_by_key(|&(offset, _)| offset);
        Phrase {
            terms,
            implied: Vec::new(),
        }
    }

    /// The phrase, with terms that any document holding it also holds.
    /// The caller vouches for that: a term that is not implied loses matches.
    pub fn with_implied(mut self, implied: Vec<Term>) -> Phrase {
        self.implied = implied;
        self
    }

    fn field(&self) -> Field {
        self.terms[0].1.field()
    }
}

impl Phrase {
    fn phrase_weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<PhraseWeight> {
        // tantivy's weight checks the field and stands in where this one
        // cannot work.
        let tantivy = PhraseQuery::new_with_offset(self.terms.clone()).weight(enable_scoring)?;
        let terms: Vec<Term> = self.terms.iter().map(|(_, term)| term.clone()).collect();
        let bm25 = match enable_scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some(Bm25Weight::for_terms(statistics_provider, &terms)?),
            EnableScoring::Disabled { .. } => None,
        };
        Ok(PhraseWeight {
            terms: self.terms.clone(),
            implied: self.implied.clone(),
            field: self.field(),
            bm25,
            index: enable_scoring.searcher().map(|s| s.index().clone()),
            tantivy,
        })
    }
}

impl Query for Phrase {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.phrase_weight(enable_scoring)?))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (_, term) in &self.terms {
            visitor(term, true);
        }
    }
}

struct PhraseWeight {
    terms: Vec<(usize, Term)>,
    implied: Vec<Term>,
    field: Field,
    bm25: Option<Bm25Weight>,
    index: Option<Index>,
    tantivy: Box<dyn Weight>,
}

impl PhraseWeight {
    /// This module's scorer, or `None` where tantivy's should be used.
    fn walking_scorer(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Option<Box<dyn Scorer>>> {
        let Some(index) = &self.index else {
            return Ok(None);
        };
        let inverted = reader.inverted_index(self.field)?;
        let mut infos: Vec<(usize, TermInfo)> = Vec::with_capacity(self.terms.len());
        for (offset, term) in &self.terms {
            match inverted.get_term_info(term)? {
                Some(info) => infos.push((*offset, info)),
                None => return Ok(Some(Box::new(EmptyScorer))),
            }
        }
        let rarest = infos.iter().map(|(_, i)| i.doc_freq).min().unwrap_or(0);
        let commonest = infos.iter().map(|(_, i)| i.doc_freq).max().unwrap_or(0);
        if commonest > rarest.saturating_mul(MAX_DOC_FREQ_RATIO) {
            return Ok(None);
        }
        let Some(positions) = positions_of(index, reader, self.field) else {
            return Ok(None);
        };
        let max_offset = infos.iter().map(|&(offset, _)| offset).max().unwrap_or(0);
        let candidates = estimate_intersection(
            infos.iter().map(|(_, info)| info.doc_freq),
            reader.max_doc(),
        );
        let mut cursors = Vec::with_capacity(infos.len() + 1);
        for (offset, info) in &infos {
            let block =
                inverted.read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?;
            let positions =
                PositionReader::open(positions.read_bytes_slice(info.positions_range.clone())?)?;
            cursors.push(Cursor {
                block,
                index: 0,
                position_offset: 0,
                positions: Some(positions),
                shift: (max_offset - offset) as u32,
                doc_freq: info.doc_freq,
            });
        }
        // The rarest implied term, where rarer than every phrase term.
        let mut rarest_implied: Option<TermInfo> = None;
        for term in &self.implied {
            match inverted.get_term_info(term)? {
                None => return Ok(Some(Box::new(EmptyScorer))),
                Some(info)
                    if info.doc_freq < rarest_implied.as_ref().map_or(rarest, |i| i.doc_freq) =>
                {
                    rarest_implied = Some(info);
                }
                Some(_) => {}
            }
        }
        if let Some(info) = rarest_implied {
            cursors.push(Cursor {
                block: inverted
                    .read_block_postings_from_terminfo(&info, IndexRecordOption::Basic)?,
                index: 0,
                position_offset: 0,
                positions: None,
                shift: 0,
                doc_freq: info.doc_freq,
            });
        }
        // Rarest first: it leads the search through documents.
        cursors.sort_by_key(|cursor| cursor.doc_freq);
        let fieldnorms = match &self.bm25 {
            Some(_) => reader.fieldnorms_readers().get_field(self.field)?,
            None => None,
        }
        .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1));
        let mut scorer = WalkingScorer {
            cursors,
            doc: 0,
            count: 0,
            bm25: self.bm25.as_ref().map(|w| w.boost_by(boost)),
            fieldnorms,
            candidates,
            terms: infos.len(),
            left: Vec::with_capacity(64),
            right: Vec::with_capacity(64),
        };
        scorer.find(0);
        Ok(Some(Box::new(scorer)))
    }
}

impl Weight for PhraseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        match self.walking_scorer(reader, boost)? {
            Some(scorer) => Ok(scorer),
            None => self.tantivy.scorer(reader, boost),
        }
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.tantivy.explain(reader, doc)
    }
}

/// The positions of `field` in the segment of `reader`: tantivy keeps them
/// in `<segment id>.pos`, one slice per field (`SegmentComponent::Positions`).
fn positions_of(index: &Index, reader: &SegmentReader, field: Field) -> Option<FileSlice> {
    let path = PathBuf::from(format!("{}.pos", reader.segment_id().uuid_string()));
    let file = index.directory().open_read(&path).ok()?;
    CompositeFile::open(&file).ok()?.open_read(field)
}

/// tantivy's estimate of how many documents an intersection holds
/// (`query::size_hint::estimate_intersection`, not exported), so that this
/// scorer's `size_hint` and `cost` are those of tantivy's phrase scorer.
fn estimate_intersection(sizes: impl Iterator<Item = u32>, max_docs: u32) -> u32 {
    if max_docs == 0 {
        return 0;
    }
    let mut sizes: Vec<u32> = sizes.collect();
    sizes.sort_unstable();
    let Some((&first, rest)) = sizes.split_first() else {
        return 0;
    };
    let mut co_location: f64 = 1.3;
    let mut estimate = first as f64;
    let mut smallest = estimate;
    for &size in rest {
        co_location = (co_location - 0.1).max(1.0);
        estimate *= (size as f64 / max_docs as f64) * co_location;
        smallest = smallest.min(size as f64);
    }
    estimate.round().min(smallest) as u32
}

/// One term's postings, walked block by block, with the offset of the
/// current document's positions in the term's position list.
struct Cursor {
    block: BlockSegmentPostings,
    /// The current document's index in the block.
    index: usize,
    /// Positions of every document before the current one.
    position_offset: u64,
    /// `None` for an implied term: its documents only.
    positions: Option<PositionReader>,
    /// Added to every position: aligns all terms on the phrase's end.
    shift: u32,
    doc_freq: u32,
}

impl Cursor {
    /// Moves to the first document at or after `target`, block by block
    /// (no skip list: it would lose count of the positions skipped).
    fn seek(&mut self, target: DocId) -> DocId {
        loop {
            let len = self.block.block_len();
            if len == 0 {
                return TERMINATED;
            }
            let docs = self.block.docs();
            if docs[len - 1] >= target {
                let from = self.index;
                while docs[self.index] < target {
                    self.index += 1;
                }
                if self.positions.is_some() {
                    let skipped: u32 = self.block.freqs()[from..self.index].iter().sum();
                    self.position_offset += u64::from(skipped);
                }
                return docs[self.index];
            }
            if self.positions.is_some() {
                let rest: u32 = self.block.freqs()[self.index..].iter().sum();
                self.position_offset += u64::from(rest);
            }
            self.block.advance();
            self.index = 0;
        }
    }

    /// Reads the current document's positions, shifted, into the start of
    /// `buffer` (grown as needed, never shrunk), and says how many.
    fn positions(&mut self, buffer: &mut Vec<u32>) -> usize {
        let Some(positions) = &mut self.positions else {
            return 0;
        };
        let freq = self.block.freq(self.index) as usize;
        if buffer.len() < freq {
            buffer.resize(freq, 0);
        }
        let output = &mut buffer[..freq];
        positions.read(self.position_offset, output);
        let mut position = self.shift;
        for delta in output.iter_mut() {
            position += *delta;
            *delta = position;
        }
        freq
    }
}

struct WalkingScorer {
    /// Rarest term first.
    cursors: Vec<Cursor>,
    doc: DocId,
    /// How many times the phrase occurs in `doc`.
    count: u32,
    bm25: Option<Bm25Weight>,
    fieldnorms: FieldNormReader,
    /// tantivy's estimate of the documents holding every phrase term.
    candidates: u32,
    /// Phrase terms (the cursors that read positions).
    terms: usize,
    left: Vec<u32>,
    right: Vec<u32>,
}

impl WalkingScorer {
    /// Moves to the first document at or after `target` that holds the
    /// phrase.
    fn find(&mut self, mut target: DocId) -> DocId {
        'candidates: loop {
            if target == TERMINATED {
                break;
            }
            for cursor in &mut self.cursors {
                let doc = cursor.seek(target);
                if doc != target {
                    target = doc;
                    continue 'candidates;
                }
            }
            if self.phrase_count() > 0 {
                break;
            }
            target += 1;
        }
        self.doc = target;
        target
    }

    /// Occurrences of the phrase in the document all cursors stand on.
    fn phrase_count(&mut self) -> u32 {
        let WalkingScorer {
            cursors,
            left,
            right,
            ..
        } = self;
        let mut reading = cursors.iter_mut().filter(|c| c.positions.is_some());
        let mut kept = reading
            .next()
            .expect("two phrase terms or more")
            .positions(left);
        for cursor in reading {
            let read = cursor.positions(right);
            kept = intersect(&mut left[..kept], &right[..read]);
            if kept == 0 {
                break;
            }
        }
        self.count = kept as u32;
        self.count
    }
}

/// Moves to the front of `left` the values also in `right` (both sorted,
/// no repeats), and says how many.
fn intersect(left: &mut [u32], right: &[u32]) -> usize {
    let (mut i, mut j, mut kept) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        let (l, r) = (left[i], right[j]);
        if l == r {
            left[kept] = l;
            kept += 1;
        }
        i += usize::from(l <= r);
        j += usize::from(r <= l);
    }
    kept
}

impl DocSet for WalkingScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.find(self.doc + 1)
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if target <= self.doc {
            return self.doc;
        }
        self.find(target)
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    // As tantivy's phrase scorer: about one candidate in ten per term holds
    // the phrase, and each costs reading every term's positions.
    fn size_hint(&self) -> u32 {
        self.candidates / (10 * self.terms as u32)
    }

    fn cost(&self) -> u64 {
        u64::from(self.candidates) * 10 * self.terms as u64
    }
}

impl Scorer for WalkingScorer {
    fn score(&mut self) -> Score {
        match &self.bm25 {
            Some(bm25) => bm25.score(self.fieldnorms.fieldnorm_id(self.doc), self.count),
            None => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text from a few Han characters, so that bigrams repeat, runs end
    /// (the comma), and some terms fill several blocks of positions.
    fn text(seed: u64, chars: usize) -> String {
        const ALPHABET: [char; 9] = ['计', '费', '系', '统', '数', '据', '中', '心', '，'];
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..chars)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // Skewed: 计 and 费 often, the comma rarely.
                let pick = ((state >> 33) % 100) as usize;
                ALPHABET[match pick {
                    0..=24 => 0,
                    25..=44 => 1,
                    45..=89 => 2 + (pick - 45) % 6,
                    _ => 8,
                }]
            })
            .collect()
    }

    /// An index of grams over generated texts, in three segments: enough
    /// documents for several blocks of 128 per term.
    fn index() -> tantivy::Result<(Index, Field)> {
        let (schema, fields) = crate::schema::build();
        let index = Index::create_in_ram(schema);
        crate::schema::register_tokenizers(&index);
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for segment in 0..3u64 {
            for doc in 0..700u64 {
                let chars = (doc * 7 + segment * 13) % 400 + 1;
                writer.add_document(tantivy::doc!(
                    fields.all_grams => text(segment * 1000 + doc, chars as usize)
                ))?;
            }
            writer.commit()?;
        }
        Ok((index, fields.all_grams))
    }

    /// An index of one segment: `count` documents, each text given by
    /// `body` of its number.
    fn one_segment(
        count: usize,
        body: impl Fn(usize) -> &'static str,
    ) -> tantivy::Result<(Index, Field)> {
        let (schema, fields) = crate::schema::build();
        let index = Index::create_in_ram(schema);
        crate::schema::register_tokenizers(&index);
        let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000)?;
        for doc in 0..count {
            writer.add_document(tantivy::doc!(fields.all_grams => body(doc)))?;
        }
        writer.commit()?;
        Ok((index, fields.all_grams))
    }

    /// The phrase `search` builds for a run of Han text
    /// (`search::grams_query`), with the bigrams it skips as implied terms.
    /// `None` when the text is no phrase (one bigram).
    fn phrase(field: Field, run: &str) -> Option<Phrase> {
        let query = crate::search::grams_query(field, run)?;
        query.downcast_ref::<Phrase>().cloned()
    }

    /// Every match of a scorer from `from` on, with its score.
    fn matches(mut scorer: Box<dyn Scorer>, from: DocId) -> Vec<(DocId, Score)> {
        let mut doc = if scorer.doc() < from {
            scorer.seek(from)
        } else {
            scorer.doc()
        };
        let mut found = Vec::new();
        while doc != TERMINATED {
            found.push((doc, scorer.score()));
            doc = scorer.advance();
        }
        found
    }

    #[test]
    fn a_phrase_finds_and_scores_what_tantivy_s_phrase_query_does() -> tantivy::Result<()> {
        let (index, field) = index()?;
        let searcher = index.reader()?.searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        // (run, whether this module's scorer runs rather than tantivy's)
        let cases = [
            ("计费", false), // one term: not a phrase
            ("计费系", true),
            ("计费系统", true),
            ("系统数据", true),
            ("中心计费", true),
            ("计费计费计费", true),
            ("费计费系统", true),
        ];
        for (run, walks) in cases {
            let Some(built) = phrase(field, run) else {
                continue;
            };
            let (terms, implied) = (built.terms, built.implied);
            for scoring in [true, false] {
                let enable = if scoring {
                    EnableScoring::enabled_from_searcher(&searcher)
                } else {
                    EnableScoring::disabled_from_searcher(&searcher)
                };
                let ours = Phrase::new(terms.clone())
                    .with_implied(implied.clone())
                    .phrase_weight(enable)?;
                let theirs = PhraseQuery::new_with_offset(terms.clone()).weight(enable)?;
                let mut total = 0;
                for reader in searcher.segment_readers() {
                    assert_eq!(
                        ours.walking_scorer(reader, 1.0)?.is_some(),
                        walks,
                        "{run}: which scorer runs"
                    );
                    // Whole segments, and from documents on (as the pieces
                    // of a clause run on many threads start).
                    for from in [0, 1, 127, 128, 129, 300, 699, 700] {
                        let expected = matches(theirs.scorer(reader, 1.5)?, from);
                        assert_eq!(
                            matches(ours.scorer(reader, 1.5)?, from),
                            expected,
                            "{run}, scoring {scoring}, from {from}"
                        );
                        if from == 0 {
                            total += expected.len();
                        }
                    }
                }
                assert!(total > 0, "{run}: the test finds something");
            }
        }
        Ok(())
    }

    #[test]
    fn a_phrase_of_a_rare_and_a_common_term_leaves_it_to_tantivy() -> tantivy::Result<()> {
        let (index, field) = one_segment(400, |doc| if doc == 7 { "系统计费" } else { "系统" })?;
        let searcher = index.reader()?.searcher();
        let built = phrase(field, "系统计费").expect("a phrase");
        let (terms, implied) = (built.terms, built.implied);
        let ours = Phrase::new(terms)
            .with_implied(implied)
            .phrase_weight(EnableScoring::enabled_from_searcher(&searcher))?;
        let reader = &searcher.segment_readers()[0];
        assert!(ours.walking_scorer(reader, 1.0)?.is_none());
        assert_eq!(matches(ours.scorer(reader, 1.0)?, 0).len(), 1);
        Ok(())
    }

    #[test]
    fn a_rare_implied_bigram_leads_and_changes_nothing() -> tantivy::Result<()> {
        // 计费 and 系统 everywhere, 费系 (so 计费系统) in one document in 15.
        let (index, field) = one_segment(600, |doc| {
            if doc % 15 == 0 {
                "计费，系统计费系统，计费"
            } else {
                "计费，系统。系统计费"
            }
        })?;
        let searcher = index.reader()?.searcher();
        let built = phrase(field, "计费系统").expect("a phrase");
        let (terms, implied) = (built.terms, built.implied);
        let enable = EnableScoring::enabled_from_searcher(&searcher);
        let ours = Phrase::new(terms.clone())
            .with_implied(implied)
            .phrase_weight(enable)?;
        let theirs = PhraseQuery::new_with_offset(terms).weight(enable)?;
        let reader = &searcher.segment_readers()[0];
        let scorer = ours.walking_scorer(reader, 1.0)?.expect("walks");
        let walking = scorer
            .downcast_ref::<WalkingScorer>()
            .expect("this module's scorer");
        let lead = &walking.cursors[0];
        assert!(lead.positions.is_none(), "the implied bigram leads");
        assert_eq!(lead.doc_freq, 40);
        for from in [0, 1, 129, 599] {
            let expected = matches(theirs.scorer(reader, 1.0)?, from);
            assert_eq!(matches(ours.scorer(reader, 1.0)?, from), expected);
        }
        assert_eq!(matches(ours.scorer(reader, 1.0)?, 0).len(), 40);
        Ok(())
    }

    #[test]
    fn estimate_intersection_is_tantivy_s() {
        // (sizes, max docs, tantivy's estimate)
        let cases: [(&[u32], u32, u32); 5] = [
            (&[100], 1000, 100),
            (&[100, 500], 1000, 60),
            (&[500, 100], 1000, 60),
            (&[600, 800, 900], 1000, 570),
            (&[10, 20, 30], 0, 0),
        ];
        for (sizes, max_docs, expected) in cases {
            assert_eq!(
                estimate_intersection(sizes.iter().copied(), max_docs),
                expected,
                "{sizes:?} of {max_docs}"
            );
        }
    }
}
