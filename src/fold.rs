//! Text folding shared by documents and queries: traditional → simplified
//! Chinese, full-width → ASCII, lowercase. One char in, one char out, so a
//! char offset in folded text is the same char offset in the original, and
//! folding a substring gives a substring of the folded whole.

use std::sync::LazyLock;

/// Highest code point folded (CJK Extension B and beyond are rare in
/// customer notes and, past this point, fold to themselves).
const TABLE_END: u32 = 0x3_0000;

/// The block of Han characters looked up directly: Extension A and the
/// unified ideographs, where nearly every traditional character lives.
const DENSE: std::ops::Range<u32> = 0x3400..0xA000;

/// Traditional → simplified, one character to one character, from OpenCC's
/// `TSCharacters` table as shipped by hanconv. Phrase-level conversion is
/// deliberately not used: it would make folding context-dependent and break
/// substring search.
///
/// Every one-shot search folds its query and snippets, so the table is
/// small to build: 54 KB for the dense block (0 = the character itself,
/// `ELSEWHERE` = look in the list) and a sorted list for the few pairs
/// outside it.
struct T2sTable {
    dense: Vec<u16>,
    sparse: Vec<(u32, u32)>,
}

/// Calls `pair(from, to)` for every single-character pair of
/// `TSCharacters` below `TABLE_END`, in the file's order (a later pair for
/// the same character wins).
fn for_each_t2s_pair(mut pair: impl FnMut(u32, u32)) {
    for (traditional, simplified) in hanconv::RawDictionary::TSCharacters.iter() {
        let mut from = traditional.chars();
        let mut to = simplified.chars();
        let (Some(from_char), None, Some(to_char), None) =
            (from.next(), from.next(), to.next(), to.next())
        else {
            continue;
        };
        if (from_char as u32) < TABLE_END {
            pair(from_char as u32, to_char as u32);
        }
    }
}

/// A dense entry whose character folds to one outside the block.
const ELSEWHERE: u16 = u16::MAX;

static T2S: LazyLock<T2sTable> = LazyLock::new(|| {
    let mut dense = vec![0u16; DENSE.len()];
    let mut sparse: Vec<(u32, u32)> = Vec::new();
    for_each_t2s_pair(|from, to| {
        let in_dense = DENSE.contains(&from);
        match u16::try_from(to) {
            Ok(to) if in_dense && to != 0 && to != ELSEWHERE => {
                dense[(from - DENSE.start) as usize] = to;
            }
            _ => {
                if in_dense {
                    dense[(from - DENSE.start) as usize] = ELSEWHERE;
                }
                sparse.push((from, to));
            }
        }
    });
    // A stable sort keeps the file's order, so the last pair of a
    // character wins, as in the dense block.
    sparse.sort_by_key(|&(from, _)| from);
    let mut last: Vec<(u32, u32)> = Vec::with_capacity(sparse.len());
    for (from, to) in sparse {
        match last.last_mut() {
            Some(previous) if previous.0 == from => previous.1 = to,
            _ => last.push((from, to)),
        }
    }
    T2sTable {
        dense,
        sparse: last,
    }
});

impl T2sTable {
    fn get(&self, code: u32) -> u32 {
        if DENSE.contains(&code) {
            match self.dense[(code - DENSE.start) as usize] {
                0 => code,
                ELSEWHERE => self.sparse_get(code),
                to => u32::from(to),
            }
        } else {
            self.sparse_get(code)
        }
    }

    fn sparse_get(&self, code: u32) -> u32 {
        match self.sparse.binary_search_by_key(&code, |&(from, _)| from) {
            Ok(i) => self.sparse[i].1,
            Err(_) => code,
        }
    }
}

/// Folds one character: the unit of every comparison in dossier.
pub fn fold_char(c: char) -> char {
    let code = c as u32;
    if code < 0x80 {
        return c.to_ascii_lowercase();
    }
    // Full-width ASCII forms and the ideographic space.
    if (0xFF01..=0xFF5E).contains(&code) {
        let ascii = char::from_u32(code - 0xFF01 + 0x21).expect("full-width range maps into ASCII");
        return ascii.to_ascii_lowercase();
    }
    if code == 0x3000 {
        return ' ';
    }
    if is_cjk(c) {
        return char::from_u32(T2S.get(code)).unwrap_or(c);
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// Folds a whole string, char for char.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// True for Han ideographs (CJK Unified Ideographs, Extension A, and the
/// compatibility block), the characters that are segmented rather than split
/// on spaces.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

/// True for characters that make up Latin-script words (letters and digits
/// of any alphabet except Han).
pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// A stable 64-bit hash (FNV-1a) for ids and file contents: stable across
/// Rust versions, unlike `DefaultHasher`, because it is stored in the index.
pub const fn stable_hash(bytes: &[u8]) -> u64 {
    stable_hash_more(0xcbf2_9ce4_8422_2325, bytes)
}

/// Goes on hashing from `hash`: hashing A then B this way equals hashing
/// their concatenation. A `const fn`, so tables compiled into dossier are
/// hashed at compile time, not by every search.
pub const fn stable_hash_more(mut hash: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// A fingerprint of the fold table's source, part of the analyzer version.
pub fn table_fingerprint() -> u64 {
    // Hashed once per process: every search checks the index's version.
    static FINGERPRINT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *FINGERPRINT.get_or_init(|| stable_hash(hanconv::RawDictionary::TSCharacters.text().as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(fold(input), expected, "fold({input:?})");
        assert_eq!(fold(input).chars().count(), input.chars().count());
    }

    #[test]
    fn folds_scripts_width_and_case() {
        for (input, expected) in [
            ("話劇", "话剧"),
            ("话剧", "话剧"),
            ("售後服務", "售后服务"),
            ("計費系統", "计费系统"),
            ("聯想", "联想"),
            ("臺北", "台北"),
            ("IBM", "ibm"),
            ("ＩＢＭ　惠普", "ibm 惠普"),
            ("Théâtre", "théâtre"),
            // Char-level folding takes the first reading: harmless, both sides fold alike.
            ("乾隆", "干隆"),
        ] {
            check(input, expected);
        }
    }

    #[test]
    fn substring_of_folded_is_folded_substring() {
        let whole = "對方目前用IBM的計費系統";
        let part = "計費";
        assert!(fold(whole).contains(&fold(part)));
    }

    #[test]
    fn the_table_folds_every_character_as_its_source_says() {
        let mut pairs = rustc_hash::FxHashMap::default();
        for_each_t2s_pair(|from, to| {
            pairs.insert(from, to);
        });
        assert!(pairs.len() > 2000, "TSCharacters: {} pairs", pairs.len());
        for code in 0..TABLE_END {
            let expected = pairs.get(&code).copied().unwrap_or(code);
            assert_eq!(T2S.get(code), expected, "U+{code:04X}");
        }
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(stable_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash(b"c001"), stable_hash(b"c001"));
        assert_ne!(stable_hash(b"c001"), stable_hash(b"c002"));
        assert_eq!(
            stable_hash_more(stable_hash(b"c0"), b"01"),
            stable_hash(b"c001")
        );
    }
}
