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
    // Bare only when it reads back whole: no white space or `)` that
    // would end it, no quote mark that would start a quote.
    let chars: Vec<char> = value.chars().collect();
    if value.is_empty() || value.starts_with(is_open_quote) || bare_end(&chars, 0) < chars.len() {
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

/// A token of query text: a term, or the grammar around terms.
enum Token {
    Piece(Piece),
    /// `(`
    Open,
    /// `)`
    Close,
    /// `OR` (upper case, as a word of its own)
    Or,
    /// `-` right before a term
    Not,
    /// `*` as a word of its own
    All,
}

fn is_open(c: char) -> bool {
    matches!(c, '(' | '（')
}

fn is_close(c: char) -> bool {
    matches!(c, ')' | '）')
}

/// Whether a key may hold this character after its first letter: nested
/// keys are written with dots (`contacts.wechat`).
fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Where the token that starts at `i` ends: at white space, at a closing
/// parenthesis that closes no parenthesis opened inside the token (so
/// `IBM(中国)` stays one word), or at the end.
fn bare_end(chars: &[char], mut i: usize) -> usize {
    let mut inner = 0usize;
    while i < chars.len() && !chars[i].is_whitespace() {
        if is_open(chars[i]) {
            inner += 1;
        } else if is_close(chars[i]) {
            if inner == 0 {
                break;
            }
            inner -= 1;
        }
        i += 1;
    }
    i
}

fn tokenize(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let ends_word =
        |at: usize| at >= chars.len() || chars[at].is_whitespace() || is_close(chars[at]);
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if is_open(c) {
            tokens.push(Token::Open);
            i += 1;
            continue;
        }
        if is_close(c) {
            tokens.push(Token::Close);
            i += 1;
            continue;
        }
        if c == '-' {
            if ends_word(i + 1) {
                return Err(Error::query(
                    "-",
                    "a minus needs a term right after it — write -likes:golf or -word",
                ));
            }
            tokens.push(Token::Not);
            i += 1;
            continue;
        }
        if c == '*' && ends_word(i + 1) {
            tokens.push(Token::All);
            i += 1;
            continue;
        }
        if c == 'O'
            && chars.get(i + 1) == Some(&'R')
            && (ends_word(i + 2) || chars.get(i + 2).copied().is_some_and(is_open))
        {
            tokens.push(Token::Or);
            i += 2;
            continue;
        }
        tokens.push(Token::Piece(read_piece(&chars, &mut i)?));
    }
    Ok(tokens)
}

/// Reads one term at `chars[*i]`: `key:value`, `key:"a phrase"`, a word or
/// a quoted phrase.
fn read_piece(chars: &[char], i: &mut usize) -> Result<Piece> {
    let start = *i;
    let mut key = None;
    let mut j = *i;
    if j < chars.len() && chars[j].is_ascii_alphabetic() {
        while j < chars.len() && is_key_char(chars[j]) {
            j += 1;
        }
        if j < chars.len() && (chars[j] == ':' || chars[j] == '：') {
            key = Some(chars[*i..j].iter().collect::<String>().to_lowercase());
            *i = j + 1;
        }
    }
    let (value, quoted) = if *i < chars.len() && is_open_quote(chars[*i]) {
        let closers = closing_quote(chars[*i]);
        let Some(length) = chars[*i + 1..].iter().position(|c| closers.contains(c)) else {
            return Err(Error::query(
                chars[start..].iter().collect::<String>(),
                "unclosed quote — add the closing \"",
            ));
        };
        let value: String = chars[*i + 1..*i + 1 + length].iter().collect();
        *i += length + 2;
        (value, true)
    } else {
        let begin = *i;
        *i = bare_end(chars, *i);
        (chars[begin..*i].iter().collect::<String>(), false)
    };
    Ok(Piece {
        key,
        value,
        quoted,
        raw: chars[start..*i].iter().collect(),
    })
}

/// The query keys of version 1, for messages; any other key names a field
/// of the customer record (`region:`, `contacts.wechat:`).
pub const KEYS: &str = "likes: travel: when: mentions: date: birthday: owner: tier: stage: type: company: name: city:, or any field of a customer (region:, industry:, contacts.wechat:)";

/// Parses a query. `today` resolves relative ranges (`when:`, `date:`,
/// `birthday:`).
///
/// Fails naming the term at fault: an unclosed quote or parenthesis, a
/// key without a value, an unknown range, two `when:` terms in one group,
/// an `OR` or `-` with no term, or an empty query.
pub fn parse(text: &str, today: NaiveDate) -> Result<Query> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        today,
    };
    let alternatives = parser.alternatives(0)?;
    if let Some(token) = parser.tokens.get(parser.at) {
        // Only a `)` stops the top level early.
        debug_assert!(matches!(token, Token::Close));
        return Err(Error::query(
            ")",
            "this ) closes no ( — remove it or add the ( it closes",
        ));
    }
    Ok(one_query(alternatives))
}

/// Alternatives as one query: itself when there is one, else one OR.
fn one_query(mut alternatives: Vec<Query>) -> Query {
    if alternatives.len() == 1 {
        alternatives.pop().expect("one alternative")
    } else {
        Query {
            clauses: vec![Clause::Any(alternatives)],
        }
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    today: NaiveDate,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// `a b OR c d …` up to the end or a `)`.
    fn alternatives(&mut self, depth: usize) -> Result<Vec<Query>> {
        let mut alternatives = vec![self.all_of(depth)?];
        while matches!(self.peek(), Some(Token::Or)) {
            self.at += 1;
            alternatives.push(self.all_of(depth)?);
        }
        Ok(alternatives)
    }

    /// Terms up to the end, an `OR` or a `)`: all of them must hold.
    fn all_of(&mut self, depth: usize) -> Result<Query> {
        let mut query = Query::default();
        loop {
            match self.peek() {
                None | Some(Token::Close) | Some(Token::Or) => break,
                _ => {}
            }
            let clause = self.term(depth)?;
            match clause {
                // `(a b) c` is `a b c`.
                Some(Clause::Any(mut alternatives)) if alternatives.len() == 1 => {
                    let inner = alternatives.pop().expect("one alternative");
                    for clause in inner.clauses {
                        push_clause(&mut query, clause)?;
                    }
                }
                Some(clause) => push_clause(&mut query, clause)?,
                None => {}
            }
        }
        if query.clauses.is_empty() {
            // An empty group: before or after an OR, inside ( ), or all.
            let follows_or = self.at > 0 && matches!(self.tokens[self.at - 1], Token::Or);
            return Err(match self.peek() {
                Some(Token::Or) => {
                    Error::query("OR", "OR needs a term on each side — write golf OR tennis")
                }
                _ if follows_or => {
                    Error::query("OR", "OR needs a term on each side — write golf OR tennis")
                }
                Some(Token::Close) if depth > 0 => Error::query(
                    "()",
                    "nothing between the parentheses — put terms in them or remove them",
                ),
                Some(Token::Close) => {
                    Error::query(")", "this ) closes no ( — remove it or add the ( it closes")
                }
                // `golf (`: the query ends inside a group that holds nothing.
                None if depth > 0 => Error::query(
                    "(",
                    "this ( is never closed — add the ) that ends the group",
                ),
                _ => Error::query(
                    "empty query",
                    format!("type words to search, or terms like {KEYS}"),
                ),
            });
        }
        Ok(query)
    }

    /// One term: a piece, `*`, `-term` or `( … )`. None for a piece with
    /// nothing in it (`""`).
    fn term(&mut self, depth: usize) -> Result<Option<Clause>> {
        let Some(token) = self.tokens.get_mut(self.at) else {
            return Ok(None);
        };
        self.at += 1;
        match token {
            Token::All => Ok(Some(Clause::All)),
            Token::Not => match self.peek() {
                Some(Token::Piece(_) | Token::Open | Token::All | Token::Not) => {
                    match self.term(depth)? {
                        Some(clause) => Ok(Some(Clause::Not(Box::new(clause)))),
                        None => Err(Error::query(
                            "-",
                            "a minus needs a term right after it — write -likes:golf or -word",
                        )),
                    }
                }
                _ => Err(Error::query(
                    "-",
                    "a minus needs a term right after it — write -likes:golf or -word",
                )),
            },
            Token::Open => {
                let alternatives = self.alternatives(depth + 1)?;
                if !matches!(self.peek(), Some(Token::Close)) {
                    return Err(Error::query(
                        "(",
                        "this ( is never closed — add the ) that ends the group",
                    ));
                }
                self.at += 1;
                Ok(Some(Clause::Any(alternatives)))
            }
            Token::Piece(piece) => {
                let piece = std::mem::replace(
                    piece,
                    Piece {
                        key: None,
                        value: String::new(),
                        quoted: false,
                        raw: String::new(),
                    },
                );
                piece_clause(piece, self.today)
            }
            Token::Close | Token::Or => unreachable!("all_of stops before these"),
        }
    }
}

/// Adds a clause to an AND group: one `when:` per group.
fn push_clause(query: &mut Query, clause: Clause) -> Result<()> {
    if let Clause::When(value, _) = &clause
        && query.when().is_some()
    {
        return Err(Error::query(
            format!("when:{value}"),
            "only one when: term per query — combine the days into one range",
        ));
    }
    query.clauses.push(clause);
    Ok(())
}

/// The days of a range term (`when:` `date:` `birthday:`), or an error naming it.
fn range_of(piece: &Piece, value: &str, today: NaiveDate) -> Result<DateRange> {
    parse_range(value, today).map_err(|problem| Error::query(piece.raw.clone(), problem))
}

fn piece_clause(piece: Piece, today: NaiveDate) -> Result<Option<Clause>> {
    let value = piece.value.trim().to_string();
    let Some(key) = &piece.key else {
        if value.is_empty() {
            return Ok(None);
        }
        return Ok(Some(if piece.quoted {
            Clause::Phrase(value)
        } else {
            Clause::Word(value)
        }));
    };
    // A link (`http://…`) is text.
    if !piece.quoted && value.starts_with("//") {
        return Ok(Some(Clause::Word(piece.raw.clone())));
    }
    if value.is_empty() {
        let example = match key.as_str() {
            "likes" | "like" => "golf",
            "travel" | "trip" => "北京",
            "mentions" | "mention" => "IBM",
            "when" | "date" | "birthday" => "next-week",
            "region" => "山东",
            _ => "...",
        };
        return Err(Error::query(
            piece.raw.clone(),
            format!("{key}: needs a value — for example {key}:{example}"),
        ));
    }
    let clause = match key.as_str() {
        "likes" | "like" => Clause::Likes(value),
        "travel" | "trip" => Clause::Travel(value),
        "mentions" | "mention" => Clause::Mentions(value),
        "when" => {
            let range = range_of(&piece, &value, today)?;
            Clause::When(value, range)
        }
        "date" => {
            let range = range_of(&piece, &value, today)?;
            Clause::Date(value, range)
        }
        "birthday" => {
            let range = range_of(&piece, &value, today)?;
            Clause::Birthday(value, range)
        }
        other => match ProfileField::ALL.iter().find(|(_, k)| *k == other) {
            Some((field, _)) => Clause::Field(*field, value),
            None => Clause::Key(other.to_string(), value),
        },
    };
    Ok(Some(clause))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
    }

    #[test]
    fn any_key_is_a_field_but_times_and_links_are_text() {
        for (input, expected) in [
            ("region:山东", Clause::Key("region".into(), "山东".into())),
            (
                "Industry：物流",
                Clause::Key("industry".into(), "物流".into()),
            ),
            (
                "contacts.wechat:wx123",
                Clause::Key("contacts.wechat".into(), "wx123".into()),
            ),
            (
                "region:\"山东 济南\"",
                Clause::Key("region".into(), "山东 济南".into()),
            ),
            ("10:30", Clause::Word("10:30".into())),
            (
                "http://example.com",
                Clause::Word("http://example.com".into()),
            ),
            ("IBM(中国)", Clause::Word("IBM(中国)".into())),
        ] {
            let query = parse(input, today()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(query.clauses, vec![expected], "{input}");
        }
    }

    #[test]
    fn or_not_groups_and_everyone() {
        let word = |w: &str| Clause::Word(w.into());
        let and = |clauses: Vec<Clause>| Query { clauses };
        for (input, clauses) in [
            (
                "a b OR c",
                vec![Clause::Any(vec![
                    and(vec![word("a"), word("b")]),
                    and(vec![word("c")]),
                ])],
            ),
            (
                "(a OR b) c",
                vec![
                    Clause::Any(vec![and(vec![word("a")]), and(vec![word("b")])]),
                    word("c"),
                ],
            ),
            ("(a b) c", vec![word("a"), word("b"), word("c")]),
            ("-a", vec![Clause::Not(Box::new(word("a")))]),
            (
                "* -likes:golf",
                vec![
                    Clause::All,
                    Clause::Not(Box::new(Clause::Likes("golf".into()))),
                ],
            ),
            (
                "-(a OR b)",
                vec![Clause::Not(Box::new(Clause::Any(vec![
                    and(vec![word("a")]),
                    and(vec![word("b")]),
                ])))],
            ),
            (
                "golf or tennis",
                vec![word("golf"), word("or"), word("tennis")],
            ),
            ("e-mail", vec![word("e-mail")]),
        ] {
            let query = parse(input, today()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(query.clauses, clauses, "{input}");
        }
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
            ("region:山东 industry:物流", "region:山东 industry:物流"),
            ("Contacts.WeChat:wx123", "contacts.wechat:wx123"),
            ("date:last-month 联想", "date:last-month 联想"),
            ("birthday:next-week", "birthday:next-week"),
            ("birthday:上個月", "birthday:上個月"),
            ("*", "*"),
            ("golf OR tennis", "golf OR tennis"),
            ("a b OR c", "a b OR c"),
            ("(a OR b) c", "(a OR b) c"),
            ("( a OR b )", "a OR b"),
            ("owner:刘芳 -tier:vip", "owner:刘芳 -tier:vip"),
            (
                "-(likes:golf OR likes:tennis) *",
                "-(likes:golf OR likes:tennis) *",
            ),
            (
                "travel:北京 when:next-week OR travel:上海 when:this-week",
                "travel:北京 when:next-week OR travel:上海 when:this-week",
            ),
            ("（a OR b） c", "(a OR b) c"),
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
            ("(a OR b", "this ( is never closed"),
            ("a OR b)", "this ) closes no ("),
            (")", "this ) closes no ("),
            ("()", "nothing between the parentheses"),
            ("(", "this ( is never closed"),
            ("（", "this ( is never closed"),
            ("a OR", "OR needs a term on each side"),
            ("OR a", "OR needs a term on each side"),
            ("a OR OR b", "OR needs a term on each side"),
            ("(OR a)", "OR needs a term on each side"),
            ("-", "a minus needs a term"),
            ("a - b", "a minus needs a term"),
            ("date:", "date: needs a value"),
            ("birthday:someday", "unknown date range"),
            ("when:next-99999-days", "next-99999-days"),
            (
                "date:last-99999999999999999999-days",
                "last-99999999999999999999-days",
            ),
        ] {
            let error = parse(input, today()).expect_err(input).to_string();
            assert!(!error.starts_with(": "), "{input}: {error}");
            assert!(error.contains(fragment), "{input}: {error}");
        }
    }
}
