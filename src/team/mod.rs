//! Who sees which dossiers: the team file `DIR/dossier-team.toml` (people,
//! roles, token hashes, private fields) and the `Reader` every query runs
//! as. The search engine turns a reader into its visibility clause
//! (`search`); this module only says who may see what.
//!
//! Without a team file everyone sees everything (`Reader::everyone`). With
//! one, a `rep` sees the customers they own and those with no owner, a
//! `manager` also those of their `team`, an `admin` all; a customer's
//! `private_fields` reach only its owner and admins.

mod file;
mod session;
mod token;

use std::path::{Path, PathBuf};

pub use file::{TeamProblem, check, parse};
pub use session::{
    SESSION_COOKIE, SESSION_HOURS, Sessions, authenticate, bearer, end_session_cookie,
    session_cookie, session_id,
};
pub use token::{Token, hash_hex, new_token};

use crate::error::{Error, Result};
use crate::fold::fold;

/// The team file's name, at the root of a knowledge base.
pub const TEAM_FILE: &str = "dossier-team.toml";

/// The `owner_key` of a customer with no owner: the shared pool. No
/// folded name is a lone NUL.
pub const NO_OWNER: &str = "\u{0}";

/// What a person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sees the customers they own and those with no owner.
    Rep,
    /// Also sees the customers owned by their team.
    Manager,
    /// Sees every customer and every private field.
    Admin,
}

impl Role {
    /// The role as written in the team file.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rep => "rep",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Reads a role as written (`rep`, `manager`, `admin`, any case);
    /// `None` for anything else.
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "rep" => Some(Role::Rep),
            "manager" => Some(Role::Manager),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// One person of the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// As written in customers' `owner`.
    pub name: String,
    /// What they may see.
    pub role: Role,
    /// For a manager: the people whose customers they also see.
    pub team: Vec<String>,
    /// SHA-256 of their access token.
    pub token_sha256: [u8; 32],
}

/// A parsed team file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// The file it was read from.
    pub path: PathBuf,
    /// Top-level customer fields only owners and admins see (`birthday`,
    /// `contacts`, …), as written.
    pub private_fields: Vec<String>,
    /// The people, in file order.
    pub users: Vec<User>,
}

impl Team {
    /// Reads `DIR/dossier-team.toml`: `None` when there is none.
    ///
    /// Fails with `Error::Team` when the file cannot be read or has an
    /// error (`team::check` lists them all): a team file that is half
    /// understood must not open the knowledge base to everyone.
    pub fn load(kb: &Path) -> Result<Option<Team>> {
        let path = kb.join(TEAM_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        Team::from_text(path, &text).map(Some)
    }

    /// A team file's text, read from `path`, as a `Team`.
    ///
    /// Fails with `Error::Team` as `load` does.
    pub fn from_text(path: PathBuf, text: &str) -> Result<Team> {
        let (team, problems) = parse(&path, text);
        match (team, problems.first()) {
            (Some(team), None) => Ok(team),
            (_, Some(problem)) => Err(Error::Team {
                path,
                problem: format!(
                    "line {}, column {}: {} — run `dossier team check` to list every problem",
                    problem.line, problem.column, problem.message
                ),
            }),
            (None, None) => Err(Error::Team {
                path,
                problem: "cannot be read as a team file — run `dossier team check`".into(),
            }),
        }
    }

    /// The user named `name` (folded: case and script).
    pub fn user(&self, name: &str) -> Option<&User> {
        let wanted = owner_fold(name);
        self.users.iter().find(|u| owner_fold(&u.name) == wanted)
    }

    /// The view of the person called `name`.
    ///
    /// Fails with `Error::Team` when the team file has no such person.
    pub fn reader(&self, name: &str) -> Result<Reader> {
        match self.user(name) {
            Some(user) => Ok(self.reader_of(user)),
            None => Err(Error::Team {
                path: self.path.clone(),
                problem: format!(
                    "{name}: no such user — use a name of a [[user]] in the team file"
                ),
            }),
        }
    }

    /// The view of the person whose token this is, or `None` for a token
    /// the team file does not know. Every user's hash is compared, each in
    /// constant time, so the time taken says nothing about which matched.
    pub fn reader_for_token(&self, token: &str) -> Option<Reader> {
        let hash = token::sha256(token.trim());
        let mut found = None;
        for user in &self.users {
            if token::same_hash(&hash, &user.token_sha256) && found.is_none() {
                found = Some(user);
            }
        }
        found.map(|user| self.reader_of(user))
    }

    fn reader_of(&self, user: &User) -> Reader {
        let mut owners = vec![owner_fold(&user.name)];
        if user.role == Role::Manager {
            owners.extend(user.team.iter().map(|name| owner_fold(name)));
        }
        owners.sort();
        owners.dedup();
        Reader {
            name: user.name.clone(),
            role: Some(user.role),
            own: owner_fold(&user.name),
            owners,
            admin: user.role == Role::Admin,
            private_fields: self.private_fields.clone(),
        }
    }
}

/// The person a query runs as: whose customers they may see, and whose
/// private fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// As written in the team file (empty for `everyone`).
    pub name: String,
    /// Their role; `None` for `everyone` (no team file, or the operator
    /// at the terminal).
    pub role: Option<Role>,
    /// Their own name, folded.
    own: String,
    /// Folded owner names whose customers they see (themselves, and a
    /// manager's team).
    owners: Vec<String>,
    /// Sees everything.
    admin: bool,
    /// The team file's private fields (hidden from them unless they own
    /// the customer or are an admin).
    private_fields: Vec<String>,
}

impl Reader {
    /// A reader who sees everything: without a team file, or the local
    /// operator (who can read the files anyway) without `--as`.
    pub fn everyone() -> Reader {
        Reader {
            name: String::new(),
            role: None,
            own: String::new(),
            owners: Vec::new(),
            admin: true,
            private_fields: Vec::new(),
        }
    }

    /// True when nothing is hidden from this reader: no clause needed.
    pub fn sees_all(&self) -> bool {
        self.admin
    }

    /// Whether they may see a customer whose `owner` is this (`None`: no
    /// owner, the shared pool everyone sees). Names compare folded.
    pub fn may_see_owner(&self, owner: Option<&str>) -> bool {
        match owner.map(owner_fold).filter(|o| !o.is_empty()) {
            _ if self.admin => true,
            None => true,
            Some(owner) => self.owners.binary_search(&owner).is_ok(),
        }
    }

    /// Whether they may see a customer record: one of its owners is theirs,
    /// or it has none (the shared pool).
    pub fn may_see_record(&self, record: &serde_json::Map<String, serde_json::Value>) -> bool {
        if self.admin {
            return true;
        }
        let owners = record_owners(record);
        owners.is_empty() || owners.iter().any(|o| self.may_see_owner(Some(o)))
    }

    /// Whether they may see the private fields of a customer whose `owner`
    /// is this: its owner and admins only (a customer with no owner: admins).
    pub fn may_see_private(&self, owner: Option<&str>) -> bool {
        match owner.map(owner_fold).filter(|o| !o.is_empty()) {
            _ if self.admin => true,
            None => false,
            Some(owner) => owner == self.own,
        }
    }

    /// The folded owner names of the customers they see (besides those
    /// with no owner); empty for a reader who sees all.
    pub fn owner_keys(&self) -> &[String] {
        if self.admin { &[] } else { &self.owners }
    }

    /// Their own folded name (whose private fields they see).
    pub fn own_key(&self) -> &str {
        &self.own
    }

    /// Whether a top-level field of a customer they may not read privately
    /// is hidden from them.
    pub fn is_private_field(&self, key: &str) -> bool {
        is_private(&self.private_fields, key)
    }

    /// A customer record as this reader may see it: private fields removed
    /// unless they own it or are an admin. In place: a search shows twenty
    /// records, and a copy of each cost more than the search's visibility
    /// clause.
    pub fn strip_private(&self, record: &mut serde_json::Map<String, serde_json::Value>) {
        if self.admin || self.private_fields.is_empty() {
            return;
        }
        if record_owners(record).contains(&self.own) {
            return;
        }
        record.retain(|key, _| !self.is_private_field(key));
    }
}

/// The owners of the indexed customers (folded, sorted, no duplicates),
/// read from the `owner_key` terms of every segment. A customer deleted
/// since the last merge may still lend its owner to this list.
///
/// Fails with `Error::Index` when the index cannot be read.
pub fn indexed_owners(
    read: &crate::index::ReadIndex,
    location: &crate::index::Location,
) -> Result<Vec<String>> {
    let index_error = |e| Error::index(location.index_dir(), e);
    let mut owners = Vec::new();
    for segment in read.searcher.segment_readers() {
        let inverted = segment
            .inverted_index(read.fields.owner_key)
            .map_err(index_error)?;
        let mut terms = inverted
            .terms()
            .stream()
            .map_err(|e| Error::io(location.index_dir(), e))?;
        while terms.advance() {
            if let Ok(owner) = std::str::from_utf8(terms.key())
                && owner != NO_OWNER
            {
                owners.push(owner.to_string());
            }
        }
    }
    owners.sort();
    owners.dedup();
    Ok(owners)
}

/// Whether `key` (a record's top-level key, or a dotted path's first
/// part) is one of `private_fields` (folded: case does not matter).
pub fn is_private(private_fields: &[String], key: &str) -> bool {
    if private_fields.is_empty() {
        return false;
    }
    let top = key.split('.').next().unwrap_or(key).trim();
    // Keys and fields in plain lowercase ASCII (nearly all) fold to
    // themselves: compared as they are, without a folded copy of each
    // (a search's hits ask this for every key of every record shown).
    let plain = |text: &str| {
        text.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    if plain(top) && private_fields.iter().all(|field| plain(field.trim())) {
        return private_fields.iter().any(|field| field.trim() == top);
    }
    let top = fold(top);
    private_fields.iter().any(|field| fold(field.trim()) == top)
}

/// An owner name as compared: folded (case, script, full-width) with runs
/// of blanks made one space.
pub fn owner_fold(name: &str) -> String {
    fold(name).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `private_fields` of `DIR/dossier-team.toml`, read leniently (only
/// that key; the rest of the file may be broken): they decide what the
/// index puts in a customer's profile, so they are part of its version.
/// Empty without a team file or when it cannot be parsed at all (then no
/// `--as` and no token works either, so nobody but the operator reads).
pub fn private_fields_for(kb: &Path) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct OnlyPrivate {
        #[serde(default)]
        private_fields: Vec<String>,
    }
    let Ok(text) = std::fs::read_to_string(kb.join(TEAM_FILE)) else {
        return Vec::new();
    };
    let mut fields: Vec<String> = toml::from_str::<OnlyPrivate>(&text)
        .map(|only| only.private_fields)
        .unwrap_or_default()
        .into_iter()
        .map(|field| field.trim().to_string())
        .filter(|field| !field.is_empty())
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

/// The folded owners of a customer record: its `owner` (a string, or a
/// list of strings); empty when it has none.
pub fn record_owners(record: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    let mut owners: Vec<String> = match record.get("owner") {
        Some(Value::String(name)) => vec![owner_fold(name)],
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .map(owner_fold)
            .collect(),
        Some(Value::Number(number)) => vec![owner_fold(&number.to_string())],
        _ => Vec::new(),
    };
    owners.retain(|o| !o.is_empty());
    owners
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team() -> Team {
        let text = format!(
            r#"
private_fields = ["birthday", "contacts"]

[[user]]
name = "刘芳"
role = "rep"
token_sha256 = "{a}"

[[user]]
name = "陈杰"
role = "manager"
team = ["劉芳", "mark liu"]
token_sha256 = "{b}"

[[user]]
name = "Mark Liu"
role = "rep"
token_sha256 = "{c}"

[[user]]
name = "Boss"
role = "admin"
token_sha256 = "{d}"
"#,
            a = hash_hex("token-a"),
            b = hash_hex("token-b"),
            c = hash_hex("token-c"),
            d = hash_hex("token-d"),
        );
        let (team, problems) = parse(Path::new(TEAM_FILE), &text);
        assert!(problems.is_empty(), "{problems:?}");
        team.expect("a team")
    }

    #[test]
    fn each_role_sees_its_owners_and_the_shared_pool() {
        let team = team();
        let cases: &[(&str, Option<&str>, bool, bool)] = &[
            // reader, owner, may see, may see private
            ("刘芳", Some("刘芳"), true, true),
            ("刘芳", Some("劉芳"), true, true),
            ("刘芳", Some(" 刘芳 "), true, true),
            ("刘芳", Some("Mark Liu"), false, false),
            ("刘芳", None, true, false),
            ("刘芳", Some(""), true, false),
            ("陈杰", Some("刘芳"), true, false),
            ("陈杰", Some("MARK  LIU"), true, false),
            ("陈杰", Some("陈杰"), true, true),
            ("陈杰", Some("王五"), false, false),
            ("mark liu", Some("Mark Liu"), true, true),
            ("Mark Liu", Some("刘芳"), false, false),
            ("Boss", Some("刘芳"), true, true),
            ("boss", None, true, true),
        ];
        for &(name, owner, see, private) in cases {
            let reader = team.reader(name).expect("known user");
            assert_eq!(reader.may_see_owner(owner), see, "{name} {owner:?}");
            assert_eq!(reader.may_see_private(owner), private, "{name} {owner:?}");
        }
        assert!(team.reader("nobody").is_err());
        assert!(Reader::everyone().may_see_private(None));
    }

    #[test]
    fn a_token_names_its_user_and_no_other() {
        let team = team();
        assert_eq!(team.reader_for_token("token-b").unwrap().name, "陈杰");
        assert_eq!(team.reader_for_token(" token-d\n").unwrap().name, "Boss");
        assert!(team.reader_for_token("token-x").is_none());
        assert!(team.reader_for_token("").is_none());
    }

    #[test]
    fn private_fields_are_stripped_for_others_only() {
        let team = team();
        let record: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"name": "王", "owner": "刘芳", "birthday": "1966-03-12", "Contacts": {"mobile": "1"}}"#,
        )
        .unwrap();
        let seen_by = |name: &str| {
            let mut seen = record.clone();
            team.reader(name).unwrap().strip_private(&mut seen);
            seen
        };
        assert_eq!(seen_by("刘芳"), record);
        assert_eq!(seen_by("Boss"), record);
        let seen = seen_by("陈杰");
        let keys: Vec<&str> = seen.keys().map(String::as_str).collect();
        assert_eq!(keys, ["name", "owner"]);
        assert!(is_private(&team.private_fields, "contacts.mobile"));
        assert!(!is_private(&team.private_fields, "company"));
        // (private fields, key, private): folded or plain, the same answer.
        let cases: &[(&[&str], &str, bool)] = &[
            (&["birthday"], "birthday", true),
            (&["birthday"], "Birthday", true),
            (&["birthday"], " birthday ", true),
            (&["Birthday"], "birthday", true),
            (&["ＢＩＲＴＨＤＡＹ"], "birthday", true),
            (&["birthday"], "birthdays", false),
            (&["contacts"], "contacts.mobile", true),
            (&["contacts"], "contact", false),
            (&["家庭"], "家庭.成员", true),
            (&["家庭"], "家庭", true),
            (&["傢庭"], "家庭", true),
            (&["家庭"], "家人", false),
            (&[], "birthday", false),
            (&["mobile_2"], "mobile_2", true),
            (&["mobile_2"], "MOBILE_2", true),
        ];
        for &(fields, key, private) in cases {
            let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
            assert_eq!(is_private(&fields, key), private, "{fields:?} {key}");
        }
    }
}
