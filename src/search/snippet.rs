//! Finding what matched inside a record's original text and cutting a
//! snippet around it. Works on folded text (so 計費 finds 计费) and shows
//! the original, in its own script, with the char range of the match.

use crate::analysis::{normalize_word, runs};
use crate::fold::fold;

/// Something to look for in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needle {
    /// A folded substring (Han text, phrases).
    Substring(String),
    /// A Latin word, compared after normalising and stemming.
    Word(String),
    /// The start of a Latin word being typed (folded): the letters typed.
    Prefix(String),
    /// Letters being typed as a name's pinyin (folded): the Han characters
    /// whose readings they spell, the last one perhaps cut short
    /// (`zhangw` → 张伟), or their initials (`zw`).
    Pinyin(String),
    /// A vocabulary name: Latin names only as whole words, Han names not
    /// inside any of the longer words that do not mean them.
    Alias {
        /// The folded name.
        name: String,
        /// Folded longer words that contain the name but do not mean it.
        not_words: Vec<String>,
    },
}

/// A cut of the original text around a match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The text shown, with `…` where it was cut.
    pub text: String,
    /// Char range of the match inside `text`.
    pub highlight: Option<(usize, usize)>,
}

fn char_index(text: &str, byte: usize) -> usize {
    text[..byte].chars().count()
}

fn find_substring(
    folded: &str,
    needle: &str,
    accept: impl Fn(usize, usize) -> bool,
) -> Option<(usize, usize)> {
    if needle.is_empty() {
        return None;
    }
    let mut from = 0;
    while let Some(found) = folded[from..].find(needle) {
        let byte = from + found;
        let start = char_index(folded, byte);
        let end = start + needle.chars().count();
        if accept(start, end) {
            return Some((start, end));
        }
        from = byte + needle.len();
    }
    None
}

/// The char range of the first match of any needle in `text`.
pub fn find(text: &str, needles: &[Needle]) -> Option<(usize, usize)> {
    let folded = fold(text);
    let chars: Vec<char> = folded.chars().collect();
    for needle in needles {
        let found = match needle {
            Needle::Substring(sub) => find_substring(&folded, sub, |_, _| true),
            Needle::Word(word) => runs(&folded)
                .into_iter()
                .find(|run| !run.is_cjk && normalize_word(run.text) == *word)
                .map(|run| (run.char_start, run.char_start + run.char_len)),
            Needle::Prefix(prefix) => runs(&folded)
                .into_iter()
                .find(|run| !run.is_cjk && run.text.starts_with(prefix.as_str()))
                .map(|run| (run.char_start, run.char_start + prefix.chars().count())),
            Needle::Pinyin(letters) => find_pinyin(&chars, letters),
            Needle::Alias { name, not_words } => find_substring(&folded, name, |start, end| {
                crate::vocab::is_whole_name(&chars, start, end, not_words)
            }),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

/// The first run of Han characters in `chars` whose readings spell
/// `letters`: each character one whole syllable, or only its first letter
/// (initials), the last one perhaps cut short.
fn find_pinyin(chars: &[char], letters: &str) -> Option<(usize, usize)> {
    /// Where the characters from `at` on that spell `rest` end. `failed`
    /// remembers (character, letters left) that spell nothing, so a long
    /// text costs its characters times the letters, not more.
    fn spell(
        chars: &[char],
        at: usize,
        rest: &str,
        failed: &mut std::collections::HashSet<(usize, usize)>,
    ) -> Option<usize> {
        if rest.is_empty() {
            return Some(at);
        }
        let c = *chars.get(at).filter(|c| crate::fold::is_cjk(**c))?;
        if failed.contains(&(at, rest.len())) {
            return None;
        }
        for reading in crate::analysis::readings(c) {
            if reading.starts_with(rest) {
                return Some(at + 1);
            }
            if let Some(after) = rest.strip_prefix(reading.as_str())
                && let Some(end) = spell(chars, at + 1, after, failed)
            {
                return Some(end);
            }
            if reading.chars().next() == rest.chars().next()
                && let Some(end) = spell(chars, at + 1, &rest[1..], failed)
            {
                return Some(end);
            }
        }
        failed.insert((at, rest.len()));
        None
    }
    if letters.is_empty() || !letters.is_ascii() {
        return None;
    }
    let mut failed = std::collections::HashSet::new();
    (0..chars.len())
        .find_map(|start| spell(chars, start, letters, &mut failed).map(|end| (start, end)))
}

/// Cuts the original text around a char range: up to `before` chars
/// before and `after` chars after the match.
pub fn cut(text: &str, range: Option<(usize, usize)>, before: usize, after: usize) -> Snippet {
    let chars: Vec<char> = text
        .chars()
        .map(|c| {
            if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let (start, end) = range.unwrap_or((0, 0));
    let from = start.saturating_sub(before);
    let to = (end + after).min(chars.len()).max(from);
    let mut out = String::new();
    let mut offset = 0;
    if from > 0 {
        out.push('…');
        offset = 1;
    }
    out.extend(&chars[from..to]);
    if to < chars.len() {
        out.push('…');
    }
    Snippet {
        text: out,
        highlight: range.map(|(s, e)| (s - from + offset, e - from + offset)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(name: &str, not_words: &[&str]) -> Needle {
        Needle::Alias {
            name: name.into(),
            not_words: not_words.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn finds_in_original_text() {
        type Row = (&'static str, Vec<Needle>, Option<(usize, usize)>);
        let table: Vec<Row> = vec![
            (
                "对方用IBM的計費系統",
                vec![Needle::Substring("计费".into())],
                Some((7, 9)),
            ),
            (
                "We went to the Theatre",
                vec![Needle::Word(normalize_word("theater"))],
                Some((15, 22)),
            ),
            ("uses HPE servers", vec![alias("hp", &[])], None),
            ("uses HP-UX and HPE", vec![alias("hp", &[])], Some((5, 7))),
            ("这让我联想到去年", vec![alias("联想", &["联想到"])], None),
            (
                "这让我联想到联想的电脑",
                vec![alias("联想", &["联想到"])],
                Some((6, 8)),
            ),
            // As you type: the letters typed at a word's start, and the Han
            // characters whose pinyin (or initials) they spell.
            (
                "Mongolia golf",
                vec![Needle::Prefix("gol".into())],
                Some((9, 12)),
            ),
            ("Mongolia", vec![Needle::Prefix("gol".into())], None),
            (
                "客户张伟",
                vec![Needle::Pinyin("zhangw".into())],
                Some((2, 4)),
            ),
            (
                "司马光明",
                vec![Needle::Pinyin("simag".into())],
                Some((0, 3)),
            ),
            ("司马光明", vec![Needle::Pinyin("smg".into())], Some((0, 3))),
            ("吕芳", vec![Needle::Pinyin("lvf".into())], Some((0, 2))),
            ("张伟", vec![Needle::Pinyin("zhangx".into())], None),
            ("Zhang", vec![Needle::Pinyin("zh".into())], None),
        ];
        for (text, needles, expected) in table {
            assert_eq!(find(text, &needles), expected, "{text}");
        }
    }

    #[test]
    fn cuts_with_ellipsis() {
        let snippet = cut("0123456789", Some((4, 5)), 2, 2);
        assert_eq!(snippet.text, "…23456…");
        assert_eq!(snippet.highlight, Some((3, 4)));
        assert_eq!(cut("abc", None, 2, 10).text, "abc");
    }
}
