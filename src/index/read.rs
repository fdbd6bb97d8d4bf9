//! Reading an index: `ReadIndex` (a searcher on the last commit, for
//! searches), the stored records it shows, and `open_for_search`, which
//! never takes the writer lock.

use std::path::Path;

use tantivy::{Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument};

use super::version::{current_version, read_version};
use super::{Access, Location, access_error, index_error, io_cause};
use crate::error::{Error, Result};
use crate::record::{Kind, parse_file};
use crate::schema::{self, Fields, names};

/// A read-only view of an index, for searching. Never takes the writer lock.
pub struct ReadIndex {
    /// The opened index.
    pub index: Index,
    /// A searcher on the last commit.
    pub searcher: Searcher,
    /// Field handles.
    pub fields: Fields,
    /// Dense customer numbers, kept by a `LiveIndex`; `None` for a
    /// one-shot search, which does not pay for numbering every document.
    pub ordinals: Option<std::sync::Arc<crate::search::Ordinals>>,
}

/// Which documents of a segment are customer profiles, from its `kind`
/// column.
pub(crate) struct Profiles {
    kinds: Option<tantivy::columnar::StrColumn>,
    /// The ordinal of `customer` in this segment's kind dictionary.
    customer: Option<u64>,
}

impl Profiles {
    pub(crate) fn of(segment: &tantivy::SegmentReader) -> tantivy::Result<Profiles> {
        let kinds = segment.fast_fields().str(names::KIND)?;
        let customer = match &kinds {
            Some(kinds) => kinds
                .dictionary()
                .term_ord(Kind::Customer.as_str().as_bytes())?,
            None => None,
        };
        Ok(Profiles { kinds, customer })
    }

    /// True when the document is a customer profile.
    pub(crate) fn contains(&self, doc: tantivy::DocId) -> bool {
        self.customer.is_some()
            && self
                .kinds
                .as_ref()
                .and_then(|kinds| kinds.term_ords(doc).next())
                == self.customer
    }
}

/// A record as the index knows it, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// Record id.
    pub id: String,
    /// customer, meeting, visit or trip.
    pub kind: String,
    /// File, relative to the knowledge base.
    pub path: String,
    /// The record as written.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// A note its file does not hold now (the file has an error, or
    /// changed since it was indexed): shown as the index kept it, which is
    /// without its text (a note's text is kept in its file only).
    pub last_good: bool,
}

impl StoredRecord {
    /// A text field of the record.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(serde_json::Value::as_str)
    }
}

/// Which commit a view is of: each segment and its deletes. Two views of
/// one commit have equal generations; a cache of what a commit answers
/// (a reader's visible customers, a rendered agenda) is keyed by it.
pub type Generation =
    std::collections::BTreeMap<tantivy::index::SegmentId, Option<tantivy::Opstamp>>;

impl ReadIndex {
    /// The commit this view is of (see `Generation`).
    pub fn generation(&self) -> &Generation {
        self.searcher.generation().segments()
    }

    /// The stored record of a document. Notes are stored without their
    /// `text` (it is most of the corpus, and the file has it): their fields
    /// are read again from the file, falling back to the stored ones when
    /// the file is gone or unreadable.
    ///
    /// Fails only when the index cannot be read.
    pub fn record(
        &self,
        location: &Location,
        address: tantivy::DocAddress,
    ) -> Result<StoredRecord> {
        use tantivy::schema::Value as _;
        let doc: TantivyDocument = self
            .searcher
            .doc(address)
            .map_err(|e| index_error(&location.index_dir(), e, Access::Read))?;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let (id, kind, path) = (
            text(self.fields.id),
            text(self.fields.kind),
            text(self.fields.path),
        );
        // A note's stored record is parsed only when its file cannot be.
        let is_note = Kind::parse(&kind).is_some_and(Kind::is_note);
        let from_file = is_note
            .then(|| read_record_from_file(location, &path, &id))
            .flatten();
        let last_good = is_note && from_file.is_none();
        let fields = from_file.unwrap_or_else(|| {
            doc.get_first(self.fields.record)
                .and_then(|v| v.as_str())
                .and_then(|json| serde_json::from_str(json).ok())
                .unwrap_or_default()
        });
        Ok(StoredRecord {
            id,
            kind,
            path,
            fields,
            last_good,
        })
    }
}

/// The fields of one record as its file has them now, if it still parses.
fn read_record_from_file(
    location: &Location,
    rel_path: &str,
    id: &str,
) -> Option<serde_json::Map<String, serde_json::Value>> {
    let bytes = std::fs::read(location.kb.join(rel_path)).ok()?;
    parse_file(rel_path, &bytes)
        .records
        .into_iter()
        .find(|record| record.id == id)
        .map(|record| record.fields)
}

/// Opens the index for searching.
///
/// Fails with `Error::NoIndex` when there is none, `Error::Stale` when it
/// was built with another schema, analyzer or vocabulary, and
/// `Error::IndexAccess` when it cannot be read (permissions).
pub fn open_for_search(location: &Location) -> Result<ReadIndex> {
    let index_dir = location.index_dir();
    let meta = index_dir.join("meta.json");
    match std::fs::metadata(&meta) {
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NoIndex {
                path: location.kb.clone(),
            });
        }
        // Not "no index": building one would fail the same way, or
        // replace an index this account merely cannot read.
        Err(error) => return Err(access_error(&meta, &error, Access::Read)),
    }
    // A writer may be deleting old segment files at this very moment;
    // opening again sees its new commit.
    let mut attempt = 0;
    loop {
        attempt += 1;
        match open_once(&index_dir) {
            Ok(index) => {
                if read_version(&index.0).as_deref() != Some(current_version(location)?.as_str()) {
                    return Err(Error::Stale {
                        path: location.kb.clone(),
                    });
                }
                let (_, fields) = schema::build();
                return Ok(ReadIndex {
                    index: index.0,
                    searcher: index.1,
                    fields,
                    ordinals: None,
                });
            }
            // Only a file gone under our feet (a writer's commit) is worth
            // another try.
            Err(error)
                if attempt >= 5
                    || !matches!(io_cause(&error), Some((_, std::io::ErrorKind::NotFound, _))) =>
            {
                return Err(index_error(&index_dir, error, Access::Read));
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20 * attempt)),
        }
    }
}

fn open_once(index_dir: &Path) -> tantivy::Result<(Index, Searcher)> {
    let index = Index::open_in_dir(index_dir)?;
    schema::register_tokenizers(&index);
    let reader: IndexReader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    Ok((index, searcher))
}
