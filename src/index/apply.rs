//! Applying paths: files are read and analyzed on worker threads, then
//! upserted or removed in path order; duplicate ids are refused, and a file
//! that cannot be read keeps its last good version.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tantivy::schema::Term;
use tantivy::{Searcher, TantivyDocument};

use super::resolve::name_hashes;
use super::writer::{FileState, IdKey, Writer, id_key};
use super::{Access, Progress, SyncReport, index_error};
use crate::document::{self, FileStamp};
use crate::error::Result;
use crate::record::{Kind, ParsedFile, Problem, Record, parse_file};
use crate::schema::names;
use crate::walk;

/// Files read and analyzed together before their documents are added in
/// path order (bounded memory, deterministic duplicate-id resolution).
const CHUNK_FILES: usize = 512;

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

impl Writer {
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
            } else if walk::is_record_path(&rel)
                && let Err(error) = std::fs::metadata(&absolute)
                && std::fs::symlink_metadata(&absolute).is_ok()
            {
                // There but unreadable (a link in a loop or to nothing): a
                // problem, as the reconcile reports it, and its last good
                // version stays.
                let problem = super::reconcile::walk_problem(&self.location.kb, &absolute, &error);
                report.problems.push(problem.clone());
                self.problems.insert(rel.clone(), vec![problem]);
                self.status_dirty = true;
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
        upserts.sort();
        upserts.dedup();
        self.upsert_paths(&upserts, &mut report, &mut |_| {}, false)?;
        self.finish_batch(&mut report, started)?;
        Ok(report)
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
    pub(super) fn forget(&mut self, rel_path: &str) -> Option<FileState> {
        let state = self.known.remove(rel_path)?;
        self.held.remove(rel_path);
        if !state.links.is_empty() {
            self.unregister_links(rel_path, &state);
        }
        for key in &state.ids {
            if self.ids.get(key).is_some_and(|owner| &**owner == rel_path) {
                self.note_id_change(key);
                self.ids.remove(key);
                // Files that lost this id to this one may have it now.
                if let Some(losers) = self.losers.remove(key) {
                    self.requeue.extend(losers);
                }
            }
        }
        Some(state)
    }

    pub(super) fn remove_file(&mut self, rel_path: &str, report: &mut SyncReport) {
        // Its customers are gone: `forget` notes it, and the notes that
        // named them are read again before the batch ends.
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
            && !self.in_error(rel_path)
            && !self.forced.contains(rel_path)
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

    /// Reads the paths into the index (in path order, `CHUNK_FILES` at a
    /// time), then the files whose ids changed hands meanwhile (see
    /// `requeue`), until none is left.
    ///
    /// `unchanged_counted`: every known file not in `paths` was counted
    /// unchanged (a reconcile), so one read again moves to `updated`.
    pub(super) fn upsert_paths(
        &mut self,
        paths: &[String],
        report: &mut SyncReport,
        progress: &mut dyn FnMut(Progress),
        unchanged_counted: bool,
    ) -> Result<()> {
        self.upsert_chunks(paths, report, progress)?;
        let sorted = paths.is_sorted();
        // Each round only moves ids to files whose paths sort first, or
        // links to customers that exist now, so this ends.
        let mut again_read = false;
        self.requeue_changed_links()?;
        while !self.requeue.is_empty() {
            let again: Vec<String> = std::mem::take(&mut self.requeue).into_iter().collect();
            self.forced = again.iter().cloned().collect();
            // A file is counted once per batch: read again, it was already
            // counted as added or updated, or else as unchanged.
            let (added, updated) = (report.added, report.updated);
            self.upsert_chunks(&again, report, &mut |_| {})?;
            let counted_before = again
                .iter()
                .filter(|path| {
                    if sorted {
                        paths.binary_search(path).is_ok()
                    } else {
                        paths.contains(path)
                    }
                })
                .count();
            let read = (report.added - added) + (report.updated - updated);
            let twice = counted_before.min(read);
            let undo_updated = twice.min(report.updated - updated);
            report.updated -= undo_updated;
            report.added -= twice - undo_updated;
            if unchanged_counted {
                report.unchanged = report.unchanged.saturating_sub(read - twice);
            }
            self.forced.clear();
            again_read = true;
            self.requeue_changed_links()?;
        }
        if again_read {
            // A file read again may have lost (or changed) the problems it
            // had the first time: report what holds now, once, in path order.
            let mut seen = std::collections::HashSet::new();
            report.problems.retain(|problem| {
                self.problems
                    .get(&problem.path)
                    .is_some_and(|now| now.contains(problem))
                    && seen.insert((
                        problem.path.clone(),
                        problem.line,
                        problem.column,
                        problem.message.clone(),
                    ))
            });
            report.problems.sort_by(|a, b| a.path.cmp(&b.path));
        }
        Ok(())
    }

    fn upsert_chunks(
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
                mut parsed,
                mut documents,
            } => {
                let mut problems = std::mem::take(&mut parsed.problems);
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
                    // The file whose path sorts first keeps an id, in
                    // whatever order the files come: a later one loses it,
                    // an earlier one takes it and the other is read again.
                    let lost_to = match owner {
                        _ if kept_ids.contains(&key) => Some(shared_path.to_string()),
                        Some(owner) if &*owner == rel_path => None,
                        Some(owner) if owner.as_bytes() < rel_path.as_bytes() => {
                            Some(owner.to_string())
                        }
                        Some(owner) => {
                            self.requeue.insert(owner.to_string());
                            None
                        }
                        None => None,
                    };
                    if let Some(winner) = lost_to {
                        problems.push(duplicate_problem(record, &winner));
                        self.losers
                            .entry(key)
                            .or_default()
                            .insert(rel_path.to_string());
                        keep[i] = false;
                    } else {
                        self.note_id_change(&key);
                        self.ids.insert(key.clone(), Arc::clone(&shared_path));
                        kept_ids.push(key);
                    }
                }
                // Links: notes to their customers (by id, or a unique name),
                // customers by their names; warnings for what names none.
                let mut relink = false;
                // Per record: its `link_names` (see `resolve`).
                let mut hashes: Vec<Vec<u64>> = vec![Vec::new(); parsed.records.len()];
                for (i, record) in parsed.records.iter_mut().enumerate() {
                    if !keep[i] {
                        continue;
                    }
                    if record.kind.is_note() {
                        // As written: a name link becomes an id below.
                        self.note_links_read(&shared_path, record);
                        let (changed, watched, warnings) = self.resolve_links(record);
                        relink |= changed;
                        hashes[i] = watched;
                        problems.extend(warnings);
                    } else {
                        hashes[i] = name_hashes(record);
                    }
                }
                if (keep.iter().any(|k| !k) && stamp.hash != 0) || relink {
                    if keep.iter().any(|k| !k) {
                        // The fingerprint must say "re-read me" so the
                        // record is picked up once the other file goes away.
                        stamp.hash = 0;
                    }
                    // Built again here: a name link now names its id.
                    documents = parsed
                        .records
                        .iter()
                        .map(|record| document::build(&self.analyzer, &self.fields, record, stamp))
                        .collect();
                }
                for (docs, hashes) in documents.iter_mut().zip(&hashes) {
                    if let Some(doc) = docs.first_mut() {
                        for hash in hashes {
                            doc.add_u64(self.fields.link_names, *hash);
                        }
                    }
                }
                // Each customer with its own names (a file may hold several).
                let names: Vec<(Box<str>, Vec<u64>)> = parsed
                    .records
                    .iter()
                    .zip(&hashes)
                    .zip(&keep)
                    .filter(|((record, _), keep)| **keep && !record.kind.is_note())
                    .map(|((record, hashes), _)| (id_key(record).1, hashes.clone()))
                    .collect();
                let mut links: Vec<u64> = hashes.into_iter().flatten().collect();
                self.writer
                    .delete_term(Term::from_field_text(self.fields.path, rel_path));
                for (docs, keep) in documents.into_iter().zip(keep) {
                    if keep {
                        for doc in docs {
                            self.writer.add_document(doc).map_err(|e| {
                                index_error(&self.location.index_dir(), e, Access::Write)
                            })?;
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
                links.sort_unstable();
                links.dedup();
                let state = FileState {
                    stamp,
                    ids: kept_ids.into(),
                    links: links.into(),
                };
                if !state.links.is_empty() {
                    self.register_links(&shared_path, &names, &state.links);
                }
                self.known.insert(shared_path, state);
            }
        }
        Ok(())
    }

    /// Keeps an unreadable file's last good version: what the index has
    /// of it stays, and during a rebuild it is re-added from the index
    /// being replaced, marked to be re-read next time.
    ///
    /// Path order holds for last good versions too: a record whose id a
    /// readable file whose path sorts first has is held back (stored, not
    /// searchable: `HELD_PREFIX`), and comes back when that file lets go
    /// of the id. The records are added again from the index when that may
    /// have changed: an id of theirs was claimed or freed, or the file was
    /// read again because its links or ids changed hands (`forced`).
    fn carry_over(&mut self, rel_path: &str) -> Result<()> {
        if let Some(state) = self.known.get(rel_path) {
            let taken = |key: &IdKey| {
                self.ids
                    .get(key)
                    .is_some_and(|owner| owner.as_bytes() < rel_path.as_bytes())
            };
            let claimed = state
                .ids
                .iter()
                .any(|key| self.ids.get(key).is_some_and(|owner| &**owner != rel_path));
            let freed = self
                .held
                .get(rel_path)
                .is_some_and(|held| held.iter().any(|key| !taken(key)));
            // A note's text lives in its file only (`document::build`): a
            // last good version read from its file has its words in the
            // index, one added again from the index has not. Added again
            // now, a broken note answers the same whether the index is
            // rebuilt meanwhile or not: everything but its text.
            let text_indexed =
                state.stamp.size != 0 && state.ids.iter().any(|(customer, _)| !customer);
            if !claimed && !freed && !text_indexed && !self.forced.contains(rel_path) {
                return Ok(());
            }
            let mut records = stored_records(&self.reader()?.searcher(), &[rel_path])
                .map_err(|e| index_error(&self.location.index_dir(), e, Access::Read))?;
            if records.is_empty()
                && let Some(previous) = &self.previous
            {
                records = stored_records(previous, &[rel_path])
                    .map_err(|e| index_error(&self.location.index_dir(), e, Access::Write))?;
            }
            if records.is_empty() {
                // Read whole in this batch and broken since: not committed
                // yet, so nothing to add again. It stays as it is, unless
                // a file whose path sorts first claims one of its ids.
                if claimed && self.forget(rel_path).is_some() {
                    self.writer
                        .delete_term(Term::from_field_text(self.fields.path, rel_path));
                }
                return Ok(());
            }
            self.forget(rel_path);
            self.writer
                .delete_term(Term::from_field_text(self.fields.path, rel_path));
            // Committed even when nothing else in the batch changed.
            self.pending = true;
            return self.add_last_good(rel_path, records);
        }
        let Some(previous) = &self.previous else {
            return Ok(());
        };
        let records = stored_records(previous, &[rel_path])
            .map_err(|e| index_error(&self.location.index_dir(), e, Access::Write))?;
        self.add_last_good(rel_path, records)
    }

    /// Adds a last good version's records (see `carry_over`): each as
    /// `apply_loaded` would (a note's links resolved, a customer's names
    /// entered), or held back when its id is taken by a path that sorts
    /// first.
    fn add_last_good(&mut self, rel_path: &str, records: Vec<Record>) -> Result<()> {
        let stamp = FileStamp::default();
        let mut state = FileState::default();
        let mut ids: Vec<IdKey> = Vec::new();
        let mut links: Vec<u64> = Vec::new();
        let mut names: Vec<(Box<str>, Vec<u64>)> = Vec::new();
        let mut held: Vec<IdKey> = Vec::new();
        let shared_path: Arc<str> = rel_path.into();
        let add = |writer: &mut Self, doc: TantivyDocument| {
            writer
                .writer
                .add_document(doc)
                .map(drop)
                .map_err(|e| index_error(&writer.location.index_dir(), e, Access::Write))
        };
        let known = !records.is_empty();
        for mut record in records {
            let key = id_key(&record);
            match self.ids.get(&key) {
                Some(owner) if owner.as_bytes() < rel_path.as_bytes() => {
                    // Read again when that file lets go of it.
                    self.losers
                        .entry(key.clone())
                        .or_default()
                        .insert(rel_path.to_string());
                    add(self, held_document(&self.fields, &record))?;
                    held.push(key);
                    continue;
                }
                Some(owner) => {
                    self.requeue.insert(owner.to_string());
                }
                None => {}
            }
            // A note's links as `apply_loaded` resolves them, a customer's
            // names as it enters them: a note that links by name, or to a
            // customer by its name, finds it here too.
            let hashes = if record.kind.is_note() {
                self.note_links_read(&shared_path, &record);
                let (_, watched, _) = self.resolve_links(&mut record);
                watched
            } else {
                name_hashes(&record)
            };
            let mut documents = document::build(&self.analyzer, &self.fields, &record, stamp);
            if let Some(doc) = documents.first_mut() {
                for hash in &hashes {
                    doc.add_u64(self.fields.link_names, *hash);
                }
            }
            for doc in documents {
                add(self, doc)?;
            }
            links.extend(hashes.iter().copied());
            if !record.kind.is_note() {
                names.push((key.1.clone(), hashes));
            }
            // Notes read before it found no such customer: noted, they are
            // read again now that it is back.
            self.note_id_change(&key);
            self.ids.insert(key.clone(), Arc::clone(&shared_path));
            ids.push(key);
        }
        if !known {
            return Ok(());
        }
        links.sort_unstable();
        links.dedup();
        state.links = links.into();
        if !state.links.is_empty() {
            self.register_links(&shared_path, &names, &state.links);
        }
        if !held.is_empty() {
            self.held.insert(Arc::clone(&shared_path), held);
        }
        state.ids = ids.into();
        self.known.insert(shared_path, state);
        Ok(())
    }
}

/// The kind of a held-back record's document is this and its own kind
/// (`held-customer`): stored, so the record can come back, and found by
/// no search, count or agenda (they ask for the kinds themselves).
pub(super) const HELD_PREFIX: &str = "held-";

/// The document of a held-back record: its file, id and stored record only.
fn held_document(fields: &crate::schema::Fields, record: &Record) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.path, &record.path);
    doc.add_text(
        fields.kind,
        format!("{HELD_PREFIX}{}", record.kind.as_str()),
    );
    doc.add_text(fields.id, &record.id);
    doc.add_u64(fields.fp_hash, 0);
    doc.add_u64(fields.fp_size, 0);
    doc.add_i64(fields.fp_mtime, 0);
    doc.add_text(fields.record, &record.source);
    doc
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
            let kind = text(kind_field);
            let Some(kind) = Kind::parse(kind.strip_prefix(HELD_PREFIX).unwrap_or(&kind)) else {
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
