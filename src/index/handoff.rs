//! `index` while a watcher runs: instead of failing on the lock, `index`
//! asks the watcher to bring the index up to date and waits for its report.
//!
//! The request is a file in the state folder, `sync-request-ID.json`; the
//! watcher looks for such files on every tick, reconciles once for all of
//! them, and answers each with `sync-reply-ID.json` (the `SyncReport` as
//! JSON, written whole), then removes the request. The asking process polls
//! for its reply and, all the while, the lock: if the watcher is gone (killed
//! mid-request), it withdraws the request and indexes by itself.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::lock::{Holder, lock_holder};
use super::{Access, Location, SyncReport, access_error, write_atomically};
use crate::error::Result;

const REQUEST_PREFIX: &str = "sync-request-";
const REPLY_PREFIX: &str = "sync-reply-";
/// How often the asking process looks for its reply.
const POLL: Duration = Duration::from_millis(50);

/// A watcher's answer to a sync request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncReply {
    /// What the watcher's reconcile changed and found.
    pub report: SyncReport,
    /// Problems in the vocabulary file the watcher runs with.
    pub vocabulary_problems: Vec<String>,
}

fn request_file(location: &Location, id: &str) -> PathBuf {
    location
        .state_dir
        .join(format!("{REQUEST_PREFIX}{id}.json"))
}

fn reply_file(location: &Location, id: &str) -> PathBuf {
    location.state_dir.join(format!("{REPLY_PREFIX}{id}.json"))
}

/// Asks the watcher `holder` to sync and waits, however long its reconcile
/// takes, for its reply. `None` when the watcher went away before it
/// answered (the caller then indexes by itself).
///
/// Fails when the request or the reply cannot be written or read.
pub fn sync_through_watcher(location: &Location, holder: &Holder) -> Result<Option<SyncReply>> {
    let id = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let request = request_file(location, &id);
    let reply = reply_file(location, &id);
    write_atomically(&request, b"{}")?;
    loop {
        match std::fs::read(&reply) {
            Ok(bytes) => {
                let _ = std::fs::remove_file(&reply);
                return match serde_json::from_slice::<SyncReply>(&bytes) {
                    Ok(answer) => Ok(Some(answer)),
                    // Written whole, so never half; a reply from another
                    // dossier version is as good as none.
                    Err(_) => Ok(None),
                };
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(access_error(&reply, &error, Access::Read)),
        }
        if lock_holder(location).is_none_or(|now| now.pid != holder.pid) {
            // The watcher is gone; it may have answered just before.
            let _ = std::fs::remove_file(&request);
            if let Ok(bytes) = std::fs::read(&reply) {
                let _ = std::fs::remove_file(&reply);
                return Ok(serde_json::from_slice(&bytes).ok());
            }
            return Ok(None);
        }
        std::thread::sleep(POLL);
    }
}

/// The ids of the sync requests waiting in the state folder (for the
/// watcher, on every tick: one small folder listing).
pub fn pending_requests(location: &Location) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(&location.state_dir) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let id = name.strip_prefix(REQUEST_PREFIX)?.strip_suffix(".json")?;
            Some(id.to_string())
        })
        .collect();
    ids.sort();
    ids
}

/// Answers a sync request (the watcher, after its reconcile) and removes
/// it.
///
/// Fails when the reply cannot be written.
pub fn answer_request(location: &Location, id: &str, reply: &SyncReply) -> Result<()> {
    write_atomically(
        &reply_file(location, id),
        serde_json::to_string(reply)
            .expect("a sync reply serializes")
            .as_bytes(),
    )?;
    remove_quietly(&request_file(location, id));
    Ok(())
}

fn remove_quietly(path: &Path) {
    let _ = std::fs::remove_file(path);
}
