//! Vocabularies as data: interest groups, places and competitors, read from
//! `index_schema/*.tsv` (built in) and extended by a knowledge base's own
//! `dossier-vocab.tsv`. Resolves a user's word to a group id, and finds the
//! groups named in segmented text, always by whole words.

use std::collections::HashMap;
use std::path::Path;

use crate::analysis::{normalize_word, runs};
use crate::error::{Error, Result};
use crate::fold::{fold, stable_hash, stable_hash_more};

/// Built-in interest groups: `id<TAB>names`.
pub const INTERESTS_TSV: &str = include_str!("../index_schema/interests.tsv");
/// Built-in places: `id<TAB>kind<TAB>parent<TAB>names`.
pub const PLACES_TSV: &str = include_str!("../index_schema/places.tsv");
/// Built-in competitors: `id<TAB>names<TAB>not`.
pub const COMPETITORS_TSV: &str = include_str!("../index_schema/competitors.tsv");
/// British → American spellings: `british<TAB>american`.
pub const SPELLING_TSV: &str = include_str!("../index_schema/spelling.tsv");
/// The file at a knowledge base's root that extends the vocabularies.
pub const KB_VOCAB_FILE: &str = "dossier-vocab.tsv";

/// One group of names that mean the same thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Stable id, indexed as the term.
    pub id: String,
    /// The names as written in the data, first one used as the label.
    pub names: Vec<String>,
    /// Containing group (places only: city → province → country).
    pub parent: Option<String>,
    /// Longer words that contain a name but do not mean it (联想到).
    pub not_words: Vec<String>,
    /// Words that, near a name in the same sentence, give it another sense
    /// (书法 or 拓片 near 甲骨文: the oracle-bone script, not Oracle);
    /// written `~书法` in the file's `not` column.
    pub sense_not: Vec<String>,
}

/// Groups with a lookup from normalised name to group.
#[derive(Debug, Clone, Default)]
pub struct AliasTable {
    /// The groups, in file order.
    pub groups: Vec<Group>,
    by_key: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, usize>,
    /// The automaton that finds names in text. Built on the first scan:
    /// only indexing scans, and the query path should not pay for it.
    matcher: std::sync::OnceLock<Matcher>,
}

/// Every name of every group, as an Aho-Corasick automaton over the scan
/// form of text (folded, punctuation as spaces).
#[derive(Debug, Clone)]
struct Matcher {
    automaton: aho_corasick::AhoCorasick,
    /// Per pattern (one per distinct name): every group that lists the
    /// name, with the scan forms of that group's not-words.
    patterns: Vec<Vec<(usize, Vec<String>)>>,
}

/// The scan form of one char: folded, and any char that is neither part of
/// a word nor Han becomes a space, so "Hewlett-Packard" meets "hewlett packard".
fn scan_char(c: char) -> char {
    let folded = crate::fold::fold_char(c);
    if crate::fold::is_cjk(folded) || crate::fold::is_word_char(folded) {
        folded
    } else {
        ' '
    }
}

/// The scan form of a name: scan chars, runs of spaces collapsed, trimmed.
fn scan_form(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().map(scan_char) {
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end().to_string()
}

/// True when the match `start..end` (chars of `text`) is a whole name: a
/// Latin edge does not continue into more letters (HP is not inside HPE; a
/// plural -s is allowed), and no not-word covers it (联想 inside 联想到).
pub fn is_whole_name(text: &[char], start: usize, end: usize, not_words: &[String]) -> bool {
    let word = |i: usize| text.get(i).is_some_and(|c| crate::fold::is_word_char(*c));
    if word(start) && start > 0 && word(start - 1) {
        return false;
    }
    if end > start && word(end - 1) && word(end) {
        let plural = text.get(end) == Some(&'s') && !word(end + 1) && end - start > 3;
        if !plural {
            return false;
        }
    }
    not_words.iter().all(|not_word| {
        let not_word: Vec<char> = not_word.chars().collect();
        let from = end.saturating_sub(not_word.len());
        let to = start.min(text.len());
        !(from..=to).any(|s| {
            s + not_word.len() >= end && text.get(s..s + not_word.len()) == Some(&not_word[..])
        })
    })
}

/// Ends a sentence, for the sense words around a name.
fn ends_sentence(c: char) -> bool {
    "。！？!?；;\n".contains(c)
}

/// True when one of `sense_not` is in the sentence of the hit `range` (at
/// most 40 characters either side).
fn has_sense_word(folded: &[char], range: &std::ops::Range<usize>, sense_not: &[String]) -> bool {
    if sense_not.is_empty() {
        return false;
    }
    const REACH: usize = 40;
    let mut start = range.start;
    while start > 0 && range.start - start < REACH && !ends_sentence(folded[start - 1]) {
        start -= 1;
    }
    let mut end = range.end.min(folded.len());
    while end < folded.len() && end - range.end < REACH && !ends_sentence(folded[end]) {
        end += 1;
    }
    let sentence: String = folded[start..end].iter().collect();
    sense_not
        .iter()
        .any(|word| sentence.contains(word.as_str()))
}

/// True when the hit `range` starts and ends where words of its sentence
/// do: the Han characters around each edge are segmented (at most 8 on
/// either side, within the run of Han characters) and the edge must fall
/// between two words. An edge next to anything but Han is one already.
fn is_word_of_sentence<'s>(
    folded: &[char],
    range: &std::ops::Range<usize>,
    segmenter: &dyn Fn() -> &'s crate::analysis::Segmenter,
) -> bool {
    const REACH: usize = 8;
    let han = |i: usize| folded.get(i).is_some_and(|c| crate::fold::is_cjk(*c));
    let start_inside = range.start > 0 && han(range.start - 1) && han(range.start);
    let end_inside = range.end > 0 && han(range.end - 1) && han(range.end);
    if !start_inside && !end_inside {
        return true;
    }
    let mut from = range.start;
    while from > 0 && range.start - from < REACH && han(from - 1) {
        from -= 1;
    }
    let mut to = range.end;
    while to < folded.len() && to - range.end < REACH && han(to) {
        to += 1;
    }
    let window: String = folded[from..to].iter().collect();
    let mut boundaries = vec![from];
    let mut at = from;
    for word in segmenter().words(&window) {
        at += word.chars().count();
        boundaries.push(at);
    }
    (!start_inside || boundaries.contains(&range.start))
        && (!end_inside || boundaries.contains(&range.end))
}

/// The normalised form of a name: folded, Latin words stemmed and joined by
/// one space, Han runs kept whole. Text segmented into `Word`s produces the
/// same key for the same name, so scanning and lookup agree.
pub fn alias_key(name: &str) -> String {
    let folded = fold(name);
    let mut key = String::new();
    let mut last_latin = false;
    for run in runs(&folded) {
        if !run.is_cjk && last_latin {
            key.push(' ');
        }
        if run.is_cjk {
            key.push_str(run.text);
        } else {
            key.push_str(&normalize_word(run.text));
        }
        last_latin = !run.is_cjk;
    }
    key
}

impl AliasTable {
    fn add(&mut self, group: Group) {
        // A new name invalidates the automaton.
        self.matcher = std::sync::OnceLock::new();
        let index = match self.by_id.get(&group.id) {
            Some(&existing) => {
                let target = &mut self.groups[existing];
                for name in group.names {
                    if !target.names.contains(&name) {
                        target.names.push(name);
                    }
                }
                target.not_words.extend(group.not_words);
                target.sense_not.extend(group.sense_not);
                if target.parent.is_none() {
                    target.parent = group.parent;
                }
                existing
            }
            None => {
                self.groups.push(group);
                self.by_id.insert(
                    self.groups[self.groups.len() - 1].id.clone(),
                    self.groups.len() - 1,
                );
                self.groups.len() - 1
            }
        };
        for name in self.groups[index].names.clone() {
            let key = alias_key(&name);
            if key.is_empty() {
                continue;
            }
            let entry = self.by_key.entry(key).or_default();
            if !entry.contains(&index) {
                entry.push(index);
            }
        }
    }

    /// The group with this id.
    pub fn get(&self, id: &str) -> Option<&Group> {
        self.by_id.get(id).map(|&i| &self.groups[i])
    }

    /// The groups a user's word names, by any of their names in any script.
    /// Empty when the word is in no group.
    pub fn resolve(&self, name: &str) -> Vec<&Group> {
        self.by_key
            .get(&alias_key(name))
            .map(|indexes| indexes.iter().map(|&i| &self.groups[i]).collect())
            .unwrap_or_default()
    }

    fn matcher(&self) -> &Matcher {
        self.matcher.get_or_init(|| {
            let mut names: Vec<String> = Vec::new();
            let mut patterns: Vec<Vec<(usize, Vec<String>)>> = Vec::new();
            let mut by_form: HashMap<String, usize> = HashMap::new();
            for (index, group) in self.groups.iter().enumerate() {
                let not_words: Vec<String> = group.not_words.iter().map(|w| scan_form(w)).collect();
                for name in &group.names {
                    let form = scan_form(name);
                    if form.is_empty() {
                        continue;
                    }
                    let pattern = *by_form.entry(form.clone()).or_insert_with(|| {
                        names.push(form);
                        patterns.push(Vec::new());
                        patterns.len() - 1
                    });
                    if !patterns[pattern].iter().any(|(g, _)| *g == index) {
                        patterns[pattern].push((index, not_words.clone()));
                    }
                }
            }
            let automaton = aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                // Let the crate choose: a DFA measured no faster here (same
                // user CPU on 300k files) and holds ~5 MB more in a watcher.
                .kind(None)
                .build(&names)
                .expect("vocabulary names build an automaton");
            Matcher {
                automaton,
                patterns,
            }
        })
    }

    /// The groups named in a text, each with the char range that named it.
    /// Names match whole words only (HP is not inside HPE; 联想 is not
    /// inside 联想到), longest name first, in any script.
    pub fn find_in<'a>(&'a self, text: &str) -> Vec<(&'a Group, std::ops::Range<usize>)> {
        let matcher = self.matcher();
        let scanned: String = text.chars().map(scan_char).collect();
        let mut found = Vec::new();
        let mut chars: Option<Vec<char>> = None;
        for hit in matcher.automaton.find_iter(&scanned) {
            let chars = chars.get_or_insert_with(|| scanned.chars().collect());
            let start = scanned[..hit.start()].chars().count();
            let end = start + scanned[hit.start()..hit.end()].chars().count();
            for (group, not_words) in &matcher.patterns[hit.pattern().as_usize()] {
                if is_whole_name(chars, start, end, not_words) {
                    found.push((&self.groups[*group], start..end));
                }
            }
        }
        found
    }

    /// The groups named in a text as words of their sentence: `find_in`,
    /// and then each hit that is written in Han characters is confirmed by
    /// segmenting a few characters around it (`segmenter`, called only
    /// when one is), so 张建华为我们介绍 and 用友善的方式 name neither 华为
    /// nor 用友, while 华为的方案 does; and a hit whose group has sense
    /// words (`Group::sense_not`) in the same sentence is another sense
    /// (甲骨文 near 书法). Hits are rare, so segmenting around them costs
    /// little where segmenting whole notes would cost much.
    pub fn find_words_in<'a, 's>(
        &'a self,
        text: &str,
        segmenter: &dyn Fn() -> &'s crate::analysis::Segmenter,
    ) -> Vec<(&'a Group, std::ops::Range<usize>)> {
        let hits = self.find_in(text);
        if hits.is_empty() {
            return hits;
        }
        let folded: Vec<char> = fold(text).chars().collect();
        hits.into_iter()
            .filter(|(group, range)| {
                !has_sense_word(&folded, range, &group.sense_not)
                    && is_word_of_sentence(&folded, range, segmenter)
            })
            .collect()
    }

    /// The place a written place names: every group it is exactly a name
    /// of; else, of the places named inside it, the most specific (山东济南
    /// is 济南), and of unrelated ones the first (北京市朝阳区 is 北京, not
    /// 朝阳 in Liaoning).
    pub fn locate(&self, written: &str) -> Vec<&Group> {
        let exact = self.resolve(written);
        if !exact.is_empty() {
            return exact;
        }
        let found: Vec<&Group> = self.find_in(written).into_iter().map(|(g, _)| g).collect();
        let specific: Vec<&Group> = found
            .iter()
            .copied()
            .filter(|g| {
                !found
                    .iter()
                    .any(|other| other.id != g.id && self.with_ancestors(other).contains(&g.id))
            })
            .collect();
        specific.into_iter().take(1).collect()
    }

    /// The id of a group and of every group that contains it.
    pub fn with_ancestors(&self, group: &Group) -> Vec<String> {
        let mut out = vec![group.id.clone()];
        let mut current = group.parent.clone();
        while let Some(id) = current {
            if out.contains(&id) {
                break;
            }
            current = self.get(&id).and_then(|g| g.parent.clone());
            out.push(id);
        }
        out
    }

    /// Every name of every group (for the segmenter's custom words).
    pub fn all_names(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flat_map(|g| g.names.iter().chain(g.not_words.iter()))
            .map(String::as_str)
    }
}

/// One vocabulary: its built-in file and the knowledge base's additions,
/// turned into an `AliasTable` on first use (a query that says `likes:`
/// need not parse the places).
#[derive(Debug, Clone)]
struct LazyTable {
    section: Section,
    builtin: &'static str,
    additions: Vec<Group>,
    table: std::sync::OnceLock<AliasTable>,
}

impl LazyTable {
    fn new(section: Section, builtin: &'static str) -> Self {
        LazyTable {
            section,
            builtin,
            additions: Vec::new(),
            table: std::sync::OnceLock::new(),
        }
    }

    fn get(&self) -> &AliasTable {
        self.table.get_or_init(|| {
            let mut table = AliasTable::default();
            for (_, columns) in data_lines(self.builtin) {
                // The built-in files are checked by tests; a bad line cannot ship.
                if let Ok(group) = parse_group(self.section, &columns) {
                    table.add(group);
                }
            }
            for group in &self.additions {
                table.add(group.clone());
            }
            table
        })
    }
}

/// The three vocabularies in force for one knowledge base.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    interests: LazyTable,
    places: LazyTable,
    competitors: LazyTable,
    /// Fingerprint of every vocabulary text in force; part of the index version.
    pub fingerprint: u64,
}

/// The built-in tables' fingerprint, worked out at compile time.
const BUILTIN_FINGERPRINT: u64 = {
    let mut hash = stable_hash(INTERESTS_TSV.as_bytes());
    hash = stable_hash_more(hash, PLACES_TSV.as_bytes());
    hash = stable_hash_more(hash, COMPETITORS_TSV.as_bytes());
    stable_hash_more(hash, SPELLING_TSV.as_bytes())
};

fn builtin_fingerprint() -> u64 {
    BUILTIN_FINGERPRINT
}

fn combine(builtin: u64, kb_file: &[u8]) -> u64 {
    builtin ^ stable_hash(kb_file).rotate_left(1)
}

/// Which vocabulary a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Interest,
    Place,
    Competitor,
}

fn split_names(column: &str) -> Vec<String> {
    column
        .split('|')
        .map(str::trim)
        .filter(|name| !name.is_empty() && *name != "-")
        .map(str::to_string)
        .collect()
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with('#') && !line.trim().is_empty())
        .map(|(n, line)| (n + 1, line.split('\t').collect()))
}

fn parse_group(section: Section, columns: &[&str]) -> std::result::Result<Group, String> {
    let column = |i: usize| columns.get(i).map(|c| c.trim()).unwrap_or("");
    let (id, names, parent, not_words) = match section {
        Section::Interest => (column(0), column(1), "", ""),
        Section::Place => (column(0), column(3), column(2), ""),
        Section::Competitor => (column(0), column(1), "", column(2)),
    };
    if id.is_empty() {
        return Err("missing id".into());
    }
    let names = split_names(names);
    if names.is_empty() {
        return Err(format!("{id}: no names"));
    }
    let (sense_not, not_words): (Vec<String>, Vec<String>) = split_names(not_words)
        .into_iter()
        .partition(|word| word.starts_with('~'));
    Ok(Group {
        id: id.to_string(),
        names,
        parent: (!parent.is_empty() && parent != "-").then(|| parent.to_string()),
        not_words,
        sense_not: sense_not
            .iter()
            .map(|word| fold(word.trim_start_matches('~')))
            .filter(|word| !word.is_empty())
            .collect(),
    })
}

impl Vocabulary {
    /// The built-in vocabularies only.
    pub fn builtin() -> Self {
        Vocabulary {
            interests: LazyTable::new(Section::Interest, INTERESTS_TSV),
            places: LazyTable::new(Section::Place, PLACES_TSV),
            competitors: LazyTable::new(Section::Competitor, COMPETITORS_TSV),
            fingerprint: builtin_fingerprint(),
        }
    }

    /// Interest groups, for `likes:`.
    pub fn interests(&self) -> &AliasTable {
        self.interests.get()
    }

    /// Places, for `travel:` and `city:`.
    pub fn places(&self) -> &AliasTable {
        self.places.get()
    }

    /// Competitors, for `mentions:`.
    pub fn competitors(&self) -> &AliasTable {
        self.competitors.get()
    }

    /// The fingerprint of the vocabularies in force for a knowledge base,
    /// without parsing them (the search path checks it on every query).
    pub fn fingerprint_for(dir: &Path) -> Result<u64> {
        let path = dir.join(KB_VOCAB_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(combine(builtin_fingerprint(), &bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(builtin_fingerprint()),
            Err(error) => Err(Error::io(&path, error)),
        }
    }

    /// The built-in vocabularies extended by `DIR/dossier-vocab.tsv`.
    ///
    /// A missing file is no error. Malformed lines are skipped and returned
    /// as errors naming the line, so one typo never stops indexing.
    pub fn for_knowledge_base(dir: &Path) -> Result<(Self, Vec<Error>)> {
        let mut vocabulary = Self::builtin();
        let path = dir.join(KB_VOCAB_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok((vocabulary, Vec::new()));
            }
            Err(error) => return Err(Error::io(&path, error)),
        };
        let mut problems = Vec::new();
        for (line, columns) in data_lines(&text) {
            let section = match columns[0].trim() {
                "interest" | "interests" => Section::Interest,
                "place" | "places" => Section::Place,
                "competitor" | "competitors" => Section::Competitor,
                other => {
                    problems.push(Error::Vocabulary {
                        path: path.clone(),
                        line,
                        problem: format!(
                            "unknown section {other:?}, expected interest, place or competitor"
                        ),
                    });
                    continue;
                }
            };
            // The knowledge-base file puts the parent last so a plain
            // `place<TAB>id<TAB>names` line works.
            let rest: Vec<&str> = match section {
                Section::Place => vec![
                    columns.get(1).copied().unwrap_or(""),
                    "city",
                    columns.get(3).copied().unwrap_or(""),
                    columns.get(2).copied().unwrap_or(""),
                ],
                _ => columns[1..].to_vec(),
            };
            match parse_group(section, &rest) {
                Ok(group) => match section {
                    Section::Interest => vocabulary.interests.additions.push(group),
                    Section::Place => vocabulary.places.additions.push(group),
                    Section::Competitor => vocabulary.competitors.additions.push(group),
                },
                Err(problem) => problems.push(Error::Vocabulary {
                    path: path.clone(),
                    line,
                    problem,
                }),
            }
        }
        vocabulary.fingerprint = combine(vocabulary.fingerprint, text.as_bytes());
        Ok((vocabulary, problems))
    }

    /// Every name the segmenter must keep whole.
    pub fn custom_words(&self) -> impl Iterator<Item = &str> {
        self.interests()
            .all_names()
            .chain(self.places().all_names())
            .chain(self.competitors().all_names())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn builtin_lines(text: &str) -> Vec<(usize, Vec<&str>)> {
        data_lines(text).collect()
    }

    /// Every line parses, ids are unique, and no name is listed twice.
    fn check_file(name: &str, section: Section, text: &str, columns: usize) {
        let mut ids = BTreeMap::new();
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (line, cols) in builtin_lines(text) {
            assert_eq!(
                cols.len(),
                columns,
                "{name}:{line}: expected {columns} columns"
            );
            let group =
                parse_group(section, &cols).unwrap_or_else(|e| panic!("{name}:{line}: {e}"));
            assert!(
                ids.insert(group.id.clone(), line).is_none(),
                "{name}:{line}: duplicate id {}",
                group.id
            );
            for raw in cols[if section == Section::Place { 3 } else { 1 }].split('|') {
                if let Some(first) = names.insert(raw, line)
                    && section != Section::Place
                {
                    panic!("{name}:{line}: {raw} already listed on line {first}");
                }
            }
        }
    }

    #[test]
    fn builtin_files_are_well_formed() {
        check_file("interests.tsv", Section::Interest, INTERESTS_TSV, 2);
        check_file("places.tsv", Section::Place, PLACES_TSV, 4);
        check_file("competitors.tsv", Section::Competitor, COMPETITORS_TSV, 3);
    }

    /// A name may mean two groups only for places where one contains the
    /// other (吉林 the province and 吉林 the city).
    #[test]
    fn no_name_means_two_things() {
        let vocabulary = Vocabulary::builtin();
        for (label, table) in [
            ("interests", vocabulary.interests()),
            ("competitors", vocabulary.competitors()),
        ] {
            for (key, groups) in &table.by_key {
                assert_eq!(
                    groups.len(),
                    1,
                    "{label}: {key:?} names {:?}",
                    groups
                        .iter()
                        .map(|&g| &table.groups[g].id)
                        .collect::<Vec<_>>()
                );
            }
        }
        let places = vocabulary.places();
        for (key, groups) in &places.by_key {
            if groups.len() > 1 {
                let related = groups.iter().all(|&a| {
                    groups.iter().all(|&b| {
                        a == b
                            || places
                                .with_ancestors(&places.groups[a])
                                .contains(&places.groups[b].id)
                            || places
                                .with_ancestors(&places.groups[b])
                                .contains(&places.groups[a].id)
                    })
                });
                assert!(
                    related,
                    "places: {key:?} names unrelated places {:?}",
                    groups
                        .iter()
                        .map(|&g| &places.groups[g].id)
                        .collect::<Vec<_>>()
                );
            }
        }
        for group in &places.groups {
            if let Some(parent) = &group.parent {
                assert!(
                    places.get(parent).is_some(),
                    "places: {} has unknown parent {parent}",
                    group.id
                );
            }
        }
    }

    #[test]
    fn resolves_names_in_every_script() {
        let vocabulary = Vocabulary::builtin();
        let table: &[(&AliasTable, &str, &str)] = &[
            (vocabulary.interests(), "theatre", "theatre"),
            (vocabulary.interests(), "Theater", "theatre"),
            (vocabulary.interests(), "話劇", "theatre"),
            (vocabulary.interests(), "话剧", "theatre"),
            (vocabulary.interests(), "高尔夫球", "golf"),
            (vocabulary.places(), "Beijing", "beijing"),
            (vocabulary.places(), "北京市", "beijing"),
            (vocabulary.places(), "Peking", "beijing"),
            (vocabulary.competitors(), "聯想", "lenovo"),
            (vocabulary.competitors(), "lenovo", "lenovo"),
            (vocabulary.competitors(), "Hewlett-Packard", "hp"),
            (vocabulary.competitors(), "HPE", "hpe"),
        ];
        for (table, name, id) in table {
            let ids: Vec<&str> = table.resolve(name).iter().map(|g| g.id.as_str()).collect();
            assert_eq!(ids, vec![*id], "resolve({name:?})");
        }
    }

    #[test]
    fn a_name_counts_as_a_word_of_its_sentence_and_in_its_sense() {
        let vocabulary = Vocabulary::builtin();
        let segmenter = crate::analysis::Segmenter::new(vocabulary.custom_words());
        let table = vocabulary.competitors();
        for (text, expected) in [
            ("张建华为我们介绍了方案", &[][..]),
            ("用友善的方式沟通", &[]),
            ("升华为一种精神", &[]),
            ("华为的方案不错", &["huawei"]),
            ("客户在用华为服务器", &["huawei"]),
            ("他们用友的财务软件太慢", &["yonyou"]),
            ("金蝶和用友", &["kingdee", "yonyou"]),
            ("周末去看了甲骨文书法展，很有意思", &[]),
            ("商代的甲骨文拓片", &[]),
            ("甲骨文的数据库续约在谈", &["oracle"]),
            ("他们在用甲骨文。周末去看书法展", &["oracle"]),
            ("Oracle and 华为", &["oracle", "huawei"]),
        ] {
            let ids: Vec<&str> = table
                .find_words_in(text, &|| &segmenter)
                .iter()
                .map(|(g, _)| g.id.as_str())
                .collect();
            assert_eq!(ids, expected, "{text}");
        }
    }

    #[test]
    fn finds_whole_names_in_text() {
        let vocabulary = Vocabulary::builtin();
        let table: &[(&AliasTable, &str, &[&str])] = &[
            (
                vocabulary.competitors(),
                "对方目前用IBM的计费系统",
                &["ibm"],
            ),
            (vocabulary.competitors(), "they run HPE servers", &["hpe"]),
            (
                vocabulary.competitors(),
                "old HP printers and HP-UX",
                &["hp", "hp"],
            ),
            (
                vocabulary.competitors(),
                "Hewlett-Packard and Hewlett Packard Enterprise",
                &["hp", "hpe"],
            ),
            (vocabulary.competitors(), "这让我联想到去年的项目", &[]),
            (
                vocabulary.competitors(),
                "这让我联想到联想的电脑",
                &["lenovo"],
            ),
            (
                vocabulary.competitors(),
                "用的是聯想和戴爾",
                &["lenovo", "dell"],
            ),
            (vocabulary.competitors(), "IBMers", &[]),
            (vocabulary.interests(), "周末常去看话剧", &["theatre"]),
            (vocabulary.interests(), "loves theaters", &["theatre"]),
            (vocabulary.interests(), "打高爾夫球", &["golf"]),
            (
                vocabulary.places(),
                "北京市朝阳区",
                &["beijing", "chaoyang"],
            ),
        ];
        for (table, text, expected) in table {
            let ids: Vec<&str> = table
                .find_in(text)
                .iter()
                .map(|(g, _)| g.id.as_str())
                .collect();
            assert_eq!(ids, *expected, "find_in({text:?})");
        }
    }

    #[test]
    fn locates_written_places() {
        let vocabulary = Vocabulary::builtin();
        for (written, expected) in [
            ("北京", "beijing"),
            ("Peking", "beijing"),
            ("北京市朝阳区", "beijing"),
            ("山东济南", "jinan"),
            ("济南市历下区", "jinan"),
            ("臺北", "taipei"),
        ] {
            let ids: Vec<&str> = vocabulary
                .places()
                .locate(written)
                .iter()
                .map(|g| g.id.as_str())
                .collect();
            assert_eq!(ids, vec![expected], "locate({written:?})");
        }
    }

    #[test]
    fn kb_file_extends_and_reports_bad_lines() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join(KB_VOCAB_FILE),
            "# comment\ninterest\tguqin\t古琴|七弦琴\nplace\tbeijing\t首都\ncompetitor\tdingtalk\t钉钉|DingTalk\nbogus\tx\ty\ninterest\t\tnothing\n",
        )
        .expect("write vocab");
        let (vocabulary, problems) = Vocabulary::for_knowledge_base(dir.path()).expect("load");
        assert_eq!(vocabulary.interests().resolve("七弦琴")[0].id, "guqin");
        assert_eq!(vocabulary.places().resolve("首都")[0].id, "beijing");
        assert_eq!(vocabulary.places().resolve("Beijing")[0].id, "beijing");
        assert_eq!(vocabulary.competitors().resolve("釘釘")[0].id, "dingtalk");
        let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains(":5:"), "{lines:?}");
        assert_ne!(vocabulary.fingerprint, Vocabulary::builtin().fingerprint);
        assert_eq!(
            vocabulary.fingerprint,
            Vocabulary::fingerprint_for(dir.path()).expect("fingerprint")
        );
    }
}
