//! dossier: an embedded full-text customer knowledge base. Keeps a tantivy
//! index in sync with a plain directory of JSON dossiers (customers, meeting
//! notes, visit reports) and answers searches and plain-language questions
//! in Chinese and English. The library never prints and never exits; the
//! `dossier` binary does that.

pub mod agenda;
pub mod analysis;
pub mod answer;
pub mod ask;
pub mod dates;
pub mod document;
pub mod error;
pub mod fold;
pub mod index;
pub use index::links;
pub mod query;
pub mod record;
pub mod schema;
pub mod search;
pub mod serve;
pub mod show;
pub mod status;
pub mod team;
#[cfg(test)]
mod testing;
pub mod typo;
pub mod vocab;
pub mod walk;
pub mod watch;
pub mod wire;

pub use error::{Error, Result};
// Phrases and snippets live in the search stage; their old paths still work.
pub use search::{phrase, snippet};
