//! Typed query → tantivy queries → hits grouped by customer. Each clause is
//! run on its own and yields, per customer, its best score; the clauses are
//! then intersected by customer (AND), so a customer whose
//! profile says 话剧 and whose meeting note says IBM is found by
//! `话剧 IBM`. One hit per customer, never two.
//!
//! The steps, one file each: `plan` (a clause → a tantivy query and how to
//! explain it), `run` (the query over every document, on one or several
//! threads, into a `table` of best scores per customer), then the tables
//! are combined here and the best customers kept (`table::Best`),
//! `explain` (which documents and text made each shown customer match)
//! and `hits` (the customers as returned).

mod explain;
mod hits;
pub mod phrase;
mod plan;
mod run;
pub mod snippet;
mod sort;
mod table;
pub mod typing;
mod visibility;

use serde_json::{Map, Value};
use tantivy::query::EnableScoring;
use tantivy::query::Query as TantivyQuery;
use tantivy::schema::Term;
use tantivy::{DocAddress, Score};

use crate::error::{Error, Result};
use crate::index::{Location, ReadIndex, StoredRecord};
use crate::query::{Clause, Query};
use crate::team::Reader;
use crate::vocab::Vocabulary;

pub use explain::describe_trip;
use explain::explain;
use hits::hit_of;
use plan::Plan;
pub use plan::grams_query;
pub use run::Ordinals;
use run::Threads;
use table::{Best, Ranked, Table};
use visibility::{PrivateSeen, Visible};
pub use visibility::{VisibleCounts, visible_profiles};

/// How many documents per clause and customer are kept to explain a hit.
const MATCHES_PER_CLAUSE: usize = 3;

/// Options of one search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchOptions {
    /// At most this many hits.
    pub limit: usize,
    /// The order of the hits, over every customer found.
    pub sort: Sort,
}

impl SearchOptions {
    /// The best `limit` customers by score.
    pub fn new(limit: usize) -> Self {
        SearchOptions {
            limit,
            sort: Sort::Score,
        }
    }
}

/// How hits are ordered (`--sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Best score first.
    #[default]
    Score,
    /// By name (Han names as pinyin), A to Z.
    Name,
    /// By the date of what matched: a trip's start or a birthday's next
    /// occurrence soonest first, a note's date newest first.
    Date,
    /// Most recently updated first.
    Updated,
}

impl Sort {
    /// The words `--sort` takes.
    pub const NAMES: [&'static str; 4] = ["score", "name", "date", "updated"];

    /// The word `--sort` takes for this order.
    pub fn name(self) -> &'static str {
        match self {
            Sort::Score => "score",
            Sort::Name => "name",
            Sort::Date => "date",
            Sort::Updated => "updated",
        }
    }

    /// Reads a `--sort` word; None when it is none of `NAMES`.
    pub fn parse(word: &str) -> Option<Sort> {
        match word.trim().to_ascii_lowercase().as_str() {
            "score" => Some(Sort::Score),
            "name" => Some(Sort::Name),
            "date" => Some(Sort::Date),
            "updated" => Some(Sort::Updated),
            _ => None,
        }
    }
}

/// A query as planned: AND of nodes, each a planned clause (its index in
/// the plans), an OR of AND groups, or a NOT of an AND group.
#[derive(Debug)]
enum Node {
    Leaf(usize),
    Any(Vec<Vec<Node>>),
    Not(Vec<Node>),
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

/// Everything a search needs besides the index.
pub struct Searcher<'a> {
    read: &'a ReadIndex,
    location: &'a Location,
    vocabulary: Option<std::sync::Arc<Vocabulary>>,
    threads: Threads,
    /// Whose view every search answers with (see `visibility`).
    reader: &'a Reader,
    /// Whose private documents count, set by `search` for its clauses.
    private_seen: PrivateSeen,
    /// How the reader's visibility clause joins the query's clauses, set
    /// by `search`.
    visible: Visible,
    /// As you type: the text of the search box, whose last word is still
    /// being typed (see `typing`).
    typed: Option<&'a str>,
}

impl<'a> Searcher<'a> {
    /// A searcher over an opened index, answering as `reader` sees it
    /// (`Reader::everyone()` without a team file).
    pub fn new(read: &'a ReadIndex, location: &'a Location, reader: &'a Reader) -> Self {
        Searcher {
            read,
            location,
            vocabulary: None,
            threads: Threads::default(),
            reader,
            private_seen: PrivateSeen::All,
            visible: Visible::All,
            typed: None,
        }
    }

    /// Searches as the user types `text` into a search box, its last word
    /// not finished yet (no space after it): that word also matches the
    /// start of an indexed word, a name's pinyin or initials (`typing`).
    /// The query must have been read from `text`.
    pub fn as_you_type(mut self, text: &'a str) -> Self {
        self.typed = Some(text);
        self
    }

    /// Searches with this vocabulary instead of reading the knowledge
    /// base's (a server keeps it loaded across requests).
    pub fn with_vocabulary(mut self, vocabulary: std::sync::Arc<Vocabulary>) -> Self {
        self.vocabulary = Some(vocabulary);
        self
    }

    fn vocabulary(&mut self) -> Result<&Vocabulary> {
        if self.vocabulary.is_none() {
            // Problems in the file were reported when indexing.
            self.vocabulary = Some(std::sync::Arc::new(
                Vocabulary::for_knowledge_base(&self.location.kb)?.0,
            ));
        }
        Ok(self.vocabulary.as_deref().expect("just loaded"))
    }

    fn doc_freq(&self, term: &Term) -> u64 {
        self.read.searcher.doc_freq(term).unwrap_or(0)
    }

    /// Runs a query.
    ///
    /// Fails when a term cannot be searched (an unknown place) or the index
    /// cannot be read.
    pub fn search(&mut self, query: &Query, options: SearchOptions) -> Result<SearchResult> {
        // Planning runs no clause of a previous search's reader view.
        self.visible = Visible::All;
        self.private_seen = PrivateSeen::All;
        let mut notices = Vec::new();
        // A misspelled word that finds nothing is searched as the closest
        // indexed one, and a notice says so (`typo`).
        // Not for a reader who may not see everything: the closest words
        // come from every customer's text (names they may not see, private
        // fields), and the notice would name them.
        // As you type, the word being typed is a prefix, not a typo: it is
        // left as it is (only a last clause at the top is ever corrected).
        let location = self.location;
        let typed_clause = self
            .typed
            .and_then(|text| typing::typed_clause(query, text));
        let typed_last = typed_clause.is_some_and(|c| {
            query
                .clauses
                .last()
                .is_some_and(|last| std::ptr::eq(c, last))
        });
        let without_typed;
        let to_correct = if typed_last {
            without_typed = Query {
                clauses: query.clauses[..query.clauses.len() - 1].to_vec(),
            };
            &without_typed
        } else {
            query
        };
        let corrected = match self.reader.sees_all() {
            true => crate::typo::correct(
                &self.read.searcher,
                &location.index_dir(),
                &self.read.fields,
                &|| Ok(Vocabulary::for_knowledge_base(&location.kb)?.0),
                to_correct,
                &mut notices,
            )?,
            false => None,
        }
        .map(|mut corrected| {
            if typed_last {
                corrected
                    .clauses
                    .push(query.clauses.last().expect("typed").clone());
            }
            corrected
        });
        let asked = query;
        let query = corrected.as_ref().unwrap_or(query);
        // The corrected query holds the typed clause as it was typed.
        let typed_clause = self
            .typed
            .and_then(|text| typing::typed_clause(query, text));
        let mut plans = Vec::new();
        let mut nodes = self.plan_group(query, false, typed_clause, &mut plans, &mut notices)?;
        // The reader's visibility clause: one more clause of the query,
        // ANDed with the rest (score 0, explaining nothing), so customers
        // they may not see are not counted, ranked, sorted, kept or
        // explained, whatever the tree of OR and NOT. No query runs
        // without it.
        self.private_seen = self.private_customers()?;
        if !nodes.is_empty()
            && let Some(table) = self.visible_customers()?
        {
            plans.push((self.visibility_plan(), false));
            nodes.push(Node::Leaf(plans.len() - 1));
            self.visible = Visible::Clause(plans.len() - 1, table);
        }
        // One weight per clause (its BM25 statistics), for the run over
        // every match and again for the documents that explain a hit.
        let weights = plans
            .iter()
            .map(|(plan, _)| {
                plan.query
                    .weight(EnableScoring::enabled_from_searcher(&self.read.searcher))
                    .map_err(|e| Error::index(self.location.index_dir(), e))
            })
            .collect::<Result<Vec<_>>>()?;
        let general =
            options.sort != Sort::Score || nodes.iter().any(|n| !matches!(n, Node::Leaf(_)));
        let (total, scored) = if general {
            self.found_in_general(&nodes, &plans, &weights, options)?
        } else {
            let plans: Vec<&Plan> = plans.iter().map(|(plan, _)| plan).collect();
            self.found_by_and(&plans, &weights, options)?
        };
        self.hits_of(asked, total, scored, &plans, &weights, notices)
    }

    /// Plans an AND group: its clauses in a tree of OR and NOT, each
    /// planned clause added to `plans` (with whether it explains hits:
    /// not under a NOT).
    fn plan_group(
        &mut self,
        group: &Query,
        negated: bool,
        typed: Option<&Clause>,
        plans: &mut Vec<(Plan, bool)>,
        notices: &mut Vec<String>,
    ) -> Result<Vec<Node>> {
        let when = group.clauses.iter().find_map(|c| match c {
            Clause::When(_, range) => Some((c.to_string(), *range)),
            _ => None,
        });
        let note = group.clauses.iter().find_map(|c| match c {
            Clause::Date(_, range) => Some((c.to_string(), *range)),
            _ => None,
        });
        let has_travel = group.clauses.iter().any(|c| matches!(c, Clause::Travel(_)));
        let has_text = group
            .clauses
            .iter()
            .any(|c| matches!(c, Clause::Word(_) | Clause::Phrase(_) | Clause::Mentions(_)));
        let context = plan::Context {
            when: when.as_ref().map(|(label, range)| (label.as_str(), *range)),
            note: note
                .as_ref()
                .filter(|_| has_text)
                .map(|(label, range)| (label.as_str(), *range)),
            typed: false,
        };
        let mut nodes = Vec::new();
        for clause in &group.clauses {
            match clause {
                // With travel: the range is applied to each trip there.
                Clause::When(..) if has_travel => {}
                // With free words: the range is applied to each of their notes.
                Clause::Date(..) if has_text => {}
                Clause::Not(inner) => {
                    let alone = Query {
                        clauses: vec![(**inner).clone()],
                    };
                    nodes.push(Node::Not(
                        self.plan_group(&alone, true, None, plans, notices)?,
                    ));
                }
                Clause::Any(alternatives) => {
                    let mut planned = Vec::new();
                    for alternative in alternatives {
                        planned.push(self.plan_group(
                            alternative,
                            negated,
                            typed,
                            plans,
                            notices,
                        )?);
                    }
                    nodes.push(Node::Any(planned));
                }
                _ => {
                    let typed = typed.is_some_and(|t| std::ptr::eq(t, clause));
                    let context = plan::Context { typed, ..context };
                    if let Some(plan) = self.plan(clause, context, notices)? {
                        plans.push((plan, !negated));
                        nodes.push(Node::Leaf(plans.len() - 1));
                    }
                }
            }
        }
        // Only exclusions (`-likes:golf`): every customer but those.
        if !nodes.is_empty() && nodes.iter().all(|n| matches!(n, Node::Not(_))) {
            plans.push((plan::every_customer(self.read.fields, "*".into()), false));
            nodes.insert(0, Node::Leaf(plans.len() - 1));
        }
        Ok(nodes)
    }

    /// A query of plain terms, ranked by score: each clause's table, then
    /// AND by customer into the best `limit` (`table::Best`). The total
    /// and the best (customer key, score), best first.
    fn found_by_and(
        &self,
        plans: &[&Plan],
        weights: &[Box<dyn tantivy::query::Weight>],
        options: SearchOptions,
    ) -> Result<(usize, Vec<(u64, Score)>)> {
        let per_clause = self.clause_tables(weights)?;
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
                if let Table::Ordinals(dense) = &*per_clause[only] =>
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
            // Several clauses by ordinal (a clause and the reader's
            // visibility, two words): the customers of a listed table (the
            // visibility clause's) or else the smallest's slots walked, the
            // others' read at the same place, the scores summed in the
            // clauses' order as below; a customer whose sum cannot beat the
            // worst kept is counted without being looked up.
            (Some((&first, _)), Some(numbered))
                if let Some(dense) = per_clause
                    .iter()
                    .map(|table| match &**table {
                        Table::Ordinals(dense) => Some(dense),
                        Table::Keys(_) => None,
                    })
                    .collect::<Option<Vec<_>>>() =>
            {
                let mut take = |ordinal: usize| {
                    if dense.iter().any(|table| table.scores[ordinal] == 0) {
                        return;
                    }
                    let score: Score = dense
                        .iter()
                        .map(|table| Score::from_bits(table.scores[ordinal] - 1))
                        .sum();
                    if missing.is_none() {
                        best.total += 1;
                        if table::score_bits(score) + 1 >= best.floor_bits() {
                            best.enter(Ranked(numbered.keys[ordinal], score));
                        }
                    } else {
                        consider(&mut best, ordinal as u64, score);
                    }
                };
                // A listed table (the visibility clause) is walked by its
                // list, the shortest one; else the smallest one's slots.
                match dense
                    .iter()
                    .filter_map(|t| t.listed.as_ref())
                    .min_by_key(|l| l.len())
                {
                    Some(listed) => listed.iter().for_each(|&o| take(o as usize)),
                    None => dense[first]
                        .scores
                        .iter()
                        .enumerate()
                        .filter(|&(_, &bits)| bits != 0)
                        .for_each(|(o, _)| take(o)),
                }
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
        Ok((total, scored))
    }

    /// Each clause's table: its run over every match, or for the
    /// visibility clause the table `search` already has (run once per
    /// commit and reader in a watcher).
    fn clause_tables(
        &self,
        weights: &[Box<dyn tantivy::query::Weight>],
    ) -> Result<Vec<std::sync::Arc<Table>>> {
        let mut tables = Vec::with_capacity(weights.len());
        for (i, weight) in weights.iter().enumerate() {
            tables.push(match &self.visible {
                Visible::Clause(at, table) if *at == i => std::sync::Arc::clone(table),
                _ => std::sync::Arc::new(self.run(weight.as_ref())?),
            });
        }
        Ok(tables)
    }

    /// The hits of the customers kept, in order, each with why it matched.
    fn hits_of(
        &self,
        asked: &Query,
        total: usize,
        scored: Vec<(u64, Score)>,
        plans: &[(Plan, bool)],
        weights: &[Box<dyn tantivy::query::Weight>],
        notices: Vec<String>,
    ) -> Result<SearchResult> {
        let keys: Vec<u64> = scored.iter().map(|&(key, _)| key).collect();
        let shown = self.shown(&keys)?;
        let mut explaining = Vec::new();
        for ((_, explains), weight) in plans.iter().zip(weights) {
            explaining.push(if *explains {
                self.explaining(weight.as_ref(), &shown)?
            } else {
                rustc_hash::FxHashMap::default()
            });
        }
        let mut hits = Vec::new();
        for (key, score) in scored {
            let Some(&address) = shown.profiles.get(&key) else {
                continue;
            };
            // Each document is read once per hit: a customer-only clause
            // matches the profile itself, and one note can answer two words.
            // Private fields are neither shown nor quoted to others.
            let mut customer = self.stored(address)?;
            self.reader.strip_private(&mut customer.fields);
            let mut hit = hit_of(&customer, score);
            let mut records = rustc_hash::FxHashMap::default();
            records.insert(address, customer);
            for ((plan, _), documents) in plans.iter().zip(&explaining) {
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
            // What was asked, as parsed; a correction is in the notices.
            query: asked.to_string(),
            total,
            hits,
            notices,
        })
    }

    fn stored(&self, address: DocAddress) -> Result<StoredRecord> {
        self.read.record(self.location, address)
    }
}
