//! Events gathered into batches of paths. notify's own full debouncer
//! merges the events of a path into what it thinks happened, and some
//! merges lose a path: a file renamed and its new name deleted (or saved
//! over through a temporary file) within the window came out as one event
//! about the new name, and the old path, still in the index, was never
//! looked at again. The watcher never trusts what an event says happened
//! (it looks at every named path again), so it needs no merging: this
//! keeps every raw event, and hands a batch over once no event came for
//! `quiet` (or the batch is `longest` old, so a storm of writes cannot hold
//! it back for ever).

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

/// An event and when it came.
#[derive(Debug)]
pub struct TimedEvent {
    /// What the file watcher said.
    pub event: notify::Event,
    /// When it came.
    pub time: Instant,
}

/// A batch of events, or the errors the watcher reported.
pub type Batch = std::result::Result<Vec<TimedEvent>, Vec<notify::Error>>;

/// Starts the thread that gathers `raw` events into batches sent on the
/// returned receiver. It ends, after handing over what it holds, when
/// `raw`'s sender is dropped (the watcher stopped).
///
/// Fails with an I/O error when the thread cannot be started.
/// Events `keep` says no to (reads, dossier's own writes) neither join a
/// batch nor delay one.
///
/// Fails with an I/O error when the thread cannot be started.
pub fn start(
    raw: Receiver<notify::Result<notify::Event>>,
    quiet: Duration,
    longest: Duration,
    keep: impl Fn(&notify::Event) -> bool + Send + 'static,
) -> std::io::Result<Receiver<Batch>> {
    let (sender, batches) = channel();
    std::thread::Builder::new()
        .name("dossier-events".into())
        .spawn(move || gather(&raw, &sender, quiet, longest, &keep))?;
    Ok(batches)
}

fn gather(
    raw: &Receiver<notify::Result<notify::Event>>,
    sender: &Sender<Batch>,
    quiet: Duration,
    longest: Duration,
    keep: &dyn Fn(&notify::Event) -> bool,
) {
    let mut events: Vec<TimedEvent> = Vec::new();
    let mut errors: Vec<notify::Error> = Vec::new();
    let mut first = Instant::now();
    let mut last = Instant::now();
    loop {
        let wait = if events.is_empty() && errors.is_empty() {
            // Nothing held: wait for the next event as long as it takes.
            Duration::from_secs(3600)
        } else {
            quiet
                .saturating_sub(last.elapsed())
                .min(longest.saturating_sub(first.elapsed()))
        };
        match raw.recv_timeout(wait) {
            Ok(received) => {
                let now = Instant::now();
                if events.is_empty() && errors.is_empty() {
                    first = now;
                }
                match received {
                    Ok(event) if !keep(&event) => continue,
                    Ok(event) => events.push(TimedEvent { event, time: now }),
                    Err(error) => errors.push(error),
                }
                last = now;
                if first.elapsed() < longest {
                    continue;
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                let _ = hand_over(sender, &mut events, &mut errors);
                return;
            }
        }
        if (last.elapsed() >= quiet || first.elapsed() >= longest)
            && hand_over(sender, &mut events, &mut errors).is_err()
        {
            return;
        }
    }
}

/// Sends what is held (errors first: they make the watcher reconcile,
/// which covers the events too). Fails when nobody listens any more.
fn hand_over(
    sender: &Sender<Batch>,
    events: &mut Vec<TimedEvent>,
    errors: &mut Vec<notify::Error>,
) -> std::result::Result<(), ()> {
    if !errors.is_empty() {
        sender.send(Err(std::mem::take(errors))).map_err(drop)?;
    }
    if !events.is_empty() {
        sender.send(Ok(std::mem::take(events))).map_err(drop)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::EventKind;
    use notify::event::{CreateKind, ModifyKind, RemoveKind, RenameMode};
    use std::path::PathBuf;

    fn event(kind: EventKind, paths: &[&str]) -> notify::Result<notify::Event> {
        let mut event = notify::Event::new(kind);
        for path in paths {
            event = event.add_path(PathBuf::from(path));
        }
        Ok(event)
    }

    #[test]
    fn every_path_of_a_burst_comes_out_in_one_batch_and_reads_are_left_out() {
        let (raw_sender, raw) = channel();
        let batches = start(
            raw,
            Duration::from_millis(30),
            Duration::from_secs(5),
            |e| !matches!(e.kind, EventKind::Access(_)),
        )
        .expect("a thread");
        // A rename, then the new name deleted: both paths stay.
        let burst = [
            event(
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                &["/kb/v1.json", "/kb/v2.json"],
            ),
            event(EventKind::Remove(RemoveKind::File), &["/kb/v2.json"]),
            event(
                EventKind::Access(notify::event::AccessKind::Any),
                &["/kb/v3.json"],
            ),
            event(EventKind::Create(CreateKind::File), &["/kb/v4.json"]),
        ];
        for event in burst {
            raw_sender.send(event).expect("sending");
        }
        let batch = batches
            .recv_timeout(Duration::from_secs(10))
            .expect("a batch")
            .expect("events");
        let mut paths: Vec<PathBuf> = batch.iter().flat_map(|e| e.event.paths.clone()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(
            paths,
            ["/kb/v1.json", "/kb/v2.json", "/kb/v4.json"].map(PathBuf::from)
        );
        // An error comes out as errors; a stopped watcher ends the thread.
        raw_sender
            .send(Err(notify::Error::generic("lost")))
            .expect("sending");
        let errors = batches
            .recv_timeout(Duration::from_secs(10))
            .expect("a batch");
        assert!(errors.is_err());
        drop(raw_sender);
        assert!(matches!(
            batches.recv_timeout(Duration::from_secs(10)),
            Err(RecvTimeoutError::Disconnected)
        ));
    }

    #[test]
    fn a_storm_of_events_is_handed_over_after_longest() {
        let (raw_sender, raw) = channel();
        let batches = start(
            raw,
            Duration::from_millis(200),
            Duration::from_millis(300),
            |_| true,
        )
        .expect("a thread");
        let started = Instant::now();
        // An event every 20 ms, never quiet for 200 ms: the batch still
        // comes out once it is 300 ms old.
        let batch = loop {
            raw_sender
                .send(event(EventKind::Create(CreateKind::File), &["/kb/a.json"]))
                .expect("sending");
            if let Ok(batch) = batches.recv_timeout(Duration::from_millis(20)) {
                break batch;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no batch while events kept coming"
            );
        };
        assert!(batch.expect("events").len() > 1);
    }
}
