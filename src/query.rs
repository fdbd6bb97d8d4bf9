//! Query string → typed query. Parses the contract's query language (free
//! words, "phrases", `likes:` `travel:` `when:` `mentions:` and the field
//! terms) into a `Query` that prints back as the same query, so `ask` can
//! show what it understood.

use chrono::NaiveDate;

use crate::dates::{DateRange, parse_range};
use crate::error::{Error, Result};

/// A field term that matches one field of the customer profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileField {
    /// `owner:` the responsible sales rep.
    Owner,
    /// `tier:`
    Tier,
    /// `stage:`
    Stage,
    /// `type:` person or company.
    Type,
    /// `company:`
    Company,
    /// `name:` name or nickname, also by pinyin.
    Name,
    /// `city:` the customer's home city.
    City,
}

impl ProfileField {
    /// Every profile field with its query key.
    pub const ALL: [(ProfileField, &'static str); 7] = [
        (ProfileField::Owner, "owner"),
        (ProfileField::Tier, "tier"),
        (ProfileField::Stage, "stage"),
        (ProfileField::Type, "type"),
        (ProfileField::Company, "company"),
        (ProfileField::Name, "name"),
        (ProfileField::City, "city"),
    ];

    /// The query key, which is also the record field it matches.
    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, k)| *k)
            .expect("every field is in ALL")
    }
}

/// One term of a query. Terms are combined with AND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A free word, searched everywhere.
    Word(String),
    /// A quoted phrase, searched everywhere.
    Phrase(String),
    /// `likes:X`
    Likes(String),
    /// `travel:CITY`
    Travel(String),
    /// `when:RANGE`, with the words as written and the resolved days.
    When(String, DateRange),
    /// `mentions:X`
    Mentions(String),
    /// `owner:` `tier:` `stage:` `type:` `company:` `name:` `city:`
    Field(ProfileField, String),
    /// `KEY:VALUE` for any other field of a customer record, nested keys
    /// with dots (`region:山东`, `contacts.wechat:wx123`): the key as
    /// written, and the value, matched as free text is.
    Key(String, String),
    /// `date:RANGE`: a meeting note or visit report dated in the range,
    /// with the words as written and the resolved days.
    Date(String, DateRange),
    /// `birthday:RANGE`: a birthday whose next occurrence falls in the range.
    Birthday(String, DateRange),
    /// `*`: every customer.
    All,
    /// `-A`: customers the term does not find.
    Not(Box<Clause>),
    /// `A OR B`, and `( … )`: customers any alternative finds. Each
    /// alternative is an AND of terms, as a whole query is.
    Any(Vec<Query>),
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    /// The terms, in the order written.
    pub clauses: Vec<Clause>,
}

impl Query {
    /// The date range of the query's `when:` term, if any.
    pub fn when(&self) -> Option<DateRange> {
        self.clauses.iter().find_map(|c| match c {
            Clause::When(_, range) => Some(*range),
            _ => None,
        })
    }
}

fn quote_if_needed(value: &str) -> String {
    if value.chars().any(char::is_whitespace) || value.is_empty() {
        quoted(value)
    } else {
        value.to_string()
    }
}

/// A phrase in quotes that its text does not close: `"…"`, or `「…」` for
/// a phrase with a `"` in it (written `「a "b" c」`), so it parses back.
fn quoted(value: &str) -> String {
    if !value.contains(closing_quote('"')) {
        format!("\"{value}\"")
    } else if !value.contains('」') {
        format!("「{value}」")
    } else {
        format!("『{value}』")
    }
}

impl std::fmt::Display for Clause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Clause::Word(word) => write!(f, "{word}"),
            Clause::Phrase(phrase) => f.write_str(&quoted(phrase)),
            Clause::Likes(value) => write!(f, "likes:{}", quote_if_needed(value)),
            Clause::Travel(value) => write!(f, "travel:{}", quote_if_needed(value)),
            Clause::When(value, _) => write!(f, "when:{}", quote_if_needed(value)),
            Clause::Mentions(value) => write!(f, "mentions:{}", quote_if_needed(value)),
            Clause::Field(field, value) => write!(f, "{}:{}", field.key(), quote_if_needed(value)),
            Clause::Key(key, value) => write!(f, "{key}:{}", quote_if_needed(value)),
            Clause::Date(value, _) => write!(f, "date:{}", quote_if_needed(value)),
            Clause::Birthday(value, _) => write!(f, "birthday:{}", quote_if_needed(value)),
            Clause::All => f.write_str("*"),
            Clause::Not(clause) => write!(f, "-{clause}"),
            Clause::Any(alternatives) => {
                f.write_str("(")?;
                write_alternatives(f, alternatives)?;
                f.write_str(")")
            }
        }
    }
}

/// `a b OR c`: alternatives joined by ` OR `.
fn write_alternatives(f: &mut std::fmt::Formatter<'_>, alternatives: &[Query]) -> std::fmt::Result {
    for (i, alternative) in alternatives.iter().enumerate() {
        if i > 0 {
            f.write_str(" OR ")?;
        }
        write!(f, "{alternative}")?;
    }
    Ok(())
}

impl std::fmt::Display for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A query that is one OR (`a OR b`) prints without parentheses.
        if let [Clause::Any(alternatives)] = self.clauses.as_slice() {
            return write_alternatives(f, alternatives);
        }
        for (i, clause) in self.clauses.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{clause}")?;
        }
        Ok(())
    }
}

fn is_open_quote(c: char) -> bool {
    matches!(c, '"' | '“' | '「' | '『' | '”')
}

fn closing_quote(open: char) -> &'static [char] {
    match open {
        '「' => &['」'],
        '『' => &['』'],
        _ => &['"', '”', '“'],
    }
}

/// A piece of query text: a bare token or a quoted one, with an optional key.
struct Piece {
    key: Option<String>,
    value: String,
    quoted: bool,
    raw: String,
}

fn split_pieces(text: &str) -> Result<Vec<Piece>> {
    let chars: Vec<char> = text.chars().collect();
    let mut pieces = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut key = None;
        // key:
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_alphabetic()) {
            j += 1;
        }
        if j > i && j < chars.len() && (chars[j] == ':' || chars[j] == '：') {
            key = Some(chars[i..j].iter().collect::<String>().to_lowercase());
            i = j + 1;
        }
        let (value, quoted) = if i < chars.len() && is_open_quote(chars[i]) {
            let closers = closing_quote(chars[i]);
            let Some(length) = chars[i + 1..].iter().position(|c| closers.contains(c)) else {
                return Err(Error::query(
                    chars[start..].iter().collect::<String>(),
                    "unclosed quote — add the closing \"",
                ));
            };
            let value: String = chars[i + 1..i + 1 + length].iter().collect();
            i += length + 2;
            (value, true)
        } else {
            let begin = i;
            while i < chars.len() && !chars[i].is_whitespace() {
                i += 1;
            }
            (chars[begin..i].iter().collect::<String>(), false)
        };
        pieces.push(Piece {
            key,
            value,
            quoted,
            raw: chars[start..i].iter().collect(),
        });
    }
    Ok(pieces)
}

/// The key of a word written like a term whose key is none of the query's
/// (`region:山东`, which `parse` leaves as text), so that the search can say
/// so; `None` for any other word, a time (10:30) or a link (`http://…`)
/// among them. A key is what `split_pieces` takes for one.
pub fn unknown_key(word: &str) -> Option<String> {
    let Ok(pieces) = split_pieces(word) else {
        return None;
    };
    let [
        Piece {
            key: Some(key),
            value,
            raw,
            ..
        },
    ] = &pieces[..]
    else {
        return None;
    };
    // As written: the piece's key is lowercased, and ASCII.
    (!value.is_empty() && !value.starts_with("//")).then(|| raw[..key.len()].to_string())
}

/// The query keys, for error messages.
pub const KEYS: &str =
    "likes: travel: when: mentions: owner: tier: stage: type: company: name: city:";

/// Parses a query. `today` resolves relative `when:` ranges.
///
/// Fails naming the term at fault: an unclosed quote, a key without a
/// value, an unknown `when:` range, two `when:` terms, or an empty query.
pub fn parse(text: &str, today: NaiveDate) -> Result<Query> {
    let mut query = Query::default();
    for piece in split_pieces(text)? {
        let value = piece.value.trim().to_string();
        let Some(key) = &piece.key else {
            if value.is_empty() {
                continue;
            }
            query.clauses.push(if piece.quoted {
                Clause::Phrase(value)
            } else {
                Clause::Word(value)
            });
            continue;
        };
        let needs_value = |example: &str| {
            Error::query(
                piece.raw.clone(),
                format!("{key}: needs a value — for example {key}:{example}"),
            )
        };
        let clause = match key.as_str() {
            "likes" | "like" => Clause::Likes(value.clone()),
            "travel" | "trip" => Clause::Travel(value.clone()),
            "mentions" | "mention" => Clause::Mentions(value.clone()),
            "when" => {
                if value.is_empty() {
                    return Err(needs_value("next-week"));
                }
                let range = parse_range(&value, today)
                    .map_err(|problem| Error::query(piece.raw.clone(), problem))?;
                if query.when().is_some() {
                    return Err(Error::query(
                        piece.raw.clone(),
                        "only one when: term per query — combine the days into one range",
                    ));
                }
                Clause::When(value.clone(), range)
            }
            other => match ProfileField::ALL.iter().find(|(_, k)| *k == other) {
                Some((field, _)) => Clause::Field(*field, value.clone()),
                None => {
                    // Not a term we know (a time like 10:30, a URL): plain text.
                    query.clauses.push(Clause::Word(piece.raw.clone()));
                    continue;
                }
            },
        };
        if value.is_empty() {
            return Err(needs_value(match key.as_str() {
                "likes" | "like" => "golf",
                "travel" | "trip" => "北京",
                "mentions" | "mention" => "IBM",
                _ => "...",
            }));
        }
        query.clauses.push(clause);
    }
    if query.clauses.is_empty() {
        return Err(Error::query(
            text,
            format!("empty query — type words to search, or terms like {KEYS}"),
        ));
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
    }

    #[test]
    fn unknown_keys_are_told_apart_from_times_and_links() {
        for (word, key) in [
            ("region:山东", Some("region")),
            ("Industry：物流", Some("Industry")),
            ("region:\"山东 济南\"", Some("region")),
            ("10:30", None),
            ("http://example.com", None),
            ("note:", None),
            ("计费系统", None),
            (":x", None),
        ] {
            assert_eq!(unknown_key(word).as_deref(), key, "{word}");
        }
        // What the parser leaves as text is what `unknown_key` sees.
        let query = parse("region:山东 likes:golf", today()).expect("parses");
        assert!(
            matches!(&query.clauses[0], Clause::Word(w) if unknown_key(w).as_deref() == Some("region"))
        );
    }

    #[test]
    fn parses_and_prints_back() {
        for (input, printed) in [
            ("话剧", "话剧"),
            ("likes:theatre", "likes:theatre"),
            ("LIKES:Theatre  travel:北京", "likes:Theatre travel:北京"),
            ("travel:北京 when:next-week", "travel:北京 when:next-week"),
            ("travel：北京 when：下周", "travel:北京 when:下周"),
            ("\"计费 系统\" IBM", "\"计费 系统\" IBM"),
            ("「售后服务」", "\"售后服务\""),
            ("likes:\"tea ceremony\"", "likes:\"tea ceremony\""),
            ("name:zhang wei", "name:zhang wei"),
            ("owner:刘芳 tier:vip", "owner:刘芳 tier:vip"),
            ("10:30 meeting", "10:30 meeting"),
        ] {
            let query = parse(input, today()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(query.to_string(), printed, "{input}");
            assert_eq!(
                parse(&query.to_string(), today()).expect("reparse"),
                query,
                "{input} round trip"
            );
        }
    }

    #[test]
    fn typed_clauses() {
        let query = parse(
            "likes:golf travel:北京 when:next-week mentions:IBM city:上海 \"a b\" x",
            today(),
        )
        .expect("parse");
        assert!(matches!(&query.clauses[0], Clause::Likes(v) if v == "golf"));
        assert!(matches!(&query.clauses[1], Clause::Travel(v) if v == "北京"));
        assert!(
            matches!(&query.clauses[2], Clause::When(v, r) if v == "next-week" && r.start.to_string() == "2026-11-30")
        );
        assert!(matches!(&query.clauses[3], Clause::Mentions(v) if v == "IBM"));
        assert!(matches!(&query.clauses[4], Clause::Field(ProfileField::City, v) if v == "上海"));
        assert!(matches!(&query.clauses[5], Clause::Phrase(v) if v == "a b"));
        assert!(matches!(&query.clauses[6], Clause::Word(v) if v == "x"));
    }

    #[test]
    fn errors_name_the_term() {
        for (input, fragment) in [
            ("", "empty query"),
            ("   ", "empty query"),
            ("likes:", "likes: needs a value"),
            ("when:someday", "unknown date range"),
            ("\"unclosed", "unclosed quote"),
            ("when:today when:tomorrow", "only one when:"),
        ] {
            let error = parse(input, today()).expect_err(input).to_string();
            assert!(error.contains(fragment), "{input}: {error}");
        }
    }
}
