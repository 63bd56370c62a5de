//! Contexts on the command line: `--context NAME` fills in what the flags
//! did not give ([`Flags::settings`], also used by the terminal UI when it
//! switches), the production guard every operation that changes a source
//! passes ([`confirm_change`]), and `evscope contexts`.

use std::io::IsTerminal;

use anyhow::{Result, bail};

use super::Context;
use super::args::{Command, PulsarArgs, SqsArgs};
use super::output::Out;
use crate::backend::{PulsarOptions, SqsOptions};
use crate::config::Config;
use crate::config::contexts::{self, ContextConfig};
use crate::sanitize::escape;

/// The settings the command line gave, kept as given so that a context
/// can fill in the rest (again, when the terminal UI switches context).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// The SQS flags.
    pub sqs: SqsArgs,
    /// The Pulsar flags.
    pub pulsar: PulsarArgs,
    /// `--read-only`.
    pub read_only: bool,
    /// `--theme`.
    pub theme: Option<String>,
    /// The terminal UI's sources.
    pub sources: Vec<String>,
}

/// What a run uses once a context filled in the flags.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How to reach SQS.
    pub sqs: SqsOptions,
    /// How to reach Pulsar.
    pub pulsar: PulsarOptions,
    /// Operations that change sources are refused.
    pub read_only: bool,
    /// The theme named by the flag, the context or the config.
    pub theme: Option<String>,
    /// The sources to open (flags first, else the context's).
    pub sources: Vec<String>,
}

impl Flags {
    /// The settings with `context` filling in what the flags left unset
    /// (a flag, or the environment variable it reads, wins); `config`
    /// gives the last defaults (`[sqs] max_hold`, `theme`). `--read-only`
    /// or a read-only context makes the run read-only.
    pub fn settings(
        &self,
        context: Option<&ContextConfig>,
        config: &Config,
    ) -> Result<Settings, String> {
        let empty = ContextConfig::default();
        let c = context.unwrap_or(&empty);
        let sqs = &self.sqs;
        let max_hold = match sqs.max_hold.or(c.max_hold) {
            Some(hold) => Some(hold),
            None => config.sqs_max_hold()?,
        };
        let mut pulsar = self.pulsar.clone();
        let fill = |flag: &mut Option<String>, value: &Option<String>| {
            if flag.is_none() {
                flag.clone_from(value);
            }
        };
        fill(&mut pulsar.pulsar_oauth2_issuer, &c.pulsar_oauth2_issuer);
        fill(
            &mut pulsar.pulsar_oauth2_credentials,
            &c.pulsar_oauth2_credentials,
        );
        fill(
            &mut pulsar.pulsar_oauth2_audience,
            &c.pulsar_oauth2_audience,
        );
        fill(&mut pulsar.pulsar_admin_url, &c.pulsar_admin_url);
        pulsar.pulsar_token_file = pulsar
            .pulsar_token_file
            .or_else(|| c.pulsar_token_file.clone());
        pulsar.pulsar_ca = pulsar.pulsar_ca.or_else(|| c.pulsar_ca.clone());
        pulsar.pulsar_conf = pulsar.pulsar_conf.or_else(|| c.pulsar_conf.clone());
        pulsar.pulsar_timeout = pulsar.pulsar_timeout.or(c.pulsar_timeout);
        Ok(Settings {
            sqs: SqsOptions {
                profile: sqs.profile.clone().or_else(|| c.profile.clone()),
                region: sqs.region.clone().or_else(|| c.region.clone()),
                endpoint_url: sqs
                    .endpoint_url
                    .clone()
                    .or_else(|| c.endpoint_url.clone())
                    .filter(|u| !u.trim().is_empty()),
                visibility_timeout: sqs.visibility_timeout.or(c.visibility_timeout),
                keep_dedup_id: false,
                max_hold,
            },
            pulsar: pulsar.to_options(),
            read_only: self.read_only || c.starts_read_only(),
            theme: self
                .theme
                .clone()
                .or_else(|| c.theme.clone())
                .or_else(|| config.theme.clone()),
            sources: if self.sources.is_empty() {
                c.sources.clone()
            } else {
                self.sources.clone()
            },
        })
    }
}

/// The context a run is in.
#[derive(Debug, Clone, Default)]
pub struct Chosen {
    /// Its name (`None`: no context).
    pub name: Option<String>,
    /// A production context: changes ask for its name typed back.
    pub production: bool,
    /// `--confirm-context NAME`.
    pub confirm: Option<String>,
    /// The flags as given (the terminal UI fills them in again when it
    /// switches context).
    pub flags: Flags,
}

impl Chosen {
    /// The production context's name, when the run is in one.
    pub fn production_name(&self) -> Option<&str> {
        self.name.as_deref().filter(|_| self.production)
    }
}

/// The context `--context` (else `default_context`) names, if any; an
/// unknown name is one line listing the known ones.
pub fn pick<'c>(
    flag: Option<&str>,
    config: &'c Config,
) -> Result<Option<(String, &'c ContextConfig)>, String> {
    let Some(name) = flag.or(config.default_context.as_deref()) else {
        return Ok(None);
    };
    Ok(Some((name.to_string(), config.contexts.get(name)?)))
}

/// The production guard, in one place: every operation that changes a
/// source or a file passes here before it starts (the journal's intent is
/// written right after). In a production context it needs the context's
/// name: `--confirm-context NAME`, or typed back on a terminal; off a
/// terminal without the flag it is refused and nothing changes. A
/// `--confirm-context` that names another context than the one in effect
/// (or one when none is) is refused too: it says the user believes they
/// are somewhere they are not. `what` says what would happen.
pub fn confirm_change(context: &Context, what: &str) -> Result<()> {
    let chosen = &context.chosen;
    if let Some(typed) = &chosen.confirm {
        match &chosen.name {
            Some(name) if contexts::confirms(name, typed) => {}
            Some(name) => bail!(
                "--confirm-context {typed} does not name the context `{name}`: {what} refused, nothing was changed"
            ),
            None => bail!(
                "--confirm-context {typed} but no context is in effect (--context {typed}?): {what} refused, nothing was changed"
            ),
        }
    }
    let Some(name) = chosen.production_name() else {
        return Ok(());
    };
    match &context.chosen.confirm {
        Some(typed) if contexts::confirms(name, typed) => Ok(()),
        Some(typed) => bail!(
            "--confirm-context {typed} does not name the context `{name}`: {what} refused, nothing was changed"
        ),
        None if std::io::stdin().is_terminal() => {
            let question = format!(
                "Context `{}` is production: {}. Type the context's name to go on: ",
                escape(name),
                escape(what)
            );
            let Some(typed) = super::interrupt::answer(&question)? else {
                eprintln!();
                bail!("interrupted: {what} cancelled, nothing was changed");
            };
            if contexts::confirms(name, &typed) {
                Ok(())
            } else {
                bail!("that is not `{name}`: {what} cancelled, nothing was changed")
            }
        }
        None => bail!(
            "context `{name}` is production: {what} needs --confirm-context {name} besides --yes; nothing was changed"
        ),
    }
}

impl Command {
    /// The sources of a command that reads several, for a context to fill
    /// in when none is given.
    pub fn sources_mut(&mut self) -> Option<&mut Vec<String>> {
        match self {
            Command::Versions(args) => Some(&mut args.sources),
            Command::Contracts(super::args::ContractsCommand::Infer(args)) => {
                Some(&mut args.sources)
            }
            Command::Stats(args) => Some(&mut args.sources),
            Command::Flows(args) => Some(&mut args.sources),
            Command::Flow(args) => Some(&mut args.sources),
            Command::Graph(args) => Some(&mut args.sources),
            _ => None,
        }
    }
}

/// Fill in the sources of a command that reads several from the context;
/// one that still has none is an error naming what to give.
pub fn fill_sources(
    command: &mut Command,
    context: Option<&(String, &ContextConfig)>,
) -> Result<()> {
    let Some(sources) = command.sources_mut() else {
        return Ok(());
    };
    if !sources.is_empty() {
        return Ok(());
    }
    match context {
        Some((_, c)) if !c.sources.is_empty() => {
            sources.clone_from(&c.sources);
            Ok(())
        }
        Some((name, _)) => bail!(
            "no SOURCE given and the context `{name}` names none: give sources, or `sources = [...]` in [contexts.{name}]"
        ),
        None => {
            bail!("no SOURCE given: name at least one, or a context with sources (--context NAME)")
        }
    }
}

/// `evscope contexts`: every context of the config, the one in effect
/// marked with `*`.
pub(super) fn list(context: &Context) -> Result<i32> {
    let config = &context.config;
    let mut out = Out::new();
    if config.contexts.is_empty() {
        eprintln!("evscope: the config file defines no contexts ([contexts.NAME]; see the README)");
        return Ok(0);
    }
    let mut rows = vec![[
        " ".to_string(),
        "NAME".into(),
        "KIND".into(),
        "MODE".into(),
        "SOURCES".into(),
    ]];
    for (name, c) in config.contexts.iter() {
        let active = context.chosen.name.as_deref() == Some(name);
        rows.push([
            if active { "*" } else { " " }.to_string(),
            escape(name).into_owned(),
            if c.production { "production" } else { "-" }.into(),
            if c.starts_read_only() {
                "read-only"
            } else {
                "read-write"
            }
            .into(),
            escape(&c.sources.join(" ")).into_owned(),
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate().take(4) {
            line.push_str(&format!("{cell:<w$}  ", w = widths[i]));
        }
        line.push_str(&row[4]);
        if !out.line(line.trim_end())? {
            return Ok(0);
        }
    }
    out.flush()?;
    Ok(0)
}
