//! `queues`: the SQS queues the connection flags reach, with counts and
//! dead-letter links.

use anyhow::Result;

use super::Context;
use super::args::QueuesArgs;
use super::output::Out;
use crate::backend::{self, Listing};
use crate::sanitize::{escape, escape_json_text};

fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "-".into(), |n| n.to_string())
}

/// `evscope queues`.
pub(super) async fn queues(args: QueuesArgs, context: &Context) -> Result<i32> {
    let list = backend::list_sources(&backend::sqs_scope(&args.prefix), &context.open).await?;
    let mut out = Out::new();
    if args.json {
        for q in &list {
            let line = serde_json::json!({
                "uri": q.source.uri,
                "name": q.source.name,
                "fifo": q.fifo,
                "visible": q.source.count,
                "in_flight": q.in_flight,
                "delayed": q.delayed,
                "dlq": q.source.dlq,
                "dlq_of": q.dlq_sources,
            });
            if !out.line(&escape_json_text(&line.to_string()))? {
                return Ok(0);
            }
        }
        out.flush()?;
        return Ok(0);
    }
    let rows: Vec<[String; 7]> = list.iter().map(row).collect();
    let header = [
        "QUEUE",
        "VISIBLE",
        "IN FLIGHT",
        "DELAYED",
        "FIFO",
        "DLQ",
        "DLQ OF",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for r in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = r
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        if !out.line(cells.join("  ").trim_end())? {
            return Ok(0);
        }
    }
    if list.is_empty() {
        out.line("(no queues)")?;
    }
    out.flush()?;
    Ok(0)
}

fn row(q: &Listing) -> [String; 7] {
    let strip = |u: &str| u.strip_prefix("sqs://").unwrap_or(u).to_string();
    [
        escape(&q.source.name).into_owned(),
        count(q.source.count),
        count(q.in_flight),
        count(q.delayed),
        if q.fifo { "yes" } else { "" }.into(),
        q.source
            .dlq
            .as_deref()
            .map(strip)
            .map_or_else(String::new, |s| escape(&s).into_owned()),
        escape(
            &q.dlq_sources
                .iter()
                .map(|s| strip(s))
                .collect::<Vec<_>>()
                .join(","),
        )
        .into_owned(),
    ]
}
