//! What an index was built with (schema, analyzer, fold table,
//! vocabulary), stamped in every commit's payload: an index whose stamp
//! differs from the current one is stale and rebuilt.

use serde::{Deserialize, Serialize};
use tantivy::Index;

use super::Location;
use crate::error::Result;
use crate::schema;
use crate::vocab::Vocabulary;

/// The version an index must carry to be used: schema and analyzer,
/// fold table, vocabularies, and the team file's private fields (which
/// decide what a customer's profile document holds). Any difference means
/// rebuild.
pub fn current_version(location: &Location) -> Result<String> {
    Ok(version_with(
        Vocabulary::fingerprint_for(&location.kb)?,
        &crate::team::private_fields_for(&location.kb),
    ))
}

/// The version of an index built with a vocabulary of this fingerprint and
/// these private fields: a writer stamps what it read, never the files
/// read again.
pub(super) fn version_with(vocabulary_fingerprint: u64, private_fields: &[String]) -> String {
    let mut version = format!(
        "{:016x}-{:016x}-{:016x}",
        schema::fingerprint(),
        crate::fold::table_fingerprint(),
        vocabulary_fingerprint
    );
    if !private_fields.is_empty() {
        // Without a team file the version is what it always was.
        let joined = private_fields.join("\n");
        version.push_str(&format!(
            "-{:016x}",
            crate::fold::stable_hash(joined.as_bytes())
        ));
    }
    version
}

/// The commit payload: what the index was built with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Payload {
    pub(super) version: String,
}

pub(super) fn read_version(index: &Index) -> Option<String> {
    let payload = index.load_metas().ok()?.payload?;
    serde_json::from_str::<Payload>(&payload)
        .ok()
        .map(|p| p.version)
}
