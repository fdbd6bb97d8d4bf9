//! The `dossier` command line: parses arguments into a config once, calls
//! the library, renders, and picks the exit code (0 found, 1 nothing found,
//! 2 error, including files in error).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary is the one place that prints"
)]

mod render;
mod socket;
mod watching;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};

use dossier::answer::{self, Answer, Command as Asking};
use dossier::index::{Location, Progress, ReadIndex, SyncReport, Writer};
use dossier::record::Severity;
use dossier::search::{SearchOptions, Sort};
use dossier::serve::Live;
use dossier::team::{self, Reader};
use dossier::{Error, index, show, status, wire};

use render::Style;
use watching::watch_command;

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
    /// Answer as this person of the team file sees the knowledge base
    /// (without it, the person at the terminal sees everything).
    #[arg(long = "as", global = true, value_name = "NAME")]
    as_user: Option<String>,
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
    /// Keep the index in sync as `watch` does, and serve the team's pages
    /// and a JSON API.
    Serve {
        /// Listen on ADDR (port 0: any free port). Anyone who can reach it
        /// can read every dossier: keep it on 127.0.0.1 unless a proxy in
        /// front of it checks who asks.
        #[arg(long, value_name = "ADDR", default_value = dossier::serve::DEFAULT_LISTEN)]
        listen: String,
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
        /// The order of the hits, over every customer found: score, name,
        /// date (a trip's start or a birthday soonest first, a note's date
        /// newest first), updated (newest first).
        #[arg(long, default_value = "score", value_name = "ORDER", value_parser = Sort::NAMES)]
        sort: String,
        /// The query: free words, "phrases", KEY:VALUE (likes: travel: when: mentions: date: birthday: owner: name: city: region: …), *, OR, -term, ( )
        #[arg(required = true, value_name = "QUERY", allow_hyphen_values = true)]
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
        /// The order of the hits, over every customer found: score, name,
        /// date (a trip's start or a birthday soonest first, a note's date
        /// newest first), updated (newest first).
        #[arg(long, default_value = "score", value_name = "ORDER", value_parser = Sort::NAMES)]
        sort: String,
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
    /// What is coming up: birthdays, trips, and customers who need attention.
    Agenda {
        /// Days covered, from --today (1 to 366).
        #[arg(long, default_value_t = dossier::agenda::DEFAULT_DAYS.into(), value_name = "N", allow_negative_numbers = true)]
        days: i64,
        /// Only the customers of this owner (as `owner:` matches).
        #[arg(long, value_name = "NAME")]
        owner: Option<String>,
        /// Print one JSON object.
        #[arg(long, conflicts_with = "ics")]
        json: bool,
        /// Print an iCalendar file (every trip to come, every birthday) for a calendar.
        #[arg(long)]
        ics: bool,
    },
    /// Show what is indexed, the last sync, files in error, and whether a watcher runs.
    Status {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// The team file DIR/dossier-team.toml: add a person, check the file.
    Team {
        #[command(subcommand)]
        action: TeamAction,
    },
}

#[derive(Subcommand)]
enum TeamAction {
    /// Make an access token for a person: prints the token (once) and the
    /// [[user]] block, holding only its SHA-256, to paste into the team file.
    Add {
        /// The person, as written in customers' "owner".
        #[arg(value_name = "NAME")]
        name: String,
        /// rep, manager or admin.
        #[arg(long, value_name = "ROLE")]
        role: String,
        /// For a manager: the people whose customers they also see (A,B).
        #[arg(long, value_name = "A,B", value_delimiter = ',')]
        team: Vec<String>,
    },
    /// Report the team file's problems as dossier-team.toml:LINE:COL: message
    /// (exit 2 on errors).
    Check,
}

/// Everything the commands need, resolved once from the arguments.
struct Config {
    location: Location,
    /// `--as` as given: whose view the reading commands answer with
    /// (`Config::reader`), also sent to a watcher answering in our place.
    as_user: Option<String>,
    today: NaiveDate,
    /// `--today` when given: a server then answers as of that day, else as
    /// of each request's real date.
    today_given: Option<NaiveDate>,
    style: Style,
    stderr_style: Style,
}

fn config(cli: &Cli) -> Result<Config> {
    let today_given = cli.today.as_deref().map(parse_today).transpose()?;
    let today = today_given.unwrap_or_else(|| chrono::Local::now().date_naive());
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let location = Location::new(&cli.dir, cli.index.as_deref())?;
    Ok(Config {
        as_user: cli.as_user.clone(),
        location,
        today,
        today_given,
        style: Style {
            color: !no_color && std::io::stdout().is_terminal(),
        },
        stderr_style: Style {
            color: !no_color && std::io::stderr().is_terminal(),
        },
    })
}

impl Config {
    /// The view `--as NAME` asks for, read when a command answers by
    /// itself (a watcher answering in its place reads its own copy of the
    /// team file). Without `--as` the person at the terminal, who can read
    /// the files anyway, sees everything (the team file is not even read);
    /// `--as` without a team file is an error.
    fn reader(&self) -> Result<Reader> {
        match self.as_user.as_deref() {
            None => Ok(Reader::everyone()),
            Some(name) => reader_in(
                &self.location,
                team::Team::load(&self.location.kb)?.as_ref(),
                name,
            ),
        }
    }
}

/// The view of `name` (`--as`) in the knowledge base's team file `team`.
fn reader_in(location: &Location, team: Option<&team::Team>, name: &str) -> Result<Reader> {
    match team {
        Some(team) => Ok(team.reader(name)?),
        None => anyhow::bail!(
            "--as {name}: {} has no {} — write one (see `dossier team add`) or leave out --as",
            location.kb.display(),
            team::TEAM_FILE
        ),
    }
}

/// `--today`: `YYYY-MM-DD` and nothing else. chrono's `%Y-%m-%d` alone
/// would read `26-12-04` as the year 26 and `2026-1-4` as well; a date that
/// every relative date is computed from is better refused than guessed.
fn parse_today(text: &str) -> Result<NaiveDate> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    let date = shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten();
    date.ok_or_else(|| {
        Error::query(
            format!("--today {text}"),
            "expected a date written YYYY-MM-DD, with a four-digit year, like 2026-12-04",
        )
        .into()
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
            eprintln!("dossier: {}", error_line(&error));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes on one line, each cause once: the library's
/// messages already name their cause, which `{:#}` would print again.
fn error_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
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
        } => watch_command(&config, poll.as_deref(), reconcile_every, None),
        Command::Serve {
            listen,
            poll,
            reconcile_every,
        } => watch_command(
            &config,
            poll.as_deref(),
            reconcile_every,
            Some(listen.as_str()),
        ),
        Command::Search {
            json,
            limit,
            sort,
            query,
        } => searching(
            &config,
            Asking::Search,
            &query.join(" "),
            *json,
            SearchOptions {
                limit: *limit,
                sort: Sort::parse(sort).unwrap_or_default(),
            },
        ),
        Command::Ask {
            json,
            limit,
            sort,
            question,
        } => searching(
            &config,
            Asking::Ask,
            &question.join(" "),
            *json,
            SearchOptions {
                limit: *limit,
                sort: Sort::parse(sort).unwrap_or_default(),
            },
        ),
        Command::Show { json, id } => {
            let read = open_or_build(&config)?;
            let dossier = show::dossier(&read, &config.location, &id.join(" "), &config.reader()?)?;
            let brief = show::brief(&dossier, config.today);
            emit(
                *json,
                || wire::show_json(&dossier, &brief, config.today),
                || render::show(config.style, &dossier, &brief, config.today),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Agenda {
            days,
            owner,
            json,
            ics,
        } => agenda_command(&config, *days, owner.as_deref(), *json, *ics),
        Command::Status { json } => {
            let status = status::status(&config.location, &config.reader()?)?;
            emit(
                *json,
                || wire::status_json(&status),
                || render::status(config.style, &status),
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Team { action } => team_command(&config, action),
    }
}

/// `team add` and `team check`.
fn team_command(config: &Config, action: &TeamAction) -> Result<ExitCode> {
    let file = config.location.kb.join(team::TEAM_FILE);
    match action {
        TeamAction::Add { name, role, team } => {
            let Some(parsed) = team::Role::parse(role) else {
                anyhow::bail!("--role {role}: unknown role — use rep, manager or admin");
            };
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty(),
                "team add: the name is empty — give the person's name as customers' \"owner\" writes it"
            );
            let token = team::new_token()?;
            // JSON string escapes are valid TOML basic strings.
            let quoted = |text: &str| serde_json::to_string(text).expect("a string serializes");
            let mut block = format!(
                "[[user]]\nname = {}\nrole = {}\n",
                quoted(name),
                quoted(parsed.as_str())
            );
            let members: Vec<&str> = team
                .iter()
                .map(|m| m.trim())
                .filter(|m| !m.is_empty())
                .collect();
            if !members.is_empty() {
                let list: Vec<String> = members.iter().map(|m| quoted(m)).collect();
                block.push_str(&format!("team = [{}]\n", list.join(", ")));
            }
            block.push_str(&format!("token_sha256 = {}\n", quoted(&token.sha256_hex)));
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "Token for {name} (give it to them; it is shown only this once, and dossier keeps only its hash):\n\n    {}\n\nPaste this into {}:\n\n{block}",
                token.secret,
                file.display()
            )?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        TeamAction::Check => {
            let text = std::fs::read_to_string(&file).with_context(|| {
                format!(
                    "{}: cannot read the team file — write one first (see `dossier team add`)",
                    file.display()
                )
            })?;
            let read = open_or_build(config)?;
            let owners = team::indexed_owners(&read, &config.location)?;
            let problems = team::check(&file, &text, Some(&owners));
            let mut errors = 0;
            for problem in &problems {
                if problem.severity == dossier::record::Severity::Error {
                    errors += 1;
                }
                eprintln!("{problem}");
            }
            let warnings = problems.len() - errors;
            println!(
                "{}: {errors} error{}, {warnings} warning{}",
                team::TEAM_FILE,
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" },
            );
            Ok(ExitCode::from(if errors > 0 { 2 } else { 0 }))
        }
    }
}

/// `agenda`: the human view, `--json` or `--ics`; exit 0 even when empty.
fn agenda_command(
    config: &Config,
    days: i64,
    owner: Option<&str>,
    json: bool,
    ics: bool,
) -> Result<ExitCode> {
    use dossier::agenda::{self, AgendaOptions};
    // Checked before the index is opened (or built): a bad number is
    // the user's to fix, whatever the index.
    let days = agenda::check_days(days)?;
    let options = AgendaOptions {
        days,
        owner: owner.map(str::to_string),
        ..AgendaOptions::default()
    };
    // A running watcher answers the agenda (not the calendar feed) from
    // the index it holds open, as it answers searches.
    let served = if ics {
        None
    } else {
        agenda_from_watcher(config, days, owner, json)?
    };
    let unknown_owner = if let Some(served) = served {
        match served {
            socket::Served::AgendaJson(agenda) => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", agenda.body)?;
                out.flush()?;
                agenda.unknown_owner
            }
            socket::Served::Agenda(agenda) => print_agenda(config, json, &agenda)?,
            _ => unreachable!("agenda_from_watcher returns agendas only"),
        }
    } else {
        let read = open_or_build(config)?;
        let options = options.for_reader(&read, &config.reader()?);
        if ics {
            let feed = agenda::feed(&read, &config.location, config.today, &options)?;
            let mut out = std::io::stdout().lock();
            out.write_all(agenda::to_ics(&feed).as_bytes())?;
            out.flush()?;
            feed.unknown_owner
        } else {
            let agenda = agenda::agenda(&read, &config.location, config.today, &options)?;
            print_agenda(config, json, &agenda)?
        }
    };
    if let (true, Some(owner)) = (unknown_owner, owner) {
        eprintln!(
            "dossier: --owner {owner}: no customer has this owner, so the agenda is empty — check the name as customers' \"owner\" writes it"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The agenda as a running watcher answers it (see `socket`): the data,
/// or with `--json` the line to print; `None` when no watcher answers
/// (`DOSSIER_VIA_WATCHER`: never asked with `no`, an error with `only`).
fn agenda_from_watcher(
    config: &Config,
    days: u32,
    owner: Option<&str>,
    json: bool,
) -> Result<Option<socket::Served>> {
    let via = socket::Via::from_env()?;
    if via == socket::Via::Never {
        return Ok(None);
    }
    let request = socket::Request {
        build: socket::build_identity(),
        kb: config.location.kb.clone(),
        state_dir: config.location.state_dir.clone(),
        command: Asking::Search,
        text: String::new(),
        limit: 0,
        sort: Sort::default().name().to_string(),
        today: config.today.format("%Y-%m-%d").to_string(),
        reader: config.as_user.clone(),
        agenda: Some(socket::AgendaAsk {
            days,
            owner: owner.map(str::to_string),
            json,
        }),
    };
    match socket::ask_watcher(&config.location, &request) {
        Ok(served @ (socket::Served::Agenda(_) | socket::Served::AgendaJson(_))) => {
            Ok(Some(served))
        }
        Ok(_) if via == socket::Via::Only => {
            anyhow::bail!(
                "the watcher answered the agenda with something else (DOSSIER_VIA_WATCHER=only)"
            )
        }
        Err(why) if via == socket::Via::Only => {
            anyhow::bail!("{why} (DOSSIER_VIA_WATCHER=only)")
        }
        _ => Ok(None),
    }
}

/// Prints an agenda (`--json` or the human view); returns whether the
/// owner asked for is unknown.
fn print_agenda(config: &Config, json: bool, agenda: &dossier::agenda::Agenda) -> Result<bool> {
    emit(
        json,
        || wire::agenda_json(agenda),
        || render::agenda(config.style, agenda),
    )?;
    Ok(agenda.unknown_owner)
}

/// Prints one JSON line or the human text on stdout.
fn emit(json: bool, value: impl FnOnce() -> String, human: impl FnOnce() -> String) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", value())?;
    } else {
        write!(out, "{}", human())?;
    }
    out.flush()?;
    Ok(())
}

/// `search` or `ask`: answered by a running watcher when one can (see
/// `socket`), else here. Either way the answer is the same data, printed
/// by `print_answer`.
fn searching(
    config: &Config,
    command: Asking,
    text: &str,
    json: bool,
    options: SearchOptions,
) -> Result<ExitCode> {
    let via = socket::Via::from_env()?;
    if via != socket::Via::Never {
        let request = socket::Request {
            build: socket::build_identity(),
            kb: config.location.kb.clone(),
            state_dir: config.location.state_dir.clone(),
            command,
            text: text.to_string(),
            limit: options.limit,
            sort: options.sort.name().to_string(),
            today: config.today.format("%Y-%m-%d").to_string(),
            reader: config.as_user.clone(),
            agenda: None,
        };
        match socket::ask_watcher(&config.location, &request) {
            Ok(socket::Served::Answer(answer)) => {
                if let Some(line) = understood_line(&answer.understood, json) {
                    eprintln!("{line}");
                }
                return print_answer(config, json, &answer);
            }
            Ok(socket::Served::QueryError(message)) => {
                eprintln!("dossier: {message}");
                return Ok(ExitCode::from(2));
            }
            Ok(socket::Served::Agenda(_) | socket::Served::AgendaJson(_))
                if via == socket::Via::Only =>
            {
                anyhow::bail!(
                    "the watcher answered a search with an agenda (DOSSIER_VIA_WATCHER=only)"
                )
            }
            Err(why) if via == socket::Via::Only => {
                anyhow::bail!("{why} (DOSSIER_VIA_WATCHER=only)")
            }
            Ok(socket::Served::Agenda(_) | socket::Served::AgendaJson(_)) | Err(_) => {}
        }
    }
    let prepared = answer::prepare(command, text, config.today, &config.location.kb)?;
    if let Some(line) = understood_line(&prepared.understood, json) {
        eprintln!("{line}");
    }
    let read = open_or_build(config)?;
    let answer = answer::run(
        &prepared,
        &read,
        &config.location,
        &config.reader()?,
        options,
        None,
    )?;
    skip_teardown(read);
    print_answer(config, json, &answer)
}

/// What `ask` says on stderr about the query it understood (not with
/// `--json`, whose object says it).
fn understood_line(understood: &Option<answer::Understood>, json: bool) -> Option<String> {
    match understood {
        Some(understood) if !json => Some(if understood.fallback {
            format!(
                "dossier: could not map the question to a query; searching its words as text: {}",
                understood.query
            )
        } else {
            format!("dossier: understood: {}", understood.query)
        }),
        _ => None,
    }
}

/// Prints an answer as the command does: notices on stderr, the hits on
/// stdout (`wire::search_json` with `--json`); exit 0 with hits, 1 without.
fn print_answer(config: &Config, json: bool, answer: &Answer) -> Result<ExitCode> {
    if !answer.result.notices.is_empty() {
        let mut err = std::io::stderr().lock();
        for notice in &answer.result.notices {
            writeln!(err, "dossier: {notice}")?;
        }
        err.flush()?;
    }
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", wire::search_json(answer))?;
    } else {
        write!(out, "{}", render::search(config.style, &answer.result))?;
    }
    out.flush()?;
    Ok(ExitCode::from(answer.exit_code()))
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
        "dossier: {verb} {}: {} added, {} updated, {} removed, {} unchanged, {} files in error, {} warnings, {:.2} s",
        config.location.kb.display(),
        report.added,
        report.updated,
        report.removed,
        report.unchanged,
        report.files_in_error,
        report.warnings,
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
    let location = &config.location;
    let mut on_wait = |holder: &index::Holder| {
        eprintln!("dossier: waiting for {holder} to finish");
    };
    let report = loop {
        match Writer::open_waiting(
            location,
            index::INDEX,
            index::WRITER_HEAP_BYTES,
            &mut on_wait,
        )? {
            index::Opened::Writer(mut writer) => {
                for problem in &writer.vocabulary_problems {
                    eprintln!("dossier: {problem}");
                }
                let report = writer.reconcile(&mut progress_printer(config.stderr_style))?;
                // The process exits next: its maps of every file need not be freed.
                std::mem::forget(writer.finish()?);
                break report;
            }
            // A watcher keeps this index: it syncs, this reports (as a
            // nightly `index` in cron would alone). If it goes away before
            // it answers, the loop takes the lock and indexes here.
            index::Opened::Watched(holder) => {
                eprintln!("dossier: {holder} keeps this index; asking it to bring it up to date");
                if let Some(reply) = index::handoff::sync_through_watcher(location, &holder)? {
                    for problem in &reply.vocabulary_problems {
                        eprintln!("dossier: {problem}");
                    }
                    break reply.report;
                }
            }
        }
    };
    report_sync(config, "indexed", &report);
    // Files in error are errors (exit 2, as ripgrep does), though every
    // other file was indexed: stderr says which and why. Warnings leave
    // their records usable and the exit code 0.
    Ok(if report.files_in_error > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The longest `--poll` or `--reconcile-every` interval: a week.
const MAX_INTERVAL_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// Reads an interval (`500ms`, `2s`, `5m`, `1.5h`) given to `option`.
/// Fails naming the option and what it was given when the text is no
/// interval, or not between a millisecond and a week (a larger one would
/// make `Duration::from_secs_f64` panic, a smaller one spin).
fn parse_interval(option: &str, text: &str) -> Result<std::time::Duration> {
    let term = format!("{option} {text}");
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(text.len()),
    );
    let expected = "expected an interval like 500ms, 2s, 5m or 1h";
    let value: f64 = number
        .parse()
        .map_err(|_| Error::query(term.as_str(), expected))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(Error::query(term, expected).into()),
    };
    if !(0.001..=MAX_INTERVAL_SECONDS).contains(&seconds) {
        return Err(Error::query(
            term,
            "the interval must be at least 1ms and at most 168h (a week)",
        )
        .into());
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// Leaves the opened index to the operating system: the process exits
/// right after printing, and unmapping the index files one by one costs a
/// one-shot search more than the kernel takes to drop the whole address
/// space at exit (0.2–0.4 ms of a 5–20 ms search, interleaved A/B runs).
fn skip_teardown(read: ReadIndex) {
    std::mem::forget(read);
}

/// Opens the index for searching, building it first when needed
/// (`answer::open_or_build`), and reports the build as `index` does.
fn open_or_build(config: &Config) -> Result<ReadIndex> {
    let (read, built) =
        answer::open_or_build(&config.location, &mut progress_printer(config.stderr_style))?;
    if let Some(report) = built {
        report_sync(config, "indexed", &report);
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_written_yyyy_mm_dd() {
        for (text, expected) in [
            ("2026-12-04", Some("2026-12-04")),
            ("2028-02-29", Some("2028-02-29")),
            ("26-12-04", None),
            ("2026-1-4", None),
            ("2026/12/04", None),
            ("12/04/2026", None),
            ("2026-02-30", None),
            ("+2026-12-04", None),
            ("2026-12-04 ", None),
            ("", None),
        ] {
            let got = parse_today(text).ok().map(|d| d.to_string());
            assert_eq!(got.as_deref(), expected, "{text:?}");
        }
        let message = parse_today("26-12-04").expect_err("a two-digit year");
        assert_eq!(
            message.to_string(),
            "--today 26-12-04: expected a date written YYYY-MM-DD, with a four-digit year, like 2026-12-04"
        );
    }

    #[test]
    fn intervals_are_bounded() {
        for (text, expected) in [
            ("500ms", Ok(0.5)),
            ("2s", Ok(2.0)),
            ("2", Ok(2.0)),
            ("1.5m", Ok(90.0)),
            ("168h", Ok(604_800.0)),
            ("1ms", Ok(0.001)),
            ("169h", Err("at most 168h")),
            ("99999999999999999999h", Err("at most 168h")),
            (&"9".repeat(400), Err("at most 168h")),
            ("0s", Err("at least 1ms")),
            ("0.0001ms", Err("at least 1ms")),
            ("1.2.3s", Err("expected an interval")),
            ("5 minutes", Err("expected an interval")),
            ("", Err("expected an interval")),
            ("-1s", Err("expected an interval")),
        ] {
            let got = parse_interval("--poll", text);
            match expected {
                Ok(seconds) => {
                    assert_eq!(got.expect(text).as_secs_f64(), seconds, "{text}")
                }
                Err(words) => {
                    let message = got.expect_err(text).to_string();
                    assert!(
                        message.starts_with(&format!("--poll {text}: ")) && message.contains(words),
                        "{text}: {message}"
                    );
                }
            }
        }
    }
}
