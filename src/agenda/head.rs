//! What the agenda lists of a customer or a trip, kept in a fast field
//! (`agenda_head`) at index time, so the agenda of a large knowledge base
//! reads one column instead of tens of thousands of stored records (on the
//! benchmark corpus the whole agenda lists about 55,000 customers; their
//! stored records cost most of its time).
//!
//! A customer's head is its owner, id, name, birthday and city, each as
//! `plain_text` reads it, length-prefixed (`5:c0001` or `-` for none), so
//! reading it back needs no JSON parser and no text can be mistaken for a
//! separator. A trip's head is its stored JSON (the trip and its `index`).
//! Values are read per segment in dictionary order
//! (`sorted_ords_to_term_cb`): one pass over the column's dictionary, whose
//! values are sorted, so with the owner first one owner's customers (a
//! rep's agenda) sit in a few of its compressed blocks instead of being
//! spread over all of them (each block read costs a decompressor).

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};
use tantivy::DocAddress;

use super::CustomerHead;
use crate::error::{Error, Result};
use crate::index::{Location, ReadIndex};

/// The fast field's name.
pub const FIELD: &str = "agenda_head";

/// A field as the agenda shows it: trimmed text, or a number as written;
/// nothing for anything else.
pub fn plain_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The head of a customer with this id and these fields.
pub fn encode_customer(id: &str, fields: &Map<String, Value>) -> String {
    let mut head = String::new();
    push(&mut head, plain_text(fields.get("owner")).as_deref());
    push(&mut head, Some(id));
    for key in ["name", "birthday", "city"] {
        push(&mut head, plain_text(fields.get(key)).as_deref());
    }
    head
}

fn push(head: &mut String, text: Option<&str>) {
    match text {
        Some(text) => {
            head.push_str(&text.len().to_string());
            head.push(':');
            head.push_str(text);
        }
        None => head.push('-'),
    }
}

/// A customer's head read back; `None` when it is not one `encode_customer`
/// wrote (the caller then reads the stored record).
pub fn decode_customer(head: &[u8]) -> Option<CustomerHead> {
    let mut rest = std::str::from_utf8(head).ok()?;
    let mut next = || -> Option<Option<String>> {
        if let Some(after) = rest.strip_prefix('-') {
            rest = after;
            return Some(None);
        }
        let (len, after) = rest.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let text = after.get(..len)?;
        rest = &after[len..];
        Some(Some(text.to_string()))
    };
    let owner = next()?;
    let id = next()??;
    let name = next()?.unwrap_or_default();
    let (birthday, city) = (next()?, next()?);
    rest.is_empty().then_some(CustomerHead {
        id,
        name,
        owner,
        birthday,
        city,
    })
}

/// The heads `read` found: their bytes end to end, and where each is.
#[derive(Default)]
pub struct Heads {
    bytes: Vec<u8>,
    spans: FxHashMap<DocAddress, (usize, usize)>,
}

impl Heads {
    /// The head of the document at `address`, as written.
    pub fn get(&self, address: &DocAddress) -> Option<&[u8]> {
        let &(start, end) = self.spans.get(address)?;
        self.bytes.get(start..end)
    }
}

/// The heads of the documents at `addresses`, read per segment in one pass
/// over the column's dictionary, into one buffer (tens of thousands of
/// small allocations cost more than the reading). A document without one
/// is missing.
pub fn read(read: &ReadIndex, location: &Location, addresses: &[DocAddress]) -> Result<Heads> {
    let index_error = |e| Error::index(location.index_dir(), e);
    let mut by_segment: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for address in addresses {
        by_segment
            .entry(address.segment_ord)
            .or_default()
            .push(address.doc_id);
    }
    let mut heads = Heads::default();
    heads.spans.reserve(addresses.len());
    let segments = read.searcher.segment_readers();
    for (segment_ord, docs) in by_segment {
        let Some(segment) = segments.get(segment_ord as usize) else {
            continue;
        };
        let Some(column) = segment.fast_fields().str(FIELD).map_err(index_error)? else {
            continue;
        };
        let mut ords: Vec<(u64, u32)> = docs
            .iter()
            .filter_map(|&doc| column.term_ords(doc).next().map(|ord| (ord, doc)))
            .collect();
        ords.sort_unstable();
        ords.dedup();
        let sorted: Vec<u64> = ords.iter().map(|(ord, _)| *ord).collect();
        let mut docs = ords.iter().map(|(_, doc)| *doc);
        let Heads { bytes, spans } = &mut heads;
        column
            .dictionary()
            .sorted_ords_to_term_cb(&sorted, |value| {
                if let Some(doc) = docs.next() {
                    let start = bytes.len();
                    bytes.extend_from_slice(value);
                    spans.insert(DocAddress::new(segment_ord, doc), (start, bytes.len()));
                }
            })
            .map_err(|e| index_error(e.into()))?;
    }
    Ok(heads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_heads_read_back_as_written() {
        // (record, expected name, owner, birthday, city)
        type Case = (
            &'static str,
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
        );
        let cases: [Case; 6] = [
            (
                r#"{"name":"王建国","owner":"刘芳","birthday":"1966-12-04","city":"济南"}"#,
                "王建国",
                Some("刘芳"),
                Some("1966-12-04"),
                Some("济南"),
            ),
            (
                r#"{"name":"  Anna  ","owner":"  "}"#,
                "Anna",
                None,
                None,
                None,
            ),
            (
                r#"{"name":12,"birthday":1215}"#,
                "12",
                None,
                Some("1215"),
                None,
            ),
            (r#"{"owner":["a","b"],"city":null}"#, "", None, None, None),
            (
                r#"{"name":"5:-x:","owner":"-","city":"1:2:3"}"#,
                "5:-x:",
                Some("-"),
                None,
                Some("1:2:3"),
            ),
            (
                "{\"name\":\"a\\u001fb\\nc\",\"owner\":\"😀\"}",
                "a\u{1f}b\nc",
                Some("😀"),
                None,
                None,
            ),
        ];
        for (json, name, owner, birthday, city) in cases {
            let fields: Map<String, Value> = serde_json::from_str(json).expect(json);
            let head = encode_customer("c-1:", &fields);
            let back = decode_customer(head.as_bytes()).expect(json);
            assert_eq!(
                back,
                CustomerHead {
                    id: "c-1:".into(),
                    name: name.into(),
                    owner: owner.map(Into::into),
                    birthday: birthday.map(Into::into),
                    city: city.map(Into::into),
                },
                "{json}"
            );
        }
    }

    #[test]
    fn a_head_that_is_not_one_reads_as_none() {
        for bad in [
            "",
            "3:ab",
            "x",
            "-2:ab-",
            "-2:ab-----",
            "-9999999999999999999999:a",
            "-2:ab-1:x",
            "--1:a---",
        ] {
            assert_eq!(decode_customer(bad.as_bytes()), None, "{bad:?}");
        }
        assert_eq!(decode_customer(&[0xff, b'-']), None);
    }
}
