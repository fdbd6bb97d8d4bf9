//! What the unit tests share: a knowledge base written in a temporary
//! folder, and indexed in full as `dossier index` would.

use std::path::Path;

use crate::error::Result;
use crate::index::{Location, Writer};

/// Writes each `(path, text)` under `kb`, making the folders.
pub(crate) fn write_files<P: AsRef<str>, T: AsRef<str>>(kb: &Path, files: &[(P, T)]) {
    for (path, text) in files {
        let path = kb.join(path.as_ref());
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create a folder");
        std::fs::write(path, text.as_ref()).expect("write a file");
    }
}

/// Indexes the knowledge base at `location` in full (a small writer heap:
/// test folders are small).
pub(crate) fn index_folder(location: &Location) -> Result<()> {
    let mut writer = Writer::open_with_heap(location, "index", 50_000_000)?;
    writer.reconcile(&mut |_| {})?;
    writer.finish()?;
    Ok(())
}
