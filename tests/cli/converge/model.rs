//! The model of the knowledge-base folder: records as the test wrote
//! them, the files that hold them, and what the index must answer for them
//! (who keeps an id, what each link resolves to, who likes what).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::{DUPLICATE_IDS, LINKS_BY_NAME, STAR_QUERY};

/// A small deterministic generator (SplitMix64): no dependency, and the
/// same seed gives the same run everywhere.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0)");
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Up to `n` of `items`, each at most once, in their order.
    pub fn sample(&mut self, items: &[String], n: usize) -> Vec<String> {
        let mut picked: Vec<usize> = (0..items.len()).collect();
        while picked.len() > n {
            let drop = self.below(picked.len());
            picked.remove(drop);
        }
        picked.into_iter().map(|i| items[i].clone()).collect()
    }

    pub fn word(&mut self, prefix: &str) -> String {
        let mut word = prefix.to_string();
        for _ in 0..8 {
            word.push((b'a' + self.below(26) as u8) as char);
        }
        word
    }
}

/// Names (as written, and how a note may write them: another case, the
/// traditional script). Few, so that some are shared and a link by such a
/// name is ambiguous.
pub const NAMES: &[(&str, &[&str])] = &[
    ("周国强", &["周國強"]),
    ("张伟", &["張偉"]),
    ("刘芳", &["劉芳"]),
    ("陈杰", &["陳傑"]),
    ("Anna Berg", &["anna berg", "ANNA BERG"]),
    ("Ken Ito", &["ken ito"]),
];
pub const NICKNAMES: &[(&str, &[&str])] =
    &[("老周", &[]), ("陈总", &["陳總"]), ("Big K", &["big k"])];

/// Interest groups of `index_schema/interests.tsv`: the group's query word
/// and names of it as customers and queries write them.
pub const GROUPS: &[(&str, &[&str])] = &[
    ("theatre", &["话剧", "戲劇", "theater", "drama"]),
    ("golf", &["高尔夫", "golfing", "打高爾夫"]),
    ("fishing", &["钓鱼", "釣魚", "angling"]),
    ("tea", &["茶艺", "品茗", "oolong"]),
    ("diving", &["潜水", "scuba"]),
];

/// The name of interest `name` of group `group`: one of the group's names,
/// or (`name` past them) a word of the group only when the knowledge base's
/// own vocabulary (`dossier-vocab.tsv`) adds it.
pub fn interest_name(group: usize, name: usize) -> String {
    let (word, names) = GROUPS[group];
    names
        .get(name)
        .map_or_else(|| format!("zz{word}"), |name| name.to_string())
}

/// The line of `dossier-vocab.tsv` that adds group `group`'s own word.
pub fn vocab_line(group: usize) -> String {
    format!(
        "interest\t{}\t{}\n",
        GROUPS[group].0,
        interest_name(group, usize::MAX)
    )
}

/// The word every customer file holds, to list every customer without `*`.
pub const EVERYONE: &str = "convergeall";

/// Folds a name as links compare them: case, and the traditional forms
/// used in `NAMES` and `NICKNAMES`.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '國' => '国',
            '強' => '强',
            '張' => '张',
            '偉' => '伟',
            '劉' => '刘',
            '陳' => '陈',
            '傑' => '杰',
            '總' => '总',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A customer record as the model knows it.
#[derive(Clone, Debug)]
pub struct Customer {
    pub id: String,
    /// None: a customer without a name, an error record.
    pub name: Option<String>,
    pub nickname: Option<String>,
    /// The customer's own word: only this record holds it.
    pub token: String,
    /// Indexes into `GROUPS` and the name used (`interest_name`).
    pub interests: Vec<(usize, usize)>,
    /// Written with `"kind": "customer"` (may live in any folder).
    pub kind_field: bool,
}

/// A meeting note or visit report.
#[derive(Clone, Debug)]
pub struct Note {
    pub id: String,
    /// `"customers": [...]` rather than `"customer": "..."`.
    pub many: bool,
    pub links: Vec<String>,
    pub token: String,
    pub day: u32,
    /// `"kind"` written in the record, if any.
    pub kind_field: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub enum Content {
    Customer(Customer),
    /// One note, or an array of notes (`array`).
    Notes {
        notes: Vec<Note>,
        array: bool,
    },
}

impl Content {
    pub fn is_customer(&self) -> bool {
        matches!(self, Content::Customer(_))
    }

    /// True when every record says its kind, so the file may live anywhere.
    pub fn says_kind(&self) -> bool {
        match self {
            Content::Customer(c) => c.kind_field,
            Content::Notes { notes, .. } => notes.iter().all(|n| n.kind_field.is_some()),
        }
    }

    pub fn value(&self) -> Value {
        match self {
            Content::Customer(c) => customer_value(c),
            Content::Notes { notes, array } => {
                if *array {
                    Value::Array(notes.iter().map(note_value).collect())
                } else {
                    note_value(&notes[0])
                }
            }
        }
    }

    pub fn text(&self) -> String {
        serde_json::to_string_pretty(&self.value()).expect("model JSON serializes")
    }
}

pub fn customer_value(c: &Customer) -> Value {
    let mut record = serde_json::Map::new();
    record.insert("id".into(), json!(c.id));
    if c.kind_field {
        record.insert("kind".into(), json!("customer"));
    }
    if let Some(name) = &c.name {
        record.insert("name".into(), json!(name));
    }
    if let Some(nickname) = &c.nickname {
        record.insert("nickname".into(), json!(nickname));
    }
    let interests: Vec<String> = c
        .interests
        .iter()
        .map(|&(group, name)| interest_name(group, name))
        .collect();
    record.insert("interests".into(), json!(interests));
    record.insert(
        "notes".into(),
        json!(format!("{} {EVERYONE} 客户备注", c.token)),
    );
    Value::Object(record)
}

pub fn note_value(n: &Note) -> Value {
    let mut record = serde_json::Map::new();
    record.insert("id".into(), json!(n.id));
    if let Some(kind) = n.kind_field {
        record.insert("kind".into(), json!(kind));
    }
    if n.many {
        record.insert("customers".into(), json!(n.links));
    } else {
        record.insert("customer".into(), json!(n.links[0]));
    }
    record.insert("date".into(), json!(format!("2026-11-{:02}", n.day)));
    record.insert("title".into(), json!("会谈"));
    record.insert("text".into(), json!(format!("{} 讨论了方案", n.token)));
    Value::Object(record)
}

/// A file of the folder: readable, or broken (invalid JSON) with the
/// version the index must keep until it is fixed.
#[derive(Clone, Debug)]
pub enum File {
    Good(Content),
    Broken(Option<Content>),
}

impl File {
    /// What the index holds for this file.
    pub fn effective(&self) -> Option<&Content> {
        match self {
            File::Good(content) => Some(content),
            File::Broken(last_good) => last_good.as_ref(),
        }
    }
}

/// Folders a file may live in; the kind a folder gives is worked out by
/// `folder_kind`, as dossier does (the nearest folder named like a kind).
pub const CUSTOMER_FOLDERS: &[&str] =
    &["customers", "customers/2026", "clients", "team-north/客户"];
pub const NOTE_FOLDERS: &[&str] = &["meetings", "notes/2026", "visits", "team-north/meetings"];
pub const PLAIN_FOLDERS: &[&str] = &["misc", "inbox/new"];

/// "customer", "meeting" or "visit", from the nearest folder named so.
pub fn folder_kind(path: &str) -> Option<&'static str> {
    path.rsplit('/').skip(1).find_map(|part| match part {
        "customers" | "clients" | "客户" => Some("customer"),
        "meetings" | "notes" => Some("meeting"),
        "visits" => Some("visit"),
        _ => None,
    })
}

/// The folder of a relative path ("" at the root).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// True when `content` keeps its kind at `path`.
pub fn fits(content: &Content, path: &str) -> bool {
    if content.says_kind() {
        return true;
    }
    match folder_kind(path) {
        Some("customer") => content.is_customer(),
        Some(_) => !content.is_customer(),
        None => false,
    }
}

/// A note as `show --json` lists it: id, kind, path and the record.
pub type ShownNote = (String, String, String, Value);

/// A customer's dossier: the profile, and its notes sorted by id and path.
pub type Shown = (Value, Vec<ShownNote>);

/// `status --json`: the files in error, the files with warnings (links
/// that name no customer, compared with `LINKS_BY_NAME` only), and how many
/// customers, meetings and visits the index holds.
pub type Status = (BTreeSet<String>, BTreeSet<String>, [u64; 3]);

/// What the index must answer, from the model or from dossier.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Answers {
    /// Every customer: id -> (name, path).
    pub everyone: BTreeMap<String, (String, String)>,
    /// The same through `*` (when `STAR_QUERY`).
    pub star: Option<BTreeMap<String, (String, String)>>,
    /// A word -> the ids it finds.
    pub words: BTreeMap<String, Vec<String>>,
    /// A `likes:` query -> the ids it finds.
    pub likes: BTreeMap<String, Vec<String>>,
    /// A customer's id -> its profile and its notes (id, kind, path, record).
    pub shows: BTreeMap<String, Shown>,
    pub status: Status,
}

/// What to ask at a quiet point.
pub struct Probe {
    pub words: Vec<String>,
    pub likes: Vec<String>,
    pub shows: Vec<String>,
}

/// The folder as the model knows it, with the bookkeeping that keeps its
/// expectations deterministic.
#[derive(Default)]
pub struct Model {
    pub files: BTreeMap<String, File>,
    /// Paths that existed at the last quiet point.
    pub synced: BTreeSet<String>,
    /// Paths changed since the last quiet point.
    pub dirty: BTreeSet<String>,
    /// Paths that were the target of a rename (a move, an atomic save)
    /// since the last quiet point.
    pub moved: BTreeSet<String>,
    /// The records the index held at the last quiet point: (path, id).
    pub synced_records: BTreeSet<(String, String)>,
    /// Every word ever given to a record (gone ones must find nothing).
    pub words_ever: BTreeSet<String>,
    /// Groups whose own word `dossier-vocab.tsv` adds.
    pub vocab: BTreeSet<usize>,
    pub next_id: usize,
}

/// The model's view of who is who.
pub struct Resolved<'a> {
    /// Customers that keep their id: id key -> (path, record).
    pub customers: BTreeMap<String, (&'a str, &'a Customer)>,
    /// Notes that keep their id, with the customers they resolve to.
    pub notes: Vec<(&'a str, &'a Note, BTreeSet<String>)>,
    /// Files in error: broken, a customer without a name, a duplicate id.
    pub errors: BTreeSet<String>,
    /// Files with a note whose link names no customer, or several.
    pub unresolved: BTreeSet<String>,
}

/// How ids are compared when two records claim one.
pub fn id_key(id: &str) -> String {
    if DUPLICATE_IDS {
        id.to_lowercase()
    } else {
        id.to_string()
    }
}

impl Model {
    /// The paths of the files inside `folder` (a folder moved or deleted).
    pub fn files_under(&self, folder: &str) -> Vec<String> {
        let prefix = format!("{folder}/");
        self.files
            .keys()
            .filter(|path| path.starts_with(&prefix))
            .cloned()
            .collect()
    }

    /// True when the file at `path` is broken now (its last good version,
    /// if any, is what the index keeps).
    pub fn is_broken(&self, path: &str) -> bool {
        matches!(self.files.get(path), Some(File::Broken(_)))
    }

    pub fn resolve(&self) -> Resolved<'_> {
        let mut customers: BTreeMap<String, (&str, &Customer)> = BTreeMap::new();
        let mut notes = Vec::new();
        let mut note_ids = BTreeSet::new();
        let mut errors = BTreeSet::new();
        // Paths in byte order: the first record to claim an id keeps it.
        for (path, file) in &self.files {
            if matches!(file, File::Broken(_)) {
                errors.insert(path.clone());
            }
            match file.effective() {
                Some(Content::Customer(c)) => {
                    // Without a name, or with an id another path claimed
                    // first, a customer is an error.
                    let key = id_key(&c.id);
                    if c.name.is_none() || customers.contains_key(&key) {
                        errors.insert(path.clone());
                    } else {
                        customers.insert(key, (path.as_str(), c));
                    }
                }
                Some(Content::Notes { notes: list, .. }) => {
                    for note in list {
                        if note_ids.insert(id_key(&note.id)) {
                            notes.push((path.as_str(), note, BTreeSet::new()));
                        } else {
                            errors.insert(path.clone());
                        }
                    }
                }
                None => {}
            }
        }
        let mut unresolved = BTreeSet::new();
        for (path, note, linked) in &mut notes {
            for link in &note.links {
                // By id: as written, or in any case with `LINKS_BY_NAME`.
                let by_id = customers.values().find(|(_, c)| {
                    if LINKS_BY_NAME {
                        c.id.to_lowercase() == link.to_lowercase()
                    } else {
                        &c.id == link
                    }
                });
                if let Some((_, c)) = by_id {
                    linked.insert(c.id.clone());
                    continue;
                }
                if !LINKS_BY_NAME {
                    unresolved.insert(path.to_string());
                    continue;
                }
                let named: Vec<&Customer> = customers
                    .values()
                    .map(|&(_, c)| c)
                    .filter(|c| {
                        c.name
                            .iter()
                            .chain(&c.nickname)
                            .any(|n| fold(n) == fold(link))
                    })
                    .collect();
                if let [only] = named[..] {
                    linked.insert(only.id.clone());
                } else {
                    unresolved.insert(path.to_string());
                }
            }
        }
        Resolved {
            customers,
            notes,
            errors,
            unresolved,
        }
    }

    /// The records the index holds once synced: (path, id) of every
    /// customer and note that keeps its id.
    pub fn indexed_records(&self) -> BTreeSet<(String, String)> {
        let resolved = self.resolve();
        let customers = resolved
            .customers
            .values()
            .map(|&(path, c)| (path.to_string(), c.id.clone()));
        let notes = resolved
            .notes
            .iter()
            .map(|&(path, note, _)| (path.to_string(), note.id.clone()));
        customers.chain(notes).collect()
    }

    /// What the index holds of a file's content, and keeps when the file
    /// breaks: its records that were indexed (not a customer without a name,
    /// not one whose id another path holds), if any.
    pub fn indexed(&self, path: &str, content: Content) -> Option<Content> {
        let resolved = self.resolve();
        match content {
            Content::Customer(c) => resolved
                .customers
                .get(&id_key(&c.id))
                .is_some_and(|&(owner, _)| owner == path)
                .then_some(Content::Customer(c)),
            Content::Notes { notes, array } => {
                let notes: Vec<Note> = notes
                    .into_iter()
                    .filter(|note| {
                        resolved
                            .notes
                            .iter()
                            .any(|(owner, kept, _)| *owner == path && kept.id == note.id)
                    })
                    .collect();
                (!notes.is_empty()).then_some(Content::Notes { notes, array })
            }
        }
    }

    /// The kind of a note at a path, as dossier reads it.
    pub fn note_kind(path: &str, note: &Note) -> String {
        note.kind_field
            .or_else(|| folder_kind(path))
            .unwrap_or("meeting")
            .to_string()
    }

    pub fn expected(&self, probe: &Probe) -> Answers {
        let resolved = self.resolve();
        let everyone: BTreeMap<String, (String, String)> = resolved
            .customers
            .values()
            .map(|&(path, c)| {
                let name = c
                    .name
                    .clone()
                    .expect("a customer that keeps its id has a name");
                (c.id.clone(), (name, path.to_string()))
            })
            .collect();
        let mut words = BTreeMap::new();
        for word in &probe.words {
            let mut ids = BTreeSet::new();
            for &(_, c) in resolved.customers.values() {
                if &c.token == word {
                    ids.insert(c.id.clone());
                }
            }
            for (path, note, linked) in &resolved.notes {
                // A broken note's last good version is kept without its
                // text, where its own word is.
                if &note.token == word && !self.is_broken(path) {
                    ids.extend(linked.iter().cloned());
                }
            }
            words.insert(word.clone(), ids.into_iter().collect());
        }
        let mut likes = BTreeMap::new();
        for query in &probe.likes {
            let word = query.strip_prefix("likes:").expect("a likes: query");
            let group = GROUPS
                .iter()
                .enumerate()
                .position(|(group, (name, names))| {
                    word == *name
                        || names.contains(&word)
                        || word == interest_name(group, usize::MAX)
                })
                .expect("likes: queries name a group");
            let extra = GROUPS[group].1.len();
            // A group's own word outside the vocabulary is an interest of
            // its own, found only as written.
            let literal = word == interest_name(group, extra) && !self.vocab.contains(&group);
            let members = |literal: bool| -> Vec<String> {
                let mut ids: Vec<String> = resolved
                    .customers
                    .values()
                    .filter(|(_, c)| {
                        c.interests.iter().any(|&(g, name)| {
                            g == group
                                && if literal {
                                    name >= extra
                                } else {
                                    name < extra || self.vocab.contains(&group)
                                }
                        })
                    })
                    .map(|(_, c)| c.id.clone())
                    .collect();
                ids.sort();
                ids
            };
            // A word no group has finds the customers who wrote it; when
            // none did, the search takes it for a typo of the nearest group
            // ("zztheatre: not found — searched for theatre") if the typo
            // rule allows it: `zz` + the group's word is two edits away,
            // and two typos are allowed from 9 letters on (one from 5), so
            // zztheatre and zzfishing are corrected, zztea and zzgolf not.
            let mut ids = members(literal);
            if literal && ids.is_empty() && word.chars().count() >= 9 {
                ids = members(false);
            }
            likes.insert(query.clone(), ids);
        }
        let mut shows = BTreeMap::new();
        for id in &probe.shows {
            let Some(&(_, c)) = resolved.customers.get(&id_key(id)) else {
                continue;
            };
            let mut notes: Vec<ShownNote> = resolved
                .notes
                .iter()
                .filter(|(_, _, linked)| linked.contains(&c.id))
                .map(|(path, note, _)| {
                    let mut value = note_value(note);
                    if self.is_broken(path)
                        && let Value::Object(record) = &mut value
                    {
                        record.remove("text");
                        record.insert("(last_good)".into(), json!(true));
                    }
                    (
                        note.id.clone(),
                        Model::note_kind(path, note),
                        path.to_string(),
                        value,
                    )
                })
                .collect();
            notes.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
            shows.insert(id.clone(), (customer_value(c), notes));
        }
        let count = |kind: &str| {
            resolved
                .notes
                .iter()
                .filter(|(path, note, _)| Model::note_kind(path, note) == kind)
                .count() as u64
        };
        // A note whose link names no customer, or several, is a warning of
        // its file (a broken file's problem is its error).
        let warnings: BTreeSet<String> = resolved
            .unresolved
            .iter()
            .filter(|path| LINKS_BY_NAME && matches!(self.files.get(*path), Some(File::Good(_))))
            .cloned()
            .collect();
        let counts = [
            resolved.customers.len() as u64,
            count("meeting"),
            count("visit"),
        ];
        Answers {
            star: STAR_QUERY.then(|| everyone.clone()),
            everyone,
            words,
            likes,
            shows,
            status: (resolved.errors.clone(), warnings, counts),
        }
    }

    /// What to ask: every customer's and note's word, a few words that are
    /// gone, every `likes:` group (by a random name), every customer's dossier.
    pub fn probe(&self, rng: &mut Rng, sample: Option<usize>) -> Probe {
        let resolved = self.resolve();
        let mut customers: BTreeSet<String> = BTreeSet::new();
        let mut notes: BTreeSet<String> = BTreeSet::new();
        for file in self.files.values() {
            match file.effective() {
                Some(Content::Customer(c)) => {
                    customers.insert(c.token.clone());
                }
                Some(Content::Notes { notes: list, .. }) => {
                    notes.extend(list.iter().map(|n| n.token.clone()));
                }
                None => {}
            }
        }
        let gone: Vec<String> = self
            .words_ever
            .iter()
            .filter(|word| !customers.contains(*word) && !notes.contains(*word))
            .cloned()
            .collect();
        let notes: Vec<String> = notes.into_iter().collect();
        let shows: Vec<String> = resolved
            .customers
            .values()
            .map(|(_, c)| c.id.clone())
            .collect();
        // Every customer's own word, always; of the notes' words, the words
        // that are gone and the dossiers, a quiet point asks about a sample
        // (each answer costs a process), the end of the run about all.
        let limit = sample.unwrap_or(usize::MAX);
        let mut words: Vec<String> = customers.into_iter().collect();
        words.extend(rng.sample(&notes, limit));
        words.extend(rng.sample(&gone, sample.map_or(8, |n| n / 2)));
        let shows = rng.sample(&shows, limit);
        let likes = GROUPS
            .iter()
            .enumerate()
            .map(|(group, (word, names))| match rng.below(3) {
                0 => format!("likes:{word}"),
                1 => format!("likes:{}", rng.pick(names)),
                _ => format!("likes:{}", interest_name(group, usize::MAX)),
            })
            .collect();
        words.sort();
        words.dedup();
        Probe {
            words,
            likes,
            shows,
        }
    }
}
