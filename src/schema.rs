//! Field names and the tantivy schema: the one place that says what is
//! indexed, how, and for which query term. `index_schema/fields.tsv` is the
//! declared copy reviewers read; a test fails when the two disagree.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;

/// Bump when the analyzer or the document layout changes in a way the
/// schema does not show (or the on-disk format: 11 stores column
/// dictionaries without zstd); any change forces a rebuild of every index.
pub const ANALYZER_VERSION: u32 = 11;

/// The grams tokenizer (`analysis::GramsTokenizer`): folds, then Han
/// bigrams with a trailing unigram, and stemmed Latin words, with positions.
pub const GRAMS: &str = "dossier_grams";
/// Jieba search-mode words, computed at index time (`analysis::ListTokenizer`).
pub const WORDS: &str = "dossier_words";
/// Pinyin readings of names.
pub const PINYIN: &str = "dossier_pinyin";
/// Grams with the key of the field they are in (`analysis::KeyedGramsTokenizer`).
pub const KEYED_GRAMS: &str = "dossier_keyed_grams";

/// The declared schema, as reviewed in `index_schema/fields.tsv`.
pub const FIELDS_TSV: &str = include_str!("../index_schema/fields.tsv");

/// Handles to every field, resolved once per opened index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub path: Field,
    pub kind: Field,
    pub id: Field,
    pub cust: Field,
    pub cust_first: Field,
    pub fp_hash: Field,
    pub fp_size: Field,
    pub fp_mtime: Field,
    pub record: Field,
    pub all_grams: Field,
    pub all_words: Field,
    pub name_grams: Field,
    pub name_pinyin: Field,
    pub company_grams: Field,
    pub owner_grams: Field,
    pub city_grams: Field,
    pub home_place: Field,
    pub tier: Field,
    pub stage: Field,
    pub ctype: Field,
    pub interest: Field,
    pub interest_grams: Field,
    pub competitor: Field,
    pub trip_place: Field,
    pub trip_from: Field,
    pub trip_to: Field,
    pub birthday_md: Field,
    pub note_day: Field,
    pub updated_day: Field,
    /// Every text of a customer profile, keyed by its field (`KEY:VALUE`).
    pub field_grams: Field,
    /// A customer's name as it sorts (`--sort name`).
    pub name_sort: Field,
    pub link_names: Field,
    pub owner_key: Field,
    /// What the agenda lists of a customer or a trip (`agenda::head`).
    pub agenda_head: Field,
}

/// Fast-field names read by the collectors.
pub mod names {
    /// Customer keys of a document.
    pub const CUST: &str = "cust";
    pub const CUST_FIRST: &str = "cust_first";
    /// File path of a document.
    pub const PATH: &str = "path";
    /// Record id.
    pub const ID: &str = "id";
    /// Record kind.
    pub const KIND: &str = "kind";
    /// Content hash of the file.
    pub const FP_HASH: &str = "fp_hash";
    /// Size of the file.
    pub const FP_SIZE: &str = "fp_size";
    /// Modification time of the file, in nanoseconds.
    pub const FP_MTIME: &str = "fp_mtime";
    /// A customer's birthday as month * 100 + day (1215), any year.
    pub const BIRTHDAY_MD: &str = "birthday_md";
    /// A note's date, in days since 1970-01-01.
    pub const NOTE_DAY: &str = "note_day";
    /// A customer's `updated`, in days since 1970-01-01.
    pub const UPDATED_DAY: &str = "updated_day";
    /// Links by name: a customer's folded name and nickname hashes; a
    /// note's link texts that did not name an existing id.
    pub const LINK_NAMES: &str = "link_names";
    /// A customer's owner, folded (`team::owner_fold`), or `team::NO_OWNER`.
    pub const OWNER_KEY: &str = "owner_key";
}

fn text(tokenizer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    )
}

/// Builds the schema and the field handles.
pub fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let freqs = IndexRecordOption::WithFreqs;
    let keyword = STRING;
    let fields = Fields {
        path: builder.add_text_field(names::PATH, STRING | STORED | FAST),
        kind: builder.add_text_field(names::KIND, STRING | STORED | FAST),
        id: builder.add_text_field(names::ID, STRING | STORED | FAST),
        cust: builder.add_u64_field(names::CUST, INDEXED | FAST),
        cust_first: builder.add_u64_field(names::CUST_FIRST, FAST),
        fp_hash: builder.add_u64_field(names::FP_HASH, FAST),
        fp_size: builder.add_u64_field(names::FP_SIZE, FAST),
        fp_mtime: builder.add_i64_field(names::FP_MTIME, FAST),
        record: builder.add_text_field("record", STORED),
        all_grams: builder.add_text_field("all_grams", text(GRAMS, positions)),
        all_words: builder.add_text_field("all_words", text(WORDS, freqs)),
        name_grams: builder.add_text_field("name_grams", text(GRAMS, positions)),
        name_pinyin: builder.add_text_field("name_pinyin", text(PINYIN, freqs)),
        company_grams: builder.add_text_field("company_grams", text(GRAMS, positions)),
        owner_grams: builder.add_text_field("owner_grams", text(GRAMS, positions)),
        city_grams: builder.add_text_field("city_grams", text(GRAMS, positions)),
        home_place: builder.add_text_field("home_place", keyword.clone()),
        tier: builder.add_text_field("tier", keyword.clone()),
        stage: builder.add_text_field("stage", keyword.clone()),
        ctype: builder.add_text_field("type", keyword.clone()),
        interest: builder.add_text_field("interest", keyword.clone()),
        interest_grams: builder.add_text_field("interest_grams", text(GRAMS, positions)),
        competitor: builder.add_text_field("competitor", keyword.clone()),
        trip_place: builder.add_text_field("trip_place", keyword),
        trip_from: builder.add_i64_field(
            "trip_from",
            NumericOptions::default().set_indexed().set_fast(),
        ),
        trip_to: builder.add_i64_field(
            "trip_to",
            NumericOptions::default().set_indexed().set_fast(),
        ),
        birthday_md: builder.add_u64_field(
            names::BIRTHDAY_MD,
            NumericOptions::default().set_indexed().set_fast(),
        ),
        note_day: builder.add_i64_field(
            names::NOTE_DAY,
            NumericOptions::default().set_indexed().set_fast(),
        ),
        updated_day: builder.add_i64_field(
            names::UPDATED_DAY,
            NumericOptions::default().set_indexed().set_fast(),
        ),
        field_grams: builder.add_text_field("field_grams", text(KEYED_GRAMS, positions)),
        name_sort: builder.add_text_field("name_sort", FAST),
        link_names: builder.add_u64_field(names::LINK_NAMES, NumericOptions::default().set_fast()),
        owner_key: builder.add_text_field(names::OWNER_KEY, STRING | FAST),
        agenda_head: builder.add_text_field(crate::agenda::head::FIELD, FAST),
    };
    (builder.build(), fields)
}

/// Registers dossier's tokenizers on an index: grams fields fold and split
/// text themselves; words and pinyin fields hold terms computed at index
/// time (jieba, pinyin), separated by `analysis::LIST_SEPARATOR`.
pub fn register_tokenizers(index: &tantivy::Index) {
    let tokenizers = index.tokenizers();
    tokenizers.register(
        GRAMS,
        TextAnalyzer::from(crate::analysis::GramsTokenizer::default()),
    );
    tokenizers.register(
        KEYED_GRAMS,
        TextAnalyzer::from(crate::analysis::KeyedGramsTokenizer::default()),
    );
    for name in [WORDS, PINYIN] {
        tokenizers.register(
            name,
            TextAnalyzer::from(crate::analysis::ListTokenizer::default()),
        );
    }
}

/// The schema part of the index version: the declared fields and the
/// analyzer version.
pub fn fingerprint() -> u64 {
    // Hashed once per process: every search checks the index's version.
    static FINGERPRINT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *FINGERPRINT.get_or_init(|| {
        crate::fold::stable_hash(format!("{ANALYZER_VERSION}\n{FIELDS_TSV}").as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::FieldType;

    /// One row of `index_schema/fields.tsv` as derived from the built schema.
    fn describe(entry: &tantivy::schema::FieldEntry) -> Vec<String> {
        let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
        let (kind, analyzer, record) = match entry.field_type() {
            FieldType::Str(options) => match options.get_indexing_options() {
                Some(indexing) => (
                    "text",
                    indexing.tokenizer().to_string(),
                    format!("{:?}", indexing.index_option()).to_lowercase(),
                ),
                None => ("text", "-".into(), "-".into()),
            },
            FieldType::U64(_) => ("u64", "-".into(), "-".into()),
            FieldType::I64(_) => ("i64", "-".into(), "-".into()),
            other => panic!("unexpected field type {other:?}"),
        };
        vec![
            entry.name().to_string(),
            kind.to_string(),
            analyzer,
            record,
            yes(entry.is_indexed()),
            yes(entry.is_stored()),
            yes(entry.is_fast()),
        ]
    }

    #[test]
    fn declared_schema_matches_built_schema() {
        let (schema, _) = build();
        let built: Vec<Vec<String>> = schema.fields().map(|(_, entry)| describe(entry)).collect();
        let declared: Vec<Vec<String>> = FIELDS_TSV
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| line.split('\t').take(7).map(str::to_string).collect())
            .collect();
        assert_eq!(
            built, declared,
            "index_schema/fields.tsv and schema::build() disagree; update both (and bump ANALYZER_VERSION if the meaning changed)"
        );
        for line in FIELDS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            assert_eq!(
                line.split('\t').count(),
                8,
                "fields.tsv: every row names the query term that uses it: {line}"
            );
        }
    }
}
