//! Which customer a note links to. A note's `customer` / `customers`
//! entries name a customer by id (folded: `K001` is `k001`), or else by a
//! `name` or `nickname` (folded) that exactly one customer has. A link that
//! names no customer, or several, is a warning, and so is a note with no
//! link at all; the note stays indexed.
//!
//! The writer keeps two small maps: every customer name's hash → the
//! customers that have it, with their files (`Writer::names`), and the hash
//! of every link that did not name an existing id → the notes that wrote it
//! (`Writer::watching`). Every change to who has an id or a name is noted
//! where it happens (`note_id_change`, `note_name_change`), and before a
//! batch ends the notes watching what changed are read again
//! (`requeue_changed_links`), so a link resolves by itself, and stops
//! resolving, in the same sync, whatever order the files came in. Notes
//! linked by an existing id are found when that id goes away: in the
//! index, or among the notes read in the same batch. Both maps are rebuilt
//! at open from the `link_names` column.

use std::sync::Arc;

use tantivy::TantivyDocument;
use tantivy::schema::Value as _;

use super::writer::{FileState, Writer};
use crate::error::Result;
use crate::fold::{fold, stable_hash};
use crate::record::{Kind, Problem, Record, Severity};

/// Set on a `link_names` value that is a customer's name; clear on a
/// note's watched link.
pub(super) const NAME_BIT: u64 = 1 << 63;

/// The hash a link, an id or a name is known by (63 bits).
pub(super) fn link_hash(text: &str) -> u64 {
    stable_hash(fold(text.trim()).as_bytes()) & !NAME_BIT
}

/// Keys of a CRM export that are not links: the warning names the key to use.
const NOT_LINKS: [&str; 8] = [
    "customer_id",
    "customer_ids",
    "customerId",
    "customer_name",
    "client",
    "client_id",
    "clients",
    "客户",
];

/// A customer record's name and nickname hashes, tagged with `NAME_BIT`.
pub(super) fn name_hashes(record: &Record) -> Vec<u64> {
    let mut hashes = Vec::new();
    for key in ["name", "nickname", "nicknames"] {
        let values: Vec<&str> = match record.fields.get(key) {
            Some(serde_json::Value::String(text)) => vec![text.as_str()],
            Some(serde_json::Value::Array(items)) => {
                items.iter().filter_map(|item| item.as_str()).collect()
            }
            _ => Vec::new(),
        };
        for value in values {
            if !value.trim().is_empty() {
                hashes.push(link_hash(value) | NAME_BIT);
            }
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// An id or a name whose customers changed in this round: what it was
/// before, and the first and last change (counted by `Writer::touches`).
pub(super) struct Change<T> {
    before: T,
    first: u64,
    last: u64,
}

impl<T> Change<T> {
    fn new(before: T, touch: u64) -> Change<T> {
        Change {
            before,
            first: touch,
            last: touch,
        }
    }
}

/// What one link names.
enum Named {
    /// An existing customer id (the document's key already meets it).
    Id,
    /// The one customer with this name or nickname: its id.
    Name(Box<str>),
    /// No customer.
    Nothing,
    /// Several customers (their ids).
    Several(Vec<Box<str>>),
}

impl Writer {
    fn named(&self, link: &str) -> Named {
        let folded: Box<str> = fold(link.trim()).into();
        if self.ids.contains_key(&(true, folded)) {
            return Named::Id;
        }
        let ids = self.name_owners(link_hash(link) | NAME_BIT);
        match ids.as_slice() {
            [] => Named::Nothing,
            [one] => Named::Name(one.clone()),
            _ => Named::Several(ids),
        }
    }

    /// The distinct ids of the customers that have a name (sorted). A file
    /// that has just lost an id to another may be listed with it for a
    /// moment, until it is read again: one id either way.
    fn name_owners(&self, hash: u64) -> Vec<Box<str>> {
        let mut ids: Vec<Box<str>> = self
            .names
            .get(&hash)
            .map(|owners| owners.iter().map(|(id, _)| id.clone()).collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Resolves a note's links: name links become the customer's id (the
    /// record is changed, and `true` returned, when one did); returns the
    /// links to watch (not an existing id) and the warnings.
    pub(super) fn resolve_links(&self, record: &mut Record) -> (bool, Vec<u64>, Vec<Problem>) {
        let warning = |message: String| Problem {
            severity: Severity::Warning,
            path: record.path.clone(),
            line: record.location.0,
            column: record.location.1,
            message,
        };
        let mut warnings = Vec::new();
        let mut watched = Vec::new();
        let mut changed = false;
        if record.customer_ids.is_empty() {
            let message = match NOT_LINKS.iter().find(|key| record.fields.contains_key(**key)) {
                Some(key) => format!(
                    "{key:?} is not a link to a customer — name the key \"customer\" (an id, or a name only one customer has)"
                ),
                None => "no \"customer\" or \"customers\": this note is linked to no customer — add \"customer\": \"<id>\"".to_string(),
            };
            warnings.push(warning(message));
            return (false, watched, warnings);
        }
        let mut resolved = Vec::with_capacity(record.customer_ids.len());
        for link in &record.customer_ids {
            match self.named(link) {
                Named::Id => resolved.push(link.clone()),
                Named::Name(id) => {
                    watched.push(link_hash(link));
                    resolved.push(id.to_string());
                    changed = true;
                }
                Named::Nothing => {
                    watched.push(link_hash(link));
                    resolved.push(link.clone());
                    warnings.push(warning(format!(
                        "customer {link:?} names no customer — use a customer's id, or a name or nickname only one customer has"
                    )));
                }
                Named::Several(ids) => {
                    watched.push(link_hash(link));
                    resolved.push(link.clone());
                    let ids: Vec<&str> = ids.iter().map(|id| &**id).collect();
                    warnings.push(warning(format!(
                        "customer {link:?} names {} customers ({}) — use the id of the one you mean",
                        ids.len(),
                        ids.join(", ")
                    )));
                }
            }
        }
        if changed {
            resolved.dedup();
            record.customer_ids = resolved;
        }
        watched.sort_unstable();
        watched.dedup();
        (changed, watched, warnings)
    }

    /// Enters a file's customers' names (per customer: its folded id and
    /// its name hashes) and its notes' watched links (`links`).
    pub(super) fn register_links(
        &mut self,
        path: &Arc<str>,
        names: &[(Box<str>, Vec<u64>)],
        links: &[u64],
    ) {
        for (id, hashes) in names {
            for &hash in hashes {
                self.note_name_change(hash);
                push_one(
                    self.names.entry(hash).or_default(),
                    (id.clone(), Arc::clone(path)),
                );
            }
        }
        for &hash in links.iter().filter(|hash| **hash & NAME_BIT == 0) {
            push_one(self.watching.entry(hash).or_default(), Arc::clone(path));
        }
    }

    /// Takes a file's names and watched links out of the maps.
    pub(super) fn unregister_links(&mut self, path: &str, state: &FileState) {
        for &hash in state.links.iter() {
            if hash & NAME_BIT != 0 {
                self.note_name_change(hash);
                if let Some(owners) = self.names.get_mut(&hash) {
                    owners.retain(|(_, owner)| &**owner != path);
                    if owners.is_empty() {
                        self.names.remove(&hash);
                    }
                }
            } else if let Some(notes) = self.watching.get_mut(&hash) {
                notes.retain(|note| &**note != path);
                if notes.is_empty() {
                    self.watching.remove(&hash);
                }
            }
        }
    }

    /// Before a name's owners change: remembers who they were, once per
    /// round, and when (see `requeue_changed_links`).
    fn note_name_change(&mut self, hash: u64) {
        self.touches += 1;
        let touch = self.touches;
        match self.names_before.get_mut(&hash) {
            Some(change) => change.last = touch,
            None => {
                let before = self.name_owners(hash);
                self.names_before.insert(hash, Change::new(before, touch));
            }
        }
    }

    /// Before a record id is taken or freed: remembers whether a customer
    /// had it, once per round, and when (see `requeue_changed_links`).
    pub(super) fn note_id_change(&mut self, key: &super::writer::IdKey) {
        if !key.0 {
            return;
        }
        self.touches += 1;
        let touch = self.touches;
        match self.ids_before.get_mut(&key.1) {
            Some(change) => change.last = touch,
            None => {
                let before = self.ids.contains_key(key);
                self.ids_before
                    .insert(key.1.clone(), Change::new(before, touch));
            }
        }
    }

    /// Remembers the links of a note read in this batch, and what it saw:
    /// it is not in the committed index yet, where the notes of a customer
    /// that goes are looked for, and it may have been read between two
    /// changes of one id or name.
    pub(super) fn note_links_read(&mut self, path: &Arc<str>, record: &Record) {
        for link in &record.customer_ids {
            self.linked_this_batch
                .push((link_hash(link), Arc::clone(path), self.touches));
        }
    }

    /// Reads again every note whose links may name another customer now,
    /// or none: whatever changed a customer's claim on an id or a name
    /// since the last call (a customer came, went, changed its id or its
    /// names, took an id from a file whose path sorts later or gave one
    /// back). A note is read again when what it links by is not what it
    /// was when the note was read: the notes watching an id or name that
    /// differs now, the notes of this batch read between two changes of
    /// one (they saw neither the first state nor the last), and the notes
    /// linked by an id that is gone. A customer saved unchanged reads no
    /// note again.
    pub(super) fn requeue_changed_links(&mut self) -> Result<()> {
        // Hash of the link text → (notes of this batch read in between
        // this touch and that are stale, every note of this batch is).
        let mut stale: rustc_hash::FxHashMap<u64, (u64, u64, bool)> =
            rustc_hash::FxHashMap::default();
        let mut changed = Vec::new();
        let mut gone: Vec<Box<str>> = Vec::new();
        for (id, change) in std::mem::take(&mut self.ids_before) {
            let now = self.ids.contains_key(&(true, id.clone()));
            let hash = link_hash(&id);
            if change.before != now {
                // A link by this id names a customer now, or no longer.
                changed.push(hash);
            }
            let went = change.before && !now;
            if went || change.first < change.last {
                stale.insert(hash, (change.first, change.last, went));
            }
            if went {
                gone.push(id);
            }
        }
        for (hash, change) in std::mem::take(&mut self.names_before) {
            let hash_of_link = hash & !NAME_BIT;
            if self.name_owners(hash) != change.before {
                changed.push(hash_of_link);
            }
            if change.first < change.last {
                let entry = stale
                    .entry(hash_of_link)
                    .or_insert((change.first, change.last, false));
                entry.0 = entry.0.min(change.first);
                entry.1 = entry.1.max(change.last);
            }
        }
        for hash in changed {
            if let Some(notes) = self.watching.get(&hash) {
                self.requeue
                    .extend(notes.iter().map(|note| note.to_string()));
            }
        }
        if !stale.is_empty() {
            let again: Vec<String> = self
                .linked_this_batch
                .iter()
                .filter(|(hash, _, seen)| {
                    stale.get(hash).is_some_and(|&(first, last, every)| {
                        every || (first <= *seen && *seen < last)
                    })
                })
                .map(|(_, path, _)| path.to_string())
                .collect();
            self.requeue.extend(again);
        }
        if gone.is_empty() {
            return Ok(());
        }
        // Committed notes linked by an id that is gone.
        let notes = self.notes_linked_to(&gone)?;
        self.requeue.extend(notes);
        Ok(())
    }

    /// The files of the committed notes linked to these customer ids.
    fn notes_linked_to(&self, ids: &[Box<str>]) -> Result<Vec<String>> {
        use tantivy::collector::DocSetCollector;
        use tantivy::query::TermQuery;
        use tantivy::schema::{IndexRecordOption, Term};
        let searcher = self.reader()?.searcher();
        let index_dir = self.location.index_dir();
        let mut paths = Vec::new();
        for id in ids {
            let query = TermQuery::new(
                Term::from_field_u64(self.fields.cust, crate::document::customer_key(id)),
                IndexRecordOption::Basic,
            );
            let found = searcher
                .search(&query, &DocSetCollector)
                .map_err(|e| super::index_error(&index_dir, e, super::Access::Read))?;
            for address in found {
                let doc: TantivyDocument = searcher
                    .doc(address)
                    .map_err(|e| super::index_error(&index_dir, e, super::Access::Read))?;
                let text = |field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                if Kind::parse(&text(self.fields.kind)).is_some_and(Kind::is_note) {
                    paths.push(text(self.fields.path));
                }
            }
        }
        Ok(paths)
    }
}

/// Pushes onto a list of the name and link maps with room for exactly one
/// at first: most hashes have one owner, and a first push makes room for
/// four (tens of thousands of lists in a large knowledge base).
pub(super) fn push_one<T>(list: &mut Vec<T>, item: T) {
    if list.is_empty() {
        list.reserve_exact(1);
    }
    list.push(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_names_meet_folded() {
        // Case, full-width and traditional script fold away; spaces around
        // are not part of a link.
        for (a, b) in [
            ("K001", "k001"),
            ("Ｋ００１", "k001"),
            (" 王建國 ", "王建国"),
        ] {
            assert_eq!(link_hash(a), link_hash(b), "{a} = {b}");
        }
        assert_ne!(link_hash("k001"), link_hash("k002"));
        assert_eq!(link_hash("k001") & NAME_BIT, 0);
    }

    #[test]
    fn a_customer_is_known_by_its_name_and_nicknames() {
        let parsed = crate::record::parse_file(
            "customers/c1.json",
            r#"{"id": "c1", "kind": "customer", "name": "王建国", "nickname": "老王"}"#.as_bytes(),
        );
        let hashes = name_hashes(&parsed.records[0]);
        let mut expected: Vec<u64> = ["王建国", "老王"]
            .iter()
            .map(|name| link_hash(name) | NAME_BIT)
            .collect();
        expected.sort_unstable();
        assert_eq!(hashes, expected);
    }
}
