//! Who is asking over HTTP (`dossier serve`): `Authorization: Bearer TOKEN`
//! on every API request, or the session cookie the pages set after asking
//! for the token once.
//!
//! The cookie holds a random session id (32 bytes from the OS), never the
//! token nor its hash: a cookie that leaks (a shared browser profile, a
//! proxy log) is worth one session, which ends when the server stops or
//! after `SESSION_HOURS`, and cannot be turned into the token. A session
//! remembers its person and their token's hash at sign-in: a token replaced
//! in the team file ends the sessions opened with the old one, a person
//! removed from it ends theirs.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::token::same_hash;
use super::{Reader, Team};
use crate::error::Result;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "dossier_session";
/// How long a session lasts without a new sign-in.
pub const SESSION_HOURS: u64 = 12;

/// Sessions opened by signing in on the pages, kept in memory.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
}

#[derive(Debug, Clone)]
struct Session {
    name: String,
    token_sha256: [u8; 32],
    since: Instant,
}

impl Sessions {
    /// No session yet.
    pub fn new() -> Sessions {
        Sessions::default()
    }

    /// Signs in with a token: a new session id for the person whose token
    /// it is, or `None` for a token the team file does not know.
    ///
    /// Fails with `Error::Io` when the OS gives no random bytes.
    pub fn sign_in(&self, team: &Team, token: &str) -> Result<Option<String>> {
        let Some(reader) = team.reader_for_token(token) else {
            return Ok(None);
        };
        let user = team.user(&reader.name).expect("the reader is a user");
        let id = super::token::new_token()?.secret;
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        // Expired sessions go when a new one comes: the map stays small.
        open.retain(|_, session| session.since.elapsed() < lifetime());
        open.insert(
            id.clone(),
            Session {
                name: user.name.clone(),
                token_sha256: user.token_sha256,
                since: Instant::now(),
            },
        );
        Ok(Some(id))
    }

    /// The reader of a session, as the team file is now; `None` for an
    /// unknown or expired session, or one whose person or token is no
    /// longer in the team file.
    pub fn reader(&self, team: &Team, id: &str) -> Option<Reader> {
        let session = self
            .open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()?;
        if session.since.elapsed() >= lifetime() {
            return None;
        }
        let user = team.user(&session.name)?;
        same_hash(&user.token_sha256, &session.token_sha256)
            .then(|| team.reader(&user.name).ok())
            .flatten()
    }

    /// Ends a session (signing out).
    pub fn sign_out(&self, id: &str) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

fn lifetime() -> Duration {
    Duration::from_secs(SESSION_HOURS * 3600)
}

/// The reader a request speaks for: its `Authorization: Bearer TOKEN`, or
/// else its session cookie; `None` (answer `401` and nothing else) when
/// neither names a person of the team file.
pub fn authenticate(
    team: &Team,
    sessions: &Sessions,
    authorization: Option<&str>,
    cookie: Option<&str>,
) -> Option<Reader> {
    if let Some(token) = authorization.and_then(bearer) {
        return team.reader_for_token(token);
    }
    cookie
        .and_then(session_id)
        .and_then(|id| sessions.reader(team, id))
}

/// The token of an `Authorization: Bearer TOKEN` header.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()).then(|| token.trim())
}

/// The session id of a `Cookie` header.
pub fn session_id(header: &str) -> Option<&str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name.trim() == SESSION_COOKIE && !value.trim().is_empty()).then(|| value.trim())
    })
}

/// The `Set-Cookie` value that starts a session: not readable by scripts
/// (HttpOnly), never sent by another site's pages (SameSite=Strict).
pub fn session_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_HOURS * 3600
    )
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn end_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::team::{TEAM_FILE, hash_hex, parse};

    fn team(token_b: &str) -> Team {
        let text = format!(
            "[[user]]\nname = \"A\"\nrole = \"rep\"\ntoken_sha256 = \"{}\"\n\n[[user]]\nname = \"B\"\nrole = \"admin\"\ntoken_sha256 = \"{}\"\n",
            hash_hex("token-a"),
            hash_hex(token_b)
        );
        parse(std::path::Path::new(TEAM_FILE), &text)
            .0
            .expect("a team")
    }

    #[test]
    fn a_request_speaks_for_its_bearer_token_or_its_session() {
        let team = team("token-b");
        let sessions = Sessions::new();
        let session = sessions
            .sign_in(&team, "token-a")
            .unwrap()
            .expect("a session");
        assert!(sessions.sign_in(&team, "wrong").unwrap().is_none());
        let cookie = format!("theme=dark; {SESSION_COOKIE}={session}");
        let cases: &[(Option<&str>, Option<&str>, Option<&str>)] = &[
            (Some("Bearer token-a"), None, Some("A")),
            (Some("bearer  token-b "), None, Some("B")),
            (Some("Bearer wrong"), Some(&cookie), None),
            (Some("Basic token-a"), None, None),
            (Some("Bearer "), None, None),
            (None, Some(&cookie), Some("A")),
            (None, Some("dossier_session=forged"), None),
            (None, Some("other=1"), None),
            (None, None, None),
        ];
        for &(authorization, cookie, expected) in cases {
            let reader = authenticate(&team, &sessions, authorization, cookie);
            assert_eq!(
                reader.map(|r| r.name),
                expected.map(str::to_string),
                "{authorization:?} {cookie:?}"
            );
        }
        // A new token for A ends the session opened with the old one.
        let text = format!(
            "[[user]]\nname = \"A\"\nrole = \"rep\"\ntoken_sha256 = \"{}\"\n",
            hash_hex("token-a2")
        );
        let changed = parse(std::path::Path::new(TEAM_FILE), &text).0.unwrap();
        assert!(sessions.reader(&changed, &session).is_none());
        assert!(sessions.reader(&team, &session).is_some());
        sessions.sign_out(&session);
        assert!(sessions.reader(&team, &session).is_none());
        let set = session_cookie("x");
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
    }
}
