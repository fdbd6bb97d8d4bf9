//! A child process's stderr, collected line by line on a thread of its
//! own, and waited on with a deadline: shared by the tests that run a
//! watcher (`tests/cli`) and a server (`tests/browser`).

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The lines a child has written on its (piped) stderr so far.
#[derive(Clone)]
pub struct StderrLines(Arc<Mutex<Vec<String>>>);

impl StderrLines {
    /// Starts collecting `child`'s stderr, which must be piped.
    pub fn collect(child: &mut Child) -> StderrLines {
        let stderr = child.stderr.take().expect("piped stderr");
        let lines = StderrLines(Arc::new(Mutex::new(Vec::new())));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.0.lock().expect("stderr lines").push(line);
            }
        });
        lines
    }

    /// Everything so far, one line each.
    pub fn text(&self) -> String {
        self.0.lock().expect("stderr lines").join("\n")
    }

    /// The first line so far that holds `fragment`.
    pub fn first_with(&self, fragment: &str) -> Option<String> {
        self.0
            .lock()
            .expect("stderr lines")
            .iter()
            .find(|line| line.contains(fragment))
            .cloned()
    }

    /// The first line that holds `fragment`, waiting for it; fails the
    /// test with every line when none came within `deadline`.
    pub fn wait_for(&self, fragment: &str, deadline: Duration) -> String {
        let started = Instant::now();
        loop {
            if let Some(line) = self.first_with(fragment) {
                return line;
            }
            assert!(
                started.elapsed() < deadline,
                "no stderr line with {fragment:?}: {}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
