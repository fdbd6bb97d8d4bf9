//! `/api/…`: the commands' `--json` objects over HTTP, rendered by the same
//! `wire` functions, so `GET /api/search?q=Q` and `dossier search --json Q`
//! give the same bytes. Errors are `{"error": "…"}`: `400` for what the
//! asker can fix (a bad query or parameter), `404` for no such customer.

use std::collections::HashMap;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{App, Live, blocking, error_status};
use crate::agenda::{self, AgendaOptions};
use crate::answer::{Command, Request};
use crate::search::{SearchOptions, Sort};
use crate::team::Reader;
use crate::{show, status, wire};

/// How many customers an API search returns unless `limit` says.
const DEFAULT_LIMIT: usize = 20;

/// A JSON body with its status.
pub(super) fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `{"error": message}` with its status.
pub(super) fn error(status: StatusCode, message: String) -> Response {
    json_response(status, serde_json::json!({ "error": message }).to_string())
}

/// `401` for a request without a valid token: it says what to send and
/// nothing of the knowledge base.
pub(super) fn unauthorized() -> Response {
    let mut response = error(
        StatusCode::UNAUTHORIZED,
        "missing or unknown token: send `Authorization: Bearer TOKEN` with the token `dossier team add` printed for you".into(),
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer realm=\"dossier\""),
    );
    response
}

fn internal_error() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error: answering this request failed, and the server log says why — try another query"
            .into(),
    )
}

/// The request a search or ask API call makes: `q` (required), `limit`
/// (default 20), `sort` (`score`, `name`, `date` or `updated`) and
/// `typing=1` (`q` is being typed: its last word, unless a space follows
/// it, also matches as the start of a word).
pub(super) fn search_request(
    app: &App,
    command: Command,
    params: &HashMap<String, String>,
) -> Result<Request, String> {
    let text = params.get("q").map(|q| q.trim()).unwrap_or_default();
    if text.is_empty() {
        return Err("q: missing — pass the query as ?q=…".into());
    }
    // The query string is decoded leniently: bytes that are no UTF-8
    // become U+FFFD, which nobody types.
    if text.contains('\u{FFFD}') {
        return Err("q: not UTF-8 text — percent-encode the query's UTF-8 bytes".into());
    }
    let limit = match params.get("limit") {
        None => DEFAULT_LIMIT,
        Some(limit) => limit
            .trim()
            .parse()
            .map_err(|_| format!("limit={limit}: expected a number of customers, like limit=20"))?,
    };
    let sort = match params.get("sort").map(|s| s.trim()) {
        None | Some("") => Sort::default(),
        Some(word) => Sort::parse(word)
            .ok_or_else(|| format!("sort={word}: expected one of {}", Sort::NAMES.join(", ")))?,
    };
    let typing = match params.get("typing").map(|t| t.trim()) {
        None | Some("" | "0") => false,
        Some("1") => !params["q"].ends_with(char::is_whitespace),
        Some(other) => return Err(format!("typing={other}: expected typing=1 or typing=0")),
    };
    Ok(Request {
        command,
        text: text.to_string(),
        options: SearchOptions { limit, sort },
        today: app.today(),
        typing,
    })
}

/// The JSON answer to a request, as `search --json` prints it.
pub(super) fn answer_json(live: &Live, request: &Request, reader: &Reader) -> Response {
    match live.answer(request, reader) {
        Ok(answer) => json_response(StatusCode::OK, wire::search_json(&answer)),
        Err(e) => error(error_status(&e), e.to_string()),
    }
}

async fn searching(
    app: App,
    reader: Reader,
    command: Command,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let request = match search_request(&app, command, &params) {
        Ok(request) => request,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let what = format!("{command:?} {:?}", request.text);
    let live = app.live.clone();
    blocking(
        &app,
        what,
        move || answer_json(&live, &request, &reader),
        internal_error,
    )
    .await
}

/// `GET /api/search?q=Q&limit=N&sort=S`: `search --json`.
pub(super) async fn search(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    searching(app, reader, Command::Search, params).await
}

/// `GET /api/ask?q=Q&limit=N`: `ask --json`.
pub(super) async fn ask(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    searching(app, reader, Command::Ask, params).await
}

/// `GET /api/customers/{id}`: `show --json`.
pub(super) async fn customer(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let id = match id {
        Ok(Path(id)) => id,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let live = app.live.clone();
    let today = app.today();
    blocking(
        &app,
        format!("customer {id:?}"),
        move || {
            let read = match live.read() {
                Ok(read) => read,
                Err(e) => return error(error_status(&e), e.to_string()),
            };
            match show::dossier(&read, live.location(), &id, &reader) {
                Ok(dossier) => {
                    let brief = show::brief(&dossier, today);
                    json_response(StatusCode::OK, wire::show_json(&dossier, &brief, today))
                }
                Err(e) => error(error_status(&e), e.to_string()),
            }
        },
        internal_error,
    )
    .await
}

/// The options an agenda request asks for: `days` (default 14, 1 to 366)
/// and `owner`.
pub(super) fn agenda_options(params: &HashMap<String, String>) -> Result<AgendaOptions, String> {
    let mut options = AgendaOptions::default();
    if let Some(days) = params.get("days") {
        let number: i64 = days
            .trim()
            .parse()
            .map_err(|_| format!("days={days}: expected a number of days, like days=14"))?;
        options.days = agenda::check_days(number).map_err(|_| {
            format!(
                "days={days}: an agenda covers 1 to {} days",
                agenda::MAX_DAYS
            )
        })?;
    }
    options.owner = params
        .get("owner")
        .map(|owner| owner.trim().to_string())
        .filter(|owner| !owner.is_empty());
    Ok(options)
}

/// `GET /api/agenda?days=N&owner=NAME`: `agenda --json`.
pub(super) async fn agenda(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let params = match params {
        Ok(Query(params)) => params,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let options = match agenda_options(&params) {
        Ok(options) => options,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let live = app.live.clone();
    let today = app.today();
    blocking(
        &app,
        "the agenda".into(),
        move || {
            let asked = super::agendas::Asked {
                today,
                days: options.days,
                owner: options.owner,
                reader,
            };
            match live.agenda_json(asked) {
                Ok(agenda) => json_response(StatusCode::OK, agenda.json.to_string()),
                Err(e) => error(error_status(&e), e.to_string()),
            }
        },
        internal_error,
    )
    .await
}

/// `GET /api/status`: `status --json`.
pub(super) async fn status(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
) -> Response {
    let live = app.live.clone();
    blocking(
        &app,
        "status".into(),
        move || match status::status(live.location(), &reader) {
            Ok(status) => json_response(StatusCode::OK, wire::status_json(&status)),
            Err(e) => error(error_status(&e), e.to_string()),
        },
        internal_error,
    )
    .await
}
