//! Customers that notes link to but that have no profile in the index.
//!
//! A note may name a customer whose file does not exist (yet); search must
//! neither show nor count such a customer. Finding them takes a walk over
//! every document, so the writer does it once after each commit and keeps
//! the answer beside the index (`missing-customers.json`), tagged with the
//! commit it describes: its segments and their deletions. A search reading
//! that same commit uses the file; one reading any other commit (the writer
//! has just committed again, or never wrote the file) walks the index itself.
//! The file is a cache: deleting it changes nothing but speed.

use std::path::PathBuf;

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};
use tantivy::Searcher;

use super::{Access, Location, Profiles, index_error, write_atomically};
use crate::error::Result;
use crate::fold::stable_hash;
use crate::schema::names;

#[derive(Serialize, Deserialize)]
struct CacheFile {
    /// `commit_tag` of the commit the keys were computed from.
    commit: String,
    /// Customer keys linked from notes with no customer document.
    missing: Vec<u64>,
}

fn cache_file(location: &Location) -> PathBuf {
    location.state_dir.join("missing-customers.json")
}

/// What identifies the documents a searcher sees: each segment with its
/// size and number of deletions.
fn commit_tag(searcher: &Searcher) -> String {
    let mut parts: Vec<String> = searcher
        .segment_readers()
        .iter()
        .map(|segment| {
            format!(
                "{}:{}:{}",
                segment.segment_id().uuid_string(),
                segment.max_doc(),
                segment.num_deleted_docs()
            )
        })
        .collect();
    parts.sort_unstable();
    format!("{:016x}", stable_hash(parts.join(",").as_bytes()))
}

/// The customer keys that live documents link to but no live customer
/// document has, by walking every document.
fn compute(searcher: &Searcher) -> tantivy::Result<FxHashSet<u64>> {
    let mut customers = FxHashSet::default();
    let mut linked = FxHashSet::default();
    for segment in searcher.segment_readers() {
        let keys = segment.fast_fields().u64(names::CUST)?;
        let profiles = Profiles::of(segment)?;
        for doc in segment.doc_ids_alive() {
            if profiles.contains(doc) {
                customers.extend(keys.values_for_doc(doc));
            } else {
                linked.extend(keys.values_for_doc(doc));
            }
        }
    }
    // A private document's key (`PRIVATE_KEY`) is its customer's, not a link.
    linked.retain(|key| key & crate::document::PRIVATE_KEY == 0 && !customers.contains(key));
    Ok(linked)
}

/// Works out the missing customers of the commit a searcher reads and
/// stores them for later searches. Called by the writer after each commit.
pub fn refresh(location: &Location, searcher: &Searcher) -> Result<()> {
    let missing =
        compute(searcher).map_err(|e| index_error(&location.index_dir(), e, Access::Read))?;
    let mut missing: Vec<u64> = missing.into_iter().collect();
    missing.sort_unstable();
    let file = CacheFile {
        commit: commit_tag(searcher),
        missing,
    };
    write_atomically(
        &cache_file(location),
        serde_json::to_string(&file)
            .expect("missing customers serialize")
            .as_bytes(),
    )
}

/// Like `refresh`, only when the stored file does not describe the commit
/// this searcher reads.
pub fn ensure(location: &Location, searcher: &Searcher) -> Result<()> {
    match cached(location, searcher) {
        Some(_) => Ok(()),
        None => refresh(location, searcher),
    }
}

/// The stored missing customers, if they describe this searcher's commit.
fn cached(location: &Location, searcher: &Searcher) -> Option<CacheFile> {
    std::fs::read(cache_file(location))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
        .filter(|file| file.commit == commit_tag(searcher))
}

/// The customer keys that notes in this searcher's commit link to but that
/// have no customer document: from the writer's file when it describes
/// this commit, else by walking the index.
pub fn missing_customers(location: &Location, searcher: &Searcher) -> Result<FxHashSet<u64>> {
    match cached(location, searcher) {
        Some(file) => Ok(file.missing.into_iter().collect()),
        None => compute(searcher).map_err(|e| index_error(&location.index_dir(), e, Access::Read)),
    }
}
