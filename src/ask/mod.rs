//! Plain-language questions → typed queries. Reads the questions reps ask,
//! in English and Chinese (simplified, traditional, Cantonese phrasing or
//! mixed), by what their words are rather than where they stand: the
//! vocabularies say which word is an interest, a place or a competitor, and
//! the words around it (爱打, "is into", 住在, 是…人, "trip to", 见客户) say
//! what the question asks of it. A time is a trip's (`when:`), a note's
//! (`date:`, when it looks back) or a birthday's (`birthday:`). What cannot
//! be mapped is searched as text, and says so; `ask` never fails on a
//! question it does not understand.

mod time;
mod words;

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use crate::error::{Error, Result};
use crate::fold::{fold, is_cjk};
use crate::query::{Clause, ProfileField, Query};
use crate::vocab::Vocabulary;

use time::{Role, Time};
use words::*;

/// What `ask` understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Understood {
    /// The query to run.
    pub query: Query,
    /// True when nothing in the question could be mapped and its words are
    /// searched as text.
    pub fallback: bool,
    /// What the reader should know about how the question was read (a
    /// place that is not known, searched as text).
    pub notices: Vec<String>,
}

/// Stands for a char already read as part of something, in the masked
/// text that the later steps search.
const MASK: char = '\u{1}';

/// The question, folded char for char, with the chars already read.
struct Text {
    original: Vec<char>,
    folded: Vec<char>,
    used: Vec<bool>,
}

fn is_latin(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric())
}

/// True when `text` ends with `word`, a whole word when it is Latin.
fn ends_with_word(text: &str, word: &str) -> bool {
    text.strip_suffix(word).is_some_and(|rest| {
        !word.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !rest.ends_with(|c: char| c.is_ascii_alphanumeric())
    })
}

/// True when `text` starts with `word`, a whole word when it is Latin.
fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word).is_some_and(|rest| {
        !word.ends_with(|c: char| c.is_ascii_alphanumeric())
            || !rest.starts_with(|c: char| c.is_ascii_alphanumeric())
    })
}

impl Text {
    fn new(question: &str) -> Self {
        // Curly apostrophes read as straight ones (Emily’s), char for char.
        let original: Vec<char> = question
            .chars()
            .map(|c| if c == '’' { '\'' } else { c })
            .collect();
        let folded: Vec<char> = fold(&original.iter().collect::<String>()).chars().collect();
        debug_assert_eq!(original.len(), folded.len(), "folding is char for char");
        Text {
            used: vec![false; folded.len()],
            original,
            folded,
        }
    }

    /// The folded text, taken chars as `MASK`.
    fn masked(&self) -> String {
        self.folded
            .iter()
            .zip(&self.used)
            .map(|(c, used)| if *used { MASK } else { *c })
            .collect()
    }

    fn folded_text(&self) -> String {
        self.folded.iter().collect()
    }

    fn is_free(&self, range: &Range<usize>) -> bool {
        range.end <= self.used.len() && !self.used[range.clone()].iter().any(|u| *u)
    }

    fn take(&mut self, range: &Range<usize>) {
        for used in &mut self.used[range.clone()] {
            *used = true;
        }
    }

    fn original(&self, range: &Range<usize>) -> String {
        self.original[range.clone()]
            .iter()
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// The folded text just before char `at`, spaces trimmed.
    fn before(&self, at: usize) -> String {
        self.folded[..at]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string()
    }

    /// The folded text from char `at`, spaces trimmed.
    fn after(&self, at: usize) -> String {
        self.folded[at..]
            .iter()
            .collect::<String>()
            .trim_start()
            .to_string()
    }

    /// Every free occurrence of a folded word, whole when Latin.
    fn find_word(&self, word: &str) -> Vec<Range<usize>> {
        let needle: Vec<char> = word.chars().collect();
        let latin = word.is_ascii();
        let mut found = Vec::new();
        let mut at = 0;
        while at + needle.len() <= self.folded.len() {
            let range = at..at + needle.len();
            if self.folded[range.clone()] == needle[..]
                && self.is_free(&range)
                && !(latin
                    && (is_latin(at.checked_sub(1).and_then(|i| self.folded.get(i)))
                        || is_latin(self.folded.get(range.end))))
            {
                found.push(range.clone());
                at = range.end;
            } else {
                at += 1;
            }
        }
        found
    }

    fn has_word(&self, words: &[&str]) -> bool {
        words.iter().any(|w| !self.find_word(w).is_empty())
    }

    /// Takes every free occurrence of the words, longest first.
    fn take_words(&mut self, words: &[&str]) -> bool {
        let mut sorted = words.to_vec();
        sorted.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        let mut any = false;
        for word in sorted {
            for range in self.find_word(word) {
                self.take(&range);
                any = true;
            }
        }
        any
    }

    /// Char range of a byte range of `masked()` (same chars as `folded`).
    fn chars_of(masked: &str, bytes: Range<usize>) -> Range<usize> {
        let start = masked[..bytes.start].chars().count();
        start..start + masked[bytes].chars().count()
    }
}

/// A thing a question asks about, and the query term it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Owner(String),
    Field(ProfileField, String),
    Key(&'static str, String),
    Likes(String),
    Travel(String),
    Mentions(String),
}

impl Item {
    /// Where the term stands in the printed query: who, what kind of
    /// customer, interests, trips, dates, competitors.
    fn rank(&self) -> u8 {
        match self {
            Item::Owner(_) => 0,
            Item::Field(..) | Item::Key(..) => 1,
            Item::Likes(_) => 2,
            Item::Travel(_) => 3,
            Item::Mentions(_) => 7,
        }
    }

    /// Items of one kind may be alternatives of one another (golf or tennis).
    fn same_kind(&self, other: &Item) -> bool {
        match (self, other) {
            (Item::Field(a, _), Item::Field(b, _)) => a == b,
            (Item::Key(a, _), Item::Key(b, _)) => a == b,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }

    fn clause(&self) -> Clause {
        match self {
            Item::Owner(v) => Clause::Field(ProfileField::Owner, v.clone()),
            Item::Field(field, v) => Clause::Field(*field, v.clone()),
            Item::Key(key, v) => Clause::Key((*key).to_string(), v.clone()),
            Item::Likes(v) => Clause::Likes(v.clone()),
            Item::Travel(v) => Clause::Travel(v.clone()),
            Item::Mentions(v) => Clause::Mentions(v.clone()),
        }
    }
}

#[derive(Debug, Clone)]
struct Found {
    item: Item,
    span: Range<usize>,
}

/// Understands a question with the built-in vocabularies. `today` resolves
/// its time words.
///
/// Fails only when the question is empty.
pub fn understand(question: &str, today: NaiveDate) -> Result<Understood> {
    // Built once: its automata are built on first use.
    static BUILTIN: LazyLock<Vocabulary> = LazyLock::new(Vocabulary::builtin);
    understand_with(question, today, &BUILTIN)
}

/// Understands a question with the vocabularies of the knowledge base at
/// `kb` (built-in ones when its file cannot be read: `index` reports that).
/// The vocabularies are kept for the process while the file is unchanged,
/// so a watcher answering many questions builds their automata once.
///
/// Fails only when the question is empty.
pub fn understand_in(question: &str, today: NaiveDate, kb: &std::path::Path) -> Result<Understood> {
    use std::sync::{Arc, Mutex};
    static KEPT: Mutex<Option<(std::path::PathBuf, u64, Arc<Vocabulary>)>> = Mutex::new(None);
    let fingerprint = Vocabulary::fingerprint_for(kb).unwrap_or(0);
    let kept = KEPT
        .lock()
        .ok()
        .and_then(|kept| kept.clone())
        .filter(|(dir, print, _)| dir == kb && *print == fingerprint)
        .map(|(_, _, vocabulary)| vocabulary);
    let vocabulary = match kept {
        Some(vocabulary) => vocabulary,
        None => {
            let vocabulary = Arc::new(
                Vocabulary::for_knowledge_base(kb)
                    .map(|(vocabulary, _)| vocabulary)
                    .unwrap_or_else(|_| Vocabulary::builtin()),
            );
            if let Ok(mut kept) = KEPT.lock() {
                *kept = Some((kb.to_path_buf(), fingerprint, Arc::clone(&vocabulary)));
            }
            vocabulary
        }
    };
    understand_with(question, today, &vocabulary)
}

/// Understands a question with a knowledge base's vocabularies (its own
/// interests, places and competitors are recognised too).
///
/// Fails only when the question is empty: anything else it cannot map is
/// searched as text (`fallback`).
pub fn understand_with(
    question: &str,
    today: NaiveDate,
    vocabulary: &Vocabulary,
) -> Result<Understood> {
    let question = question
        .trim()
        .trim_end_matches(|c: char| "?？!！。.,，~ ".contains(c))
        .trim();
    if question.is_empty() {
        return Err(Error::query(
            question,
            "empty question — ask e.g. \"who likes theatre?\" or 谁下周去北京",
        ));
    }
    let mut text = Text::new(question);
    let mut notices = Vec::new();

    let time = time::find(&text.masked());
    if let Some(time) = &time {
        text.take(&time.span);
    }
    let birthday = text.take_words(BIRTHDAY_WORDS);
    let role = if birthday {
        Role::Birthday
    } else if time.as_ref().is_some_and(Time::is_past)
        || time.is_some() && text.has_word(&["did", "met", "visited", "见过", "拜访过", "聊过"])
    {
        Role::Note
    } else {
        Role::Trip
    };
    let mut found = Vec::new();
    fields(&mut text, &mut found);
    places(&mut text, vocabulary, role, time.is_some(), &mut found);
    for (_, range) in vocabulary.competitors().find_in(&text.masked()) {
        if text.is_free(&range) {
            found.push(Found {
                item: Item::Mentions(text.original(&range)),
                span: range.clone(),
            });
            text.take(&range);
        }
    }
    interests(&mut text, vocabulary, &mut found);
    owners(&mut text, vocabulary, &mut found);
    let unknown = (role == Role::Trip && !found.iter().any(|f| matches!(f.item, Item::Travel(_))))
        .then(|| unknown_place(&mut text, &mut notices))
        .flatten();

    let mut clauses = Vec::new();
    // A time alone asks about trips only with a trip word: 今天天气怎么样
    // is no question about who travels today.
    let about_trips = found.iter().any(|f| matches!(f.item, Item::Travel(_)))
        || unknown.is_some()
        || text.has_word(TRIP_WORDS)
        || TRIP_WORDS
            .iter()
            .any(|w| text.folded_text().contains(w) && !w.is_ascii());
    let time = time.filter(|_| role != Role::Trip || about_trips);
    let time_clause = time.as_ref().and_then(|time| {
        let (words, range) = time.resolve(role, today)?;
        Some(match role {
            Role::Trip => Clause::When(words, range),
            Role::Note => Clause::Date(words, range),
            Role::Birthday => Clause::Birthday(words, range),
        })
    });
    let time_clause = time_clause.or_else(|| {
        // "who has a birthday": the coming month.
        (role == Role::Birthday).then(|| {
            let words = if text.folded.iter().any(|c| is_cjk(*c)) {
                "本月"
            } else {
                "this-month"
            };
            let range = crate::dates::parse_range(words, today).expect("a known range");
            Clause::Birthday(words.to_string(), range)
        })
    });
    found.sort_by_key(|f| f.span.start);
    let groups = alternatives(&text, found);
    let mut ranked: Vec<(u8, Clause)> = Vec::new();
    for group in groups {
        let rank = group[0].rank();
        if group.len() == 1 {
            ranked.push((rank, group[0].clause()));
            continue;
        }
        // A trip's alternatives each keep the trip's time.
        let trip_time = time_clause
            .clone()
            .filter(|_| matches!(group[0], Item::Travel(_)));
        let alternatives = group
            .iter()
            .map(|item| Query {
                clauses: std::iter::once(item.clause())
                    .chain(trip_time.clone())
                    .collect(),
            })
            .collect();
        ranked.push((rank, Clause::Any(alternatives)));
    }
    let time_in_alternatives = ranked
        .iter()
        .any(|(_, c)| matches!(c, Clause::Any(a) if a[0].clauses.len() > 1));
    if let Some(clause) = time_clause.filter(|_| !time_in_alternatives) {
        let rank = match clause {
            Clause::When(..) => 4,
            Clause::Birthday(..) => 5,
            _ => 6,
        };
        ranked.push((rank, clause));
    }
    // An unknown place, searched as text, comes last.
    let words = unknown.map(Clause::Word);
    ranked.sort_by_key(|(rank, _)| *rank);
    clauses.extend(ranked.into_iter().map(|(_, c)| c));
    clauses.extend(words);
    if clauses.is_empty() {
        return Ok(Understood {
            query: Query {
                clauses: fallback_words(question),
            },
            fallback: true,
            notices,
        });
    }
    Ok(Understood {
        query: Query { clauses },
        fallback: false,
        notices,
    })
}

/// Groups found items into alternatives: two items of one kind with only an
/// OR word between them (golf or tennis, 高尔夫或者网球, 高爾夫定網球).
fn alternatives(text: &Text, found: Vec<Found>) -> Vec<Vec<Item>> {
    let mut groups: Vec<(Vec<Item>, usize)> = Vec::new();
    for f in found {
        if let Some((group, end)) = groups.last_mut()
            && group[0].same_kind(&f.item)
            && *end <= f.span.start
        {
            let between: String = text.folded[*end..f.span.start].iter().collect();
            let between = between
                .trim()
                .trim_matches(|c: char| ",，、/".contains(c))
                .trim();
            if OR_WORDS.contains(&between) {
                group.push(f.item);
                *end = f.span.end;
                continue;
            }
        }
        groups.push((vec![f.item], f.span.end));
    }
    groups.into_iter().map(|(g, _)| g).collect()
}

/// Tiers, stages, titles, industries and regions.
fn fields(text: &mut Text, found: &mut Vec<Found>) {
    let take = |text: &mut Text, found: &mut Vec<Found>, item: Item, range: Range<usize>| {
        text.take(&range);
        found.push(Found { item, span: range });
    };
    // Industries first: 做物流的, 物流行业, "the logistics industry".
    static INDUSTRY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"做(?P<zh1>[\p{Han}]{1,4}?)(?:生意|行业|业务)?的|(?P<zh2>[\p{Han}]{1,4}?)(?:行业|领域|业)|(?:in |from )?(?:the )?(?P<en>[a-z][a-z-]+(?: [a-z]+)?) (?:industry|sector)",
        )
        .expect("the industry pattern is a valid regular expression")
    });
    let masked = text.masked();
    let mut industries = Vec::new();
    for captures in INDUSTRY.captures_iter(&masked) {
        let Some(value) = captures
            .name("zh1")
            .or(captures.name("zh2"))
            .or(captures.name("en"))
        else {
            continue;
        };
        let word = value.as_str().trim();
        let listed = INDUSTRIES.contains(&word);
        // 做X的 names an industry whatever X is; X行业 too; X业 only when
        // X is a known industry (制造业, not 作业).
        let trusted = captures.name("zh1").is_some()
            || captures.name("en").is_some()
            || listed
            || captures.name("zh2").is_some() && masked[value.end()..].starts_with("行业");
        if trusted {
            let whole = Text::chars_of(&masked, captures.get(0).expect("match").range());
            let value_chars = Text::chars_of(&masked, value.range());
            industries.push((text.original(&value_chars), whole));
        }
    }
    for (value, range) in industries {
        take(text, found, Item::Key("industry", value), range);
    }
    for word in INDUSTRIES {
        for range in text.find_word(word) {
            let after = text.after(range.end);
            if [
                "的客户",
                "客户",
                "的公司",
                "公司",
                "customers",
                "clients",
                "companies",
            ]
            .iter()
            .any(|w| starts_with_word(&after, w))
            {
                let value = text.original(&range);
                take(text, found, Item::Key("industry", value), range);
            }
        }
    }
    let mut tiers: Vec<&(&str, &str)> = TIERS.iter().collect();
    tiers.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
    for (word, tier) in tiers {
        for range in text.find_word(word) {
            take(
                text,
                found,
                Item::Field(ProfileField::Tier, (*tier).to_string()),
                range,
            );
        }
    }
    for (word, stage) in STAGES {
        for range in text.find_word(word) {
            take(
                text,
                found,
                Item::Field(ProfileField::Stage, (*stage).to_string()),
                range,
            );
        }
    }
    for word in TITLES {
        for range in text.find_word(word) {
            // A title is asked as 谁是局长 / "who is a CEO" / 局长们.
            let before = text.before(range.start);
            if ![
                "是", "系", "is a", "is an", "is the", "are", "are the", "all the", "our", "the",
            ]
            .iter()
            .any(|w| ends_with_word(&before, w))
                && !text.after(range.end).starts_with(['们', '有'])
            {
                continue;
            }
            let value = text.original(&range);
            let value = value
                .strip_suffix('s')
                .map_or(value.clone(), str::to_string);
            let value = if value.len() <= 3 && value.is_ascii() {
                value.to_uppercase()
            } else {
                value
            };
            take(text, found, Item::Key("title", value), range);
        }
    }
    for word in REGIONS {
        for range in text.find_word(word) {
            let value = text.original(&range);
            take(text, found, Item::Key("region", value), range);
        }
    }
}

/// Places, each a trip's destination, a home city or region, or a hometown
/// by the words around it.
fn places(
    text: &mut Text,
    vocabulary: &Vocabulary,
    role: Role,
    has_time: bool,
    found: &mut Vec<Found>,
) {
    let table = vocabulary.places();
    let masked = text.masked();
    for (group, range) in table.find_in(&masked) {
        if !text.is_free(&range) {
            continue;
        }
        // One-character names (沪, 鲁, 粤) are parts of too many words.
        if range.len() == 1 {
            continue;
        }
        let before = text.before(range.start);
        let after = text.after(range.end);
        let value = text.original(&range);
        let ends = |words: &[&str]| words.iter().any(|w| ends_with_word(&before, w));
        // The second place of an alternative is what the first is (去北京
        // 或者上海: both trips).
        let alternative_of = found.last().filter(|last| {
            matches!(last.item, Item::Travel(_)) && last.span.end <= range.start && {
                let between: String = text.folded[last.span.end..range.start].iter().collect();
                OR_WORDS.contains(&between.trim())
            }
        });
        let item = if alternative_of.is_some() {
            Item::Travel(value)
        } else if ends(HOMETOWN_BEFORE) || after.starts_with('人') && !after.starts_with("人员")
        {
            Item::Key("hometown", value)
        } else if ends(HOME_BEFORE) || !(ends(TRIP_BEFORE) || has_time && role == Role::Trip) {
            let is_province = group.parent.as_deref() == Some("cn")
                && !CITY_PROVINCES.contains(&group.id.as_str());
            if is_province {
                Item::Key("region", value)
            } else {
                Item::Field(ProfileField::City, value)
            }
        } else {
            Item::Travel(value)
        };
        text.take(&range);
        found.push(Found { item, span: range });
    }
}

/// Interests: a vocabulary name anywhere (a travel word only after a
/// like-word), a noun of one ("golfer"), or whatever follows a like-word.
fn interests(text: &mut Text, vocabulary: &Vocabulary, found: &mut Vec<Found>) {
    let table = vocabulary.interests();
    let liked_before = |text: &Text, at: usize| {
        let mut before = text.before(at);
        for link in LIKE_LINKS {
            if ends_with_word(&before, link) {
                before = before[..before.len() - link.len()].trim_end().to_string();
                break;
            }
        }
        LIKE_BEFORE.iter().any(|w| ends_with_word(&before, w))
    };
    let masked = text.masked();
    let mut any = false;
    for (_, range) in table.find_in(&masked) {
        if !text.is_free(&range) {
            continue;
        }
        let name: String = text.folded[range.clone()].iter().collect();
        if TRIP_LIKE_NAMES.contains(&name.as_str()) && !liked_before(text, range.start) {
            continue;
        }
        // 打高尔夫 is listed as a name of golf; the query says 高尔夫.
        let mut value_range = range.clone();
        for link in ["打", "玩", "看", "听", "喝", "去", "下", "弹", "练", "睇"] {
            let rest = value_range.start + 1..value_range.end;
            if name.starts_with(link)
                && !rest.is_empty()
                && !table.resolve(&text.original(&rest)).is_empty()
            {
                value_range = rest;
            }
        }
        found.push(Found {
            item: Item::Likes(text.original(&value_range)),
            span: range.clone(),
        });
        text.take(&range);
        any = true;
    }
    // golfer → golf, cyclist → cycling, skiers → skiing.
    let masked = text.masked();
    let mut nouns = Vec::new();
    static LATIN_WORD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[a-z]{4,}").expect("a valid regular expression"));
    for word in LATIN_WORD.find_iter(&masked) {
        let w = word.as_str();
        for suffix in ["ers", "er", "ists", "ist"] {
            let Some(stem) = w.strip_suffix(suffix) else {
                continue;
            };
            let candidate = [
                stem.to_string(),
                format!("{stem}ing"),
                format!("{stem}ling"),
            ]
            .into_iter()
            .find(|c| c.len() >= 3 && !table.resolve(c).is_empty());
            if let Some(candidate) = candidate {
                nouns.push((candidate, Text::chars_of(&masked, word.range())));
                break;
            }
        }
    }
    for (value, range) in nouns {
        text.take(&range);
        found.push(Found {
            item: Item::Likes(value),
            span: range,
        });
        any = true;
    }
    if any {
        return;
    }
    // 对X感兴趣 / 对X有兴趣.
    static INTERESTED: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"对(?P<x>[^\x{1}]{1,10}?)(?:很|比较|特别|非常)?(?:感兴趣|有兴趣)")
            .expect("a valid regular expression")
    });
    let masked = text.masked();
    if let Some(captures) = INTERESTED.captures(&masked) {
        let x = captures.name("x").expect("x is in the pattern");
        let range = Text::chars_of(&masked, x.range());
        let value = text.original(&range);
        let whole = Text::chars_of(&masked, captures.get(0).expect("match").range());
        text.take(&whole);
        found.push(Found {
            item: Item::Likes(value),
            span: range,
        });
        return;
    }
    // Whatever follows a like-word: 谁喜欢喝酒, "who likes bowling".
    let mut verbs: Vec<&str> = LIKE_BEFORE.to_vec();
    verbs.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let Some(verb) = verbs
        .iter()
        .filter_map(|w| text.find_word(w).into_iter().next())
        .min_by_key(|r| r.start)
    else {
        return;
    };
    let mut start = verb.end;
    while start < text.folded.len() && text.folded[start] == ' ' {
        start += 1;
    }
    let mut end = start;
    while end < text.folded.len() && !text.used[end] && !"的?？,，。".contains(text.folded[end])
    {
        end += 1;
    }
    let mut value = text.original(&(start..end));
    for stop in [" and ", " who", " that", " or ", "客户", "的人"] {
        if let Some(at) = value.to_lowercase().find(stop) {
            value.truncate(at);
        }
    }
    let mut value = value.trim().trim_start_matches("to ").trim().to_string();
    // 下围棋, 打台球: the verb is no part of the interest.
    if let Some(rest) = value.strip_prefix(['打', '玩', '看', '听', '喝', '下', '弹', '练', '睇'])
        && rest.chars().count() >= 2
        && rest.chars().all(is_cjk)
    {
        value = rest.to_string();
    }
    if value.is_empty()
        || fold(&value)
            .split_whitespace()
            .all(|w| STOP_WORDS.contains(&w))
    {
        return;
    }
    // Where the value is in the question (after the verb and its links).
    let after_verb: String = text.folded[start..].iter().collect();
    let offset = after_verb
        .find(&fold(&value))
        .map_or(0, |at| after_verb[..at].chars().count());
    let span = start + offset..start + offset + value.chars().count();
    text.take(&(verb.start..span.end));
    found.push(Found {
        item: Item::Likes(value),
        span,
    });
}

/// Who-words and fillers that may stand before an owner's name in 谁是刘芳的客户.
const NAME_PREFIXES: &[&str] = &[
    "请问",
    "看看",
    "列出",
    "显示",
    "查",
    "找",
    "有谁是",
    "谁是",
    "哪些是",
    "有哪些",
    "哪些",
    "是",
    "有",
    "谁",
];

/// Owners: 刘芳的客户, 刘芳名下的, 劉芳嘅客, "Emily Zhou's customers", "owned
/// by Mark Liu", "customers of 陈明", 哪些是刘芳的. A name that is a place,
/// an interest or a competitor is none (those were read before), and
/// neither is a who-word.
fn owners(text: &mut Text, vocabulary: &Vocabulary, found: &mut Vec<Found>) {
    static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
        [
            r"(?P<name>[\p{Han}]{2,6}?|[a-z][a-z]*(?: [a-z]+){0,3})\s*(?:负责|名下|跟进|管)?\s*(?:的|嘅)[\s\x{1}]*(?:客户|客人|顾客|客)",
            r"(?P<name>[\p{Han}]{2,6}|[a-z][a-z]*(?: [a-z]+){0,3})'s[\s\x{1}]+(?:customers?|clients?|accounts?)",
            r"(?:owned by|managed by|handled by|belonging to) (?P<name>[\p{Han}]{2,4}|[a-z]+(?: [a-z]+){0,2})",
            r"(?:customers|clients) of (?P<name>[\p{Han}]{2,4}|[a-z]+(?: [a-z]+){0,2})",
            r"是(?P<name>[\p{Han}]{2,4}?)(?:负责|跟进|名下)?的\s*$",
        ]
        .iter()
        .map(|p| Regex::new(p).expect("owner patterns are valid regular expressions"))
        .collect()
    });
    for pattern in PATTERNS.iter() {
        let masked = text.masked();
        let Some(captures) = pattern.captures(&masked) else {
            continue;
        };
        let name = captures.name("name").expect("name is in every pattern");
        let mut range = Text::chars_of(&masked, name.range());
        let mut name_text: String = text.folded[range.clone()].iter().collect();
        // Leading who-words and fillers are no part of a name.
        'strip: loop {
            for prefix in NAME_PREFIXES {
                if let Some(rest) = name_text.strip_prefix(prefix)
                    && rest.chars().count() >= 2
                {
                    range.start += prefix.chars().count();
                    name_text = rest.to_string();
                    continue 'strip;
                }
            }
            break;
        }
        // A Latin name is its capitalised words ("which of Emily Zhou" →
        // Emily Zhou), or its last word when nothing is capitalised.
        if name_text.is_ascii() {
            let words: Vec<(usize, String)> = {
                let mut out = Vec::new();
                let mut at = range.start;
                for word in name_text.split(' ') {
                    out.push((at, text.original(&(at..at + word.len()))));
                    at += word.len() + 1;
                }
                out
            };
            let capitalised: Vec<&(usize, String)> = words
                .iter()
                .rev()
                .take_while(|(_, w)| w.starts_with(|c: char| c.is_uppercase()))
                .collect();
            let first = capitalised
                .last()
                .map(|(at, _)| *at)
                .unwrap_or_else(|| words.last().map(|(at, _)| *at).unwrap_or(range.start));
            range.start = first;
            name_text = text.folded[range.clone()].iter().collect();
            if STOP_WORDS.contains(&name_text.as_str()) {
                continue;
            }
        }
        let is_vocabulary = !vocabulary.places().resolve(&name_text).is_empty()
            || !vocabulary.interests().resolve(&name_text).is_empty()
            || !vocabulary.competitors().resolve(&name_text).is_empty();
        // Names hold no question or verb chars (上个月见过的客户 is no owner).
        let is_question = name_text
            .chars()
            .any(|c| "谁哪什么喜爱去在用提见访过了聊谈的是".contains(c));
        if is_vocabulary || is_question || name_text.trim().is_empty() {
            continue;
        }
        let value = text.original(&range);
        let whole = Text::chars_of(&masked, captures.get(0).expect("match").range());
        text.take(&whole);
        found.push(Found {
            item: Item::Owner(value),
            span: range,
        });
        return;
    }
}

/// A trip to a place no vocabulary knows (谁下周要去火星): the place is
/// searched as text, and a notice says so.
fn unknown_place(text: &mut Text, notices: &mut Vec<String>) -> Option<String> {
    const VERBS: &[&str] = &[
        "去",
        "飞往",
        "前往",
        "飞",
        "travel to",
        "travels to",
        "traveling to",
        "going to",
        "go to",
        "heading to",
        "flying to",
        "trip to",
    ];
    const PURPOSES: &[&str] = &[
        "见客户",
        "谈项目",
        "参加",
        "出差",
        "开会",
        "拜访",
        "办事",
        "玩",
        "旅游",
        "的",
        "吗",
        "呢",
    ];
    for verb in VERBS {
        let Some(range) = text.find_word(verb).into_iter().next() else {
            continue;
        };
        let rest: String = text.folded[range.end..]
            .iter()
            .zip(&text.used[range.end..])
            .take_while(|(_, used)| !**used)
            .map(|(c, _)| *c)
            .collect();
        let mut rest = rest.trim().to_string();
        for purpose in PURPOSES {
            if let Some(at) = rest.find(purpose) {
                rest.truncate(at);
            }
        }
        for stop in [" for ", " to ", " next", " this", " on ", " in "] {
            if let Some(at) = rest.find(stop) {
                rest.truncate(at);
            }
        }
        let rest = rest.trim();
        if rest.is_empty() || rest.split_whitespace().all(|w| STOP_WORDS.contains(&w)) {
            return None;
        }
        let start = range.end
            + text.folded[range.end..]
                .iter()
                .take_while(|c| **c == ' ')
                .count();
        let place = text.original(&(start..start + rest.chars().count()));
        text.take(&(start..start + rest.chars().count()));
        notices.push(format!(
            "{place}: not a known place — searched as text; add it to dossier-vocab.tsv to ask about trips there"
        ));
        return Some(place);
    }
    None
}

/// A question's words as text, question words and fillers left out: what
/// `ask` searches when the query it understood cannot be searched.
pub fn as_text(question: &str) -> Query {
    let question = question
        .trim()
        .trim_end_matches(|c: char| "?？!！。.,，~ ".contains(c))
        .trim();
    Query {
        clauses: fallback_words(question),
    }
}

/// The words of a question it cannot map, question words and fillers left
/// out, each searched as a free word.
fn fallback_words(question: &str) -> Vec<Clause> {
    let mut words = Vec::new();
    for piece in question.split(|c: char| c.is_whitespace() || "?？!！。.,，、的".contains(c))
    {
        let folded = fold(piece);
        if folded.is_empty() || STOP_WORDS.contains(&folded.as_str()) {
            continue;
        }
        let mut kept: Vec<char> = piece.chars().collect();
        for filler in ZH_FILLERS {
            let filler: Vec<char> = filler.chars().collect();
            let mut at = 0;
            while at + filler.len() <= kept.len() {
                if fold(&kept[at..at + filler.len()].iter().collect::<String>())
                    == filler.iter().collect::<String>()
                {
                    kept.drain(at..at + filler.len());
                } else {
                    at += 1;
                }
            }
        }
        let kept: String = kept.into_iter().collect();
        if !kept.trim().is_empty() {
            words.push(Clause::Word(kept.trim().to_string()));
        }
    }
    if words.is_empty() {
        words.push(Clause::Word(question.to_string()));
    }
    words
}

#[cfg(test)]
mod tests;
