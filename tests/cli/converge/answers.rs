//! What dossier answers: searches, dossiers and a running watcher, read
//! into the same shape as the model's expectations.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::model::{Answers, EVERYONE, Probe, Shown, ShownNote, Status};
use super::{DEADLINE, LINKS_BY_NAME, STAR_QUERY};
use crate::stderr_lines::StderrLines;
use crate::{code, describe, dossier};

/// Runs dossier on the folder, with another index if given.
pub fn run(root: &Path, index: Option<&Path>, args: &[&str]) -> std::process::Output {
    let mut all: Vec<&str> = Vec::new();
    let index_text;
    if let Some(index) = index {
        index_text = index.to_string_lossy().into_owned();
        all.extend(["--index", index_text.as_str()]);
    }
    all.extend(args);
    dossier(root, &all)
}

/// Hits of a `search --json --limit 100000 QUERY`, id -> (name, path);
/// an error if the search failed or its output is inconsistent.
pub fn hits(
    root: &Path,
    index: Option<&Path>,
    query: &str,
) -> Result<BTreeMap<String, (String, String)>, String> {
    let output = run(
        root,
        index,
        &["search", "--json", "--limit", "100000", query],
    );
    let value: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("search {query:?}: not JSON ({e})\n{}", describe(&output)))?;
    let list = value["hits"]
        .as_array()
        .ok_or_else(|| format!("search {query:?}: no hits\n{}", describe(&output)))?;
    let expected_code = if list.is_empty() { 1 } else { 0 };
    if code(&output) != expected_code || value["total"].as_u64() != Some(list.len() as u64) {
        return Err(format!(
            "search {query:?}: exit code or total does not match the hits\n{}",
            describe(&output)
        ));
    }
    let mut found = BTreeMap::new();
    for hit in list {
        let id = hit["id"].as_str().unwrap_or_default().to_string();
        let entry = (
            hit["name"].as_str().unwrap_or_default().to_string(),
            hit["path"].as_str().unwrap_or_default().to_string(),
        );
        if found.insert(id.clone(), entry).is_some() {
            return Err(format!("search {query:?}: {id} appears twice"));
        }
    }
    Ok(found)
}

/// `show --json ID`: the profile and the notes, sorted as the model sorts them.
pub fn show(root: &Path, index: Option<&Path>, id: &str) -> Result<Shown, String> {
    let output = run(root, index, &["show", "--json", id]);
    if code(&output) != 0 {
        return Ok((json!(format!("show exits {}", code(&output))), Vec::new()));
    }
    let value: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("show {id}: not JSON ({e})\n{}", describe(&output)))?;
    let mut notes: Vec<ShownNote> = value["notes"]
        .as_array()
        .ok_or_else(|| format!("show {id}: no notes\n{}", describe(&output)))?
        .iter()
        .map(|note| {
            let text = |key: &str| note[key].as_str().unwrap_or_default().to_string();
            // Compared with the record: whether it is a last good version.
            let mut record = note["record"].clone();
            if let (Some(flag), Value::Object(fields)) = (note.get("last_good"), &mut record) {
                fields.insert("(last_good)".into(), flag.clone());
            }
            (text("id"), text("kind"), text("path"), record)
        })
        .collect();
    notes.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
    Ok((value["profile"].clone(), notes))
}

/// `status --json`'s files in error and counts of customers, meetings, visits.
fn status(root: &Path, index: Option<&Path>) -> Result<Status, String> {
    let output = run(root, index, &["status", "--json"]);
    let value: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("status: not JSON ({e})\n{}", describe(&output)))?;
    let in_error = value["files_in_error"]
        .as_array()
        .ok_or_else(|| format!("status: no files_in_error\n{}", describe(&output)))?
        .iter()
        .map(|entry| entry["path"].as_str().unwrap_or_default().to_string())
        .collect();
    let warnings = if LINKS_BY_NAME {
        value["problems"]
            .as_array()
            .ok_or_else(|| format!("status: no problems\n{}", describe(&output)))?
            .iter()
            .filter(|problem| problem["severity"] == "warning")
            .map(|problem| problem["path"].as_str().unwrap_or_default().to_string())
            .collect()
    } else {
        BTreeSet::new()
    };
    let count = |key: &str| value[key].as_u64().unwrap_or(u64::MAX);
    Ok((
        in_error,
        warnings,
        [count("customers"), count("meetings"), count("visits")],
    ))
}

/// Asks the index everything the probe lists; with `early`, stops at the
/// first answer that differs from `expected` (the caller polls again).
pub fn answers(
    root: &Path,
    index: Option<&Path>,
    probe: &Probe,
    expected: &Answers,
    early: bool,
) -> Result<Answers, String> {
    let mut got = Answers {
        everyone: hits(root, index, EVERYONE)?,
        ..Answers::default()
    };
    if STAR_QUERY {
        got.star = Some(hits(root, index, "*")?);
    }
    if early && (got.everyone != expected.everyone || got.star != expected.star) {
        return Ok(got);
    }
    got.status = status(root, index)?;
    if early && got.status != expected.status {
        return Ok(got);
    }
    for query in &probe.likes {
        let ids = hits(root, index, query)?.into_keys().collect();
        got.likes.insert(query.clone(), ids);
        if early && got.likes.get(query) != expected.likes.get(query) {
            return Ok(got);
        }
    }
    for word in &probe.words {
        let ids = hits(root, index, word)?.into_keys().collect();
        got.words.insert(word.clone(), ids);
        if early && got.words.get(word) != expected.words.get(word) {
            return Ok(got);
        }
    }
    for id in &probe.shows {
        let shown = show(root, index, id)?;
        got.shows.insert(id.clone(), shown);
        if early && got.shows.get(id) != expected.shows.get(id) {
            return Ok(got);
        }
    }
    Ok(got)
}

/// Every difference between two answers, for a failure message.
pub fn differences(expected: &Answers, got: &Answers) -> Vec<String> {
    fn all<K: Ord + std::fmt::Debug, V: PartialEq + std::fmt::Debug>(
        found: &mut Vec<String>,
        what: &str,
        expected: &BTreeMap<K, V>,
        got: &BTreeMap<K, V>,
    ) {
        for (key, want) in expected {
            match got.get(key) {
                Some(have) if have == want => {}
                have => found.push(format!(
                    "{what} {key:?}:\n  expected {want:?}\n  got      {have:?}"
                )),
            }
        }
        for (key, have) in got {
            if !expected.contains_key(key) {
                found.push(format!("{what} {key:?}: not expected, got {have:?}"));
            }
        }
    }
    let mut found = Vec::new();
    all(
        &mut found,
        "every customer",
        &expected.everyone,
        &got.everyone,
    );
    let none = BTreeMap::new();
    all(
        &mut found,
        "`*`",
        expected.star.as_ref().unwrap_or(&none),
        got.star.as_ref().unwrap_or(&none),
    );
    if expected.status != got.status {
        found.push(format!(
            "status (files in error; with warnings; customers, meetings, visits):\n  expected {:?}\n  got      {:?}",
            expected.status, got.status
        ));
    }
    all(&mut found, "likes", &expected.likes, &got.likes);
    all(&mut found, "word", &expected.words, &got.words);
    all(&mut found, "show", &expected.shows, &got.shows);
    found
}

/// A running `dossier watch` whose stderr is collected line by line.
pub struct Watcher {
    pub child: Child,
    pub lines: StderrLines,
}

impl Watcher {
    /// Starts a watcher and waits until it says it is watching.
    pub fn start(root: &Path, extra: &[&str]) -> Result<Watcher, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .current_dir(std::env::temp_dir())
            .args(["watch", "--dir"])
            .arg(root)
            .args(["--today", crate::TODAY])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting dossier watch: {e}"))?;
        let lines = StderrLines::collect(&mut child);
        let mut watcher = Watcher { child, lines };
        let started = Instant::now();
        loop {
            if watcher.stderr().contains("watching") {
                return Ok(watcher);
            }
            if let Ok(Some(status)) = watcher.child.try_wait() {
                return Err(format!(
                    "the watcher exited before watching ({status}):\n{}",
                    watcher.stderr()
                ));
            }
            if started.elapsed() > DEADLINE {
                return Err(format!(
                    "the watcher never said it was watching:\n{}",
                    watcher.stderr()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stderr(&self) -> String {
        self.lines.text()
    }

    /// SIGKILL (std's `kill` on Unix), and reaps it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
