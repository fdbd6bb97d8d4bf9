//! The pages in a real browser: headless chromium through chromedriver
//! (WebDriver), driven with fantoccini. Typing goes letter by letter, as a
//! person types; every check polls the page until a deadline.
//!
//! `DOSSIER_SCREENSHOTS=DIR` saves a PNG of each page there (the README's
//! pictures under `docs/` come from this test).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::{BROKEN_FILE, DEADLINE, HOSTILE_NAME, Server, UNDATED_NOTE, kb};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(program).exists(),
                "{program} is missing: install it with `apt-get install chromium chromium-driver` (see README, Tests)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < DEADLINE,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver, profile: &std::path::Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--lang=en-US",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=400,860",
            ],
            "prefs": {"intl.accept_languages": "en-US,en"},
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a chromium session through chromedriver")
}

/// Polls `script`'s value until `done` says yes; fails with the last value
/// at the deadline.
async fn until(client: &Client, what: &str, script: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let value = client
            .execute(script, vec![])
            .await
            .expect("running a script");
        if done(&value) {
            return value;
        }
        assert!(started.elapsed() < DEADLINE, "{what}: still {value}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const HIT_NAMES: &str =
    "return Array.from(document.querySelectorAll('#results .hit .name')).map(a => a.textContent)";

fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn type_slowly(client: &Client, text: &str) {
    let box_ = client
        .find(Locator::Css("#q"))
        .await
        .expect("the search box");
    box_.clear().await.expect("clearing the box");
    for letter in text.chars() {
        box_.send_keys(&letter.to_string()).await.expect("typing");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

async fn screenshot(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("DOSSIER_SCREENSHOTS") else {
        return;
    };
    let png = client.screenshot().await.expect("a screenshot");
    let path = PathBuf::from(dir).join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}

#[test]
fn a_rep_searches_as_they_type_opens_a_dossier_and_reads_the_status() {
    let dir = kb();
    let server = Server::start(dir.path());
    let driver = Driver::start();
    let profile = tempfile::tempdir().expect("a browser profile folder");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let client = browser(&driver, profile.path()).await;
        let base = &server.base;
        client.goto(&format!("{base}/")).await.expect("opening /");

        // Letter by letter, no Enter: 话 then 话剧; 王建国 appears. The
        // hits of 话 have him too: wait for the answer to 话剧 itself.
        let answered_names = "return [document.getElementById('answer').dataset.answered || ''].concat(Array.from(document.querySelectorAll('#results .hit .name')).map(a => a.textContent))";
        type_slowly(&client, "话剧").await;
        let found = until(&client, "王建国 among the hits for 话剧", answered_names, |v| {
            let names = names(v);
            names.first().is_some_and(|a| a == "话剧") && names.iter().any(|n| n == "王建国")
        })
        .await;
        // The hostile customer is among them, as text: no element was made.
        assert!(names(&found).iter().any(|n| n == HOSTILE_NAME), "{found}");
        let markup = client
            .execute(
                "return document.querySelectorAll('#results img, #results script, #results svg, #results b, #results i').length",
                vec![],
            )
            .await
            .expect("counting elements");
        assert_eq!(markup, json!(0));
        let marks = client
            .execute("return Array.from(document.querySelectorAll('#results mark')).map(m => m.textContent)", vec![])
            .await
            .expect("reading the highlights");
        assert!(names(&marks).iter().any(|m| m.contains("话剧") || m.contains("話劇")), "{marks}");
        screenshot(&client, "search").await;

        // Pinyin while typing: the reading of a name.
        type_slowly(&client, "wangjianguo").await;
        until(&client, "王建国 for wangjianguo", HIT_NAMES, |v| {
            names(v).iter().any(|n| n == "王建国")
        })
        .await;

        // Words cut short while typing: the start of a name's pinyin (not
        // read as the typo of zhang, which finds 胡斌 too), the start of
        // an English word, highlighted.
        type_slowly(&client, "zhangw").await;
        until(&client, "张伟 and 張偉 only for zhangw", answered_names, |v| {
            let names = names(v);
            names.first().is_some_and(|a| a == "zhangw")
                && names.iter().any(|n| n == "张伟")
                && names.iter().any(|n| n == "張偉")
                && !names.iter().any(|n| n == "胡斌")
        })
        .await;
        type_slowly(&client, "thomp").await;
        until(&client, "Sarah Thompson for thomp", answered_names, |v| {
            let names = names(v);
            names.first().is_some_and(|a| a == "thomp") && names.iter().any(|n| n == "Sarah Thompson")
        })
        .await;
        let marks = client
            .execute("return Array.from(document.querySelectorAll('#results mark')).map(m => m.textContent)", vec![])
            .await
            .expect("reading the highlights");
        assert!(names(&marks).iter().any(|m| m.eq_ignore_ascii_case("thomp")), "{marks}");

        // A question goes to ask, and the query understood is shown.
        type_slowly(&client, "谁喜欢话剧").await;
        until(
            &client,
            "the understood query",
            "const u = document.getElementById('understood'); return u.hidden ? '' : u.textContent",
            |v| v.as_str().is_some_and(|s| s.contains("likes:话剧")),
        )
        .await;
        screenshot(&client, "ask").await;

        // A bad query says why, on the page.
        type_slowly(&client, "when:nonsense").await;
        until(
            &client,
            "the query's error",
            "const s = document.getElementById('summary'); return s.className + ' ' + s.textContent",
            |v| v.as_str().is_some_and(|s| s.starts_with("error") && s.contains("nonsense")),
        )
        .await;

        // Open a dossier from the results.
        type_slowly(&client, "王建国").await;
        until(&client, "王建国 for 王建国", HIT_NAMES, |v| names(v).iter().any(|n| n == "王建国")).await;
        let link = client
            .find(Locator::XPath("//ol[@id='results']//a[text()='王建国']"))
            .await
            .expect("the link to 王建国");
        link.click().await.expect("opening the dossier");
        until(&client, "the dossier's heading", "return location.pathname + ' ' + (document.querySelector('h1') || {}).textContent", |v| {
            v.as_str().is_some_and(|s| s.starts_with("/c/c001 王建国"))
        })
        .await;
        let notes = client
            .execute("return document.querySelectorAll('ol.timeline li.note').length", vec![])
            .await
            .expect("counting notes");
        assert!(notes.as_u64().is_some_and(|n| n > 0), "no timeline: {notes}");
        let brief = client
            .execute("return (document.querySelector('section.brief') || {}).textContent || ''", vec![])
            .await
            .expect("reading the brief");
        assert!(brief.as_str().is_some_and(|b| b.contains("Before the visit") && b.contains("IBM")), "{brief}");
        screenshot(&client, "dossier").await;

        // The hostile dossier is text, and no script ran.
        client.goto(&format!("{base}/c/x1")).await.expect("opening /c/x1");
        let heading = until(&client, "the hostile heading", "return (document.querySelector('h1') || {}).textContent || ''", |v| {
            v.as_str().is_some_and(|s| !s.is_empty())
        })
        .await;
        assert!(heading.as_str().is_some_and(|h| h.starts_with(HOSTILE_NAME)), "{heading}");
        let markup = client
            .execute("return document.querySelectorAll('main img, main script, main svg, main b, main i').length", vec![])
            .await
            .expect("counting elements");
        assert_eq!(markup, json!(0));
        assert!(client.get_alert_text().await.is_err(), "an alert opened");

        // The agenda: a month ahead, 王建国's trip to 北京 and 曾志强's
        // birthday among the items; the owner filter keeps 刘芳's (劉芳 too: names are folded).
        client.goto(&format!("{base}/agenda?days=30")).await.expect("opening /agenda");
        let items = "return Array.from(document.querySelectorAll('ul.items li')).map(li => li.className + ' ' + li.textContent)";
        until(&client, "the agenda's items", items, |v| {
            let items = names(v);
            items.iter().any(|s| s.starts_with("trip") && s.contains("王建国") && s.contains("北京"))
                && items.iter().any(|s| s.starts_with("birthday") && s.contains("曾志强"))
        })
        .await;
        screenshot(&client, "agenda").await;
        let owner = client.find(Locator::Css("form.filters input[name=owner]")).await.expect("the owner box");
        owner.send_keys("刘芳").await.expect("typing the owner");
        client
            .find(Locator::Css("form.filters button"))
            .await
            .expect("the button")
            .click()
            .await
            .expect("filtering");
        until(&client, "刘芳's agenda only", items, |v| {
            let items = names(v);
            !items.is_empty() && items.iter().all(|s| s.contains("刘芳") || s.contains("劉芳")) && items.iter().any(|s| s.contains("王建国"))
        })
        .await;

        // Status: the broken file and the note dated day first, with their messages.
        client.goto(&format!("{base}/status")).await.expect("opening /status");
        until(&client, "the problems on the status page", "return Array.from(document.querySelectorAll('ul.problems li')).map(li => li.className + ' ' + li.textContent)", |v| {
            let items = names(v);
            items.iter().any(|s| s.starts_with("error") && s.contains(BROKEN_FILE) && s.contains("EOF"))
                && items.iter().any(|s| s.starts_with("warning") && s.contains(UNDATED_NOTE))
        })
        .await;
        screenshot(&client, "status").await;

        client.close().await.expect("closing the browser");
    });
}

#[test]
fn a_rep_signs_in_once_and_sees_only_her_customers() {
    let dir = crate::fixture("team");
    let server = Server::start(dir.path());
    let driver = Driver::start();
    let profile = tempfile::tempdir().expect("a browser profile folder");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let client = browser(&driver, profile.path()).await;
        let base = &server.base;
        // A dossier's address asks for the token first, and nothing else.
        client
            .goto(&format!("{base}/c/t01"))
            .await
            .expect("opening /c/t01");
        let token = client
            .find(Locator::Css("input[name=token]"))
            .await
            .expect("the token box");
        let body = client.source().await.expect("the page");
        assert!(
            !body.contains("王建国"),
            "the sign-in page names a customer"
        );
        screenshot(&client, "sign-in").await;
        token
            .send_keys("token-liufang")
            .await
            .expect("typing the token");
        client
            .find(Locator::Css("form.sign-in button"))
            .await
            .expect("the button")
            .click()
            .await
            .expect("signing in");
        // Back where she was going, signed in; the cookie is not the token
        // and no script can read it.
        until(
            &client,
            "the dossier after signing in",
            "return location.pathname + ' ' + (document.querySelector('h1') || {}).textContent",
            |v| v.as_str().is_some_and(|s| s.starts_with("/c/t01 王建国")),
        )
        .await;
        let cookies = client
            .execute("return document.cookie", vec![])
            .await
            .expect("document.cookie");
        assert_eq!(cookies, json!(""), "a script can read the session cookie");
        // Searching as she types: her customers and the shared pool only.
        client.goto(&format!("{base}/")).await.expect("opening /");
        type_slowly(&client, "likes:话剧").await;
        let found = until(&client, "刘芳's hits for likes:话剧", HIT_NAMES, |v| {
            names(v).len() == 2
        })
        .await;
        let mut found = names(&found);
        found.sort();
        assert_eq!(found, vec!["周杰".to_string(), "王建国".to_string()]);
        let summary = client
            .execute(
                "return document.getElementById('summary').textContent",
                vec![],
            )
            .await
            .expect("the summary");
        assert!(
            summary.as_str().is_some_and(|s| s.starts_with("2 ")),
            "{summary}"
        );
        // Signing out: the next page asks again.
        client
            .find(Locator::Css("form.sign-out button"))
            .await
            .expect("the sign-out button")
            .click()
            .await
            .expect("signing out");
        client
            .goto(&format!("{base}/c/t01"))
            .await
            .expect("opening /c/t01 again");
        client
            .find(Locator::Css("input[name=token]"))
            .await
            .expect("asked for the token again");
        client.close().await.expect("closing the browser");
    });
}
