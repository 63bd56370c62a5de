//! The configuration file: facet mappings, theme and key bindings. It lives
//! in the platform config directory (`~/.config/evscope/config.toml` on
//! Linux); evscope runs with defaults when there is none.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::inspect::Mappings;

pub mod contexts;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("{path}: cannot read the config file: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
}

/// Everything the config file may hold; every part is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The theme name (built-in or a file in the themes directory).
    #[serde(default)]
    pub theme: Option<String>,
    /// JSONPath mappings for facets, tried before the built-in ones.
    #[serde(default)]
    pub mappings: Mappings,
    /// More secret names and patterns for masking, over the built-ins.
    #[serde(default)]
    pub masking: crate::secrets::MaskingConfig,
    /// Key bindings per mode, over the defaults: `[keys.list] "x" = "replay"`.
    #[serde(default)]
    pub keys: toml::Table,
    /// The journal file (default: journal.jsonl in the platform state
    /// directory).
    #[serde(default)]
    pub journal: Option<std::path::PathBuf>,
    /// SQS settings: `[sqs] max_hold = "30s"`.
    #[serde(default)]
    pub sqs: SqsConfig,
    /// Contracts events are checked against: `contracts = "PATH"` or a
    /// list; relative paths are relative to the config file
    /// (`--contracts` wins).
    #[serde(default, deserialize_with = "one_or_many")]
    pub contracts: Vec<PathBuf>,
    /// Flows: `[flows] stuck_after = "10m"`, `terminal = ["AuthSucceeded"]`.
    #[serde(default)]
    pub flows: FlowsConfig,
    /// Contexts: `[contexts.NAME]` (see [`contexts`]).
    #[serde(default)]
    pub contexts: contexts::Contexts,
    /// The context opened when `--context` names none.
    #[serde(default)]
    pub default_context: Option<String>,
    /// The events table's columns: `[columns] show = [...]`, `width`,
    /// `[[columns.custom]] name = "amount" path = "$.body.data.amount"`.
    #[serde(default)]
    pub columns: crate::tui::columns::ColumnsConfig,
    /// Saved filters: `[filters] NAME = "EXPR"`.
    #[serde(default)]
    pub filters: std::collections::BTreeMap<String, String>,
}

/// A path or a list of paths.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(v) => v,
    })
}

/// The `[flows]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowsConfig {
    /// How old a flow's last event may be before the flow is stuck ("5m").
    #[serde(default)]
    pub stuck_after: Option<String>,
    /// The types that end a flow; empty: inferred (types never seen
    /// causing another).
    #[serde(default)]
    pub terminal: Vec<String>,
}

/// The `[sqs]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqsConfig {
    /// How long following may hold a message from the queue's consumers:
    /// a duration ("30s", "2m") or "forever" (`--max-hold` wins).
    #[serde(default)]
    pub max_hold: Option<String>,
}

impl Config {
    /// `sqs.max_hold`, checked: one line naming the key when it is bad.
    pub fn sqs_max_hold(&self) -> Result<Option<crate::backend::sqs::MaxHold>, String> {
        self.sqs
            .max_hold
            .as_deref()
            .map(crate::backend::sqs::MaxHold::parse)
            .transpose()
            .map_err(|e| format!("config sqs.max_hold: {e}"))
    }
}

impl Config {
    /// `flows.stuck_after`, checked: one line naming the key when it is bad.
    pub fn flows_stuck_after(&self) -> Result<Option<std::time::Duration>, String> {
        self.flows
            .stuck_after
            .as_deref()
            .map(|text| {
                humantime::parse_duration(text)
                    .map_err(|e| format!("config flows.stuck_after: bad duration `{text}`: {e}"))
            })
            .transpose()
    }
}

impl Config {
    /// The default config directory (`$XDG_CONFIG_HOME/evscope` on Linux).
    pub fn dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("EVSCOPE_CONFIG_DIR") {
            return Some(PathBuf::from(dir));
        }
        directories::ProjectDirs::from("", "", "evscope").map(|d| d.config_dir().to_path_buf())
    }

    /// Load `path`, or the default file when `path` is `None`. A missing
    /// default file means defaults; a missing named file is an error.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => match Self::dir() {
                Some(dir) => (dir.join("config.toml"), false),
                None => return Ok(Config::default()),
            },
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Config::default());
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let mut config = Self::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.clone(),
            message,
        })?;
        if let Some(dir) = path.parent() {
            config.contexts.resolve_paths(dir);
            for contracts in &mut config.contracts {
                if contracts.is_relative() {
                    *contracts = dir.join(&*contracts);
                }
            }
        }
        Ok(config)
    }

    /// Parse config text; the error is one line.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let message = e.message().trim().to_string();
            match e.span() {
                Some(span) => {
                    let line = text[..span.start].matches('\n').count() + 1;
                    format!("line {line}: {message}")
                }
                None => message,
            }
        })?;
        if let Some(name) = &config.default_context {
            config
                .contexts
                .get(name)
                .map_err(|e| format!("default_context: {e}"))?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contracts_are_one_path_or_a_list() {
        let one = Config::parse("contracts = \"c/asyncapi.yaml\"\n").unwrap();
        assert_eq!(one.contracts, vec![PathBuf::from("c/asyncapi.yaml")]);
        let many = Config::parse("contracts = [\"a\", \"/b\"]\n").unwrap();
        assert_eq!(
            many.contracts,
            vec![PathBuf::from("a"), PathBuf::from("/b")]
        );
    }

    #[test]
    fn empty_config_is_default() {
        let config = Config::parse("").unwrap();
        assert!(config.theme.is_none());
    }

    #[test]
    fn sqs_max_hold_is_read_and_checked() {
        let config = Config::parse("[sqs]\nmax_hold = \"2m\"\n").unwrap();
        assert_eq!(
            config.sqs_max_hold().unwrap(),
            Some(crate::backend::sqs::MaxHold::For(
                std::time::Duration::from_secs(120)
            ))
        );
        let bad = Config::parse("[sqs]\nmax_hold = \"soon\"\n").unwrap();
        assert!(
            bad.sqs_max_hold()
                .unwrap_err()
                .starts_with("config sqs.max_hold: bad max hold `soon`")
        );
    }

    #[test]
    fn flows_section_is_read_and_checked() {
        let config =
            Config::parse("[flows]\nstuck_after = \"1h 30m\"\nterminal = [\"AuthFailed\"]\n")
                .unwrap();
        assert_eq!(
            config.flows_stuck_after().unwrap(),
            Some(std::time::Duration::from_secs(5400))
        );
        assert_eq!(config.flows.terminal, ["AuthFailed"]);
        let bad = Config::parse("[flows]\nstuck_after = \"soon\"\n").unwrap();
        let err = bad.flows_stuck_after().unwrap_err();
        assert!(
            err.starts_with("config flows.stuck_after: bad duration `soon`"),
            "{err}"
        );
    }

    #[test]
    fn masking_section_parses() {
        let config =
            Config::parse("[masking]\nnames = [\"ssn\"]\npatterns = [\"EMP-[0-9]{6}\"]\n").unwrap();
        assert_eq!(config.masking.names, vec!["ssn".to_string()]);
        let policy = crate::secrets::Policy::new(&config.masking).unwrap();
        assert!(policy.is_secret_name("customer_ssn"));
        assert_eq!(
            policy.mask_text("badge EMP-123456 ok"),
            "badge …(10 chars) ok"
        );
        let bad = crate::secrets::MaskingConfig {
            patterns: vec!["(".into()],
            ..Default::default()
        };
        let err = crate::secrets::Policy::new(&bad).unwrap_err().to_string();
        assert!(
            err.starts_with("[masking] patterns: `(` is not a valid regular expression"),
            "{err}"
        );
        assert!(!err.contains('\n'));
    }

    #[test]
    fn unknown_key_is_reported_with_its_line() {
        let err = Config::parse("theme = \"dark\"\ncolour = 3\n").unwrap_err();
        assert!(err.starts_with("line 2: unknown field `colour`"), "{err}");
    }
}
