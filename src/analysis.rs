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

/// Receives each gram: term, position, byte range in the text, and whether
/// it is the trailing unigram of a Han run.
pub type GramSink<'a> = dyn FnMut(&str, usize, std::ops::Range<usize>, bool) + 'a;

/// Streams the grams of a text, folding as it goes, into `sink(term,
/// position, byte range in `text`, is trailing unigram)`. The one
/// definition of the grams stream: the index tokenizer and the query side
/// both go through it.
///
/// Positions: a Han run of m ≥ 2 characters from position b has its
/// bigrams at b … b+m−2, leaves b+m−1 empty, and puts its closing unigram
/// at b+m; what follows starts at b+m+1. A run of one character is its
/// unigram at b. So two bigrams two positions apart are always in one run,
/// and a phrase may skip every other bigram and still match only the whole
/// string (`search::covering`: 系统，升级 is not 系统升级). And whatever
/// follows a run's unigram starts right after it, where tantivy's
/// phrase-prefix query looks for the prefix; a character that starts a run
/// is at the same position whether its run is longer (a bigram) or not
/// (the unigram).
pub fn for_each_gram(text: &str, sink: &mut GramSink) {
    let mut position = 0;
    let mut gram = String::new();
    let mut word = String::new();
    let mut word_start = 0;
    // The previous Han character of the current run: the char, its byte
    // offset and length, and whether the run has more than that one char.
    let mut previous: Option<(char, usize, usize, bool)> = None;
    let close_run = |previous: &mut Option<(char, usize, usize, bool)>,
                     gram: &mut String,
                     position: &mut usize,
                     sink: &mut GramSink| {
        if let Some((c, start, len, longer)) = previous.take() {
            gram.clear();
            gram.push(c);
            // After bigrams, one past the last character, whose position
            // stays empty; alone, at the character's own position.
            let gap = usize::from(longer);
            sink(gram, *position + gap, start..start + len, true);
            *position += 1 + gap;
        }
    };
    let close_word = |word: &mut String,
                      word_start: usize,
                      end: usize,
                      position: &mut usize,
                      sink: &mut GramSink| {
        if !word.is_empty() {
            sink(&normalize_word(word), *position, word_start..end, false);
            *position += 1;
            word.clear();
        }
    };
    for (offset, original) in text.char_indices() {
        let c = crate::fold::fold_char(original);
        if is_cjk(c) {
            close_word(&mut word, word_start, offset, &mut position, sink);
            if let Some((p, start, _, _)) = previous {
                gram.clear();
                gram.push(p);
                gram.push(c);
                sink(&gram, position, start..offset + original.len_utf8(), false);
                position += 1;
            }
            previous = Some((c, offset, original.len_utf8(), previous.is_some()));
        } else {
            close_run(&mut previous, &mut gram, &mut position, sink);
            if is_word_char(c) {
                if word.is_empty() {
                    word_start = offset;
                }
                word.push(c);
            } else {
                close_word(&mut word, word_start, offset, &mut position, sink);
            }
        }
    }
    close_run(&mut previous, &mut gram, &mut position, sink);
    close_word(&mut word, word_start, text.len(), &mut position, sink);
}

/// The grams stream of a text, collected.
pub fn grams(text: &str) -> Vec<Gram> {
    let mut out = Vec::new();
    for_each_gram(
        text,
        &mut |term, position, byte_range, is_trailing_unigram| {
            out.push(Gram {
                text: term.to_string(),
                position,
                byte_range,
                is_trailing_unigram,
            });
        },
    );
    out
}

/// The tantivy tokenizer of grams fields: folds and streams grams, reusing
/// its token buffers across documents.
#[derive(Clone, Default)]
pub struct GramsTokenizer {
    tokens: Vec<Token>,
}

/// A token stream over tokens computed up front.
pub struct BufferedStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl tantivy::tokenizer::TokenStream for BufferedStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// Fills `tokens[len]`, reusing its text buffer.
fn put(
    tokens: &mut Vec<Token>,
    len: &mut usize,
    term: &str,
    position: usize,
    range: std::ops::Range<usize>,
) {
    if *len == tokens.len() {
        tokens.push(Token::default());
    }
    let token = &mut tokens[*len];
    token.text.clear();
    token.text.push_str(term);
    token.position = position;
    token.offset_from = range.start;
    token.offset_to = range.end;
    token.position_length = 1;
    *len += 1;
}

impl tantivy::tokenizer::Tokenizer for GramsTokenizer {
    type TokenStream<'a> = BufferedStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferedStream<'a> {
        let mut len = 0;
        let tokens = &mut self.tokens;
        for_each_gram(text, &mut |term, position, range, _| {
            put(tokens, &mut len, term, position, range)
        });
        BufferedStream {
            tokens: &mut self.tokens[..len],
            next: 0,
        }
    }
}

/// The tantivy tokenizer of the any-field index (`KEY:VALUE`): each value
/// is `key` + `LIST_SEPARATOR` + text, and every gram of the text (as
/// `GramsTokenizer` makes them) is indexed with the key and the separator
/// in front, so a phrase of keyed grams matches inside one field only.
#[derive(Clone, Default)]
pub struct KeyedGramsTokenizer {
    tokens: Vec<Token>,
    term: String,
}

impl tantivy::tokenizer::Tokenizer for KeyedGramsTokenizer {
    type TokenStream<'a> = BufferedStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferedStream<'a> {
        let mut len = 0;
        let tokens = &mut self.tokens;
        let term_buffer = &mut self.term;
        if let Some((key, value)) = text.split_once(LIST_SEPARATOR) {
            let skip = key.len() + LIST_SEPARATOR.len_utf8();
            for_each_gram(value, &mut |term, position, range, _| {
                term_buffer.clear();
                term_buffer.push_str(key);
                term_buffer.push(LIST_SEPARATOR);
                term_buffer.push_str(term);
                put(
                    tokens,
                    &mut len,
                    term_buffer,
                    position,
                    range.start + skip..range.end + skip,
                )
            });
        }
        BufferedStream {
            tokens: &mut self.tokens[..len],
            next: 0,
        }
    }
}

/// Separates the terms of a list field (jieba words, pinyin readings),
/// which dossier computes itself and tantivy only splits.
pub const LIST_SEPARATOR: char = '\u{1f}';

/// The tantivy tokenizer of list fields: one token per separated term.
#[derive(Clone, Default)]
pub struct ListTokenizer {
    tokens: Vec<Token>,
}

impl tantivy::tokenizer::Tokenizer for ListTokenizer {
    type TokenStream<'a> = BufferedStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BufferedStream<'a> {
        let mut len = 0;
        let mut offset = 0;
        for (position, term) in text.split(LIST_SEPARATOR).enumerate() {
            if !term.is_empty() {
                put(
                    &mut self.tokens,
                    &mut len,
                    term,
                    position,
                    offset..offset + term.len(),
                );
            }
            offset += term.len() + LIST_SEPARATOR.len_utf8();
        }
        BufferedStream {
            tokens: &mut self.tokens[..len],
            next: 0,
        }
    }
}

/// Jieba with dossier's custom words: one shared dictionary per process,
/// loaded only by indexing (it costs about 100 ms).
pub struct Segmenter {
    jieba: Jieba,
}

impl Segmenter {
    /// Builds the segmenter with extra words (vocabulary aliases and the
    /// contexts in which they are not names), each as frequent as it must be
    /// to be cut whole when it stands alone, and no more: forced words would
    /// win over the sentence (升华为 cut 升|华为, 张建华为 张建|华为), and
    /// the segmenter is what confirms a vocabulary name as a word of its
    /// sentence (`vocab::AliasTable::find_words_in`).
    pub fn new<'a>(custom_words: impl IntoIterator<Item = &'a str>) -> Self {
        let mut jieba = Jieba::new();
        for word in custom_words {
            if word.chars().count() >= 2 && word.chars().all(is_cjk) {
                jieba.add_word(word, None, None);
            }
        }
        Segmenter { jieba }
    }

    /// The jieba words (default mode) of the Han runs of folded text, in
    /// order. Latin words need no segmentation and are not returned.
    pub fn words<'a>(&self, folded: &'a str) -> Vec<&'a str> {
        runs(folded)
            .into_iter()
            .filter(|run| run.is_cjk)
            .flat_map(|run| {
                self.jieba
                    .cut(run.text, false)
                    .into_iter()
                    .map(|token| token.word)
            })
            .collect()
    }

    /// Appends the search-mode terms of the Han words to a list field's
    /// text: each word plus the 2- and 3-character dictionary words inside
    /// it, as jieba's `cut_for_search` does, derived from one `cut` so text
    /// is segmented once.
    pub fn append_search_terms(&self, words: &[&str], out: &mut String) {
        let mut gram = String::new();
        for word in words {
            let chars: Vec<char> = word.chars().collect();
            for width in [2, 3] {
                if chars.len() > width {
                    for window in chars.windows(width) {
                        gram.clear();
                        gram.extend(window);
                        if self.jieba.has_word(&gram) {
                            out.push_str(&gram);
                            out.push(LIST_SEPARATOR);
                        }
                    }
                }
            }
            out.push_str(word);
            out.push(LIST_SEPARATOR);
        }
    }
}

/// Marks a name's initials among its pinyin tokens (`^smgm`), so that a
/// query asks for initials on purpose (`name:smgm`, ranked below a whole
/// reading) and a free word (HP, SAP) never meets them by chance.
pub const INITIALS_MARK: char = '^';

/// The pinyin token of a name's initials.
pub fn initials_term(initials: &str) -> String {
    format!("{INITIALS_MARK}{initials}")
}

/// The ways a syllable may be typed: ü as ü, v, u or yu (lü: lv, lu, lyu).
fn typed_forms(syllable: &str) -> Vec<String> {
    if !syllable.contains(['ü', 'v']) {
        return vec![syllable.to_string()];
    }
    ["ü", "v", "u", "yu"]
        .iter()
        .map(|form| syllable.replace(['ü', 'v'], form))
        .collect()
}

/// Every pinyin reading of a Han character as it may be typed (ü also as v,
/// u and yu), sorted; none for a character without one.
pub fn readings(c: char) -> Vec<String> {
    use pinyin::ToPinyinMulti;
    match c.to_pinyin_multi() {
        Some(multi) => {
            let mut plain: Vec<String> = multi
                .into_iter()
                .flat_map(|p| typed_forms(p.plain()))
                .collect();
            plain.sort();
            plain.dedup();
            plain
        }
        None => Vec::new(),
    }
}

/// Every reading of the syllables `readings` run together, capped.
fn run_together(readings: &[Vec<String>], cap: usize) -> Vec<String> {
    let mut joined: Vec<String> = vec![String::new()];
    for syllables in readings {
        joined = joined
            .iter()
            .flat_map(|prefix| syllables.iter().map(move |s| format!("{prefix}{s}")))
            .take(cap)
            .collect();
    }
    joined
}

/// Every pinyin token of a name: each syllable in every reading, and every
/// run of whole syllables run together (司马光明: sima, simaguang,
/// guangming, simaguangming …; never ngming), ü also as v, u and yu, and
/// the whole name's initials (`^smgm`, see `INITIALS_MARK`). Capped so a
/// long company name cannot explode.
pub fn name_pinyin(folded_name: &str) -> Vec<String> {
    const MAX_COMBINATIONS: usize = 16;
    const MAX_RUN_CHARS: usize = 6;
    let mut out = Vec::new();
    for run in runs(folded_name) {
        if !run.is_cjk {
            continue;
        }
        let readings: Vec<Vec<String>> = run.text.chars().map(readings).collect();
        for syllables in &readings {
            out.extend(syllables.iter().cloned());
        }
        if readings.iter().any(Vec::is_empty) || readings.len() > MAX_RUN_CHARS {
            continue;
        }
        for start in 0..readings.len() {
            for end in start + 2..=readings.len() {
                out.extend(run_together(&readings[start..end], MAX_COMBINATIONS));
            }
        }
        if readings.len() >= 2 {
            let initials: Vec<Vec<String>> = readings
                .iter()
                .map(|syllables| {
                    let mut firsts: Vec<String> = syllables
                        .iter()
                        .filter_map(|s| s.chars().next())
                        .map(String::from)
                        .collect();
                    firsts.dedup();
                    firsts
                })
                .collect();
            out.extend(
                run_together(&initials, MAX_COMBINATIONS)
                    .iter()
                    .map(|i| initials_term(i)),
            );
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
                &[("计费", 0), ("费系", 1), ("系统", 2), ("统", 4)],
            ),
            ("IBM计费", &[("ibm", 0), ("计费", 1), ("费", 3)]),
            ("話劇，Theatre", &[("话剧", 0), ("剧", 2), ("theater", 3)]),
            (
                "系统，升级",
                &[("系统", 0), ("统", 2), ("升级", 3), ("级", 5)],
            ),
            ("Theaters", &[("theater", 0)]),
            ("王", &[("王", 0)]),
            ("王，李四", &[("王", 0), ("李四", 1), ("四", 3)]),
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
    fn pinyin_has_every_reading_and_run_of_syllables() {
        for (name, must_contain, must_not) in [
            (
                "张伟",
                &["zhang", "wei", "zhangwei", "^zw"][..],
                &["zw"][..],
            ),
            (
                "曾志强",
                &[
                    "zeng",
                    "ceng",
                    "zengzhiqiang",
                    "zhiqiang",
                    "zengzhi",
                    "^zzq",
                    "^czq",
                ],
                &[],
            ),
            ("单雪", &["shan", "dan", "shanxue"], &[]),
            (
                "司马光明",
                &[
                    "sima",
                    "simaguang",
                    "guangming",
                    "maguang",
                    "simaguangming",
                    "^smgm",
                ],
                &["ngming", "smgm", "imag"],
            ),
            ("李佳琪", &["lijia", "jiaqi", "lijiaqi", "^ljq"], &["ijia"]),
            (
                "吕芳",
                &["lü", "lv", "lu", "lyu", "lvfang", "lufang", "lyufang"],
                &[],
            ),
            ("女娲", &["nv", "nu", "nvwa"], &[]),
        ] {
            let tokens = name_pinyin(&fold(name));
            for token in must_contain {
                assert!(
                    tokens.iter().any(|t| t == token),
                    "{name}: {token} missing from {tokens:?}"
                );
            }
            for token in must_not {
                assert!(
                    !tokens.iter().any(|t| t == token),
                    "{name}: {token} is no run of whole syllables: {tokens:?}"
                );
            }
        }
    }
}
