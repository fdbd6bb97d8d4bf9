//! A running watcher answers searches for one-shot `dossier search` and
//! `dossier ask`, and the agenda for `dossier agenda` (not `--ics`), over a
//! Unix socket in the index folder (`search.sock`).
//!
//! A one-shot search pays for opening the index and for the first touch of
//! every page it reads (see BENCHMARKS.md); the watcher keeps the index
//! open, so its pages stay mapped. The answer is rendered by the same code
//! as a search in this process, and the client prints it as it is: the
//! output and exit code are the same either way. Anything unexpected (no
//! watcher, another binary, another knowledge base, an error while
//! searching) makes the client search by itself, which also reports any
//! error in its usual words.
//!
//! `DOSSIER_VIA_WATCHER` chooses: `auto` (the default), `no` (never ask a
//! watcher) or `only` (fail with exit 2 when no watcher answers: for tests
//! and benchmarks that must know which path ran).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use dossier::agenda::Agenda;
use dossier::answer::{Answer, Command};
use dossier::index::Location;

/// The socket's file name in the index folder (`Location::state_dir`).
const SOCKET_FILE: &str = "search.sock";
/// How long a client waits for the answer before searching by itself.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the watcher waits for a client's request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// The socket of the watcher of `location`.
pub fn socket_path(location: &Location) -> PathBuf {
    location.state_dir.join(SOCKET_FILE)
}

/// What a one-shot `search` or `ask` asks a watcher: everything its
/// answer depends on. How it is printed (JSON, colour) is the client's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The executable asking (`build_identity`): a watcher started from
    /// another build answers nothing, as its answer could differ.
    pub build: String,
    pub kb: PathBuf,
    pub state_dir: PathBuf,
    pub command: Command,
    /// The query or the question, its words joined by spaces.
    pub text: String,
    pub limit: usize,
    /// `--sort`: score, name, date or updated.
    pub sort: String,
    /// `YYYY-MM-DD`: the client's today, never the watcher's.
    pub today: String,
    /// `--as NAME`: whose view to answer with (`None`: everything).
    #[serde(default)]
    pub reader: Option<String>,
    /// Set for `dossier agenda`: the agenda is asked for, and `command`,
    /// `text`, `limit` and `sort` are not used.
    #[serde(default)]
    pub agenda: Option<AgendaAsk>,
}

/// What `dossier agenda` asks a watcher for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaAsk {
    /// `--days`, already checked by the client.
    pub days: u32,
    /// `--owner`.
    pub owner: Option<String>,
    /// `--json`: the watcher renders the JSON itself (`Reply::AgendaJson`),
    /// so a large agenda is not encoded, decoded and encoded again.
    #[serde(default)]
    pub json: bool,
}

/// `agenda --json` as a watcher answers it: the line `wire::agenda_json`
/// renders follows the reply's line on the socket, as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaJson {
    /// An owner was asked for and no customer has it.
    pub unknown_owner: bool,
    /// The rendered JSON (sent after the reply's line, not inside it).
    #[serde(skip)]
    pub body: String,
}

/// A watcher's reply: the answer as data (the client renders it as it
/// renders its own), the query's error in the words the client would print,
/// or why it gives none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    Answer(Answer),
    Agenda(Agenda),
    AgendaJson(AgendaJson),
    QueryError(String),
    NotServed(String),
}

/// What a watcher answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Served {
    Answer(Answer),
    Agenda(Agenda),
    AgendaJson(AgendaJson),
    QueryError(String),
}

/// When to ask a running watcher (`DOSSIER_VIA_WATCHER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Auto,
    Never,
    Only,
}

impl Via {
    /// From the environment; an unknown value is an error that names it.
    pub fn from_env() -> anyhow::Result<Via> {
        match std::env::var("DOSSIER_VIA_WATCHER").as_deref() {
            Err(_) | Ok("" | "auto") => Ok(Via::Auto),
            Ok("no") => Ok(Via::Never),
            Ok("only") => Ok(Via::Only),
            Ok(other) => anyhow::bail!(
                "DOSSIER_VIA_WATCHER={other}: expected auto, no or only (unset it for auto)"
            ),
        }
    }
}

/// This executable: its path, size and modification time. Two processes
/// with the same identity run the same binary.
pub fn build_identity() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return String::new();
    };
    let Ok(meta) = std::fs::metadata(&exe) else {
        return String::new();
    };
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!(
        "{} {} {} {modified}",
        env!("CARGO_PKG_VERSION"),
        exe.display(),
        meta.len()
    )
}

/// Asks the watcher of `location`, if one runs; `Err` says why there is no
/// answer (no watcher, or it would not or could not answer).
#[cfg(unix)]
pub fn ask_watcher(location: &Location, request: &Request) -> Result<Served, String> {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    let path = socket_path(location);
    let mut stream = UnixStream::connect(&path)
        .map_err(|e| format!("{}: no watcher answers here ({e})", path.display()))?;
    let _ = stream.set_read_timeout(Some(ANSWER_TIMEOUT));
    let _ = stream.set_write_timeout(Some(ANSWER_TIMEOUT));
    let mut line = serde_json::to_vec(request).map_err(|e| e.to_string())?;
    line.push(b'\n');
    stream
        .write_all(&line)
        .map_err(|e| format!("{}: sending the request: {e}", path.display()))?;
    let mut reply = Vec::new();
    stream
        .read_to_end(&mut reply)
        .map_err(|e| format!("{}: reading the answer: {e}", path.display()))?;
    // The reply is one line; a rendered body may follow it (`AgendaJson`).
    let (line, body) = match reply.iter().position(|b| *b == b'\n') {
        Some(end) => (&reply[..end], &reply[end + 1..]),
        None => (&reply[..], &[][..]),
    };
    match serde_json::from_slice(line) {
        Ok(Reply::Answer(answer)) => Ok(Served::Answer(answer)),
        Ok(Reply::Agenda(agenda)) => Ok(Served::Agenda(agenda)),
        Ok(Reply::AgendaJson(mut agenda)) => {
            agenda.body = String::from_utf8(body.to_vec())
                .map_err(|e| format!("{}: unreadable agenda: {e}", path.display()))?;
            Ok(Served::AgendaJson(agenda))
        }
        Ok(Reply::QueryError(message)) => Ok(Served::QueryError(message)),
        Ok(Reply::NotServed(why)) => Err(format!("{}: the watcher: {why}", path.display())),
        Err(e) => Err(format!("{}: unreadable answer: {e}", path.display())),
    }
}

#[cfg(not(unix))]
pub fn ask_watcher(_location: &Location, _request: &Request) -> Result<Served, String> {
    Err("a watcher answers searches only on Unix".to_string())
}

/// What answers on the socket.
pub trait Service: Send + 'static {
    /// The reply to one request.
    fn answer(&mut self, request: &Request) -> Reply;
    /// Nothing was asked on the socket for `release_after()`; called
    /// again after each such spell.
    fn idle(&mut self);
    /// Called once on the serving thread before the first request: work
    /// that would otherwise make the first answer slow.
    fn warm(&mut self) {}
    /// Called after answering panicked: let go of anything the panic may
    /// have left half-done.
    fn recover(&mut self) {}
}

/// How long a watcher waits without a request before `Service::idle`
/// (it then lets go of its open index: the index pages its searches read
/// leave its memory; 87 varied searches on the benchmark corpus had mapped
/// 105 MB of them). `DOSSIER_RELEASE_AFTER_MS` sets it (for tests).
pub fn release_after() -> Duration {
    std::env::var("DOSSIER_RELEASE_AFTER_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(RELEASE_AFTER, Duration::from_millis)
}

/// See `release_after`.
const RELEASE_AFTER: Duration = Duration::from_secs(30);

/// Answers requests on the socket of `location` on a thread of its own,
/// one at a time, with `service`, until the process exits. The socket
/// file is removed by `Serving::drop`. Only the writer lock's holder (the
/// watcher) calls this, so a socket file left by a watcher that was killed
/// is its own to replace.
#[cfg(unix)]
pub fn serve(location: &Location, mut service: impl Service) -> std::io::Result<Serving> {
    use std::io::{BufRead, BufReader, Write};
    use std::os::fd::OwnedFd;
    use std::os::unix::net::{UnixListener, UnixStream};
    let path = socket_path(location);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let listener = UnixListener::bind(&path)?;
    // Customer dossiers: only the owner may ask.
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    // `accept` waits at most `release_after()`: Linux applies a socket's
    // receive timeout to `accept`, and std sets it only through a stream.
    // (Where it does not, `accept` waits on and the index stays open.)
    let listener = {
        let socket = UnixStream::from(OwnedFd::from(listener));
        socket.set_read_timeout(Some(release_after()))?;
        UnixListener::from(OwnedFd::from(socket))
    };
    std::thread::Builder::new()
        .name("dossier-serve".into())
        .spawn(move || {
            service.warm();
            let mut backoff = Backoff::default();
            loop {
                let stream = match listener.accept() {
                    Ok((stream, _)) => stream,
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        ) =>
                    {
                        backoff = Backoff::default();
                        service.idle();
                        continue;
                    }
                    Err(e) => {
                        // A persistent error (too many open files) would
                        // make this loop spin: wait longer each time.
                        backoff.wait(&e);
                        continue;
                    }
                };
                backoff = Backoff::default();
                let _ = stream.set_read_timeout(Some(REQUEST_TIMEOUT));
                let _ = stream.set_write_timeout(Some(ANSWER_TIMEOUT));
                let mut line = String::new();
                let mut reader = BufReader::new(&stream);
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let reply = match serde_json::from_str::<Request>(&line) {
                    Ok(request) => answer_or_recover(&mut service, &request),
                    Err(e) => Reply::NotServed(format!("unreadable request: {e}")),
                };
                if let Ok(mut bytes) = serde_json::to_vec(&reply) {
                    bytes.push(b'\n');
                    if let Reply::AgendaJson(agenda) = &reply {
                        bytes.extend_from_slice(agenda.body.as_bytes());
                    }
                    let _ = (&stream).write_all(&bytes);
                }
            }
        })?;
    Ok(Serving { path })
}

/// The service's reply, or `NotServed` when answering panicked: the panic
/// is reported on stderr, the service lets go of its index (it may be in
/// any state), and this thread goes on serving. The client then searches
/// by itself, where the same panic is at least its own.
fn answer_or_recover(service: &mut impl Service, request: &Request) -> Reply {
    let answered =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| service.answer(request)));
    answered.unwrap_or_else(|panic| {
        let why = panic_message(panic.as_ref());
        eprintln!(
            "dossier: answering {:?} panicked ({why}); the watcher goes on serving",
            request.text
        );
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| service.recover()));
        Reply::NotServed(format!("answering panicked: {why}"))
    })
}

/// The text of a panic's payload (`panic!` with a message gives a `&str`
/// or a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// How long to wait after a failed `accept` that is not a timeout: 10 ms,
/// doubling up to 1 s while the failures go on. Reported once per spell.
#[derive(Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    fn wait(&mut self, error: &std::io::Error) {
        if self.failures == 0 {
            eprintln!("dossier: the search socket cannot accept connections ({error}); retrying");
        }
        let millis = 10u64 << self.failures.min(7);
        self.failures = self.failures.saturating_add(1);
        std::thread::sleep(Duration::from_millis(millis.min(1000)));
    }
}

#[cfg(not(unix))]
pub fn serve(_location: &Location, _service: impl Service) -> std::io::Result<Serving> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "a watcher answers searches only on Unix",
    ))
}

/// The socket being served; dropping it removes the socket file, so no
/// client knocks on it after the watcher stopped.
pub struct Serving {
    path: PathBuf,
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_survive_the_wire() {
        use dossier::answer::Understood;
        use dossier::search::{Hit, Match, SearchResult, Trip};
        let mut profile = serde_json::Map::new();
        profile.insert("company".into(), "山东省通信管理局".into());
        profile.insert("score".into(), serde_json::json!([1.5, {"x": null}]));
        let hit = Hit {
            id: "c001".into(),
            name: "王建国 \"quoted\"".into(),
            score: 7.123_456,
            path: "customers/c001.json".into(),
            profile,
            matches: vec![Match {
                path: "meetings/m1.json".into(),
                kind: "meeting".into(),
                field: "text".into(),
                snippet: "…IBM计费系统…".into(),
                highlight: Some((1, 4)),
                term: "IBM".into(),
                date: Some("2026-11-10".into()),
            }],
            trips: vec![Trip {
                city: "北京".into(),
                from: Some("2026-12-01".into()),
                to: None,
                purpose: None,
            }],
        };
        let replies = [
            Reply::Answer(Answer {
                result: SearchResult {
                    query: "likes:话剧".into(),
                    total: 3,
                    hits: vec![hit],
                    notices: vec!["a notice".into()],
                },
                understood: Some(Understood {
                    query: "likes:话剧".into(),
                    fallback: false,
                }),
                searched_instead: Some("话剧".into()),
            }),
            Reply::Agenda(agenda_of_every_kind()),
            Reply::QueryError("when:next-99-weeks: expected a range".into()),
            Reply::NotServed("another knowledge base".into()),
        ];
        for reply in replies {
            let bytes = serde_json::to_vec(&reply).expect("serializes");
            let back: Reply = serde_json::from_slice(&bytes).expect("parses");
            assert_eq!(back, reply);
        }
    }

    /// An agenda with a birthday (year known and not), a trip under way
    /// and customers who need attention, heard of and never.
    fn agenda_of_every_kind() -> Agenda {
        use dossier::agenda::{Attention, Event, Item, UpcomingTrip};
        let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect(text);
        Agenda {
            from: day("2026-12-04"),
            to: day("2026-12-17"),
            items: vec![
                Item {
                    date: day("2026-12-04"),
                    id: "c001".into(),
                    name: "王建国".into(),
                    owner: Some("刘芳".into()),
                    event: Event::Birthday {
                        written: "1966-12-04".into(),
                        turns: Some(60),
                    },
                },
                Item {
                    date: day("2026-12-05"),
                    id: "c002".into(),
                    name: "Anna \"Lee\"".into(),
                    owner: None,
                    event: Event::Birthday {
                        written: "12-05".into(),
                        turns: None,
                    },
                },
                Item {
                    date: day("2026-12-04"),
                    id: "c003".into(),
                    name: "李明".into(),
                    owner: None,
                    event: Event::Trip(UpcomingTrip {
                        city: "北京".into(),
                        from: day("2026-12-01"),
                        to: day("2026-12-08"),
                        purpose: Some("部里开会".into()),
                        index: 2,
                    }),
                },
            ],
            attention: vec![
                Attention {
                    id: "c004".into(),
                    name: "赵六".into(),
                    owner: Some("王强".into()),
                    last_contact: None,
                    days: None,
                },
                Attention {
                    id: "c005".into(),
                    name: "钱七".into(),
                    owner: None,
                    last_contact: Some(day("2026-08-01")),
                    days: Some(125),
                },
            ],
            unknown_owner: true,
        }
    }

    #[test]
    fn a_panic_is_answered_as_not_served_and_the_service_recovers() {
        struct Panicking {
            recovered: bool,
        }
        impl Service for Panicking {
            fn answer(&mut self, request: &Request) -> Reply {
                assert!(request.text != "boom", "asked to panic");
                Reply::NotServed("fine".into())
            }
            fn idle(&mut self) {}
            fn recover(&mut self) {
                self.recovered = true;
            }
        }
        let mut service = Panicking { recovered: false };
        let mut request = Request {
            build: String::new(),
            kb: PathBuf::new(),
            state_dir: PathBuf::new(),
            command: Command::Search,
            text: "boom".into(),
            limit: 1,
            sort: "score".into(),
            today: "2026-12-04".into(),
            reader: None,
            agenda: None,
        };
        let reply = answer_or_recover(&mut service, &request);
        assert!(
            matches!(&reply, Reply::NotServed(why) if why.contains("asked to panic")),
            "{reply:?}"
        );
        assert!(service.recovered);
        request.text = "calm".into();
        assert_eq!(
            answer_or_recover(&mut service, &request),
            Reply::NotServed("fine".into())
        );
    }

    #[test]
    fn the_build_identity_names_this_executable() {
        let identity = build_identity();
        let exe = std::env::current_exe().expect("current exe");
        assert!(identity.contains(&exe.display().to_string()), "{identity}");
        assert_eq!(identity, build_identity(), "stable within a process");
    }
}
