//! The library's one error type. Every variant names the file, term or
//! directory at fault and its message ends with what the user can do.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
///
/// Messages are lowercase, start with what is at fault and end with what to
/// do, so the binary can print them as they are.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A knowledge-base directory that does not exist or is not a directory.
    #[error("{}: not a directory — pass an existing knowledge base with --dir", .0.display())]
    NotADirectory(PathBuf),

    /// An I/O failure on a path we own or must read.
    #[error("{}: {source} — check that the path exists and is readable", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Tantivy refused an operation on the index.
    #[error(
        "{}: index error: {source} — run `dossier index` to rebuild it; if `dossier index` fails \
         so too, delete that folder (a cache of the knowledge base: nothing is lost) and run it again",
        path.display()
    )]
    Index {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },

    /// The index (or dossier's folder) cannot be read or written for a
    /// reason that rebuilding would not fix (permissions, too many open
    /// files, a file where a folder belongs): nothing was deleted.
    #[error("{}: {problem} — {advice}", path.display())]
    IndexAccess {
        path: PathBuf,
        problem: String,
        advice: String,
    },

    /// Another process holds the writer lock.
    #[error("{}: another dossier process is writing this index ({holder}) — stop it or wait for it to finish", path.display())]
    Busy { path: PathBuf, holder: String },

    /// The index was built by another version of dossier or with another
    /// vocabulary and cannot be rebuilt right now.
    #[error("{}: the index was built with another schema or vocabulary — run `dossier index` to rebuild it", path.display())]
    Stale { path: PathBuf },

    /// No index exists yet.
    #[error("{}: no index yet — run `dossier index --dir DIR` first", path.display())]
    NoIndex { path: PathBuf },

    /// A query the parser cannot understand.
    #[error("{term}: {problem}")]
    Query { term: String, problem: String },

    /// A vocabulary file with a malformed line.
    #[error("{}:{line}: {problem} — fix the line or remove it", path.display())]
    Vocabulary {
        path: PathBuf,
        line: usize,
        problem: String,
    },

    /// `show` was given an id or name that matches no customer, or several.
    #[error("{term}: {problem}")]
    NotFound { term: String, problem: String },

    /// A team file (`dossier-team.toml`) that cannot be used, or a reader
    /// the team file does not know.
    #[error("{}: {problem}", path.display())]
    Team { path: PathBuf, problem: String },

    /// The file watcher could not be started or failed for good.
    #[error("{}: watcher error: {message}", path.display())]
    Watch { path: PathBuf, message: String },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps a tantivy error with the index path it happened on.
    pub fn index(path: impl Into<PathBuf>, source: tantivy::TantivyError) -> Self {
        Error::Index {
            path: path.into(),
            source,
        }
    }

    /// A query error about one term.
    pub fn query(term: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Query {
            term: term.into(),
            problem: problem.into(),
        }
    }
}
