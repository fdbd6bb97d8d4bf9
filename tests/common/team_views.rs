//! Who may see what in `fixtures/team`, and how to find a leak in any
//! output: shared by the hostile tests of the commands (`tests/cli/team.rs`)
//! and of the HTTP routes (`tests/browser/team.rs`).

/// The customers of `fixtures/team`: id, name, owner, and text that only
/// their private fields hold.
pub const CUSTOMERS: &[(&str, &str, Option<&str>, &[&str])] = &[
    (
        "t01",
        "王建国",
        Some("刘芳"),
        &["13800001111", "wx_wangjg", "潜水", "1966-12-02"],
    ),
    ("t02", "李红梅", Some("刘芳"), &["11-28"]),
    (
        "t03",
        "Michael Brown",
        Some("Mark Liu"),
        &["13900002222", "12-03\""],
    ),
    ("t04", "Sarah Chen", Some("Mark Liu"), &[]),
    ("t05", "赵敏", Some("陈杰"), &["13700003333", "1980-11-25"]),
    ("t06", "周杰", None, &[]),
    ("t07", "钱多多", Some("王五"), &["02-14"]),
];

/// Who may see whom in `fixtures/team`: (reader, customers they see,
/// customers whose private fields they see). `None`: no `--as`.
pub fn views() -> Vec<(Option<&'static str>, Vec<&'static str>, Vec<&'static str>)> {
    let all: Vec<&str> = CUSTOMERS.iter().map(|c| c.0).collect();
    vec![
        (Some("刘芳"), vec!["t01", "t02", "t06"], vec!["t01", "t02"]),
        (
            Some("Mark Liu"),
            vec!["t03", "t04", "t06"],
            vec!["t03", "t04"],
        ),
        (Some("陈杰"), vec!["t01", "t02", "t05", "t06"], vec!["t05"]),
        (Some("Boss"), all.clone(), all.clone()),
        (None, all.clone(), all),
    ]
}

/// What in `all` (an output with what the asker typed blanked) names a
/// customer outside `visible` (its id, its name, a spelling a typo
/// correction would print) or a private field of a customer outside
/// `private`.
pub fn leaks(all: &str, visible: &[&str], private: &[&str]) -> Vec<String> {
    let mut leaks = Vec::new();
    // Names as a typo correction would write them.
    let lower = all.to_lowercase();
    for (id, spelled) in [
        ("t03", "michael"),
        ("t05", "zhaomin"),
        ("t07", "qianduoduo"),
    ] {
        if !visible.contains(&id) && lower.contains(spelled) {
            leaks.push(format!("{spelled} (invisible {id}, spelled)"));
        }
    }
    if !private.contains(&"t01") && lower.contains("wx_wangjg") {
        leaks.push("wx_wangjg (spelled)".into());
    }
    for (id, name, _, secrets) in CUSTOMERS {
        if !visible.contains(id) {
            for word in [*id, *name] {
                if all.contains(word) {
                    leaks.push(format!("{word} (invisible {id})"));
                }
            }
        }
        if !private.contains(id) {
            for secret in *secrets {
                if all.contains(secret) {
                    leaks.push(format!("{secret} (a private field of {id})"));
                }
            }
        }
    }
    leaks
}

/// Queries that touch customers of several owners: broad ones, interests,
/// competitors, words of notes shared by customers of two owners, private
/// values, and typos whose correction would name someone.
pub const QUERIES: &[&str] = &[
    "*",
    "likes:话剧",
    "likes:theatre",
    "likes:golf",
    "likes:茶艺",
    "mentions:IBM",
    "mentions:联想",
    "IBM",
    "蓝海项目",
    "计费系统",
    "\"蓝海项目\" IBM",
    "tier:vip",
    "owner:王五",
    "owner:Mark",
    "travel:北京 when:next-week",
    "birthday:next-week",
    "潜水",
    "13800001111",
    "13900002222",
    "13700003333",
    "wx_wangjg",
    "contacts.mobile:138",
    "钱多多",
    "Michael",
    // Typos: a correction from the whole index would name them.
    "Micheal",
    "name:zhaomim",
    "qianduoduo",
    "wx_wangjh",
];

/// Questions over customers of several owners.
pub const QUESTIONS: &[&str] = &[
    "who likes theatre?",
    "谁喜欢话剧",
    "who mentions IBM",
    "谁下周去北京",
    "蓝海项目",
];
