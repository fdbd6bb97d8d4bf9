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
        // What cannot be read is a problem on every reconcile, kept for
        // `status`; the files known under an unreadable folder stay indexed
        // (a folder closed for a moment must not empty the index).
        let unreadable: Vec<Problem> = walk_errors
            .iter()
            .map(|(path, error)| walk_problem(&self.location.kb, path, error))
            .collect();
        let present: FxHashSet<&str> = files.iter().map(|f| f.rel_path).collect();
        let inside_unreadable = |path: &str| {
            unreadable.iter().any(|problem| {
                path == problem.path
                    || path
                        .strip_prefix(problem.path.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            })
        };
        let gone: Vec<Arc<str>> = self
            .known
            .keys()
            .filter(|p| !present.contains(&***p) && !inside_unreadable(p))
            .cloned()
            .collect();
        for path in gone {
            self.remove_file(&path, &mut report);
        }
        self.problems
            .retain(|path, _| present.contains(path.as_str()) || inside_unreadable(path));
        for problem in unreadable {
            report.problems.push(problem.clone());
            self.problems.insert(problem.path.clone(), vec![problem]);
        }
        // A full reconcile always records its time as the last sync.
        self.status_dirty = true;
        let paths: Vec<String> = files
            .iter()
            .filter(|file| {
                let unchanged = self.known.get(file.rel_path).is_some_and(|state| {
                    state.stamp.hash != 0
                        && state.stamp.size == file.size
                        && state.stamp.mtime == file.mtime
                }) && !self.in_error(file.rel_path);
                if unchanged {
                    report.unchanged += 1;
                }
                !unchanged
            })
            .map(|file| file.rel_path.to_string())
            .collect();
        drop(present);
        drop(files);
        self.upsert_paths(&paths, &mut report, progress, true)?;
        self.finish_batch(&mut report, started)?;
        if !report.committed {
            // An index committed by an older dossier, or whose cache file
            // was deleted: searches would each walk the index.
            crate::links::ensure(&self.location, &self.reader()?.searcher())?;
        }
        Ok(report)
    }
}

/// The problem of a folder or file the walk could not read, named by its
/// path relative to the knowledge base.
pub(super) fn walk_problem(
    kb: &std::path::Path,
    path: &std::path::Path,
    error: &std::io::Error,
) -> Problem {
    let is_folder = std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir());
    let what = if is_folder { "folder" } else { "file" };
    let advice = if error.raw_os_error() == Some(40) {
        "fix or remove the symbolic link"
    } else if error.kind() == std::io::ErrorKind::NotFound {
        "the symbolic link points nowhere; fix or remove it"
    } else {
        "check its permissions"
    };
    Problem {
        severity: crate::record::Severity::Error,
        path: walk::relative(kb, path).unwrap_or_else(|| path.display().to_string()),
        line: 1,
        column: 1,
        message: format!("cannot read {what}: {error} — {advice}"),
    }
}
