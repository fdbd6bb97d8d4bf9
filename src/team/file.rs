//! Reading `dossier-team.toml` into a `Team`, and every problem of it as
//! `dossier-team.toml:LINE:COL: message` (the same `Problem` records have).

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::token::parse_hash;
use super::{Role, TEAM_FILE, Team, User, owner_fold};
use crate::record::{Problem, Severity};

/// A problem of the team file: where, how bad, what to do.
pub type TeamProblem = Problem;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTeam {
    private_fields: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    user: Vec<Spanned<RawUser>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    name: Option<Spanned<String>>,
    role: Option<Spanned<String>>,
    team: Option<Vec<Spanned<String>>>,
    token_sha256: Option<Spanned<String>>,
}

/// Line and column (1-based, in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

struct Problems<'a> {
    text: &'a str,
    list: Vec<Problem>,
}

impl Problems<'_> {
    fn push(&mut self, severity: Severity, offset: usize, message: String) {
        let (line, column) = line_col(self.text, offset);
        self.list.push(Problem {
            severity,
            path: TEAM_FILE.to_string(),
            line,
            column,
            message,
        });
    }
}

/// Parses a team file. Returns the team when it has no error (warnings
/// do not keep it from being used), and every problem, in file order.
pub fn parse(path: &Path, text: &str) -> (Option<Team>, Vec<Problem>) {
    let mut problems = Problems {
        text,
        list: Vec::new(),
    };
    let raw: RawTeam = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let offset = e.span().map_or(0, |span| span.start);
            let message = e.message().trim().to_string();
            problems.push(
                Severity::Error,
                offset,
                format!("{message} — see the team file's format in the README"),
            );
            return (None, problems.list);
        }
    };
    let mut users: Vec<User> = Vec::new();
    let mut names: Vec<(String, usize)> = Vec::new();
    for user in &raw.user {
        let start = user.span().start;
        let user = user.get_ref();
        let Some(name) = user
            .name
            .as_ref()
            .filter(|n| !n.get_ref().trim().is_empty())
        else {
            problems.push(
                Severity::Error,
                start,
                "a [[user]] without a name — add name = \"…\" as written in customers' owner"
                    .into(),
            );
            continue;
        };
        let folded = owner_fold(name.get_ref());
        if let Some((_, first)) = names.iter().find(|(n, _)| *n == folded) {
            let (line, _) = line_col(text, *first);
            problems.push(
                Severity::Error,
                name.span().start,
                format!(
                    "{}: a second user with this name (the first is on line {line}) — keep one",
                    name.get_ref()
                ),
            );
        }
        names.push((folded, name.span().start));
        let role = match &user.role {
            None => {
                problems.push(
                    Severity::Error,
                    name.span().start,
                    format!(
                        "{}: no role — add role = \"rep\", \"manager\" or \"admin\"",
                        name.get_ref()
                    ),
                );
                None
            }
            Some(role) => match Role::parse(role.get_ref()) {
                Some(parsed) => Some(parsed),
                None => {
                    problems.push(
                        Severity::Error,
                        role.span().start,
                        format!(
                            "{}: unknown role — use \"rep\", \"manager\" or \"admin\"",
                            role.get_ref()
                        ),
                    );
                    None
                }
            },
        };
        if let (Some(team), Some(role)) = (&user.team, role)
            && role != Role::Manager
            && !team.is_empty()
        {
            let start = team.first().map_or(start, |t| t.span().start);
            problems.push(
                Severity::Warning,
                start,
                format!(
                    "{}: a team is for a manager; a {} does not see it — remove it or make them a manager",
                    name.get_ref(),
                    role.as_str()
                ),
            );
        }
        let hash = match &user.token_sha256 {
            None => {
                problems.push(
                    Severity::Error,
                    name.span().start,
                    format!(
                        "{}: no token_sha256 — make one with `dossier team add NAME --role ROLE`",
                        name.get_ref()
                    ),
                );
                None
            }
            Some(hash) => match parse_hash(hash.get_ref()) {
                Some(parsed) => Some(parsed),
                None => {
                    problems.push(
                        Severity::Error,
                        hash.span().start,
                        "token_sha256 is not 64 hex digits (a SHA-256) — paste the line `dossier team add` printed".into(),
                    );
                    None
                }
            },
        };
        if let (Some(role), Some(token_sha256)) = (role, hash) {
            users.push(User {
                name: name.get_ref().trim().to_string(),
                role,
                team: user
                    .team
                    .iter()
                    .flatten()
                    .map(|t| t.get_ref().trim().to_string())
                    .collect(),
                token_sha256,
            });
        }
    }
    let team = Team {
        path: path.to_path_buf(),
        private_fields: raw
            .private_fields
            .iter()
            .flatten()
            .map(|f| f.get_ref().trim().to_string())
            .filter(|f| !f.is_empty())
            .collect(),
        users,
    };
    let has_error = problems.list.iter().any(|p| p.severity == Severity::Error);
    let mut list = problems.list;
    list.sort_by_key(|p| (p.line, p.column));
    (if has_error { None } else { Some(team) }, list)
}

/// Every problem of a team file: those of `parse`, and, given the owners
/// of the indexed customers (folded, sorted), the names that match none:
/// a manager's team member who is neither a user nor anyone's owner is
/// an error (they see nothing of theirs); a rep or manager who owns no
/// customer is a warning (they see only the shared pool until they do).
pub fn check(path: &Path, text: &str, owners: Option<&[String]>) -> Vec<Problem> {
    let (_, mut list) = parse(path, text);
    let Ok(raw) = toml::from_str::<RawTeam>(text) else {
        return list;
    };
    let mut problems = Problems {
        text,
        list: Vec::new(),
    };
    let owned = |name: &str| owners.is_some_and(|o| o.binary_search(&owner_fold(name)).is_ok());
    let users: Vec<String> = raw
        .user
        .iter()
        .filter_map(|u| u.get_ref().name.as_ref())
        .map(|n| owner_fold(n.get_ref()))
        .collect();
    for user in &raw.user {
        let user = user.get_ref();
        let Some(name) = &user.name else { continue };
        let role = user.role.as_ref().and_then(|r| Role::parse(r.get_ref()));
        if owners.is_some() && role != Some(Role::Admin) && !owned(name.get_ref()) {
            problems.push(
                Severity::Warning,
                name.span().start,
                format!(
                    "{}: no customer has this owner — check the spelling against customers' \"owner\"",
                    name.get_ref()
                ),
            );
        }
        if role == Some(Role::Manager) {
            for member in user.team.iter().flatten() {
                let known = users.contains(&owner_fold(member.get_ref()));
                if !known && owners.is_some() && !owned(member.get_ref()) {
                    problems.push(
                        Severity::Error,
                        member.span().start,
                        format!(
                            "{}: in the team of {}, but neither a user nor any customer's owner — check the spelling",
                            member.get_ref(),
                            name.get_ref()
                        ),
                    );
                }
            }
        }
    }
    list.extend(problems.list);
    list.sort_by_key(|p| (p.line, p.column));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn problems(text: &str, owners: &[&str]) -> Vec<String> {
        let mut owners: Vec<String> = owners.iter().map(|o| owner_fold(o)).collect();
        owners.sort();
        check(Path::new(TEAM_FILE), text, Some(&owners))
            .iter()
            .map(|p| {
                format!(
                    "{}:{}: {} {}",
                    p.line,
                    p.column,
                    p.severity.as_str(),
                    p.message
                )
            })
            .collect()
    }

    #[test]
    fn every_problem_is_reported_where_it_is() {
        let user = |name: &str, role: &str, extra: &str| {
            format!(
                "[[user]]\nname = \"{name}\"\nrole = \"{role}\"\ntoken_sha256 = \"{HASH}\"\n{extra}\n"
            )
        };
        let cases: Vec<(String, &[&str], Vec<&str>)> = vec![
            (user("刘芳", "rep", ""), &["刘芳"], vec![]),
            (
                user("刘芳", "boss", ""),
                &["刘芳"],
                vec!["3:8: error boss: unknown role"],
            ),
            (
                "[[user]]\nname = \"刘芳\"\nrole = \"rep\"\n".into(),
                &["刘芳"],
                vec!["2:8: error 刘芳: no token_sha256"],
            ),
            (
                "[[user]]\nname = \"刘芳\"\nrole = \"rep\"\ntoken_sha256 = \"abc\"\n".into(),
                &["刘芳"],
                vec!["4:16: error token_sha256 is not 64 hex digits"],
            ),
            (
                format!("{}{}", user("刘芳", "rep", ""), user("劉芳", "admin", "")),
                &["刘芳"],
                vec!["7:8: error 劉芳: a second user with this name (the first is on line 2)"],
            ),
            (
                user("王五", "rep", ""),
                &["刘芳"],
                vec!["2:8: warning 王五: no customer has this owner"],
            ),
            (user("Root", "admin", ""), &["刘芳"], vec![]),
            (
                user("陈杰", "manager", "team = [\"刘芳\", \"赵六\"]"),
                &["刘芳", "陈杰"],
                vec![
                    "5:15: error 赵六: in the team of 陈杰, but neither a user nor any customer's owner",
                ],
            ),
            (
                "private_fields = [\"birthday\"]\nsecret = 1\n".into(),
                &[],
                vec!["2:1: error unknown field `secret`"],
            ),
            ("name = \n".into(), &[], vec!["1:8: error "]),
        ];
        for (text, owners, expected) in cases {
            let got = problems(&text, owners);
            assert_eq!(got.len(), expected.len(), "{text}\n{got:?}");
            for (got, expected) in got.iter().zip(&expected) {
                assert!(
                    got.starts_with(expected),
                    "{text}\n{got}\nwanted {expected}"
                );
            }
        }
    }

    #[test]
    fn a_team_with_warnings_is_still_used() {
        let text = format!(
            "private_fields = [\"birthday\", \" \"]\n[[user]]\nname = \"A\"\nrole = \"Rep\"\nteam = [\"B\"]\ntoken_sha256 = \"{HASH}\"\n"
        );
        let (team, problems) = parse(Path::new(TEAM_FILE), &text);
        let team = team.expect("warnings only");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(team.private_fields, ["birthday"]);
        assert_eq!(team.users[0].role, Role::Rep);
    }
}
