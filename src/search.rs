//! Typed query → tantivy queries → hits grouped by customer. Each clause is
//! run on its own and yields, per customer, its best-scoring documents; the
//! clauses are then intersected by customer (AND), so a customer whose
//! profile says 话剧 and whose meeting note says IBM is found by
//! `话剧 IBM`. One hit per customer, never two.

use std::ops::Bound;

use serde_json::{Map, Value};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{
    BooleanQuery, BoostQuery, Occur, PhraseQuery, Query as TantivyQuery, RangeQuery, RegexQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Term};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::analysis::{grams, normalize_word, runs};
use crate::dates::{DateRange, to_days};
use crate::document::{
    RAW_PREFIX, TRIP_KIND, entries, entry_name, text_values, trip_city, trip_dates,
};
use crate::error::{Error, Result};
use crate::fold::{fold, is_cjk};
use crate::index::{Location, ReadIndex, StoredRecord};
use crate::query::{Clause, ProfileField, Query};
use crate::record::Kind;
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
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
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

/// Per customer: the best score of a clause and its best documents.
#[derive(Debug, Clone, Default)]
struct ClauseHits {
    best: Score,
    /// The best documents, best first; fixed size so a broad term matching
    /// 200k documents allocates nothing per customer.
    docs: [Option<(Score, DocAddress)>; MATCHES_PER_CLAUSE],
}

/// One clause's hits by customer key.
struct ClauseResult(rustc_hash::FxHashMap<u64, ClauseHits>);

impl ClauseResult {
    /// Groups matching documents by customer, keeping each customer's best
    /// documents (ties by address, so results are stable).
    fn from_documents(found: Vec<(u64, Score, DocAddress)>) -> Self {
        let mut grouped: rustc_hash::FxHashMap<u64, ClauseHits> = rustc_hash::FxHashMap::default();
        grouped.reserve(found.len() / 2);
        for (key, score, address) in found {
            let hits = grouped.entry(key).or_insert(ClauseHits {
                best: score,
                docs: [None; MATCHES_PER_CLAUSE],
            });
            hits.best = hits.best.max(score);
            let better = |slot: &Option<(Score, DocAddress)>| match slot {
                None => true,
                Some((s, a)) => score > *s || (score == *s && address < *a),
            };
            if let Some(position) = hits.docs.iter().position(better) {
                hits.docs[position..].rotate_right(1);
                hits.docs[position] = Some((score, address));
            }
        }
        ClauseResult(grouped)
    }

    fn get(&self, key: u64) -> Option<&ClauseHits> {
        self.0.get(&key)
    }

    fn len(&self) -> usize {
        self.0.len()
    }
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

/// Collects (customer key, score, address) of every matching document.
struct KeyCollector {
    scoring: bool,
}

struct KeySegmentCollector {
    segment: SegmentOrdinal,
    keys: tantivy::columnar::Column<u64>,
    out: Vec<(u64, Score, DocAddress)>,
}

impl Collector for KeyCollector {
    type Fruit = Vec<(u64, Score, DocAddress)>;
    type Child = KeySegmentCollector;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<KeySegmentCollector> {
        Ok(KeySegmentCollector {
            segment,
            keys: reader.fast_fields().u64(crate::schema::names::CUST)?,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        self.scoring
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for KeySegmentCollector {
    type Fruit = Vec<(u64, Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let address = DocAddress::new(self.segment, doc);
        for key in self.keys.values_for_doc(doc) {
            self.out.push((key, score, address));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.out
    }
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
pub fn grams_query(field: Field, text: &str) -> Option<Box<dyn TantivyQuery>> {
    let folded = fold(text);
    let all = grams(&folded);
    if let [only] = all.as_slice()
        && only.is_trailing_unigram
    {
        // One Han character: every gram that starts with it.
        let pattern = format!("{}.*", regex_escape(&only.text));
        return RegexQuery::from_pattern(&pattern, field)
            .ok()
            .map(|q| Box::new(q) as Box<dyn TantivyQuery>);
    }
    let terms: Vec<(usize, Term)> = all
        .into_iter()
        .filter(|g| !g.is_trailing_unigram)
        .map(|g| (g.position, Term::from_field_text(field, &g.text)))
        .collect();
    match terms.len() {
        0 => None,
        1 => Some(Box::new(TermQuery::new(
            terms[0].1.clone(),
            IndexRecordOption::WithFreqs,
        ))),
        _ => {
            let first = terms[0].0;
            let shifted = terms.into_iter().map(|(p, t)| (p - first, t)).collect();
            Some(Box::new(PhraseQuery::new_with_offset(shifted)))
        }
    }
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
}

impl<'a> Searcher<'a> {
    /// A searcher over an opened index.
    pub fn new(read: &'a ReadIndex, location: &'a Location) -> Self {
        Searcher {
            read,
            location,
            vocabulary: None,
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
        let index_error = |e| Error::index(self.location.index_dir(), e);
        let mut per_clause: Vec<ClauseResult> = Vec::new();
        for plan in &plans {
            let found = self
                .read
                .searcher
                .search(plan.query.as_ref(), &KeyCollector { scoring: true })
                .map_err(index_error)?;
            per_clause.push(ClauseResult::from_documents(found));
        }
        // AND: customers found by every clause, smallest set first.
        let mut order: Vec<usize> = (0..per_clause.len()).collect();
        order.sort_by_key(|&i| per_clause[i].len());
        let mut candidates: Vec<u64> = match order.first() {
            Some(&first) => per_clause[first].0.keys().copied().collect(),
            None => Vec::new(),
        };
        for &i in order.iter().skip(1) {
            candidates.retain(|key| per_clause[i].get(*key).is_some());
        }
        // Notes may link to customers that do not exist (yet).
        if !plans.iter().any(|p| p.customer_only) && !candidates.is_empty() {
            let customers = self.customer_keys()?;
            candidates.retain(|key| customers.contains(key));
        }
        let best = |key: u64| -> Score {
            per_clause
                .iter()
                .filter_map(|clause| clause.get(key))
                .map(|hits| hits.best)
                .sum()
        };
        let mut scored: Vec<(u64, Score)> =
            candidates.into_iter().map(|key| (key, best(key))).collect();
        scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let total = scored.len();
        let mut hits = Vec::new();
        for (key, score) in scored.into_iter().take(options.limit) {
            let Some(address) = self.customer_doc(key)? else {
                continue;
            };
            // Each document is read once per hit: a customer-only clause
            // matches the profile itself, and one note can answer two words.
            let customer = self.stored(address)?;
            let mut hit = hit_of(&customer, score);
            let mut records = rustc_hash::FxHashMap::default();
            records.insert(address, customer);
            for (plan, clause) in plans.iter().zip(&per_clause) {
                let Some(hits) = clause.get(key) else {
                    continue;
                };
                for (_, address) in hits.docs.iter().flatten() {
                    if !records.contains_key(address) {
                        records.insert(*address, self.stored(*address)?);
                    }
                    explain(plan, &records[address], &mut hit);
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

    /// Every customer key.
    fn customer_keys(&self) -> Result<rustc_hash::FxHashSet<u64>> {
        let query = term_query(self.read.fields.kind, Kind::Customer.as_str());
        let found = self
            .read
            .searcher
            .search(query.as_ref(), &KeyCollector { scoring: false })
            .map_err(|e| Error::index(self.location.index_dir(), e))?;
        Ok(found.into_iter().map(|(key, _, _)| key).collect())
    }

    fn stored(&self, address: DocAddress) -> Result<StoredRecord> {
        self.read.record(self.location, address)
    }

    /// The customer document for a key.
    fn customer_doc(&self, key: u64) -> Result<Option<DocAddress>> {
        let fields = self.read.fields;
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                term_query(fields.kind, Kind::Customer.as_str()),
            ),
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(fields.cust, key),
                    IndexRecordOption::Basic,
                )),
            ),
        ]);
        let found = self
            .read
            .searcher
            .search(&query, &KeyCollector { scoring: false })
            .map_err(|e| Error::index(self.location.index_dir(), e))?;
        Ok(found.first().map(|(_, _, address)| *address))
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

fn date_parts(from_field: Field, to_field: Field, range: DateRange) -> Vec<Box<dyn TantivyQuery>> {
    vec![
        Box::new(RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(Term::from_field_i64(from_field, to_days(range.end))),
        )),
        Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_i64(to_field, to_days(range.start))),
            Bound::Unbounded,
        )),
    ]
}
