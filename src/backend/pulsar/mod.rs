//! The Apache Pulsar backend.
//!
//! A source is `pulsar://HOST:PORT/TOPIC` (see [`topic`]). Browsing uses
//! non-durable readers and changes no subscription; tailing follows new
//! messages; sending (replay) waits for every receipt; a redrive takes
//! messages from a durable subscription of the dead-letter topic (default
//! `evscope-redrive`) and acknowledges each only after its send was
//! confirmed, sending each to the topic in its REAL_TOPIC property through
//! the [`route::PulsarRouter`]. The DLQ bookkeeping properties REAL_TOPIC
//! and ORIGIN_MESSAGE_ID are not sent back: a drained event carries them in
//! `system.dlq`, and the redriven message has the original properties.

pub mod acked;
pub mod admin;
pub mod auth;
pub mod browse;
pub mod complete;
pub mod connect;
pub mod convert;
pub mod discover;
pub mod drain;
pub mod error;
pub mod http;
mod nodelay;
pub mod options;
pub mod route;
pub mod send;
mod tail;
pub mod topic;

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Mutex, mpsc};

pub use error::PulsarError;
pub use options::{OAuth2Options, PulsarOptions, StartPosition};

use self::browse::Emit;
use self::connect::Client;
pub use self::topic::ROUTE_QUERY;
use self::topic::{PulsarUri, Target, TopicName, topic_uri};
use super::{
    Acknowledged, Backend, BackendError, Capabilities, Drain, OpenOptions, Operation, Record, Sent,
    SourceInfo, SourceKind, keyed_in_order,
};
use crate::model::Event;

/// Connect to the broker a `pulsar://` URI names.
pub async fn connect(uri: &str, options: &PulsarOptions) -> Result<(Client, Target), BackendError> {
    let parsed = PulsarUri::parse(uri).map_err(|reason| BackendError::BadUri {
        uri: uri.to_string(),
        reason,
    })?;
    let settings = options.resolve().map_err(|e| e.at(uri))?;
    let service_url = parsed
        .service_url
        .clone()
        .or_else(|| {
            settings
                .service_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_string())
        })
        .ok_or_else(|| BackendError::BadUri {
            uri: uri.to_string(),
            reason: "no broker: write pulsar://HOST:PORT/TOPIC or set brokerServiceUrl in client.conf (--pulsar-conf)".into(),
        })?;
    let client = Client::connect(&service_url, &settings)
        .await
        .map_err(|e| e.at(uri))?;
    Ok((client, parsed.target))
}

/// Open the backend for a `pulsar://` URI. A source topic must exist; a
/// send target (`must_exist` false) is created by its first message when
/// the broker allows it.
pub async fn open(
    uri: &str,
    options: &OpenOptions,
    must_exist: bool,
) -> Result<Arc<dyn Backend>, BackendError> {
    let (client, target) = connect(uri, &options.pulsar).await?;
    match target {
        Target::Topic(topic) => Ok(Arc::new(
            PulsarBackend::open(client, topic, options, must_exist).await?,
        )),
        Target::Route => Ok(Arc::new(route::PulsarRouter::new(client))),
        Target::Namespace(tenant, namespace) => Err(BackendError::BadUri {
            uri: uri.to_string(),
            reason: format!(
                "{tenant}/{namespace} is a namespace: list its topics with `evscope topics {uri}` or add a topic name"
            ),
        }),
        Target::None => Err(BackendError::BadUri {
            uri: uri.to_string(),
            reason: "no topic: write pulsar://HOST:PORT/TOPIC".into(),
        }),
    }
}

/// How long the existence check waits for the topic list: a broker that
/// does not implement GetTopicsOfNamespace never answers it.
const LIST_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Fail with a clear error when `topic` is not among its namespace's topics.
/// Brokers create topics on first use, so a mistyped name would otherwise
/// show as an empty topic (and create it). When the broker does not answer
/// the listing in time, the check is skipped.
async fn check_exists(client: &Client, topic: &TopicName, uri: &str) -> Result<(), BackendError> {
    let listing = discover::namespace_topics(client, &topic.tenant, &topic.namespace);
    let names = match tokio::time::timeout(LIST_LIMIT.min(client.settings.timeout), listing).await {
        Err(_) | Ok(Err(PulsarError::Timeout { .. })) => return Ok(()),
        Ok(Err(error)) => return Err(error.at(uri)),
        Ok(Ok(names)) => names,
    };
    let exists = names
        .iter()
        .any(|n| n == topic || n.split_partition().is_some_and(|(base, _)| base == *topic));
    if exists {
        return Ok(());
    }
    let mut others: Vec<String> = discover::fold_partitions(&names)
        .into_iter()
        .map(|(t, _)| t.short())
        .take(10)
        .collect();
    let hint = if others.is_empty() {
        format!(" (namespace {} has no topics)", topic.namespace_path())
    } else {
        if others.len() == 10 {
            others.push("…".into());
        }
        format!(
            " (namespace {} has {})",
            topic.namespace_path(),
            others.join(", ")
        )
    };
    Err(PulsarError::NoTopic {
        topic: topic.to_string(),
        hint,
    }
    .at(uri))
}

/// The most partitions evscope opens for one topic. A broker's count beyond
/// it is refused rather than trusted: each partition gets a reader of its
/// own, so an absurd count would exhaust memory.
pub const MAX_PARTITIONS: u32 = 10_000;

/// The partitions of `topic` for the broker's partition `count` (the topic
/// itself when it is not partitioned); a count above [`MAX_PARTITIONS`] is
/// an error saying so.
fn partitions_of(topic: &TopicName, count: u32) -> Result<Vec<TopicName>, String> {
    match count {
        0 => Ok(vec![topic.clone()]),
        n if n > MAX_PARTITIONS => Err(format!(
            "the broker says {topic} has {n} partitions; evscope opens at most {MAX_PARTITIONS}"
        )),
        n => Ok((0..n).map(|i| topic.partition(i)).collect()),
    }
}

/// One Pulsar topic (partitioned or not).
pub struct PulsarBackend {
    uri: String,
    client: Client,
    topic: TopicName,
    /// The partitions, or the topic itself when it is not partitioned.
    partitions: Vec<TopicName>,
    start: StartPosition,
    producers: send::Producers,
    /// Where browsing stopped, per partition, so tailing continues there.
    browsed_until: Mutex<Option<browse::Ends>>,
}

impl PulsarBackend {
    /// Open `topic` on a connected client.
    pub async fn open(
        client: Client,
        topic: TopicName,
        options: &OpenOptions,
        must_exist: bool,
    ) -> Result<PulsarBackend, BackendError> {
        let uri = topic_uri(&client.url, &topic);
        if must_exist && topic.persistent {
            check_exists(&client, &topic, &uri).await?;
        }
        let count = client
            .op(
                format!("looking up the partitions of {topic}"),
                client
                    .pulsar
                    .lookup_partitioned_topic_number(topic.to_string()),
            )
            .await
            .map_err(|e| e.at(&uri))?;
        let partitions = partitions_of(&topic, count).map_err(|message| BackendError::Remote {
            uri: uri.clone(),
            message,
        })?;
        Ok(PulsarBackend {
            uri,
            producers: send::Producers::new(client.clone()),
            client,
            topic,
            partitions,
            start: options.pulsar.start.clone(),
            browsed_until: Mutex::new(None),
        })
    }

    /// The topic.
    pub fn topic(&self) -> &TopicName {
        &self.topic
    }

    /// The partitions (the topic itself when not partitioned).
    pub fn partitions(&self) -> &[TopicName] {
        &self.partitions
    }

    /// The redrive subscription's acknowledged positions on each partition,
    /// from the admin API at `admin_url`.
    async fn redrive_cursors(&self, admin_url: &str) -> Result<acked::TopicCursors, PulsarError> {
        let admin = admin::Admin::new(admin_url, &self.client.settings)?;
        let subscription = &self.client.settings.redrive_subscription;
        let mut cursors = acked::TopicCursors::default();
        for partition in &self.partitions {
            let index = partition
                .split_partition()
                .filter(|(base, _)| *base == self.topic)
                .and_then(|(_, index)| i32::try_from(index).ok())
                .unwrap_or(-1);
            if let Some(cursor) = admin.cursor(partition, subscription).await? {
                cursors.partitions.insert(index, cursor);
            }
        }
        Ok(cursors)
    }
}

#[async_trait]
impl Backend for PulsarBackend {
    fn uri(&self) -> &str {
        &self.uri
    }

    fn capabilities(&self) -> Capabilities {
        // A topic keeps its messages until retention removes them: a
        // redrive acknowledges them on its own subscription (they leave
        // that subscription's backlog), but nothing deletes them.
        Capabilities {
            send: true,
            remove: true,
            delete: false,
            purge: false,
            tail: true,
            read_only: false,
        }
    }

    fn cannot(&self, operation: Operation) -> Option<String> {
        match operation {
            Operation::Delete | Operation::Purge => Some(
                "a Pulsar topic keeps its messages until its retention policy removes them; acknowledging them on a subscription does not delete them (to skip them for one subscription: pulsar-admin topics skip-all or clear-backlog)".into(),
            ),
            Operation::Send | Operation::Redrive => None,
        }
    }

    async fn describe(&self) -> Result<SourceInfo, BackendError> {
        let mut info = SourceInfo {
            uri: self.uri.clone(),
            name: self.topic.short(),
            kind: SourceKind::Pulsar,
            count: None,
            dlq_of: None,
            dlq: None,
        };
        if let Ok(names) =
            discover::namespace_topics(&self.client, &self.topic.tenant, &self.topic.namespace)
                .await
        {
            let bases: Vec<TopicName> = discover::fold_partitions(&names)
                .into_iter()
                .map(|(t, _)| t)
                .collect();
            info.dlq_of = discover::link(&self.topic, "-DLQ", &bases)
                .and_then(|l| l.topic)
                .map(|t| topic_uri(&self.client.url, &t));
            info.dlq = bases
                .iter()
                .find(|b| {
                    discover::link(b, "-DLQ", &bases)
                        .and_then(|l| l.topic)
                        .is_some_and(|t| t == self.topic)
                })
                .map(|t| topic_uri(&self.client.url, t));
        }
        Ok(info)
    }

    async fn browse(
        &self,
        limit: Option<usize>,
        sink: mpsc::Sender<Vec<Record>>,
    ) -> Result<usize, BackendError> {
        let emit = Emit {
            source: &self.uri,
            sink: &sink,
        };
        let (count, ends) = browse::browse(
            &self.client,
            self.partitions.clone(),
            &self.start,
            limit,
            &emit,
        )
        .await
        .map_err(|e| e.at(&self.uri))?;
        *self.browsed_until.lock().await = Some(ends);
        Ok(count)
    }

    async fn tail(&self, sink: mpsc::Sender<Vec<Record>>) -> Result<(), BackendError> {
        let from = self.browsed_until.lock().await.clone();
        tail::tail(&self.client, &self.partitions, from, &self.uri, sink)
            .await
            .map_err(|e| e.at(&self.uri))
    }

    async fn send(&self, events: &[Event]) -> Result<Vec<Sent>, BackendError> {
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        let events: Vec<&Event> = events.iter().collect();
        let outcomes = self
            .producers
            .send(&self.topic, &events)
            .await
            .map_err(|e| e.at(&self.uri))?;
        Ok(keyed_in_order(&ids, outcomes))
    }

    async fn drain(&self) -> Result<Box<dyn Drain>, BackendError> {
        let drain = drain::PulsarDrain::open_counted(
            self.client.clone(),
            self.uri.clone(),
            &self.topic,
            &self.client.settings.redrive_subscription,
        )
        .await?;
        Ok(Box::new(drain))
    }

    async fn redrive_target(&self) -> Result<Option<String>, BackendError> {
        // Each message goes back to the topic in its REAL_TOPIC property.
        Ok(Some(format!("{}/{ROUTE_QUERY}", self.client.url)))
    }

    async fn redrive_acknowledged(&self) -> Option<Arc<dyn Acknowledged>> {
        let admin_url = self.client.settings.admin_url.as_deref()?;
        match self.redrive_cursors(admin_url).await {
            Ok(cursors) => Some(Arc::new(cursors)),
            Err(error) => {
                // The journal still flags redriven events: browsing goes on.
                tracing::warn!(%error, uri = %self.uri, "reading the redrive subscription's position");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_count_is_bounded() {
        let topic = TopicName::parse("persistent://public/default/t").unwrap();
        assert_eq!(partitions_of(&topic, 0).unwrap(), vec![topic.clone()]);
        let three = partitions_of(&topic, 3).unwrap();
        assert_eq!(three.len(), 3);
        assert_eq!(three[2], topic.partition(2));
        assert_eq!(partitions_of(&topic, MAX_PARTITIONS).unwrap().len(), 10_000);
        let error = partitions_of(&topic, u32::MAX).unwrap_err();
        assert!(error.contains("4294967295 partitions"), "{error}");
        assert!(error.contains("at most 10000"), "{error}");
    }
}
