//! The index: a rebuildable cache of the knowledge-base directory. This is
//! the one stage that holds the tantivy writer. It opens or (re)builds the
//! index, reconciles it with the directory, applies changed paths for the
//! watcher, and commits the files' fingerprints together with their
//! documents, so a crash at any moment leaves an index that the next run
//! brings back in line with the directory.
//!
//! One file per job: `lock` (the writer lock and its holder), `version`
//! (what an index must have been built with), `writer` (the `Writer`:
//! open, commit, status file), `reconcile` (the full walk), `apply`
//! (reading changed files into the index, duplicate ids, last good
//! versions), `resolve` (which customer a note links to), `read` (`ReadIndex` and `open_for_search`), `live` (the
//! watcher's `LiveIndex`), `directory` (index files that follow the umask)
//! `handoff` (`index` asking a running watcher to sync) and `links`
//! (customers without a profile).

mod apply;
mod directory;
pub mod handoff;
mod live;
mod lock;
mod read;
mod reconcile;
mod resolve;
mod version;
mod writer;

pub mod links;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::Problem;

pub use live::LiveIndex;
pub use lock::{Holder, INDEX, SEARCH_BUILD, WATCH, lock_holder};
pub(crate) use read::Profiles;
pub use read::{Generation, ReadIndex, StoredRecord, open_for_search};
pub use version::current_version;
pub use writer::{Leftovers, Opened, StatusFile, WRITER_HEAP_BYTES, Writer, read_status};

/// Where a knowledge base and its index live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The knowledge-base directory.
    pub kb: PathBuf,
    /// dossier's own folder: the index, status and writer lock
    /// (`KB/.dossier` unless `--index` says otherwise).
    pub state_dir: PathBuf,
}

impl Location {
    /// Resolves a knowledge base and an optional index path.
    ///
    /// Fails when the knowledge base is not an existing directory.
    pub fn new(kb: &Path, index: Option<&Path>) -> Result<Self> {
        if !kb.is_dir() {
            return Err(Error::NotADirectory(kb.to_path_buf()));
        }
        let kb = kb.canonicalize().map_err(|e| Error::io(kb, e))?;
        let state_dir = match index {
            Some(path) => std::path::absolute(path).map_err(|e| Error::io(path, e))?,
            None => kb.join(".dossier"),
        };
        Ok(Location { kb, state_dir })
    }

    /// The tantivy directory.
    pub fn index_dir(&self) -> PathBuf {
        self.state_dir.join("index")
    }

    /// Where a rebuild keeps the index it replaces until its first commit:
    /// the last good versions of unreadable files live only there.
    pub fn replaced_index_dir(&self) -> PathBuf {
        self.state_dir.join("index.replaced")
    }

    /// The status file written after every commit.
    pub fn status_file(&self) -> PathBuf {
        self.state_dir.join("status.json")
    }

    /// The writer lock, which also names its holder.
    pub fn lock_file(&self) -> PathBuf {
        self.state_dir.join("writer.lock")
    }
}

/// What a sync changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SyncReport {
    /// Files indexed for the first time.
    pub added: usize,
    /// Files re-indexed because their content changed.
    pub updated: usize,
    /// Files removed from the index.
    pub removed: usize,
    /// Files left alone because their fingerprint matched.
    pub unchanged: usize,
    /// Problems found in this sync, in path order.
    pub problems: Vec<Problem>,
    /// Files with at least one error (a warning leaves its record usable).
    pub files_in_error: usize,
    /// Warnings in all files, this sync's and earlier ones still standing.
    pub warnings: usize,
    /// Whether a commit was made.
    pub committed: bool,
    /// Why the index was rebuilt from scratch, if it was.
    pub rebuilt: Option<String>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl SyncReport {
    /// True when the sync changed what is searchable.
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.removed > 0
    }
}

/// Progress of a long sync, for the binary to show.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Files read so far.
    pub done: usize,
    /// Files to read in all.
    pub total: usize,
}

/// Whether dossier was reading or writing the index when it failed: the
/// advice differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

/// An I/O failure on the index or dossier's folder, as one line that names
/// the path and says what to do (never "rebuild": a rebuild would fail the
/// same way, and nothing was deleted).
pub(crate) fn access_error(path: &Path, error: &std::io::Error, access: Access) -> Error {
    access_error_of(path, error.kind(), &io_text(error), access)
}

fn access_error_of(path: &Path, kind: std::io::ErrorKind, text: &str, access: Access) -> Error {
    use std::io::ErrorKind;
    let advice = match (kind, access) {
        (ErrorKind::PermissionDenied, Access::Read) => {
            "dossier cannot read the index; ask its owner to make it readable (chmod -R a+rX) or use --index PATH"
        }
        (ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem, Access::Write) => {
            "dossier cannot write the index; run it as the index's owner, or use --index PATH for an index of your own"
        }
        (ErrorKind::NotADirectory | ErrorKind::IsADirectory | ErrorKind::AlreadyExists, _) => {
            "dossier keeps its index in a folder of its own there; move that away or use --index PATH"
        }
        _ => "nothing was deleted; fix that and run dossier again",
    };
    Error::IndexAccess {
        path: path.to_path_buf(),
        problem: text.to_string(),
        advice: advice.to_string(),
    }
}

/// An I/O error's message without the `(os error N)` tail, lowercased
/// like our own messages.
fn io_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    let text = match text.find(" (os error") {
        Some(end) => &text[..end],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The I/O failure inside a tantivy error, if it is one: the file it names
/// (if it does), its kind and its message.
pub(crate) fn io_cause(
    error: &tantivy::TantivyError,
) -> Option<(Option<PathBuf>, std::io::ErrorKind, String)> {
    use std::io::ErrorKind;
    use tantivy::TantivyError as T;
    use tantivy::directory::error::{LockError, OpenDirectoryError, OpenReadError, OpenWriteError};
    let of = |path: Option<&Path>, io: &std::io::Error| {
        Some((path.map(Path::to_path_buf), io.kind(), io_text(io)))
    };
    match error {
        T::IoError(io) | T::LockFailure(LockError::IoError(io), _) => of(None, io),
        T::OpenDirectoryError(OpenDirectoryError::IoError {
            io_error,
            directory_path,
        }) => of(Some(directory_path), io_error),
        T::OpenDirectoryError(OpenDirectoryError::NotADirectory(path)) => Some((
            Some(path.clone()),
            ErrorKind::NotADirectory,
            "not a directory".into(),
        )),
        T::OpenDirectoryError(OpenDirectoryError::DoesNotExist(path))
        | T::OpenReadError(OpenReadError::FileDoesNotExist(path)) => Some((
            Some(path.clone()),
            ErrorKind::NotFound,
            "no such file or directory".into(),
        )),
        T::OpenReadError(OpenReadError::IoError { io_error, filepath })
        | T::OpenWriteError(OpenWriteError::IoError { io_error, filepath }) => {
            of(Some(filepath), io_error)
        }
        _ => None,
    }
}

/// True when tantivy says the index itself is damaged or of a format it
/// cannot read: the one failure that rebuilding fixes.
pub(crate) fn is_damaged(error: &tantivy::TantivyError) -> bool {
    use tantivy::TantivyError as T;
    matches!(
        error,
        T::DataCorruption(_)
            | T::IncompatibleIndex(_)
            | T::DeserializeError(_)
            | T::SchemaError(_)
            | T::OpenReadError(tantivy::directory::error::OpenReadError::IncompatibleIndex(
                _
            ))
    )
}

/// A tantivy failure on the index: an I/O failure inside becomes one line
/// naming the file (see `access_error`), anything else `Error::Index`.
pub(crate) fn index_error(index_dir: &Path, error: tantivy::TantivyError, access: Access) -> Error {
    match io_cause(&error) {
        Some((path, kind, text)) => {
            let path = match path {
                Some(path) if path.is_absolute() => path,
                Some(path) => index_dir.join(path),
                None => index_dir.to_path_buf(),
            };
            access_error_of(&path, kind, &text, access)
        }
        None => Error::index(index_dir, error),
    }
}

pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes).map_err(|e| access_error(&temporary, &e, Access::Write))?;
    std::fs::rename(&temporary, path).map_err(|e| access_error(path, &e, Access::Write))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A knowledge base of one customer, one meeting note and a
    /// vocabulary file, indexed by a writer that is returned open.
    fn small_kb(scratch: &Path) -> Result<(Location, Writer)> {
        let kb = scratch.join("kb");
        let files = [
            (
                "customers/c001.json",
                r#"{"id": "c001", "kind": "customer", "name": "王建国", "company": "云帆科技"}"#,
            ),
            (
                "meetings/m001.json",
                r#"{"id": "m001", "kind": "meeting", "customer": "c001", "date": "2026-10-08",
                    "title": "项目签约后回访", "text": "容器云项目上月已签约，今天确认实施计划。"}"#,
            ),
            (crate::vocab::KB_VOCAB_FILE, "interest\tguqin\t古琴|guqin\n"),
        ];
        crate::testing::write_files(&kb, &files);
        let location = Location::new(&kb, Some(&scratch.join("index")))?;
        let mut writer = Writer::open_with_heap(&location, "watch", 50_000_000)?;
        writer.reconcile(&mut |_| {})?;
        Ok((location, writer))
    }

    /// Documents whose stored id is `id`, in the view's commit.
    fn with_id(read: &ReadIndex, id: &str) -> u64 {
        read.searcher
            .doc_freq(&tantivy::Term::from_field_text(read.fields.id, id))
            .expect("doc freq")
    }

    #[test]
    fn a_note_is_read_back_from_its_file_or_else_as_stored() -> Result<()> {
        let scratch = tempfile::tempdir().expect("temp dir");
        let (location, writer) = small_kb(scratch.path())?;
        writer.finish()?;
        let read = open_for_search(&location)?;
        let address = |id: &str| {
            let term = tantivy::Term::from_field_text(read.fields.id, id);
            let query =
                tantivy::query::TermQuery::new(term, tantivy::schema::IndexRecordOption::Basic);
            let found = read
                .searcher
                .search(&query, &tantivy::collector::DocSetCollector)
                .expect("search by id");
            let [address] = found.into_iter().collect::<Vec<_>>()[..] else {
                panic!("one document for {id}");
            };
            address
        };
        let note = location.kb.join("meetings/m001.json");
        let file = std::fs::read_to_string(&note).expect("read the note");
        // (changed on disk, not indexed again, how it is)
        let edited = file.replace("容器云项目", "容器云项目(已改)");
        std::fs::write(&note, &edited).expect("edit the note");
        let profile = read.record(&location, address("c001"))?;
        let m001 = address("m001");
        let with_text = read.record(&location, m001)?;
        std::fs::write(&note, "{ not json").expect("break the note");
        let broken = read.record(&location, m001)?;
        std::fs::remove_file(&note).expect("remove the note");
        let gone = read.record(&location, m001)?;
        assert_eq!(profile.kind, "customer");
        assert_eq!(profile.text("company"), Some("云帆科技"));
        let text = |record: &StoredRecord| record.text("text").map(str::to_string);
        assert!(text(&with_text).is_some_and(|t| t.contains("容器云项目(已改)")));
        for stored in [&broken, &gone] {
            assert_eq!(
                (stored.id.as_str(), stored.kind.as_str()),
                ("m001", "meeting")
            );
            assert_eq!(stored.path, "meetings/m001.json");
            assert_eq!(stored.text("title"), Some("项目签约后回访"));
            assert_eq!(text(stored), None, "notes are stored without their text");
        }
        Ok(())
    }

    #[test]
    fn a_live_index_sees_every_commit_and_every_vocabulary_change() -> Result<()> {
        let scratch = tempfile::tempdir().expect("temp dir");
        let (location, mut writer) = small_kb(scratch.path())?;
        let kb = location.kb.clone();
        let mut live = LiveIndex::new();
        assert_eq!(with_id(&live.current(&location)?, "c900"), 0);
        // Views with nothing committed in between skip the reload; each
        // commit is seen by the next view, however soon it comes.
        for round in 0..3 {
            let path = kb.join(format!("customers/c90{round}.json"));
            let id = format!("c90{round}");
            std::fs::write(
                &path,
                format!(r#"{{"id": "{id}", "kind": "customer", "name": "新客户{round}"}}"#),
            )
            .expect("write a customer");
            assert_eq!(
                with_id(&live.current(&location)?, &id),
                0,
                "not committed yet"
            );
            writer.apply(std::slice::from_ref(&path))?;
            assert_eq!(with_id(&live.current(&location)?, &id), 1, "round {round}");
            assert_eq!(with_id(&live.current(&location)?, &id), 1, "round {round}");
        }
        // A vocabulary the index was not built with: stale, as a one-shot
        // search would find it, and still after a release.
        let vocabulary = kb.join(crate::vocab::KB_VOCAB_FILE);
        let mut text = std::fs::read_to_string(&vocabulary).expect("read the vocabulary");
        text.push_str("interest\tkarting\t卡丁车|karting\n");
        std::fs::write(&vocabulary, text).expect("write the vocabulary");
        for _ in 0..2 {
            assert!(matches!(live.current(&location), Err(Error::Stale { .. })));
            assert!(matches!(
                open_for_search(&location),
                Err(Error::Stale { .. })
            ));
        }
        Ok(())
    }

    #[test]
    fn an_io_failure_is_one_line_with_what_to_do() {
        use std::io::{Error as IoError, ErrorKind};
        let path = Path::new("/kb/.dossier/index/meta.json");
        let cases = [
            (
                IoError::from_raw_os_error(13),
                Access::Read,
                "/kb/.dossier/index/meta.json: permission denied — dossier cannot read the index; ask its owner to make it readable (chmod -R a+rX) or use --index PATH",
            ),
            (
                IoError::from_raw_os_error(13),
                Access::Write,
                "/kb/.dossier/index/meta.json: permission denied — dossier cannot write the index; run it as the index's owner, or use --index PATH for an index of your own",
            ),
            (
                IoError::from_raw_os_error(24),
                Access::Read,
                "/kb/.dossier/index/meta.json: too many open files — nothing was deleted; fix that and run dossier again",
            ),
            (
                IoError::new(ErrorKind::NotADirectory, "Not a directory"),
                Access::Read,
                "/kb/.dossier/index/meta.json: not a directory — dossier keeps its index in a folder of its own there; move that away or use --index PATH",
            ),
        ];
        for (error, access, expected) in cases {
            assert_eq!(access_error(path, &error, access).to_string(), expected);
        }
    }

    #[test]
    fn only_damage_is_a_reason_to_rebuild() {
        use tantivy::TantivyError as T;
        use tantivy::directory::error::OpenReadError;
        let io = |code| std::sync::Arc::new(std::io::Error::from_raw_os_error(code));
        let cases = [
            (T::IoError(io(13)), false),
            (
                T::OpenReadError(OpenReadError::IoError {
                    io_error: io(24),
                    filepath: "meta.json".into(),
                }),
                false,
            ),
            (T::SchemaError("bad".into()), true),
            (T::InvalidArgument("x".into()), false),
        ];
        for (error, damaged) in cases {
            assert_eq!(is_damaged(&error), damaged, "{error}");
            let message = index_error(Path::new("/i"), error, Access::Read).to_string();
            assert!(!message.contains("IoError"), "{message}");
        }
    }

    #[test]
    fn a_reopened_writer_never_lets_go_of_the_lock() -> Result<()> {
        let scratch = tempfile::tempdir().expect("temp dir");
        let (location, mut writer) = small_kb(scratch.path())?;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let rival = {
            let (location, done) = (location.clone(), std::sync::Arc::clone(&done));
            std::thread::spawn(move || {
                let mut tries = 0;
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    if lock::acquire_lock(&location, "index").is_ok() {
                        return Err(tries);
                    }
                    tries += 1;
                }
                Ok(tries)
            })
        };
        let vocabulary = location.kb.join(crate::vocab::KB_VOCAB_FILE);
        for round in 0..5 {
            std::fs::write(&vocabulary, format!("interest\tg{round}\tname{round}\n"))
                .expect("write the vocabulary");
            writer = writer.reopen()?;
            writer.reconcile(&mut |_| {})?;
            // Stamped with the vocabulary it was built with.
            assert_eq!(
                version::read_version(&writer.index),
                Some(current_version(&location)?)
            );
        }
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let tries = rival.join().expect("rival thread");
        assert!(tries.is_ok(), "another writer took the lock: {tries:?}");
        Ok(())
    }
}
