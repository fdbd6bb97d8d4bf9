//! `dossier serve`'s HTTP side: the team's pages and the JSON API, served
//! by a watcher next to its sync. The watcher's writer never waits for
//! HTTP: the server runs on threads of its own (a small tokio runtime), reads
//! the index through the watcher's `LiveIndex` (`Live`), and does every
//! request's work on a blocking thread where a panic is caught, reported
//! and answered `500` without stopping anything else.
//!
//! - `api`: `/api/…`, the commands' `--json` objects (`wire`), byte for byte;
//! - `pages`: `/`, `/c/{id}`, `/agenda`, `/status`, rendered here (maud
//!   escapes every text), with `assets` (CSS, the as-you-type script)
//!   embedded in the binary;
//! - `sign_in`: with a team file, who is asking. `team_gate` runs before
//!   every route: it finds the request's `Reader` (a bearer token or the
//!   session cookie, `team::authenticate`) and hands it to the route, which
//!   passes it into every query; a request with neither gets `401` and the
//!   page that asks for the token, the only page served without one.

pub mod agendas;
mod api;
mod assets;
mod pages;
mod sign_in;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::index::{LiveIndex, Location, ReadIndex};
use crate::team::{Reader, Sessions, Team};
use crate::vocab::Vocabulary;

/// The default address of `dossier serve`: this machine only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7777";

/// The index a watcher holds open, shared by everything that answers
/// searches in it (the one-shot searches' socket and the HTTP server).
pub struct Live {
    location: Location,
    index: Mutex<LiveIndex>,
    last_use: Mutex<Instant>,
    /// The vocabulary searches use, as read from the knowledge base's
    /// vocabulary file.
    vocabulary: FileCache<Arc<Vocabulary>>,
    /// The team file in force, with the text it was read from.
    team: Mutex<Option<TeamRead>>,
    /// The agendas rendered on the current commit.
    agendas: agendas::Agendas,
}

/// A team file's text (`None`: there is none) and what it says.
type TeamRead = (Option<String>, Option<Arc<Team>>);

/// A value read from a file, kept until the file changes (one `stat` per
/// use, no read).
struct FileCache<T> {
    slot: Mutex<Option<(Option<FileStamp>, T)>>,
}

impl<T: Clone> FileCache<T> {
    fn new() -> FileCache<T> {
        FileCache {
            slot: Mutex::new(None),
        }
    }

    /// The value read from `path` as it is now: the kept one when the file
    /// did not change, else `read()`'s (a failure is not kept).
    fn get(&self, path: &std::path::Path, read: impl FnOnce() -> Result<T>) -> Result<T> {
        let stamp = FileStamp::of(path);
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((kept, value)) = slot.as_ref()
            && *kept == stamp
        {
            return Ok(value.clone());
        }
        let value = read()?;
        *slot = Some((stamp, value.clone()));
        Ok(value)
    }
}

/// Which version of a file is on disk (`None`: not there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    size: u64,
    modified: Option<std::time::SystemTime>,
    #[cfg(unix)]
    inode: u64,
}

impl FileStamp {
    fn of(path: &std::path::Path) -> Option<FileStamp> {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileStamp {
            size: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: std::os::unix::fs::MetadataExt::ino(&meta),
        })
    }
}

impl Live {
    /// Nothing is opened until the first `read`.
    pub fn new(location: Location) -> Live {
        Live {
            location,
            index: Mutex::new(LiveIndex::new()),
            last_use: Mutex::new(Instant::now()),
            vocabulary: FileCache::new(),
            team: Mutex::new(None),
            agendas: agendas::Agendas::default(),
        }
    }

    /// The knowledge base and index folder.
    pub fn location(&self) -> &Location {
        &self.location
    }

    fn index(&self) -> MutexGuard<'_, LiveIndex> {
        // A panic while the index was being opened leaves it half-done:
        // let go of it, the next view opens it anew.
        self.index.lock().unwrap_or_else(|poisoned| {
            let mut index = poisoned.into_inner();
            index.release();
            index
        })
    }

    /// A view of the last commit (see `LiveIndex::current`). A failed view
    /// releases the index and is tried once more: it may have been rebuilt.
    ///
    /// Fails when the index cannot be opened (missing, stale, unreadable).
    pub fn read(&self) -> Result<ReadIndex> {
        *self.last_use.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        let mut index = self.index();
        index
            .current(&self.location)
            .or_else(|_| index.current(&self.location))
    }

    /// The vocabulary in force, read again only when the knowledge base's
    /// vocabulary file changed (one `stat` per request, no read).
    ///
    /// Fails when the file exists but cannot be read.
    pub fn vocabulary(&self) -> Result<Arc<Vocabulary>> {
        let kb = &self.location.kb;
        self.vocabulary
            .get(&kb.join(crate::vocab::KB_VOCAB_FILE), || {
                Ok(Arc::new(Vocabulary::for_knowledge_base(kb)?.0))
            })
    }

    /// The agenda `asked` for, as `agenda --json` prints it: made on the
    /// last commit, or sent as it was made when it was asked for since
    /// (`agendas`).
    ///
    /// Fails as `read` and `agenda::agenda` do (a `days` out of bounds).
    pub fn agenda_json(&self, asked: agendas::Asked) -> Result<agendas::Rendered> {
        let read = self.read()?;
        let options = crate::agenda::AgendaOptions {
            days: asked.days,
            owner: asked.owner.clone(),
            ..crate::agenda::AgendaOptions::default()
        }
        .for_reader(&read, &asked.reader);
        let today = asked.today;
        self.agendas.get(&read, asked, || {
            crate::agenda::agenda(&read, &self.location, today, &options)
        })
    }

    /// The knowledge base's team file as it is now (`None`: there is
    /// none, everyone sees everything). The file is read at every call (a
    /// few hundred bytes) and parsed again only when its text changed: an
    /// edited token applies at the very next request, whatever the file
    /// system's clock.
    ///
    /// Fails with `Error::Io` when the file cannot be read, `Error::Team`
    /// when it has an error; a failure is not kept.
    pub fn team(&self) -> Result<Option<Arc<Team>>> {
        let path = self.location.kb.join(crate::team::TEAM_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(path, e)),
        };
        let mut kept = self.team.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((kept_text, team)) = kept.as_ref()
            && *kept_text == text
        {
            return Ok(team.clone());
        }
        let team = match &text {
            Some(text) => Some(Arc::new(Team::from_text(path, text)?)),
            None => None,
        };
        *kept = Some((text, team.clone()));
        Ok(team)
    }

    /// `answer::answer` on the index and vocabulary held here, as `reader`
    /// sees the knowledge base.
    ///
    /// Fails as `read`, `vocabulary` and `answer::answer` do.
    pub fn answer(
        &self,
        request: &crate::answer::Request,
        reader: &Reader,
    ) -> Result<crate::answer::Answer> {
        let read = self.read()?;
        crate::answer::answer(
            &read,
            &self.location,
            reader,
            request,
            Some(self.vocabulary()?),
        )
    }

    /// Lets go of the open index (its pages leave memory) when nothing read
    /// it for `idle`; the next `read` opens it again.
    pub fn release_if_idle(&self, idle: Duration) {
        let last_use = *self.last_use.lock().unwrap_or_else(|p| p.into_inner());
        if last_use.elapsed() >= idle {
            self.index().release();
        }
    }

    /// Lets go of the open index now.
    pub fn release(&self) {
        self.index().release();
    }
}

/// What the server needs besides the index.
#[derive(Clone)]
pub struct Options {
    /// The day relative dates are computed from; `None`: the real date at
    /// each request.
    pub today: Option<NaiveDate>,
    /// Where to say what went wrong that no response can say (a panic).
    pub report: Arc<dyn Fn(String) + Send + Sync>,
}

/// A running HTTP server; it serves until the process exits.
pub struct Server {
    /// The address it listens on (the port chosen when `0` was asked).
    pub addr: SocketAddr,
}

/// State shared by every request.
#[derive(Clone)]
struct App {
    live: Arc<Live>,
    options: Options,
    /// The sessions of the people signed in on the pages.
    sessions: Arc<Sessions>,
}

impl App {
    fn today(&self) -> NaiveDate {
        self.options
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }
}

/// Listens on `listen` (`HOST:PORT`; port `0` picks a free one) and serves
/// the pages and the API on threads of their own.
///
/// Fails with `Error::Query` when `listen` is no address, or `Error::Io`
/// when it cannot be listened on (in use, not this machine's).
pub fn start(live: Arc<Live>, listen: &str, options: Options) -> Result<Server> {
    let addr: SocketAddr = listen.parse().map_err(|_| {
        Error::query(
            format!("--listen {listen}"),
            "expected an address like 127.0.0.1:7777 (port 0: any free port)",
        )
    })?;
    let io_error = |e| Error::Io {
        path: format!("http://{addr}").into(),
        source: e,
    };
    // Bound here, before any thread starts, so that an address in use is
    // the command's error and the port chosen is known.
    let listener = std::net::TcpListener::bind(addr).map_err(io_error)?;
    listener.set_nonblocking(true).map_err(io_error)?;
    let addr = listener.local_addr().map_err(io_error)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .thread_name("dossier-http")
        .enable_io()
        .enable_time()
        .build()
        .map_err(io_error)?;
    let app = App {
        live,
        options,
        sessions: Arc::new(Sessions::new()),
    };
    let router = router(app);
    std::thread::Builder::new()
        .name("dossier-http".into())
        .spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                    return;
                };
                // `serve` goes on after a failed accept (it waits a moment
                // when out of file descriptors); it returns only on a
                // listener that is gone.
                let _ = axum::serve(listener, router).await;
            });
        })
        .map_err(io_error)?;
    Ok(Server { addr })
}

fn router(app: App) -> Router {
    Router::new()
        .route("/", get(pages::search_page))
        .route("/c/{id}", get(pages::customer_page))
        .route("/agenda", get(pages::agenda_page))
        .route("/status", get(pages::status_page))
        .route("/assets/{name}", get(assets::asset))
        .route(
            sign_in::SIGN_IN,
            get(sign_in::sign_in_page).post(sign_in::sign_in),
        )
        .route(sign_in::SIGN_OUT, axum::routing::post(sign_in::sign_out))
        .route("/api/search", get(api::search))
        .route("/api/ask", get(api::ask))
        .route("/api/customers/{id}", get(api::customer))
        .route("/api/agenda", get(api::agenda))
        .route("/api/status", get(api::status))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(app.clone(), team_gate))
        .layer(axum::middleware::map_response(secure))
        .with_state(app)
}

/// Finds who asks and hands their `Reader` to the route (a request
/// extension, which every route that reads the knowledge base takes).
/// Without a team file that is everyone. With one, it is the person whose
/// bearer token or session cookie the request carries; without either, the
/// answer is `401` and nothing else: `{"error": …}` for the API, the page
/// that asks for the token for the pages. A team file that cannot be read
/// or has an error opens nothing (`503`) until it is mended. The sign-in
/// page and the assets (styles and script, no data) are served to anyone.
async fn team_gate(
    axum::extract::State(app): axum::extract::State<App>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/api/");
    if path == sign_in::SIGN_IN || path == sign_in::SIGN_OUT || path.starts_with("/assets/") {
        return next.run(request).await;
    }
    let lang = pages::Lang::of(request.headers());
    let reader = match app.live.team() {
        Ok(None) => Reader::everyone(),
        Ok(Some(team)) => {
            let headers = request.headers();
            let authorization = headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let cookies: Vec<&str> = headers
                .get_all(axum::http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            let cookie = cookies.join("; ");
            match crate::team::authenticate(&team, &app.sessions, authorization, Some(&cookie)) {
                Some(reader) => reader,
                None if api => return api::unauthorized(),
                None => {
                    let next = request
                        .uri()
                        .path_and_query()
                        .map_or("/", |p| p.as_str())
                        .to_string();
                    return sign_in::ask_for_token(lang, &next, false);
                }
            }
        }
        Err(_) => {
            let message = sign_in::team_file_message();
            return if api {
                api::error(StatusCode::SERVICE_UNAVAILABLE, message)
            } else {
                pages::error_page(lang, StatusCode::SERVICE_UNAVAILABLE, &message)
            };
        }
    };
    request.extensions_mut().insert(reader);
    next.run(request).await
}

async fn not_found(headers: HeaderMap, uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        api::error(
            StatusCode::NOT_FOUND,
            format!("{}: no such API route", uri.path()),
        )
    } else {
        pages::not_found(pages::Lang::of(&headers))
    }
}

/// Runs a request's work on a blocking thread (searching is CPU work, and a
/// panic there is caught): the work's response, or `500` with the panic
/// reported.
async fn blocking(
    app: &App,
    what: String,
    work: impl FnOnce() -> Response + Send + 'static,
    on_panic: impl FnOnce() -> Response,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(response) => response,
        Err(error) => {
            let why = match error.try_into_panic() {
                Ok(payload) => panic_message(payload.as_ref()),
                Err(error) => error.to_string(),
            };
            (app.options.report)(format!(
                "answering {what} panicked ({why}); the server goes on serving"
            ));
            app.live.release();
            on_panic()
        }
    }
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// The status code for a library error: the asker's fault (`400`), nothing
/// there (`404`), an index not ready (`503`), or ours (`500`).
fn error_status(error: &Error) -> StatusCode {
    match error {
        Error::Query { .. } => StatusCode::BAD_REQUEST,
        Error::NotFound { .. } => StatusCode::NOT_FOUND,
        Error::NoIndex { .. } | Error::Stale { .. } | Error::Busy { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Headers every response carries: no page may be framed, no type sniffed,
/// and nothing loaded from anywhere but here.
async fn secure(mut response: Response) -> Response {
    use axum::http::header::{self, HeaderValue};
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_read_again_only_when_its_file_changes() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let live = Live::new(Location::new(dir.path(), None).expect("a location"));
        let first = live.vocabulary().expect("the built-in vocabulary");
        let again = live.vocabulary().expect("the same");
        assert!(
            Arc::ptr_eq(&first, &again),
            "read again though nothing changed"
        );
        std::fs::write(
            dir.path().join(crate::vocab::KB_VOCAB_FILE),
            "interest\tknitting\t编织 knitting\n",
        )
        .expect("writing the vocabulary file");
        let changed = live.vocabulary().expect("the knowledge base's vocabulary");
        assert!(
            !Arc::ptr_eq(&first, &changed),
            "a changed file was not read"
        );
        let still = live.vocabulary().expect("the same");
        assert!(Arc::ptr_eq(&changed, &still));
    }
}
