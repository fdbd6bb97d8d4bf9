//! Building hits from customer records.

use tantivy::Score;

use super::Hit;
use crate::index::StoredRecord;

/// A hit for a customer record, before its matches are explained.
pub(super) fn hit_of(customer: &StoredRecord, score: Score) -> Hit {
    Hit {
        id: customer.id.clone(),
        name: customer.text("name").unwrap_or_default().to_string(),
        score,
        path: customer.path.clone(),
        profile: customer.fields.clone(),
        matches: Vec::new(),
        trips: Vec::new(),
    }
}
