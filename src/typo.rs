//! Typos: a Latin word or a pinyin name that finds nothing because it is
//! misspelled (`theatr`, `Lenvo`, `Micheal`, `zhangwie`) is searched as the
//! closest indexed word, as Meilisearch users expect: one typo from 5
//! letters, two from 9, a swap of two letters counting one. A word that is
//! in the index is never fuzzed, and neither is Chinese (a wrong character
//! is a different word). The closest words come from the term dictionary
//! through tantivy's Levenshtein automaton (`FuzzyTermQuery::automaton`),
//! and from the vocabulary names for `likes:` and `mentions:`.

use std::path::Path;

use tantivy::Searcher;
use tantivy::Term;
use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;

use crate::analysis::normalize_word;
use crate::error::{Error, Result};
use crate::fold::fold;
use crate::query::{Clause, ProfileField, Query};
use crate::schema::Fields;
use crate::vocab::{AliasTable, Vocabulary};

/// How many typos a word of this many letters may hold: none under 5, one
/// from 5, two from 9.
pub fn allowed_typos(letters: usize) -> u8 {
    match letters {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Edit distance with a swap of two neighbours counting one (optimal string
/// alignment), the distance the automaton uses.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// A word that may be fuzzed: Latin letters only (folded), and long
/// enough to be allowed a typo.
fn fuzzable(word: &str) -> Option<String> {
    let folded = fold(word.trim());
    (folded.chars().all(|c| c.is_ascii_alphabetic()) && allowed_typos(folded.chars().count()) > 0)
        .then_some(folded)
}

/// True when some live document holds the term. (A term dictionary keeps
/// the terms of deleted documents until their segment is merged: a word
/// that was in a file since changed is no word of the index any more.)
fn is_indexed(searcher: &Searcher, field: Field, text: &str) -> bool {
    let term = Term::from_field_text(field, text);
    searcher.segment_readers().iter().any(|segment| {
        segment.inverted_index(field).is_ok_and(|inverted| {
            inverted
                .get_term_info(&term)
                .ok()
                .flatten()
                .is_some_and(|info| live_docs(segment, &inverted, &info) > 0)
        })
    })
}

/// How many live documents of `segment` a term's postings hold (its
/// `doc_freq` when the segment has no deletes).
fn live_docs(
    segment: &tantivy::SegmentReader,
    inverted: &tantivy::InvertedIndexReader,
    info: &tantivy::postings::TermInfo,
) -> u64 {
    let Some(alive) = segment.alive_bitset() else {
        return u64::from(info.doc_freq);
    };
    let Ok(mut postings) =
        inverted.read_postings_from_terminfo(info, tantivy::schema::IndexRecordOption::Basic)
    else {
        return 0;
    };
    use tantivy::DocSet as _;
    let mut live = 0;
    let mut doc = postings.doc();
    while doc != tantivy::TERMINATED {
        if alive.is_alive(doc) {
            live += 1;
        }
        doc = postings.advance();
    }
    live
}

/// The closest indexed term of `field` to `word` within its typos: the
/// fewest edits, then the most documents, then the first in term order.
/// `None` when no term is that close.
///
/// Fails when a segment's term dictionary cannot be read.
pub fn closest_term(
    searcher: &Searcher,
    index_dir: &Path,
    field: Field,
    word: &str,
) -> Result<Option<String>> {
    let typos = allowed_typos(word.chars().count());
    if typos == 0 {
        return Ok(None);
    }
    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, word), typos, true);
    let mut candidates: std::collections::BTreeMap<String, u64> = Default::default();
    let index_error = |e: tantivy::TantivyError| Error::index(index_dir, e);
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field).map_err(index_error)?;
        let automaton = fuzzy.automaton().map_err(index_error)?;
        let mut stream = inverted
            .terms()
            .search(automaton)
            .into_stream()
            .map_err(|e| Error::io(index_dir, e))?;
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let live = live_docs(segment, &inverted, stream.value());
            *candidates.entry(term.to_string()).or_default() += live;
        }
    }
    Ok(candidates
        .into_iter()
        .filter(|(term, docs)| term != word && *docs > 0)
        .min_by_key(|(term, docs)| (distance(word, term), std::cmp::Reverse(*docs)))
        .map(|(term, _)| term))
}

/// The closest vocabulary name (Latin names only) to `word` within its
/// typos, as the file writes it.
pub fn closest_name(table: &AliasTable, word: &str) -> Option<String> {
    let typos = usize::from(allowed_typos(word.chars().count()));
    table
        .groups
        .iter()
        .flat_map(|group| group.names.iter())
        .filter(|name| name.is_ascii())
        .map(|name| (distance(word, &fold(name)), name))
        .filter(|(d, _)| (1..=typos).contains(d))
        .min_by_key(|(d, name)| (*d, name.len()))
        .map(|(_, name)| name.clone())
}

/// The query with each misspelled word replaced by its correction, and a
/// notice per correction (`theatr: not found — searched for theater`);
/// `None` when nothing was corrected. Free words are corrected against the
/// text and the names' pinyin, `name:` against the pinyin, `likes:` and
/// `mentions:` against the vocabulary names, then the indexed text.
///
/// Fails when the index cannot be read.
pub fn correct(
    searcher: &Searcher,
    index_dir: &Path,
    fields: &Fields,
    vocabulary: &dyn Fn() -> Result<Vocabulary>,
    query: &Query,
    notices: &mut Vec<String>,
) -> Result<Option<Query>> {
    let mut changed = false;
    let mut clauses = Vec::with_capacity(query.clauses.len());
    for clause in &query.clauses {
        let corrected = correct_clause(searcher, index_dir, fields, vocabulary, clause, notices)?;
        changed |= corrected.is_some();
        clauses.push(corrected.unwrap_or_else(|| clause.clone()));
    }
    Ok(changed.then_some(Query { clauses }))
}

fn correct_clause(
    searcher: &Searcher,
    index_dir: &Path,
    fields: &Fields,
    vocabulary: &dyn Fn() -> Result<Vocabulary>,
    clause: &Clause,
    notices: &mut Vec<String>,
) -> Result<Option<Clause>> {
    let mut tell = |asked: &str, corrected: &str| {
        notices.push(format!(
            "{asked}: not found — searched for {corrected} (a typo?)"
        ));
    };
    Ok(match clause {
        Clause::Word(word) => {
            let Some(folded) = fuzzable(word) else {
                return Ok(None);
            };
            let stem = normalize_word(&folded);
            if is_indexed(searcher, fields.all_grams, &stem)
                || is_indexed(searcher, fields.name_pinyin, &folded)
            {
                return Ok(None);
            }
            let in_text = closest_term(searcher, index_dir, fields.all_grams, &stem)?;
            let in_names = closest_term(searcher, index_dir, fields.name_pinyin, &folded)?;
            let best = match (in_text, in_names) {
                (Some(text), Some(name)) => {
                    if distance(&folded, &name) < distance(&stem, &text) {
                        Some(name)
                    } else {
                        Some(text)
                    }
                }
                (text, name) => text.or(name),
            };
            best.map(|corrected| {
                tell(word, &corrected);
                Clause::Word(corrected)
            })
        }
        Clause::Field(ProfileField::Name, value) => {
            let Some(folded) = fuzzable(&value.replace(' ', "")) else {
                return Ok(None);
            };
            if is_indexed(searcher, fields.name_pinyin, &folded)
                || is_indexed(searcher, fields.name_grams, &normalize_word(&folded))
            {
                return Ok(None);
            }
            closest_term(searcher, index_dir, fields.name_pinyin, &folded)?.map(|corrected| {
                tell(value, &corrected);
                Clause::Field(ProfileField::Name, corrected)
            })
        }
        Clause::Likes(value) | Clause::Mentions(value) => {
            let Some(folded) = fuzzable(&value.replace(' ', "")) else {
                return Ok(None);
            };
            let vocabulary = vocabulary()?;
            let table = match clause {
                Clause::Likes(_) => vocabulary.interests(),
                _ => vocabulary.competitors(),
            };
            if !table.resolve(value).is_empty() {
                return Ok(None);
            }
            let field = match clause {
                Clause::Likes(_) => fields.interest_grams,
                _ => fields.all_grams,
            };
            let stem = normalize_word(&folded);
            if is_indexed(searcher, field, &stem) {
                return Ok(None);
            }
            let corrected = closest_name(table, &folded)
                .map(Ok)
                .or_else(|| closest_term(searcher, index_dir, field, &stem).transpose())
                .transpose()?;
            corrected.map(|corrected| {
                tell(value, &corrected);
                match clause {
                    Clause::Likes(_) => Clause::Likes(corrected),
                    _ => Clause::Mentions(corrected),
                }
            })
        }
        Clause::Any(alternatives) => {
            let mut changed = false;
            let mut corrected = Vec::with_capacity(alternatives.len());
            for alternative in alternatives {
                let fixed = correct(
                    searcher,
                    index_dir,
                    fields,
                    vocabulary,
                    alternative,
                    notices,
                )?;
                changed |= fixed.is_some();
                corrected.push(fixed.unwrap_or_else(|| alternative.clone()));
            }
            changed.then_some(Clause::Any(corrected))
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_by_length_and_distance() {
        for (a, b, d) in [
            ("theatr", "theater", 1),
            ("micheal", "michael", 1),
            ("zhangwie", "zhangwei", 1),
            ("lenvo", "lenovo", 1),
            ("golf", "gold", 1),
            ("abc", "abc", 0),
            ("kitten", "sitting", 3),
        ] {
            assert_eq!(distance(a, b), d, "{a} {b}");
        }
        assert_eq!(
            [4, 5, 8, 9].map(allowed_typos),
            [0, 1, 1, 2],
            "one typo from 5 letters, two from 9"
        );
        assert_eq!(fuzzable("话剧"), None, "Chinese is never fuzzed");
        assert_eq!(fuzzable("golf"), None, "four letters allow no typo");
        assert_eq!(fuzzable("Lenvo").as_deref(), Some("lenvo"));
    }

    #[test]
    fn vocabulary_names_correct_likes_and_mentions() {
        let vocabulary = Vocabulary::builtin();
        assert_eq!(
            closest_name(vocabulary.competitors(), "lenvo").as_deref(),
            Some("Lenovo")
        );
        assert_eq!(
            closest_name(vocabulary.interests(), "photografy").as_deref(),
            Some("photography")
        );
    }

    #[test]
    fn the_words_of_deleted_documents_are_no_words_of_the_index() {
        use tantivy::schema::{STRING, Schema};
        let mut builder = Schema::builder();
        let field = builder.add_text_field("word", STRING);
        let index = tantivy::Index::create_in_ram(builder.build());
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).expect("a writer");
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        for word in ["zztheatre", "zxtheatre"] {
            writer
                .add_document(tantivy::doc!(field => word))
                .expect("adding");
        }
        writer.commit().expect("committing");
        writer.delete_term(Term::from_field_text(field, "zztheatre"));
        writer.commit().expect("committing the delete");
        let searcher = index.reader().expect("a reader").searcher();
        assert_eq!(
            searcher
                .doc_freq(&Term::from_field_text(field, "zztheatre"))
                .expect("doc_freq"),
            1,
            "tantivy still counts the deleted document (else this test tests nothing)"
        );
        assert!(!is_indexed(&searcher, field, "zztheatre"));
        assert!(is_indexed(&searcher, field, "zxtheatre"));
        let dir = std::path::Path::new("index");
        assert_eq!(
            closest_term(&searcher, dir, field, "zztheatrx").expect("closest"),
            Some("zxtheatre".to_string()),
            "the deleted word is no candidate"
        );
    }
}
