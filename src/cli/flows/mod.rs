//! `flows`, `flow` and `graph`: business flows across sources (events that
//! share a correlation id), one flow's tree, and the cascade graph. The
//! computation is [`crate::analyze::flows`]; this reads the sources and
//! writes what it finds.

mod render;

use std::time::Duration;

use anyhow::Result;
use clap::{Args, ValueEnum};

use super::args::FilterArgs;
use super::output::Out;
use super::sources::for_each_source_document;
use super::{Context, EXIT_ERROR, EXIT_FOUND};
use crate::analyze::flows::{Analysis, EventSummary, FlowState, Settings};

/// `--stuck-after`: a duration such as `5m`, `90s`, `1h 30m`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("bad duration `{text}` ({e}): write one such as 90s, 5m, 1h 30m"))
}

/// `flows`.
#[derive(Debug, Args)]
pub struct FlowsArgs {
    /// Where to read: files, queues, topics, scopes (sqs://PREFIX*...); none: the --context's sources.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// Only flows in these states (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "STATE,..")]
    pub state: Vec<FlowState>,
    #[command(flatten)]
    pub judge: JudgeArgs,
    /// table: aligned columns; json: one object per line.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Exit 1 when a flow listed is failed or stuck.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// How flows are judged (shared by `flows` and `flow`).
#[derive(Debug, Args, Clone, Default)]
pub struct JudgeArgs {
    /// A flow whose last event is older than this and not terminal is
    /// stuck (default 5m; config flows.stuck_after).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub stuck_after: Option<Duration>,
}

/// `flows --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns.
    Table,
    /// One JSON object per line.
    Json,
}

/// `flow`.
#[derive(Debug, Args)]
pub struct FlowArgs {
    /// Where to read: files, queues, topics, scopes; none: the --context's sources.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// The flow's correlation id.
    #[arg(long, value_name = "ID")]
    pub correlation: String,
    /// text: an indented tree; json; dot (graphviz); mermaid.
    #[arg(long, value_enum, default_value_t = TreeFormat::Text)]
    pub format: TreeFormat,
    #[command(flatten)]
    pub judge: JudgeArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `flow --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TreeFormat {
    /// An indented tree.
    Text,
    /// One JSON object.
    Json,
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// `graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Where to read: files, queues, topics, scopes; none: the --context's sources.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// dot (graphviz), mermaid, or json.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `graph --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
    /// One JSON object.
    Json,
}

/// Read every source once into an analysis; also the unreadable lines.
async fn gather(
    context: &Context,
    sources: &[String],
    filter: &FilterArgs,
) -> Result<(Analysis, usize)> {
    let scanner = context.scanner(filter)?;
    let mut analysis = Analysis::new();
    let mut current: Option<(String, u32)> = None;
    // `demo` is read as its parts, so its DLQ counts as one.
    let sources = crate::tui::expand_sources(sources);
    let read = for_each_source_document(context, &sources, &scanner, |info, document| {
        let id = match &current {
            Some((uri, id)) if *uri == info.uri => *id,
            _ => {
                let id = analysis.source(&info.uri, info.dlq_of.is_some());
                current = Some((info.uri.clone(), id));
                id
            }
        };
        analysis.push(id, EventSummary::of(&document));
        Ok(true)
    })
    .await?;
    // A source with nothing kept still counts as touched (for DLQ-ness).
    for info in &read.read {
        analysis.source(&info.uri, info.dlq_of.is_some());
    }
    Ok((analysis, read.bad_lines))
}

/// The judging settings: the flag, else the config, else the default.
pub(in crate::cli) fn settings(context: &Context, judge: &JudgeArgs) -> Result<Settings> {
    let mut settings = Settings::at(chrono::Utc::now());
    if let Some(d) = judge.stuck_after.or(context
        .config
        .flows_stuck_after()
        .map_err(anyhow::Error::msg)?)
    {
        settings.stuck_after = d;
    }
    settings.terminal = context.config.flows.terminal.clone();
    Ok(settings)
}

/// Write lines until the reader goes away.
fn write_lines(lines: impl IntoIterator<Item = String>) -> Result<()> {
    let mut out = Out::new();
    for line in lines {
        if !out.line(&line)? {
            return Ok(());
        }
    }
    out.flush()?;
    Ok(())
}

/// `evscope flows`.
pub(super) async fn flows(args: FlowsArgs, context: &Context) -> Result<i32> {
    let settings = settings(context, &args.judge)?;
    let (analysis, bad_lines) = gather(context, &args.sources, &args.filter).await?;
    let mut flows = analysis.link().flows(&settings);
    flows.retain(|f| args.state.is_empty() || args.state.contains(&f.state));
    flows.sort_by(|a, b| {
        (a.started_at.is_none(), a.started_at, &a.correlation_id).cmp(&(
            b.started_at.is_none(),
            b.started_at,
            &b.correlation_id,
        ))
    });
    let alarming = flows
        .iter()
        .any(|f| matches!(f.state, FlowState::Failed | FlowState::Stuck));
    match args.format {
        ListFormat::Table => write_lines(render::table(&flows))?,
        ListFormat::Json => write_lines(flows.iter().map(render::flow_json))?,
    }
    Ok(if bad_lines > 0 {
        EXIT_ERROR
    } else if args.check && alarming {
        EXIT_FOUND
    } else {
        0
    })
}

/// `evscope flow`.
pub(super) async fn flow(args: FlowArgs, context: &Context) -> Result<i32> {
    let settings = settings(context, &args.judge)?;
    let (analysis, bad_lines) = gather(context, &args.sources, &args.filter).await?;
    let linked = analysis.link();
    let Some(tree) = linked
        .find(&args.correlation)
        .and_then(|i| linked.tree(i, &settings))
    else {
        anyhow::bail!(
            "no event with correlation id `{}` in {}: check the id, or read more sources",
            args.correlation,
            args.sources.join(" ")
        );
    };
    let lines = match args.format {
        TreeFormat::Text => render::tree_text(&tree),
        TreeFormat::Json => vec![render::tree_json(&tree)],
        TreeFormat::Dot => render::tree_dot(&tree),
        TreeFormat::Mermaid => render::tree_mermaid(&tree),
    };
    write_lines(lines)?;
    Ok(if bad_lines > 0 { EXIT_ERROR } else { 0 })
}

/// `evscope graph`.
pub(super) async fn graph(args: GraphArgs, context: &Context) -> Result<i32> {
    let settings = settings(context, &JudgeArgs::default())?;
    let (analysis, bad_lines) = gather(context, &args.sources, &args.filter).await?;
    let graph = analysis.link().graph(&settings);
    let lines = match args.format {
        GraphFormat::Dot => render::graph_dot(&graph),
        GraphFormat::Mermaid => render::graph_mermaid(&graph),
        GraphFormat::Json => vec![render::graph_json(&graph)],
    };
    write_lines(lines)?;
    Ok(if bad_lines > 0 { EXIT_ERROR } else { 0 })
}
