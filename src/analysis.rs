//! The analyzer: turns folded text into the tokens that are indexed and
//! queried. Documents and queries go through the same functions, so a query
//! word and an indexed word always meet.
//!
//! Three token streams exist:
//! - *grams* (positions): Latin words, normalised and stemmed, and for every
//!   run of Han characters one bigram per character plus a trailing unigram.
//!   This is what makes any substring and any phrase findable without a
//!   dictionary, so the query path never loads jieba.
//! - *words* (frequencies): jieba's search-mode words of the Han runs, used to
//!   rank whole-word matches above substring matches. Index time only.
//! - *pinyin*: every reading of a name, for `name:zhang` and `zhangwei`.

use std::collections::HashMap;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::Token;

use crate::fold::{is_cjk, is_word_char};

/// A maximal run of folded text that is either Han characters or a Latin word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run<'a> {
    /// The folded text of the run.
    pub text: &'a str,
    /// Byte offset of the run in the folded text.
    pub byte_start: usize,
    /// Char offset of the run in the folded text (and so in the original).
    pub char_start: usize,
    /// Number of chars in the run.
    pub char_len: usize,
    /// True for a run of Han characters.
    pub is_cjk: bool,
}

/// Splits folded text into Han runs and Latin words; everything else
/// (spaces, punctuation, symbols) only separates.
pub fn runs(folded: &str) -> Vec<Run<'_>> {
    let mut out = Vec::new();
    let mut current: Option<(usize, usize, usize, bool)> = None; // byte, char, len, cjk
    for (char_index, (byte_index, c)) in folded.char_indices().enumerate() {
        let class = if is_cjk(c) {
            Some(true)
        } else if is_word_char(c) {
            Some(false)
        } else {
            None
        };
        match (current, class) {
            (Some((b, ci, len, cjk)), Some(this)) if cjk == this => {
                current = Some((b, ci, len + 1, cjk));
            }
            (previous, this) => {
                if let Some((b, ci, len, cjk)) = previous {
                    out.push(make_run(folded, b, byte_index, ci, len, cjk));
                }
                current = this.map(|cjk| (byte_index, char_index, 1, cjk));
            }
        }
    }
    if let Some((b, ci, len, cjk)) = current {
        out.push(make_run(folded, b, folded.len(), ci, len, cjk));
    }
    out
}

fn make_run(
    folded: &str,
    from: usize,
    to: usize,
    char_start: usize,
    char_len: usize,
    is_cjk: bool,
) -> Run<'_> {
    Run {
        text: &folded[from..to],
        byte_start: from,
        char_start,
        char_len,
        is_cjk,
    }
}

/// British → American spellings applied before stemming, so theatre meets
/// theater and colour meets color (`index_schema/spelling.tsv`).
static SPELLING: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    crate::vocab::SPELLING_TSV
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| line.split_once('\t'))
        .map(|(british, american)| (british.trim(), american.trim()))
        .collect()
});

thread_local! {
    static STEMMER: rust_stemmers::Stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English);
}

/// Normalises one folded Latin word: spelling variants, then the English
/// Snowball stemmer. Words with digits are kept as they are.
pub fn normalize_word(word: &str) -> String {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_string();
    }
    let spelled: &str = SPELLING.get(word).copied().unwrap_or(word);
    // centre, theatre(s), metre: the -tre spelling becomes -ter.
    let respelled;
    let spelled = match ["tres", "tre"]
        .iter()
        .find(|suffix| spelled.len() > 4 && spelled.ends_with(*suffix))
    {
        Some(suffix) => {
            respelled = format!(
                "{}er{}",
                &spelled[..spelled.len() - suffix.len() + 1],
                &suffix[3..]
            );
            &respelled
        }
        None => spelled,
    };
    STEMMER.with(|stemmer| stemmer.stem(spelled).into_owned())
}

/// One token of the grams stream, with whether it is the trailing unigram of
/// a Han run (queries drop those inside phrases; see `query_grams`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gram {
    /// The indexed term.
    pub text: String,
    /// Position in the stream: one per Han character, one per Latin word.
    pub position: usize,
    /// Byte range in the folded text.
    pub byte_range: std::ops::Range<usize>,
    /// True for the unigram that closes a Han run.
    pub is_trailing_unigram: bool,
}

/// The grams stream of folded text.
pub fn grams(folded: &str) -> Vec<Gram> {
    let mut out = Vec::new();
    let mut position = 0;
    for run in runs(folded) {
        if run.is_cjk {
            let chars: Vec<(usize, char)> = run.text.char_indices().collect();
            for (i, (offset, c)) in chars.iter().enumerate() {
                let start = run.byte_start + offset;
                if let Some((next_offset, next)) = chars.get(i + 1) {
                    let end = run.byte_start + next_offset + next.len_utf8();
                    out.push(Gram {
                        text: format!("{c}{next}"),
                        position,
                        byte_range: start..end,
                        is_trailing_unigram: false,
                    });
                } else {
                    out.push(Gram {
                        text: c.to_string(),
                        position,
                        byte_range: start..start + c.len_utf8(),
                        is_trailing_unigram: true,
                    });
                }
                position += 1;
            }
        } else {
            out.push(Gram {
                text: normalize_word(run.text),
                position,
                byte_range: run.byte_start..run.byte_start + run.text.len(),
                is_trailing_unigram: false,
            });
            position += 1;
        }
    }
    out
}

/// Converts grams to tantivy tokens for a pre-tokenized field.
pub fn to_tokens(grams: Vec<Gram>) -> Vec<Token> {
    grams
        .into_iter()
        .map(|gram| Token {
            offset_from: gram.byte_range.start,
            offset_to: gram.byte_range.end,
            position: gram.position,
            text: gram.text,
            position_length: 1,
        })
        .collect()
}

/// A word of the segmented text: a jieba word of a Han run or a Latin word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Normalised text: a Han word as folded, a Latin word stemmed.
    pub key: String,
    /// True for a Latin word.
    pub is_latin: bool,
    /// Char range in the folded text.
    pub char_range: std::ops::Range<usize>,
}

/// Jieba with dossier's custom words: one shared dictionary per process,
/// loaded only by indexing (it costs about 100 ms).
pub struct Segmenter {
    jieba: Jieba,
}

impl Segmenter {
    /// Builds the segmenter with extra words (vocabulary aliases and the
    /// contexts in which they are not names), each forced to stay whole.
    pub fn new<'a>(custom_words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut jieba = Jieba::new();
        for word in custom_words {
            if word.chars().count() >= 2 && word.chars().all(is_cjk) {
                jieba.add_word(word, Some(200_000), None);
            }
        }
        Segmenter { jieba }
    }

    /// The words of folded text in order: jieba's default-mode words for Han
    /// runs (whole words, for alias scanning) and Latin words.
    pub fn words(&self, folded: &str) -> Vec<Word> {
        let mut out = Vec::new();
        for run in runs(folded) {
            if run.is_cjk {
                for token in self.jieba.cut(run.text, true) {
                    out.push(Word {
                        key: token.word.to_string(),
                        is_latin: false,
                        char_range: run.char_start + token.start..run.char_start + token.end,
                    });
                }
            } else {
                out.push(Word {
                    key: normalize_word(run.text),
                    is_latin: true,
                    char_range: run.char_start..run.char_start + run.char_len,
                });
            }
        }
        out
    }

    /// The search-mode terms of the Han words: each word plus the 2- and
    /// 3-character dictionary words inside it, as jieba's `cut_for_search`
    /// does, derived from one `cut` so text is segmented once.
    pub fn search_terms(&self, words: &[Word]) -> Vec<String> {
        let mut out = Vec::new();
        for word in words.iter().filter(|word| !word.is_latin) {
            let chars: Vec<char> = word.key.chars().collect();
            for width in [2, 3] {
                if chars.len() > width {
                    for window in chars.windows(width) {
                        let gram: String = window.iter().collect();
                        if self.jieba.has_word(&gram) {
                            out.push(gram);
                        }
                    }
                }
            }
            out.push(word.key.clone());
        }
        out
    }
}

/// Every pinyin token of a name: each syllable in every reading, the whole
/// name run together in every reading, and the given name run together.
/// Capped so a long company name cannot explode.
pub fn name_pinyin(folded_name: &str) -> Vec<String> {
    use pinyin::ToPinyinMulti;
    const MAX_COMBINATIONS: usize = 16;
    let mut out = Vec::new();
    for run in runs(folded_name) {
        if !run.is_cjk {
            continue;
        }
        let readings: Vec<Vec<&'static str>> = run
            .text
            .chars()
            .map(|c| match c.to_pinyin_multi() {
                Some(multi) => {
                    let mut plain: Vec<&'static str> =
                        multi.into_iter().map(|p| p.plain()).collect();
                    plain.dedup();
                    plain
                }
                None => Vec::new(),
            })
            .collect();
        for syllables in &readings {
            out.extend(syllables.iter().map(|s| s.to_string()));
        }
        if readings.iter().any(Vec::is_empty) || readings.len() > 6 {
            continue;
        }
        let mut whole: Vec<String> = vec![String::new()];
        for syllables in &readings {
            whole = whole
                .iter()
                .flat_map(|prefix| syllables.iter().map(move |s| format!("{prefix}{s}")))
                .take(MAX_COMBINATIONS)
                .collect();
        }
        out.extend(whole);
        if readings.len() >= 3 {
            let mut given: Vec<String> = vec![String::new()];
            for syllables in &readings[1..] {
                given = given
                    .iter()
                    .flat_map(|prefix| syllables.iter().map(move |s| format!("{prefix}{s}")))
                    .take(MAX_COMBINATIONS)
                    .collect();
            }
            out.extend(given);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::fold;

    fn gram_texts(text: &str) -> Vec<(String, usize)> {
        grams(&fold(text))
            .into_iter()
            .map(|g| (g.text, g.position))
            .collect()
    }

    #[test]
    fn grams_cover_every_substring_and_word() {
        let table: &[(&str, &[(&str, usize)])] = &[
            (
                "计费系统",
                &[("计费", 0), ("费系", 1), ("系统", 2), ("统", 3)],
            ),
            ("IBM计费", &[("ibm", 0), ("计费", 1), ("费", 2)]),
            ("話劇，Theatre", &[("话剧", 0), ("剧", 1), ("theater", 2)]),
            ("Theaters", &[("theater", 0)]),
            ("王", &[("王", 0)]),
            ("call 13800138000", &[("call", 0), ("13800138000", 1)]),
        ];
        for (input, expected) in table {
            let expected: Vec<(String, usize)> =
                expected.iter().map(|(t, p)| (t.to_string(), *p)).collect();
            assert_eq!(gram_texts(input), expected, "grams({input:?})");
        }
    }

    #[test]
    fn normalizes_spelling_and_stems() {
        for (input, expected) in [
            ("theatre", "theater"),
            ("theater", "theater"),
            ("theatres", "theater"),
            ("colour", "color"),
            ("fishing", "fish"),
            ("2026", "2026"),
        ] {
            assert_eq!(normalize_word(input), normalize_word(expected), "{input}");
        }
    }

    #[test]
    fn runs_split_scripts() {
        let folded = fold("用IBM的计费系统, ok");
        let texts: Vec<(&str, bool)> = runs(&folded).iter().map(|r| (r.text, r.is_cjk)).collect();
        assert_eq!(
            texts,
            vec![
                ("用", true),
                ("ibm", false),
                ("的计费系统", true),
                ("ok", false)
            ]
        );
    }

    #[test]
    fn pinyin_has_every_reading() {
        for (name, must_contain) in [
            ("张伟", &["zhang", "wei", "zhangwei"][..]),
            ("曾志强", &["zeng", "ceng", "zengzhiqiang", "zhiqiang"][..]),
            ("单雪", &["shan", "dan", "shanxue"][..]),
        ] {
            let tokens = name_pinyin(&fold(name));
            for token in must_contain {
                assert!(
                    tokens.iter().any(|t| t == token),
                    "{name}: {token} missing from {tokens:?}"
                );
            }
        }
    }
}
