//! Listing queues: every queue (paginated, thousands of them) with its
//! counts, FIFO flag and dead-letter links both ways.

use std::collections::HashMap;

use futures::StreamExt;

use super::client::{SqsOptions, call_error, connect, first_call};
use super::queue::{CONCURRENCY, QueueAttributes, name_of, uri_of};
use crate::backend::{BackendError, SourceInfo, SourceKind, SourceSummary};

/// Every queue whose name starts with `prefix` (all when empty), sorted by
/// name, with counts and dead-letter links. A queue that disappears while
/// it is listed is left out.
pub async fn list_queues(
    options: &SqsOptions,
    prefix: &str,
) -> Result<Vec<SourceSummary>, BackendError> {
    let conn = connect(options).await;
    let scope = format!("sqs://{prefix}");
    let mut urls = Vec::new();
    let mut next_token: Option<String> = None;
    let mut first = true;
    loop {
        let request = conn
            .client
            .list_queues()
            .set_queue_name_prefix(Some(prefix.to_string()).filter(|p| !p.is_empty()))
            .max_results(1000)
            .set_next_token(next_token.take());
        let page = if first {
            request
                .customize()
                .config_override(first_call())
                .send()
                .await
        } else {
            request.send().await
        }
        .map_err(|e| call_error(&e, "listing queues", &conn.target).into_backend(&scope))?;
        first = false;
        urls.extend(page.queue_urls.unwrap_or_default());
        match page.next_token {
            Some(token) if !token.is_empty() => next_token = Some(token),
            _ => break,
        }
    }
    let client = &conn.client;
    let (target, scope) = (&conn.target, &scope);
    let listed: Vec<(String, QueueAttributes)> = futures::stream::iter(urls)
        .map(|url| async move {
            let out = client
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
                .send()
                .await;
            (url, out)
        })
        .buffer_unordered(CONCURRENCY)
        .filter_map(|(url, out)| async move {
            match out {
                Ok(out) => Some(Ok((
                    url,
                    out.attributes()
                        .map(QueueAttributes::from_map)
                        .unwrap_or_default(),
                ))),
                Err(e) => {
                    let error = call_error(&e, "reading queue attributes", "");
                    if error.failure == super::client::Failure::NoQueue {
                        None
                    } else {
                        Some(Err(
                            call_error(&e, "reading queue attributes", target).into_backend(scope)
                        ))
                    }
                }
            }
        })
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    Ok(summaries(listed))
}

/// Build the summaries and link each DLQ back to its sources.
fn summaries(listed: Vec<(String, QueueAttributes)>) -> Vec<SourceSummary> {
    let mut sources_of: HashMap<String, Vec<String>> = HashMap::new();
    for (url, attrs) in &listed {
        if let Some(dlq) = &attrs.dlq_arn {
            sources_of
                .entry(name_of(dlq).to_string())
                .or_default()
                .push(uri_of(name_of(url)));
        }
    }
    let mut out: Vec<SourceSummary> = listed
        .into_iter()
        .map(|(url, attrs)| {
            let name = name_of(&url).to_string();
            let mut dlq_sources = sources_of.remove(&name).unwrap_or_default();
            dlq_sources.sort();
            SourceSummary {
                info: SourceInfo {
                    uri: uri_of(&name),
                    name,
                    kind: SourceKind::Sqs,
                    count: Some(attrs.visible),
                    dlq_of: dlq_sources.first().cloned(),
                    dlq: attrs.dlq_arn.as_deref().map(|a| uri_of(name_of(a))),
                },
                in_flight: Some(attrs.in_flight),
                delayed: Some(attrs.delayed),
                fifo: attrs.fifo,
                dlq_sources,
            }
        })
        .collect();
    out.sort_by(|a, b| a.info.name.cmp(&b.info.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letter_links_go_both_ways() {
        let source = QueueAttributes {
            dlq_arn: Some("arn:aws:sqs:us-east-1:1:orders-dlq".into()),
            visible: 3,
            ..Default::default()
        };
        let dlq = QueueAttributes {
            visible: 2,
            in_flight: 1,
            ..Default::default()
        };
        let list = summaries(vec![
            ("http://h/1/orders-dlq".into(), dlq),
            ("http://h/1/orders".into(), source),
        ]);
        assert_eq!(list[0].info.name, "orders");
        assert_eq!(list[0].info.dlq.as_deref(), Some("sqs://orders-dlq"));
        assert_eq!(list[1].info.dlq_of.as_deref(), Some("sqs://orders"));
        assert_eq!(list[1].dlq_sources, vec!["sqs://orders".to_string()]);
        assert_eq!(list[1].in_flight, Some(1));
    }
}
