//! `dossier serve` tested from outside: the real binary on a temporary copy
//! of `fixtures/kb`, its JSON API over plain HTTP (`api`), and its pages in
//! a real browser, headless chromium driven through chromedriver
//! (`pages`). Every wait is a poll with a deadline.

mod api;
mod pages;
#[path = "../common/stderr_lines.rs"]
#[allow(dead_code, reason = "shared with tests/cli, which uses all of it")]
mod stderr_lines;
mod team;
#[path = "../common/team_views.rs"]
mod team_views;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use stderr_lines::StderrLines;

/// The date the fixtures' relative dates are computed from.
pub const TODAY: &str = "2026-11-23";
/// The longest any wait may take.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A customer whose every text is markup, and a note about them that is too.
pub const HOSTILE_NAME: &str = "<img src=x onerror=alert(1)>";
const HOSTILE_CUSTOMER: &str = r#"{"id": "x1", "name": "<img src=x onerror=alert(1)>",
 "company": "<script>alert(2)</script>", "owner": "<b>刘芳</b>",
 "interests": ["话剧", "<i>golf</i>"], "notes": "</p><img src=y onerror=alert(3)>"}"#;
const HOSTILE_NOTE: &str = r#"{"id": "mx1", "kind": "meeting", "customer": "x1", "date": "2026-11-20",
 "title": "<svg onload=alert(4)>", "text": "话剧 <img src=z onerror=alert(5)> \"quoted\" & more"}"#;
/// A note whose date is written day first: a warning on the status page.
pub const UNDATED_NOTE: &str = "meetings/mx2-day-first.json";
/// A file that cannot be read, for the status page.
pub const BROKEN_FILE: &str = "customers/broken-syntax.json";

/// Copies `fixtures/NAME` to a fresh temporary directory.
pub fn fixture(name: &str) -> TempDir {
    let temp = tempfile::Builder::new()
        .prefix("dossier-serve-test-")
        .tempdir()
        .expect("creating a temporary directory");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    copy_tree(&fixture, temp.path());
    temp
}

/// Copies `fixtures/kb` to a fresh temporary directory, with the hostile
/// customer and note and a broken file added.
pub fn kb() -> TempDir {
    let temp = fixture("kb");
    write(temp.path(), "customers/x1-hostile.json", HOSTILE_CUSTOMER);
    write(temp.path(), "meetings/mx1-hostile.json", HOSTILE_NOTE);
    write(temp.path(), BROKEN_FILE, "{\"id\": \"b1\", \"name\": ");
    write(
        temp.path(),
        UNDATED_NOTE,
        r#"{"id": "mx2", "kind": "meeting", "customer": "c001", "date": "12/08/2026", "text": "日期写法不对"}"#,
    );
    temp
}

pub fn write(dir: &Path, rel: &str, text: &str) {
    std::fs::write(dir.join(rel), text).unwrap_or_else(|e| panic!("writing {rel}: {e}"));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("creating a folder");
    for entry in std::fs::read_dir(from).expect("reading a fixture folder") {
        let entry = entry.expect("a directory entry");
        if entry.file_name() == ".dossier" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copying a fixture file");
        }
    }
}

/// `dossier --dir DIR --today TODAY ARGS…` with a scrubbed environment,
/// searching alone (not through the server's socket).
pub fn dossier(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dossier"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("DOSSIER_VIA_WATCHER", "no")
        .current_dir(std::env::temp_dir())
        .arg("--dir")
        .arg(dir)
        .args(["--today", TODAY])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running dossier {args:?}: {e}"))
}

/// A running `dossier serve --listen 127.0.0.1:0`, killed when dropped.
pub struct Server {
    child: Child,
    lines: StderrLines,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The knowledge base it serves.
    pub dir: PathBuf,
}

impl Server {
    /// Starts the server and waits until it watches (the index is built).
    pub fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_dossier"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .arg("serve")
            .arg("--dir")
            .arg(dir)
            .args(["--today", TODAY, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting dossier serve");
        let lines = StderrLines::collect(&mut child);
        let mut server = Server {
            child,
            lines,
            base: String::new(),
            dir: dir.to_path_buf(),
        };
        let listening = server.wait_for_line("listening on http://");
        server.base = listening
            .trim()
            .strip_prefix("listening on ")
            .expect("the line starts so")
            .to_string();
        server.wait_for_line("watching");
        server
    }

    /// The first stderr line holding `fragment`, waiting for it.
    pub fn wait_for_line(&self, fragment: &str) -> String {
        self.lines.wait_for(fragment, DEADLINE)
    }

    /// `GET path` (already percent-encoded) with extra headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        self.request("GET", path, headers, "")
    }

    /// `POST path` with a form body (`application/x-www-form-urlencoded`).
    pub fn post_form(&self, path: &str, headers: &[(&str, &str)], form: &str) -> Response {
        let mut all = headers.to_vec();
        all.push(("content-type", "application/x-www-form-urlencoded"));
        self.request("POST", path, &all, form)
    }

    /// One HTTP/1.1 request on a connection of its own.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Response {
        let address = self.base.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connecting to the server");
        stream.set_read_timeout(Some(DEADLINE)).expect("a timeout");
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if method != "GET" {
            request.push_str(&format!("content-length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).expect("sending");
        let mut bytes = Vec::new();
        stream
            .read_to_end(&mut bytes)
            .expect("reading the response");
        let text = String::from_utf8(bytes).expect("a UTF-8 response");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status code");
        Response {
            status,
            head: head.to_ascii_lowercase(),
            body: body.to_string(),
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Response {
        self.get_with(path, &[])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Status line and headers, lowercased.
    pub head: String,
    pub body: String,
}

/// `text` percent-encoded for a query string or a path segment.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
