//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

/// evscope: inspect, filter, replay and redrive events in SQS queues,
/// Pulsar topics and JSONL captures.
///
/// With no command it opens the terminal UI on the given sources (the
/// bundled demo when none is given).
#[derive(Debug, Parser)]
#[command(name = "evscope", version, about, long_about = None)]
#[command(
    after_help = "SOURCE is a file path, file:PATH, - (stdin), demo, sqs://QUEUE or pulsar://HOST:PORT/TOPIC.\nExit codes: 0 ok, 1 found expired/malformed events or an operation left events behind, 2 bad input (also unreadable lines), a refused operation or one that stopped early."
)]
pub struct Cli {
    /// Sources to open in the terminal UI.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Refuse every operation that changes a source (replay, redrive,
    /// delete, purge); dry runs are allowed.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Do not journal operations that change sources or targets (the
    /// journal still notes that one ran unjournaled).
    #[arg(long, global = true)]
    pub no_journal: bool,
    /// Config file (default: the platform config directory's evscope/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Check events against these contracts: a directory of JSON Schema
    /// files (TYPE/VERSION.json) or an AsyncAPI 2/3 document. Repeatable;
    /// replaces the config's `contracts`.
    #[arg(long, global = true, value_name = "PATH")]
    pub contracts: Vec<PathBuf>,
    /// Theme for the terminal UI (dark, light, high-contrast, solarized, or a user theme).
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Log what evscope does (-v: connections, retries, plans, counts; -vv:
    /// debug). Commands log to stderr, the terminal UI to its log file.
    /// EVSCOPE_LOG (or RUST_LOG) takes a filter instead, e.g. `debug`.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Open the config's [contexts.NAME]: its sources and settings fill in
    /// what the flags do not give (default: the config's default_context).
    #[arg(long, global = true, value_name = "NAME", env = "EVSCOPE_CONTEXT")]
    pub context: Option<String>,
    /// In a production context, the context's name: with --yes, lets an
    /// operation that changes a source run off a terminal.
    #[arg(long, global = true, value_name = "NAME")]
    pub confirm_context: Option<String>,
    #[command(flatten)]
    pub sqs: SqsArgs,
    #[command(flatten)]
    pub pulsar: PulsarArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parse the process arguments. `--help` and `--version` print and exit
    /// 0; an argument error prints one line on stderr and exits 2.
    pub fn parse_args() -> Cli {
        let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
        match Cli::try_parse_from(&args) {
            Ok(cli) => cli,
            Err(error) => match one_line_error(&error, &args) {
                Some(line) => {
                    eprintln!("evscope: {}", crate::sanitize::escape(&line));
                    std::process::exit(super::EXIT_ERROR);
                }
                None => error.exit(),
            },
        }
    }
}

/// A clap error as one line (without the `evscope: ` prefix): clap's
/// error, tip and usage lines folded into what went wrong and where to
/// read more. `None` for help and version, which are not errors. `args`
/// are the arguments parsed (with the program name), to name the command.
pub fn one_line_error<T: AsRef<std::ffi::OsStr>>(
    error: &clap::Error,
    args: &[T],
) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return None;
    }
    let rendered = error.render().to_string();
    // "Usage: evscope peek [OPTIONS] <SOURCE>" names the command.
    let command = rendered
        .lines()
        .find_map(|l| l.trim().strip_prefix("Usage: "))
        .map(|usage| {
            usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| {
            let commands = Cli::command();
            let named = args.iter().skip(1).find_map(|a| {
                let a = a.as_ref().to_str()?;
                commands
                    .find_subcommand(a)
                    .map(|c| c.get_name().to_string())
            });
            named.map_or_else(|| "evscope".into(), |c| format!("evscope {c}"))
        });
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) => v.first().cloned(),
        _ => None,
    };
    let what = match (error.kind(), context(ContextKind::InvalidArg)) {
        (ErrorKind::UnknownArgument, Some(arg)) => {
            let noun = if arg.starts_with('-') {
                "unknown option"
            } else {
                "unexpected argument"
            };
            match context(ContextKind::SuggestedArg) {
                Some(suggested) => format!("{noun} {arg} (did you mean {suggested}?)"),
                None => format!("{noun} {arg}"),
            }
        }
        _ => rendered
            .lines()
            .map(str::trim)
            .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
            .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
            .collect::<Vec<_>>()
            .join(" ")
            .trim_start_matches("error: ")
            .to_string(),
    };
    Some(format!("{what} (see {command} --help)"))
}

/// Pulsar connection flags. Defaults come from the environment variable
/// named in each flag, then from client.conf (--pulsar-conf or
/// $PULSAR_CLIENT_CONF: brokerServiceUrl, webServiceUrl, authPlugin,
/// authParams, tlsTrustCertsFilePath).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Pulsar")]
pub struct PulsarArgs {
    /// JWT to authenticate to Pulsar with.
    #[arg(
        long,
        global = true,
        env = "EVSCOPE_PULSAR_TOKEN",
        value_name = "JWT",
        hide_env_values = true
    )]
    pub pulsar_token: Option<String>,
    /// File holding the JWT.
    #[arg(
        long,
        global = true,
        env = "EVSCOPE_PULSAR_TOKEN_FILE",
        value_name = "FILE"
    )]
    pub pulsar_token_file: Option<PathBuf>,
    /// OAuth2 issuer URL (client-credentials flow).
    #[arg(
        long,
        global = true,
        env = "EVSCOPE_PULSAR_OAUTH2_ISSUER",
        value_name = "URL"
    )]
    pub pulsar_oauth2_issuer: Option<String>,
    /// OAuth2 credentials file: JSON with client_id and client_secret.
    #[arg(
        long,
        global = true,
        env = "EVSCOPE_PULSAR_OAUTH2_CREDENTIALS",
        value_name = "FILE"
    )]
    pub pulsar_oauth2_credentials: Option<String>,
    /// OAuth2 audience.
    #[arg(
        long,
        global = true,
        env = "EVSCOPE_PULSAR_OAUTH2_AUDIENCE",
        value_name = "AUDIENCE"
    )]
    pub pulsar_oauth2_audience: Option<String>,
    /// PEM file of the CA that signed the broker's certificate (pulsar+ssl://).
    #[arg(long, global = true, env = "EVSCOPE_PULSAR_CA", value_name = "FILE")]
    pub pulsar_ca: Option<PathBuf>,
    /// Pulsar client.conf to take defaults from.
    #[arg(long, global = true, env = "PULSAR_CLIENT_CONF", value_name = "FILE")]
    pub pulsar_conf: Option<PathBuf>,
    /// Pulsar admin REST URL (http://HOST:8080), for subscription backlogs.
    #[arg(
        long,
        global = true,
        env = "EVSCOPE_PULSAR_ADMIN_URL",
        value_name = "URL"
    )]
    pub pulsar_admin_url: Option<String>,
    /// Seconds allowed for connecting to Pulsar and for each operation
    /// (0.1 to 3600) [default: 5].
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        value_parser = parse_timeout,
        allow_negative_numbers = true
    )]
    pub pulsar_timeout: Option<std::time::Duration>,
    /// Durable subscription a Pulsar redrive acknowledges moved messages on.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = "evscope-redrive"
    )]
    pub redrive_subscription: String,
}

impl PulsarArgs {
    /// The backend options these flags give.
    pub fn to_options(&self) -> crate::backend::PulsarOptions {
        use crate::backend::pulsar::OAuth2Options;
        crate::backend::PulsarOptions {
            token: self.pulsar_token.clone(),
            token_file: self.pulsar_token_file.clone(),
            oauth2: match (&self.pulsar_oauth2_issuer, &self.pulsar_oauth2_credentials) {
                (Some(issuer), Some(credentials)) => Some(OAuth2Options {
                    issuer_url: issuer.clone(),
                    credentials: credentials.clone(),
                    audience: self.pulsar_oauth2_audience.clone(),
                    scope: None,
                }),
                _ => None,
            },
            ca_file: self.pulsar_ca.clone(),
            allow_insecure: false,
            conf: self.pulsar_conf.clone(),
            admin_url: self.pulsar_admin_url.clone(),
            redrive_subscription: Some(self.redrive_subscription.clone()),
            start: Default::default(),
            timeout: self.pulsar_timeout,
        }
    }
}

/// The shortest and longest `--pulsar-timeout`, in seconds.
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<f64> = 0.1..=3600.0;

/// `--pulsar-timeout`: seconds as a number within [`TIMEOUT_RANGE`]. Checked
/// here, where the value enters, so no later conversion can overflow
/// (`Duration::from_secs_f64` panics on NaN, infinities and huge values).
fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let range = format!(
        "give seconds from {} to {}",
        TIMEOUT_RANGE.start(),
        TIMEOUT_RANGE.end()
    );
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("not a number of seconds: {range}"))?;
    if !TIMEOUT_RANGE.contains(&seconds) {
        return Err(format!("out of range: {range}"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print events as capture lines (JSON Lines), secrets masked.
    Peek(PeekArgs),
    /// Summarize a source: totals, expired, malformed by reason, contracts,
    /// types and versions with their shapes (distinct field sets).
    /// Exits 1 when it finds expired or malformed events (contract
    /// violations included, unless --contracts-advisory).
    Check(CheckArgs),
    /// Write a source to a capture file, bodies exact, for replaying later.
    Export(ExportArgs),
    /// Send copies of events to a target; the source is untouched.
    Replay(ReplayArgs),
    /// Move events out of a dead-letter queue back to their source (or --to).
    Redrive(RedriveArgs),
    /// List SQS queues: visible, in-flight and delayed counts, FIFO flag,
    /// dead-letter links both ways.
    Queues(QueuesArgs),
    /// Delete chosen events from a source (by --ids or --filter).
    Delete(DeleteArgs),
    /// Delete every event of a source.
    Purge(PurgeArgs),
    /// List the topics of a Pulsar namespace: partitions, dead-letter and
    /// retry links, and subscription backlogs with --pulsar-admin-url.
    Topics(TopicsArgs),
    /// Which versions of each event type are in use (events, first and
    /// last seen, deprecated by contract), and which fields each type's
    /// events carry (fat and thin variants stand out).
    Versions(VersionsArgs),
    /// Contracts: list the loaded ones, or infer them from events.
    #[command(subcommand)]
    Contracts(ContractsCommand),
    /// List the journal: every replay, redrive, delete, purge and export
    /// over a file, who ran it, and what came of it.
    Journal(JournalArgs),
    /// List business flows (events sharing a correlation id) across
    /// sources: state (failed, stuck, open, complete), types, sources, times.
    /// With --check exits 1 when a flow is failed or stuck.
    Flows(super::flows::FlowsArgs),
    /// Show one flow as a tree of causation (text, json, dot, mermaid).
    Flow(super::flows::FlowArgs),
    /// Draw the cascade graph: which event type causes which, how often,
    /// how fast (dot, mermaid, json).
    Graph(super::flows::GraphArgs),
    /// Pivot events: counts (or sums, averages, percentiles) of one key
    /// against another, with totals; time keys draw a bar column.
    Stats(StatsArgs),
    /// Compare two sources event by event: only in A, only in B, different,
    /// duplicated, and the lag from A to B. Exits 0 when they match, 1 when
    /// they differ.
    Diff(DiffArgs),
    /// List the contexts of the config file ([contexts.NAME]); `*` marks
    /// the one in effect.
    Contexts,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// How to reach SQS. Unset values come from the AWS default chain
/// (environment, profiles, SSO, instance roles).
#[derive(Debug, Args, Clone, Default)]
pub struct SqsArgs {
    /// AWS profile for SQS sources.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region for SQS sources.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// SQS endpoint (LocalStack, ElasticMQ, moto), e.g. http://localhost:4566.
    #[arg(long, global = true, value_name = "URL", env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Seconds an SQS message evscope holds stays hidden between extensions
    /// (browse, redrive, delete); default 30. Messages held when evscope is
    /// killed reappear after this long.
    #[arg(long, global = true, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(2..=43200))]
    pub visibility_timeout: Option<u32>,
    /// How long following an SQS queue (peek --follow, the TUI's `t`) may
    /// hold a message from its consumers: 30s, 2m, ... or forever; default
    /// 30s (forever on a dead-letter queue). Config: sqs.max_hold.
    #[arg(long, global = true, value_name = "DURATION", value_parser = crate::backend::sqs::MaxHold::parse)]
    pub max_hold: Option<crate::backend::sqs::MaxHold>,
}

/// Which events a command looks at.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// JSONPath filter, e.g. "@.meta.expired == true" or "$[?@.body.eventName == 'SEND_EMAIL']".
    #[arg(short, long, value_name = "EXPR")]
    pub filter: Option<String>,
}

/// Table for people, or JSON lines for scripts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned text.
    #[default]
    Table,
    /// One JSON object per line.
    Json,
}

/// `versions`.
#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// Where to read (several sources and scopes); none: the --context's sources.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Show at most N fields per type in the table.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub fields: usize,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `contracts`.
#[derive(Debug, Subcommand)]
pub enum ContractsCommand {
    /// List the contracts loaded (--contracts or the config's contracts).
    List,
    /// Write one JSON Schema (2020-12) per event type and version seen:
    /// DIR/TYPE/VERSION.json. `check --contracts DIR` on the same sources
    /// then finds no violation.
    Infer(InferArgs),
}

/// `contracts infer`.
#[derive(Debug, Args)]
pub struct InferArgs {
    /// Where to read (several sources and scopes); none: the --context's sources.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// The directory to write the schemas to.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Replace schema files that exist.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `peek`.
#[derive(Debug, Args)]
pub struct PeekArgs {
    /// Where to read.
    pub source: String,
    /// Print at most N events (default: all).
    #[arg(short = 'n', long = "limit", value_name = "N")]
    pub limit: Option<usize>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Show tokens and secrets as they are instead of masked.
    #[arg(long)]
    pub reveal: bool,
    /// Pulsar: where to start: earliest, latest (the last -n, 10 without
    /// it), a message id LEDGER:ENTRY[:PARTITION[:BATCH]] or a publish time
    /// (RFC 3339).
    #[arg(long, value_name = "POSITION")]
    pub from: Option<String>,
    /// After the events there are, print new ones as they arrive (until
    /// Ctrl-C or -n events).
    #[arg(long)]
    pub follow: bool,
    /// Follow an SQS queue that looks consumed (its messages are hidden
    /// from its consumers while held) without refusing.
    #[arg(long)]
    pub yes: bool,
}

/// `topics`.
#[derive(Debug, Args)]
pub struct TopicsArgs {
    /// The namespace: pulsar://HOST:PORT/TENANT/NAMESPACE.
    pub namespace: String,
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Where to read.
    pub source: String,
    /// Report contract violations without counting them as malformed (so
    /// they alone do not make the exit code 1).
    #[arg(long)]
    pub contracts_advisory: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to read.
    pub source: String,
    /// The capture file to write (`-`: stdout; a FIFO or device is written
    /// through; a file is written atomically, never the source itself).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Replace FILE when it exists (its mode, owner and links are kept).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// What to write: capture lines, or Parquet (the default for a FILE
    /// ending in .parquet).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ExportFormatArg>,
}

/// `export --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormatArg {
    /// Capture lines (JSON Lines), exact bodies for replay.
    Jsonl,
    /// Parquet: the capture fields as columns, for DuckDB, Athena or Spark.
    Parquet,
}

impl ExportArgs {
    /// The format asked for, else the one the output's extension names.
    pub fn export_format(&self) -> crate::backend::file::export::ExportFormat {
        use crate::backend::file::export::ExportFormat;
        match self.format {
            Some(ExportFormatArg::Parquet) => ExportFormat::Parquet,
            Some(ExportFormatArg::Jsonl) => ExportFormat::Lines,
            None if crate::backend::file::parquet::is_parquet_path(&self.output) => {
                ExportFormat::Parquet
            }
            None => ExportFormat::Lines,
        }
    }
}

/// `replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Where to read.
    pub source: String,
    /// Where to send.
    pub target: String,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only these event ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub ids: Option<Vec<String>>,
    /// Show what would be sent without sending.
    #[arg(long)]
    pub dry_run: bool,
    /// To a FIFO queue: keep each event's MessageDeduplicationId instead of a fresh one.
    #[arg(long)]
    pub keep_dedup_id: bool,
    /// Send at most this many events per second: 10/s, 120/m, 0.5.
    #[arg(long, value_name = "N/s", value_parser = crate::ops::Pace::parse_rate, conflicts_with = "pace")]
    pub rate: Option<crate::ops::Pace>,
    /// Keep the gaps between the events' publish times, sped up or slowed
    /// down: original, original:2 (twice as fast), original:0.5.
    #[arg(long, value_name = "original[:SPEED]", value_parser = crate::ops::Pace::parse_pace)]
    pub pace: Option<crate::ops::Pace>,
}

/// `redrive`.
#[derive(Debug, Args)]
pub struct RedriveArgs {
    /// The dead-letter queue to move events out of.
    pub dlq: String,
    /// Where to move them (default: the queue the DLQ belongs to).
    #[arg(long, value_name = "TARGET")]
    pub to: Option<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only these event ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub ids: Option<Vec<String>>,
    /// Show what would move without moving anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
    /// To a FIFO queue: keep each event's MessageDeduplicationId instead of a fresh one.
    #[arg(long)]
    pub keep_dedup_id: bool,
    /// Move with evscope even when SQS could move everything itself
    /// (StartMessageMoveTask).
    #[arg(long)]
    pub client_side: bool,
    /// Move at most this many events per second: 10/s, 120/m (evscope
    /// then moves them itself, not SQS's StartMessageMoveTask).
    #[arg(long, value_name = "N/s", value_parser = crate::ops::Pace::parse_rate)]
    pub rate: Option<crate::ops::Pace>,
}

/// `journal`.
#[derive(Debug, Args)]
pub struct JournalArgs {
    /// Only operations started within this long: 30m, 6h, 2d, 1w.
    #[arg(long, value_name = "DURATION", value_parser = crate::ops::journal::parse_since)]
    pub since: Option<chrono::Duration>,
    /// Only operations whose source or target is this URI.
    #[arg(long, value_name = "URI")]
    pub source: Option<String>,
    /// table (default) or json (one operation per line: intent and outcome).
    #[arg(long, value_enum, default_value = "table")]
    pub format: JournalFormat,
}

/// How `journal` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum JournalFormat {
    /// A table for people.
    Table,
    /// One JSON object per operation.
    Json,
}

/// `queues`.
#[derive(Debug, Args)]
pub struct QueuesArgs {
    /// Only queues whose name starts with this.
    #[arg(value_name = "PREFIX", default_value = "")]
    pub prefix: String,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Where to delete from.
    pub source: String,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only these event ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub ids: Option<Vec<String>>,
    /// Show what would be deleted without deleting.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
}

/// `stats`.
#[derive(Debug, Args)]
#[command(
    after_help = "KEY: minute, hour, day, week (the event's own time, else its publish time), type, version, source, problem, country, expired, event_id, flow-state (the state of the event's flow, as evscope flows judges it: failed, stuck, open, complete, or (none) without a correlation id), or a JSONPath into the capture document ($.body.status, $.attributes.tenant).\nExample: evscope stats reservations.jsonl --rows day --cols '$.body.status'"
)]
pub struct StatsArgs {
    /// Where to read (several sources and scopes are read one after another); none: the --context's sources.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// What the rows are.
    #[arg(long, value_name = "KEY")]
    pub rows: String,
    /// What the columns are (default: one value column).
    #[arg(long, value_name = "KEY")]
    pub cols: Option<String>,
    /// The value of each cell: count, sum:PATH, avg:PATH, p50:PATH, p95:PATH or max:PATH.
    #[arg(long, value_name = "VALUE", default_value = "count")]
    pub value: String,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatsFormat::Table)]
    pub format: StatsFormat,
    /// Keep the N largest columns; the rest are summed as `other`.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Time zone of the minute/hour/day/week boundaries (IANA name).
    #[arg(long, value_name = "TZ", default_value = "UTC")]
    pub tz: String,
    /// Print the equivalent SQL over a Parquet export (evscope export -o
    /// events.parquet) instead of reading the sources.
    #[arg(long, value_enum, value_name = "DIALECT", num_args = 0..=1, default_missing_value = "duckdb")]
    pub print_sql: Option<SqlDialect>,
    /// How flows are judged for the flow-state key.
    #[command(flatten)]
    pub judge: super::flows::JudgeArgs,
}

/// `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side (a capture of the old bus, a queue, a topic, a scope).
    pub a: String,
    /// The new side.
    pub b: String,
    /// Match events by this JSONPath (default: the event's own id, else a
    /// hash of the body).
    #[arg(long, value_name = "PATH")]
    pub key: Option<String>,
    /// Leave this body path (and everything under it) out of the
    /// comparison, e.g. $.body.sentAt or $.body.items[*].ts. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub ignore: Vec<String>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
}

/// `diff --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Counts, then the keys of each list.
    Table,
    /// One JSON object.
    Json,
}

/// `stats --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatsFormat {
    /// Aligned columns (a bar column for time rows).
    Table,
    /// CSV: the rows key, one column per column value, then total.
    Csv,
    /// One JSON object with every cell.
    Json,
    /// A Markdown table.
    Markdown,
}

/// `stats --print-sql`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SqlDialect {
    /// DuckDB, reading the Parquet file.
    Duckdb,
    /// Amazon Athena (Trino).
    Athena,
    /// Spark SQL.
    Spark,
}

/// `purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The source to empty.
    pub source: String,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
}

pub(super) fn print_completions(shell: Shell) {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "evscope", &mut std::io::stdout());
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    fn error_of(args: &[&str]) -> Option<String> {
        let error = super::Cli::try_parse_from(args).expect_err("an argument error");
        super::one_line_error(&error, args)
    }

    #[test]
    fn argument_errors_are_one_line_naming_the_command() {
        let line = error_of(&["evscope", "--frob"]).unwrap();
        assert_eq!(line, "unknown option --frob (see evscope --help)");
        let line = error_of(&["evscope", "peek"]).unwrap();
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("<SOURCE>"), "{line}");
        assert!(line.ends_with("(see evscope peek --help)"), "{line}");
        let line = error_of(&["evscope", "peek", "demo", "--limt", "3"]).unwrap();
        assert!(
            line.starts_with("unknown option --limt (did you mean"),
            "{line}"
        );
        let line = error_of(&["evscope", "peek", "demo", "-n", "abc"]).unwrap();
        assert!(line.ends_with("(see evscope peek --help)"), "{line}");
        assert_eq!(error_of(&["evscope", "--help"]), None);
        assert_eq!(error_of(&["evscope", "--version"]), None);
    }

    #[test]
    fn timeouts_out_of_range_are_refused_naming_the_range() {
        for bad in [
            "1e20", "1.9e19", "NaN", "inf", "-inf", "0", "-1", "0.01", "3601", "x",
        ] {
            let flag = format!("--pulsar-timeout={bad}");
            let line = error_of(&["evscope", &flag, "peek", "demo"]).unwrap();
            assert!(line.contains("--pulsar-timeout"), "{bad}: {line}");
            assert!(line.contains("from 0.1 to 3600"), "{bad}: {line}");
        }
        let line = error_of(&["evscope", "--pulsar-timeout", "-1", "peek", "demo"]).unwrap();
        assert!(line.contains("out of range"), "{line}");
        let cli =
            super::Cli::try_parse_from(["evscope", "--pulsar-timeout", "2.5", "peek", "demo"])
                .unwrap();
        assert_eq!(
            cli.pulsar.to_options().timeout,
            Some(std::time::Duration::from_millis(2500))
        );
    }

    /// clap's own consistency checks (unique short flags and the like),
    /// which would otherwise only fail when a user runs the command.
    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
