//! Making untrusted event text safe to show: escaping characters a terminal
//! would act on, and masking secrets. Every view and every line evscope
//! prints passes event text through here.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must never reach a terminal raw: C0 and C1 controls, DEL,
/// bidi controls, zero-width and other invisible format characters.
pub fn is_dangerous(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{ad}'
        | '\u{61c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}')
}

/// Whether `text` holds any dangerous character. Plain printable ASCII,
/// the common case, is settled by a byte scan without decoding characters.
pub fn has_dangerous(text: &str) -> bool {
    next_dangerous(text, 0).is_some()
}

/// The length of the run of plain printable ASCII (0x20..0x7f) `bytes`
/// start with. Checked 16 bytes at a time (a loop the compiler turns into
/// vector instructions), then byte by byte.
fn plain_ascii_len(bytes: &[u8]) -> usize {
    const CHUNK: usize = 16;
    let mut at = 0;
    for chunk in bytes.chunks_exact(CHUNK) {
        // `b - 0x20` wraps below 0x20: one comparison per byte.
        let unusual = chunk
            .iter()
            .fold(false, |any, b| any | (b.wrapping_sub(0x20) >= 0x5f));
        if unusual {
            break;
        }
        at += CHUNK;
    }
    at + bytes[at..]
        .iter()
        .position(|b| b.wrapping_sub(0x20) >= 0x5f)
        .unwrap_or(bytes.len() - at)
}

/// The byte offset and the character of the first dangerous character of
/// `text` at or after `from` (a character boundary). Runs of printable
/// ASCII are skipped without decoding characters.
fn next_dangerous(text: &str, from: usize) -> Option<(usize, char)> {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        at += plain_ascii_len(&bytes[at..]);
        // Everything before `at` is whole characters: `at` is a boundary.
        let c = text.get(at..)?.chars().next()?;
        if is_dangerous(c) {
            return Some((at, c));
        }
        at += c.len_utf8();
    }
}

/// `text` with every dangerous character written as a visible escape
/// (`\n`, `\t`, `\x1b`, `\u{202e}`). Borrows when nothing needs escaping.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !has_dangerous(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// `text` with its secrets masked by the policy ([`crate::secrets`]) and
/// then escaped: for text that is not an event's content but may quote one
/// or name a source (error messages, reports, status lines, dialogs), so
/// that a credential written in a URI never reaches a person.
pub fn escape_masked(text: &str) -> Cow<'_, str> {
    match crate::secrets::mask_text(text) {
        Cow::Borrowed(text) => escape(text),
        Cow::Owned(masked) => Cow::Owned(escape(&masked).into_owned()),
    }
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x100 && is_dangerous(c) => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_dangerous(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// Make serialized JSON safe for a terminal or a pipe without changing the
/// value it encodes: serde_json already escapes C0 controls inside strings,
/// this also escapes DEL, C1 controls, bidi and zero-width characters as
/// `\uXXXX`. Such characters can only occur inside JSON strings, so the
/// result decodes to the same value.
pub fn escape_json_text(json: &str) -> Cow<'_, str> {
    let Some(mut found) = next_dangerous(json, 0) else {
        return Cow::Borrowed(json);
    };
    let mut out = String::with_capacity(json.len() + 16);
    let mut copied = 0;
    loop {
        let (at, c) = found;
        out.push_str(&json[copied..at]);
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            let _ = write!(out, "\\u{:04x}", unit);
        }
        copied = at + c.len_utf8();
        match next_dangerous(json, copied) {
            Some(next) => found = next,
            None => break,
        }
    }
    out.push_str(&json[copied..]);
    Cow::Owned(out)
}

/// Prefixes that say what kind of credential a value is without giving any
/// of it away: a JWT or base64 JSON, an HTTP scheme word, an AWS key id,
/// provider token prefixes, a PEM block.
const KIND_MARKERS: &[&str] = &[
    "eyJ",
    "Bearer ",
    "Basic ",
    "Digest ",
    "Token ",
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
    "xoxs-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "AIza",
    "glpat-",
    "npm_",
    "hf_",
    "-----BEGIN ",
];

/// A masked form of a secret: its length and, when it is 16 characters or
/// longer and starts with a marker of its kind (`eyJ`, `Bearer `, `AKIA`,
/// `ghp_`…), that marker (`eyJ…(153 chars)`). Nothing of the secret itself
/// shows: a password never gives away its first characters (`…(18 chars)`).
pub fn mask_secret(secret: &str) -> String {
    let n = secret.chars().count();
    let marker = KIND_MARKERS
        .iter()
        .find(|m| n >= 16 && secret.starts_with(**m));
    match marker {
        Some(marker) => format!("{marker}…({n} chars)"),
        None => format!("…({n} chars)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_and_invisible_characters() {
        assert_eq!(escape("plain text é 日本"), "plain text é 日本");
        assert_eq!(escape("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape("title\x1b]0;pwned\x07"), "title\\x1b]0;pwned\\x07");
        assert_eq!(escape("line\r\nnext\t"), "line\\r\\nnext\\t");
        assert_eq!(escape("abc\u{202e}cba"), "abc\\u{202e}cba");
        assert_eq!(escape("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(escape("c1\u{9b}31m"), "c1\\x9b31m");
        assert_eq!(escape("del\u{7f}"), "del\\x7f");
    }

    #[test]
    fn escaped_text_has_no_control_bytes() {
        let hostile: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let safe = escape(&hostile);
        assert!(!safe.chars().any(is_dangerous));
        assert!(!safe.bytes().any(|b| b < 0x20 || b == 0x7f));
    }

    #[test]
    fn json_escape_keeps_the_value() {
        let value = serde_json::json!({"k": "a\u{7f}b\u{9b}c\u{202e}d\u{1F600}\u{e0001}"});
        let text = serde_json::to_string(&value).unwrap();
        let safe = escape_json_text(&text);
        assert!(!safe.chars().any(is_dangerous));
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn json_escape_escapes_exactly_the_dangerous_characters() {
        // Every dangerous character at every offset of a chunk, between
        // printable ASCII and other non-ASCII text.
        let dangerous: Vec<char> = (0u32..0xe0100)
            .filter_map(char::from_u32)
            .filter(|c| is_dangerous(*c))
            .collect();
        let fillers = [
            "",
            "a",
            "é",
            "日本",
            "0123456789abcdef",
            "x".repeat(37).leak(),
        ];
        for (i, c) in dangerous.iter().enumerate() {
            let before = fillers[i % fillers.len()].repeat(1 + i % 3);
            let after = fillers[(i / 3) % fillers.len()];
            let text = format!("{before}{c}{after}{c}");
            let mut units = [0u16; 2];
            let escaped: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("\\u{u:04x}"))
                .collect();
            assert_eq!(
                escape_json_text(&text),
                format!("{before}{escaped}{after}{escaped}"),
                "{c:?}"
            );
            assert!(has_dangerous(&text));
        }
        for text in fillers.iter().map(|f| f.repeat(5)) {
            assert!(matches!(escape_json_text(&text), Cow::Borrowed(_)));
            assert!(!has_dangerous(&text));
        }
    }

    #[test]
    fn masks_secrets() {
        let masked = mask_secret("eyJhbGciOiJIUzI1NiJ9.payload.signature");
        assert_eq!(masked, "eyJ…(38 chars)");
        // A password gives away none of its characters, however long.
        assert_eq!(mask_secret("snapshot-password-1"), "…(19 chars)");
        assert_eq!(mask_secret("ghp_0123456789abcdefghij"), "ghp_…(24 chars)");
        assert_eq!(mask_secret("short-secret"), "…(12 chars)");
        assert_eq!(mask_secret(""), "…(0 chars)");
        assert_eq!(mask_secret("\x1b[2Jabcdefghijklmnop"), "…(20 chars)");
    }
}
