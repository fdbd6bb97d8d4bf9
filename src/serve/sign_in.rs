//! Signing in on the pages, where a team file is in force: the page that
//! asks for the access token (the only page served without one), the form
//! it posts, which opens a session (`team::Sessions`) and sets its cookie
//! (HttpOnly, SameSite=Strict), and signing out. The API does not sign in:
//! each API request carries `Authorization: Bearer TOKEN`.

use std::collections::HashMap;

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use maud::html;

use super::App;
use super::pages::{Lang, error_page, layout, page};
use crate::team::{end_session_cookie, session_cookie, session_id};

/// The page that asks for the token, and where its form posts.
pub(super) const SIGN_IN: &str = "/sign-in";
/// Where the pages' "sign out" button posts.
pub(super) const SIGN_OUT: &str = "/sign-out";

/// Where to go after signing in: a path of this site, never another site's
/// address (`//host`, `/\host`, `https://…`) nor anything that is no plain
/// path; `/` otherwise.
fn local_path(next: &str) -> &str {
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.starts_with(SIGN_IN)
        && !next.starts_with(SIGN_OUT)
        && next.chars().all(|c| !c.is_control() && c != '\\');
    if plain { next } else { "/" }
}

/// `401` with the page that asks for the token; once signed in, the browser
/// goes on to `next`. `failed`: a token was given and is not known.
pub(super) fn ask_for_token(lang: Lang, next: &str, failed: bool) -> Response {
    let body = html! {
        h1 { (lang.t("sign in")) }
        p { (lang.t("token help")) }
        @if failed {
            p.error role="alert" { (lang.t("unknown token")) }
        }
        form.sign-in method="post" action=(SIGN_IN) {
            input type="hidden" name="next" value=(local_path(next));
            label for="token" { (lang.t("token")) }
            input #token type="password" name="token" required autofocus
                autocomplete="current-password" spellcheck="false" autocapitalize="off";
            button type="submit" { (lang.t("sign in")) }
        }
    };
    let mut response = page(
        StatusCode::UNAUTHORIZED,
        layout(lang, lang.t("sign in"), "", body, false, None),
    );
    // Never kept by a cache: the next visit must ask the server again.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `303 See Other` to `location`, with a cookie set or ended.
fn see_other(location: &str, cookie: Option<String>) -> Response {
    let mut response = page(StatusCode::SEE_OTHER, html! {});
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(local_path(location)) {
        headers.insert(header::LOCATION, value);
    }
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /sign-in?next=PATH`: the page that asks for the token (with no
/// team file there is nothing to sign in to: on to `next`).
pub(super) async fn sign_in_page(
    State(app): State<App>,
    headers: HeaderMap,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let next = params
        .ok()
        .and_then(|Query(mut p)| p.remove("next"))
        .unwrap_or_else(|| "/".into());
    match app.live.team() {
        Ok(Some(_)) => ask_for_token(Lang::of(&headers), &next, false),
        Ok(None) => see_other(&next, None),
        Err(_) => team_file_error(Lang::of(&headers)),
    }
}

/// `POST /sign-in` (`token`, `next`): a known token opens a session, sets
/// its cookie and goes on to `next`; an unknown one asks again (`401`).
pub(super) async fn sign_in(
    State(app): State<App>,
    headers: HeaderMap,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let lang = Lang::of(&headers);
    let Ok(Form(form)) = form else {
        return error_page(
            lang,
            StatusCode::BAD_REQUEST,
            "the sign-in form was not sent as a form — sign in from the page",
        );
    };
    let next = form.get("next").map_or("/", String::as_str);
    let token = form.get("token").map_or("", |t| t.trim());
    let team = match app.live.team() {
        Ok(Some(team)) => team,
        Ok(None) => return see_other(next, None),
        Err(_) => return team_file_error(lang),
    };
    match app.sessions.sign_in(&team, token) {
        Ok(Some(id)) => see_other(next, Some(session_cookie(&id))),
        Ok(None) => ask_for_token(lang, next, true),
        Err(_) => error_page(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            "no session could be opened (the system gave no random bytes) — try again",
        ),
    }
}

/// `POST /sign-out`: ends the session and its cookie, back to the sign-in
/// page.
pub(super) async fn sign_out(State(app): State<App>, headers: HeaderMap) -> Response {
    for cookie in headers.get_all(header::COOKIE) {
        if let Some(id) = cookie.to_str().ok().and_then(session_id) {
            app.sessions.sign_out(id);
        }
    }
    see_other(SIGN_IN, Some(end_session_cookie()))
}

/// What a request is told while the team file cannot be read or has an
/// error (its details are for its keeper, not for whoever asks).
pub(super) fn team_file_message() -> String {
    format!(
        "{}: this knowledge base's team file has an error, so nothing is served until it is mended — its keeper can run `dossier team check`",
        crate::team::TEAM_FILE
    )
}

fn team_file_error(lang: Lang) -> Response {
    error_page(lang, StatusCode::SERVICE_UNAVAILABLE, &team_file_message())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_signing_in_the_browser_stays_on_this_site() {
        let cases = [
            ("/", "/"),
            ("/c/t01", "/c/t01"),
            ("/?q=%E8%AF%9D%E5%89%A7", "/?q=%E8%AF%9D%E5%89%A7"),
            ("/agenda?days=30", "/agenda?days=30"),
            ("//evil.example/", "/"),
            ("/\\evil.example/", "/"),
            ("https://evil.example/", "/"),
            ("javascript:alert(1)", "/"),
            ("", "/"),
            ("/a\r\nSet-Cookie: x=1", "/"),
            ("/sign-in", "/"),
            ("/sign-out", "/"),
        ];
        for (next, expected) in cases {
            assert_eq!(local_path(next), expected, "{next:?}");
        }
    }
}
