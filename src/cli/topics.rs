//! `topics`: the topics of a Pulsar namespace, one per line: URI, then
//! partitions, dead-letter and retry links, subscription backlogs.

use anyhow::Result;

use super::Context;
use super::args::TopicsArgs;
use super::output::Out;
use crate::backend::list_sources;
use crate::sanitize::escape;

/// `evscope topics`.
pub(super) async fn topics(args: TopicsArgs, context: &Context) -> Result<i32> {
    let listings = list_sources(&args.namespace, &context.open).await?;
    let mut out = Out::new();
    for listing in &listings {
        let mut line = crate::sanitize::escape_masked(&listing.source.uri).into_owned();
        if !listing.partitions.is_empty() {
            line.push_str(&format!("  partitions={}", listing.partitions.len()));
        }
        if let Some(of) = &listing.source.dlq_of {
            line.push_str(&format!("  dead-letters-of={}", escape(of)));
        }
        if let Some(sub) = &listing.dead_letter_subscription {
            line.push_str(&format!("  subscription={}", escape(sub)));
        }
        if let Some(dlq) = &listing.source.dlq {
            line.push_str(&format!("  dlq={}", escape(dlq)));
        }
        for retry in &listing.retries {
            line.push_str(&format!("  retry={}", escape(retry)));
        }
        for (name, backlog) in &listing.subscriptions {
            let backlog = backlog.map_or_else(|| "?".to_string(), |b| b.to_string());
            line.push_str(&format!("  sub:{}={backlog}", escape(name)));
        }
        if !out.line(&line)? {
            break;
        }
    }
    out.flush()?;
    Ok(0)
}
