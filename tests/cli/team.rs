//! The team: `team add` and `team check`, `--as NAME`, and the hostile
//! tests of who sees which dossiers (`fixtures/team`, whose team file and
//! customers are described in its `dossier-team.toml`).

use crate::{code, describe, dossier, indexed_kb, kb, read_file, stderr, stdout, write_file};

#[test]
fn team_add_prints_a_token_once_and_a_block_with_only_its_hash() {
    let dir = kb("team");
    let before = read_file(dir.path(), "dossier-team.toml");
    let output = dossier(
        dir.path(),
        &[
            "team",
            "add",
            "张磊",
            "--role",
            "manager",
            "--team",
            "刘芳, Mark Liu",
        ],
    );
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let out = stdout(&output);
    let token = out
        .split_whitespace()
        .find(|w| w.starts_with("dsk_"))
        .unwrap_or_else(|| panic!("no token printed\n{out}"));
    assert_eq!(token.len(), 4 + 64);
    assert_eq!(
        out.matches(token).count(),
        1,
        "the token is printed once\n{out}"
    );
    let block = &out[out.find("[[user]]").expect("a [[user]] block")..];
    assert!(block.contains("name = \"张磊\"\nrole = \"manager\"\nteam = [\"刘芳\", \"Mark Liu\"]\ntoken_sha256 = \""), "{block}");
    assert!(
        !block.contains(token),
        "the block holds only the hash\n{block}"
    );
    // Nothing written inside the knowledge base.
    assert_eq!(read_file(dir.path(), "dossier-team.toml"), before);
    // The block pasted into the file lets the token in (checked through
    // `team check`, then `--as`).
    write_file(
        dir.path(),
        "dossier-team.toml",
        &format!("{before}\n{block}"),
    );
    let check = dossier(dir.path(), &["team", "check"]);
    assert_eq!(code(&check), 0, "{}", describe(&check));
    assert!(
        stderr(&check).contains("张磊: no customer has this owner"),
        "{}",
        describe(&check)
    );
    let again = dossier(dir.path(), &["team", "add", "x", "--role", "boss"]);
    assert_eq!(code(&again), 2);
    assert!(
        stderr(&again).contains("--role boss: unknown role"),
        "{}",
        describe(&again)
    );
}

#[test]
fn team_check_reports_every_problem_with_its_line_and_exits_2_on_errors() {
    let dir = kb("team");
    let good = dossier(dir.path(), &["team", "check"]);
    assert_eq!(code(&good), 0, "{}", describe(&good));
    let text = read_file(dir.path(), "dossier-team.toml");
    let bad = text
        .replace(
            "role = \"rep\"\ntoken_sha256 = \"",
            "role = \"intern\"\ntoken_sha256 = \"",
        )
        .replace("team = [\"刘芳\"]", "team = [\"刘芳\", \"赵六\"]")
        + "\n[[user]]\nname = \"劉芳\"\nrole = \"rep\"\ntoken_sha256 = \"abc\"\n";
    write_file(dir.path(), "dossier-team.toml", &bad);
    let output = dossier(dir.path(), &["team", "check"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    let err = stderr(&output);
    let line_of = |needle: &str| bad[..bad.find(needle).unwrap()].matches('\n').count() + 1;
    for expected in [
        format!(
            "dossier-team.toml:{}:8: intern: unknown role",
            line_of("role = \"intern\"")
        ),
        format!("dossier-team.toml:{}:", line_of("\"赵六\"")) + "15: 赵六: in the team of 陈杰",
        format!(
            "dossier-team.toml:{}:8: 劉芳: a second user with this name",
            line_of("name = \"劉芳\"")
        ),
        format!(
            "dossier-team.toml:{}:16: token_sha256 is not 64 hex digits",
            line_of("\"abc\"")
        ),
    ] {
        assert!(err.contains(&expected), "missing {expected}\n{err}");
    }
    // A broken team file denies every --as, and says how to find out why.
    let search = dossier(dir.path(), &["--as", "刘芳", "search", "话剧"]);
    assert_eq!(code(&search), 2, "{}", describe(&search));
    assert!(
        stderr(&search).contains("dossier team check"),
        "{}",
        describe(&search)
    );
}

#[test]
fn as_needs_a_team_file_and_a_user_of_it() {
    let plain = indexed_kb("kb");
    let output = dossier(plain.path(), &["--as", "刘芳", "search", "话剧"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    assert!(
        stderr(&output).contains("has no dossier-team.toml"),
        "{}",
        describe(&output)
    );
    let team = indexed_kb("team");
    let output = dossier(team.path(), &["--as", "nobody", "search", "话剧"]);
    assert_eq!(code(&output), 2, "{}", describe(&output));
    assert!(
        stderr(&output).contains("nobody: no such user"),
        "{}",
        describe(&output)
    );
}
