//! The value policy over text: the spans of a string that are credentials,
//! whatever field holds it.
//!
//! Detected: JWTs and other base64url JSON (`eyJ…`), the credential after
//! an auth scheme (`Bearer …`, `Basic …`), PEM private key bodies, AWS
//! access key ids (`AKIA…`, `ASIA…`) and 40-character secret keys in the
//! same text as one, the password of a URL's userinfo (`user:PASS@`),
//! secret query parameters (`?token=`, `access_token`, `sig`,
//! `X-Amz-Signature`, `key`...), common provider token prefixes (`ghp_`,
//! `gho_`, `xoxb-`, `xoxp-`, `sk_live_`, `AIza`, `glpat-`...), and the value
//! of `name=value` and `"name": "value"` pairs in text whose name the name
//! policy calls secret, and of `name: value` lines (a header line
//! `Authorization: Bearer …` is masked to the end of the line). Configured `[masking] patterns` are
//! masked too (their first capture group when they have one, else the whole
//! match).
//!
//! Every built-in detector needs one of a few ASCII words in the text; an
//! Aho-Corasick prefilter over those words settles most strings (names,
//! ids, dates, amounts) without running a regex.

use std::ops::Range;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};
use base64::Engine;
use regex::Regex;

use super::names::NamePolicy;

thread_local! {
    static SPANS: super::memo::Store<Vec<Range<usize>>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Words one of which every built-in detector needs (ASCII case-insensitive).
/// The first [`VALUE_TRIGGERS`] start a credential by themselves; the rest
/// are secret names, which matter only next to a `=` or `:`.
const TRIGGERS: &[&str] = &[
    "eyj",
    "bearer",
    "basic",
    "digest",
    "-----begin",
    "akia",
    "asia",
    "abia",
    "acca",
    "://",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xox",
    "sk_",
    "rk_",
    "sk-",
    "aiza",
    "glpat-",
    "npm_",
    "hf_",
    "token", // value triggers end here
    "pass",
    "pwd",
    "secret",
    "auth",
    "cookie",
    "credential",
    "key",
    "sig",
    "jwt",
    "otp",
    "pin",
];

/// How many of [`TRIGGERS`] (the first ones) are value triggers.
const VALUE_TRIGGERS: usize = 25;

/// A detector: a regex, and which of its groups is the secret (0: all).
#[derive(Debug, Clone)]
struct Detector {
    regex: Regex,
    group: usize,
    check: Check,
}

/// What a candidate must also satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Nothing more.
    None,
    /// An auth scheme's credential: long enough and not a plain word.
    Credential,
    /// The name in group 1 is secret to the name policy.
    SecretName,
    /// The query parameter name in group 1 is secret (name policy, or one
    /// of the query-only names).
    QueryName,
    /// Only when the text also holds an AWS access key id.
    NextToAwsKeyId,
}

/// Parameter names secret in a URL query but too common as field names.
const QUERY_NAMES: &[&str] = &["key", "code"];

/// The compiled value policy.
#[derive(Debug, Clone)]
pub struct TextPolicy {
    /// Identity for the per-thread memory of answers (see [`super::memo`]).
    id: u64,
    /// [`TRIGGERS`], ASCII case-insensitive, read byte by byte (see
    /// [`TextPolicy::triggered`]).
    triggers: DFA,
    /// Where reading a text starts.
    start: StateID,
    detectors: Vec<Detector>,
    aws_key_id: Regex,
    /// `[masking] patterns`: always run (no prefilter).
    extra: Vec<Detector>,
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("built-in pattern {pattern}: {e}"))
}

impl TextPolicy {
    /// The built-in detectors plus `patterns` (already compiled).
    pub fn new(patterns: Vec<Regex>) -> TextPolicy {
        let d = |pattern: &str, group: usize, check: Check| Detector {
            regex: regex(pattern),
            group,
            check,
        };
        let detectors = vec![
            // JWTs, and any base64(url) JSON object (`eyJ` is `{"`).
            d(
                r"eyJ[A-Za-z0-9_\-+/]{8,}=*(?:\.[A-Za-z0-9_\-+/=]*){0,2}",
                0,
                Check::None,
            ),
            // The credential after an auth scheme.
            d(
                r"(?i)\b(?:bearer|basic|digest|token)[ \t]+([A-Za-z0-9._~+/\-]+=*)",
                1,
                Check::Credential,
            ),
            // PEM private key bodies.
            d(
                r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----((?s:.*?))(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\z)",
                1,
                Check::None,
            ),
            // AWS access key ids.
            d(
                r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|AKPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}\b",
                0,
                Check::None,
            ),
            // AWS secret keys, in text that has a key id.
            d(
                r"(?:^|[^A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)",
                1,
                Check::NextToAwsKeyId,
            ),
            // URL userinfo password.
            d(
                r"(?i)\b[a-z][a-z0-9+.\-]*://[^/\s:@]*:([^/\s@]+)@",
                1,
                Check::None,
            ),
            // Secret query parameters.
            d(r"[?&;]([A-Za-z0-9_.\-]+)=([^&#\s]+)", 2, Check::QueryName),
            // Provider token prefixes.
            d(
                r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|AIza[0-9A-Za-z_\-]{30,}|glpat-[A-Za-z0-9_\-]{20,}|npm_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_\-]{20,}|hf_[A-Za-z0-9]{30,})",
                0,
                Check::None,
            ),
            // Header lines: `Authorization: Bearer …` to the end of the line.
            d(
                r"(?m)^[ \t]*([A-Za-z0-9_.\-]+)[ \t]*:[ \t]*([^\r\n]*[^\s])",
                2,
                Check::SecretName,
            ),
            // `name=value` pairs anywhere.
            d(
                r#"([A-Za-z_][A-Za-z0-9_.\-]*)["']?[ \t]*=[ \t]*["']?([^\s"'&,;<>]+)"#,
                2,
                Check::SecretName,
            ),
            // `"name": "value"` pairs (JSON-like text). An unquoted
            // `name: value` counts only at the start of a line (above), so
            // that prose such as "cannot get a token: connection refused"
            // keeps its words.
            d(
                r#"["']([A-Za-z_][A-Za-z0-9_.\- ]*)["'][ \t]*:[ \t]*("[^"\r\n]*"|'[^'\r\n]*'|[^\s"',;}&]+)"#,
                2,
                Check::SecretName,
            ),
        ];
        let triggers = DFA::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .start_kind(StartKind::Unanchored)
            .build(TRIGGERS)
            .unwrap_or_else(|e| unreachable!("plain words always build: {e}"));
        let start = triggers
            .start_state(Anchored::No)
            .unwrap_or_else(|e| unreachable!("an unanchored DFA starts unanchored: {e}"));
        let extra = patterns
            .into_iter()
            .map(|regex| Detector {
                group: usize::from(regex.captures_len() > 1),
                regex,
                check: Check::None,
            })
            .collect();
        TextPolicy {
            id: super::memo::next_id(),
            triggers,
            start,
            detectors,
            aws_key_id: regex(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
            extra,
        }
    }

    /// The byte ranges of `text` that are secrets, sorted and merged.
    pub fn spans(&self, text: &str, names: &NamePolicy) -> Vec<Range<usize>> {
        let triggered = self.triggered(text);
        if !triggered && self.extra.is_empty() {
            return Vec::new();
        }
        // Texts that wake a detector (a source URI) repeat from event to
        // event: their regex runs are remembered, per pair of policies.
        let id = self.id << 32 | names.id(); // ids stay far below 2^32
        super::memo::remembered(&SPANS, id, text, || self.spans_of(text, triggered, names))
    }

    /// [`TextPolicy::spans`], computed.
    fn spans_of(&self, text: &str, triggered: bool, names: &NamePolicy) -> Vec<Range<usize>> {
        let mut spans = Vec::new();
        if triggered {
            let aws = self.aws_key_id.is_match(text);
            for d in &self.detectors {
                if d.check == Check::NextToAwsKeyId && !aws {
                    continue;
                }
                self.collect(d, text, names, &mut spans);
            }
        }
        for d in &self.extra {
            self.collect(d, text, names, &mut spans);
        }
        merge(spans)
    }

    /// Whether a built-in detector may find something: a value trigger, or
    /// a secret name in text that has a `=` or `:`.
    fn triggered(&self, text: &str) -> bool {
        // Stepped by hand: most texts are a few bytes long, and the
        // crate's search costs several times reading them in setting up.
        // Every word ending at a byte is seen (one may overlap another:
        // `keyJhb…` is `key` and a token's `eyJ`).
        let dfa = &self.triggers;
        let mut state = self.start;
        let mut name = false;
        for &b in text.as_bytes() {
            state = dfa.next_state(Anchored::No, state, b);
            if dfa.is_special(state) && dfa.is_match(state) {
                let value = (0..dfa.match_len(state))
                    .any(|i| dfa.match_pattern(state, i).as_usize() < VALUE_TRIGGERS);
                if value {
                    return true;
                }
                name = true;
            }
        }
        name && text.bytes().any(|b| b == b'=' || b == b':')
    }

    fn collect(&self, d: &Detector, text: &str, names: &NamePolicy, spans: &mut Vec<Range<usize>>) {
        for caps in d.regex.captures_iter(text) {
            let Some(m) = caps.get(d.group) else { continue };
            // Empty, or already masked (`…(12 chars)`): nothing to hide.
            if m.as_str().is_empty() || m.as_str().starts_with('…') {
                continue;
            }
            let keep = match d.check {
                Check::None | Check::NextToAwsKeyId => true,
                Check::Credential => is_credential(m.as_str()),
                Check::SecretName => caps.get(1).is_some_and(|n| names.is_secret(n.as_str())),
                Check::QueryName => caps.get(1).is_some_and(|n| {
                    let n = n.as_str();
                    names.is_secret(n) || QUERY_NAMES.iter().any(|q| q.eq_ignore_ascii_case(n))
                }),
            };
            if keep {
                spans.push(m.range());
            }
        }
    }

    /// Whether the whole of `text` is base64 of UTF-8 text in which the
    /// policy finds a secret (a base64 body or value that hides one).
    pub fn hides_secret_in_base64(&self, text: &str, names: &NamePolicy) -> bool {
        if text.len() < 16 {
            return false; // shorter still once trimmed
        }
        let t = crate::model::trim(text);
        if t.len() < 16
            || !t
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_' | b'='))
        {
            return false;
        }
        let Some(decoded) = decode_base64(t) else {
            return false;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return false;
        };
        if !self.spans(&decoded, names).is_empty() {
            return true;
        }
        // A JSON document: its names count too.
        match serde_json::from_str::<serde_json::Value>(&decoded) {
            Ok(value @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                super::find::has_secret(&value, names, self)
            }
            _ => false,
        }
    }
}

/// Standard or URL-safe base64, padded or not.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    STANDARD
        .decode(text)
        .ok()
        .or_else(|| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok())
}

/// A credential after an auth scheme: at least 8 characters with a digit, a
/// symbol or an upper-case letter past the first, so that words
/// (`Bearer tokens are…`, `Basic Operations`) are not taken for one.
fn is_credential(candidate: &str) -> bool {
    candidate.len() >= 8
        && candidate
            .bytes()
            .enumerate()
            .any(|(i, b)| !b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_uppercase()))
}

/// Sort and merge overlapping or touching ranges.
fn merge(mut spans: Vec<Range<usize>>) -> Vec<Range<usize>> {
    if spans.len() < 2 {
        return spans;
    }
    spans.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(spans.len());
    for r in spans {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text wakes the detectors when a value trigger is anywhere in it,
    /// in any case, or a secret name is and so is a `=` or `:`: over texts
    /// and every one-byte change of them (a trigger overlapping another,
    /// as in `keyJhb…`, counts too).
    #[test]
    fn a_text_is_triggered_by_any_of_its_words() {
        let policy = TextPolicy::new(Vec::new());
        let spec = |text: &str| {
            let lower = text.to_ascii_lowercase();
            let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
            has(&TRIGGERS[..VALUE_TRIGGERS])
                || (has(&TRIGGERS[VALUE_TRIGGERS..]) && text.contains(['=', ':']))
        };
        let bytes: Vec<u8> = (0u8..128).collect();
        let (mut triggered, mut seen) = (0, 0);
        for text in [
            "keyJhbGciOi",
            "Bearer abc",
            "pass=1",
            "SEND_EMAIL",
            "https://x",
            "AKIA0123",
            "my-Token",
            "2026-11-20 08:00",
        ] {
            let changes = crate::model::lex::one_byte_changes(text, &bytes);
            for text in std::iter::once(text.to_owned()).chain(changes) {
                seen += 1;
                triggered += usize::from(spec(&text));
                assert_eq!(policy.triggered(&text), spec(&text), "{text:?}");
            }
        }
        assert!(
            triggered > 100 && triggered < seen - 100,
            "{triggered} of {seen}"
        );
    }
}
