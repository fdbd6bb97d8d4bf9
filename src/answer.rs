//! One request → one answer: what `search` and `ask` compute, whoever asks.
//! The terminal, `--json`, the watcher's socket and the HTTP API are thin
//! faces of `answer`: each renders the same typed `Answer` (JSON through
//! `wire::search_json`, the one function for all three JSON faces).
//!
//! Also the policy a one-shot command follows to get an index to read:
//! `open_or_build`.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::index::{self, Location, Progress, ReadIndex, SyncReport, Writer};
use crate::query::{self, Query};
use crate::search::{SearchOptions, SearchResult, Searcher};
use crate::team::Reader;
use crate::vocab::Vocabulary;

/// Which command asks: a query in the query language, or a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// `search`: the text is a query.
    Search,
    /// `ask`: the text is a plain-language question.
    Ask,
}

/// Everything an answer depends on. (Who asks is next: the team's `Reader`
/// joins these fields, and every face passes it through.)
#[derive(Debug, Clone)]
pub struct Request {
    /// Search or ask.
    pub command: Command,
    /// The query or the question, its words joined by spaces.
    pub text: String,
    /// At most this many customers, in this order.
    pub options: SearchOptions,
    /// The day relative dates are computed from (the asker's today).
    pub today: NaiveDate,
    /// As you type: the text's last word is still being typed (no space
    /// follows it), so it also matches as the start of a word, a name's
    /// pinyin or initials (`search::typing`). False for a complete query.
    pub typing: bool,
}

/// For `ask`: the query the question was understood as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Understood {
    /// The query, printed back in the query language.
    pub query: String,
    /// The question could not be mapped; its words are searched as text.
    pub fallback: bool,
}

/// A query ready to run.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// What to search.
    pub query: Query,
    /// For `ask`, what the question was understood as.
    pub understood: Option<Understood>,
    /// For `ask`: what it noticed about the question.
    pub notices: Vec<String>,
    /// For `ask`: the question's words as text, run instead when the
    /// understood query cannot be searched (`ask` never fails on a
    /// question).
    pub as_text: Option<Query>,
    /// As you type: the text typed, whose last word is not finished
    /// (`Request::typing`); None for a complete query.
    pub typed: Option<String>,
}

/// The answer to a `Request`: the search result, and for `ask` the query
/// understood. Plain data: the socket carries it as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    /// The customers found.
    pub result: SearchResult,
    /// For `ask`, what the question was understood as.
    pub understood: Option<Understood>,
    /// For `ask`: the question's words, searched as text because the
    /// understood query could not be searched.
    pub searched_instead: Option<String>,
}

impl Answer {
    /// The command's exit code: 0 with hits, 1 without.
    pub fn exit_code(&self) -> u8 {
        if self.result.total > 0 { 0 } else { 1 }
    }
}

/// Parses the request's text: a query for `search`, a question for `ask`
/// (with the names of the knowledge base `kb` too).
///
/// Fails with `Error::Query` when a search's query cannot be read (`ask`
/// falls back to searching the question's words instead).
pub fn prepare(command: Command, text: &str, today: NaiveDate, kb: &Path) -> Result<Prepared> {
    Ok(match command {
        Command::Search => Prepared {
            query: query::parse(text, today)?,
            understood: None,
            notices: Vec::new(),
            as_text: None,
            typed: None,
        },
        Command::Ask => {
            let understood = crate::ask::understand_in(text, today, kb)?;
            let query_text = understood.query.to_string();
            Prepared {
                as_text: (!understood.fallback).then(|| crate::ask::as_text(text)),
                query: understood.query,
                understood: Some(Understood {
                    query: query_text,
                    fallback: understood.fallback,
                }),
                notices: understood.notices,
                typed: None,
            }
        }
    })
}

/// Runs a prepared query on an open index, with `vocabulary` when the
/// caller keeps one loaded (else the knowledge base's is read if the query
/// needs it).
///
/// Fails with `Error::Query` when the query names what the search cannot
/// run, or with an index error.
pub fn run(
    prepared: &Prepared,
    read: &ReadIndex,
    location: &Location,
    reader: &Reader,
    options: SearchOptions,
    vocabulary: Option<Arc<Vocabulary>>,
) -> Result<Answer> {
    let searcher = || {
        let mut searcher = Searcher::new(read, location, reader);
        if let Some(typed) = &prepared.typed {
            searcher = searcher.as_you_type(typed);
        }
        match &vocabulary {
            Some(vocabulary) => searcher.with_vocabulary(Arc::clone(vocabulary)),
            None => searcher,
        }
    };
    let mut searched_instead = None;
    let mut result = match searcher().search(&prepared.query, options) {
        Ok(result) => result,
        Err(error @ Error::Query { .. }) if prepared.as_text.is_some() => {
            let as_text = prepared.as_text.as_ref().expect("checked above");
            let mut result = searcher().search(as_text, options)?;
            result.notices.insert(
                0,
                format!("{error} — searched the question's words as text instead: {as_text}"),
            );
            searched_instead = Some(as_text.to_string());
            result
        }
        Err(error) => return Err(error),
    };
    for (i, notice) in prepared.notices.iter().enumerate() {
        result.notices.insert(i, notice.clone());
    }
    Ok(Answer {
        result,
        understood: prepared.understood.clone(),
        searched_instead,
    })
}

/// `prepare`, then `run`: the answer to one request.
///
/// Fails as they do.
pub fn answer(
    read: &ReadIndex,
    location: &Location,
    reader: &Reader,
    request: &Request,
    vocabulary: Option<Arc<Vocabulary>>,
) -> Result<Answer> {
    let mut prepared = prepare(request.command, &request.text, request.today, &location.kb)?;
    prepared.typed = request.typing.then(|| request.text.clone());
    run(
        &prepared,
        read,
        location,
        reader,
        request.options,
        vocabulary,
    )
}

/// Whether an error is the query's own (the same wherever it runs), as
/// opposed to this process's (an index it cannot read).
pub fn is_query_error(error: &Error) -> bool {
    matches!(error, Error::Query { .. })
}

/// Opens the index for searching, building it first when there is none or
/// it was built with another version or vocabulary (unless another process
/// is writing it: then it waits up to 30 s for its first commit). Returns
/// the report of the build, if it built.
///
/// Fails when the index cannot be opened or built.
pub fn open_or_build(
    location: &Location,
    progress: &mut dyn FnMut(Progress),
) -> Result<(ReadIndex, Option<SyncReport>)> {
    match index::open_for_search(location) {
        Ok(read) => return Ok((read, None)),
        Err(Error::NoIndex { .. } | Error::Stale { .. }) => {}
        Err(other) => return Err(other),
    }
    if index::lock_holder(location).is_some() {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if let Ok(read) = index::open_for_search(location) {
                return Ok((read, None));
            }
        }
        return Ok((index::open_for_search(location)?, None));
    }
    let mut writer = Writer::open(location, index::SEARCH_BUILD)?;
    let report = writer.reconcile(progress)?;
    writer.finish()?;
    Ok((index::open_for_search(location)?, Some(report)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepare_reads_queries_and_questions() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).expect("a date");
        let cases = [
            (Command::Search, "likes:话剧", None),
            (
                Command::Ask,
                "who likes theatre?",
                Some(Understood {
                    query: "likes:theatre".into(),
                    fallback: false,
                }),
            ),
        ];
        for (command, text, understood) in cases {
            let prepared = prepare(command, text, today, Path::new("/nonexistent")).expect(text);
            assert_eq!(prepared.understood, understood, "{text}");
        }
        let error = prepare(
            Command::Search,
            "when:nonsense",
            today,
            Path::new("/nonexistent"),
        )
        .expect_err("no such range");
        assert!(is_query_error(&error), "{error}");
    }

    #[test]
    fn the_exit_code_says_whether_anything_was_found() {
        let answer = |total| Answer {
            result: SearchResult {
                query: "x".into(),
                total,
                hits: Vec::new(),
                notices: Vec::new(),
            },
            understood: None,
            searched_instead: None,
        };
        assert_eq!(answer(0).exit_code(), 1);
        assert_eq!(answer(3).exit_code(), 0);
    }
}
