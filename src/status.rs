//! What `dossier status` reports: what is indexed, when it last matched the
//! directory, the problems found in files (errors and warnings), and
//! whether a writer runs.

use tantivy::collector::Count;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Term};

use crate::error::{Error, Result};
use crate::index::{self, Holder, Location};
use crate::record::{Problem, Severity};
use crate::team::Reader;

/// The state of one knowledge base's index.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// The knowledge base.
    pub kb: String,
    /// The index folder.
    pub index_dir: String,
    /// Whether an index exists and matches this version and vocabulary.
    pub index_state: IndexState,
    /// Customers indexed.
    pub customers: u64,
    /// Meeting notes indexed.
    pub meetings: u64,
    /// Visit reports indexed.
    pub visits: u64,
    /// Record files known to the index.
    pub files: usize,
    /// Last time the index matched the directory.
    pub last_sync: Option<String>,
    /// Every problem of the last sync still standing: errors and warnings.
    pub problems: Vec<Problem>,
    /// Bytes used by the index folder.
    pub index_bytes: u64,
    /// The process writing the index (a watcher, or an index run), if any.
    pub writer: Option<Holder>,
}

impl Status {
    /// The files with at least one error (a warning leaves its record usable).
    pub fn files_in_error(&self) -> usize {
        let files: std::collections::BTreeSet<&str> = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .map(|p| p.path.as_str())
            .collect();
        files.len()
    }

    /// The number of warnings.
    pub fn warnings(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count()
    }
}

/// Whether the index can be searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexState {
    /// Up to date with this version of dossier.
    Ready,
    /// Built with another schema, analyzer or vocabulary.
    Stale,
    /// Not built yet.
    Missing,
}

fn folder_size(path: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => folder_size(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Reads the status of a knowledge base, counted over what `reader` may
/// see (see `team`). Never takes the writer lock.
///
/// Fails only when the index exists but cannot be read.
pub fn status(location: &Location, reader: &Reader) -> Result<Status> {
    let file = index::read_status(location);
    let mut status = Status {
        kb: location.kb.display().to_string(),
        index_dir: location.index_dir().display().to_string(),
        index_state: IndexState::Missing,
        customers: 0,
        meetings: 0,
        visits: 0,
        files: file.files,
        last_sync: file.last_sync,
        problems: file.problems,
        index_bytes: folder_size(&location.index_dir()),
        writer: index::lock_holder(location),
    };
    match index::open_for_search(location) {
        Ok(read) => {
            status.index_state = IndexState::Ready;
            let count = |kind: &str| -> Result<u64> {
                let query = TermQuery::new(
                    Term::from_field_text(read.fields.kind, kind),
                    IndexRecordOption::Basic,
                );
                read.searcher
                    .search(&query, &Count)
                    .map(|n| n as u64)
                    .map_err(|e| Error::index(location.index_dir(), e))
            };
            if reader.sees_all() {
                status.customers = count("customer")?;
                status.meetings = count("meeting")?;
                status.visits = count("visit")?;
            } else {
                // What this reader may see, and nothing of the rest: no
                // problems (their paths and messages may name anyone's
                // customers), and files are the records they see.
                let counts =
                    crate::search::Searcher::new(&read, location, reader).visible_counts()?;
                status.customers = counts.customers;
                status.meetings = counts.meetings;
                status.visits = counts.visits;
                status.files = (counts.customers + counts.meetings + counts.visits) as usize;
                status.problems.clear();
            }
        }
        Err(Error::Stale { .. }) => status.index_state = IndexState::Stale,
        Err(Error::NoIndex { .. }) => status.index_state = IndexState::Missing,
        Err(other) => return Err(other),
    }
    Ok(status)
}
