//! Proof that the index equals the folder: a model of a knowledge base kept
//! in the test, random changes made on a real folder the way people, editors
//! and sync clients make them, a real `dossier watch` killed with SIGKILL at
//! random moments and restarted, and after each quiet point the index's
//! answers (`*`, each customer's own word, each note's own word, `show`,
//! each `likes:` group) compared with the model's. At the end a full rebuild
//! into a fresh index must give the same answers as the incremental one.
//!
//! The run is decided by one seed: `DOSSIER_CONVERGE_SEED=N` replays a run
//! (the operations; the watcher's timing is the machine's), and
//! `DOSSIER_CONVERGE_OPS=N` makes it longer than the default. A failure
//! prints the seed and the operations that led to it;
//! `DOSSIER_CONVERGE_KEEP=1` keeps the folder it failed on, and
//! `DOSSIER_CONVERGE_SNAPSHOTS=1` the folder as each kill left it.

mod answers;
mod model;
mod ops;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{code, describe, dossier};
use answers::{Watcher, answers, differences, run};
use model::{
    Answers, CUSTOMER_FOLDERS, Content, Customer, EVERYONE, File, GROUPS, Model, NAMES, NICKNAMES,
    NOTE_FOLDERS, Note, PLAIN_FOLDERS, Probe, Rng, fits, folder_kind, id_key, parent, vocab_line,
};

/// Features other branches are adding. Each gates only the operations (or
/// the one check) that need it; flip it when the feature is in main.
///
/// `*` lists every customer (the query helper). Without it "every customer"
/// is read through a word every customer file holds.
const STAR_QUERY: bool = true;
/// Two records claiming one id (compared case-insensitively): the one whose
/// path sorts first keeps it (the trust-index helper). Without it no two
/// records ever share an id.
const DUPLICATE_IDS: bool = true;
/// Links by a customer's name or nickname (case and script folded) and by
/// an id written in another case (the trust-index helper). Without it,
/// links are ids as written.
const LINKS_BY_NAME: bool = true;
/// `watch` started while another process briefly writes the index waits for
/// it instead of exiting, and `index` while a watcher runs asks the watcher
/// (the trust-index helper).
const ONE_WRITER_WAITS: bool = true;

/// Operations of a default run: enough to meet every kind of change and a
/// few kills, small enough for CI on two busy cores.
const DEFAULT_OPS: usize = 150;
/// The seed of a default run.
const DEFAULT_SEED: u64 = 0x5eed_d055_1e00_0015;
/// How many notes' own words and dossiers a quiet point asks about (and
/// half as many words that are gone): every answer is a process to start.
const SAMPLE: usize = 6;
/// How long a quiet point may take to converge before it is a mismatch.
const DEADLINE: Duration = Duration::from_secs(30);

/// Known bugs, each reproduced by its own test (on the `proof` branch, see `DEFAULT_AVOID`), whose
/// operations a run leaves out when `DOSSIER_CONVERGE_AVOID` names them
/// (comma-separated), to look for other bugs while those are being fixed.
/// Every comparison stays as strict; `DEFAULT_AVOID` says what a default run leaves out.
const KNOWN_BUGS: &[(&str, &str)] = &[
    (
        "lost-rename",
        "fixed (watch::debounce keeps every raw event; the test is \
         watch::a_renamed_file_deleted_or_saved_over_at_once_leaves_no_old_record): \
         no save through a ~ backup, and a file that was the target of a rename is \
         renamed, deleted or saved through a rename again only after a quiet point",
    ),
    (
        "kept-duplicate",
        "fixed (a kept last good version gives up an id a path that sorts first claims; \
         the test is ids_links::a_broken_files_last_good_version_gives_up_its_id_to_a_path_that_sorts_first): \
         no id held by a broken file's last good version is claimed again (id change, copy, rename)",
    ),
    (
        "killed-rebuild",
        "fixed (a rebuild moves the index it replaces aside until its first commit; \
         the test is index::a_rebuild_killed_half_way_keeps_the_last_good_versions_of_broken_files): \
         the watcher finishes each vocabulary rebuild before anything else happens",
    ),
];

/// Known bugs a run leaves out when `DOSSIER_CONVERGE_AVOID` is not set:
/// none.
const DEFAULT_AVOID: &[&str] = &[];

/// One run: the folder, the model of it, the watcher, and what happened.
struct Run {
    seed: u64,
    rng: Rng,
    model: Model,
    dir: tempfile::TempDir,
    watcher: Option<Watcher>,
    log: Vec<String>,
    ops: usize,
    kills: usize,
    quiet_points: usize,
    /// Time spent waiting for the index to answer as the model says.
    waited: Duration,
    /// Names from `KNOWN_BUGS` whose operations this run leaves out.
    avoid: BTreeSet<String>,
    /// What the watchers killed or stopped so far said, for a failure's record.
    past_watchers: String,
}

/// How a file is written.
#[derive(Clone, Copy, Debug)]
enum Save {
    /// `fs::write`: truncate, then write.
    Whole,
    /// A hidden temporary file renamed over the file, as editors save.
    Atomic,
    /// The first half, a pause, then the rest, as a slow editor or a sync
    /// client writes.
    Halves,
    /// As vim saves: the file renamed to a backup `~`, written anew, the
    /// backup deleted.
    Backup,
}

impl Run {
    fn new(seed: u64, avoid: BTreeSet<String>) -> Run {
        let dir = tempfile::Builder::new()
            .prefix("dossier-converge-")
            .tempdir()
            .expect("creating a temporary directory");
        Run {
            seed,
            rng: Rng(seed),
            model: Model::default(),
            dir,
            watcher: None,
            log: Vec::new(),
            ops: 0,
            kills: 0,
            quiet_points: 0,
            waited: Duration::ZERO,
            avoid,
            past_watchers: String::new(),
        }
    }

    fn avoids(&self, bug: &str) -> bool {
        self.avoid.contains(bug)
    }

    fn root(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn note(&mut self, line: String) {
        self.log.push(format!("[{:>4}] {line}", self.ops));
    }

    /// Fails the test with the seed, the operations and the watcher's last words.
    fn fail(&self, what: &str) -> ! {
        let log_path = std::env::temp_dir().join(format!("dossier-converge-{}.log", self.seed));
        let _ = std::fs::write(&log_path, self.log.join("\n"));
        // Every watcher's whole stderr, the one running last.
        let stderr_path =
            std::env::temp_dir().join(format!("dossier-converge-{}.watchers.log", self.seed));
        let current = self
            .watcher
            .as_ref()
            .map(Watcher::stderr)
            .unwrap_or_default();
        let _ = std::fs::write(&stderr_path, format!("{}{current}", self.past_watchers));
        // `DOSSIER_CONVERGE_KEEP=1` keeps a copy of the folder (and its
        // index) to look at.
        let kept = std::env::temp_dir().join(format!("dossier-converge-{}.kept", self.seed));
        let kept = if std::env::var_os("DOSSIER_CONVERGE_KEEP").is_some() && self.copy_folder(&kept)
        {
            format!("\nthe folder is kept in {}", kept.display())
        } else {
            String::new()
        };
        let tail: Vec<&String> = self.log.iter().rev().take(60).rev().collect();
        let watcher = self.watcher.as_ref().map_or(String::new(), |w| {
            let stderr = w.stderr();
            let lines: Vec<&str> = stderr.lines().collect();
            lines[lines.len().saturating_sub(30)..].join("\n")
        });
        panic!(
            "{what}\n\nreplay: DOSSIER_CONVERGE_SEED={} DOSSIER_CONVERGE_OPS={} \
             DOSSIER_CONVERGE_AVOID={} ({} operations done, {} kills, {} quiet points)\n\
             whole log: {}, every watcher's stderr: {}{kept}\n--- last operations ---\n{}\n--- watcher stderr (last lines) ---\n{watcher}",
            self.seed,
            self.ops,
            self.avoid.iter().cloned().collect::<Vec<_>>().join(","),
            self.ops,
            self.kills,
            self.quiet_points,
            log_path.display(),
            stderr_path.display(),
            tail.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }

    /// Copies the folder (and its index) to `to`, replacing what is
    /// there; true when it worked.
    fn copy_folder(&self, to: &Path) -> bool {
        let _ = std::fs::remove_dir_all(to);
        Command::new("cp")
            .arg("-a")
            .arg(self.root())
            .arg(to)
            .status()
            .is_ok_and(|status| status.success())
    }

    // ---- the watcher ----

    fn start_watcher(&mut self) {
        let root = self.root();
        let writer = if ONE_WRITER_WAITS && self.rng.chance(30) {
            // Another process holds the writer for a moment (an `index`
            // run, a search bringing the index up to date): the watcher
            // must wait for it, not exit.
            let args: &[&str] = if self.rng.chance(50) {
                &["index"]
            } else {
                &["search", "--json", EVERYONE]
            };
            self.note(format!(
                "start the watcher while `dossier {}` runs",
                args.join(" ")
            ));
            Some(
                crate::dossier_command(&root, args)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap_or_else(|e| self.fail(&format!("starting dossier {args:?}: {e}"))),
            )
        } else {
            self.note("start the watcher".to_string());
            None
        };
        // The safety net's periodic reconcile would mend a missed event
        // within a minute, at a random point of the run: without it, each
        // quiet point proves that the events alone were followed.
        match Watcher::start(&root, &["--reconcile-every", "1h"]) {
            Ok(watcher) => self.watcher = Some(watcher),
            Err(message) => self.fail(&message),
        }
        if let Some(mut writer) = writer {
            let _ = writer.wait();
        }
    }

    fn kill_watcher(&mut self) {
        let pause = self.rng.below(250) as u64;
        std::thread::sleep(Duration::from_millis(pause));
        if let Some(watcher) = self.watcher.take() {
            self.note(format!("SIGKILL the watcher after {pause} ms"));
            self.past_watchers += &watcher.stderr();
            self.past_watchers += &format!("--- SIGKILL at operation {} ---\n", self.ops);
            watcher.kill();
            self.kills += 1;
            // `DOSSIER_CONVERGE_SNAPSHOTS=1` keeps the folder and its index
            // as each kill left them: what the next writer starts from,
            // to replay with `dossier index` (seed 4242's lost deletion
            // was found so).
            if std::env::var_os("DOSSIER_CONVERGE_SNAPSHOTS").is_some() {
                self.copy_folder(
                    &std::env::temp_dir()
                        .join(format!("dossier-converge-{}.kill-{}", self.seed, self.ops)),
                );
            }
        }
    }

    /// Waits until the index answers as the model says, or fails at the deadline.
    fn quiet_point(&mut self) {
        // `dossier index` brings the index up to date and returns: with no
        // watcher on its own, with one (`ONE_WRITER_WAITS`) by asking it.
        // Either way the answers must be right as soon as it exits.
        let by_index = if self.watcher.is_none() {
            self.rng.chance(30)
        } else {
            ONE_WRITER_WAITS && self.rng.chance(25)
        };
        if by_index {
            let root = self.root();
            let output = dossier(&root, &["index"]);
            let expected = if !self.model.resolve().errors.is_empty() {
                2
            } else {
                0
            };
            let watching = if self.watcher.is_some() {
                "with"
            } else {
                "without"
            };
            self.note(format!(
                "quiet point by `dossier index` {watching} a watcher (exit {})",
                code(&output)
            ));
            // Exit 2 is also an index error: files in error only, never that.
            if code(&output) != expected || crate::stderr(&output).contains("index error") {
                self.fail(&format!(
                    "index {watching} a watcher: exit code {expected} expected, and no index error\n{}",
                    describe(&output)
                ));
            }
        } else {
            if self.watcher.is_none() {
                self.start_watcher();
            }
            self.note("quiet point".to_string());
        }
        self.quiet_points += 1;
        let probe = self.model.probe(&mut self.rng, Some(SAMPLE));
        let expected = self.model.expected(&probe);
        let patience = if by_index { Duration::ZERO } else { DEADLINE };
        self.converge(None, &probe, &expected, patience);
        self.model.synced = self.model.files.keys().cloned().collect();
        self.model.synced_records = self.model.indexed_records();
        self.model.dirty.clear();
        self.model.moved.clear();
    }

    /// Polls the answers of an index until they equal `expected`, for at
    /// most `patience` (zero: they must be right at once).
    fn converge(
        &mut self,
        index: Option<&Path>,
        probe: &Probe,
        expected: &Answers,
        patience: Duration,
    ) -> Answers {
        let root = self.root();
        let started = Instant::now();
        loop {
            let got = answers(&root, index, probe, expected, true);
            match got {
                Ok(got) if &got == expected => {
                    self.waited += started.elapsed();
                    self.note(format!("converged in {} ms", started.elapsed().as_millis()));
                    return got;
                }
                Ok(sampled) if started.elapsed() >= patience => {
                    // Everything the index answers wrong, not only the
                    // first: every word and dossier, without stopping; and
                    // what the sample that failed found (its gone words are
                    // not all in the whole probe).
                    let mut differences = differences(expected, &sampled);
                    let probe = self.model.probe(&mut self.rng, None);
                    let expected = self.model.expected(&probe);
                    match answers(&root, index, &probe, &expected, false) {
                        Ok(got) => differences.extend(
                            crate::converge::answers::differences(&expected, &got)
                                .into_iter()
                                .map(|d| format!("(whole probe) {d}")),
                        ),
                        Err(message) => differences.push(message),
                    };
                    self.fail(&format!(
                        "the index does not answer as the folder says after {patience:?} \
                         ({} differences):\n{}",
                        differences.len(),
                        differences.join("\n")
                    ))
                }
                Err(message) if started.elapsed() >= patience => self.fail(&message),
                _ => {}
            }
            if let Some(watcher) = self.watcher.as_mut()
                && !watcher.alive()
            {
                self.fail("the watcher died");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Run {
    /// Stops the watcher with SIGTERM: it must finish and exit 0.
    fn stop_watcher(&mut self) {
        let Some(mut watcher) = self.watcher.take() else {
            return;
        };
        self.note("SIGTERM the watcher".to_string());
        let pid = watcher.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        if !sent.is_ok_and(|status| status.success()) {
            self.fail("could not send SIGTERM to the watcher");
        }
        let started = Instant::now();
        loop {
            match watcher.child.try_wait() {
                Ok(Some(status)) if status.code() == Some(0) => {
                    self.past_watchers += &watcher.stderr();
                    self.past_watchers += &format!("--- SIGTERM at operation {} ---\n", self.ops);
                    return;
                }
                Ok(Some(status)) => {
                    self.watcher = Some(watcher);
                    self.fail(&format!("the watcher stopped with {status}"));
                }
                _ if started.elapsed() > DEADLINE => {
                    self.watcher = Some(watcher);
                    self.fail("the watcher did not stop after SIGTERM");
                }
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    /// `status --json`'s counts and files in error, to compare two indexes.
    fn status(&mut self, index: Option<&Path>) -> Value {
        let output = run(&self.root(), index, &["status", "--json"]);
        let status: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            self.fail(&format!("status: not JSON ({e})\n{}", describe(&output)))
        });
        let mut in_error = status["files_in_error"].clone();
        if let Some(list) = in_error.as_array_mut() {
            list.sort_by_key(|entry| entry.to_string());
        }
        json!({
            "customers": status["customers"],
            "meetings": status["meetings"],
            "visits": status["visits"],
            "files": status["files"],
            "files_in_error": in_error,
        })
    }

    /// Fixes every broken file, waits for the watcher, stops it, and
    /// compares the incremental index with a full rebuild into a fresh one.
    fn finish(&mut self) {
        while !self.paths(|f| matches!(f, File::Broken(_))).is_empty() {
            self.fix_file();
        }
        if self.watcher.is_none() {
            self.start_watcher();
        }
        self.quiet_point();
        self.stop_watcher();
        let probe = self.model.probe(&mut self.rng, None);
        let expected = self.model.expected(&probe);
        self.note("the incremental index, no watcher".to_string());
        let incremental = self.converge(None, &probe, &expected, Duration::ZERO);
        let incremental_status = self.status(None);

        let fresh = tempfile::Builder::new()
            .prefix("dossier-converge-fresh-")
            .tempdir()
            .expect("creating a temporary directory");
        let index = fresh.path().join("index");
        let output = run(&self.root(), Some(&index), &["index"]);
        let expected_code = if !self.model.resolve().errors.is_empty() {
            2
        } else {
            0
        };
        self.note(format!(
            "full rebuild into {} (exit {})",
            index.display(),
            code(&output)
        ));
        if code(&output) != expected_code || crate::stderr(&output).contains("index error") {
            self.fail(&format!(
                "a full rebuild: exit code {expected_code} expected, and no index error\n{}",
                describe(&output)
            ));
        }
        let rebuilt = self.converge(Some(&index), &probe, &expected, Duration::ZERO);
        let rebuilt_status = self.status(Some(&index));
        if rebuilt != incremental {
            self.fail(&format!(
                "a full rebuild answers otherwise than the incremental index:\n{}",
                differences(&incremental, &rebuilt).join("\n")
            ));
        }
        if rebuilt_status != incremental_status {
            self.fail(&format!(
                "status differs: incremental {incremental_status}\nrebuilt {rebuilt_status}"
            ));
        }
    }
}

/// A number from the environment (decimal, or hex with `0x`).
fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    Some(parsed.unwrap_or_else(|e| panic!("{name}={text}: not a number ({e})")))
}

#[test]
#[allow(
    clippy::print_stderr,
    reason = "the run's figures, for a long run's record"
)]
fn the_index_converges_to_the_folder_through_random_changes_and_kills() {
    let seed = env_number("DOSSIER_CONVERGE_SEED").unwrap_or(DEFAULT_SEED);
    let total = env_number("DOSSIER_CONVERGE_OPS").map_or(DEFAULT_OPS, |n| n as usize);
    let started = Instant::now();
    let avoid: BTreeSet<String> = std::env::var("DOSSIER_CONVERGE_AVOID")
        .unwrap_or_else(|_| DEFAULT_AVOID.join(","))
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            assert!(
                KNOWN_BUGS.iter().any(|(known, _)| *known == name),
                "DOSSIER_CONVERGE_AVOID: {name} is none of {KNOWN_BUGS:#?}"
            );
            name.to_string()
        })
        .collect();
    let mut run = Run::new(seed, avoid);
    run.start_watcher();
    let mut until_quiet = 1 + run.rng.below(10);
    while run.ops < total {
        run.ops += 1;
        run.operation();
        if run.watcher.is_some() && run.rng.chance(5) {
            run.kill_watcher();
        } else if run.watcher.is_none() && run.rng.chance(35) {
            run.start_watcher();
        }
        until_quiet -= 1;
        if until_quiet == 0 {
            run.quiet_point();
            until_quiet = 3 + run.rng.below(12);
        }
    }
    run.finish();
    eprintln!(
        "converge: seed {seed:#x}, avoiding {:?}: {} operations, {} kills, {} quiet points, 0 mismatches, \
         {:.1} s ({:.1} s in quiet points)",
        run.avoid,
        run.ops,
        run.kills,
        run.quiet_points,
        started.elapsed().as_secs_f64(),
        run.waited.as_secs_f64(),
    );
}
