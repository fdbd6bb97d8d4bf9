//! Record → tantivy documents. A customer becomes one document plus one
//! document per trip (so `travel:` + `when:` is a term and a range query);
//! a meeting or visit becomes one document. Every document of a file carries
//! the file's path and fingerprint, so a file is replaced or removed whole.

use serde_json::{Map, Value};
use tantivy::TantivyDocument;

use crate::analysis::{LIST_SEPARATOR, Segmenter, name_pinyin};
use crate::dates::to_days;
use crate::fold::{fold, stable_hash};
use crate::record::{Kind, Record, TRIP_CITY_KEYS, TRIP_FROM_KEYS, TRIP_TO_KEYS};
use crate::schema::Fields;
use crate::vocab::{Vocabulary, alias_key};

/// The kind stored for trip documents.
pub const TRIP_KIND: &str = "trip";
/// The kind stored for a customer's private fields (`team`): their text
/// and birthday live in a document of their own, whose customer key has
/// `PRIVATE_KEY` set, so a search counts it for the customer only when its
/// reader may see them.
pub const PRIVATE_KIND: &str = "private";
/// Prefix of a keyword term that holds a raw folded name rather than a
/// vocabulary id (an interest, city or competitor in no group).
pub const RAW_PREFIX: &str = "=";
/// Keys that link or label a record and are not searchable text.
pub const NON_TEXT_KEYS: &[&str] = &["id", "kind", "customer", "customers"];

/// The field of a note that is not stored in the index.
pub const NOTE_TEXT_KEY: &str = "text";

/// A record's fields without one key, serialized without copying them.
struct Without<'a> {
    fields: &'a Map<String, Value>,
    key: &'a str,
}

impl serde::Serialize for Without<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in self
            .fields
            .iter()
            .filter(|(key, _)| key.as_str() != self.key)
        {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The customer key of an id: the value of the `cust` field. Keys use 63
/// bits; the top one is `MORE_CUSTOMERS` in `cust_first`.
pub fn customer_key(id: &str) -> u64 {
    // Ids compare case-insensitively and script-folded (`K001` = `k001`):
    // a note's link and its customer meet whatever the case.
    let plain = id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if plain {
        return stable_hash(id.as_bytes()) & !(MORE_CUSTOMERS | PRIVATE_KEY);
    }
    stable_hash(crate::fold::fold(id).as_bytes()) & !(MORE_CUSTOMERS | PRIVATE_KEY)
}

/// Set in the customer key of a customer's private document (see
/// `PRIVATE_KIND`): keys use 62 bits, so it never collides with a
/// customer's own key.
pub const PRIVATE_KEY: u64 = 1 << 62;

/// Set in a document's `cust_first` when it belongs to more customers than
/// the one named there: a search then reads them all from `cust`.
pub const MORE_CUSTOMERS: u64 = 1 << 63;

/// Adds a document's customer keys: every one to `cust`, the first to
/// `cust_first` (with `MORE_CUSTOMERS` if there are others), which a search
/// reads for each matching document without `cust`'s multi-value index.
fn add_customers(doc: &mut TantivyDocument, fields: &Fields, keys: &[u64]) {
    for key in keys {
        doc.add_u64(fields.cust, *key);
    }
    if let Some(first) = keys.first() {
        // A private document is marked as one of several customers, so a
        // search looks at its key (`PRIVATE_KEY`) and the usual path of
        // one plain key per document stays as it was.
        let more = if keys.len() > 1 || first & PRIVATE_KEY != 0 {
            MORE_CUSTOMERS
        } else {
            0
        };
        doc.add_u64(fields.cust_first, first | more);
    }
}

/// What identifies the version of a file that a document came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FileStamp {
    /// Content hash; 0 when the file had problems and must be re-read.
    pub hash: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in nanoseconds since the epoch.
    pub mtime: i64,
}

/// Everything index-time analysis needs: the vocabularies and the segmenter.
pub struct Analyzer {
    /// The vocabularies in force.
    pub vocabulary: Vocabulary,
    /// Jieba with the vocabulary's names as custom words, loaded on first
    /// use: a run that changes no customer never pays its ~100 ms and memory.
    segmenter: std::sync::OnceLock<Segmenter>,
    /// The team file's `private_fields`: indexed in a customer's private
    /// document, not its profile (empty without a team file).
    pub private_fields: Vec<String>,
}

impl Analyzer {
    /// The analyzer for a vocabulary.
    pub fn new(vocabulary: Vocabulary) -> Self {
        Analyzer {
            vocabulary,
            segmenter: std::sync::OnceLock::new(),
            private_fields: Vec::new(),
        }
    }

    /// The same, with the team file's private fields kept apart.
    pub fn with_private_fields(mut self, private_fields: Vec<String>) -> Self {
        self.private_fields = private_fields;
        self
    }

    /// The segmenter, loading jieba the first time.
    pub fn segmenter(&self) -> &Segmenter {
        self.segmenter
            .get_or_init(|| Segmenter::new(self.vocabulary.custom_words()))
    }
}

/// Adds text to a grams field: the field's tokenizer folds and splits it.
fn add_grams(doc: &mut TantivyDocument, field: tantivy::schema::Field, text: &str) {
    doc.add_text(field, text);
}

/// Adds computed terms to a list field (jieba words, pinyin).
fn add_list(doc: &mut TantivyDocument, field: tantivy::schema::Field, terms: &str) {
    if !terms.is_empty() {
        doc.add_text(field, terms);
    }
}

/// Every string value of a record, depth first, with the top-level key it
/// sits under; links and labels are left out.
pub fn text_values(fields: &Map<String, Value>) -> Vec<(&str, &str)> {
    fn walk<'a>(key: &'a str, value: &'a Value, out: &mut Vec<(&'a str, &'a str)>) {
        match value {
            Value::String(text) if !text.trim().is_empty() => out.push((key, text)),
            Value::Number(_) | Value::Bool(_) | Value::Null | Value::String(_) => {}
            Value::Array(items) => items.iter().for_each(|item| walk(key, item, out)),
            Value::Object(map) => map.values().for_each(|item| walk(key, item, out)),
        }
    }
    let mut out = Vec::new();
    for (key, value) in fields {
        if !NON_TEXT_KEYS.contains(&key.as_str()) {
            walk(key, value, &mut out);
        }
    }
    out
}

/// Every scalar value of a record with the path of keys it sits under,
/// folded to lower case and joined with dots (`contacts.wechat`; a list's
/// items under the list's key), for `KEY:VALUE`. Links and labels are left
/// out; numbers and booleans are read as written (`employees:500`).
pub fn keyed_values(fields: &Map<String, Value>) -> Vec<(String, std::borrow::Cow<'_, str>)> {
    fn walk<'a>(path: &str, value: &'a Value, out: &mut Vec<(String, std::borrow::Cow<'a, str>)>) {
        match value {
            Value::String(text) if !text.trim().is_empty() => {
                out.push((path.to_string(), std::borrow::Cow::Borrowed(text)))
            }
            Value::Number(n) => out.push((path.to_string(), n.to_string().into())),
            Value::Bool(b) => out.push((path.to_string(), b.to_string().into())),
            Value::Null | Value::String(_) => {}
            Value::Array(items) => items.iter().for_each(|item| walk(path, item, out)),
            Value::Object(map) => {
                for (key, item) in map {
                    walk(&format!("{path}.{}", key_path(key)), item, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (key, value) in fields {
        if !NON_TEXT_KEYS.contains(&key.as_str()) {
            walk(&key_path(key), value, &mut out);
        }
    }
    out
}

/// A record key as `KEY:` matches it: folded (lower case, simplified), and
/// without the separator the keyed grams use.
pub fn key_path(key: &str) -> String {
    fold(key.trim()).replace(LIST_SEPARATOR, "")
}

/// How a customer's name sorts: folded, each Han character read as its
/// first pinyin reading, so 王建国 sorts as wangjianguo, among Latin names.
pub fn name_sort_key(name: &str) -> String {
    let folded = fold(name.trim());
    if !folded.chars().any(crate::fold::is_cjk) {
        return folded;
    }
    use pinyin::ToPinyin;
    let mut key: String = folded
        .chars()
        .map(|c| {
            c.to_pinyin()
                .map_or(c.to_string(), |p| p.plain().to_string())
        })
        .collect();
    // Names read alike (王建国, 汪建国) stay apart, in a stable order.
    key.push(' ');
    key.push_str(&folded);
    key
}

/// The name an interest or competitor entry is known by: the string itself
/// or the object's `name` (or first text value).
pub fn entry_name(entry: &Value) -> Option<&str> {
    match entry {
        Value::String(text) => Some(text.as_str()),
        Value::Object(map) => map
            .get("name")
            .and_then(Value::as_str)
            .or_else(|| map.values().find_map(Value::as_str)),
        _ => None,
    }
}

/// The entries of a list field; a plain string is split on list punctuation
/// (`"话剧、茶艺"`), as people write lists in one cell.
pub fn entries(fields: &Map<String, Value>, key: &str) -> Vec<Value> {
    match fields.get(key) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::String(text)) => text
            .split(['、', ',', '，', ';', '；', '/'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

fn base_document(
    fields: &Fields,
    record: &Record,
    stamp: FileStamp,
    kind: &str,
) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.path, &record.path);
    doc.add_text(fields.kind, kind);
    doc.add_text(fields.id, &record.id);
    doc.add_u64(fields.fp_hash, stamp.hash);
    doc.add_u64(fields.fp_size, stamp.size);
    doc.add_i64(fields.fp_mtime, stamp.mtime);
    doc
}

/// Builds the documents of one record.
pub fn build(
    analyzer: &Analyzer,
    fields: &Fields,
    record: &Record,
    stamp: FileStamp,
) -> Vec<TantivyDocument> {
    let vocabulary = &analyzer.vocabulary;
    let mut doc = base_document(fields, record, stamp, record.kind.as_str());
    if record.kind.is_note() {
        // A note's text is most of the corpus and its file has it: the
        // index keeps everything else, and search reads the text back from
        // the file when it shows a snippet (`ReadIndex::record`).
        let without_text = Without {
            fields: &record.fields,
            key: NOTE_TEXT_KEY,
        };
        doc.add_text(
            fields.record,
            serde_json::to_string(&without_text).expect("a JSON map always serializes"),
        );
    } else {
        doc.add_text(fields.record, &record.source);
    }
    if record.kind == Kind::Customer {
        doc.add_text(
            fields.agenda_head,
            crate::agenda::head::encode_customer(&record.id, &record.fields),
        );
    }
    let keys: Vec<u64> = match record.kind {
        Kind::Customer => vec![customer_key(&record.id)],
        Kind::Meeting | Kind::Visit => record
            .customer_ids
            .iter()
            .map(|id| customer_key(id))
            .collect(),
    };
    add_customers(&mut doc, fields, &keys);
    let private_birthday = record.kind == Kind::Customer
        && crate::team::is_private(&analyzer.private_fields, "birthday");
    add_dates(&mut doc, fields, record, private_birthday);

    // Free text: every string value, so a company's own fields are searchable.
    // Jieba words rank whole-word matches in profiles; a note's body gets
    // grams only: segmenting every note costs more than half of a full index
    // (see BENCHMARKS.md), and grams already find words, substrings and phrases.
    let mut competitor_terms: Vec<String> = Vec::new();
    let mut word_terms = String::new();
    let is_private = |key: &str| {
        record.kind == Kind::Customer && crate::team::is_private(&analyzer.private_fields, key)
    };
    let mut private = None;
    for (key, text) in text_values(&record.fields) {
        if is_private(key) {
            // The private document gets it, and nothing else does.
            let private = private.get_or_insert_with(|| {
                private_document(fields, record, stamp, &analyzer.private_fields)
            });
            add_grams(private, fields.all_grams, text);
            continue;
        }
        add_grams(&mut doc, fields.all_grams, text);
        if record.kind == Kind::Customer {
            let folded = fold(text);
            let segmenter = analyzer.segmenter();
            let words = segmenter.words(&folded);
            segmenter.append_search_terms(&words, &mut word_terms);
        }
        // Free text names a competitor only as a word of its sentence
        // (张建华为我们 is no 华为), in its sense (甲骨文 near 书法 is no Oracle).
        competitor_terms.extend(
            vocabulary
                .competitors()
                .find_words_in(text, &|| analyzer.segmenter())
                .into_iter()
                .map(|(g, _)| g.id.clone()),
        );
    }
    add_list(&mut doc, fields.all_words, &word_terms);

    let mut documents = Vec::new();
    if record.kind == Kind::Customer {
        for (path, text) in keyed_values(&record.fields) {
            let keyed = format!("{path}{LIST_SEPARATOR}{text}");
            // `contacts.mobile:138…` of a private field: the private
            // document's, like its free text.
            if is_private(&path) {
                let private = private.get_or_insert_with(|| {
                    private_document(fields, record, stamp, &analyzer.private_fields)
                });
                private.add_text(fields.field_grams, keyed);
            } else {
                doc.add_text(fields.field_grams, keyed);
            }
        }
        if let Some(name) = record.text("name") {
            doc.add_text(fields.name_sort, name_sort_key(name));
        }
        for key in ["name", "nickname"] {
            if let Some(name) = record.text(key) {
                add_grams(&mut doc, fields.name_grams, name);
                let readings = name_pinyin(&fold(name)).join(&LIST_SEPARATOR.to_string());
                add_list(&mut doc, fields.name_pinyin, &readings);
            }
        }
        if let Some(company) = record.text("company") {
            add_grams(&mut doc, fields.company_grams, company);
        }
        if let Some(owner) = record.text("owner") {
            add_grams(&mut doc, fields.owner_grams, owner);
        }
        // Who may see this customer (`team`): exact folded owners, or the
        // mark of the shared pool.
        let owners = crate::team::record_owners(&record.fields);
        if owners.is_empty() {
            doc.add_text(fields.owner_key, crate::team::NO_OWNER);
        }
        for owner in owners {
            doc.add_text(fields.owner_key, owner);
        }
        for (key, field) in [
            ("tier", fields.tier),
            ("stage", fields.stage),
            ("type", fields.ctype),
        ] {
            if let Some(value) = record.fields.get(key).and_then(scalar_text) {
                doc.add_text(field, alias_key(&value));
            }
        }
        if let Some(city) = record.text("city") {
            add_grams(&mut doc, fields.city_grams, city);
            for id in place_terms(analyzer, city) {
                doc.add_text(fields.home_place, id);
            }
        }
        for entry in entries(&record.fields, "interests") {
            let Some(name) = entry_name(&entry) else {
                continue;
            };
            add_grams(&mut doc, fields.interest_grams, name);
            doc.add_text(fields.interest, format!("{RAW_PREFIX}{}", alias_key(name)));
            for (group, _) in vocabulary.interests().find_in(name) {
                doc.add_text(fields.interest, &group.id);
            }
        }
        for entry in entries(&record.fields, "competitors") {
            let Some(name) = entry_name(&entry) else {
                continue;
            };
            competitor_terms.push(format!("{RAW_PREFIX}{}", alias_key(name)));
            competitor_terms.extend(
                vocabulary
                    .competitors()
                    .find_in(name)
                    .into_iter()
                    .map(|(g, _)| g.id.clone()),
            );
        }
        if let Some(Value::Array(trips)) = record.fields.get("itinerary") {
            for (index, trip) in trips.iter().enumerate() {
                if let Some(trip_doc) = trip_document(analyzer, fields, record, stamp, index, trip)
                {
                    documents.push(trip_doc);
                }
            }
        }
    }
    competitor_terms.sort();
    competitor_terms.dedup();
    for term in competitor_terms {
        doc.add_text(fields.competitor, term);
    }
    if is_private("birthday")
        && let Some(birthday) = record.dates.birthday
    {
        let private = private.get_or_insert_with(|| {
            private_document(fields, record, stamp, &analyzer.private_fields)
        });
        private.add_u64(fields.birthday_md, birthday.month_day());
    }
    documents.insert(0, doc);
    if let Some(private) = private {
        documents.push(private);
    }
    documents
}

/// A customer's private document (`PRIVATE_KIND`): its file and id, the
/// customer key with `PRIVATE_KEY`, and the private fields as stored
/// record (for the snippets its owner sees).
fn private_document(
    fields: &Fields,
    record: &Record,
    stamp: FileStamp,
    private_fields: &[String],
) -> TantivyDocument {
    let mut doc = base_document(fields, record, stamp, PRIVATE_KIND);
    add_customers(&mut doc, fields, &[customer_key(&record.id) | PRIVATE_KEY]);
    let own: Map<String, Value> = record
        .fields
        .iter()
        .filter(|(key, _)| {
            NON_TEXT_KEYS.contains(&key.as_str()) || crate::team::is_private(private_fields, key)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    doc.add_text(
        fields.record,
        serde_json::to_string(&own).expect("a JSON map always serializes"),
    );
    doc
}

/// The dates a search or the agenda reads without the record: a
/// customer's birthday (month and day) and `updated`, a note's `date`.
/// Only the dates `record` read are used: a value that is no date is
/// left out, and `record` reported it. A private birthday goes to the
/// private document instead.
fn add_dates(doc: &mut TantivyDocument, fields: &Fields, record: &Record, private_birthday: bool) {
    let dates = &record.dates;
    if let Some(birthday) = dates.birthday
        && !private_birthday
    {
        doc.add_u64(fields.birthday_md, birthday.month_day());
    }
    if let Some(updated) = dates.updated {
        doc.add_i64(fields.updated_day, to_days(updated));
    }
    if let Some(date) = dates.date {
        doc.add_i64(fields.note_day, to_days(date));
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The `trip_place`/`home_place` terms of a written place: its ids with
/// every containing place, and its raw folded name.
fn place_terms(analyzer: &Analyzer, written: &str) -> Vec<String> {
    let places = analyzer.vocabulary.places();
    // "北京、上海" is two places; each part names one.
    let groups: Vec<&crate::vocab::Group> = written
        .split(['、', ',', '，', '/', ';', '；', '&'])
        .filter(|part| !part.trim().is_empty())
        .flat_map(|part| places.locate(part))
        .collect();
    let mut terms: Vec<String> = groups
        .iter()
        .flat_map(|g| places.with_ancestors(g))
        .collect();
    terms.push(format!("{RAW_PREFIX}{}", alias_key(written)));
    terms.sort();
    terms.dedup();
    terms
}

/// The first and last day of a trip as written, for showing it: `from`/`to`,
/// or their usual synonyms, or one `date` for a single-day trip. The days
/// a search matches are `Record::dates`, read from the same keys.
pub fn trip_dates(trip: &Map<String, Value>) -> (Option<&str>, Option<&str>) {
    let first = |keys: &[&str]| {
        keys.iter()
            .find_map(|key| trip.get(*key).and_then(Value::as_str))
    };
    (first(TRIP_FROM_KEYS), first(TRIP_TO_KEYS))
}

/// The city of a trip as written.
pub fn trip_city(trip: &Map<String, Value>) -> Option<&str> {
    TRIP_CITY_KEYS
        .iter()
        .find_map(|key| trip.get(*key).and_then(Value::as_str))
}

fn trip_document(
    analyzer: &Analyzer,
    fields: &Fields,
    record: &Record,
    stamp: FileStamp,
    index: usize,
    trip: &Value,
) -> Option<TantivyDocument> {
    let trip = trip.as_object()?;
    let city = trip_city(trip)?;
    let mut doc = base_document(fields, record, stamp, TRIP_KIND);
    add_customers(&mut doc, fields, &[customer_key(&record.id)]);
    for term in place_terms(analyzer, city) {
        doc.add_text(fields.trip_place, term);
    }
    // A trip whose days were not read, or that ends before it starts,
    // matches no `when:` (`record` reported why).
    if let Some(Some((from, to))) = record.dates.trips.get(index) {
        doc.add_i64(fields.trip_from, to_days(*from));
        doc.add_i64(fields.trip_to, to_days(*to));
    }
    let mut stored = trip.clone();
    stored.insert("index".into(), Value::from(index));
    let stored = serde_json::to_string(&stored).expect("a JSON map always serializes");
    // The agenda reads a trip from its fast field (`agenda::head`).
    doc.add_text(fields.agenda_head, &stored);
    doc.add_text(fields.record, stored);
    Some(doc)
}
