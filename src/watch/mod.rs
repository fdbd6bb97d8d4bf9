//! Live sync: keeps the index equal to the directory while running. Events
//! only say *which* paths to look at again, never what happened to them:
//! every named path is stat'ed and upserted or removed. A rescan flag, lost
//! events or a watcher error trigger a full reconcile, and a light periodic
//! reconcile runs as a safety net.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use notify::{self, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher as _};

mod debounce;
use debounce::{Batch as DebounceEventResult, TimedEvent};

use crate::error::{Error, Result};
use crate::index::{Location, SyncReport, Writer, handoff};
use crate::vocab::KB_VOCAB_FILE;

/// How long the watcher waits for more events before handing a batch
/// over: short, because saved → searchable must stay under 150 ms.
const DEBOUNCE: Duration = Duration::from_millis(40);
/// The oldest a batch gets while events keep coming.
const LONGEST_BATCH: Duration = Duration::from_millis(400);
/// How often the loop looks at the stop flag when nothing happens.
const IDLE_WAKE: Duration = Duration::from_millis(200);
/// The tantivy writer heap of a watcher (small: it runs all day).
pub const WATCH_HEAP_BYTES: usize = 24 * 1024 * 1024;

/// How to watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchOptions {
    /// Poll every this often instead of using inotify (network drives).
    pub poll: Option<Duration>,
    /// Run a stat-only reconcile this often as a safety net.
    pub reconcile_every: Duration,
}

/// What the watcher tells its caller, who decides how to show it.
#[derive(Debug)]
pub enum WatchEvent {
    /// Watching started, by inotify or by polling.
    Started {
        /// `inotify`, or `polling every N ms`.
        mode: String,
    },
    /// A batch of changes was applied; `latency` runs from the first event
    /// of the batch to the commit (searchable).
    Batch {
        /// What changed.
        report: SyncReport,
        /// First event → searchable.
        latency: Duration,
    },
    /// A full reconcile ran, and why.
    Reconciled {
        /// What changed.
        report: SyncReport,
        /// Why it ran.
        reason: String,
    },
    /// Something the user should know that did not stop the watcher.
    Warning(String),
}

/// The file watcher, inotify or polling; dropping it stops it (and the
/// thread that gathers its events ends after handing over the last batch).
enum AnyWatcher {
    Native(RecommendedWatcher),
    Poll(PollWatcher),
}

impl AnyWatcher {
    /// Stops the watcher (its thread ends and its channel closes).
    fn stop(self) {
        match self {
            AnyWatcher::Native(watcher) => drop(watcher),
            AnyWatcher::Poll(watcher) => drop(watcher),
        }
    }
}

/// Whether an event can matter: not a read, and not only about dossier's
/// own folder (its index writes would otherwise wake it after each commit).
fn keeps(state_dir: PathBuf) -> impl Fn(&notify::Event) -> bool + Send + 'static {
    move |event| {
        !matches!(event.kind, EventKind::Access(_))
            && (event.paths.is_empty() || event.paths.iter().any(|p| !p.starts_with(&state_dir)))
    }
}

/// Starts watching the knowledge base, by inotify or (`poll`) polling
/// every so often, and the thread that gathers its events into batches.
fn start_watching(
    location: &Location,
    poll: Option<Duration>,
) -> notify::Result<(AnyWatcher, Receiver<DebounceEventResult>)> {
    let (sender, raw) = channel();
    // Every raw event is kept (see `debounce`): the watcher looks at every
    // named path again, so it needs no file-ID cache to pair renames.
    let watcher = match poll {
        None => {
            let mut watcher = RecommendedWatcher::new(sender, notify::Config::default())?;
            watcher.watch(&location.kb, RecursiveMode::Recursive)?;
            AnyWatcher::Native(watcher)
        }
        Some(interval) => {
            let config = notify::Config::default().with_poll_interval(interval);
            let mut watcher = PollWatcher::new(sender, config)?;
            watcher.watch(&location.kb, RecursiveMode::Recursive)?;
            AnyWatcher::Poll(watcher)
        }
    };
    let keep = keeps(location.state_dir.clone());
    let batches = debounce::start(raw, DEBOUNCE, LONGEST_BATCH, keep)?;
    Ok((watcher, batches))
}

/// True for paths whose changes can matter: not inside dossier's own
/// folder, not hidden, not an editor's swap, backup or probe file.
pub fn is_interesting(location: &Location, path: &Path) -> bool {
    if path.starts_with(&location.state_dir) {
        return false;
    }
    let Ok(relative) = path.strip_prefix(&location.kb) else {
        return false;
    };
    let mut components = relative.components().peekable();
    while let Some(component) = components.next() {
        let Some(name) = component.as_os_str().to_str() else {
            return false;
        };
        if name.starts_with('.') {
            return false;
        }
        if components.peek().is_none() {
            let lower = name.to_ascii_lowercase();
            let is_editor_file = lower.ends_with('~')
                || lower.ends_with(".swp")
                || lower.ends_with(".swx")
                || lower.ends_with(".tmp")
                || lower.starts_with('#')
                || name == "4913";
            return !is_editor_file;
        }
    }
    false
}

/// What one debounced batch of events asks for.
struct Batch {
    /// Paths to look at again, sorted, without duplicates.
    paths: Vec<PathBuf>,
    /// The watcher lost events: reconcile everything.
    rescan: bool,
    /// The knowledge base's vocabulary file, or its team file (whose
    /// private fields are part of the index version too), changed: the
    /// file's name, and the writer reopens (rebuilding if need be).
    vocabulary_changed: Option<&'static str>,
    /// When the first event of the batch happened.
    first_event: Option<Instant>,
}

/// Sorts a batch of events into paths to look at again, ignoring access
/// events and paths that are not data.
fn collect_batch(events: &[TimedEvent], location: &Location, vocabulary_file: &Path) -> Batch {
    let mut batch = Batch {
        paths: Vec::new(),
        rescan: events.iter().any(|e| e.event.need_rescan()),
        vocabulary_changed: None,
        first_event: events.iter().map(|e| e.time).min(),
    };
    for event in events
        .iter()
        .map(|e| &e.event)
        .filter(|e| !matches!(e.kind, EventKind::Access(_)))
    {
        for path in &event.paths {
            if path.as_path() == vocabulary_file {
                batch.vocabulary_changed = Some(KB_VOCAB_FILE);
            } else if path.as_path() == location.kb.join(crate::team::TEAM_FILE) {
                batch.vocabulary_changed =
                    batch.vocabulary_changed.or(Some(crate::team::TEAM_FILE));
            } else if is_interesting(location, path) {
                batch.paths.push(path.clone());
            }
        }
    }
    batch.paths.sort();
    batch.paths.dedup();
    batch
}

/// Applies changed paths: each is looked at again, except when a folder was
/// renamed, moved or removed: the paths under it are not named one by
/// one, so then everything is looked at again. Says whether it reconciled everything.
fn sync_paths(writer: &mut Writer, paths: &[PathBuf]) -> Result<(SyncReport, bool)> {
    let touches_folder = paths.iter().any(|path| {
        path.is_dir()
            || (!path.exists()
                && !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(crate::walk::is_record_name))
    });
    Ok(if touches_folder {
        (writer.reconcile(&mut |_| {})?, true)
    } else {
        (writer.apply(paths)?, false)
    })
}

/// Watches until `stop` is set, then finishes the current batch, commits
/// and returns. `on_event` is told of every batch and reconcile.
///
/// Fails when the directory cannot be watched at all, or the index cannot
/// be written; one bad file never stops it.
pub fn watch(
    mut writer: Writer,
    options: WatchOptions,
    stop: Arc<AtomicBool>,
    on_event: &mut dyn FnMut(WatchEvent),
) -> Result<()> {
    let location = writer.location().clone();
    let watch_error = |message: String| Error::Watch {
        path: location.kb.clone(),
        message,
    };
    let (debouncer, events) = match options.poll {
        Some(interval) => {
            start_watching(&location, Some(interval)).map_err(|e| watch_error(e.to_string()))?
        }
        None => match start_watching(&location, None) {
            Ok(started) => started,
            Err(error) => {
                let fallback = Duration::from_secs(2);
                let hint = if matches!(error.kind, notify::ErrorKind::MaxFilesWatch) {
                    "the inotify watch limit is exhausted — raise it with `sudo sysctl fs.inotify.max_user_watches=524288` (and in /etc/sysctl.conf to keep it)"
                } else {
                    "inotify is unavailable"
                };
                on_event(WatchEvent::Warning(format!(
                    "{}: {error}: {hint}; falling back to polling every {} s",
                    location.kb.display(),
                    fallback.as_secs()
                )));
                start_watching(&location, Some(fallback)).map_err(|e| watch_error(e.to_string()))?
            }
        },
    };
    on_event(WatchEvent::Started {
        mode: match (&debouncer, options.poll) {
            (AnyWatcher::Native(_), _) => "inotify".into(),
            (AnyWatcher::Poll(_), Some(interval)) => {
                format!("polling every {} ms", interval.as_millis())
            }
            (AnyWatcher::Poll(_), None) => "polling every 2000 ms".into(),
        },
    });
    // Events between the first reconcile and the watch start are caught by
    // reconciling once more now that the watch is in place.
    let report = writer.reconcile(&mut |_| {})?;
    if report.changed() || !report.problems.is_empty() {
        on_event(WatchEvent::Reconciled {
            report,
            reason: "changes while the watch started".into(),
        });
    }
    let mut last_reconcile = Instant::now();
    let vocabulary_file = location.kb.join(KB_VOCAB_FILE);
    loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        // `dossier index` while this watcher runs asks it to sync (see
        // `index::handoff`): one reconcile answers every waiting request.
        let requests = handoff::pending_requests(&location);
        if !requests.is_empty() {
            let report = writer.reconcile(&mut |_| {})?;
            let reply = handoff::SyncReply {
                report: report.clone(),
                vocabulary_problems: writer
                    .vocabulary_problems
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            };
            for id in &requests {
                if let Err(error) = handoff::answer_request(&location, id, &reply) {
                    on_event(WatchEvent::Warning(error.to_string()));
                }
            }
            on_event(WatchEvent::Reconciled {
                report,
                reason: "asked by dossier index".into(),
            });
            last_reconcile = Instant::now();
        }
        match events.recv_timeout(IDLE_WAKE) {
            Ok(Ok(events)) => {
                let Batch {
                    paths,
                    rescan,
                    vocabulary_changed,
                    first_event,
                } = collect_batch(&events, &location, &vocabulary_file);
                if let Some(changed) = vocabulary_changed {
                    // The vocabulary is part of the index version: reopening
                    // detects the change and rebuilds. The lock is kept
                    // throughout, so no other writer slips in.
                    writer = writer.reopen()?;
                    for problem in &writer.vocabulary_problems {
                        on_event(WatchEvent::Warning(problem.to_string()));
                    }
                    let report = writer.reconcile(&mut |_| {})?;
                    on_event(WatchEvent::Reconciled {
                        report,
                        reason: format!("{changed} changed"),
                    });
                    last_reconcile = Instant::now();
                } else if rescan {
                    let report = writer.reconcile(&mut |_| {})?;
                    on_event(WatchEvent::Reconciled {
                        report,
                        reason: "the watcher lost events (rescan)".into(),
                    });
                    last_reconcile = Instant::now();
                } else if !paths.is_empty() {
                    let (report, reconciled) = sync_paths(&mut writer, &paths)?;
                    if reconciled {
                        last_reconcile = Instant::now();
                    }
                    if report.changed() || !report.problems.is_empty() {
                        on_event(WatchEvent::Batch {
                            report,
                            latency: first_event.map_or(Duration::ZERO, |t| t.elapsed()),
                        });
                    }
                }
            }
            Ok(Err(errors)) => {
                let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
                on_event(WatchEvent::Warning(format!(
                    "watcher error: {}",
                    messages.join("; ")
                )));
                let report = writer.reconcile(&mut |_| {})?;
                on_event(WatchEvent::Reconciled {
                    report,
                    reason: "the watcher reported an error".into(),
                });
                last_reconcile = Instant::now();
            }
            Err(RecvTimeoutError::Timeout) => {
                if last_reconcile.elapsed() >= options.reconcile_every {
                    let report = writer.reconcile(&mut |_| {})?;
                    if report.changed() {
                        on_event(WatchEvent::Reconciled {
                            report,
                            reason: "the periodic check found changes no event reported".into(),
                        });
                    }
                    last_reconcile = Instant::now();
                }
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(watch_error(
                    "the file watcher stopped — restart `dossier watch`".into(),
                ));
            }
        }
    }
    // Finish what is pending: whatever arrived before the stop. A rescan
    // or a vocabulary change is left to the next start, which reconciles.
    while let Ok(Ok(events)) = events.try_recv() {
        let batch = collect_batch(&events, &location, &vocabulary_file);
        if !batch.paths.is_empty() {
            let (report, _) = sync_paths(&mut writer, &batch.paths)?;
            on_event(WatchEvent::Batch {
                report,
                latency: Duration::ZERO,
            });
        }
    }
    debouncer.stop();
    writer.finish().map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interesting_paths() {
        let location = Location {
            kb: PathBuf::from("/kb"),
            state_dir: PathBuf::from("/kb/.dossier"),
        };
        for (path, expected) in [
            ("/kb/customers/c001.json", true),
            ("/kb/customers", true),
            ("/kb/customers/c001.json~", false),
            ("/kb/customers/.c001.json.swp", false),
            ("/kb/customers/4913", false),
            ("/kb/customers/.#c001.json", false),
            ("/kb/.dossier/index/meta.json", false),
            ("/kb/.git/HEAD", false),
            ("/elsewhere/c.json", false),
        ] {
            assert_eq!(
                is_interesting(&location, Path::new(path)),
                expected,
                "{path}"
            );
        }
    }
}
