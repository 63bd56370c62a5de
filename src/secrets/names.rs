//! The name policy: whether a field, attribute, header or query parameter
//! name says its value is a secret.
//!
//! A name is compared after *normalizing* it: ASCII letters lowercased, and
//! ASCII punctuation (`-`, `_`, `.`, quotes, brackets...), white space and
//! invisible characters (zero-width, bidi, other format characters)
//! dropped, so `X-Api-Key`, `x_api_key`, `XAPIKEY` and `x\u{200b}-api-key`
//! are all `xapikey`, and `user[password]` and `"password"` end with
//! `password`.
//!
//! A name is secret when it **ends** with a secret word, optionally followed
//! by a storage suffix ([`TAILS`]: `hash`, `value`, `b64`, digits...), e.g.
//! `db_password`, `passwordHash`, `x-amz-security-token`, `Set-Cookie`,
//! `refresh_token`, `private_key`, `client_secret`. A word followed by
//! anything else names something *about* a secret, not the secret:
//! `tokenType`, `passwordExpiresAt`, `secretName`, `authorName`
//! (`auth` + `orname`) are not masked. Short words that are also pieces of
//! ordinary words (`auth`, `pass`, `pwd`, `pin`, `sig`, `otp`) must moreover
//! start a word of the name: the name's start, or after a separator, a
//! lower-to-upper case change or a digit (`db_pass`, `dbPass`, `xAuth`, but
//! not `bypass`, `spin`, `config`).
//!
//! Written by hand over an Aho-Corasick automaton rather than as a regex:
//! the check runs for every key of every event, and normalizing plus one
//! automaton pass over a short key is a few tens of nanoseconds.

use std::cell::RefCell;

use aho_corasick::{AhoCorasick, MatchKind};

/// Secret words matched anywhere in a normalized name (then checked for
/// their tail).
const WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "passcode",
    "secret",
    "token",
    "cookie",
    "credential",
    "authorization",
    "apikey",
    "accesskey",
    "privatekey",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "sessionkey",
    "bearer",
    "jwt",
    "signature",
];

/// Short secret words: must also start a word of the name.
const SHORT_WORDS: &[&str] = &["auth", "pass", "pwd", "pin", "sig", "otp", "cvv", "cvc"];

/// What may follow a secret word at the end of a name.
pub const TAILS: &[&str] = &[
    "",
    "s",
    "hash",
    "hashed",
    "value",
    "values",
    "val",
    "data",
    "string",
    "str",
    "text",
    "plain",
    "plaintext",
    "raw",
    "encrypted",
    "enc",
    "b64",
    "base64",
    "hex",
    "header",
    "headers",
    "key",
    "code",
];

/// Compiled name policy: built-in words plus configured ones.
#[derive(Debug, Clone)]
pub struct NamePolicy {
    /// Identity for the per-thread memory of answers (see [`super::memo`]).
    id: u64,
    automaton: AhoCorasick,
    /// Per pattern id: whether the word must start a word of the name.
    at_word_start: Vec<bool>,
}

impl NamePolicy {
    /// The built-in words plus `extra` names (from `[masking] names`), which
    /// are normalized and matched like short words.
    pub fn new(extra: &[String]) -> NamePolicy {
        let mut words: Vec<String> = WORDS.iter().map(|w| w.to_string()).collect();
        let mut at_word_start = vec![false; words.len()];
        for w in SHORT_WORDS {
            words.push(w.to_string());
            at_word_start.push(true);
        }
        for name in extra {
            let (mut normalized, mut starts) = (Vec::new(), Vec::new());
            normalize(name, &mut normalized, &mut starts);
            if !normalized.is_empty() {
                words.push(String::from_utf8_lossy(&normalized).into_owned());
                at_word_start.push(true);
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&words)
            .unwrap_or_else(|e| unreachable!("plain words always build: {e}"));
        NamePolicy {
            id: super::memo::next_id(),
            automaton,
            at_word_start,
        }
    }

    /// Whether `name` names a secret (see the module documentation).
    pub fn is_secret(&self, name: &str) -> bool {
        if name.len() < 3 {
            return false;
        }
        // This runs for every key of every event: the same few names.
        super::memo::remembered(&ANSWERS, self.id, name, || {
            // Reused buffers.
            NORMALIZED.with(|cell| {
                let mut buffers = cell.borrow_mut();
                let (normalized, starts) = &mut *buffers;
                normalize(name, normalized, starts);
                self.matches(normalized, starts)
            })
        })
    }

    /// The identity its answers are remembered under.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    fn matches(&self, normalized: &[u8], starts: &[usize]) -> bool {
        for m in self.automaton.find_overlapping_iter(normalized) {
            if !is_tail(&normalized[m.end()..]) {
                continue;
            }
            if self.at_word_start[m.pattern().as_usize()] && !starts.contains(&m.start()) {
                continue;
            }
            return true;
        }
        false
    }
}

thread_local! {
    static ANSWERS: super::memo::Store<bool> = const { RefCell::new(Vec::new()) };
    static NORMALIZED: RefCell<(Vec<u8>, Vec<usize>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

fn is_tail(tail: &[u8]) -> bool {
    tail.iter().all(u8::is_ascii_digit) || TAILS.iter().any(|t| t.as_bytes() == tail)
}

/// Whether `c` is dropped when normalizing a name.
fn is_separator(c: char) -> bool {
    c.is_ascii_punctuation() || c.is_ascii_whitespace() || crate::sanitize::is_dangerous(c)
}

/// Write the normalized name into `out` and the positions in it where a
/// word starts into `starts`.
fn normalize(name: &str, out: &mut Vec<u8>, starts: &mut Vec<usize>) {
    out.clear();
    starts.clear();
    starts.push(0);
    let mut prev: Option<char> = None;
    let mut after_separator = false;
    for c in name.chars() {
        if is_separator(c) {
            after_separator = true;
            continue;
        }
        let boundary = after_separator
            || match prev {
                Some(p) => {
                    (p.is_lowercase() && c.is_uppercase())
                        || (p.is_ascii_digit() != c.is_ascii_digit())
                }
                None => false,
            };
        if boundary && !out.is_empty() {
            starts.push(out.len());
        }
        after_separator = false;
        prev = Some(c);
        let lower = c.to_ascii_lowercase();
        let mut buf = [0u8; 4];
        out.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_in_every_spelling() {
        let p = NamePolicy::new(&[]);
        for name in [
            "password",
            "Password",
            "PASSWD",
            "pwd",
            "db_password",
            "passwordHash",
            "x-amz-security-token",
            "Proxy-Authorization",
            "AUTHORIZATION",
            "Set-Cookie",
            "Cookie",
            "X-Api-Key",
            "x_api_key",
            "XAPIKEY",
            "refresh_token",
            "private_key",
            "secret",
            "client_secret",
            "auth",
            "X-Auth-Token",
            "xAuth",
            "db_pass",
            "dbPass",
            "aws_secret_access_key",
            "SecretAccessKey",
            "pass\u{200b}word",
            "pass word",
            "credentials",
            "api key",
            "pin",
            "sig",
            "password2",
            "pinCode",
            "authCode",
            "jwt",
            "user[password]",
            "\"password\"",
            "'token'",
            "password!",
            "$secret",
            "auth/token",
        ] {
            assert!(p.is_secret(name), "{name} should be secret");
        }
    }

    #[test]
    fn ordinary_names_are_not_secrets() {
        let p = NamePolicy::new(&[]);
        for name in [
            "author",
            "authorName",
            "authority",
            "authenticated",
            "tokenType",
            "token_type",
            "passwordExpiresAt",
            "secretName",
            "secretArn",
            "AccessKeyId",
            "bypass",
            "compass",
            "passenger",
            "passport",
            "spin",
            "config",
            "shipping",
            "key",
            "id",
            "name",
            "",
            "signatureVersion",
            "authType",
            "token:type",
            "[tokenType]",
        ] {
            assert!(!p.is_secret(name), "{name} should not be secret");
        }
    }

    #[test]
    fn configured_names_add_to_the_builtins() {
        let p = NamePolicy::new(&["SSN".into(), "card-number".into()]);
        assert!(p.is_secret("ssn"));
        assert!(p.is_secret("customer_ssn"));
        assert!(p.is_secret("cardNumber"));
        assert!(!p.is_secret("lessn"));
        assert!(p.is_secret("password"));
    }
}
