//! Listing the sources behind a scope URI, whatever the backend: the topics
//! of a Pulsar namespace (`pulsar://HOST:PORT/tenant/namespace`), the SQS
//! queues the connection reaches (`sqs://`) or those whose name starts with
//! a prefix (`sqs://PREFIX*`). Any other URI lists the one source it names.
//! For the TUI's sources pane and the `topics` and `queues` commands; no UI
//! here.

use super::pulsar::topic::{PulsarUri, Target, topic_uri};
use super::pulsar::{self as pulsar_backend, discover};
use super::{BackendError, OpenOptions, SourceInfo, SourceKind, SourceSummary, open};

/// One listed source with what its backend adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The source as [`super::Backend::describe`] would show it.
    pub source: SourceInfo,
    /// Events received by some consumer and not yet deleted (SQS), when known.
    pub in_flight: Option<u64>,
    /// Events sent with a delay that are not visible yet (SQS), when known.
    pub delayed: Option<u64>,
    /// Whether the source keeps a strict order per key (an SQS FIFO queue).
    pub fifo: bool,
    /// Every source this one is the dead-letter queue of (SQS; `source.dlq_of`
    /// is the first of them).
    pub dlq_sources: Vec<String>,
    /// Its partitions (URIs), when it has any.
    pub partitions: Vec<String>,
    /// When it is a dead-letter or retry topic: the subscription its
    /// messages come from.
    pub dead_letter_subscription: Option<String>,
    /// Its retry topics (URIs).
    pub retries: Vec<String>,
    /// Subscriptions and their backlogs, when known: `(name, backlog)`.
    pub subscriptions: Vec<(String, Option<u64>)>,
}

impl Listing {
    /// A source with nothing more known about it.
    fn of(source: SourceInfo) -> Listing {
        Listing {
            source,
            in_flight: None,
            delayed: None,
            fifo: false,
            dlq_sources: Vec::new(),
            partitions: Vec::new(),
            dead_letter_subscription: None,
            retries: Vec::new(),
            subscriptions: Vec::new(),
        }
    }
}

impl From<SourceSummary> for Listing {
    fn from(summary: SourceSummary) -> Listing {
        Listing {
            in_flight: summary.in_flight,
            delayed: summary.delayed,
            fifo: summary.fifo,
            dlq_sources: summary.dlq_sources,
            ..Listing::of(summary.info)
        }
    }
}

/// What a scope URI covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scope {
    /// Every SQS queue whose name starts with the prefix (empty: all).
    Sqs(String),
    /// Every topic of a Pulsar namespace.
    Pulsar { tenant: String, namespace: String },
}

impl Scope {
    fn parse(uri: &str) -> Option<Scope> {
        let uri = uri.trim();
        if let Some(rest) = uri.strip_prefix("sqs://") {
            // `sqs://NAME` is one queue; a scope is `sqs://` or `sqs://PREFIX*`
            // (SQS queue names cannot hold `*`).
            return if rest.is_empty() {
                Some(Scope::Sqs(String::new()))
            } else {
                rest.strip_suffix('*')
                    .filter(|p| !p.contains('*'))
                    .map(|p| Scope::Sqs(p.to_string()))
            };
        }
        match PulsarUri::parse(uri) {
            Ok(PulsarUri {
                target: Target::Namespace(tenant, namespace),
                ..
            }) => Some(Scope::Pulsar { tenant, namespace }),
            _ => None,
        }
    }
}

/// Whether `uri` names a scope of many sources rather than one source:
/// a Pulsar namespace (`pulsar://HOST:PORT/tenant/namespace`), `sqs://`
/// (every queue) or `sqs://PREFIX*` (queues whose name starts with PREFIX).
/// Pure: nothing is contacted.
pub fn is_scope(uri: &str) -> bool {
    Scope::parse(uri).is_some()
}

/// The URI of the SQS scope of queues whose name starts with `prefix`
/// (`sqs://` for an empty prefix).
pub fn sqs_scope(prefix: &str) -> String {
    let prefix = prefix.trim_end_matches(['*', '/']);
    if prefix.is_empty() {
        "sqs://".into()
    } else {
        format!("sqs://{prefix}*")
    }
}

/// The sources `uri` names: the sources of a scope (see [`is_scope`]),
/// sorted by the backend, or the one source of any other URI.
pub async fn list_sources(uri: &str, options: &OpenOptions) -> Result<Vec<Listing>, BackendError> {
    match Scope::parse(uri) {
        Some(Scope::Sqs(prefix)) => Ok(super::sqs::list_queues(&options.sqs, &prefix)
            .await?
            .into_iter()
            .map(Listing::from)
            .collect()),
        Some(Scope::Pulsar { tenant, namespace }) => {
            list_topics(uri, &tenant, &namespace, options).await
        }
        None => {
            let backend = open(uri, options).await?;
            Ok(vec![Listing::of(backend.describe().await?)])
        }
    }
}

/// Every topic of a Pulsar namespace, with its links.
async fn list_topics(
    uri: &str,
    tenant: &str,
    namespace: &str,
    options: &OpenOptions,
) -> Result<Vec<Listing>, BackendError> {
    let (client, _) = pulsar_backend::connect(uri, &options.pulsar).await?;
    let entries = discover::list(&client, tenant, namespace)
        .await
        .map_err(|e| e.at(uri))?;
    Ok(entries
        .into_iter()
        .map(|e| {
            let link = e.dead_letter_of.as_ref().or(e.retry_of.as_ref());
            Listing {
                partitions: e
                    .partitions
                    .iter()
                    .map(|p| topic_uri(&client.url, p))
                    .collect(),
                dead_letter_subscription: link.and_then(|l| l.subscription.clone()),
                retries: e.retries.clone(),
                subscriptions: e
                    .subscriptions
                    .iter()
                    .map(|s| (s.name.clone(), s.backlog))
                    .collect(),
                ..Listing::of(SourceInfo {
                    uri: e.uri.clone(),
                    name: e.topic.short(),
                    kind: SourceKind::Pulsar,
                    count: None,
                    dlq_of: e
                        .dead_letter_of
                        .as_ref()
                        .and_then(|l| l.topic.as_ref())
                        .map(|t| topic_uri(&client.url, t)),
                    dlq: e.dead_letters.first().cloned(),
                })
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_told_from_single_sources() {
        for scope in [
            "sqs://",
            "sqs://orders*",
            "sqs://*",
            "pulsar://localhost:6650/public/default",
            "pulsar+ssl://broker:6651/acme/prod",
        ] {
            assert!(is_scope(scope), "{scope}");
        }
        for single in [
            "sqs://orders",
            "sqs://orders.fifo",
            "sqs://a*b*",
            "http://127.0.0.1:5000/123456789012/orders",
            "pulsar://localhost:6650/orders",
            "pulsar://localhost:6650/public/default/orders",
            "demo",
            "orders.jsonl",
            "-",
        ] {
            assert!(!is_scope(single), "{single}");
        }
        assert_eq!(Scope::parse("sqs://ord*"), Some(Scope::Sqs("ord".into())));
        assert_eq!(sqs_scope(""), "sqs://");
        assert_eq!(sqs_scope("ord"), "sqs://ord*");
    }
}
