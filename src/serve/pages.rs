//! The pages: `/` (search as you type), `/c/{id}` (one dossier, notes as a
//! timeline), `/status`. Rendered here with maud, which escapes every
//! interpolated string: a dossier's text is never markup. Labels follow the
//! browser's `Accept-Language` (Chinese or English).

use std::collections::HashMap;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{DOCTYPE, Markup, html};
use serde_json::{Map, Value};

use super::{App, blocking, error_status};
use crate::agenda::{self, Agenda, Event, UpcomingTrip};
use crate::answer::{Answer, Command};
use crate::record::Severity;
use crate::search::Hit;
use crate::show::{Brief, Dossier, StoredRecord};
use crate::status::{IndexState, Status};
use crate::team::Reader;
use crate::{show, status};

/// The language of the labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lang {
    En,
    Zh,
}

impl Lang {
    /// The first of Chinese or English in the browser's `Accept-Language`
    /// (by preference), English when it names neither.
    pub(super) fn of(headers: &HeaderMap) -> Lang {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        Lang::from_accept_language(accept)
    }

    fn from_accept_language(accept: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "zh" || tag.starts_with("zh-") {
                Lang::Zh
            } else if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }

    fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// A label in this language.
    pub(super) fn t(self, key: &str) -> &'static str {
        let (en, zh) = match key {
            "search" => ("Search", "搜索"),
            "agenda" => ("Agenda", "日程"),
            "status" => ("Status", "状态"),
            "placeholder" => (
                "Name, pinyin, company, likes:theatre, or ask: who travels to Beijing next week?",
                "姓名、拼音、公司、likes:话剧，或提问：谁下周去北京？",
            ),
            "owner" => ("owner", "负责人"),
            "understood" => ("Understood as", "理解为"),
            "fallback" => (
                "Could not map the question; searching its words",
                "无法理解该问题，按文字搜索",
            ),
            "found" => ("customers", "位客户"),
            "none" => ("No customer found.", "没有找到客户。"),
            "error" => ("Error", "错误"),
            "profile" => ("Profile", "资料"),
            "timeline" => ("Meetings and visits", "会谈纪要与走访"),
            "no notes" => (
                "No meeting notes or visit reports yet.",
                "还没有会谈纪要或走访记录。",
            ),
            "meeting" => ("meeting", "会谈"),
            "visit" => ("visit", "走访"),
            "no date" => ("no date", "无日期"),
            "last good" => (
                "The last good version: its file has an error now, and a note's text is kept in its file only. Fix the file to see the text.",
                "这是最后一个有效版本：文件现在有错误，纪要正文只保存在文件里。修好文件即可看到正文。",
            ),
            "by" => ("by", "记录人"),
            "trips" => ("Trips", "行程"),
            "not found" => ("Not found", "未找到"),
            "back" => ("Back to search", "返回搜索"),
            "kb" => ("Knowledge base", "知识库"),
            "index" => ("Index", "索引"),
            "indexed" => ("Indexed", "已索引"),
            "customers" => ("customers", "位客户"),
            "meetings" => ("meetings", "条会谈纪要"),
            "visits" => ("visits", "条走访记录"),
            "files" => ("files", "个文件"),
            "last sync" => ("Last sync", "上次同步"),
            "never" => ("never", "从未"),
            "watcher" => ("Watcher", "监视进程"),
            "no watcher" => ("not running", "未运行"),
            "problems" => ("Files in error and warnings", "出错的文件与警告"),
            "no problems" => (
                "Every file was read without a problem.",
                "所有文件均已正常读取。",
            ),
            "severity error" => ("error", "错误"),
            "severity warning" => ("warning", "警告"),
            "ready" => ("ready", "就绪"),
            "stale" => ("stale: rebuilding", "已过期，正在重建"),
            "missing" => ("missing", "不存在"),
            "file" => ("File", "文件"),
            "message" => ("Message", "说明"),
            "kind" => ("Kind", "类型"),
            "before" => ("Before the visit", "拜访前"),
            "next trip" => ("Next trip", "下次行程"),
            "under way" => ("under way", "进行中"),
            "in days" => ("in {} days", "{} 天后"),
            "today" => ("today", "今天"),
            "birthday" => ("Birthday", "生日"),
            "turns" => ("turns {}", "满 {} 岁"),
            "last contact" => ("Last contact", "上次联系"),
            "days ago" => ("{} days ago", "{} 天前"),
            "never contacted" => ("never", "从未联系"),
            "needs attention" => ("needs attention", "需要跟进"),
            "competitor" => ("Competitor", "竞争对手"),
            "satisfaction" => ("satisfaction", "满意度"),
            "coming up" => ("Coming up", "即将到来"),
            "nothing coming" => ("Nothing coming up in these days.", "这些天没有安排。"),
            "attention" => ("Needs attention", "需要跟进"),
            "nobody waiting" => (
                "Every dossier was looked after in the last 60 days.",
                "所有客户在 60 天内都有跟进。",
            ),
            "trip" => ("trip", "行程"),
            "days" => ("Days", "天数"),
            "show" => ("Show", "显示"),
            "unknown owner" => ("No customer has this owner.", "没有客户属于这位负责人。"),
            "sign in" => ("Sign in", "登录"),
            "sign out" => ("Sign out", "退出"),
            "token" => ("Access token", "访问令牌"),
            "token help" => (
                "This knowledge base is kept confidential: enter the access token you were given (dossier team add). It is asked once, then kept in this browser for 12 hours.",
                "客户档案须保密：请输入发给您的访问令牌（dossier team add）。只需输入一次，本浏览器会保持登录 12 小时。",
            ),
            "unknown token" => (
                "This token is not known. Check it and try again.",
                "令牌无效，请核对后重试。",
            ),
            "signed in as" => ("Signed in as", "当前用户"),
            _ => ("?", "?"),
        };
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }
}

/// An HTML response.
pub(super) fn page(status: StatusCode, markup: Markup) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response()
}

/// The person a page is shown to: named in the navigation, with a way to
/// sign out, when a team file is in force.
pub(super) fn who(reader: &Reader) -> Option<&str> {
    reader.role.map(|_| reader.name.as_str())
}

/// The frame around every page: the navigation (with who is signed in),
/// the title, the styles.
pub(super) fn layout(
    lang: Lang,
    title: &str,
    current: &str,
    body: Markup,
    script: bool,
    who: Option<&str>,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · dossier" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                header {
                    nav {
                        a.brand href="/" { "dossier" }
                        @for (href, key) in [("/", "search"), ("/agenda", "agenda"), ("/status", "status")] {
                            a href=(href) aria-current=[(current == key).then_some("page")] { (lang.t(key)) }
                        }
                        @if let Some(name) = who {
                            form.sign-out method="post" action=(super::sign_in::SIGN_OUT) {
                                span.who title=(lang.t("signed in as")) { (name) }
                                button type="submit" { (lang.t("sign out")) }
                            }
                        }
                    }
                }
                main { (body) }
                @if script {
                    script src="/assets/app.js" {}
                }
            }
        }
    }
}

/// Page-level error: the message as text, with the status code.
pub(super) fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let title = if status == StatusCode::NOT_FOUND {
        lang.t("not found")
    } else {
        lang.t("error")
    };
    page(
        status,
        layout(
            lang,
            title,
            "",
            html! {
                h1 { (title) }
                p.error { (message) }
                p { a href="/" { (lang.t("back")) } }
            },
            false,
            None,
        ),
    )
}

/// The page for an unknown address.
pub(super) fn not_found(lang: Lang) -> Response {
    error_page(lang, StatusCode::NOT_FOUND, "no page here")
}

fn internal_error_page(lang: Lang) -> impl FnOnce() -> Response {
    move || {
        error_page(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error: this page could not be made, and the server log says why",
        )
    }
}

fn text<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Any JSON value as a line of text.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(items) => items
            .iter()
            .map(value_text)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                if k == "name" || k == "city" {
                    value_text(v)
                } else {
                    format!("{k}: {}", value_text(v))
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// A snippet with its match in `<mark>` (offsets are chars).
fn snippet(snippet: &str, highlight: Option<(usize, usize)>) -> Markup {
    let chars: Vec<char> = snippet.chars().collect();
    let (start, end) = highlight.map_or((0, 0), |(s, e)| {
        let end = e.min(chars.len());
        (s.min(end), end)
    });
    let part = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
    html! {
        (part(0..start))
        @if start < end { mark { (part(start..end)) } }
        (part(end..chars.len()))
    }
}

/// The address of a customer's page: the id as one path segment.
fn customer_href(id: &str) -> String {
    let mut href = String::from("/c/");
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            href.push(byte as char);
        } else {
            href.push_str(&format!("%{byte:02X}"));
        }
    }
    href
}

/// One hit as the page shows it (the script renders the same markup).
fn hit_item(lang: Lang, hit: &Hit) -> Markup {
    let company = text(&hit.profile, "company");
    let owner = text(&hit.profile, "owner");
    html! {
        li.hit {
            a.name href=(customer_href(&hit.id)) { (hit.name) }
            @if company.is_some() || owner.is_some() {
                div.meta {
                    @if let Some(company) = company { span.company { (company) } }
                    @if let Some(owner) = owner { span.owner { (lang.t("owner")) " " (owner) } }
                }
            }
            ul.why {
                @for m in &hit.matches {
                    li {
                        span.field { (m.kind) " · " (m.field) }
                        " "
                        span.snippet { (snippet(&m.snippet, m.highlight)) }
                    }
                }
            }
        }
    }
}

fn results(lang: Lang, answer: &Answer) -> Markup {
    html! {
        @if let Some(understood) = &answer.understood {
            p #understood {
                (lang.t(if understood.fallback { "fallback" } else { "understood" })) ": "
                code { (understood.query) }
            }
        } @else {
            p #understood hidden {}
        }
        p #summary { (answer.result.total) " " (lang.t("found")) }
        ol #results {
            @for hit in &answer.result.hits { (hit_item(lang, hit)) }
        }
    }
}

/// `GET /` (and `/?q=…`, rendered here for a browser without script):
/// one box, results as you type.
pub(super) async fn search_page(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
    headers: HeaderMap,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let lang = Lang::of(&headers);
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let text = params.get("q").cloned().unwrap_or_default();
    let live = app.live.clone();
    let request = if text.trim().is_empty() {
        None
    } else {
        let command = if looks_like_question(&text) {
            Command::Ask
        } else {
            Command::Search
        };
        super::api::search_request(&app, command, &params).ok()
    };
    blocking(
        &app,
        format!("the search page for {text:?}"),
        move || {
            let answered = request.map(|request| live.answer(&request, &reader));
            let body = html! {
                form.search role="search" action="/" method="get" {
                    input #q type="search" name="q" value=(text) autofocus
                        autocomplete="off" autocapitalize="off" spellcheck="false"
                        placeholder=(lang.t("placeholder")) aria-label=(lang.t("search"));
                }
                div #answer data-owner=(lang.t("owner")) data-understood=(lang.t("understood"))
                    data-fallback=(lang.t("fallback")) data-found=(lang.t("found"))
                    data-none=(lang.t("none")) {
                    @match &answered {
                        Some(Ok(answer)) => (results(lang, answer)),
                        Some(Err(error)) => {
                            p #understood hidden {}
                            p #summary.error { (error.to_string()) }
                            ol #results {}
                        }
                        None => {
                            p #understood hidden {}
                            p #summary {}
                            ol #results {}
                        }
                    }
                }
            };
            let status = match &answered {
                Some(Err(error)) => error_status(error),
                _ => StatusCode::OK,
            };
            page(
                status,
                layout(lang, lang.t("search"), "search", body, true, who(&reader)),
            )
        },
        internal_error_page(lang),
    )
    .await
}

/// Whether the box holds a question for `ask` rather than a query: 谁 誰,
/// who / which, a question mark, or a sentence (four words or more and no
/// `key:`). The script decides the same way.
fn looks_like_question(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.contains(['谁', '誰', '?', '？']) {
        return true;
    }
    let words: Vec<&str> = lower.split_whitespace().collect();
    if words
        .iter()
        .any(|w| matches!(*w, "who" | "which" | "whose"))
    {
        return true;
    }
    words.len() >= 4 && !lower.contains(':')
}

/// `GET /c/{id}`: one customer's whole dossier.
pub(super) async fn customer_page(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let lang = Lang::of(&headers);
    let Ok(Path(id)) = id else {
        return error_page(lang, StatusCode::BAD_REQUEST, "unreadable customer id");
    };
    let live = app.live.clone();
    let today = app.today();
    blocking(
        &app,
        format!("the page of customer {id:?}"),
        move || {
            let dossier = live
                .read()
                .and_then(|read| show::dossier(&read, live.location(), &id, &reader));
            match dossier {
                Ok(dossier) => {
                    let name =
                        text(&dossier.customer.fields, "name").unwrap_or(&dossier.customer.id);
                    let brief = show::brief(&dossier, today);
                    let body = dossier_body(lang, &dossier, &brief, today);
                    page(
                        StatusCode::OK,
                        layout(lang, name, "", body, false, who(&reader)),
                    )
                }
                Err(error) => error_page(lang, error_status(&error), &error.to_string()),
            }
        },
        internal_error_page(lang),
    )
    .await
}

/// Profile fields shown in the header or elsewhere, not in the list.
const HEADER_KEYS: &[&str] = &["id", "kind", "name", "nickname", "notes", "itinerary"];

/// The profile's fields in the order a rep reads them; any other field
/// follows in its own order.
const FIELD_ORDER: &[&str] = &[
    "title",
    "company",
    "type",
    "industry",
    "owner",
    "tier",
    "stage",
    "region",
    "city",
    "hometown",
    "birthday",
    "contacts",
    "interests",
    "competitors",
    "family",
    "education",
    "updated",
];

/// `{}` in a label replaced by a number.
fn count(label: &str, n: i64) -> String {
    label.replace("{}", &n.to_string())
}

/// "Before the visit": the next trip, the birthday, the last contact, the
/// competitors (`show::brief`).
fn brief_section(lang: Lang, brief: &Brief, today: NaiveDate) -> Markup {
    let empty = brief.next_trip.is_none()
        && brief.birthday.is_none()
        && brief.last_contact.is_none()
        && !brief.needs_attention
        && brief.competitors.is_empty();
    html! {
        @if !empty {
            section.brief {
                h2 { (lang.t("before")) }
                dl.profile {
                    @if let Some(trip) = &brief.next_trip {
                        dt { (lang.t("next trip")) }
                        dd {
                            (trip.describe()) " · "
                            @if trip.under_way(today) {
                                (lang.t("under way"))
                            } @else {
                                (count(lang.t("in days"), (trip.from - today).num_days().max(0)))
                            }
                        }
                    }
                    @if let Some((written, next)) = &brief.birthday {
                        dt { (lang.t("birthday")) }
                        dd {
                            (written) " · "
                            @if next.days == 0 { (lang.t("today")) } @else { (count(lang.t("in days"), next.days)) }
                            " (" (next.date) ")"
                            @if let Some(turns) = next.turns { ", " (count(lang.t("turns"), turns.into())) }
                        }
                    }
                    dt { (lang.t("last contact")) }
                    dd.attention[brief.needs_attention] {
                        @match (brief.last_contact, brief.days_since_contact) {
                            (Some(day), Some(days)) => { (day) " · " (count(lang.t("days ago"), days)) }
                            (Some(day), None) => { (day) }
                            _ => { (lang.t("never contacted")) }
                        }
                        @if brief.needs_attention { " · " strong { (lang.t("needs attention")) } }
                    }
                    @for competitor in &brief.competitors {
                        dt { (lang.t("competitor")) }
                        dd {
                            (competitor.name)
                            @if let Some(product) = &competitor.product { " " (product) }
                            @if let Some(satisfaction) = &competitor.satisfaction {
                                " (" (lang.t("satisfaction")) " " (satisfaction) ")"
                            }
                        }
                    }
                    @if let Some(satisfaction) = &brief.satisfaction {
                        dt { (lang.t("satisfaction")) }
                        dd { (satisfaction) }
                    }
                }
            }
        }
    }
}

fn dossier_body(lang: Lang, dossier: &Dossier, brief: &Brief, today: NaiveDate) -> Markup {
    let fields = &dossier.customer.fields;
    let name = text(fields, "name").unwrap_or(&dossier.customer.id);
    let mut keys: Vec<&str> = FIELD_ORDER
        .iter()
        .copied()
        .filter(|k| fields.contains_key(*k))
        .collect();
    keys.extend(
        fields
            .keys()
            .map(String::as_str)
            .filter(|k| !FIELD_ORDER.contains(k) && !HEADER_KEYS.contains(k)),
    );
    let trips = fields.get("itinerary").and_then(Value::as_array);
    html! {
        article.dossier {
            h1 {
                (name)
                @if let Some(nickname) = text(fields, "nickname") { " " span.nick { "(" (nickname) ")" } }
            }
            p.meta {
                @for key in ["title", "company"] {
                    @if let Some(value) = text(fields, key) { span { (value) } }
                }
                span.id { (dossier.customer.id) }
            }
            (brief_section(lang, brief, today))
            @if let Some(notes) = text(fields, "notes") {
                p.summary { (notes) }
            }
            h2 { (lang.t("profile")) }
            dl.profile {
                @for key in &keys {
                    @let value = value_text(&fields[*key]);
                    @if !value.is_empty() {
                        dt { (key) }
                        dd { (value) }
                    }
                }
            }
            @if let Some(trips) = trips.filter(|t| !t.is_empty()) {
                h2 { (lang.t("trips")) }
                ul.trips {
                    @for trip in trips { li { (value_text(trip)) } }
                }
            }
            h2 { (lang.t("timeline")) " (" (dossier.notes.len()) ")" }
            @if dossier.notes.is_empty() {
                p { (lang.t("no notes")) }
            } @else {
                ol.timeline {
                    @for note in &dossier.notes { (note_item(lang, note)) }
                }
            }
        }
    }
}

fn note_item(lang: Lang, note: &StoredRecord) -> Markup {
    let kind = match note.kind.as_str() {
        "meeting" => lang.t("meeting"),
        "visit" => lang.t("visit"),
        _ => "",
    };
    html! {
        li.note {
            div.when {
                time { (note.text("date").unwrap_or(lang.t("no date"))) }
                " "
                span.kind { @if kind.is_empty() { (note.kind) } @else { (kind) } }
                @if let Some(author) = note.text("author") { " · " span.author { (lang.t("by")) " " (author) } }
            }
            @if let Some(title) = note.text("title") { h3 { (title) } }
            @if let Some(body) = note.text("text") { p.text { (body) } }
            @else if note.last_good { p.text.last-good { (lang.t("last good")) } }
        }
    }
}

/// `GET /agenda?days=N&owner=NAME`: what is coming up, and who needs
/// attention (`dossier agenda`).
pub(super) async fn agenda_page(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
    headers: HeaderMap,
    params: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let lang = Lang::of(&headers);
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let options = match super::api::agenda_options(&params) {
        Ok(options) => options,
        Err(message) => return error_page(lang, StatusCode::BAD_REQUEST, &message),
    };
    let days = options.days;
    let owner = options.owner.clone().unwrap_or_default();
    let live = app.live.clone();
    let today = app.today();
    blocking(
        &app,
        "the agenda page".into(),
        move || {
            let agenda = live.read().and_then(|read| {
                let options = options.for_reader(&read, &reader);
                agenda::agenda(&read, live.location(), today, &options)
            });
            match agenda {
                Ok(agenda) => page(
                    StatusCode::OK,
                    layout(
                        lang,
                        lang.t("agenda"),
                        "agenda",
                        agenda_body(lang, &agenda, days, &owner, today),
                        false,
                        who(&reader),
                    ),
                ),
                Err(error) => error_page(lang, error_status(&error), &error.to_string()),
            }
        },
        internal_error_page(lang),
    )
    .await
}

fn day_label(lang: Lang, date: NaiveDate, today: NaiveDate) -> String {
    use chrono::Datelike;
    let days = (date - today).num_days();
    let weekday = date.weekday().num_days_from_monday() as usize;
    let (names, relative) = match lang {
        Lang::En => (
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
            ["Today", "Tomorrow"],
        ),
        Lang::Zh => (
            ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
            ["今天", "明天"],
        ),
    };
    let day = format!("{} {}", names[weekday], date.format("%m-%d"));
    match days {
        0 | 1 => format!("{} · {day}", relative[days as usize]),
        _ => day,
    }
}

fn agenda_body(lang: Lang, agenda: &Agenda, days: u32, owner: &str, today: NaiveDate) -> Markup {
    let mut by_day: Vec<(NaiveDate, Vec<&agenda::Item>)> = Vec::new();
    for item in &agenda.items {
        match by_day.last_mut() {
            Some((date, items)) if *date == item.date => items.push(item),
            _ => by_day.push((item.date, vec![item])),
        }
    }
    html! {
        h1 { (lang.t("agenda")) " " span.nick { (agenda.from) " … " (agenda.to) } }
        form.filters action="/agenda" method="get" {
            label { (lang.t("owner")) " " input type="text" name="owner" value=(owner); }
            label { (lang.t("days")) " " input type="number" name="days" min="1" max="366" value=(days); }
            button type="submit" { (lang.t("show")) }
        }
        @if agenda.unknown_owner { p.error { (lang.t("unknown owner")) } }
        h2 { (lang.t("coming up")) }
        @if by_day.is_empty() {
            p { (lang.t("nothing coming")) }
        } @else {
            ol.timeline {
                @for (date, items) in &by_day {
                    li.note {
                        div.when { time datetime=(date) { (day_label(lang, *date, today)) } }
                        ul.items {
                            @for item in items {
                                li class=(item.event.kind()) {
                                    span.kind { (lang.t(match item.event { Event::Birthday { .. } => "birthday", Event::Trip(_) => "trip" })) }
                                    " "
                                    a href=(customer_href(&item.id)) { (item.name) }
                                    " · " (event_text(lang, &item.event, today))
                                    @if let Some(owner) = &item.owner { " · " span.owner { (lang.t("owner")) " " (owner) } }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (lang.t("attention")) " (" (agenda.attention.len()) ")" }
        @if agenda.attention.is_empty() {
            p { (lang.t("nobody waiting")) }
        } @else {
            ul.attention {
                @for customer in &agenda.attention {
                    li {
                        a href=(customer_href(&customer.id)) { (customer.name) }
                        @if let Some(owner) = &customer.owner { " · " span.owner { (lang.t("owner")) " " (owner) } }
                        " · "
                        @match (customer.last_contact, customer.days) {
                            (Some(day), Some(days)) => { (lang.t("last contact")) " " (day) ", " (count(lang.t("days ago"), days)) }
                            _ => { (lang.t("never contacted")) }
                        }
                    }
                }
            }
        }
    }
}

fn event_text(lang: Lang, event: &Event, today: NaiveDate) -> String {
    match event {
        Event::Birthday { written, turns } => match turns {
            Some(turns) => format!("{} · {written}", count(lang.t("turns"), (*turns).into())),
            None => written.clone(),
        },
        Event::Trip(trip) => trip_text(lang, trip, today),
    }
}

fn trip_text(lang: Lang, trip: &UpcomingTrip, today: NaiveDate) -> String {
    if trip.under_way(today) {
        format!("{} ({})", trip.describe(), lang.t("under way"))
    } else {
        trip.describe()
    }
}

/// `GET /status`: what is indexed, the watcher, the files in error and
/// the warnings with their messages.
pub(super) async fn status_page(
    State(app): State<App>,
    Extension(reader): Extension<Reader>,
    headers: HeaderMap,
) -> Response {
    let lang = Lang::of(&headers);
    let live = app.live.clone();
    blocking(
        &app,
        "the status page".into(),
        move || match status::status(live.location(), &reader) {
            Ok(status) => page(
                StatusCode::OK,
                layout(
                    lang,
                    lang.t("status"),
                    "status",
                    status_body(lang, &status),
                    false,
                    who(&reader),
                ),
            ),
            Err(error) => error_page(lang, error_status(&error), &error.to_string()),
        },
        internal_error_page(lang),
    )
    .await
}

fn status_body(lang: Lang, status: &Status) -> Markup {
    let state = match status.index_state {
        IndexState::Ready => lang.t("ready"),
        IndexState::Stale => lang.t("stale"),
        IndexState::Missing => lang.t("missing"),
    };
    html! {
        h1 { (lang.t("status")) }
        dl.profile {
            dt { (lang.t("kb")) } dd { (status.kb) }
            dt { (lang.t("index")) } dd { (status.index_dir) " (" (state) ")" }
            dt { (lang.t("indexed")) }
            dd {
                (status.customers) " " (lang.t("customers")) ", "
                (status.meetings) " " (lang.t("meetings")) ", "
                (status.visits) " " (lang.t("visits")) ", "
                (status.files) " " (lang.t("files"))
            }
            dt { (lang.t("last sync")) } dd { (status.last_sync.as_deref().unwrap_or(lang.t("never"))) }
            dt { (lang.t("watcher")) }
            dd {
                @match &status.writer {
                    Some(holder) => { (holder.to_string()) }
                    None => { (lang.t("no watcher")) }
                }
            }
        }
        h2 { (lang.t("problems")) " (" (status.problems.len()) ")" }
        @if status.problems.is_empty() {
            p { (lang.t("no problems")) }
        } @else {
            ul.problems {
                @for problem in &status.problems {
                    @let (class, label) = match problem.severity {
                        Severity::Error => ("error", lang.t("severity error")),
                        Severity::Warning => ("warning", lang.t("severity warning")),
                    };
                    li class=(class) {
                        span.severity { (label) }
                        " "
                        code { (problem.path) ":" (problem.line) ":" (problem.column) }
                        " "
                        span.message { (problem.message) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_accept_language() {
        let cases = [
            ("", Lang::En),
            ("zh-CN,zh;q=0.9,en;q=0.8", Lang::Zh),
            ("en-US,en;q=0.9,zh-CN;q=0.8", Lang::En),
            ("fr-FR, zh-TW;q=0.5", Lang::Zh),
            ("de, en;q=0.2, zh;q=0.7", Lang::Zh),
            ("ZH-hk", Lang::Zh),
            ("zhx", Lang::En),
        ];
        for (accept, lang) in cases {
            assert_eq!(Lang::from_accept_language(accept), lang, "{accept}");
        }
    }

    #[test]
    fn questions_go_to_ask() {
        let cases = [
            ("谁喜欢话剧", true),
            ("who likes theatre", true),
            ("likes:话剧", false),
            ("zhangw", false),
            ("customers travelling to beijing soon", true),
            ("owner:刘芳 tier:vip stage:intent likes:茶", false),
            ("IBM?", true),
        ];
        for (text, question) in cases {
            assert_eq!(looks_like_question(text), question, "{text}");
        }
    }

    #[test]
    fn dossier_text_is_never_markup() {
        let hostile = "<img src=x onerror=alert(1)>";
        let markup = snippet(hostile, Some((1, 4))).into_string();
        assert_eq!(markup, "&lt;<mark>img</mark> src=x onerror=alert(1)&gt;");
        let href = customer_href("../a/b c?");
        assert_eq!(href, "/c/..%2Fa%2Fb%20c%3F");
    }

    #[test]
    fn a_highlight_past_the_snippet_is_cut() {
        let cases = [
            (Some((2, 9)), "ab<mark>c</mark>"),
            (Some((5, 9)), "abc"),
            (None, "abc"),
        ];
        for (highlight, expected) in cases {
            assert_eq!(snippet("abc", highlight).into_string(), expected);
        }
    }
}
