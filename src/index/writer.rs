//! The `Writer`: takes the lock, opens or rebuilds the index, remembers
//! every file's fingerprint and record ids, commits, and writes the status
//! file. What it does to files is in `reconcile` and `apply`.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument};

use super::apply::HELD_PREFIX;
use super::directory::SharedDirectory;
use super::lock::{Holder, acquire_lock, try_acquire};
use super::resolve::NAME_BIT;
use super::version::{Payload, read_version, version_with};
use super::{
    Access, Location, SyncReport, access_error, index_error, io_cause, is_damaged, write_atomically,
};
use crate::document::{Analyzer, FileStamp, PRIVATE_KIND, TRIP_KIND};
use crate::error::{Error, Result};
use crate::record::{Kind, Problem, Record};
use crate::schema::{self, Fields, names};
use crate::vocab::Vocabulary;

/// Heap given to tantivy's writer for `index` (split between its indexing
/// threads; the arena grows only as documents come). Large enough that a
/// 300k-file knowledge base is written in one segment per thread: every
/// segment costs each one-shot search its opening, and two segments
/// instead of four took 0.9–1.2 ms off `owner:`, `likes:` and `budget`
/// searches, for the same indexing time and 1.6 GB instead of 1.2 GB peak
/// memory (BENCHMARKS.md).
pub const WRITER_HEAP_BYTES: usize = 1536 * 1024 * 1024;

/// A record id as the writer remembers it: (is a customer, id). Customers
/// and notes have separate id spaces.
pub(super) type IdKey = (bool, Box<str>);

pub(super) fn id_key(record: &Record) -> IdKey {
    folded_key(record.kind == Kind::Customer, &record.id)
}

/// Ids compare case-insensitively and script-folded: `K001` is `k001`.
pub(super) fn folded_key(is_customer: bool, id: &str) -> IdKey {
    // Most ids fold to themselves (c042123): skip the fold, which is most
    // of the cost of reading 300k ids at open.
    let plain = id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if plain {
        (is_customer, id.into())
    } else {
        (is_customer, crate::fold::fold(id).into())
    }
}

/// A customer that has a name: its (folded) id, and its file.
pub(super) type NameOwner = (Box<str>, Arc<str>);

/// The state kept for every file (compact: a watcher keeps 300k of them).
#[derive(Debug, Clone, Default)]
pub(super) struct FileState {
    pub(super) stamp: FileStamp,
    /// Its records' ids, without room to spare (a `Vec`'s first push
    /// makes room for four, and 300,000 files hold one each).
    pub(super) ids: Box<[IdKey]>,
    /// Its customers' name hashes (with `resolve::NAME_BIT`) and its
    /// notes' watched links (see `resolve`); empty for most files.
    pub(super) links: Box<[u64]>,
}

/// The status written after every commit, read by `dossier status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StatusFile {
    /// When the index last matched the directory (RFC 3339).
    pub last_sync: Option<String>,
    /// Record files known to the index.
    pub files: usize,
    /// Files currently in error, with their problems.
    pub problems: Vec<Problem>,
}

/// Reads the status file; a missing or unreadable one is an empty status.
pub fn read_status(location: &Location) -> StatusFile {
    std::fs::read_to_string(location.status_file())
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// What a finished writer still holds: its maps of every file and record
/// id. Dropping them frees 300k paths one by one (about 0.15 s on the
/// benchmark corpus); a process about to exit may `std::mem::forget` them
/// instead, as `dossier index` does.
pub struct Leftovers {
    _known: FxHashMap<Arc<str>, FileState>,
    _ids: FxHashMap<IdKey, Arc<str>>,
}

/// How often a writer waiting for the lock looks again.
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// What `Writer::open_waiting` got.
pub enum Opened {
    /// The lock, and the index open for writing.
    Writer(Box<Writer>),
    /// A watcher holds the lock: it keeps the index up to date.
    Watched(Holder),
}

/// The writer side of an index: exclusive, holds the lock until dropped.
pub struct Writer {
    pub(super) location: Location,
    pub(super) index: Index,
    pub(super) writer: IndexWriter<TantivyDocument>,
    pub(super) fields: Fields,
    pub(super) analyzer: Analyzer,
    pub(super) version: String,
    /// Every file in the index; the path is shared with `ids`.
    pub(super) known: FxHashMap<Arc<str>, FileState>,
    /// Which file holds each record id, for the duplicate-id check.
    pub(super) ids: FxHashMap<IdKey, Arc<str>>,
    /// Files that lost an id to another file (duplicates): read again when
    /// that file lets go of it. Only files in error are here.
    pub(super) losers: FxHashMap<IdKey, std::collections::BTreeSet<String>>,
    /// Files whose last good version has records held back because a path
    /// that sorts first has their ids (see `apply::carry_over`): those ids.
    pub(super) held: FxHashMap<Arc<str>, Vec<IdKey>>,
    /// Files to read again before the batch ends (their id changed hands).
    pub(super) requeue: std::collections::BTreeSet<String>,
    /// Customer name and nickname hashes → the (folded) ids of the
    /// customers that have them, and their files (see `resolve`).
    pub(super) names: FxHashMap<u64, Vec<NameOwner>>,
    /// Link hashes that named no existing id → the notes that wrote them.
    pub(super) watching: FxHashMap<u64, Vec<Arc<str>>>,
    /// Customer ids (folded) taken or freed since the notes were last
    /// requeued: whether a customer had each before (see `resolve`).
    pub(super) ids_before: FxHashMap<Box<str>, super::resolve::Change<bool>>,
    /// Name hashes whose customers changed since the notes were last
    /// requeued: the ids that had each before (see `resolve`).
    pub(super) names_before: FxHashMap<u64, super::resolve::Change<Vec<Box<str>>>>,
    /// Changes to `ids` and `names` so far: when each was (see `resolve`).
    pub(super) touches: u64,
    /// The links (hashes) of the notes read in this batch, which the
    /// committed index does not have yet, and the touches each note saw.
    pub(super) linked_this_batch: Vec<(u64, Arc<str>, u64)>,
    /// Files being read again: not skipped as unchanged.
    pub(super) forced: rustc_hash::FxHashSet<String>,
    pub(super) problems: BTreeMap<String, Vec<Problem>>,
    pub(super) pending: bool,
    pub(super) status_dirty: bool,
    pub(super) rebuilt: Option<String>,
    /// The index this one replaces, while rebuilding: the source of the
    /// last good version of files that are unreadable now.
    pub(super) previous: Option<Searcher>,
    /// Problems in the knowledge base's vocabulary file.
    pub vocabulary_problems: Vec<Error>,
    /// The tantivy heap it was opened with (kept by `reopen`).
    pub(super) heap_bytes: usize,
    pub(super) _lock: File,
}

impl Writer {
    /// Takes the writer lock and opens the index, building it from scratch
    /// when it is missing or was built with another schema, analyzer or
    /// vocabulary.
    ///
    /// Fails with `Error::Busy` naming the other process when one holds the
    /// lock; with `Error::IndexAccess` (one line that says what to do, and
    /// nothing deleted) when the index cannot be read or written for a reason
    /// a rebuild would not fix. Only a missing index, one built with another
    /// version, or one tantivy finds damaged is rebuilt.
    pub fn open(location: &Location, command: &str) -> Result<Writer> {
        Self::open_with_heap(location, command, WRITER_HEAP_BYTES)
    }

    /// Like `open`, with the tantivy writer's heap in bytes: a long-running
    /// watcher uses a small one to keep its memory low.
    pub fn open_with_heap(location: &Location, command: &str, heap_bytes: usize) -> Result<Writer> {
        std::fs::create_dir_all(&location.state_dir)
            .map_err(|e| access_error(&location.state_dir, &e, Access::Write))?;
        let lock = acquire_lock(location, command)?;
        Self::open_locked(location, lock, heap_bytes)
    }

    /// Like `open_with_heap`, but waits while a short-lived process (an
    /// `index`, a search building the index) holds the lock, polling it,
    /// for as long as it takes; `on_wait` is told who, once per holder. A
    /// watcher holding the lock is not waited for: `Opened::Watched` names
    /// it, and the caller decides (a second watcher stops, `index` asks
    /// that watcher to sync).
    ///
    /// Fails as `open` does, but never with `Error::Busy`.
    pub fn open_waiting(
        location: &Location,
        command: &str,
        heap_bytes: usize,
        on_wait: &mut dyn FnMut(&Holder),
    ) -> Result<Opened> {
        std::fs::create_dir_all(&location.state_dir)
            .map_err(|e| access_error(&location.state_dir, &e, Access::Write))?;
        let mut told = None;
        loop {
            match try_acquire(location, command)? {
                Ok(lock) => {
                    return Ok(Opened::Writer(Box::new(Self::open_locked(
                        location, lock, heap_bytes,
                    )?)));
                }
                Err(Some(holder)) if holder.is_long_lived() => return Ok(Opened::Watched(holder)),
                Err(holder) => {
                    if let Some(holder) = holder
                        && told != Some(holder.pid)
                    {
                        on_wait(&holder);
                        told = Some(holder.pid);
                    }
                    std::thread::sleep(LOCK_POLL);
                }
            }
        }
    }

    /// Opens the index again, keeping the writer lock throughout (no other
    /// writer can slip in): after a vocabulary change, this rebuilds it.
    /// The reopened writer's `vocabulary_problems` are those of the new
    /// vocabulary.
    pub fn reopen(self) -> Result<Writer> {
        let Writer {
            location,
            writer,
            heap_bytes,
            _lock,
            ..
        } = self;
        writer
            .wait_merging_threads()
            .map_err(|e| index_error(&location.index_dir(), e, Access::Write))?;
        Self::open_locked(&location, _lock, heap_bytes)
    }

    /// Opens the index with the lock already held.
    fn open_locked(location: &Location, lock: File, heap_bytes: usize) -> Result<Writer> {
        // Read once: the analyzer and the version stamp come from the same
        // bytes, so an edit meanwhile cannot stamp an index with a
        // vocabulary it was not built with (the next open sees the edit).
        let (vocabulary, vocabulary_problems) = Vocabulary::for_knowledge_base(&location.kb)?;
        // The same for the team file's private fields.
        let private_fields = crate::team::private_fields_for(&location.kb);
        let version = version_with(vocabulary.fingerprint, &private_fields);
        let index_dir = location.index_dir();
        let (schema, fields) = schema::build();
        let status = read_status(location);
        let mut previous = None;
        let replaced_dir = location.replaced_index_dir();
        let (index, rebuilt) = match find_index(&index_dir)? {
            Found::Index(index) if read_version(&index).as_deref() == Some(version.as_str()) => {
                (index, None)
            }
            Found::Index(old) => {
                // Files that turn out unreadable during the rebuild keep
                // their last good version, which lives only in the old
                // index: it is moved aside, not deleted, and read from
                // there until the new index's first commit (a rebuild killed
                // half way finds it again). An old index that cannot be
                // read now is an error, not a reason to lose them. When one
                // is already aside, this "old" index is a killed rebuild's
                // unfinished one, which holds nothing more.
                drop(old);
                if replaced_dir.exists() {
                    std::fs::remove_dir_all(&index_dir)
                        .map_err(|e| access_error(&index_dir, &e, Access::Write))?;
                } else {
                    std::fs::rename(&index_dir, &replaced_dir)
                        .map_err(|e| access_error(&index_dir, &e, Access::Write))?;
                }
                previous = Some(open_replaced(&replaced_dir)?);
                (
                    create_index(&index_dir, schema)?,
                    Some("the schema, analyzer, vocabulary or private fields changed".to_string()),
                )
            }
            Found::Corrupt(why) => (
                create_index(&index_dir, schema)?,
                Some(format!("the index was damaged ({why})")),
            ),
            Found::Nothing => (
                create_index(&index_dir, schema)?,
                Some("there was no index yet".to_string()),
            ),
        };
        // A rebuild killed before it was done left the index it replaces
        // aside: what only that index holds (the last good versions of
        // unreadable files) is still to be carried over. (One that cannot
        // be read is left there, and this writer goes on without it.)
        if previous.is_none() && replaced_dir.exists() {
            previous = open_replaced(&replaced_dir).ok();
        }
        schema::register_tokenizers(&index);
        let writer = tantivy_writer(&index, &fields, indexing_threads(heap_bytes), heap_bytes)
            .map_err(|e| index_error(&index_dir, e, Access::Write))?;
        // A writer killed in the middle of a commit leaves the files it
        // wrote before `meta.json`, a segment's deletions among them, named
        // by the commit's operation stamp. This writer counts stamps from
        // the last commit, so it comes to the same names, and tantivy does
        // not write over a file: every commit would fail. tantivy collects
        // files no commit refers to only after a commit; here it is first.
        writer
            .garbage_collect_files()
            .wait()
            .map_err(|e| index_error(&index_dir, e, Access::Write))?;
        let mut this = Writer {
            location: location.clone(),
            index,
            writer,
            fields,
            analyzer: Analyzer::new(vocabulary).with_private_fields(private_fields),
            version,
            known: FxHashMap::default(),
            ids: FxHashMap::default(),
            losers: FxHashMap::default(),
            held: FxHashMap::default(),
            names: FxHashMap::default(),
            watching: FxHashMap::default(),
            ids_before: FxHashMap::default(),
            names_before: FxHashMap::default(),
            touches: 0,
            linked_this_batch: Vec::new(),
            requeue: std::collections::BTreeSet::new(),
            forced: rustc_hash::FxHashSet::default(),
            problems: BTreeMap::new(),
            pending: rebuilt.is_some(),
            status_dirty: false,
            rebuilt,
            previous,
            vocabulary_problems,
            heap_bytes,
            _lock: lock,
        };
        this.load_known()?;
        for problem in status.problems {
            this.problems
                .entry(problem.path.clone())
                .or_default()
                .push(problem);
        }
        Ok(this)
    }

    /// The location this writer serves.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Reads every file's fingerprint and record ids from the index.
    pub(super) fn load_known(&mut self) -> Result<()> {
        let reader = self.reader()?;
        let searcher = reader.searcher();
        let index_dir = self.location.index_dir();
        let err = |e: tantivy::TantivyError| index_error(&index_dir, e, Access::Write);
        // Room for every document (trips included: an upper bound), so the
        // maps are not rebuilt as they grow.
        let documents = searcher.num_docs() as usize;
        self.known.reserve(documents);
        self.ids.reserve(documents);
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let (Some(paths), Some(ids), Some(kinds)) = (
                fast.str(names::PATH).map_err(err)?,
                fast.str(names::ID).map_err(err)?,
                fast.str(names::KIND).map_err(err)?,
            ) else {
                continue;
            };
            let hashes = fast.u64(names::FP_HASH).map_err(err)?;
            let sizes = fast.u64(names::FP_SIZE).map_err(err)?;
            let mtimes = fast.i64(names::FP_MTIME).map_err(err)?;
            let links = fast.u64(names::LINK_NAMES).map_err(err)?;
            // Whole dictionaries in ord order: one pass each, instead of a
            // block decompression per document (12 s on 300k files).
            let (path_terms, id_terms, kind_terms) = (
                Terms::of(&paths).map_err(|e| access_error(&index_dir, &e, Access::Read))?,
                Terms::of(&ids).map_err(|e| access_error(&index_dir, &e, Access::Read))?,
                Terms::of(&kinds).map_err(|e| access_error(&index_dir, &e, Access::Read))?,
            );
            for doc in segment.doc_ids_alive() {
                let kind = kind_terms.of_doc(&kinds, doc).unwrap_or_default();
                if kind == TRIP_KIND || kind == PRIVATE_KIND {
                    continue;
                }
                let path = path_terms.of_doc(&paths, doc).unwrap_or_default();
                let id = id_terms.of_doc(&ids, doc).unwrap_or_default();
                let path: Arc<str> = match self.known.get_key_value(path) {
                    Some((shared, _)) => Arc::clone(shared),
                    None => path.into(),
                };
                let state = self.known.entry(Arc::clone(&path)).or_default();
                state.stamp = FileStamp {
                    hash: hashes.first(doc).unwrap_or(0),
                    size: sizes.first(doc).unwrap_or(0),
                    mtime: mtimes.first(doc).unwrap_or(0),
                };
                if let Some(kind) = kind.strip_prefix(HELD_PREFIX) {
                    // A record held back (its id is another file's): the
                    // file is known, the id is not its own.
                    let key = folded_key(kind == Kind::Customer.as_str(), id);
                    self.held.entry(path).or_default().push(key);
                    continue;
                }
                let key = folded_key(kind == Kind::Customer.as_str(), id);
                let mut hashes = links.values_for_doc(doc).peekable();
                if hashes.peek().is_some() {
                    let mut all = state.links.to_vec();
                    for hash in hashes {
                        all.push(hash);
                        if hash & NAME_BIT != 0 {
                            super::resolve::push_one(
                                self.names.entry(hash).or_default(),
                                (key.1.clone(), Arc::clone(&path)),
                            );
                        } else {
                            super::resolve::push_one(
                                self.watching.entry(hash).or_default(),
                                Arc::clone(&path),
                            );
                        }
                    }
                    state.links = all.into();
                }
                // No room to spare: nearly every file holds one record.
                let mut ids = std::mem::take(&mut state.ids).into_vec();
                ids.reserve_exact(1);
                ids.push(key.clone());
                state.ids = ids.into_boxed_slice();
                self.ids.insert(key, path);
            }
        }
        Ok(())
    }

    /// True when a file has an error (read again on every reconcile until
    /// it is fixed); a file with warnings only is read again when it
    /// changes, or when the customers its links name do.
    pub(super) fn in_error(&self, rel_path: &str) -> bool {
        self.problems.get(rel_path).is_some_and(|problems| {
            problems
                .iter()
                .any(|p| p.severity == crate::record::Severity::Error)
        })
    }

    pub(super) fn reader(&self) -> Result<IndexReader> {
        self.index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| index_error(&self.location.index_dir(), e, Access::Write))
    }

    pub(super) fn finish_batch(&mut self, report: &mut SyncReport, started: Instant) -> Result<()> {
        let is_error = |p: &Problem| p.severity == crate::record::Severity::Error;
        report.files_in_error = self
            .problems
            .values()
            .filter(|problems| problems.iter().any(is_error))
            .count();
        report.warnings = self
            .problems
            .values()
            .flatten()
            .filter(|p| !is_error(p))
            .count();
        // The index being replaced is needed only by the rebuild itself:
        // once the new one is committed with every last good version
        // carried over, it goes.
        let replaced = self.previous.take().is_some();
        if report.changed() || self.pending {
            self.commit()?;
            report.committed = true;
        } else if self.status_dirty || !report.problems.is_empty() {
            self.write_status()?;
        }
        if replaced {
            let dir = self.location.replaced_index_dir();
            match std::fs::remove_dir_all(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(access_error(&dir, &e, Access::Write)),
            }
        }
        // Committed: the index finds this batch's notes now.
        self.linked_this_batch.clear();
        report.seconds = started.elapsed().as_secs_f64();
        Ok(())
    }

    pub(super) fn commit(&mut self) -> Result<()> {
        let index_dir = self.location.index_dir();
        let payload = serde_json::to_string(&Payload {
            version: self.version.clone(),
        })
        .expect("payload serializes");
        // The problems are written before the commit as well as after it:
        // a file read again (stamp changed) gets its problems anew, but a
        // file the index holds unchanged is not read again, so its warnings
        // live only in the status file. Killed between the commit and a
        // status written after it, the next writer would find the new
        // files committed and their warnings nowhere. Written first, the
        // status is never behind the index: killed before the commit, the
        // files whose problems it holds are still stale in the index and
        // are read again.
        self.write_status()?;
        let mut prepared = self
            .writer
            .prepare_commit()
            .map_err(|e| index_error(&index_dir, e, Access::Write))?;
        prepared.set_payload(&payload);
        prepared
            .commit()
            .map_err(|e| index_error(&index_dir, e, Access::Write))?;
        self.pending = false;
        crate::links::refresh(&self.location, &self.reader()?.searcher())?;
        self.write_status()
    }

    pub(super) fn write_status(&mut self) -> Result<()> {
        self.status_dirty = false;
        let status = StatusFile {
            last_sync: Some(
                chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            ),
            files: self.known.len(),
            problems: self.problems.values().flatten().cloned().collect(),
        };
        write_atomically(
            &self.location.status_file(),
            serde_json::to_string_pretty(&status)
                .expect("status serializes")
                .as_bytes(),
        )
    }

    /// Waits for tantivy's background merges, then releases the lock.
    /// Returns the writer's maps of every file (see `Leftovers`).
    pub fn finish(self) -> Result<Leftovers> {
        let Writer {
            location,
            writer,
            known,
            ids,
            _lock,
            ..
        } = self;
        writer
            .wait_merging_threads()
            .map_err(|e| index_error(&location.index_dir(), e, Access::Write))?;
        drop(_lock);
        Ok(Leftovers {
            _known: known,
            _ids: ids,
        })
    }
}

/// Opens tantivy's writer on an index, its first operation stamp spent.
///
/// tantivy numbers a reopened writer's operations from the last commit's
/// stamp, so the first operation gets the very stamp that commit gave the
/// segments whose deletions it wrote. A merge of committed segments that
/// starts before this writer's first commit (tantivy considers one each
/// time a new segment is written) applies the deletions up to that stamp,
/// but skips every segment whose deletions are already "at" it
/// (`advance_deletes`), and the merged segment then reads the queue from
/// where its first source segment stopped: a delete issued first after
/// opening (a file removed while no watcher ran, found by the reconcile)
/// was lost for the documents of those skipped segments, and the file
/// came back (convergence seed 4242). An operation that matches nothing
/// takes that stamp instead, so every real one comes after it.
fn tantivy_writer(
    index: &Index,
    fields: &Fields,
    threads: usize,
    heap_bytes: usize,
) -> tantivy::Result<IndexWriter<TantivyDocument>> {
    let writer = index.writer_with_num_threads(threads, heap_bytes)?;
    // No record has an empty path.
    writer.delete_term(tantivy::Term::from_field_text(fields.path, ""));
    Ok(writer)
}

/// Tantivy indexing threads: one per core for a large heap (a full
/// index), one for a watcher's small heap.
fn indexing_threads(heap_bytes: usize) -> usize {
    if heap_bytes < WRITER_HEAP_BYTES {
        return 1;
    }
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
}

/// What a writer finds in the index folder.
enum Found {
    /// No index: no folder, or no `meta.json` in it.
    Nothing,
    /// An index, of whatever version.
    Index(Index),
    /// An index tantivy cannot use: its data is damaged (why).
    Corrupt(String),
}

/// Opens the index folder for a writer. Fails, and so deletes nothing,
/// when it cannot be read (permissions, too many open files, a file where
/// the folder belongs): only an index that is not there or that tantivy
/// reports damaged is rebuilt.
fn find_index(index_dir: &Path) -> Result<Found> {
    let meta = index_dir.join("meta.json");
    match std::fs::metadata(&meta) {
        Ok(found) if found.is_file() => {}
        Ok(_) => {
            return Err(Error::IndexAccess {
                path: meta,
                problem: "not a file".into(),
                advice: "dossier keeps its index in this folder; move it away or use --index PATH"
                    .into(),
            });
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Nothing),
        Err(error) => return Err(access_error(&meta, &error, Access::Read)),
    }
    match SharedDirectory::open(index_dir).and_then(Index::open) {
        Ok(index) => Ok(Found::Index(index)),
        Err(error) if is_damaged(&error) => Ok(Found::Corrupt(error.to_string())),
        Err(error) => match io_cause(&error) {
            // Gone between the look and the open: a writer is never
            // alone in this (the lock says so), so this is a user's rm.
            Some((_, std::io::ErrorKind::NotFound, _)) => Ok(Found::Nothing),
            _ => Err(index_error(index_dir, error, Access::Read)),
        },
    }
}

/// A searcher on the index a rebuild replaces (see `Location::replaced_index_dir`).
fn open_replaced(dir: &Path) -> Result<Searcher> {
    let old = SharedDirectory::open(dir)
        .and_then(Index::open)
        .map_err(|e| index_error(dir, e, Access::Read))?;
    schema::register_tokenizers(&old);
    let reader: IndexReader = old
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e| index_error(dir, e, Access::Read))?;
    Ok(reader.searcher())
}

fn create_index(index_dir: &Path, schema: tantivy::schema::Schema) -> Result<Index> {
    if index_dir.exists() {
        std::fs::remove_dir_all(index_dir)
            .map_err(|e| access_error(index_dir, &e, Access::Write))?;
    }
    std::fs::create_dir_all(index_dir).map_err(|e| access_error(index_dir, &e, Access::Write))?;
    let settings = tantivy::IndexSettings {
        // A search reads back a few dozen stored documents (the profiles
        // and notes shown), each from its own block: 4 KB blocks cost a
        // quarter of the decompression and memory of tantivy's 16 KB
        // default, for a store 20 % larger (2 % of the index).
        docstore_blocksize: 4096,
        ..tantivy::IndexSettings::default()
    };
    Index::builder()
        .schema(schema)
        .settings(settings)
        .open_or_create(
            SharedDirectory::open(index_dir)
                .map_err(|e| index_error(index_dir, e, Access::Write))?,
        )
        .map_err(|e| index_error(index_dir, e, Access::Write))
}

/// A string column's whole dictionary, indexed by term ordinal, in one
/// buffer (300k paths as one allocation, returned to the operating system
/// when freed, rather than 300k small ones left in a watcher's heap).
struct Terms {
    text: String,
    ends: Vec<usize>,
}

impl Terms {
    /// Reads every term of a column's dictionary, in ordinal order.
    fn of(column: &tantivy::columnar::StrColumn) -> std::io::Result<Terms> {
        let mut terms = Terms {
            text: String::new(),
            ends: Vec::with_capacity(column.dictionary().num_terms()),
        };
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            terms.text.push_str(&String::from_utf8_lossy(stream.key()));
            terms.ends.push(terms.text.len());
        }
        Ok(terms)
    }

    /// The term of a document.
    fn of_doc(&self, column: &tantivy::columnar::StrColumn, doc: tantivy::DocId) -> Option<&str> {
        let ord = usize::try_from(column.term_ords(doc).next()?).ok()?;
        let end = *self.ends.get(ord)?;
        let start = ord.checked_sub(1).map_or(0, |previous| self.ends[previous]);
        Some(&self.text[start..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::Term;
    use tantivy::collector::Count;
    use tantivy::indexer::NoMergePolicy;
    use tantivy::query::TermQuery;
    use tantivy::schema::IndexRecordOption;

    const HEAP: usize = 15_000_000;

    fn add(writer: &IndexWriter<TantivyDocument>, fields: &Fields, paths: &[&str]) {
        for path in paths {
            let mut doc = TantivyDocument::default();
            doc.add_text(fields.path, path);
            writer.add_document(doc).expect("add");
        }
    }

    fn count(index: &Index, fields: &Fields, path: &str) -> usize {
        let reader: IndexReader = index.reader().expect("reader");
        let query = TermQuery::new(
            Term::from_field_text(fields.path, path),
            IndexRecordOption::Basic,
        );
        reader.searcher().search(&query, &Count).expect("count")
    }

    /// The state a watcher killed at a quiet moment leaves: eight
    /// committed segments (enough for tantivy's default policy to merge
    /// them), the largest first and without deletions, and two whose
    /// deletions were written by the last commit, at its stamp. (Each
    /// keeps a document alive after the next writer's removal: a segment
    /// left with none is dropped, and a merge of it cancelled.)
    fn killed_watchers_index(fields: &Fields, schema: tantivy::schema::Schema) -> Index {
        let index = Index::create_in_ram(schema);
        schema::register_tokenizers(&index);
        let mut writer: IndexWriter<TantivyDocument> = index
            .writer_with_num_threads(1, HEAP)
            .expect("first writer");
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let segments: [&[&str]; 8] = [
            &["c0", "c1", "c2", "c3", "c4", "c5"],
            &["a", "a2", "a3"],
            &["b", "b2"],
            &["d"],
            &["e"],
            &["f"],
            &["g"],
            &["h"],
        ];
        for paths in segments {
            add(&writer, fields, paths);
            writer.commit().expect("commit");
        }
        writer.delete_term(Term::from_field_text(fields.path, "a2"));
        writer.delete_term(Term::from_field_text(fields.path, "b2"));
        writer.commit().expect("commit the deletions");
        writer.wait_merging_threads().expect("merges");
        index
    }

    #[test]
    fn a_delete_first_after_reopening_survives_a_merge_started_before_the_commit() {
        let (schema, fields) = schema::build();
        let index = killed_watchers_index(&fields, schema);
        assert_eq!(index.searchable_segment_ids().expect("segments").len(), 8);
        // The next writer (tantivy's default merge policy): the reconcile
        // removes a file that went while nobody watched, then adds
        // another; the commit writes a segment, which starts a merge of
        // the eight committed ones before the deletions are applied.
        let mut writer = tantivy_writer(&index, &fields, 1, HEAP).expect("writer");
        writer.delete_term(Term::from_field_text(fields.path, "a"));
        add(&writer, &fields, &["new"]);
        writer.commit().expect("commit");
        writer.wait_merging_threads().expect("merges");
        assert!(
            index.searchable_segment_ids().expect("segments").len() < 8,
            "the committed segments were merged"
        );
        assert_eq!(count(&index, &fields, "a"), 0, "the removed file came back");
        assert_eq!(count(&index, &fields, "new"), 1);
        assert_eq!(count(&index, &fields, "b"), 1);
        assert_eq!(count(&index, &fields, "b2"), 0);
    }
}
