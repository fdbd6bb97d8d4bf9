//! The writer lock (`writer.lock` in the state folder): one writer per
//! index, and the file names which process holds it.

use std::fs::File;
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::{Access, Location, access_error};
use crate::error::{Error, Result};

/// Who holds the writer lock.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// What holds it: `watch`, `index`, or `search-build` (a one-shot
    /// search building a missing index).
    pub command: String,
    /// When it started (RFC 3339).
    pub started: String,
}

/// The lock holder's command for a watcher.
pub const WATCH: &str = "watch";
/// The lock holder's command for `dossier index`.
pub const INDEX: &str = "index";
/// The lock holder's command for a one-shot search building a missing index.
pub const SEARCH_BUILD: &str = "search-build";

impl Holder {
    /// True for a writer that runs until stopped (a watcher): others wait
    /// for a short-lived one, never for this.
    pub fn is_long_lived(&self) -> bool {
        self.command == WATCH
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let command = match self.command.as_str() {
            SEARCH_BUILD => "search (building the index)",
            other => other,
        };
        write!(
            f,
            "dossier {command} (pid {}) since {}",
            self.pid, self.started
        )
    }
}

/// The process holding the writer lock, if any. Asks the OS, so a lock
/// left by a killed process never counts.
pub fn lock_holder(location: &Location) -> Option<Holder> {
    // Read-only: an account that may only read the index still learns
    // who writes it.
    let file = File::open(location.lock_file()).ok()?;
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

/// Takes the writer lock, or says who holds it (`None`: held, by a
/// process that has not written its name yet, or that cannot be read).
pub(super) fn try_acquire(
    location: &Location,
    command: &str,
) -> Result<std::result::Result<File, Option<Holder>>> {
    match acquire_lock(location, command) {
        Ok(file) => Ok(Ok(file)),
        Err(Error::Busy { .. }) => Ok(Err(lock_holder(location).filter(|h| h.pid != 0))),
        Err(other) => Err(other),
    }
}

pub(super) fn acquire_lock(location: &Location, command: &str) -> Result<File> {
    let path = location.lock_file();
    let mut file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| access_error(&path, &e, Access::Write))?;
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
    file.set_len(0)
        .map_err(|e| access_error(&path, &e, Access::Write))?;
    file.write_all(
        serde_json::to_string(&holder)
            .expect("holder serializes")
            .as_bytes(),
    )
    .map_err(|e| access_error(&path, &e, Access::Write))?;
    Ok(file)
}
