//! The index: a rebuildable cache of the knowledge-base directory. This is
//! the one module that holds the tantivy writer. It opens or (re)builds the
//! index, reconciles it with the directory, applies changed paths for the
//! watcher, and commits the files' fingerprints together with their
//! documents, so a crash at any moment leaves an index that the next run
//! brings back in line with the directory.

use std::collections::{BTreeMap, HashSet};

use rustc_hash::{FxHashMap, FxHashSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tantivy::schema::Term;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument};

use crate::document::{self, Analyzer, FileStamp, TRIP_KIND};
use crate::error::{Error, Result};
use crate::record::{Kind, ParsedFile, Problem, Record, parse_file};
use crate::schema::{self, Fields, names};
use crate::vocab::Vocabulary;
use crate::walk;

/// Heap given to tantivy's writer for `index` (split between its indexing
/// threads; the arena grows only as documents come). Large enough that a
/// 300k-file knowledge base is written in one segment per thread: every
/// segment costs each one-shot search its opening, and two segments
/// instead of four took 0.9–1.2 ms off `owner:`, `likes:` and `budget`
/// searches, for the same indexing time and 1.6 GB instead of 1.2 GB peak
/// memory (BENCHMARKS.md).
const WRITER_HEAP_BYTES: usize = 1536 * 1024 * 1024;
/// Files read and analyzed together before their documents are added in
/// path order (bounded memory, deterministic duplicate-id resolution).
const CHUNK_FILES: usize = 512;

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

    /// The status file written after every commit.
    pub fn status_file(&self) -> PathBuf {
        self.state_dir.join("status.json")
    }

    /// The writer lock, which also names its holder.
    pub fn lock_file(&self) -> PathBuf {
        self.state_dir.join("writer.lock")
    }
}

/// The version an index must carry to be used: schema and analyzer,
/// fold table, and vocabularies. Any difference means rebuild.
pub fn current_version(location: &Location) -> Result<String> {
    Ok(format!(
        "{:016x}-{:016x}-{:016x}",
        schema::fingerprint(),
        crate::fold::table_fingerprint(),
        Vocabulary::fingerprint_for(&location.kb)?
    ))
}

/// The commit payload: what the index was built with.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    version: String,
}

fn read_version(index: &Index) -> Option<String> {
    let payload = index.load_metas().ok()?.payload?;
    serde_json::from_str::<Payload>(&payload)
        .ok()
        .map(|p| p.version)
}

/// Who holds the writer lock.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// `index` or `watch`.
    pub command: String,
    /// When it started (RFC 3339).
    pub started: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "dossier {} (pid {}) since {}",
            self.command, self.pid, self.started
        )
    }
}

/// The process holding the writer lock, if any. Asks the OS, so a lock
/// left by a killed process never counts.
pub fn lock_holder(location: &Location) -> Option<Holder> {
    let file = File::options()
        .read(true)
        .write(true)
        .open(location.lock_file())
        .ok()?;
    match file.try_lock_shared() {
        Ok(()) => None,
        Err(_) => {
            let text = std::fs::read_to_string(location.lock_file()).ok()?;
            Some(serde_json::from_str(&text).unwrap_or(Holder {
                pid: 0,
                command: "unknown".into(),
                started: "unknown".into(),
            }))
        }
    }
}

fn acquire_lock(location: &Location, command: &str) -> Result<File> {
    let path = location.lock_file();
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    if file.try_lock().is_err() {
        let holder =
            lock_holder(location).map_or_else(|| "unknown process".to_string(), |h| h.to_string());
        return Err(Error::Busy {
            path: location.kb.clone(),
            holder,
        });
    }
    let holder = Holder {
        pid: std::process::id(),
        command: command.into(),
        started: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    };
    file.set_len(0).map_err(|e| Error::io(&path, e))?;
    file.write_all(
        serde_json::to_string(&holder)
            .expect("holder serializes")
            .as_bytes(),
    )
    .map_err(|e| Error::io(&path, e))?;
    Ok(file)
}

/// What a sync changed.
#[derive(Debug, Clone, Default, Serialize)]
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

/// A record id as the writer remembers it: (is a customer, id). Customers
/// and notes have separate id spaces.
type IdKey = (bool, Box<str>);

fn id_key(record: &Record) -> IdKey {
    (record.kind == Kind::Customer, record.id.as_str().into())
}

/// The state kept for every file (compact: a watcher keeps 300k of them).
#[derive(Debug, Clone, Default)]
struct FileState {
    stamp: FileStamp,
    ids: Vec<IdKey>,
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

/// The result of reading and analyzing one file off the main thread.
enum Loaded {
    Gone,
    Unchanged(FileStamp),
    Parsed {
        stamp: FileStamp,
        parsed: ParsedFile,
        documents: Vec<Vec<TantivyDocument>>,
    },
    Unreadable(Problem),
}

/// What a finished writer still holds: its maps of every file and record
/// id. Dropping them frees 300k paths one by one (about 0.15 s on the
/// benchmark corpus); a process about to exit may `std::mem::forget` them
/// instead, as `dossier index` does.
pub struct Leftovers {
    _known: FxHashMap<Arc<str>, FileState>,
    _ids: FxHashMap<IdKey, Arc<str>>,
}

/// The writer side of an index: exclusive, holds the lock until dropped.
pub struct Writer {
    location: Location,
    index: Index,
    writer: IndexWriter<TantivyDocument>,
    fields: Fields,
    analyzer: Analyzer,
    version: String,
    /// Every file in the index; the path is shared with `ids`.
    known: FxHashMap<Arc<str>, FileState>,
    /// Which file holds each record id, for the duplicate-id check.
    ids: FxHashMap<IdKey, Arc<str>>,
    problems: BTreeMap<String, Vec<Problem>>,
    pending: bool,
    status_dirty: bool,
    rebuilt: Option<String>,
    /// The index this one replaces, while rebuilding: the source of the
    /// last good version of files that are unreadable now.
    previous: Option<Searcher>,
    /// Problems in the knowledge base's vocabulary file.
    pub vocabulary_problems: Vec<Error>,
    _lock: File,
}

impl Writer {
    /// Takes the writer lock and opens the index, building it from scratch
    /// when it is missing or was built with another schema, analyzer or
    /// vocabulary.
    ///
    /// Fails with `Error::Busy` naming the other process when one holds the
    /// lock; with `Error::Io`/`Error::Index` when the index folder cannot be
    /// written.
    pub fn open(location: &Location, command: &str) -> Result<Writer> {
        Self::open_with_heap(location, command, WRITER_HEAP_BYTES)
    }

    /// Like `open`, with the tantivy writer's heap in bytes: a long-running
    /// watcher uses a small one to keep its memory low.
    pub fn open_with_heap(location: &Location, command: &str, heap_bytes: usize) -> Result<Writer> {
        std::fs::create_dir_all(&location.state_dir)
            .map_err(|e| Error::io(&location.state_dir, e))?;
        let lock = acquire_lock(location, command)?;
        let (vocabulary, vocabulary_problems) = Vocabulary::for_knowledge_base(&location.kb)?;
        let version = current_version(location)?;
        let index_dir = location.index_dir();
        let (schema, fields) = schema::build();
        let existing = Index::open_in_dir(&index_dir).ok();
        let status = read_status(location);
        let mut previous = None;
        let (index, rebuilt) = match existing {
            Some(index) if read_version(&index).as_deref() == Some(version.as_str()) => {
                (index, None)
            }
            Some(old) => {
                // Files that turn out unreadable during the rebuild keep
                // their last good version, which lives only in the old
                // index: keep a searcher on it (its segments stay mapped
                // after the folder is replaced).
                schema::register_tokenizers(&old);
                previous = old
                    .reader_builder()
                    .reload_policy(ReloadPolicy::Manual)
                    .try_into()
                    .ok()
                    .map(|reader: IndexReader| reader.searcher());
                (
                    create_index(&index_dir, schema)?,
                    Some("the schema, analyzer or vocabulary changed".to_string()),
                )
            }
            None => {
                let reason = if index_dir.exists() {
                    "the index was unreadable"
                } else {
                    "there was no index yet"
                };
                (create_index(&index_dir, schema)?, Some(reason.to_string()))
            }
        };
        schema::register_tokenizers(&index);
        let writer = index
            .writer_with_num_threads(indexing_threads(heap_bytes), heap_bytes)
            .map_err(|e| Error::index(&index_dir, e))?;
        let mut this = Writer {
            location: location.clone(),
            index,
            writer,
            fields,
            analyzer: Analyzer::new(vocabulary),
            version,
            known: FxHashMap::default(),
            ids: FxHashMap::default(),
            problems: BTreeMap::new(),
            pending: rebuilt.is_some(),
            status_dirty: false,
            rebuilt,
            previous,
            vocabulary_problems,
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
    fn load_known(&mut self) -> Result<()> {
        let reader = self.reader()?;
        let searcher = reader.searcher();
        let index_dir = self.location.index_dir();
        let err = |e: tantivy::TantivyError| Error::index(&index_dir, e);
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
            // Whole dictionaries in ord order: one pass each, instead of a
            // block decompression per document (12 s on 300k files).
            let (path_terms, id_terms, kind_terms) = (
                Terms::of(&paths).map_err(|e| Error::io(&index_dir, e))?,
                Terms::of(&ids).map_err(|e| Error::io(&index_dir, e))?,
                Terms::of(&kinds).map_err(|e| Error::io(&index_dir, e))?,
            );
            for doc in segment.doc_ids_alive() {
                let kind = kind_terms.of_doc(&kinds, doc).unwrap_or_default();
                if kind == TRIP_KIND {
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
                let key: IdKey = (kind == Kind::Customer.as_str(), id.into());
                state.ids.push(key.clone());
                self.ids.insert(key, path);
            }
        }
        Ok(())
    }

    fn reader(&self) -> Result<IndexReader> {
        self.index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| Error::index(self.location.index_dir(), e))
    }

    /// Brings the index in line with the whole directory and commits once.
    pub fn reconcile(&mut self, progress: &mut dyn FnMut(Progress)) -> Result<SyncReport> {
        let started = Instant::now();
        let mut report = SyncReport {
            rebuilt: self.rebuilt.take(),
            ..SyncReport::default()
        };
        let (files, walk_errors) = walk::walk(&self.location.kb, &self.location.state_dir);
        for (path, error) in walk_errors {
            report.problems.push(Problem {
                severity: crate::record::Severity::Error,
                path: walk::relative(&self.location.kb, &path)
                    .unwrap_or_else(|| path.display().to_string()),
                line: 1,
                column: 1,
                message: format!("cannot read folder: {error} — check its permissions"),
            });
        }
        let present: FxHashSet<&str> = files.iter().map(|f| f.rel_path).collect();
        let gone: Vec<Arc<str>> = self
            .known
            .keys()
            .filter(|p| !present.contains(&***p))
            .cloned()
            .collect();
        for path in gone {
            self.remove_file(&path, &mut report);
        }
        self.problems
            .retain(|path, _| present.contains(path.as_str()));
        // A full reconcile always records its time as the last sync.
        self.status_dirty = true;
        let paths: Vec<String> = files
            .iter()
            .filter(|file| {
                let unchanged = self.known.get(file.rel_path).is_some_and(|state| {
                    state.stamp.hash != 0
                        && state.stamp.size == file.size
                        && state.stamp.mtime == file.mtime
                }) && !self.problems.contains_key(file.rel_path);
                if unchanged {
                    report.unchanged += 1;
                }
                !unchanged
            })
            .map(|file| file.rel_path.to_string())
            .collect();
        drop(present);
        drop(files);
        self.upsert_paths(&paths, &mut report, progress)?;
        self.finish_batch(&mut report, started)?;
        if !report.committed {
            // An index committed by an older dossier, or whose cache file
            // was deleted: searches would each walk the index.
            crate::links::ensure(&self.location, &self.reader()?.searcher())?;
        }
        Ok(report)
    }

    /// Applies changes to the given paths (absolute or relative to the
    /// knowledge base): each is looked at again on disk and upserted or
    /// removed; a folder stands for everything under it. Commits once if
    /// anything changed. Used by the watcher.
    pub fn apply(&mut self, changed: &[PathBuf]) -> Result<SyncReport> {
        let started = Instant::now();
        let mut report = SyncReport::default();
        let mut upserts: Vec<String> = Vec::new();
        for path in changed {
            let absolute = if path.is_absolute() {
                path.clone()
            } else {
                self.location.kb.join(path)
            };
            if absolute.starts_with(&self.location.state_dir) {
                continue;
            }
            let Some(rel) = walk::relative(&self.location.kb, &absolute) else {
                continue;
            };
            if rel.split('/').any(|part| part.starts_with('.')) {
                continue;
            }
            if absolute.is_dir() {
                let (files, _) = walk::walk(&absolute, &self.location.state_dir);
                let inside: HashSet<String> = files
                    .iter()
                    .map(|f| format!("{rel}/{}", f.rel_path))
                    .collect();
                self.remove_under(&rel, |known| !inside.contains(known), &mut report);
                upserts.extend(inside);
            } else if walk::stat(&absolute).is_some() {
                if walk::is_record_path(&rel) {
                    upserts.push(rel);
                }
            } else {
                // Gone: the file itself, or a folder with files inside.
                self.remove_file(&rel, &mut report);
                self.remove_under(&rel, |_| true, &mut report);
                let prefix = format!("{rel}/");
                let before = self.problems.len();
                self.problems
                    .retain(|p, _| *p != rel && !p.starts_with(&prefix));
                self.status_dirty |= self.problems.len() != before;
            }
        }
        // Files held back by a duplicate id may be free now.
        if report.removed > 0 {
            upserts.extend(self.problems.keys().cloned());
        }
        upserts.sort();
        upserts.dedup();
        self.upsert_paths(&upserts, &mut report, &mut |_| {})?;
        self.finish_batch(&mut report, started)?;
        Ok(report)
    }

    fn finish_batch(&mut self, report: &mut SyncReport, started: Instant) -> Result<()> {
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
        // The index being replaced is needed only by the rebuild itself.
        self.previous = None;
        if report.changed() || self.pending {
            self.commit()?;
            report.committed = true;
        } else if self.status_dirty || !report.problems.is_empty() {
            self.write_status()?;
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(())
    }

    /// Removes the known files inside a folder for which `stale` holds.
    fn remove_under(
        &mut self,
        folder: &str,
        stale: impl Fn(&str) -> bool,
        report: &mut SyncReport,
    ) {
        let prefix = format!("{folder}/");
        let gone: Vec<Arc<str>> = self
            .known
            .keys()
            .filter(|known| known.starts_with(&prefix) && stale(known))
            .cloned()
            .collect();
        for known in gone {
            self.remove_file(&known, report);
        }
    }

    /// Forgets a file's state and frees the ids it owned.
    fn forget(&mut self, rel_path: &str) -> Option<FileState> {
        let state = self.known.remove(rel_path)?;
        for key in &state.ids {
            if self.ids.get(key).is_some_and(|owner| &**owner == rel_path) {
                self.ids.remove(key);
            }
        }
        Some(state)
    }

    fn remove_file(&mut self, rel_path: &str, report: &mut SyncReport) {
        if self.forget(rel_path).is_some() {
            self.writer
                .delete_term(Term::from_field_text(self.fields.path, rel_path));
            report.removed += 1;
        }
        if self.problems.remove(rel_path).is_some() {
            self.status_dirty = true;
        }
    }

    fn load(&self, rel_path: &str) -> Loaded {
        let absolute = self.location.kb.join(rel_path);
        let Some((size, mtime)) = walk::stat(&absolute) else {
            return Loaded::Gone;
        };
        let bytes = match std::fs::read(&absolute) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Loaded::Gone,
            Err(error) => {
                return Loaded::Unreadable(Problem {
                    severity: crate::record::Severity::Error,
                    path: rel_path.into(),
                    line: 1,
                    column: 1,
                    message: format!("cannot read: {error} — check the file's permissions"),
                });
            }
        };
        let mut stamp = FileStamp {
            hash: crate::fold::stable_hash(&bytes).max(1),
            size,
            mtime,
        };
        if let Some(state) = self.known.get(rel_path)
            && state.stamp.hash == stamp.hash
            && !self.problems.contains_key(rel_path)
        {
            return Loaded::Unchanged(stamp);
        }
        let parsed = parse_file(rel_path, &bytes);
        if !parsed.problems.is_empty() {
            stamp.hash = 0;
        }
        let documents = parsed
            .records
            .iter()
            .map(|record| document::build(&self.analyzer, &self.fields, record, stamp))
            .collect();
        Loaded::Parsed {
            stamp,
            parsed,
            documents,
        }
    }

    fn upsert_paths(
        &mut self,
        paths: &[String],
        report: &mut SyncReport,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<()> {
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 8);
        let mut done = 0;
        for chunk in paths.chunks(CHUNK_FILES) {
            let per_worker = chunk.len().div_ceil(workers).max(1);
            let this = &*self;
            let loaded: Vec<Loaded> = std::thread::scope(|scope| {
                let handles: Vec<_> = chunk
                    .chunks(per_worker)
                    .map(|part| {
                        scope.spawn(move || part.iter().map(|p| this.load(p)).collect::<Vec<_>>())
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("a loader thread never panics on input"))
                    .collect()
            });
            for (path, loaded) in chunk.iter().zip(loaded) {
                self.apply_loaded(path, loaded, report)?;
            }
            done += chunk.len();
            progress(Progress {
                done,
                total: paths.len(),
            });
        }
        Ok(())
    }

    fn apply_loaded(
        &mut self,
        rel_path: &str,
        loaded: Loaded,
        report: &mut SyncReport,
    ) -> Result<()> {
        match loaded {
            Loaded::Gone => self.remove_file(rel_path, report),
            Loaded::Unchanged(stamp) => {
                report.unchanged += 1;
                if let Some(state) = self.known.get_mut(rel_path) {
                    state.stamp.size = stamp.size;
                    state.stamp.mtime = stamp.mtime;
                }
            }
            Loaded::Unreadable(problem) => {
                report.problems.push(problem.clone());
                self.problems.insert(rel_path.to_string(), vec![problem]);
                self.carry_over(rel_path)?;
            }
            Loaded::Parsed {
                mut stamp,
                parsed,
                mut documents,
            } => {
                let mut problems = parsed.problems;
                if parsed.unreadable {
                    // Keep the last good version searchable.
                    report.problems.extend(problems.iter().cloned());
                    self.problems.insert(rel_path.to_string(), problems);
                    return self.carry_over(rel_path);
                }
                let previous = self.forget(rel_path);
                let shared_path: Arc<str> = rel_path.into();
                let mut kept_ids: Vec<IdKey> = Vec::new();
                let mut keep = vec![true; parsed.records.len()];
                for (i, record) in parsed.records.iter().enumerate() {
                    let key = id_key(record);
                    let owner = self.ids.get(&key).cloned();
                    if let Some(owner) =
                        owner.filter(|owner| &**owner != rel_path || kept_ids.contains(&key))
                    {
                        problems.push(duplicate_problem(record, &owner));
                        keep[i] = false;
                    } else if kept_ids.contains(&key) {
                        problems.push(duplicate_problem(record, rel_path));
                        keep[i] = false;
                    } else {
                        self.ids.insert(key.clone(), Arc::clone(&shared_path));
                        kept_ids.push(key);
                    }
                }
                if keep.iter().any(|k| !k) && stamp.hash != 0 {
                    // The fingerprint must say "re-read me" so the record
                    // is picked up once the other file goes away.
                    stamp.hash = 0;
                    documents = parsed
                        .records
                        .iter()
                        .map(|record| document::build(&self.analyzer, &self.fields, record, stamp))
                        .collect();
                }
                self.writer
                    .delete_term(Term::from_field_text(self.fields.path, rel_path));
                for (docs, keep) in documents.into_iter().zip(keep) {
                    if keep {
                        for doc in docs {
                            self.writer
                                .add_document(doc)
                                .map_err(|e| Error::index(self.location.index_dir(), e))?;
                        }
                    }
                }
                if previous.is_some() {
                    report.updated += 1;
                } else {
                    report.added += 1;
                }
                problems.sort_by_key(|p| (p.line, p.column));
                if problems.is_empty() {
                    if self.problems.remove(rel_path).is_some() {
                        self.status_dirty = true;
                    }
                } else {
                    report.problems.extend(problems.iter().cloned());
                    self.problems.insert(rel_path.to_string(), problems);
                }
                self.known.insert(
                    shared_path,
                    FileState {
                        stamp,
                        ids: kept_ids,
                    },
                );
            }
        }
        Ok(())
    }

    /// During a rebuild, re-adds an unreadable file's last good version
    /// from the index being replaced, marked to be re-read next time.
    fn carry_over(&mut self, rel_path: &str) -> Result<()> {
        if self.known.contains_key(rel_path) {
            return Ok(());
        }
        let Some(previous) = &self.previous else {
            return Ok(());
        };
        let records = stored_records(previous, &[rel_path])
            .map_err(|e| Error::index(self.location.index_dir(), e))?;
        let stamp = FileStamp::default();
        let mut state = FileState::default();
        for record in records {
            for doc in document::build(&self.analyzer, &self.fields, &record, stamp) {
                self.writer
                    .add_document(doc)
                    .map_err(|e| Error::index(self.location.index_dir(), e))?;
            }
            let key = id_key(&record);
            self.ids.insert(key.clone(), record.path.as_str().into());
            state.ids.push(key);
        }
        if !state.ids.is_empty() {
            self.known.insert(rel_path.into(), state);
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let index_dir = self.location.index_dir();
        let payload = serde_json::to_string(&Payload {
            version: self.version.clone(),
        })
        .expect("payload serializes");
        let mut prepared = self
            .writer
            .prepare_commit()
            .map_err(|e| Error::index(&index_dir, e))?;
        prepared.set_payload(&payload);
        prepared.commit().map_err(|e| Error::index(&index_dir, e))?;
        self.pending = false;
        crate::links::refresh(&self.location, &self.reader()?.searcher())?;
        self.write_status()
    }

    fn write_status(&mut self) -> Result<()> {
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
            .map_err(|e| Error::index(location.index_dir(), e))?;
        drop(_lock);
        Ok(Leftovers {
            _known: known,
            _ids: ids,
        })
    }
}

/// The records an index holds for some files (not their trips).
fn stored_records(searcher: &Searcher, paths: &[&str]) -> tantivy::Result<Vec<Record>> {
    use tantivy::collector::DocSetCollector;
    use tantivy::query::TermQuery;
    use tantivy::schema::{IndexRecordOption, Value as _};
    // The old index may have another schema: find its fields by name.
    let schema = searcher.schema();
    let field = |name: &str| schema.get_field(name);
    let (Ok(path_field), Ok(kind_field), Ok(id_field), Ok(record_field)) = (
        field(names::PATH),
        field(names::KIND),
        field(names::ID),
        field("record"),
    ) else {
        return Ok(Vec::new());
    };
    let mut records = Vec::new();
    for path in paths {
        let query = TermQuery::new(
            Term::from_field_text(path_field, path),
            IndexRecordOption::Basic,
        );
        for address in searcher.search(&query, &DocSetCollector)? {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            };
            let Some(kind) = Kind::parse(&text(kind_field)) else {
                continue;
            };
            records.extend(Record::from_stored(
                kind,
                text(id_field),
                text(path_field),
                text(record_field),
            ));
        }
    }
    records.sort_by(|a, b| a.path.cmp(&b.path).then(a.id.cmp(&b.id)));
    Ok(records)
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

fn duplicate_problem(record: &Record, owner: &str) -> Problem {
    Problem {
        severity: crate::record::Severity::Error,
        path: record.path.clone(),
        line: record.location.0,
        column: record.location.1,
        message: format!(
            "duplicate id {:?}: already used by {owner} — give this {} another id",
            record.id,
            record.kind.as_str()
        ),
    }
}

fn create_index(index_dir: &Path, schema: tantivy::schema::Schema) -> Result<Index> {
    if index_dir.exists() {
        std::fs::remove_dir_all(index_dir).map_err(|e| Error::io(index_dir, e))?;
    }
    std::fs::create_dir_all(index_dir).map_err(|e| Error::io(index_dir, e))?;
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
        .create_in_dir(index_dir)
        .map_err(|e| Error::index(index_dir, e))
}

pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes).map_err(|e| Error::io(&temporary, e))?;
    std::fs::rename(&temporary, path).map_err(|e| Error::io(path, e))
}

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
}

impl StoredRecord {
    /// A text field of the record.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.fields.get(key).and_then(serde_json::Value::as_str)
    }
}

impl ReadIndex {
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
            .map_err(|e| Error::index(location.index_dir(), e))?;
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
        let from_file = Kind::parse(&kind)
            .is_some_and(Kind::is_note)
            .then(|| read_record_from_file(location, &path, &id))
            .flatten();
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
/// was built with another schema, analyzer or vocabulary.
pub fn open_for_search(location: &Location) -> Result<ReadIndex> {
    let index_dir = location.index_dir();
    if !index_dir.join("meta.json").exists() {
        return Err(Error::NoIndex {
            path: location.kb.clone(),
        });
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
            Err(error) if attempt >= 5 => return Err(Error::index(&index_dir, error)),
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(20 * attempt)),
        }
    }
}

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
    /// The index's `meta.json` and the knowledge base's vocabulary file
    /// as they were when the reader was last reloaded and the version
    /// checked: while both are the same, neither needs doing again.
    checked: Option<[Option<FileVersion>; 2]>,
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
        ];
        if self.open.is_none() {
            let read = open_for_search(location)?;
            let reader: IndexReader = read
                .index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
                .map_err(|e| Error::index(location.index_dir(), e))?;
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
                .map_err(|e| Error::index(location.index_dir(), e))?;
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
        for (path, text) in files {
            let path = kb.join(path);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
            std::fs::write(path, text).expect("write a file");
        }
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
}
