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
    size_and_mtime(&std::fs::metadata(path).ok()?)
}

fn size_and_mtime(metadata: &std::fs::Metadata) -> Option<(u64, i64)> {
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

/// A directory to list: its path, and its path relative to the root with
/// a trailing `/` (empty for the root).
type Dir = (PathBuf, String);

/// What one walking thread found: paths in one buffer (a few large
/// allocations, not one per file: see `Files`), their stats, and the
/// directories it could not read.
#[derive(Default)]
struct Found {
    paths: String,
    entries: Vec<(usize, usize, u64, i64)>,
    errors: Vec<(PathBuf, std::io::Error)>,
}

/// Directories waiting to be listed, and how many are being listed (a
/// thread with nothing to take waits while another may still find some).
struct Queue {
    waiting: std::sync::Mutex<(Vec<Dir>, usize)>,
    changed: std::sync::Condvar,
}

impl Queue {
    /// The next directory to list, or `None` when every one is done.
    fn take(&self) -> Option<Dir> {
        let mut state = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(dir) = state.0.pop() {
                state.1 += 1;
                return Some(dir);
            }
            if state.1 == 0 {
                return None;
            }
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// One directory listed, with the directories found in it.
    fn done(&self, found: Vec<Dir>) {
        let mut state = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        state.0.extend(found);
        state.1 -= 1;
        self.changed.notify_all();
    }
}

/// A directory being listed: says it is done when dropped, even by a
/// panic, so that the other threads never wait for it forever.
struct Listing<'a> {
    queue: &'a Queue,
    subdirectories: Vec<Dir>,
}

impl Drop for Listing<'_> {
    fn drop(&mut self) {
        self.queue.done(std::mem::take(&mut self.subdirectories));
    }
}

/// Every record file under `root`, sorted by path. `skip` is a directory
/// never to enter (the index, when it lives inside the knowledge base).
/// Unreadable directories, and record-named links that cannot be followed
/// (a loop, a link to nothing), are skipped and returned as (path, error).
///
/// Every core takes directories from a shared queue, lists each and stats
/// its files through the directory (`DirEntry::metadata`: the kernel looks
/// up only the file's name, not its whole path again). Stat is most of the
/// cost of a no-change reconcile.
pub fn walk(root: &Path, skip: &Path) -> (Files, Vec<(PathBuf, std::io::Error)>) {
    let queue = Queue {
        waiting: std::sync::Mutex::new((vec![(root.to_path_buf(), String::new())], 0)),
        changed: std::sync::Condvar::new(),
    };
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 8);
    let found: Vec<Found> = std::thread::scope(|scope| {
        let queue = &queue;
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(move || {
                    let mut found = Found::default();
                    while let Some(dir) = queue.take() {
                        let mut listing = Listing {
                            queue,
                            subdirectories: Vec::new(),
                        };
                        listing.subdirectories = list(dir, skip, &mut found);
                    }
                    found
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a walking thread never panics"))
            .collect()
    });
    let mut paths = String::with_capacity(found.iter().map(|f| f.paths.len()).sum());
    let mut entries = Vec::with_capacity(found.iter().map(|f| f.entries.len()).sum());
    let mut errors = Vec::new();
    for part in found {
        let base = paths.len();
        paths.push_str(&part.paths);
        entries.extend(
            part.entries
                .into_iter()
                .map(|(start, end, size, mtime)| (base + start, base + end, size, mtime)),
        );
        errors.extend(part.errors);
    }
    entries.sort_unstable_by(|a, b| paths[a.0..a.1].cmp(&paths[b.0..b.1]));
    (Files { paths, entries }, errors)
}

/// Lists one directory into `found`: its record files with their stats.
/// Returns its subdirectories.
fn list((dir, prefix): Dir, skip: &Path, found: &mut Found) -> Vec<Dir> {
    let mut subdirectories = Vec::new();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) => {
            found.errors.push((dir, error));
            return subdirectories;
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
                subdirectories.push((path, format!("{prefix}{name}/")));
            }
        } else if is_record_name(name) {
            // A symbolic link is followed, as `stat` does; one that cannot
            // be (a loop, a link to nothing) is reported, not skipped.
            let stat = if file_type.is_symlink() {
                match std::fs::metadata(entry.path()) {
                    Ok(meta) => size_and_mtime(&meta),
                    Err(error) => {
                        found.errors.push((entry.path(), error));
                        None
                    }
                }
            } else {
                entry.metadata().ok().as_ref().and_then(size_and_mtime)
            };
            if let Some((size, mtime)) = stat {
                let start = found.paths.len();
                found.paths.push_str(&prefix);
                found.paths.push_str(name);
                found.entries.push((start, found.paths.len(), size, mtime));
            }
        }
    }
    subdirectories
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

    #[test]
    fn walks_many_folders_on_every_core_and_follows_links() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        let mut expected = Vec::new();
        for folder in 0..40 {
            for file in 0..(folder % 7) {
                let path = format!("n/{:02}/deep/{file}.json", folder);
                let full = root.join(&path);
                std::fs::create_dir_all(full.parent().expect("has parent")).expect("mkdir");
                std::fs::write(&full, "x".repeat(folder + file)).expect("write");
                expected.push((path, (folder + file) as u64));
            }
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("n/01/deep/0.json"), root.join("link.json"))
                .expect("symlink");
            expected.push(("link.json".to_string(), 1));
            std::os::unix::fs::symlink(root.join("missing.json"), root.join("dangling.json"))
                .expect("symlink");
        }
        expected.sort();
        let (files, errors) = walk(root, &root.join(".dossier"));
        let found: Vec<(String, u64)> = files
            .iter()
            .map(|f| (f.rel_path.to_string(), f.size))
            .collect();
        assert_eq!(found, expected);
        // A link to nothing is reported (see
        // `a_link_that_cannot_be_followed_is_an_error_not_a_gap`).
        let failed: Vec<PathBuf> = errors.into_iter().map(|(path, _)| path).collect();
        assert_eq!(failed, [root.join("dangling.json")]);
        for file in files.iter() {
            assert_eq!(
                stat(&root.join(file.rel_path)),
                Some((file.size, file.mtime))
            );
        }
        let (_, errors) = walk(&root.join("no such folder"), &root.join(".dossier"));
        assert_eq!(errors.len(), 1, "an unreadable folder is reported");
    }

    #[test]
    fn a_link_that_cannot_be_followed_is_an_error_not_a_gap() {
        let scratch = tempfile::tempdir().expect("temp dir");
        let root = scratch.path();
        std::fs::write(root.join("good.json"), "{}").expect("write");
        std::os::unix::fs::symlink("loop.json", root.join("loop.json")).expect("loop");
        std::os::unix::fs::symlink("nowhere.json", root.join("dangling.json")).expect("link");
        std::os::unix::fs::symlink("good.json", root.join("link.json")).expect("link");
        let (files, errors) = walk(root, &root.join(".dossier"));
        let paths: Vec<&str> = files.iter().map(|f| f.rel_path).collect();
        assert_eq!(paths, ["good.json", "link.json"]);
        let mut failed: Vec<String> = errors
            .iter()
            .map(|(path, _)| relative(root, path).expect("inside"))
            .collect();
        failed.sort();
        assert_eq!(failed, ["dangling.json", "loop.json"]);
    }
}
