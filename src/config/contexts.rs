//! Contexts, as k9s has them: `[contexts.NAME]` in the config file names a
//! set of sources and how to reach them (AWS profile, region and endpoint,
//! the Pulsar settings), a theme, `read_only` and `production`.
//! `evscope --context NAME` (or `default_context`) opens one; its settings
//! fill in what the command line did not give.
//!
//! Every key is the name of the global flag it stands for, with `_` for
//! `-` (`endpoint_url` for `--endpoint-url`), so nothing new is to be
//! learnt. Each key is read here by hand rather than by serde's derive,
//! so that a bad value names its context and key on one line
//! (`[contexts.prod] read_only: expected true or false, not "yes"`): a
//! derived error says "invalid type: string, expected a boolean" and
//! nothing of where.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::backend::sqs::MaxHold;

/// The keys a context may hold, in the order the README lists them.
pub const KEYS: &[&str] = &[
    "sources",
    "production",
    "read_only",
    "theme",
    "profile",
    "region",
    "endpoint_url",
    "visibility_timeout",
    "max_hold",
    "pulsar_token_file",
    "pulsar_oauth2_issuer",
    "pulsar_oauth2_credentials",
    "pulsar_oauth2_audience",
    "pulsar_ca",
    "pulsar_conf",
    "pulsar_admin_url",
    "pulsar_timeout",
];

/// One `[contexts.NAME]` table, checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextConfig {
    /// Sources and scopes to open (URIs as on the command line).
    pub sources: Vec<String>,
    /// A production context: the frame is drawn in the danger color, it
    /// starts read-only unless `read_only = false`, and every operation
    /// that changes a source asks for the context's name to be typed back.
    pub production: bool,
    /// Refuse operations that change sources (`None`: as `production`).
    pub read_only: Option<bool>,
    /// The terminal UI's theme.
    pub theme: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--visibility-timeout`, in seconds.
    pub visibility_timeout: Option<u32>,
    /// `--max-hold`.
    pub max_hold: Option<MaxHold>,
    /// `--pulsar-token-file` (relative to the config file).
    pub pulsar_token_file: Option<PathBuf>,
    /// `--pulsar-oauth2-issuer`.
    pub pulsar_oauth2_issuer: Option<String>,
    /// `--pulsar-oauth2-credentials` (relative to the config file).
    pub pulsar_oauth2_credentials: Option<String>,
    /// `--pulsar-oauth2-audience`.
    pub pulsar_oauth2_audience: Option<String>,
    /// `--pulsar-ca` (relative to the config file).
    pub pulsar_ca: Option<PathBuf>,
    /// `--pulsar-conf` (relative to the config file).
    pub pulsar_conf: Option<PathBuf>,
    /// `--pulsar-admin-url`.
    pub pulsar_admin_url: Option<String>,
    /// `--pulsar-timeout`.
    pub pulsar_timeout: Option<Duration>,
}

impl ContextConfig {
    /// Whether it starts read-only: as it says, else when it is production.
    pub fn starts_read_only(&self) -> bool {
        self.read_only.unwrap_or(self.production)
    }

    /// Read one table; the error names `name` and the key.
    fn read(name: &str, table: toml::Table) -> Result<ContextConfig, String> {
        let mut context = ContextConfig::default();
        for (key, value) in table {
            let bad = |expected: &str| {
                format!(
                    "[contexts.{name}] {key}: expected {expected}, not {}",
                    shown(&value)
                )
            };
            let text = || {
                value
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("text"))
            };
            let path = || text().map(PathBuf::from);
            match key.as_str() {
                "sources" => {
                    context.sources = match &value {
                        toml::Value::String(one) => vec![one.clone()],
                        toml::Value::Array(many) => many
                            .iter()
                            .map(|v| v.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                            .ok_or_else(|| bad("a list of source URIs"))?,
                        _ => return Err(bad("a source URI or a list of them")),
                    }
                }
                "production" => {
                    context.production = value.as_bool().ok_or_else(|| bad("true or false"))?
                }
                "read_only" => {
                    context.read_only = Some(value.as_bool().ok_or_else(|| bad("true or false"))?)
                }
                "theme" => context.theme = Some(text()?),
                "profile" => context.profile = Some(text()?),
                "region" => context.region = Some(text()?),
                "endpoint_url" => context.endpoint_url = Some(text()?),
                "visibility_timeout" => {
                    context.visibility_timeout = Some(
                        value
                            .as_integer()
                            .filter(|s| (2..=43200).contains(s))
                            .ok_or_else(|| bad("seconds from 2 to 43200"))?
                            as u32,
                    )
                }
                "max_hold" => {
                    let text = text()?;
                    context.max_hold = Some(
                        MaxHold::parse(&text)
                            .map_err(|e| format!("[contexts.{name}] max_hold: {e}"))?,
                    )
                }
                "pulsar_token_file" => context.pulsar_token_file = Some(path()?),
                "pulsar_oauth2_issuer" => context.pulsar_oauth2_issuer = Some(text()?),
                "pulsar_oauth2_credentials" => context.pulsar_oauth2_credentials = Some(text()?),
                "pulsar_oauth2_audience" => context.pulsar_oauth2_audience = Some(text()?),
                "pulsar_ca" => context.pulsar_ca = Some(path()?),
                "pulsar_conf" => context.pulsar_conf = Some(path()?),
                "pulsar_admin_url" => context.pulsar_admin_url = Some(text()?),
                "pulsar_timeout" => {
                    let range = crate::cli::TIMEOUT_RANGE;
                    let seconds = value
                        .as_float()
                        .or(value.as_integer().map(|i| i as f64))
                        .filter(|s| range.contains(s))
                        .ok_or_else(|| {
                            bad(&format!(
                                "seconds from {} to {}",
                                range.start(),
                                range.end()
                            ))
                        })?;
                    context.pulsar_timeout = Some(Duration::from_secs_f64(seconds))
                }
                "pulsar_token" => {
                    return Err(format!(
                        "[contexts.{name}] pulsar_token: a token is not kept in the config file; name a file with pulsar_token_file (or set EVSCOPE_PULSAR_TOKEN)"
                    ));
                }
                _ => {
                    return Err(format!(
                        "[contexts.{name}] unknown key `{key}` (keys: {})",
                        KEYS.join(", ")
                    ));
                }
            }
        }
        Ok(context)
    }

    /// Paths relative to the config file's directory `dir`.
    pub(crate) fn resolve_paths(&mut self, dir: &Path) {
        for path in [
            &mut self.pulsar_token_file,
            &mut self.pulsar_ca,
            &mut self.pulsar_conf,
        ]
        .into_iter()
        .flatten()
        {
            if path.is_relative() {
                *path = dir.join(&*path);
            }
        }
        if let Some(credentials) = &mut self.pulsar_oauth2_credentials {
            // A file:// URL or a path: only a relative path moves.
            if !credentials.contains("://") && Path::new(credentials).is_relative() {
                *credentials = dir.join(&*credentials).display().to_string();
            }
        }
    }
}

/// A config value as an error shows it (short, on one line).
fn shown(value: &toml::Value) -> String {
    let text = value.to_string();
    let text = text.replace('\n', " ");
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

/// The `[contexts]` tables by name, each checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contexts(BTreeMap<String, ContextConfig>);

impl<'de> Deserialize<'de> for Contexts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = BTreeMap::<String, toml::Value>::deserialize(d)?;
        let mut contexts = BTreeMap::new();
        for (name, value) in raw {
            if let Some(bad) = name_problem(&name) {
                return Err(D::Error::custom(format!(
                    "[contexts] `{name}`: a context name {bad}"
                )));
            }
            let toml::Value::Table(table) = value else {
                return Err(D::Error::custom(format!(
                    "contexts.{name}: expected a table ([contexts.{name}] with its keys)"
                )));
            };
            let context = ContextConfig::read(&name, table).map_err(D::Error::custom)?;
            contexts.insert(name, context);
        }
        Ok(Contexts(contexts))
    }
}

/// What is wrong with a context name, if anything: it is typed back to
/// confirm, so it must be printable and plain.
fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("may not be empty")
    } else if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("may not hold spaces or control characters")
    } else {
        None
    }
}

impl Contexts {
    /// The names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every context with its name, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextConfig)> {
        self.0.iter().map(|(n, c)| (n.as_str(), c))
    }

    /// The context named `name`; an unknown name is one line listing the
    /// known ones.
    pub fn get(&self, name: &str) -> Result<&ContextConfig, String> {
        self.0.get(name).ok_or_else(|| self.unknown(name))
    }

    fn unknown(&self, name: &str) -> String {
        if self.0.is_empty() {
            format!("unknown context `{name}`: the config file defines no [contexts.NAME]")
        } else {
            format!(
                "unknown context `{name}` (contexts: {})",
                self.names().join(", ")
            )
        }
    }

    pub(crate) fn resolve_paths(&mut self, dir: &Path) {
        for context in self.0.values_mut() {
            context.resolve_paths(dir);
        }
    }
}

/// Whether `typed` confirms an operation in the context `name`: exactly its
/// name, spaces around it aside (case counts: `Prod` does not confirm
/// `prod`).
pub fn confirms(name: &str, typed: &str) -> bool {
    typed.trim() == name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn a_context_reads_every_key() {
        let config = Config::parse(
            r#"
default_context = "staging"
[contexts.prod]
sources = ["sqs://orders", "sqs://orders-dlq"]
production = true
theme = "solarized"
profile = "prod"
region = "eu-west-1"
endpoint_url = "http://localhost:4566"
visibility_timeout = 60
max_hold = "2m"
pulsar_token_file = "/run/token"
pulsar_admin_url = "http://broker:8080"
pulsar_timeout = 2.5
[contexts.staging]
sources = "demo"
read_only = true
"#,
        )
        .unwrap();
        assert_eq!(config.default_context.as_deref(), Some("staging"));
        assert_eq!(config.contexts.names(), ["prod", "staging"]);
        let prod = config.contexts.get("prod").unwrap();
        assert_eq!(prod.sources, ["sqs://orders", "sqs://orders-dlq"]);
        assert!(prod.production && prod.starts_read_only());
        assert_eq!(prod.theme.as_deref(), Some("solarized"));
        assert_eq!(prod.region.as_deref(), Some("eu-west-1"));
        assert_eq!(prod.visibility_timeout, Some(60));
        assert_eq!(prod.max_hold, Some(MaxHold::For(Duration::from_secs(120))));
        assert_eq!(prod.pulsar_timeout, Some(Duration::from_millis(2500)));
        let staging = config.contexts.get("staging").unwrap();
        assert_eq!(staging.sources, ["demo"]);
        assert!(!staging.production && staging.starts_read_only());
    }

    #[test]
    fn production_starts_read_only_unless_it_says_otherwise() {
        let config =
            Config::parse("[contexts.a]\nproduction = true\nread_only = false\n[contexts.b]\n")
                .unwrap();
        assert!(!config.contexts.get("a").unwrap().starts_read_only());
        assert!(!config.contexts.get("b").unwrap().starts_read_only());
    }

    #[test]
    fn bad_keys_and_values_name_the_context_and_the_key() {
        let cases = [
            (
                "[contexts.prod]\nregoin = \"x\"\n",
                "[contexts.prod] unknown key `regoin` (keys: sources, production",
            ),
            (
                "[contexts.prod]\nread_only = \"yes\"\n",
                "[contexts.prod] read_only: expected true or false, not \"yes\"",
            ),
            (
                "[contexts.prod]\nsources = [1]\n",
                "[contexts.prod] sources: expected a list of source URIs, not [1]",
            ),
            (
                "[contexts.prod]\npulsar_timeout = 0\n",
                "[contexts.prod] pulsar_timeout: expected seconds from 0.1 to 3600, not 0",
            ),
            (
                "[contexts.prod]\nmax_hold = \"soon\"\n",
                "[contexts.prod] max_hold: bad max hold `soon`",
            ),
            (
                "[contexts.prod]\npulsar_token = \"eyJ\"\n",
                "[contexts.prod] pulsar_token: a token is not kept in the config file",
            ),
            ("[contexts]\nprod = 3\n", "contexts.prod: expected a table"),
            (
                "[contexts.\"my prod\"]\n",
                "[contexts] `my prod`: a context name may not hold spaces",
            ),
        ];
        for (text, expected) in cases {
            let error = Config::parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
            assert!(!error.contains('\n'), "{error}");
        }
    }

    #[test]
    fn an_unknown_context_lists_the_known_ones() {
        let config = Config::parse("[contexts.prod]\n[contexts.local]\n").unwrap();
        assert_eq!(
            config.contexts.get("prd").unwrap_err(),
            "unknown context `prd` (contexts: local, prod)"
        );
        assert_eq!(
            Config::default().contexts.get("prod").unwrap_err(),
            "unknown context `prod`: the config file defines no [contexts.NAME]"
        );
        let bad = Config::parse("default_context = \"nope\"\n[contexts.prod]\n").unwrap_err();
        assert!(
            bad.contains("default_context: unknown context `nope` (contexts: prod)"),
            "{bad}"
        );
    }

    /// The README's example config loads as it is written.
    #[test]
    fn the_readme_config_example_loads() {
        let readme = include_str!("../../README.md");
        let section = &readme[readme.find("## Configuration").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let text = &section[start..start + section[start..].find("```").unwrap()];
        let config = Config::parse(text).unwrap();
        assert_eq!(config.contexts.names(), ["prod", "staging"]);
        assert_eq!(config.default_context.as_deref(), Some("staging"));
        crate::inspect::Inspector::new(&config.mappings).unwrap();
    }

    #[test]
    fn only_the_exact_name_confirms() {
        assert!(confirms("prod", "prod"));
        assert!(confirms("prod", " prod\n"));
        assert!(!confirms("prod", "Prod"));
        assert!(!confirms("prod", "pro"));
        assert!(!confirms("prod", "prod2"));
        assert!(!confirms("prod", ""));
    }

    #[test]
    fn relative_paths_are_relative_to_the_config_file() {
        let mut context = ContextConfig {
            pulsar_ca: Some("certs/ca.pem".into()),
            pulsar_conf: Some("/etc/pulsar/client.conf".into()),
            pulsar_oauth2_credentials: Some("creds.json".into()),
            ..Default::default()
        };
        context.resolve_paths(Path::new("/home/me/.config/evscope"));
        assert_eq!(
            context.pulsar_ca,
            Some("/home/me/.config/evscope/certs/ca.pem".into())
        );
        assert_eq!(context.pulsar_conf, Some("/etc/pulsar/client.conf".into()));
        assert_eq!(
            context.pulsar_oauth2_credentials.as_deref(),
            Some("/home/me/.config/evscope/creds.json")
        );
    }
}
