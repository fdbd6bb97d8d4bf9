//! Planning: each clause of a `Query` → a tantivy query and how to explain it.

use std::ops::Bound;

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhrasePrefixQuery, Query as TantivyQuery,
    RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};

use super::Searcher;
use super::snippet::Needle;
use super::typing;
use crate::analysis::{Gram, LIST_SEPARATOR, grams, normalize_word, runs};
use crate::dates::{DateRange, to_days};
use crate::document::RAW_PREFIX;
use crate::error::{Error, Result};
use crate::fold::{fold, is_cjk};
use crate::query::{Clause, ProfileField};
use crate::record::Kind;
use crate::vocab::{Group, alias_key};

/// How to explain a clause's match inside a document.
#[derive(Debug, Clone)]
pub(super) enum Explain {
    /// Look for these needles in every text field.
    Text(Vec<Needle>),
    /// Look in one list field of the profile (interests, competitors) and,
    /// failing that, everywhere.
    InField(&'static str, Vec<Needle>),
    /// The document is a trip.
    Trip,
    /// Look in the profile's field at this key path (`KEY:VALUE`).
    Path(String, Vec<Needle>),
    /// The document is a note dated in the range (`date:`).
    NoteDate,
    /// Nothing to say (`*`, a clause that only excludes).
    Nothing,
}

/// Which date of a match `--sort date` orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dated {
    /// A trip's first day, soonest first.
    TripStart,
    /// A note's date, newest first.
    NoteDay,
    /// A birthday's next occurrence on or after this day (the range's
    /// first), soonest first.
    Birthday(chrono::NaiveDate),
}

/// What a clause's group says about it: the `when:` range for `travel:`,
/// and the `date:` term whose range a free word's note must also be in.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Context<'q> {
    pub(super) when: Option<(&'q str, DateRange)>,
    pub(super) note: Option<(&'q str, DateRange)>,
    /// The clause holds the word being typed (`typing`): its last Latin
    /// word also matches as the start of a word.
    pub(super) typed: bool,
}

pub(super) struct Plan {
    pub(super) query: Box<dyn TantivyQuery>,
    pub(super) explain: Explain,
    /// True when only customer (or trip) documents can match, so every key
    /// found is a customer that exists.
    pub(super) customer_only: bool,
    pub(super) label: String,
    /// The date a match has for `--sort date`.
    pub(super) dated: Option<Dated>,
}

pub(super) fn term_query(field: Field, text: &str) -> Box<dyn TantivyQuery> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

pub(super) fn any_of(queries: Vec<Box<dyn TantivyQuery>>) -> Box<dyn TantivyQuery> {
    if queries.len() == 1 {
        return queries.into_iter().next().expect("one query");
    }
    Box::new(BooleanQuery::new(
        queries.into_iter().map(|q| (Occur::Should, q)).collect(),
    ))
}

pub(super) fn all_of(queries: Vec<Box<dyn TantivyQuery>>) -> Box<dyn TantivyQuery> {
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
    keyed_grams_query(field, "", text)
}

/// `grams_query` over grams indexed with `prefix` in front of each
/// (`analysis::KeyedGramsTokenizer`: a field's key path and the separator).
pub(super) fn keyed_grams_query(
    field: Field,
    prefix: &str,
    text: &str,
) -> Option<Box<dyn TantivyQuery>> {
    let folded = fold(text);
    let mut queries: Vec<Box<dyn TantivyQuery>> = ways_written(&folded)
        .iter()
        .filter_map(|variant| one_grams_query(field, prefix, variant))
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
pub(super) fn ways_written(folded: &str) -> Vec<String> {
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
pub(super) fn one_grams_query(
    field: Field,
    prefix: &str,
    folded: &str,
) -> Option<Box<dyn TantivyQuery>> {
    let all = grams(folded);
    let term = |text: &str| {
        if prefix.is_empty() {
            Term::from_field_text(field, text)
        } else {
            Term::from_field_text(field, &format!("{prefix}{text}"))
        }
    };
    if let [only] = all.as_slice()
        && only.is_trailing_unigram
    {
        // One Han character: every gram that starts with it.
        let pattern = format!("{}{}.*", regex_escape(prefix), regex_escape(&only.text));
        return RegexQuery::from_pattern(&pattern, field)
            .ok()
            .map(|q| Box::new(q) as Box<dyn TantivyQuery>);
    }
    let (chosen, last_is_prefix) = covering(&all);
    let chosen_positions: Vec<usize> = chosen.iter().map(|g| g.position).collect();
    let first = chosen.first()?.position;
    let terms: Vec<(usize, Term)> = chosen
        .into_iter()
        .map(|g| (g.position - first, term(&g.text)))
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
                .map(|g| term(&g.text))
                .collect();
            Box::new(super::phrase::Phrase::new(terms).with_implied(implied))
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
pub(super) const PREFIX_EXPANSIONS: u32 = 1 << 15;

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
pub(super) fn covering(grams: &[Gram]) -> (Vec<&Gram>, bool) {
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

pub(super) fn regex_escape(text: &str) -> String {
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
pub(super) fn text_needles(text: &str) -> Vec<Needle> {
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

pub(super) fn alias_needles(groups: &[&Group]) -> Vec<Needle> {
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

/// Notes dated in `range` (`note_day`).
pub(super) fn note_range(field: Field, range: DateRange) -> Box<dyn TantivyQuery> {
    Box::new(RangeQuery::new(
        Bound::Included(Term::from_field_i64(field, to_days(range.start))),
        Bound::Included(Term::from_field_i64(field, to_days(range.end))),
    ))
}

/// `note_range` as a filter that does not score, for the same-note rule.
pub(super) fn note_in(field: Field, range: DateRange) -> Box<dyn TantivyQuery> {
    Box::new(ConstScoreQuery::new(note_range(field, range), 0.0))
}

/// The spans of `birthday_md` (month * 100 + day) whose day falls in
/// `range` in some year, in order: a range over New Year is two spans, a
/// range of a year or more is every day. A 29 February birthday falls on
/// 28 February in a year without one (`dates::Birthday::next_on_or_after`).
pub(super) fn birthday_spans(range: DateRange) -> Vec<(u64, u64)> {
    use chrono::Datelike;
    let mut days = [false; 1232];
    let mut day = range.start;
    let mut seen = 0;
    while day <= range.end && seen < 366 {
        let md = u64::from(day.month()) * 100 + u64::from(day.day());
        days[md as usize] = true;
        if day.month() == 2 && day.day() == 28 && day.with_day(29).is_none() {
            days[229] = true;
        }
        seen += 1;
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    if seen >= 366 {
        return vec![(101, 1231)];
    }
    let mut spans: Vec<(u64, u64)> = Vec::new();
    for md in 101..=1231u64 {
        if !days[md as usize] {
            continue;
        }
        // 131 and 201 are neighbours: no md lies between them that is a day.
        match spans.last_mut() {
            Some((_, high)) if (*high + 1..md).all(|between| !is_month_day(between)) => *high = md,
            _ => spans.push((md, md)),
        }
    }
    spans
}

/// Whether `md` (month * 100 + day) is a day of some year.
fn is_month_day(md: u64) -> bool {
    let (month, day) = ((md / 100) as u32, (md % 100) as u32);
    chrono::NaiveDate::from_ymd_opt(2000, month, day).is_some()
}

/// `*`: every customer profile, all with the same score.
pub(super) fn every_customer(fields: crate::schema::Fields, label: String) -> Plan {
    Plan {
        query: Box::new(ConstScoreQuery::new(
            term_query(fields.kind, Kind::Customer.as_str()),
            0.0,
        )),
        explain: Explain::Nothing,
        customer_only: true,
        label,
        dated: None,
    }
}

/// A trip overlapping `range`: it starts by its end and ends from its start.
///
/// The parts filter and do not score. tantivy drops a required part that
/// matches every document of a segment (a segment of trips only, all in
/// range) and its score with it, so a scoring range gave the same trip 1.2
/// or 3.2 depending on how documents fell into segments.
pub(super) fn date_parts(
    from_field: Field,
    to_field: Field,
    range: DateRange,
) -> Vec<Box<dyn TantivyQuery>> {
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

impl<'a> Searcher<'a> {
    pub(super) fn plan(
        &mut self,
        clause: &Clause,
        context: Context,
        notices: &mut Vec<String>,
    ) -> Result<Option<Plan>> {
        let Some(mut plan) = self.plan_alone(clause, context.when, context.typed, notices)? else {
            return Ok(None);
        };
        // The same-note rule: with `date:`, a free word or `mentions:`
        // must be in a note dated in the range.
        if let Some((note_label, range)) = context.note
            && matches!(
                clause,
                Clause::Word(_) | Clause::Phrase(_) | Clause::Mentions(_)
            )
        {
            plan.query = all_of(vec![plan.query, note_in(self.read.fields.note_day, range)]);
            plan.label = format!("{} {note_label}", plan.label);
            plan.customer_only = false;
            plan.dated = Some(Dated::NoteDay);
        }
        Ok(Some(plan))
    }

    /// A clause's plan on its own (with the `when:` of its group for
    /// `travel:`).
    fn plan_alone(
        &mut self,
        clause: &Clause,
        when: Option<(&str, DateRange)>,
        typed: bool,
        notices: &mut Vec<String>,
    ) -> Result<Option<Plan>> {
        let fields = self.read.fields;
        let label = clause.to_string();
        let plan = match clause {
            Clause::Word(word) => {
                let mut parts: Vec<Box<dyn TantivyQuery>> = Vec::new();
                let folded = fold(word);
                let runs = runs(&folded);
                let last = runs.len().saturating_sub(1);
                for (i, run) in runs.into_iter().enumerate() {
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
                        let mut any = vec![grams_part, term_query(fields.name_pinyin, run.text)];
                        // Being typed: also the words and names it starts.
                        if typed && i == last && typing::ends_in_latin_word(&folded) {
                            any.extend(self.grams_prefix_query(fields.all_grams, "", run.text)?);
                            any.extend(self.pinyin_prefix_query(run.text)?);
                        }
                        any_of(any)
                    };
                    parts.push(part);
                }
                if parts.is_empty() {
                    notices.push(format!("{word}: nothing searchable in it, ignored"));
                    return Ok(None);
                }
                let mut needles = text_needles(word);
                if typed {
                    typing::add_needles(&mut needles, &folded);
                }
                Plan {
                    query: all_of(parts),
                    explain: Explain::Text(needles),
                    customer_only: false,
                    label,
                    dated: None,
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
                    dated: None,
                }
            }
            Clause::Likes(value) => {
                let groups = self.groups(value, typed, true)?;
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
                if typed && groups.is_empty() {
                    queries.extend(self.grams_prefix_query(fields.interest_grams, "", value)?);
                }
                let group_refs: Vec<&Group> = groups.iter().collect();
                let mut needles = alias_needles(&group_refs);
                needles.extend(text_needles(value));
                Plan {
                    query: any_of(queries),
                    explain: Explain::InField("interests", needles),
                    customer_only: true,
                    label,
                    dated: None,
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
                if let Some((_, range)) = when {
                    parts.extend(date_parts(fields.trip_from, fields.trip_to, range));
                }
                Plan {
                    query: all_of(parts),
                    explain: Explain::Trip,
                    customer_only: true,
                    label: match when {
                        Some((when_label, _)) => format!("{label} {when_label}"),
                        None => label,
                    },
                    dated: Some(Dated::TripStart),
                }
            }
            Clause::When(_, range) => {
                // With travel: the range is applied to each trip there.
                Plan {
                    query: all_of(date_parts(fields.trip_from, fields.trip_to, *range)),
                    explain: Explain::Trip,
                    customer_only: true,
                    label,
                    dated: Some(Dated::TripStart),
                }
            }
            Clause::Mentions(value) => {
                let groups = self.groups(value, typed, false)?;
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
                    if typed {
                        queries.extend(self.grams_prefix_query(fields.all_grams, "", value)?);
                    }
                    Plan {
                        query: any_of(queries),
                        explain: Explain::InField("competitors", text_needles(value)),
                        customer_only: false,
                        label,
                        dated: None,
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
                        dated: None,
                    }
                }
            }
            Clause::Field(field, value) => self.plan_field(*field, value, label, typed)?,
            Clause::Key(key, value) => self.plan_key(key, value, label, typed, notices)?,
            Clause::Date(_, range) => Plan {
                query: Box::new(ConstScoreQuery::new(
                    note_range(fields.note_day, *range),
                    1.0,
                )),
                explain: Explain::NoteDate,
                customer_only: false,
                label,
                dated: Some(Dated::NoteDay),
            },
            Clause::Birthday(_, range) => Plan {
                query: Box::new(ConstScoreQuery::new(
                    any_of(
                        birthday_spans(*range)
                            .into_iter()
                            .map(|(low, high)| -> Box<dyn TantivyQuery> {
                                Box::new(RangeQuery::new(
                                    Bound::Included(Term::from_field_u64(fields.birthday_md, low)),
                                    Bound::Included(Term::from_field_u64(fields.birthday_md, high)),
                                ))
                            })
                            .collect(),
                    ),
                    1.0,
                )),
                explain: Explain::InField("birthday", Vec::new()),
                customer_only: true,
                label,
                dated: Some(Dated::Birthday(range.start)),
            },
            Clause::All => every_customer(fields, label),
            Clause::Not(_) | Clause::Any(_) => {
                unreachable!("the search plans groups and negations itself")
            }
        };
        Ok(Some(plan))
    }

    /// The interest (or competitor) groups a `likes:` (`mentions:`) value
    /// names, and being typed, those with a name it starts.
    fn groups(&mut self, value: &str, typed: bool, interests: bool) -> Result<Vec<Group>> {
        let vocabulary = self.vocabulary()?;
        let table = match interests {
            true => vocabulary.interests(),
            false => vocabulary.competitors(),
        };
        let mut groups: Vec<Group> = table.resolve(value).into_iter().cloned().collect();
        if typed {
            for group in typing::groups_starting(table, value) {
                if !groups.iter().any(|g| g.id == group.id) {
                    groups.push(group.clone());
                }
            }
        }
        Ok(groups)
    }

    pub(super) fn place_terms(
        &mut self,
        value: &str,
        field: Field,
    ) -> Result<Vec<Box<dyn TantivyQuery>>> {
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

    /// `KEY:VALUE`: the value as free text inside the profile field at that
    /// key path. A key no customer has is said in a notice.
    pub(super) fn plan_key(
        &mut self,
        key: &str,
        value: &str,
        label: String,
        typed: bool,
        notices: &mut Vec<String>,
    ) -> Result<Plan> {
        let fields = self.read.fields;
        let path = crate::document::key_path(key);
        let prefix = format!("{path}{LIST_SEPARATOR}");
        if !self.has_prefix(fields.field_grams, &prefix)? {
            notices.push(format!(
                "{key}: no customer has this field, so {label} finds nobody — check the key's spelling, or search the value as text"
            ));
        }
        let mut queries: Vec<Box<dyn TantivyQuery>> = Vec::new();
        queries.extend(keyed_grams_query(fields.field_grams, &prefix, value));
        let mut needles = text_needles(value);
        if typed {
            queries.extend(self.grams_prefix_query(fields.field_grams, &prefix, value)?);
            typing::add_needles(&mut needles, &fold(value));
        }
        let query = match queries.len() {
            0 => Box::new(BooleanQuery::new(Vec::new())),
            _ => any_of(queries),
        };
        Ok(Plan {
            query,
            explain: Explain::Path(path, needles),
            customer_only: true,
            label,
            dated: None,
        })
    }

    /// Whether any term of `field` starts with `prefix`.
    fn has_prefix(&self, field: Field, prefix: &str) -> Result<bool> {
        let mut end = prefix.as_bytes().to_vec();
        // The separator is the prefix's last byte; one past it ends the range.
        *end.last_mut().expect("a prefix ends with the separator") += 1;
        for segment in self.read.searcher.segment_readers() {
            let index = segment
                .inverted_index(field)
                .map_err(|e| Error::index(self.location.index_dir(), e))?;
            let mut terms = index
                .terms()
                .range()
                .ge(prefix.as_bytes())
                .lt(&end)
                .into_stream()
                .map_err(|e| Error::io(self.location.index_dir(), e))?;
            if terms.advance() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub(super) fn plan_field(
        &mut self,
        field: ProfileField,
        value: &str,
        label: String,
        typed: bool,
    ) -> Result<Plan> {
        let fields = self.read.fields;
        let nothing = || Box::new(BooleanQuery::new(Vec::new())) as Box<dyn TantivyQuery>;
        let mut needles = text_needles(value);
        if typed {
            typing::add_needles(&mut needles, &fold(value));
        }
        // The value, and being typed, the words its last word starts.
        let grams_or_prefix = |searcher: &Self, field: Field| -> Result<Box<dyn TantivyQuery>> {
            let mut queries: Vec<Box<dyn TantivyQuery>> = Vec::new();
            queries.extend(grams_query(field, value));
            if typed {
                queries.extend(searcher.grams_prefix_query(field, "", value)?);
            }
            Ok(match queries.len() {
                0 => nothing(),
                _ => any_of(queries),
            })
        };
        let query: Box<dyn TantivyQuery> = match field {
            ProfileField::Owner => grams_or_prefix(self, fields.owner_grams)?,
            ProfileField::Company => grams_or_prefix(self, fields.company_grams)?,
            ProfileField::Name => {
                let mut queries: Vec<Box<dyn TantivyQuery>> =
                    vec![grams_or_prefix(self, fields.name_grams)?];
                if !value.chars().any(is_cjk) {
                    let joined: String = fold(value)
                        .chars()
                        .filter(|c| c.is_alphanumeric())
                        .collect();
                    queries.push(term_query(fields.name_pinyin, &joined));
                    // Initials (smgm) rank below a whole reading.
                    queries.push(Box::new(BoostQuery::new(
                        term_query(fields.name_pinyin, &crate::analysis::initials_term(&joined)),
                        0.3,
                    )));
                    if typed && !joined.is_empty() {
                        queries.extend(self.pinyin_prefix_query(&joined)?);
                    }
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
            dated: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthday_spans_cover_the_month_days_of_a_range() {
        let d = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date");
        let range = |start: &str, end: &str| DateRange {
            start: d(start),
            end: d(end),
        };
        for (start, end, spans) in [
            // Over New Year: two spans.
            ("2026-12-20", "2027-01-10", vec![(101, 110), (1220, 1231)]),
            // 29 February falls on 28 February in a year without it.
            ("2027-02-28", "2027-02-28", vec![(228, 229)]),
            ("2028-02-28", "2028-02-28", vec![(228, 228)]),
            ("2028-02-29", "2028-02-29", vec![(229, 229)]),
            // Month ends are neighbours: one span.
            ("2026-01-30", "2026-02-02", vec![(130, 202)]),
            ("2026-11-30", "2026-12-06", vec![(1130, 1206)]),
            // A year or more: every day.
            ("2026-01-01", "2027-06-30", vec![(101, 1231)]),
        ] {
            assert_eq!(birthday_spans(range(start, end)), spans, "{start}..{end}");
        }
    }
    use crate::search::*;

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
}
