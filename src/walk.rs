//! The knowledge-base directory as dossier sees it: which files are
//! records, and what their stat says. Hidden files, `.dossier/`, editor
//! swap and temporary files are never records.

use std::path::{Path, PathBuf};

/// A candidate record file and its stat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileEntry<'a> {
    /// Path relative to the knowledge base, with `/` separators.
    pub rel_path: &'a str,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime: i64,
}

/// The record files a walk found, sorted by path. The paths share one
/// buffer: a walk over 300k files then makes a handful of large
/// allocations, which go back to the operating system when freed, instead
/// of 300k small ones that would stay in a long-running watcher's heap.
#[derive(Debug, Default)]
pub struct Files {
    paths: String,
    /// (start, end) of each path in `paths`, with its stat.
    entries: Vec<(usize, usize, u64, i64)>,
}

impl Files {
    /// The files, in path order.
    pub fn iter(&self) -> impl Iterator<Item = FileEntry<'_>> + '_ {
        self.entries
            .iter()
            .map(|&(start, end, size, mtime)| FileEntry {
                rel_path: &self.paths[start..end],
                size,
                mtime,
            })
    }
}

/// True when a file name can be a record: a visible `.json` file that is no
/// editor's temporary copy.
pub fn is_record_name(name: &str) -> bool {
    !name.starts_with('.')
        && !name.starts_with('~')
        && !name.starts_with("#")
        && name.to_ascii_lowercase().ends_with(".json")
}

/// True when a relative path can hold a record: every component visible,
/// and the file name a record name.
pub fn is_record_path(rel_path: &str) -> bool {
    let mut components = rel_path.split('/').peekable();
    while let Some(component) = components.next() {
        if components.peek().is_none() {
            return is_record_name(component);
        }
        if component.starts_with('.') || component.is_empty() {
            return false;
        }
    }
    false
}

/// The relative `/` path of `path` inside `root`, if it is inside.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let joined = parts?.join("/");
    (!joined.is_empty()).then_some(joined)
}

/// Stat of one file: None when it does not exist or is not a regular file.
pub fn stat(path: &Path) -> Option<(u64, i64)> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    let mtime = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    Some((metadata.len(), mtime))
}

/// Every record file under `root`, sorted by path. `skip` is a directory
/// never to enter (the index, when it lives inside the knowledge base).
/// Unreadable directories are skipped and returned as (path, error).
///
/// Directories are listed first (`read_dir` says which entries are
/// directories without a stat); the files are then stat'ed on every core,
/// since stat is most of the cost of a no-change reconcile.
pub fn walk(root: &Path, skip: &Path) -> (Files, Vec<(PathBuf, std::io::Error)>) {
    // Candidate paths, relative, in one buffer: (start, end) of each.
    let mut paths = String::new();
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    let mut errors = Vec::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) => {
                errors.push((dir, error));
                continue;
            }
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') {
                continue;
            }
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                let path = entry.path();
                if path != skip {
                    stack.push((path, format!("{prefix}{name}/")));
                }
            } else if is_record_name(name) {
                let start = paths.len();
                paths.push_str(&prefix);
                paths.push_str(name);
                candidates.push((start, paths.len()));
            }
        }
    }
    // The threads return plain numbers: strings allocated there would stay
    // in their malloc arenas after they are freed (measured: ~50 MB held by a
    // watcher over 300k files).
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let per_worker = candidates.len().div_ceil(workers).max(1);
    let stats: Vec<Option<(u64, i64)>> = std::thread::scope(|scope| {
        let paths = &paths;
        let handles: Vec<_> = candidates
            .chunks(per_worker)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|&(start, end)| stat(&root.join(&paths[start..end])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().expect("a stat thread never panics"))
            .collect()
    });
    let mut entries: Vec<(usize, usize, u64, i64)> = candidates
        .into_iter()
        .zip(stats)
        .filter_map(|((start, end), stat)| {
            let (size, mtime) = stat?;
            Some((start, end, size, mtime))
        })
        .collect();
    entries.sort_unstable_by(|a, b| paths[a.0..a.1].cmp(&paths[b.0..b.1]));
    (Files { paths, entries }, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_paths() {
        for (path, expected) in [
            ("customers/c001.json", true),
            ("customers/c030 Li Na.json", true),
            ("客户/王建国.JSON", true),
            ("customers/.c001.json", false),
            (".dossier/index/meta.json", false),
            ("customers/c001.json~", false),
            ("customers/.c001.json.swp", false),
            ("customers/4913", false),
            ("customers/.#c001.json", false),
            ("customers/c001.txt", false),
            ("a/.hidden/c.json", false),
        ] {
            assert_eq!(is_record_path(path), expected, "{path}");
        }
    }

    #[test]
    fn walks_only_records() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        for path in [
            "customers/a.json",
            "customers/.b.json",
            ".dossier/x.json",
            "notes/sub/c.json",
            "notes/d.json~",
        ] {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().expect("has parent")).expect("mkdir");
            std::fs::write(full, "{}").expect("write");
        }
        let (files, errors) = walk(root, &root.join(".dossier"));
        let names: Vec<&str> = files.iter().map(|f| f.rel_path).collect();
        assert_eq!(names, vec!["customers/a.json", "notes/sub/c.json"]);
        assert!(errors.is_empty());
    }
}
