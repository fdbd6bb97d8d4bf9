//! Which customer a note links to. A note's `customer` / `customers`
//! entries name a customer by id (folded: `K001` is `k001`), or else by a
//! `name` or `nickname` (folded) that exactly one customer has. A link that
//! names no customer, or several, is a warning, and so is a note with no
//! link at all; the note stays indexed.
//!
//! The writer keeps two small maps: every customer name's hash → the
//! customers that have it (`Writer::names`), and the hash of every link
//! that did not name an existing id → the notes that wrote it
//! (`Writer::watching`). When customers come, go or are renamed, the notes
//! watching their ids and names are read again (`Writer::requeue`), so a
//! link resolves by itself, and stops resolving, at the next sync. Notes
//! linked by an existing id are found in the index when that id goes away.
//! Both maps are rebuilt at open from the `link_names` column.

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
        match self
            .names
            .get(&(link_hash(link) | NAME_BIT))
            .map(Vec::as_slice)
        {
            Some([one]) => Named::Name(one.clone()),
            Some(several) if several.len() > 1 => Named::Several(several.to_vec()),
            _ => Named::Nothing,
        }
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

    /// Enters a file's customers' names and its notes' watched links.
    pub(super) fn register_links(&mut self, path: &Arc<str>, state: &FileState) {
        let customers: Vec<&str> = state
            .ids
            .iter()
            .filter(|(is_customer, _)| *is_customer)
            .map(|(_, id)| &**id)
            .collect();
        for &hash in state.links.iter() {
            if hash & NAME_BIT != 0 {
                let owners = self.names.entry(hash).or_default();
                for id in &customers {
                    if !owners.iter().any(|owner| &**owner == *id) {
                        owners.push((*id).into());
                    }
                }
            } else {
                self.watching
                    .entry(hash)
                    .or_default()
                    .push(Arc::clone(path));
            }
        }
    }

    /// Takes a file's names and watched links out of the maps.
    pub(super) fn unregister_links(&mut self, path: &str, state: &FileState) {
        for &hash in state.links.iter() {
            if hash & NAME_BIT != 0 {
                if let Some(owners) = self.names.get_mut(&hash) {
                    owners.retain(|owner| {
                        !state
                            .ids
                            .iter()
                            .any(|(is_customer, id)| *is_customer && id == owner)
                    });
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

    /// After a file's customers changed from `old` to `new`: the notes
    /// whose links may now name another customer, or none, are read again.
    pub(super) fn requeue_linked_notes(
        &mut self,
        old: Option<&FileState>,
        new: Option<&FileState>,
    ) {
        let keys = |state: Option<&FileState>| -> Vec<u64> {
            let Some(state) = state else {
                return Vec::new();
            };
            let mut keys: Vec<u64> = state
                .ids
                .iter()
                .filter(|(is_customer, _)| *is_customer)
                .map(|(_, id)| link_hash(id))
                .chain(
                    state
                        .links
                        .iter()
                        .filter(|hash| **hash & NAME_BIT != 0)
                        .map(|hash| hash & !NAME_BIT),
                )
                .collect();
            keys.sort_unstable();
            keys.dedup();
            keys
        };
        let (before, after) = (keys(old), keys(new));
        for hash in before
            .iter()
            .filter(|h| !after.contains(h))
            .chain(after.iter().filter(|h| !before.contains(h)))
        {
            if let Some(notes) = self.watching.get(hash) {
                self.requeue
                    .extend(notes.iter().map(|note| note.to_string()));
            }
        }
        // Notes linked by an id that is gone: found in the index (rare:
        // a customer removed or renamed).
        let gone: Vec<Box<str>> = old
            .map(|state| {
                state
                    .ids
                    .iter()
                    .filter(|key| key.0 && !new.is_some_and(|new| new.ids.contains(key)))
                    .filter(|key| !self.ids.contains_key(*key))
                    .map(|(_, id)| id.clone())
                    .collect()
            })
            .unwrap_or_default();
        self.gone_customers.extend(gone);
    }

    /// Reads again the notes linked by id to the customers gone in this
    /// batch (one search of the index for all of them).
    pub(super) fn requeue_notes_of_gone_customers(&mut self) -> Result<()> {
        if self.gone_customers.is_empty() {
            return Ok(());
        }
        let mut gone = std::mem::take(&mut self.gone_customers);
        gone.retain(|id| !self.ids.contains_key(&(true, id.clone())));
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
