//! Microbenchmark of the query path inside one process: open the index,
//! then plan, run, group and explain each query shape of BENCHMARKS.md, so
//! a regression in search itself is visible without process start or disk
//! noise. `cargo bench --bench search` indexes a temporary copy of
//! `fixtures/kb`; `bench/run` points it at the benchmark corpus with
//! `DOSSIER_BENCH_KB` and `DOSSIER_BENCH_INDEX` (an index already built).
//! Each line is the median and the fastest of the runs (std only, like
//! `benches/analyzer.rs`). Words after `--` pick the queries that contain
//! them. The agenda shapes (`agenda`, the whole knowledge base and one
//! owner's customers over 14 days) run on the index as a watcher holds it,
//! as `serve` answers `/api/agenda`. `DOSSIER_BENCH_AS=NAME` searches as
//! that person of the knowledge base's team file sees it (a rep's view: the
//! visibility clause); compare with a run without it.
#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use dossier::index::{self, Location, Writer};
use dossier::search::{SearchOptions, Searcher, Sort};

/// Hits shown, as `dossier search` shows by default.
const LIMIT: usize = 20;

/// The query shapes of BENCHMARKS.md's latency table.
const QUERIES: &[&str] = &[
    "计费系统",
    "budget",
    "\"billing system\"",
    "likes:话剧",
    "travel:北京 when:next-week",
    "mentions:联想",
    "tier:vip",
    "owner:刘芳",
    "客户",
    // Version 2: any field, a note's date with a word, birthdays, OR, and
    // every customer by name (`--sort` is read from the text here).
    "region:山东",
    "联想 date:last-month",
    "birthday:next-week",
    "likes:话剧 OR likes:golf",
    "* --sort name",
];

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read fixtures") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        // An index built in the fixture itself is not copied: this bench
        // builds its own.
        if entry.file_name() == ".dossier" {
            continue;
        }
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a fixture");
        }
    }
}

fn main() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    let scratch = tempfile::tempdir().expect("temporary folder");
    let (kb, index_path) = match (
        std::env::var_os("DOSSIER_BENCH_KB"),
        std::env::var_os("DOSSIER_BENCH_INDEX"),
    ) {
        (Some(kb), Some(index)) => (PathBuf::from(kb), PathBuf::from(index)),
        _ => {
            let kb = scratch.path().join("kb");
            copy_dir(
                &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/kb"),
                &kb,
            );
            (kb, scratch.path().join("index"))
        }
    };
    let location = Location::new(&kb, Some(&index_path)).expect("knowledge base");
    if index::open_for_search(&location).is_err() {
        let mut writer = Writer::open(&location, "bench").expect("open the writer");
        writer
            .reconcile(&mut |_| {})
            .expect("index the knowledge base");
        writer.finish().expect("finish indexing");
    }
    let reader = match std::env::var("DOSSIER_BENCH_AS") {
        Ok(name) => dossier::team::Team::load(&kb)
            .expect("read the team file")
            .expect("DOSSIER_BENCH_AS needs a dossier-team.toml")
            .reader(&name)
            .expect("a user of the team file"),
        Err(_) => dossier::team::Reader::everyone(),
    };
    let started = Instant::now();
    let alone = index::open_for_search(&location).expect("open the index");
    println!(
        "{:<36} {:>10.3} ms",
        "open the index",
        started.elapsed().as_secs_f64() * 1e3
    );
    // The index as a running watcher holds it: every document numbered
    // by customer (`search::Ordinals`), so clauses fill plain arrays.
    let started = Instant::now();
    let watched = index::LiveIndex::new()
        .current(&location)
        .expect("open the index as a watcher");
    println!(
        "{:<36} {:>10.3} ms",
        "open and number it as a watcher",
        started.elapsed().as_secs_f64() * 1e3
    );
    // `cargo bench --bench search -- 客户` runs only the queries that
    // contain one of the words given (cargo itself passes `--bench`).
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let chosen = QUERIES
        .iter()
        .filter(|text| only.is_empty() || only.iter().any(|word| text.contains(word.as_str())));
    for text in chosen {
        let (query_text, sort) = match text.split_once(" --sort ") {
            Some((query_text, sort)) => (query_text, Sort::parse(sort).expect("a --sort word")),
            None => (*text, Sort::Score),
        };
        let query = dossier::query::parse(query_text, today).expect("query parses");
        for (how, read) in [("search", &alone), ("watcher", &watched)] {
            let mut times = Vec::new();
            let mut total = 0;
            let budget = Instant::now();
            while times.len() < 5
                || (budget.elapsed() < Duration::from_secs(1) && times.len() < 200)
            {
                let started = Instant::now();
                let result = Searcher::new(read, &location, &reader)
                    .search(&query, SearchOptions { limit: LIMIT, sort })
                    .expect("search runs");
                times.push(started.elapsed());
                total = result.total;
            }
            times.sort();
            println!(
                "{how:<7} {:<28} {:>10.3} ms median, {:>8.3} ms fastest, {} runs, {} customers",
                text,
                times[times.len() / 2].as_secs_f64() * 1e3,
                times[0].as_secs_f64() * 1e3,
                times.len(),
                total
            );
        }
    }
    if only.is_empty() || only.iter().any(|word| word == "agenda") {
        agenda_shapes(
            &[("search", &alone), ("watcher", &watched)],
            &location,
            today,
            &reader,
        );
    }
}

/// `agenda` over 14 days: the whole knowledge base, then the owner of its
/// first item alone (a rep's morning agenda), as `reader` sees them.
/// Printed as the query shapes are (`bench.py` tables them), with the
/// customers listed (items and attention) as the count.
fn agenda_shapes(
    reads: &[(&str, &index::ReadIndex)],
    location: &Location,
    today: chrono::NaiveDate,
    reader: &dossier::team::Reader,
) {
    use dossier::agenda::{Agenda, AgendaOptions, agenda};
    let mut shapes = vec![("agenda".to_string(), AgendaOptions::default())];
    let first =
        agenda(reads[0].1, location, today, &AgendaOptions::default()).expect("agenda runs");
    if let Some(owner) = first
        .items
        .iter()
        .find_map(|item| item.owner.clone())
        .or_else(|| first.attention.iter().find_map(|a| a.owner.clone()))
    {
        shapes.push((
            format!("agenda --owner {owner}"),
            AgendaOptions {
                owner: Some(owner),
                ..AgendaOptions::default()
            },
        ));
    }
    let customers = |found: &Agenda| {
        let mut ids: Vec<&str> = found
            .items
            .iter()
            .map(|item| item.id.as_str())
            .chain(found.attention.iter().map(|a| a.id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    for (shape, options) in &shapes {
        for (how, read) in reads {
            let mut times = Vec::new();
            let mut listed = 0;
            let budget = Instant::now();
            while times.len() < 5
                || (budget.elapsed() < Duration::from_secs(1) && times.len() < 200)
            {
                let started = Instant::now();
                // The reader's view is part of the work, as the watcher does it.
                let options = AgendaOptions {
                    days: options.days,
                    owner: options.owner.clone(),
                    ..AgendaOptions::default()
                }
                .for_reader(read, reader);
                let found = agenda(read, location, today, &options).expect("agenda runs");
                times.push(started.elapsed());
                listed = customers(&found);
            }
            times.sort();
            println!(
                "{how:<7} {:<28} {:>10.3} ms median, {:>8.3} ms fastest, {} runs, {} customers",
                shape,
                times[times.len() / 2].as_secs_f64() * 1e3,
                times[0].as_secs_f64() * 1e3,
                times.len(),
                listed
            );
        }
    }
}
