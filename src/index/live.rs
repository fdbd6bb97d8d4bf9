//! `LiveIndex`: the index kept open by a long-running process, reloaded
//! only when a commit or the vocabulary changed.

use std::path::Path;

use tantivy::{Index, IndexReader, ReloadPolicy};

use super::read::{ReadIndex, open_for_search};
use super::version::{current_version, read_version};
use super::{Access, Location, index_error};
use crate::error::{Error, Result};
use crate::schema::Fields;

/// An index kept open by a long-running process (the watcher answering
/// searches): each `current` sees the last commit, and only segments that
/// changed since the last call are opened again. The rest stay mapped, and
/// their pages already touched, which a one-shot search pays for anew.
/// `release` lets go of the opened index but keeps the customer numbers.
#[derive(Default)]
pub struct LiveIndex {
    /// `None` until the first `current` and after `release`.
    open: Option<OpenIndex>,
    ordinals: std::sync::Arc<crate::search::Ordinals>,
}

/// The index a `LiveIndex` holds open.
struct OpenIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// The index's `meta.json`, the knowledge base's vocabulary file and
    /// team file as they were when the reader was last reloaded and the version
    /// checked: while both are the same, neither needs doing again.
    checked: Option<[Option<FileVersion>; 3]>,
}

/// Which version of a file is on disk: a file written again (tantivy
/// replaces `meta.json` by renaming a new file over it) has another inode,
/// size or time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileVersion {
    inode: u64,
    size: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    changed: (i64, i64),
}

impl FileVersion {
    /// `None` for a file that is not there (or cannot be looked at).
    fn of(path: &Path) -> Option<FileVersion> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt as _;
        Some(FileVersion {
            #[cfg(unix)]
            inode: meta.ino(),
            #[cfg(not(unix))]
            inode: 0,
            size: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }
}

impl LiveIndex {
    /// Nothing is opened until the first `current`.
    pub fn new() -> LiveIndex {
        LiveIndex::default()
    }

    /// A view of the last commit, with its customers numbered
    /// (`search::Ordinals`, kept up to date segment by segment), opening
    /// the index first if it is not open. Fails with `Error::Stale` when
    /// the index was built with another version or vocabulary than the
    /// current one, as `open_for_search` does. After any failure the index
    /// is released, so the next call opens it anew (it may have been
    /// rebuilt since).
    pub fn current(&mut self, location: &Location) -> Result<ReadIndex> {
        let view = self.view(location);
        if view.is_err() {
            self.release();
        }
        view
    }

    fn view(&mut self, location: &Location) -> Result<ReadIndex> {
        // Looked at before the reload: a commit in between is seen by the
        // next call.
        let stamps = [
            FileVersion::of(&location.index_dir().join("meta.json")),
            FileVersion::of(&location.kb.join(crate::vocab::KB_VOCAB_FILE)),
            FileVersion::of(&location.kb.join(crate::team::TEAM_FILE)),
        ];
        if self.open.is_none() {
            let read = open_for_search(location)?;
            let reader: IndexReader = read
                .index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
                .map_err(|e| index_error(&location.index_dir(), e, Access::Read))?;
            self.open = Some(OpenIndex {
                index: read.index,
                reader,
                fields: read.fields,
                checked: None,
            });
        }
        let open = self.open.as_mut().expect("opened above");
        // Reloading opens every segment's readers again and reads
        // `meta.json` twice: about 0.1 ms when hot, 0.4 ms in a watcher
        // between answers. Skipped while neither file changed.
        if open.checked != Some(stamps) {
            open.checked = None;
            open.reader
                .reload()
                .map_err(|e| index_error(&location.index_dir(), e, Access::Read))?;
            if read_version(&open.index).as_deref() != Some(current_version(location)?.as_str()) {
                return Err(Error::Stale {
                    path: location.kb.clone(),
                });
            }
            open.checked = Some(stamps);
        }
        let searcher = open.reader.searcher();
        // Shared only with views already handed out: copied then, else
        // updated in place.
        std::sync::Arc::make_mut(&mut self.ordinals).update(&searcher, location)?;
        Ok(ReadIndex {
            index: open.index.clone(),
            searcher,
            fields: open.fields,
            ordinals: Some(std::sync::Arc::clone(&self.ordinals)),
        })
    }

    /// Lets go of the opened index: its files are unmapped, so the index
    /// pages that searches read leave this process's memory. The customer
    /// numbers stay (plain memory, valid as long as their segments live),
    /// so the next `current` only opens the index again.
    pub fn release(&mut self) {
        self.open = None;
    }

    /// Whether the index is open (not released).
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }
}
