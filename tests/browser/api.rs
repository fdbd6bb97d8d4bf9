//! Every API route over plain HTTP: status codes, and answers equal, byte
//! for byte, to what the commands print with `--json`.

use serde_json::Value;

use crate::{BROKEN_FILE, HOSTILE_NAME, Server, dossier, encode, kb};

/// What the command prints on stdout, without its newline.
fn cli_json(dir: &std::path::Path, args: &[&str]) -> String {
    let output = dossier(dir, args);
    String::from_utf8(output.stdout)
        .expect("UTF-8 stdout")
        .trim_end_matches('\n')
        .to_string()
}

#[test]
fn api_answers_are_the_commands_json() {
    let dir = kb();
    let server = Server::start(dir.path());
    let cases: &[(&str, &[&str])] = &[
        ("/api/search?q=话剧", &["search", "--json", "话剧"]),
        (
            "/api/search?q=likes:话剧&limit=2",
            &["search", "--json", "--limit", "2", "likes:话剧"],
        ),
        (
            "/api/search?q=likes:话剧&sort=score",
            &["search", "--json", "likes:话剧"],
        ),
        (
            "/api/search?q=mentions:IBM",
            &["search", "--json", "mentions:IBM"],
        ),
        (
            "/api/search?q=nobody-has-this-word",
            &["search", "--json", "nobody-has-this-word"],
        ),
        ("/api/search?q=onerror", &["search", "--json", "onerror"]),
        ("/api/ask?q=谁喜欢话剧", &["ask", "--json", "谁喜欢话剧"]),
        (
            "/api/ask?q=who travels to Beijing next week?",
            &["ask", "--json", "who travels to Beijing next week?"],
        ),
        (
            "/api/ask?q=purple elephants&limit=1",
            &["ask", "--json", "--limit", "1", "purple elephants"],
        ),
        ("/api/customers/c001", &["show", "--json", "c001"]),
        ("/api/customers/x1", &["show", "--json", "x1"]),
        ("/api/agenda", &["agenda", "--json"]),
        ("/api/agenda?days=30", &["agenda", "--json", "--days", "30"]),
        (
            "/api/agenda?days=366&owner=刘芳",
            &["agenda", "--json", "--days", "366", "--owner", "刘芳"],
        ),
        (
            "/api/agenda?owner=nobody",
            &["agenda", "--json", "--owner", "nobody"],
        ),
    ];
    let mut failures = Vec::new();
    for (path, args) in cases {
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let encoded_query: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("k=v");
                format!("{k}={}", encode(v))
            })
            .collect();
        let url = if encoded_query.is_empty() {
            route.to_string()
        } else {
            format!("{route}?{}", encoded_query.join("&"))
        };
        // The two reads may straddle a commit of the watcher's (scores
        // move with the index's statistics): equal once both read the same.
        let started = std::time::Instant::now();
        let (response, expected) = loop {
            let response = server.get(&url);
            let expected = cli_json(&server.dir, args);
            if (response.status == 200 && response.body == expected)
                || started.elapsed() > crate::DEADLINE
            {
                break (response, expected);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        if response.status != 200 || response.body != expected {
            failures.push(format!(
                "{path}: {} {}\n  expected {expected}",
                response.status, response.body
            ));
        }
        if !response.head.contains("content-type: application/json") {
            failures.push(format!("{path}: not JSON: {}", response.head));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Status: the same object as `status --json` (the index size may move
    // between the two reads).
    let mut api: Value = serde_json::from_str(&server.get("/api/status").body).expect("JSON");
    let mut cli: Value =
        serde_json::from_str(&cli_json(&server.dir, &["status", "--json"])).expect("JSON");
    for value in [&mut api, &mut cli] {
        value
            .as_object_mut()
            .expect("an object")
            .remove("index_bytes");
    }
    assert_eq!(api, cli);
    assert!(
        api["files_in_error"].to_string().contains(BROKEN_FILE),
        "{api}"
    );
    assert_eq!(api["watcher"]["command"], "watch", "{api}");
    let hostile: Value = serde_json::from_str(&server.get("/api/customers/x1").body).expect("JSON");
    assert_eq!(hostile["name"], HOSTILE_NAME);
}

#[test]
fn bad_requests_are_400_unknown_things_404_never_a_file_outside() {
    let dir = kb();
    let server = Server::start(dir.path());
    let cases: &[(&str, u16, &str)] = &[
        ("/api/search", 400, "q: missing"),
        ("/api/search?q=", 400, "q: missing"),
        ("/api/search?q=when%3Anonsense", 400, "when:nonsense"),
        ("/api/search?q=x&limit=abc", 400, "limit=abc"),
        ("/api/search?q=x&limit=-1", 400, "limit=-1"),
        ("/api/search?q=x&sort=sideways", 400, "sort=sideways"),
        ("/api/ask?q=x&sort=sideways", 400, "sort=sideways"),
        ("/api/search?q=%FF%FE", 400, ""),
        ("/api/agenda?days=0", 400, "days=0"),
        ("/api/agenda?days=367", 400, "days=367"),
        ("/api/agenda?days=two", 400, "days=two"),
        ("/api/customers/nobody", 404, "nobody"),
        (
            "/api/customers/..%2F..%2Fetc%2Fpasswd",
            404,
            "../../etc/passwd",
        ),
        ("/api/customers/..%2FCargo.toml", 404, "../Cargo.toml"),
        ("/api/customers/%2Fetc%2Fpasswd", 404, "/etc/passwd"),
        ("/api/customers/../../etc/passwd", 404, ""),
        ("/api/customers/c001/..%2F..", 404, ""),
        ("/api/nothing-here", 404, "no such API route"),
    ];
    let mut failures = Vec::new();
    for (path, status, says) in cases {
        let response = server.get(path);
        let error = serde_json::from_str::<Value>(&response.body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string));
        let ok = response.status == *status
            && error.as_deref().is_some_and(|e| e.contains(says))
            && !response.body.contains("root:");
        if !ok {
            failures.push(format!("{path}: {} {}", response.status, response.body));
        }
    }
    let pages: &[(&str, u16)] = &[
        ("/", 200),
        ("/?q=%E8%AF%9D%E5%89%A7", 200),
        ("/?q=when%3Anonsense", 400),
        ("/c/c001", 200),
        ("/c/nobody", 404),
        ("/c/..%2F..%2Fetc%2Fpasswd", 404),
        ("/c/../../etc/passwd", 404),
        ("/status", 200),
        ("/agenda", 200),
        ("/agenda?days=30&owner=%E5%88%98%E8%8A%B3", 200),
        ("/agenda?days=0", 400),
        ("/assets/style.css", 200),
        ("/assets/app.js", 200),
        ("/assets/..%2F..%2FCargo.toml", 404),
        ("/assets/../../Cargo.toml", 404),
        ("/fixtures/kb/customers/c001-王建国.json", 404),
        ("/nothing", 404),
    ];
    for (path, status) in pages {
        let response = server.get(path);
        if response.status != *status
            || response.body.contains("root:")
            || response.body.contains("[package]")
            || !response.head.contains("x-content-type-options: nosniff")
        {
            failures.push(format!("{path}: {} {}", response.status, response.head));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pages_escape_every_dossier_text_and_speak_the_browsers_language() {
    let dir = kb();
    let server = Server::start(dir.path());
    let page = server.get("/c/x1").body;
    for markup in ["<img", "<script>alert", "<b>刘芳", "<svg", "<i>golf"] {
        assert!(
            !page.contains(markup),
            "{markup} is markup in /c/x1:\n{page}"
        );
    }
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    let results = server.get(&format!("/?q={}", encode("话剧"))).body;
    assert!(!results.contains("<img"), "{results}");
    assert!(
        results.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{results}"
    );
    let status = server.get("/status").body;
    assert!(status.contains(BROKEN_FILE), "{status}");

    let cases = [
        ("zh-CN,zh;q=0.9,en;q=0.8", "<html lang=\"zh\">", "搜索"),
        ("en-US,en;q=0.9", "<html lang=\"en\">", "Search"),
        ("fr-FR", "<html lang=\"en\">", "Search"),
    ];
    for (accept, lang, label) in cases {
        let page = server.get_with("/", &[("Accept-Language", accept)]).body;
        assert!(
            page.contains(lang) && page.contains(label),
            "{accept}: {page}"
        );
    }
}

#[test]
fn typing_matches_the_last_word_as_a_prefix_and_changes_nothing_else() {
    let dir = kb();
    let server = Server::start(dir.path());
    let ids = |path: &str| -> Vec<String> {
        let response = server.get(path);
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        let body: Value = serde_json::from_str(&response.body).expect("JSON");
        let mut ids: Vec<String> = body["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|hit| hit["id"].as_str().expect("an id").to_string())
            .collect();
        ids.sort();
        ids
    };
    // Cut short while typing: a name's pinyin, an English word, initials.
    let cases: &[(&str, &[&str])] = &[
        ("/api/search?typing=1&q=zhangw", &["c003", "c007"]),
        ("/api/search?typing=1&q=gol", &["c009", "c027", "x1"]),
        // 赵立新: 立 also reads wei, so zwx are initials of his name.
        (
            "/api/search?typing=1&q=name%3Azw",
            &["c003", "c007", "c015"],
        ),
        ("/api/search?typing=1&q=likes%3Agolf%20lenov", &["c009"]),
        ("/api/ask?typing=1&q=thomp", &["c010"]),
    ];
    for (path, expected) in cases {
        assert_eq!(ids(path), *expected, "{path}");
    }
    // Without typing=1, or with a space after the last word (it is
    // complete), the answer is `search --json`'s.
    for (path, args) in [
        ("/api/search?q=gol", &["search", "--json", "gol"]),
        ("/api/search?typing=0&q=gol", &["search", "--json", "gol"]),
        (
            "/api/search?typing=1&q=gol%20",
            &["search", "--json", "gol"],
        ),
        ("/api/search?typing=1&q=golf", &["search", "--json", "golf"]),
    ] {
        let response = server.get(path);
        assert_eq!(
            (response.status, response.body),
            (200, cli_json(&server.dir, args)),
            "{path}"
        );
    }
    // Cut short, an interest's name in a question: the customers of the
    // whole word.
    let golf = ids(&format!("/api/ask?q={}", encode("who likes golf")));
    assert!(golf.len() >= 2, "{golf:?}");
    assert_eq!(
        ids(&format!("/api/ask?typing=1&q={}", encode("who likes gol"))),
        golf
    );
    let response = server.get("/api/search?typing=yes&q=gol");
    assert_eq!(response.status, 400, "{}", response.body);
    assert!(response.body.contains("typing=yes"), "{}", response.body);
}

/// A note whose file breaks is kept without its text (only its file has
/// it): the API marks it `last_good`, as `show --json` does, and the
/// page says why the text is missing.
#[test]
fn a_broken_notes_last_good_version_says_so_in_the_api_and_on_the_page() {
    let dir = kb();
    let server = Server::start(dir.path());
    let path = "meetings/2026-10-08-m025.json";
    let good = std::fs::read_to_string(server.dir.join(path)).expect("m025");
    let cut = good.find("\"text\"").expect("m025 has a text");
    crate::write(&server.dir, path, &good[..cut]);
    let m025 = |body: &str| -> Value {
        let shown: Value = serde_json::from_str(body).expect("JSON");
        shown["notes"]
            .as_array()
            .and_then(|notes| notes.iter().find(|n| n["id"] == "m025"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let started = std::time::Instant::now();
    let api = loop {
        let api = server.get("/api/customers/c008").body;
        if m025(&api)["last_good"] == true || started.elapsed() > crate::DEADLINE {
            break api;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let note = m025(&api);
    assert_eq!(note["last_good"], true, "{api}");
    assert!(note["record"].get("text").is_none(), "{api}");
    assert_eq!(api, cli_json(&server.dir, &["show", "--json", "c008"]));
    let page = server
        .get_with("/c/c008", &[("Accept-Language", "en")])
        .body;
    assert!(page.contains("The last good version"), "{page}");
    assert!(page.contains("云帆科技项目签约后回访"), "{page}");
}
