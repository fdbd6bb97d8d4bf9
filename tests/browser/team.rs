//! The team over HTTP (`fixtures/team`): every route, for every person of
//! the fixture team, shows nothing of a customer that person may not see;
//! a request without a valid token is `401` and nothing else; the pages
//! ask for the token once and keep a session cookie; an edited team file
//! applies at once.

use serde_json::Value;

use crate::team_views::{CUSTOMERS, QUERIES, QUESTIONS, leaks, views};
use crate::{Response, Server, encode, fixture};

/// The fixture team's tokens (written in `fixtures/team/dossier-team.toml`).
const TOKENS: &[(&str, &str)] = &[
    ("刘芳", "token-liufang"),
    ("Mark Liu", "token-mark"),
    ("陈杰", "token-chenjie"),
    ("Boss", "token-boss"),
];

fn token_of(name: &str) -> &'static str {
    TOKENS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .expect("a fixture user")
}

/// Every route a reader may ask, with what they typed in it (echoed back
/// by the answer, so not a leak).
fn routes() -> Vec<(String, Vec<String>)> {
    let mut routes = Vec::new();
    for query in QUERIES {
        routes.push((
            format!("/api/search?limit=100&q={}", encode(query)),
            vec![query.to_string()],
        ));
        routes.push((format!("/?q={}", encode(query)), vec![query.to_string()]));
        // As a search box sends it while typing (`typing=1`): the query
        // and the query cut short, its last word then a prefix
        // (`1380000` of a private mobile number, `Mich`, `zhaom`). What is
        // cut short is not blanked: it holds no whole name or secret, so
        // a leak of one is still seen.
        let chars: Vec<char> = query.chars().collect();
        for cut in 0..=3.min(chars.len() - 1) {
            let typed: String = chars[..chars.len() - cut].iter().collect();
            let path = format!("/api/search?limit=100&typing=1&q={}", encode(&typed));
            routes.push((path, if cut == 0 { vec![typed] } else { Vec::new() }));
        }
    }
    for question in QUESTIONS {
        routes.push((
            format!("/api/ask?limit=100&q={}", encode(question)),
            vec![question.to_string()],
        ));
        routes.push((
            format!("/?q={}", encode(question)),
            vec![question.to_string()],
        ));
        let mut cut: Vec<char> = question.trim_end_matches('?').chars().collect();
        cut.pop();
        let cut: String = cut.into_iter().collect();
        routes.push((
            format!("/api/ask?limit=100&typing=1&q={}", encode(&cut)),
            Vec::new(),
        ));
    }
    for (id, name, _, _) in CUSTOMERS {
        for term in [id, name] {
            routes.push((
                format!("/api/customers/{}", encode(term)),
                vec![term.to_string()],
            ));
            routes.push((format!("/c/{}", encode(term)), vec![term.to_string()]));
        }
    }
    for path in [
        "/api/customers/nosuch",
        "/api/agenda",
        "/api/agenda?days=366",
        "/agenda?days=366",
        "/api/status",
        "/status",
        "/",
    ] {
        routes.push((path.to_string(), Vec::new()));
    }
    for owner in ["王五", "Mark Liu", "刘芳"] {
        routes.push((
            format!("/api/agenda?days=366&owner={}", encode(owner)),
            vec![owner.to_string()],
        ));
        routes.push((
            format!("/agenda?days=366&owner={}", encode(owner)),
            vec![owner.to_string()],
        ));
    }
    routes
}

/// The session cookie a sign-in with `token` sets (`name=value`).
fn sign_in(server: &Server, token: &str) -> String {
    let response = server.post_form("/sign-in", &[], &format!("token={token}&next=%2Fagenda"));
    assert_eq!(response.status, 303, "signing in: {response:?}");
    assert!(
        response.head.contains("\r\nlocation: /agenda"),
        "{response:?}"
    );
    let set_cookie = response
        .head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .unwrap_or_else(|| panic!("no cookie set: {response:?}"));
    assert!(
        set_cookie.contains("httponly") && set_cookie.contains("samesite=strict"),
        "{set_cookie}"
    );
    // The head is lowercased; the session id is lowercase hex anyway.
    set_cookie
        .split(';')
        .next()
        .expect("name=value")
        .to_string()
}

/// A body with what the asker typed blanked, raw and as HTML and URLs
/// write it.
fn blanked(body: &str, typed: &[String]) -> String {
    let mut all = body.to_string();
    for text in typed {
        if text.len() <= 2 {
            continue;
        }
        let html = text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        for form in [text.clone(), html, encode(text)] {
            all = all.replace(&form, "<typed>");
        }
    }
    all
}

#[test]
fn nobody_sees_an_invisible_customer_through_any_route() {
    let dir = fixture("team");
    let server = Server::start(dir.path());
    let mut failures = Vec::new();
    let mut cases = 0;
    for (reader, visible, private) in views() {
        let Some(reader) = reader else { continue };
        let token = token_of(reader);
        let bearer = format!("Bearer {token}");
        let cookie = sign_in(&server, token);
        for (path, typed) in routes() {
            // The API with its bearer token, the pages with the session.
            let response = if path.starts_with("/api/") {
                server.get_with(&path, &[("authorization", &bearer)])
            } else {
                server.get_with(&path, &[("cookie", &cookie)])
            };
            cases += 1;
            let mut found = leaks(&blanked(&response.body, &typed), &visible, &private);
            if response.status == 401 || response.status >= 500 {
                found.push(format!("status {}", response.status));
            }
            for (id, name, _, _) in CUSTOMERS {
                let asked = typed.iter().any(|t| t == id || t == name);
                if asked && path.contains("/customers/") {
                    let expected = if visible.contains(id) { 200 } else { 404 };
                    if response.status != expected {
                        found.push(format!("{id}: status {}", response.status));
                    }
                }
            }
            if path.starts_with("/api/search") || path.starts_with("/api/ask") {
                match serde_json::from_str::<Value>(&response.body) {
                    Ok(value) if response.status == 200 => {
                        let hits = value["hits"].as_array().map_or(0, Vec::len);
                        if value["total"].as_u64() != Some(hits as u64) {
                            found.push(format!("total {} for {hits} hits", value["total"]));
                        }
                        for hit in value["hits"].as_array().into_iter().flatten() {
                            let id = hit["id"].as_str().unwrap_or_default();
                            if !visible.contains(&id) {
                                found.push(format!("hit {id}"));
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(e) => found.push(format!("not JSON: {e}")),
                }
            }
            if !found.is_empty() {
                failures.push(format!(
                    "{reader} GET {path}: {}\n{} {}",
                    found.join(", "),
                    response.status,
                    response.body
                ));
            }
        }
    }
    assert!(cases > 300, "only {cases} requests");
    assert!(
        failures.is_empty(),
        "{} of {cases} requests leaked:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn an_invisible_customer_is_404_exactly_like_an_unknown_one() {
    let dir = fixture("team");
    let server = Server::start(dir.path());
    let bearer = format!("Bearer {}", token_of("刘芳"));
    let hidden = server.get_with("/api/customers/t03", &[("authorization", &bearer)]);
    let unknown = server.get_with("/api/customers/t99", &[("authorization", &bearer)]);
    assert_eq!(hidden.status, 404, "{hidden:?}");
    assert_eq!(
        hidden.body.replace("t03", "ID"),
        unknown.body.replace("t99", "ID")
    );
    let own = server.get_with("/api/customers/t01", &[("authorization", &bearer)]);
    assert_eq!(own.status, 200, "{own:?}");
}

#[test]
fn the_api_answers_a_reader_as_the_command_does_with_as() {
    let dir = fixture("team");
    let server = Server::start(dir.path());
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "刘芳",
            "/api/search?q=likes%3A%E8%AF%9D%E5%89%A7",
            &["search", "--json", "likes:话剧"],
        ),
        (
            "陈杰",
            "/api/search?q=*&limit=100",
            &["search", "--json", "--limit", "100", "*"],
        ),
        ("Mark Liu", "/api/customers/t03", &["show", "--json", "t03"]),
        ("陈杰", "/api/customers/t01", &["show", "--json", "t01"]),
        (
            "刘芳",
            "/api/agenda?days=366",
            &["agenda", "--json", "--days", "366"],
        ),
        ("Mark Liu", "/api/status", &["status", "--json"]),
    ];
    for &(reader, path, args) in cases {
        let response = server.get_with(
            path,
            &[("authorization", &format!("Bearer {}", token_of(reader)))],
        );
        assert_eq!(response.status, 200, "{reader} {path}: {response:?}");
        let mut with_as = vec!["--as", reader];
        with_as.extend_from_slice(args);
        let output = crate::dossier(dir.path(), &with_as);
        let printed = String::from_utf8(output.stdout).expect("UTF-8");
        assert_eq!(
            response.body,
            printed.trim_end_matches('\n'),
            "{reader} {path} against dossier {with_as:?}"
        );
    }
}

/// Nothing but "a token is needed": no name, id or count of anyone
/// (`typed`: what the request itself said, which the sign-in page keeps to
/// come back to).
fn assert_refused(response: &Response, what: &str, typed: &[String]) {
    assert_eq!(response.status, 401, "{what}: {response:?}");
    let found = leaks(&blanked(&response.body, typed), &[], &[]);
    assert!(
        found.is_empty(),
        "{what} names {found:?}: {}",
        response.body
    );
    for owner in ["刘芳", "Mark Liu", "陈杰", "王五", "Boss"] {
        assert!(
            !response.body.contains(owner),
            "{what} names {owner}: {}",
            response.body
        );
    }
}

#[test]
fn without_a_valid_token_every_route_is_401_and_says_nothing() {
    let dir = fixture("team");
    let server = Server::start(dir.path());
    let cookie = sign_in(&server, token_of("Boss"));
    let forged = "dossier_session=0000000000000000000000000000000000000000000000000000000000000000";
    let wrong: &[&[(&str, &str)]] = &[
        &[],
        &[("authorization", "Bearer not-a-token")],
        &[("authorization", "Bearer ")],
        &[("authorization", "Basic dG9rZW4tYm9zcw==")],
        &[("authorization", "token-boss")],
        &[("cookie", forged)],
        // A wrong bearer token is refused even beside a good session.
        &[("authorization", "Bearer token-bosss"), ("cookie", &cookie)],
    ];
    for (path, typed) in routes() {
        let mut typed = typed;
        typed.push(path.clone());
        for headers in wrong {
            let response = server.get_with(&path, headers);
            assert_refused(&response, &format!("GET {path} with {headers:?}"), &typed);
            if path.starts_with("/api/") {
                assert!(
                    response.head.contains("www-authenticate: bearer"),
                    "{path}: {response:?}"
                );
                let value: Value = serde_json::from_str(&response.body).expect("JSON");
                assert!(value["error"].is_string(), "{path}: {value}");
            } else {
                // The pages ask for the token, and come back here after.
                assert!(
                    response.body.contains("name=\"token\""),
                    "{path}: {}",
                    response.body
                );
            }
        }
    }
    // The sign-in page and the assets are all that is served to anyone.
    assert_eq!(server.get("/sign-in").status, 401);
    assert_eq!(server.get("/assets/app.js").status, 200);
    // A wrong token at the sign-in form sets no cookie and asks again.
    let refused = server.post_form("/sign-in", &[], "token=token-bosss&next=%2F");
    assert_refused(&refused, "a wrong token at sign-in", &[]);
    assert!(!refused.head.contains("set-cookie"), "{refused:?}");
}

#[test]
fn sessions_follow_the_team_file_and_end_on_sign_out() {
    let dir = fixture("team");
    let server = Server::start(dir.path());
    let cookie = sign_in(&server, token_of("刘芳"));
    let page = server.get_with("/c/t01", &[("cookie", &cookie)]);
    assert_eq!(page.status, 200, "{page:?}");
    assert!(page.body.contains("王建国") && page.body.contains("刘芳"));
    // A cookie for another site's session id, or a session signed out, is
    // refused; another browser's session goes on.
    let other = sign_in(&server, token_of("刘芳"));
    let out = server.request("POST", "/sign-out", &[("cookie", &other)], "");
    assert_eq!(out.status, 303, "{out:?}");
    assert!(out.head.contains("max-age=0"), "{out:?}");
    assert_refused(
        &server.get_with("/c/t01", &[("cookie", &other)]),
        "a signed-out session",
        &["/c/t01".to_string()],
    );
    assert_eq!(
        server.get_with("/c/t01", &[("cookie", &cookie)]).status,
        200
    );
    // A new token for 刘芳 in the team file: her old token and the session
    // opened with it end at once, without a restart; the new token works.
    let path = dir.path().join("dossier-team.toml");
    let text = std::fs::read_to_string(&path).expect("the team file");
    let old_hash = "324c0c6d6d47169ac2d44a1d2631610d29c6dfdfdcd2de523ac648fea7a1c5e4";
    assert!(
        text.contains(old_hash),
        "the fixture's hash of token-liufang"
    );
    let new_hash = dossier::team::hash_hex("token-liufang-2");
    std::fs::write(&path, text.replace(old_hash, &new_hash)).expect("editing the team file");
    assert_refused(
        &server.get_with("/c/t01", &[("cookie", &cookie)]),
        "a session of a replaced token",
        &["/c/t01".to_string()],
    );
    assert_refused(
        &server.get_with(
            "/api/customers/t01",
            &[("authorization", "Bearer token-liufang")],
        ),
        "a replaced token",
        &[],
    );
    let renewed = server.get_with(
        "/api/customers/t01",
        &[("authorization", "Bearer token-liufang-2")],
    );
    assert_eq!(renewed.status, 200, "{renewed:?}");
    // A team file with an error opens nothing, to anyone, until mended.
    std::fs::write(&path, "[[user]]\nname = \"刘芳\"\nrole = \"boss\"\n").expect("breaking it");
    for (path, headers) in [
        (
            "/api/search?q=*",
            &[("authorization", "Bearer token-liufang-2")][..],
        ),
        ("/", &[][..]),
    ] {
        let response = server.get_with(path, headers);
        assert_eq!(response.status, 503, "{path}: {response:?}");
        assert!(response.body.contains("dossier team check"), "{response:?}");
        assert!(!response.body.contains("王建国"), "{response:?}");
    }
}
