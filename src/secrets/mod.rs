//! What is secret, decided in one place.
//!
//! A value is secret when its **name** says so ([`names`]: any depth, in
//! attributes, system metadata, the body, JSON held in strings, header
//! maps and name/value pairs) or when the **value** looks like a
//! credential whatever its name ([`text`]: JWTs, auth scheme credentials,
//! PEM private keys, AWS keys, URL userinfo and secret query parameters,
//! provider token prefixes, `name=value` credentials in text, base64 that
//! hides any of these).
//!
//! [`find`] walks an event and returns where its secrets are, as
//! structured [`SecretPath`]s; [`mask`] hides them in a capture document.
//! [`mask_text`] hides the secrets of any text (error
//! messages, log lines, status lines, source URIs).
//!
//! The policy is the built-ins plus the config's `[masking] names` and
//! `patterns`, set once at start by [`configure`]; everything compiles once.

pub mod find;
pub mod mask;
mod memo;
pub mod names;
pub mod path;
pub mod text;

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

pub use find::find_secrets;
pub use mask::mask_document;
pub use path::{PathSegment, Secret, SecretPath, Treatment};

use crate::sanitize::mask_secret;
use names::NamePolicy;
use text::TextPolicy;

/// The `[masking]` section of the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskingConfig {
    /// More secret names, matched like the built-in ones.
    #[serde(default)]
    pub names: Vec<String>,
    /// Regular expressions whose matches in any text are secrets (the
    /// first capture group when there is one, else the whole match).
    #[serde(default)]
    pub patterns: Vec<String>,
}

/// A `[masking]` pattern that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[masking] patterns: `{pattern}` is not a valid regular expression: {reason}")]
pub struct PatternError {
    /// The pattern as written.
    pub pattern: String,
    /// The regex crate's reason, on one line.
    pub reason: String,
}

/// The compiled policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The name policy.
    pub names: NamePolicy,
    /// The value policy.
    pub text: TextPolicy,
}

impl Policy {
    /// The built-ins plus `config`.
    pub fn new(config: &MaskingConfig) -> Result<Policy, PatternError> {
        let patterns = config
            .patterns
            .iter()
            .map(|p| {
                Regex::new(p).map_err(|e| PatternError {
                    pattern: p.clone(),
                    reason: e
                        .to_string()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Policy {
            names: NamePolicy::new(&config.names),
            text: TextPolicy::new(patterns),
        })
    }

    /// The built-in policy only.
    pub fn builtin() -> Policy {
        Policy {
            names: NamePolicy::new(&[]),
            text: TextPolicy::new(Vec::new()),
        }
    }

    /// Whether `name` names a secret.
    pub fn is_secret_name(&self, name: &str) -> bool {
        self.names.is_secret(name)
    }

    /// Whether the value policy finds a secret in `text`.
    pub fn finds_in_text(&self, text: &str) -> bool {
        !self.text.spans(text, &self.names).is_empty()
    }

    /// `text` with every secret in it masked ([`mask_secret`] form).
    pub fn mask_text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let spans = self.text.spans(text, &self.names);
        if spans.is_empty() {
            if self.text.hides_secret_in_base64(text, &self.names) {
                return Cow::Owned(mask_secret(text));
            }
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for span in spans {
            out.push_str(&text[at..span.start]);
            out.push_str(&mask_secret(&text[span.clone()]));
            at = span.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }
}

static POLICY: OnceLock<Policy> = OnceLock::new();

/// Set the process-wide policy from the config. Only the first call counts
/// (the config is read once, at start); later calls are ignored.
pub fn configure(config: &MaskingConfig) -> Result<(), PatternError> {
    let policy = Policy::new(config)?;
    let _ = POLICY.set(policy);
    Ok(())
}

/// The process-wide policy: the configured one, or the built-ins.
pub fn policy() -> &'static Policy {
    POLICY.get_or_init(Policy::builtin)
}

/// `text` with every secret the policy finds in it masked: for error
/// messages, status lines, log lines and text bodies.
pub fn mask_text(text: &str) -> Cow<'_, str> {
    policy().mask_text(text)
}

#[cfg(test)]
mod tests;
