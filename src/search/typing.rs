//! As you type: a search box sends its text after every pause, so its last
//! word is often cut short (`zhangw`, `gol`, `Lenov`). In that mode
//! (`Searcher::as_you_type`) the clause that holds the last word, when no
//! space follows it, also matches that word as the start of an indexed
//! word: a Latin word of the text (`gol` → golf), a pinyin reading of a
//! name whose last syllable is incomplete (`zhangw` → zhangwei, zhangwen),
//! initials (`zw`, `name:zw`), inside `name:`, `company:`, `owner:` and
//! `KEY:VALUE`, and the start of a vocabulary name in `likes:` and
//! `mentions:` (`likes:gol`, so `who likes gol` too). Han text needs nothing more: grams already find any
//! substring (`计费系` finds 计费系统). A complete query without the mode is
//! searched exactly as before.
//!
//! The cost: a prefix stands for at most `MAX_EXPANSIONS` indexed words
//! per field, the first in term order, so a one-letter prefix reads that
//! many postings lists and no more.

use tantivy::query::{BooleanQuery, BoostQuery, Occur, PhrasePrefixQuery, Query as TantivyQuery};
use tantivy::schema::{Field, IndexRecordOption, Term};

use super::Searcher;
use super::snippet::Needle;
use crate::analysis::{grams, initials_term, normalize_word};
use crate::error::{Error, Result};
use crate::fold::{fold, is_cjk, is_word_char};
use crate::query::{Clause, ProfileField, Query};
use crate::vocab::{AliasTable, Group, alias_key};

/// At most this many indexed words one prefix stands for, per field: the
/// first in term order (a prefix's shortest continuations come first
/// among their siblings). A one-letter prefix would otherwise read the
/// postings of every word that starts with that letter.
pub const MAX_EXPANSIONS: usize = 64;

/// How much a word found only by its start counts, against the same word
/// typed whole (1.0).
const PREFIX_BOOST: f32 = 0.5;

/// How much initials found by their start count (a whole reading of the
/// name ranks above them, as for `name:`).
const INITIALS_BOOST: f32 = 0.3;

/// The clause of `query` that holds the last word of `typed` (the text the
/// query was read from), when that clause can match a prefix: the query's
/// last clause (inside an OR, its last alternative's), a free word or a
/// `name:`, `company:`, `owner:`, `likes:`, `mentions:` or `KEY:VALUE`
/// term, whose value ends the text. None when a space ends the text: its last word is complete. A closed quote or parenthesis, a `-` term or a question whose last
/// word became something else (`likes:`) has none.
pub fn typed_clause<'q>(query: &'q Query, typed: &str) -> Option<&'q Clause> {
    let mut clause = query.clauses.last()?;
    while let Clause::Any(alternatives) = clause {
        clause = alternatives.last()?.clauses.last()?;
    }
    let value = match clause {
        Clause::Word(value)
        | Clause::Likes(value)
        | Clause::Mentions(value)
        | Clause::Key(_, value)
        | Clause::Field(ProfileField::Name | ProfileField::Company | ProfileField::Owner, value) => {
            value
        }
        _ => return None,
    };
    if typed.ends_with(char::is_whitespace) {
        return None;
    }
    let text = fold(typed);
    let value = fold(value);
    // The value must end with a word (not `?` or a quote) and end the text.
    let ends_in_word = value
        .chars()
        .last()
        .is_some_and(|c| crate::fold::is_word_char(c) || is_cjk(c));
    (ends_in_word && !value.is_empty() && text.ends_with(&value)).then_some(clause)
}

/// Adds to a typed clause's needles its last Latin word as the start of a
/// word (highlighting the letters typed) before the others, and as the
/// start of a name's pinyin after them (the Han characters it reads).
pub(super) fn add_needles(needles: &mut Vec<Needle>, folded: &str) {
    if !ends_in_latin_word(folded) {
        return;
    }
    let Some(word) = crate::analysis::runs(folded).pop() else {
        return;
    };
    needles.insert(0, Needle::Prefix(word.text.to_string()));
    needles.push(Needle::Pinyin(word.text.to_string()));
}

/// The groups of a vocabulary (interests, competitors) one of whose names
/// starts with `prefix` (folded, spaces and case aside: `gol` → golf,
/// `高尔` → 高尔夫, `hewlett p` → HP), in file order, at most
/// `MAX_EXPANSIONS`.
pub(super) fn groups_starting<'t>(table: &'t AliasTable, prefix: &str) -> Vec<&'t Group> {
    let folded = fold(prefix);
    let prefix = alias_key(prefix);
    if prefix.is_empty() {
        return Vec::new();
    }
    table
        .groups
        .iter()
        .filter(|group| {
            group
                .names
                .iter()
                .any(|name| alias_key(name).starts_with(&prefix) || fold(name).starts_with(&folded))
        })
        .take(MAX_EXPANSIONS)
        .collect()
}

/// Whether folded text ends with a Latin word (Han text needs no prefix:
/// grams find any substring).
pub(super) fn ends_in_latin_word(folded: &str) -> bool {
    folded.chars().last().is_some_and(is_word_char)
}

impl Searcher<'_> {
    /// The indexed terms of `field` that start with `prefix` and are none
    /// of `except` (the complete word's own terms, searched already): the
    /// first `MAX_EXPANSIONS` in term order, over every segment.
    ///
    /// Fails when a segment's term dictionary cannot be read.
    pub(super) fn expansions(
        &self,
        field: Field,
        prefix: &str,
        except: &[&str],
    ) -> Result<Vec<Term>> {
        let start = prefix.as_bytes();
        let end = prefix_end(start);
        let mut found: std::collections::BTreeSet<Vec<u8>> = Default::default();
        for segment in self.read.searcher.segment_readers() {
            let index = segment
                .inverted_index(field)
                .map_err(|e| Error::index(self.location.index_dir(), e))?;
            let range = index.terms().range().ge(start);
            let range = match &end {
                Some(end) => range.lt(end),
                None => range,
            };
            let mut terms = range
                .into_stream()
                .map_err(|e| Error::io(self.location.index_dir(), e))?;
            // Each segment's first terms in order: the first overall are
            // among them, so the result does not depend on segments.
            let mut taken = 0;
            while taken < MAX_EXPANSIONS && terms.advance() {
                let key = terms.key();
                if except.iter().any(|e| e.as_bytes() == key) {
                    continue;
                }
                taken += 1;
                found.insert(key.to_vec());
            }
        }
        Ok(found
            .into_iter()
            .take(MAX_EXPANSIONS)
            .filter_map(|bytes| String::from_utf8(bytes).ok())
            .map(|text| Term::from_field_text(field, &text))
            .collect())
    }

    /// Any indexed word of `field` that starts with `prefix` (but is none
    /// of `except`), each scored as its own term, `boost` times. None when
    /// no word starts with it.
    fn prefix_query(
        &self,
        field: Field,
        prefix: &str,
        except: &[&str],
        boost: f32,
    ) -> Result<Option<Box<dyn TantivyQuery>>> {
        let terms = self.expansions(field, prefix, except)?;
        if terms.is_empty() {
            return Ok(None);
        }
        let any = BooleanQuery::new(
            terms
                .into_iter()
                .map(|term| -> (Occur, Box<dyn TantivyQuery>) {
                    (
                        Occur::Should,
                        Box::new(tantivy::query::TermQuery::new(
                            term,
                            IndexRecordOption::WithFreqs,
                        )),
                    )
                })
                .collect(),
        );
        Ok(Some(Box::new(BoostQuery::new(Box::new(any), boost))))
    }

    /// A word being typed as the start of a name's pinyin: a reading whose
    /// last syllable is incomplete (`zhangw` → zhangwei, `sim` → sima) and,
    /// from two letters on, initials (`zw` → `^zw`, `^zwj`), ranked below.
    pub(super) fn pinyin_prefix_query(&self, letters: &str) -> Result<Vec<Box<dyn TantivyQuery>>> {
        let field = self.read.fields.name_pinyin;
        let mut queries = Vec::new();
        queries.extend(self.prefix_query(field, letters, &[letters], PREFIX_BOOST)?);
        if letters.chars().count() >= 2 {
            let initials = initials_term(letters);
            queries.extend(self.prefix_query(field, &initials, &[&initials], INITIALS_BOOST)?);
        }
        Ok(queries)
    }

    /// Grams of `text` (indexed with `key` in front of each, see
    /// `plan::keyed_grams_query`) whose last Latin word is only the start of
    /// an indexed word: the indexed words it may start, or, after other
    /// words, the phrase with that last word as a prefix (tantivy's
    /// `PhrasePrefixQuery`, capped at `MAX_EXPANSIONS`). None when the text
    /// does not end with a Latin word.
    pub(super) fn grams_prefix_query(
        &self,
        field: Field,
        key: &str,
        text: &str,
    ) -> Result<Option<Box<dyn TantivyQuery>>> {
        let folded = fold(text.trim_end());
        let all = grams(&folded);
        let Some(last) = all.last() else {
            return Ok(None);
        };
        let raw = &folded[last.byte_range.clone()];
        if last.is_trailing_unigram || !ends_in_latin_word(&folded) {
            return Ok(None);
        }
        let keyed = |text: &str| format!("{key}{text}");
        if all.len() == 1 {
            let stem = keyed(&normalize_word(raw));
            let whole = keyed(raw);
            return self.prefix_query(field, &whole, &[&stem, &whole], PREFIX_BOOST);
        }
        let first = all[0].position;
        let mut terms: Vec<(usize, Term)> = all[..all.len() - 1]
            .iter()
            .map(|g| {
                (
                    g.position - first,
                    Term::from_field_text(field, &keyed(&g.text)),
                )
            })
            .collect();
        terms.push((
            last.position - first,
            Term::from_field_text(field, &keyed(raw)),
        ));
        let mut query = PhrasePrefixQuery::new_with_offset(terms);
        query.set_max_expansions(MAX_EXPANSIONS as u32);
        Ok(Some(Box::new(BoostQuery::new(
            Box::new(query),
            PREFIX_BOOST,
        ))))
    }
}

/// The first byte string after every string that starts with `prefix`;
/// None when there is none (a prefix of 0xff bytes only).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Location;
    use crate::search::SearchOptions;

    /// A small knowledge base: every customer and note as (path, JSON).
    const FILES: &[(&str, &str)] = &[
        (
            "customers/a.json",
            r#"{"id": "a", "name": "张伟", "company": "Lenovo Beijing", "interests": ["golf"], "contacts": {"wechat": "zhangwei_bj"}}"#,
        ),
        (
            "customers/b.json",
            r#"{"id": "b", "name": "张文", "region": "Shandong"}"#,
        ),
        ("customers/c.json", r#"{"id": "c", "name": "司马光明"}"#),
        (
            "customers/d.json",
            r#"{"id": "d", "name": "Sarah Thompson", "owner": "Mark Liu"}"#,
        ),
        ("customers/e.json", r#"{"id": "e", "name": "王芳"}"#),
        (
            "meetings/m1.json",
            r#"{"id": "m1", "customer": "d", "date": "2026-11-02", "text": "Billing system upgrade; 计费系统升级"}"#,
        ),
        (
            "meetings/m2.json",
            r#"{"id": "m2", "customer": "e", "date": "2026-11-03", "text": "送了一套高尔夫 golden clubs"}"#,
        ),
    ];

    fn index(files: &[(&str, &str)]) -> Result<(tempfile::TempDir, Location)> {
        let kb = tempfile::tempdir().expect("temp dir");
        crate::testing::write_files(kb.path(), files);
        let location = Location::new(kb.path(), Some(&kb.path().join(".index")))?;
        crate::testing::index_folder(&location)?;
        Ok((kb, location))
    }

    /// The ids found for `text`, sorted, as typed (`typing`) or not.
    fn found(location: &Location, text: &str, typing: bool) -> Result<Vec<String>> {
        let read = crate::index::open_for_search(location)?;
        let everyone = crate::team::Reader::everyone();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date");
        let query = crate::query::parse(text, today)?;
        let mut searcher = Searcher::new(&read, location, &everyone);
        if typing {
            searcher = searcher.as_you_type(text);
        }
        let result = searcher.search(&query, SearchOptions::new(20))?;
        assert_eq!(result.total, result.hits.len(), "{text}");
        let mut ids: Vec<String> = result.hits.into_iter().map(|hit| hit.id).collect();
        ids.sort();
        Ok(ids)
    }

    #[test]
    fn the_word_being_typed_matches_as_a_prefix() -> Result<()> {
        let (_kb, location) = index(FILES)?;
        let table: &[(&str, &[&str])] = &[
            // A pinyin reading whose last syllable is incomplete.
            ("zhangw", &["a", "b"]),
            ("zhangwe", &["a", "b"]),
            ("zhang wen", &["b"]),
            ("zhang we", &["a", "b"]),
            ("sim", &["c"]),
            ("simaguangm", &["c"]),
            // Initials, from two letters on, and in `name:`.
            ("smg", &["c"]),
            ("name:zw", &["a", "b"]),
            ("name:zhangw", &["a", "b"]),
            ("name:sima g", &["c"]),
            // English words, in any field, and inside a phrase of a field.
            ("gol", &["a", "e"]),
            ("Lenov", &["a"]),
            ("thomp", &["d"]),
            ("bill", &["d"]),
            ("billing sys", &["d"]),
            ("company:lenovo bei", &["a"]),
            ("owner:mark l", &["d"]),
            ("owner:li", &["d"]),
            ("region:shand", &["b"]),
            // Vocabulary names: an interest or competitor it starts.
            ("likes:gol", &["a"]),
            ("likes:高尔", &["a"]),
            ("mentions:len", &["a"]),
            // Chinese: any substring already.
            ("计费系", &["d"]),
            ("高尔", &["e"]),
            // Complete words still find what they found.
            ("zhangwei", &["a"]),
            ("golf", &["a"]),
            // Only the last word is a prefix; a space ends it.
            ("gol thomp", &[]),
            ("zhang wei", &["a"]),
            // An exclusion is never a prefix: the letters typed so far
            // would exclude customers the whole word does not.
            ("-gol", &["a", "b", "c", "d", "e"]),
            ("wang OR gol", &["a", "e"]),
        ];
        for &(text, expected) in table {
            assert_eq!(found(&location, text, true)?, expected, "typing {text:?}");
        }
        Ok(())
    }

    #[test]
    fn a_complete_query_means_what_it_meant() -> Result<()> {
        let (_kb, location) = index(FILES)?;
        for (text, expected) in [
            ("gol", &[][..]),
            ("sim", &[]),
            ("likes:gol", &[]),
            ("zhangwei", &["a"]),
            ("golf", &["a"]),
            ("name:zw", &["a", "b"]),
            ("billing", &["d"]),
        ] {
            assert_eq!(found(&location, text, false)?, expected, "{text:?}");
        }
        // A space after the word: it is complete.
        let read = crate::index::open_for_search(&location)?;
        let everyone = crate::team::Reader::everyone();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date");
        let query = crate::query::parse("gol", today)?;
        let result = Searcher::new(&read, &location, &everyone)
            .as_you_type("gol ")
            .search(&query, SearchOptions::new(20))?;
        assert_eq!(result.total, 0, "{result:?}");
        Ok(())
    }

    #[test]
    fn a_prefix_match_is_highlighted_and_explained_once_per_customer() -> Result<()> {
        let (_kb, location) = index(FILES)?;
        let read = crate::index::open_for_search(&location)?;
        let everyone = crate::team::Reader::everyone();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date");
        let table: &[(&str, &str, &str, &str)] = &[
            // typed, customer, field, highlighted text
            ("gol", "a", "interests", "gol"),
            ("Lenov", "a", "company", "Lenov"),
            // The name it spells, before a word that starts with it.
            ("zhangw", "a", "name", "张伟"),
            ("sim", "c", "name", "司马"),
            ("smg", "c", "name", "司马光"),
            ("thomp", "d", "name", "Thomp"),
            ("owner:li", "d", "owner", "Li"),
            ("name:zhangw", "a", "name", "张伟"),
            ("billing system up", "d", "text", "Billing"),
        ];
        for &(text, id, field, marked) in table {
            let query = crate::query::parse(text, today)?;
            let result = Searcher::new(&read, &location, &everyone)
                .as_you_type(text)
                .search(&query, SearchOptions::new(20))?;
            let ids: Vec<&str> = result.hits.iter().map(|hit| hit.id.as_str()).collect();
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), ids.len(), "{text}: each customer once");
            let hit = result
                .hits
                .iter()
                .find(|hit| hit.id == id)
                .unwrap_or_else(|| panic!("{text}: {id} missing from {ids:?}"));
            let shown: Vec<(String, String)> = hit
                .matches
                .iter()
                .map(|m| {
                    let chars: Vec<char> = m.snippet.chars().collect();
                    let (start, end) = m.highlight.unwrap_or((0, 0));
                    (m.field.clone(), chars[start..end].iter().collect())
                })
                .collect();
            assert!(
                shown.contains(&(field.to_string(), marked.to_string())),
                "{text}: {field} {marked} not in {shown:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn a_short_prefix_stands_for_a_capped_number_of_words() -> Result<()> {
        let words: Vec<String> = (0..200).map(|i| format!("qz{i:03}")).collect();
        let note = format!(
            r#"{{"id": "m", "customer": "a", "text": "{}"}}"#,
            words.join(" ")
        );
        let (_kb, location) = index(&[FILES[0], ("meetings/m.json", &note)])?;
        let read = crate::index::open_for_search(&location)?;
        let everyone = crate::team::Reader::everyone();
        let searcher = Searcher::new(&read, &location, &everyone);
        for (prefix, expected) in [
            ("q", &words[..MAX_EXPANSIONS]),
            ("qz1", &words[100..164]),
            ("qz19", &words[190..200]),
            ("qz199", &[][..]),
        ] {
            let terms: Vec<String> = searcher
                .expansions(read.fields.all_grams, prefix, &[prefix])?
                .iter()
                .filter_map(|term| term.value().as_str().map(str::to_string))
                .collect();
            assert_eq!(terms, expected, "{prefix}");
        }
        // The search still finds the customer, once.
        assert_eq!(found(&location, "q", true)?, ["a"]);
        Ok(())
    }

    #[test]
    fn the_typed_clause_is_the_last_one_and_ends_the_text() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date");
        let table: &[(&str, &str, Option<&str>)] = &[
            ("gol", "gol", Some("gol")),
            ("golf zhangw", "golf zhangw", Some("zhangw")),
            ("name:zw", "name:zw", Some("name:zw")),
            ("region:shand", "region:shand", Some("region:shand")),
            ("a OR gol", "a OR gol", Some("gol")),
            ("(a OR gol)", "(a OR gol)", None),
            ("\"billing sys\"", "\"billing sys\"", None),
            ("-gol", "-gol", None),
            ("likes:gol", "likes:gol", Some("likes:gol")),
            ("travel:bei", "travel:bei", None),
            // `ask`: only when the question's last word is the last clause.
            ("zhangw", "客户 zhangw", Some("zhangw")),
            ("likes:gol", "who likes gol", Some("likes:gol")),
            (
                "likes:golf when:next-week",
                "who likes golf next week",
                None,
            ),
            ("gol", "gol ", None),
        ];
        for &(query, typed, expected) in table {
            let query = crate::query::parse(query, today).expect("a query");
            let clause = typed_clause(&query, typed).map(|c| c.to_string());
            assert_eq!(clause.as_deref(), expected, "{typed}");
        }
    }

    #[test]
    fn prefix_end_is_the_first_string_after_the_prefix() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff\xff"), None);
    }
}
