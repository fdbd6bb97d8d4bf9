//! The full reconcile: walks the knowledge base and brings the index in
//! line with it, reading again only the files whose size or time changed.

use std::sync::Arc;
use std::time::Instant;

use rustc_hash::FxHashSet;

use super::writer::Writer;
use super::{Progress, SyncReport};
use crate::error::Result;
use crate::record::Problem;
use crate::walk;

impl Writer {
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
}
