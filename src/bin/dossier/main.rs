//! The `dossier` command line: parses arguments into a config once, calls
//! the library, renders, and picks the exit code (0 found, 1 nothing found,
//! 2 error, including files in error).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary is the one place that prints"
)]

mod render;
mod wire;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use dossier::index::{self, Location, Progress, ReadIndex, SyncReport, Writer};
use dossier::search::{SearchOptions, SearchResult, Searcher};
use dossier::{Error, ask, query, show, status};

use render::Style;

/// An embedded full-text customer knowledge base: keeps an index in sync
/// with a directory of JSON dossiers and answers questions about customers.
#[derive(Parser)]
#[command(name = "dossier", version, about, propagate_version = true)]
struct Cli {
    /// The knowledge-base directory.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    dir: PathBuf,
    /// The date relative dates are computed from (default: today).
    #[arg(long, global = true, value_name = "YYYY-MM-DD")]
    today: Option<String>,
    /// Keep the index here instead of DIR/.dossier/.
    #[arg(long, global = true, value_name = "PATH")]
    index: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Bring the index of DIR up to date with the files, then exit.
    Index,
    /// Index, then keep the index in sync with DIR until interrupted.
    Watch {
        /// Poll the directory instead of using inotify (network drives),
        /// every INTERVAL (e.g. 2s, 500ms).
        #[arg(long, value_name = "INTERVAL", num_args = 0..=1, default_missing_value = "2s")]
        poll: Option<String>,
        /// How often to check every file's stat as a safety net (e.g. 60s, 5m).
        #[arg(long, value_name = "INTERVAL", default_value = "60s")]
        reconcile_every: String,
    },
    /// Find customers.
    Search {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// At most N customers.
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: usize,
        /// The query: free words, "phrases", likes: travel: when: mentions: owner: tier: stage: type: company: name: city:
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
    },
    /// Answer a plain-language question (English or Chinese).
    Ask {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// At most N customers.
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: usize,
        /// The question, e.g. "who likes theatre?" or 谁下周去北京.
        #[arg(required = true, value_name = "QUESTION")]
        question: Vec<String>,
    },
    /// Show one customer's whole dossier.
    Show {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// A customer id, or a name (or pinyin) that names one customer.
        #[arg(required = true, value_name = "ID-OR-NAME")]
        id: Vec<String>,
    },
    /// Show what is indexed, the last sync, files in error, and whether a watcher runs.
    Status {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Everything the commands need, resolved once from the arguments.
struct Config {
    location: Location,
    today: NaiveDate,
    style: Style,
    stderr_style: Style,
}

fn config(cli: &Cli) -> Result<Config> {
    let today = match &cli.today {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            Error::query(format!("--today {text}"), "expected a date like 2026-11-23")
        })?,
        None => chrono::Local::now().date_naive(),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Ok(Config {
        location: Location::new(&cli.dir, cli.index.as_deref())?,
        today,
        style: Style {
            color: !no_color && std::io::stdout().is_terminal(),
        },
        stderr_style: Style {
            color: !no_color && std::io::stderr().is_terminal(),
        },
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            if is_broken_pipe(&error) {
                return ExitCode::SUCCESS;
            }
            eprintln!("dossier: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: &Cli) -> Result<ExitCode> {
    let config = config(cli)?;
    match &cli.command {
        Command::Index => index_command(&config),
        Command::Watch {
            poll,
            reconcile_every,
        } => watch_command(&config, poll.as_deref(), reconcile_every),
        Command::Search { json, limit, query } => {
            let text = query.join(" ");
            let parsed = query::parse(&text, config.today)?;
            let read = open_or_build(&config)?;
            let result = Searcher::new(&read, &config.location)
                .search(&parsed, SearchOptions { limit: *limit })?;
            skip_teardown(read);
            print_result(&config, &result, *json, None)
        }
        Command::Ask {
            json,
            limit,
            question,
        } => {
            let text = question.join(" ");
            let understood = ask::understand(&text, config.today)?;
            let query_text = understood.query.to_string();
            if !*json {
                if understood.fallback {
                    eprintln!(
                        "dossier: could not map the question to a query; searching its words as text: {query_text}"
                    );
                } else {
                    eprintln!("dossier: understood: {query_text}");
                }
            }
            let read = open_or_build(&config)?;
            let result = Searcher::new(&read, &config.location)
                .search(&understood.query, SearchOptions { limit: *limit })?;
            skip_teardown(read);
            print_result(
                &config,
                &result,
                *json,
                Some((&query_text, understood.fallback)),
            )
        }
        Command::Show { json, id } => {
            let read = open_or_build(&config)?;
            let dossier = show::dossier(&read, &config.location, &id.join(" "))?;
            emit(*json, &wire::show_output(&dossier), || {
                render::show(config.style, &dossier)
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { json } => {
            let status = status::status(&config.location)?;
            emit(*json, &wire::status_output(&status), || {
                render::status(config.style, &status)
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints one JSON line or the human text on stdout. The JSON is
/// serialized first, so a closed pipe surfaces as a plain io::Error.
fn emit(json: bool, value: &impl serde::Serialize, human: impl FnOnce() -> String) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", serde_json::to_string(value)?)?;
    } else {
        write!(out, "{}", human())?;
    }
    out.flush()?;
    Ok(())
}

fn print_result(
    config: &Config,
    result: &SearchResult,
    json: bool,
    ask: Option<(&str, bool)>,
) -> Result<ExitCode> {
    for notice in &result.notices {
        eprintln!("dossier: {notice}");
    }
    let (understood, fallback) = ask.map_or((None, false), |(q, f)| (Some(q), f));
    emit(
        json,
        &wire::search_output(result, understood, fallback),
        || render::search(config.style, result),
    )?;
    Ok(if result.total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints what a sync found and changed on stderr.
fn report_sync(config: &Config, verb: &str, report: &SyncReport) {
    if let Some(reason) = &report.rebuilt {
        eprintln!(
            "dossier: rebuilding the index of {} because {reason}",
            config.location.kb.display()
        );
    }
    for problem in &report.problems {
        eprintln!("{problem}");
    }
    eprintln!(
        "dossier: {verb} {}: {} added, {} updated, {} removed, {} unchanged, {} files in error, {:.2} s",
        config.location.kb.display(),
        report.added,
        report.updated,
        report.removed,
        report.unchanged,
        report.files_in_error,
        report.seconds
    );
}

/// Shows files done, rate and time left on a terminal; nothing when piped.
fn progress_printer(style: Style) -> impl FnMut(Progress) {
    let started = std::time::Instant::now();
    let mut last_print = std::time::Instant::now();
    let on_terminal = std::io::stderr().is_terminal();
    let _ = style;
    move |progress: Progress| {
        if !on_terminal || progress.total < 2000 {
            return;
        }
        let finished = progress.done == progress.total;
        if !finished && last_print.elapsed().as_millis() < 200 {
            return;
        }
        last_print = std::time::Instant::now();
        let seconds = started.elapsed().as_secs_f64().max(0.001);
        let rate = progress.done as f64 / seconds;
        let left = (progress.total - progress.done) as f64 / rate.max(1.0);
        eprint!(
            "\r\x1b[Kindexing {}/{} files, {:.0} files/s, {:.0} s left",
            progress.done, progress.total, rate, left
        );
        if finished {
            eprintln!();
        }
    }
}

fn index_command(config: &Config) -> Result<ExitCode> {
    let mut writer = Writer::open(&config.location, "index")?;
    for problem in &writer.vocabulary_problems {
        eprintln!("dossier: {problem}");
    }
    let report = writer.reconcile(&mut progress_printer(config.stderr_style))?;
    writer.finish()?;
    report_sync(config, "indexed", &report);
    // Files in error are errors (exit 2, as ripgrep does), though every
    // other file was indexed: stderr says which and why.
    Ok(if report.files_in_error > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn parse_interval(text: &str) -> Result<std::time::Duration> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len()),
    );
    let value: f64 = number
        .parse()
        .map_err(|_| Error::query(text, "expected an interval like 500ms, 2s or 5m"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(Error::query(text, "expected an interval like 500ms, 2s or 5m").into()),
    };
    if seconds <= 0.0 {
        return Err(Error::query(text, "the interval must be more than zero").into());
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

fn watch_command(config: &Config, poll: Option<&str>, reconcile_every: &str) -> Result<ExitCode> {
    use dossier::watch::{self, WatchEvent, WatchOptions};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let options = WatchOptions {
        poll: poll.map(parse_interval).transpose()?,
        reconcile_every: parse_interval(reconcile_every)?,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let handler_stop = Arc::clone(&stop);
    ctrlc::set_handler(move || handler_stop.store(true, Ordering::SeqCst))
        .context("installing the SIGINT/SIGTERM handler")?;
    let mut writer = Writer::open_with_heap(&config.location, "watch", watch::WATCH_HEAP_BYTES)?;
    for problem in &writer.vocabulary_problems {
        eprintln!("dossier: {problem}");
    }
    let report = writer.reconcile(&mut progress_printer(config.stderr_style))?;
    report_sync(config, "indexed", &report);
    let mut on_event = |event: WatchEvent| match event {
        WatchEvent::Started { mode } => {
            eprintln!(
                "dossier: watching {} ({mode}); Ctrl-C to stop",
                config.location.kb.display()
            );
        }
        WatchEvent::Batch { report, latency } => {
            for problem in &report.problems {
                eprintln!("{problem}");
            }
            eprintln!(
                "dossier: synced: {} added, {} updated, {} removed, {} errors; searchable {} ms after the first event",
                report.added,
                report.updated,
                report.removed,
                report.problems.len(),
                latency.as_millis()
            );
        }
        WatchEvent::Reconciled { report, reason } => {
            for problem in &report.problems {
                eprintln!("{problem}");
            }
            eprintln!(
                "dossier: reconciled ({reason}): {} added, {} updated, {} removed, {} files in error, {:.2} s",
                report.added, report.updated, report.removed, report.files_in_error, report.seconds
            );
        }
        WatchEvent::Warning(message) => eprintln!("dossier: {message}"),
    };
    watch::watch(writer, options, stop, &mut on_event)?;
    eprintln!("dossier: stopped watching {}", config.location.kb.display());
    Ok(ExitCode::SUCCESS)
}

/// Leaves the opened index to the operating system: the process exits
/// right after printing, and unmapping the index files one by one costs a
/// one-shot search more than the kernel takes to drop the whole address
/// space at exit (0.2–0.4 ms of a 5–20 ms search, interleaved A/B runs).
fn skip_teardown(read: ReadIndex) {
    std::mem::forget(read);
}

/// Opens the index for searching, building it first when there is none or
/// it was built with another version or vocabulary (unless another process
/// is writing it: then wait a little for its first commit).
fn open_or_build(config: &Config) -> Result<ReadIndex> {
    match index::open_for_search(&config.location) {
        Ok(read) => return Ok(read),
        Err(Error::NoIndex { .. } | Error::Stale { .. }) => {}
        Err(other) => return Err(other.into()),
    }
    if index::lock_holder(&config.location).is_some() {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if let Ok(read) = index::open_for_search(&config.location) {
                return Ok(read);
            }
        }
        return Ok(index::open_for_search(&config.location)?);
    }
    let mut writer = Writer::open(&config.location, "index")?;
    let report = writer.reconcile(&mut progress_printer(config.stderr_style))?;
    writer.finish()?;
    report_sync(config, "indexed", &report);
    index::open_for_search(&config.location).context("opening the index just built")
}
