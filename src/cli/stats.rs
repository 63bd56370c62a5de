//! `stats`: a pivot of the events of one or more sources.

use anyhow::Result;

use super::args::{SqlDialect, StatsArgs, StatsFormat};
use super::output::Out;
use super::peek::Mapping;
use super::sources::for_each_source_mapped;
use super::{Context, EXIT_ERROR};
use crate::analyze::stats::{self, Dialect, Format, Key, Measure, Spec, Stats};

/// The spec the flags ask for.
fn spec(args: &StatsArgs) -> Result<Spec> {
    Ok(Spec {
        rows: Key::parse(&args.rows).map_err(|e| anyhow::anyhow!("--rows: {e}"))?,
        cols: args
            .cols
            .as_deref()
            .map(Key::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--cols: {e}"))?,
        measure: Measure::parse(&args.value).map_err(|e| anyhow::anyhow!("--value: {e}"))?,
        tz: stats::parse_tz(&args.tz).map_err(|e| anyhow::anyhow!("--tz: {e}"))?,
        top: args.top,
    })
}

/// `evscope stats`.
pub(super) async fn stats(args: StatsArgs, context: &Context) -> Result<i32> {
    let spec = spec(&args)?;
    let mut out = Out::new();
    if let Some(dialect) = args.print_sql {
        let (dialect, table) = match dialect {
            SqlDialect::Duckdb => (Dialect::DuckDb, "'events.parquet'"),
            SqlDialect::Athena => (Dialect::Athena, "events"),
            SqlDialect::Spark => (Dialect::Spark, "events"),
        };
        let sql = stats::sql(&spec, dialect, table).map_err(anyhow::Error::msg)?;
        out.line("-- over a Parquet export: evscope export SOURCE -o events.parquet")?;
        for line in sql.lines() {
            out.line(&crate::sanitize::escape_masked(line))?;
        }
        out.flush()?;
        return Ok(0);
    }
    let mut scanner = context.scanner(&args.filter)?.needs(spec.needs());
    if !spec.reads_body() {
        scanner = scanner.body_for_needs_only();
    }
    let mut pivot = Stats::new(spec);
    pivot.judge_flows(super::flows::settings(context, &args.judge)?);
    // `demo` is read as its parts, so its DLQ counts as one (flow-state).
    let sources = crate::tui::expand_sources(&args.sources);
    // Events are labelled on every core as they are scanned; only the
    // counting runs on this thread.
    let spec = pivot.spec().clone();
    let read = for_each_source_mapped(
        context,
        &sources,
        &scanner,
        Mapping::of(|document| spec.count(&document)),
        |info, counted| {
            pivot.add_counted(&info.uri, info.dlq_of.is_some(), counted);
            Ok(true)
        },
    )
    .await?;
    let format = match args.format {
        StatsFormat::Table => Format::Table,
        StatsFormat::Csv => Format::Csv,
        StatsFormat::Json => Format::Json,
        StatsFormat::Markdown => Format::Markdown,
    };
    for line in stats::render(&pivot.finish(), format) {
        if !out.line(&line)? {
            return Ok(0);
        }
    }
    out.flush()?;
    Ok(if read.bad_lines > 0 { EXIT_ERROR } else { 0 })
}
