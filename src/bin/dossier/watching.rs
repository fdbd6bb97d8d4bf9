//! `watch` and `serve`, the long-running process kind: the sync loop,
//! the HTTP server beside it, and the answers to one-shot commands over
//! the watcher's socket (`socket`), all from the index it keeps.

use super::*;

/// The glibc setting a watcher runs with (see `fix_mmap_threshold`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD_TUNABLE: &str = "glibc.malloc.mmap_threshold=1048576";

/// Starts this watcher again (same process, same arguments) with glibc's
/// mmap threshold fixed at 1 MB, unless it already is.
///
/// By default glibc raises that threshold to the size of the largest
/// block freed (up to 32 MB), and the start-up frees large buffers (the
/// walk's paths, the dictionaries). From then on every block below that
/// size comes from the heap, where the transient buffers of each commit and
/// search stay resident after they are freed: measured on the benchmark
/// corpus, 152 MB at start and 200 MB after a few edits, against 129 and
/// 162 MB with the threshold fixed. The process cannot set it itself
/// without `unsafe` (`mallopt`), so it runs itself again with
/// `GLIBC_TUNABLES`; the pid stays the same. If that fails, it goes on as
/// it is.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    use std::os::unix::process::CommandExt;
    let current = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
    if current.contains("glibc.malloc.mmap_threshold") {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let tunables = if current.is_empty() {
        MMAP_THRESHOLD_TUNABLE.to_string()
    } else {
        format!("{current}:{MMAP_THRESHOLD_TUNABLE}")
    };
    // `exec` returns only if it failed.
    let _ = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", tunables)
        .exec();
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_mmap_threshold() {}

/// `watch`, and `serve` (`listen` set): one process kind. The HTTP server
/// is an addition: it listens before the first sync (serving the index as
/// it is meanwhile) and reads the index this watcher keeps, on threads of
/// its own.
pub(crate) fn watch_command(
    config: &Config,
    poll: Option<&str>,
    reconcile_every: &str,
    listen: Option<&str>,
) -> Result<ExitCode> {
    use dossier::watch::{self, WatchEvent, WatchOptions};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    fix_mmap_threshold();

    let options = WatchOptions {
        poll: poll
            .map(|text| parse_interval("--poll", text))
            .transpose()?,
        reconcile_every: parse_interval("--reconcile-every", reconcile_every)?,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let handler_stop = Arc::clone(&stop);
    ctrlc::set_handler(move || handler_stop.store(true, Ordering::SeqCst))
        .context("installing the SIGINT/SIGTERM handler")?;
    let live = Arc::new(Live::new(config.location.clone()));
    if let Some(listen) = listen {
        let options = dossier::serve::Options {
            today: config.today_given,
            report: Arc::new(|message| eprintln!("dossier: {message}")),
        };
        let server = dossier::serve::start(Arc::clone(&live), listen, options)?;
        eprintln!("listening on http://{}", server.addr);
    }
    // A short-lived writer (an `index`, a search building the index) is
    // waited for; another watcher is an error that names it.
    let mut on_wait = |holder: &index::Holder| {
        eprintln!("dossier: waiting for {holder} to finish");
    };
    let mut writer = match Writer::open_waiting(
        &config.location,
        index::WATCH,
        watch::WATCH_HEAP_BYTES,
        &mut on_wait,
    )? {
        index::Opened::Writer(writer) => *writer,
        index::Opened::Watched(holder) => {
            anyhow::bail!(
                "{}: already watched by {holder} — one watcher per knowledge base; stop that one first",
                config.location.kb.display()
            )
        }
    };
    for problem in &writer.vocabulary_problems {
        eprintln!("dossier: {problem}");
    }
    let report = writer.reconcile(&mut progress_printer(config.stderr_style))?;
    report_sync(config, "indexed", &report);
    let mut serving = None;
    let mut on_event = |event: WatchEvent| match event {
        WatchEvent::Started { mode } => {
            // Index up to date: from now on this watcher answers one-shot
            // searches (see `socket`). Once: a second socket would replace
            // the first, and dropping the first would remove the file.
            if serving.is_none() {
                let answering = Answering {
                    live: Arc::clone(&live),
                    build: socket::build_identity(),
                };
                match socket::serve(&config.location, answering) {
                    Ok(socket) => serving = Some(socket),
                    Err(error) => eprintln!(
                        "dossier: searches will not be answered by this watcher: {}: {error}",
                        socket::socket_path(&config.location).display()
                    ),
                }
            }
            eprintln!(
                "dossier: watching {} ({mode}); Ctrl-C to stop",
                config.location.kb.display()
            );
        }
        WatchEvent::Batch { report, latency } => {
            for problem in &report.problems {
                eprintln!("{problem}");
            }
            let warnings = report
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Warning)
                .count();
            eprintln!(
                "dossier: synced: {} added, {} updated, {} removed, {} errors, {warnings} warnings; searchable {} ms after the first event",
                report.added,
                report.updated,
                report.removed,
                report.problems.len() - warnings,
                latency.as_millis()
            );
        }
        WatchEvent::Reconciled { report, reason } => {
            for problem in &report.problems {
                eprintln!("{problem}");
            }
            eprintln!(
                "dossier: reconciled ({reason}): {} added, {} updated, {} removed, {} files in error, {} warnings, {:.2} s",
                report.added,
                report.updated,
                report.removed,
                report.files_in_error,
                report.warnings,
                report.seconds
            );
        }
        WatchEvent::Warning(message) => eprintln!("dossier: {message}"),
    };
    watch::watch(writer, options, stop, &mut on_event)?;
    drop(serving);
    eprintln!("dossier: stopped watching {}", config.location.kb.display());
    Ok(ExitCode::SUCCESS)
}

/// The watcher's side of `socket`: answers with `socket_reply` from the
/// index it shares with the HTTP server, and lets go of it when nothing
/// was asked for a while.
struct Answering {
    live: std::sync::Arc<Live>,
    build: String,
}

impl socket::Service for Answering {
    fn answer(&mut self, request: &socket::Request) -> socket::Reply {
        socket_reply(&self.live, &self.build, request)
    }

    fn idle(&mut self) {
        self.live.release_if_idle(socket::release_after());
    }

    /// Opens the index and numbers its customers (about 140 ms on the
    /// benchmark corpus) before anyone asks; the numbers outlive a release.
    /// A failure here is met again, and answered, by the first request.
    fn warm(&mut self) {
        let _ = self.live.read();
    }

    fn recover(&mut self) {
        self.live.release();
    }
}

/// What a watcher replies to a one-shot search (see `socket`): the answer
/// as data, or `NotServed` (it then searches by itself) when anything
/// differs or fails. A query that cannot run is answered with its error,
/// in the words the client would print.
fn socket_reply(live: &Live, build: &str, request: &socket::Request) -> socket::Reply {
    use socket::Reply::{self, NotServed};
    let location = live.location();
    // An identity that could not be read matches nothing.
    if build.is_empty() || request.build != build {
        return NotServed("it runs another dossier binary".into());
    }
    if request.kb != location.kb || request.state_dir != location.state_dir {
        return NotServed(format!("it watches {}", location.kb.display()));
    }
    let Ok(today) = NaiveDate::parse_from_str(&request.today, "%Y-%m-%d") else {
        return NotServed(format!("unreadable date {}", request.today));
    };
    if let Some(asked) = &request.agenda {
        return agenda_reply(live, request, asked, today);
    }
    let query_error = |error: Error| Reply::QueryError(format!("{:#}", anyhow::Error::from(error)));
    let prepared = match answer::prepare(request.command, &request.text, today, &location.kb) {
        Ok(prepared) => prepared,
        Err(error) if answer::is_query_error(&error) => return query_error(error),
        Err(error) => return NotServed(error.to_string()),
    };
    let read = match live.read() {
        Ok(read) => read,
        Err(error) => return NotServed(error.to_string()),
    };
    let vocabulary = match live.vocabulary() {
        Ok(vocabulary) => vocabulary,
        Err(error) => return NotServed(error.to_string()),
    };
    let options = SearchOptions {
        limit: request.limit,
        sort: Sort::parse(&request.sort).unwrap_or_default(),
    };
    // `--as NAME`: that person's view, read from the team file as the
    // command would read it; anything amiss and the command answers alone.
    let reader = match socket_reader(live, request) {
        Ok(reader) => reader,
        Err(why) => return NotServed(why),
    };
    match answer::run(
        &prepared,
        &read,
        location,
        &reader,
        options,
        Some(vocabulary),
    ) {
        Ok(answer) => Reply::Answer(answer),
        Err(error) if answer::is_query_error(&error) => query_error(error),
        Err(error) => NotServed(error.to_string()),
    }
}

/// The reader a socket request names (`--as`), read from the team file
/// as the command would read it; anything amiss and the command answers
/// alone.
fn socket_reader(live: &Live, request: &socket::Request) -> Result<Reader, String> {
    let Some(name) = &request.reader else {
        return Ok(Reader::everyone());
    };
    // The team file as the server reads it: parsed again only when its
    // text changed.
    let team = live.team().map_err(|e| e.to_string())?;
    reader_in(live.location(), team.as_deref(), name).map_err(|e| format!("{e:#}"))
}

/// What a watcher replies to `dossier agenda`: the agenda as data, or
/// `NotServed` (the command then makes it by itself) when anything fails.
fn agenda_reply(
    live: &Live,
    request: &socket::Request,
    asked: &socket::AgendaAsk,
    today: NaiveDate,
) -> socket::Reply {
    use dossier::agenda::{self, AgendaOptions};
    use socket::Reply::{self, NotServed};
    let location = live.location();
    let reader = match socket_reader(live, request) {
        Ok(reader) => reader,
        Err(why) => return NotServed(why),
    };
    if asked.json {
        // Rendered once per commit and question (`serve::agendas`).
        let asked = dossier::serve::agendas::Asked {
            today,
            days: asked.days,
            owner: asked.owner.clone(),
            reader,
        };
        return match live.agenda_json(asked) {
            Ok(agenda) => Reply::AgendaJson(socket::AgendaJson {
                unknown_owner: agenda.unknown_owner,
                body: agenda.json.to_string(),
            }),
            Err(error) => NotServed(error.to_string()),
        };
    }
    let read = match live.read() {
        Ok(read) => read,
        Err(error) => return NotServed(error.to_string()),
    };
    let options = AgendaOptions {
        days: asked.days,
        owner: asked.owner.clone(),
        ..AgendaOptions::default()
    }
    .for_reader(&read, &reader);
    match agenda::agenda(&read, location, today, &options) {
        Ok(agenda) => Reply::Agenda(agenda),
        Err(error) => NotServed(error.to_string()),
    }
}
