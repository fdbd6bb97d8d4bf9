//! Access tokens: made from the OS's random source, stored only as their
//! SHA-256, compared in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// Prefix of every token, so a token pasted where it should not be (a
/// chat, a repository) is recognisable by secret scanners and people.
const PREFIX: &str = "dsk_";

/// A new access token and the hash the team file keeps of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token, shown once to its person.
    pub secret: String,
    /// Hex SHA-256 of `secret`, for `token_sha256`.
    pub sha256_hex: String,
}

/// Makes a token of 32 bytes from the OS's random source (getrandom: the
/// kernel's generator, not a seeded one, so a token cannot be guessed from
/// another).
///
/// Fails with `Error::Io` when the OS gives no random bytes.
pub fn new_token() -> Result<Token> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::io(
            "the OS random source",
            std::io::Error::other(format!("{e} — cannot make a token without it")),
        )
    })?;
    let secret = format!("{PREFIX}{}", hex(&bytes));
    let sha256_hex = hash_hex(&secret);
    Ok(Token { secret, sha256_hex })
}

/// Hex SHA-256 of a token, as `token_sha256` holds it.
pub fn hash_hex(token: &str) -> String {
    hex(&sha256(token))
}

/// SHA-256 of a token.
pub(super) fn sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Compares two hashes in constant time.
pub(super) fn same_hash(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.ct_eq(b).into()
}

/// Reads 64 hex digits (any case) into a hash; `None` for anything else.
pub(super) fn parse_hash(text: &str) -> Option<[u8; 32]> {
    let text = text.trim().as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_hashes_to_its_hash_and_differs_every_time() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with(PREFIX) && a.secret.len() == PREFIX.len() + 64);
        assert_eq!(hash_hex(&a.secret), a.sha256_hex);
        assert_eq!(parse_hash(&a.sha256_hex), Some(sha256(&a.secret)));
    }

    #[test]
    fn hashes_parse_from_64_hex_digits_only() {
        // SHA-256 of "abc".
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hash_hex("abc"), abc);
        assert_eq!(parse_hash(&abc.to_uppercase()), Some(sha256("abc")));
        for bad in [
            "",
            "abc",
            &abc[..63],
            &format!("{abc}0"),
            &abc.replace('b', "g"),
        ] {
            assert_eq!(parse_hash(bad), None, "{bad}");
        }
        assert!(same_hash(&sha256("x"), &sha256("x")));
        assert!(!same_hash(&sha256("x"), &sha256("y")));
    }
}
