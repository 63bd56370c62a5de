//! Listing the sources behind a URI, whatever the backend: the topics of a
//! Pulsar namespace (`pulsar://HOST:PORT/tenant/namespace`), or the one
//! source any other URI names. For the TUI's source list and the `topics`
//! command; no UI here.

use super::pulsar::topic::{PulsarUri, Target, topic_uri};
use super::pulsar::{self as pulsar_backend, discover};
use super::{BackendError, OpenOptions, SourceInfo, SourceKind, open};

/// One listed source with what its backend adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// The source as [`super::Backend::describe`] would show it.
    pub source: SourceInfo,
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

/// The sources `uri` names: every topic of a Pulsar namespace, or the one
/// source of any other URI.
pub async fn list_sources(uri: &str, options: &OpenOptions) -> Result<Vec<Listing>, BackendError> {
    if let Ok(PulsarUri {
        target: Target::Namespace(tenant, namespace),
        ..
    }) = PulsarUri::parse(uri)
    {
        let (client, _) = pulsar_backend::connect(uri, &options.pulsar).await?;
        let entries = discover::list(&client, &tenant, &namespace)
            .await
            .map_err(|e| e.at(uri))?;
        return Ok(entries
            .into_iter()
            .map(|e| {
                let link = e.dead_letter_of.as_ref().or(e.retry_of.as_ref());
                Listing {
                    source: SourceInfo {
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
                    },
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
                }
            })
            .collect());
    }
    let backend = open(uri, options).await?;
    Ok(vec![Listing {
        source: backend.describe().await?,
        partitions: Vec::new(),
        dead_letter_subscription: None,
        retries: Vec::new(),
        subscriptions: Vec::new(),
    }])
}
