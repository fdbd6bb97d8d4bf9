//! The tantivy directory a writer uses: tantivy's `MmapDirectory`, except
//! that files written whole (`meta.json`, `.managed.json`) follow the
//! process's umask like every other file dossier creates. tantivy writes
//! them through `tempfile`, which creates files 0600 whatever the umask, so
//! an index built by one account could not be searched by another that may
//! read the knowledge base (segment files are already created with the
//! umask's mode).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, FileSlice, Lock, MmapDirectory, WatchCallback,
    WatchHandle, WritePtr,
};

/// `MmapDirectory` with whole-file writes that follow the umask.
#[derive(Debug, Clone)]
pub(super) struct SharedDirectory {
    inner: MmapDirectory,
    root: PathBuf,
}

impl SharedDirectory {
    /// Opens an existing folder (tantivy's own errors, as `open_in_dir`).
    pub(super) fn open(root: &Path) -> tantivy::Result<SharedDirectory> {
        Ok(SharedDirectory {
            inner: MmapDirectory::open(root)?,
            root: root.to_path_buf(),
        })
    }
}

/// Makes temporary names unique within the process (the pid makes them
/// unique between processes).
static TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// Writes a file whole: into a new file beside it, created with the
/// umask's mode, synced, then renamed over it, so a reader sees the old
/// content or the new, never half of it.
fn write_whole(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("file");
    let temporary = path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        TEMPORARY.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(content)?;
        file.sync_data()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

impl Directory for SharedDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn open_read(&self, path: &Path) -> Result<FileSlice, OpenReadError> {
        self.inner.open_read(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        write_whole(&self.root.join(path), data)
    }

    fn sync_directory(&self) -> std::io::Result<()> {
        self.inner.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_write_replaces_the_file_and_leaves_nothing_behind() {
        let scratch = tempfile::tempdir().expect("temp dir");
        let path = scratch.path().join("meta.json");
        for content in ["first", "second, longer", ""] {
            write_whole(&path, content.as_bytes()).expect("write");
            assert_eq!(std::fs::read_to_string(&path).expect("read"), content);
        }
        let names: Vec<_> = std::fs::read_dir(scratch.path())
            .expect("list")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["meta.json"]);
    }
}
