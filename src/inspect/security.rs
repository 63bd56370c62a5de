//! The security facet: principal, token (JWTs decoded), signature, and the
//! paths of every secret found, so callers can mask them.
//!
//! Secrets never leave this module in clear: [`Token::value`] and
//! [`Security::signature`] hold [`crate::sanitize::mask_secret`] forms only.
//!
//! A token is a JWT when one of its dot-separated parts is base64url JSON
//! (`eyJ...`). Three parts are header, claims and signature. Fewer parts are
//! decoded as far as they go: two decodable parts are header and claims;
//! a lone decodable part (a header-less token such as `<claims>` or
//! `<claims>.<signature>`) is the claims, unless it looks like a JOSE header
//! (`alg` and no registered claim). The signature is never verified.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::dates;
use super::mappings::Compiled;
use super::path::{Found, Paths, Scope};
use super::{first_text, scalar_text};
use crate::model::{Jwt, Security, Token, TokenKind};
use crate::sanitize::mask_secret;
use crate::secrets::{Secret, SecretPath, Treatment};

/// base64url, with or without padding.
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Claims whose presence says a JSON object is a claims set, not a header.
const REGISTERED_CLAIMS: &[&str] = &["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// The security facet, or `None` when the event names no principal, token
/// or signature, and where the token is. Every value the token, signature
/// and password mappings find is appended to `secrets`.
pub(crate) fn security(
    scope: &mut Scope<'_>,
    m: &Compiled,
    now: DateTime<Utc>,
    secrets: &mut Vec<Secret>,
) -> (Option<Security>, Option<SecretPath>) {
    let mut token_path = None;
    let token = found_secrets(scope, &m.token, secrets).map(|(value, path, at)| {
        token_path = Some(at);
        make_token(&value, path, now)
    });
    let signature =
        found_secrets(scope, &m.signature, secrets).map(|(value, _, _)| mask_secret(&value));
    found_secrets(scope, &m.password, secrets);
    let principal = first_text(scope, &m.principal).or_else(|| jwt_subject(token.as_ref()));
    if principal.is_none() && token.is_none() && signature.is_none() {
        return (None, None);
    }
    let security = Security {
        principal,
        token,
        signature,
    };
    (Some(security), token_path)
}

/// Every scalar (non-blank string or number) the paths find is a secret:
/// its place goes into `secrets`. Returns the first, with its path as text
/// and as a structured path.
fn found_secrets(
    scope: &mut Scope<'_>,
    paths: &Paths,
    secrets: &mut Vec<Secret>,
) -> Option<(String, String, SecretPath)> {
    let mut first = None;
    for p in scope.candidates(paths) {
        scope.each(p, |text, path, found| {
            let Some(value) = scalar_text(&found) else {
                return;
            };
            let secret = Secret {
                path: path.clone(),
                treatment: Treatment::Whole,
            };
            if !path.0.is_empty() && !secrets.contains(&secret) {
                secrets.push(secret);
            }
            first.get_or_insert((value, text, path));
        });
    }
    first
}

fn jwt_subject(token: Option<&Token>) -> Option<String> {
    let claims = &token?.jwt.as_ref()?.claims;
    scalar_text(&Found::Ref(claims.get("sub")?))
}

/// A token from a found value: `Bearer ` prefix stripped, JWT decoded,
/// value masked. Numbers count (a numeric PIN or key is still a secret).
fn make_token(raw: &str, path: String, now: DateTime<Utc>) -> Token {
    let token = strip_bearer(raw);
    let jwt = decode_jwt(token, now);
    Token {
        kind: if jwt.is_some() {
            TokenKind::Jwt
        } else {
            TokenKind::Opaque
        },
        path,
        value: mask_secret(token),
        jwt,
    }
}

/// `Bearer x` (any case) -> `x`.
fn strip_bearer(raw: &str) -> &str {
    match raw.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => raw[7..].trim(),
        _ => raw,
    }
}

/// Decode a JWT as far as its parts decode; `None` when no part does.
pub(crate) fn decode_jwt(token: &str, now: DateTime<Utc>) -> Option<Jwt> {
    let mut parts = token.split('.');
    let (first, second) = (parts.next(), parts.next());
    let third = parts.next();
    if parts.next().is_some() {
        return None; // Five-part JWE or not a JWT at all: opaque.
    }
    let a = first.and_then(json_segment);
    let b = second.and_then(json_segment);
    let (header, claims) = match (a, b) {
        (a, b) if third.is_some() => (a, b),
        (Some(a), Some(b)) => (Some(a), Some(b)),
        (Some(only), None) | (None, Some(only)) if looks_like_header(&only) => (Some(only), None),
        (Some(only), None) | (None, Some(only)) => (None, Some(only)),
        (None, None) => (None, None),
    };
    if header.is_none() && claims.is_none() {
        return None;
    }
    let claims = claims.unwrap_or_default();
    let expires_at = claims
        .get("exp")
        .and_then(|exp| dates::number(&Found::Ref(exp)))
        .and_then(dates::from_epoch_auto);
    Some(Jwt {
        header: header.unwrap_or_default(),
        expired: expires_at.is_some_and(|exp| now > exp),
        claims,
        expires_at,
    })
}

/// A base64url part holding a JSON object (`eyJ` is base64 of `{"`).
fn json_segment(part: &str) -> Option<Map<String, Value>> {
    if !part.starts_with("eyJ") {
        return None;
    }
    let bytes = B64URL.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn looks_like_header(o: &Map<String, Value>) -> bool {
    o.contains_key("alg") && !REGISTERED_CLAIMS.iter().any(|c| o.contains_key(*c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0)
            .single()
            .expect("valid")
    }

    fn b64(v: &Value) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    }

    #[test]
    fn strips_bearer_prefix() {
        assert_eq!(strip_bearer("Bearer abc"), "abc");
        assert_eq!(strip_bearer("bearer   abc"), "abc");
        assert_eq!(strip_bearer("Basic abc"), "Basic abc");
        assert_eq!(strip_bearer("ñññ"), "ñññ");
    }

    #[test]
    fn decodes_three_part_jwt() {
        let token = format!(
            "{}.{}.c2lnbmF0dXJl",
            b64(&json!({"alg": "HS256", "typ": "JWT"})),
            b64(&json!({"sub": "alice", "exp": 1_700_000_000}))
        );
        let jwt = decode_jwt(&token, now()).expect("a jwt");
        assert_eq!(jwt.header.get("alg"), Some(&json!("HS256")));
        assert_eq!(jwt.claims.get("sub"), Some(&json!("alice")));
        assert_eq!(jwt.expires_at, Utc.timestamp_opt(1_700_000_000, 0).single());
        assert!(jwt.expired);
    }

    #[test]
    fn decodes_header_less_tokens() {
        // The seed article's bearer: claims only, no header, no signature.
        let seed = "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";
        let jwt = decode_jwt(seed, now()).expect("claims decode");
        assert!(jwt.header.is_empty());
        assert_eq!(jwt.claims.get("name"), Some(&json!("John Doe")));
        assert_eq!(jwt.expires_at, None);
        assert!(!jwt.expired);
        // Claims and a signature.
        let two = format!(
            "{}.c2ln",
            b64(&json!({"sub": "bob", "exp": 4_000_000_000_u64}))
        );
        let jwt = decode_jwt(&two, now()).expect("claims decode");
        assert_eq!(jwt.claims.get("sub"), Some(&json!("bob")));
        assert!(!jwt.expired);
    }

    #[test]
    fn opaque_tokens_are_not_jwts() {
        assert_eq!(decode_jwt("abc123", now()), None);
        assert_eq!(decode_jwt("eyJnot-base64!!", now()), None);
        assert_eq!(decode_jwt("a.b.c.d.e", now()), None);
        let token = make_token("Bearer opaque-token-1234567890", "$.body.t".into(), now());
        assert_eq!(token.kind, TokenKind::Opaque);
        assert_eq!(token.value, "…(23 chars)");
        assert_eq!(token.path, "$.body.t");
    }
}
