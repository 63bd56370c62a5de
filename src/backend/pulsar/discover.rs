//! Discovery: the topics of a namespace (the binary protocol's
//! GetTopicsOfNamespace), partitions folded into their topic, dead-letter
//! (`<topic>-<subscription>-DLQ`) and retry (`-RETRY`) topics linked to
//! their source topic and subscription, and, with an admin URL, each
//! subscription's backlog.

use std::collections::BTreeMap;

use pulsar::proto::command_get_topics_of_namespace::Mode;

use super::admin;
use super::connect::Client;
use super::error::PulsarError;
use super::topic::{TopicName, topic_uri};

/// What a DLQ or retry topic belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The source topic, when the namespace has it.
    pub topic: Option<TopicName>,
    /// The subscription the dead letters come from (when the source is known).
    pub subscription: Option<String>,
}

/// One subscription and its backlog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its name.
    pub name: String,
    /// Messages not yet acknowledged.
    pub backlog: Option<u64>,
}

/// One topic of a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicEntry {
    /// The topic (the partitioned topic, not a partition).
    pub topic: TopicName,
    /// Its evscope URI.
    pub uri: String,
    /// Its partitions, empty when not partitioned.
    pub partitions: Vec<TopicName>,
    /// When this is a dead-letter topic: where its messages come from.
    pub dead_letter_of: Option<Link>,
    /// When this is a retry topic: where its messages come from.
    pub retry_of: Option<Link>,
    /// The dead-letter topics of this topic (URIs).
    pub dead_letters: Vec<String>,
    /// The retry topics of this topic (URIs).
    pub retries: Vec<String>,
    /// Subscriptions and backlogs (only with an admin URL).
    pub subscriptions: Vec<Subscription>,
}

/// The topic names of a namespace as the broker lists them (partitions
/// separately).
pub async fn namespace_topics(
    client: &Client,
    tenant: &str,
    namespace: &str,
) -> Result<Vec<TopicName>, PulsarError> {
    let names = client
        .op(
            format!("listing the topics of {tenant}/{namespace}"),
            client
                .pulsar
                .get_topics_of_namespace(format!("{tenant}/{namespace}"), Mode::All),
        )
        .await?;
    let mut topics: Vec<TopicName> = names
        .iter()
        .filter_map(|n| TopicName::parse(n).ok())
        .collect();
    topics.sort();
    topics.dedup();
    Ok(topics)
}

/// Fold partitions into their topic: `(topic, partitions)`.
pub fn fold_partitions(names: &[TopicName]) -> Vec<(TopicName, Vec<TopicName>)> {
    let mut folded: BTreeMap<TopicName, Vec<(u32, TopicName)>> = BTreeMap::new();
    for name in names {
        match name.split_partition() {
            Some((base, index)) => folded.entry(base).or_default().push((index, name.clone())),
            None => {
                folded.entry(name.clone()).or_default();
            }
        }
    }
    folded
        .into_iter()
        .map(|(base, mut parts)| {
            parts.sort_by_key(|(i, _)| *i);
            (base, parts.into_iter().map(|(_, p)| p).collect())
        })
        .collect()
}

/// What `name` (a `-DLQ` or `-RETRY` topic, by `suffix`) belongs to among
/// `topics`: the longest topic name followed by `-<subscription>`.
pub fn link(name: &TopicName, suffix: &str, topics: &[TopicName]) -> Option<Link> {
    let stem = name.local.strip_suffix(suffix)?;
    let source = topics
        .iter()
        .filter(|t| {
            t.persistent == name.persistent
                && t.local != name.local
                && stem.len() > t.local.len() + 1
                && stem.starts_with(&t.local)
                && stem.as_bytes().get(t.local.len()) == Some(&b'-')
        })
        .max_by_key(|t| t.local.len());
    Some(match source {
        Some(topic) => Link {
            subscription: Some(stem[topic.local.len() + 1..].to_string()),
            topic: Some(topic.clone()),
        },
        None => Link {
            topic: None,
            subscription: None,
        },
    })
}

/// Every topic of `tenant/namespace`, linked; backlogs when an admin URL is set.
pub async fn list(
    client: &Client,
    tenant: &str,
    namespace: &str,
) -> Result<Vec<TopicEntry>, PulsarError> {
    let names = namespace_topics(client, tenant, namespace).await?;
    let folded = fold_partitions(&names);
    let bases: Vec<TopicName> = folded.iter().map(|(t, _)| t.clone()).collect();
    let mut entries: Vec<TopicEntry> = folded
        .into_iter()
        .map(|(topic, partitions)| TopicEntry {
            uri: topic_uri(&client.url, &topic),
            dead_letter_of: link(&topic, "-DLQ", &bases),
            retry_of: link(&topic, "-RETRY", &bases),
            topic,
            partitions,
            dead_letters: Vec::new(),
            retries: Vec::new(),
            subscriptions: Vec::new(),
        })
        .collect();
    let links: Vec<(usize, String, bool)> = entries
        .iter()
        .filter_map(|e| {
            let (link, dlq) = match (&e.dead_letter_of, &e.retry_of) {
                (Some(l), _) => (l, true),
                (None, Some(l)) => (l, false),
                _ => return None,
            };
            let source = link.topic.as_ref()?;
            let index = entries.iter().position(|x| &x.topic == source)?;
            Some((index, e.uri.clone(), dlq))
        })
        .collect();
    for (index, uri, dlq) in links {
        if dlq {
            entries[index].dead_letters.push(uri);
        } else {
            entries[index].retries.push(uri);
        }
    }
    if let Some(admin_url) = &client.settings.admin_url {
        let admin = admin::Admin::new(admin_url, &client.settings)?;
        for entry in &mut entries {
            entry.subscriptions = admin
                .subscriptions(&entry.topic, !entry.partitions.is_empty())
                .await?;
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str) -> TopicName {
        TopicName::parse(name).unwrap()
    }

    #[test]
    fn folds_and_links() {
        let names = vec![
            t("orders-partition-1"),
            t("orders-partition-0"),
            t("orders-billing-sub-DLQ"),
            t("orders-billing-sub-RETRY"),
            t("orphan-x-DLQ"),
        ];
        let folded = fold_partitions(&names);
        let orders = folded.iter().find(|(t, _)| t.local == "orders").unwrap();
        assert_eq!(orders.1.len(), 2);
        assert_eq!(orders.1[0].local, "orders-partition-0");
        let bases: Vec<_> = folded.iter().map(|(t, _)| t.clone()).collect();
        let l = link(&t("orders-billing-sub-DLQ"), "-DLQ", &bases).unwrap();
        assert_eq!(l.topic.unwrap().local, "orders");
        assert_eq!(l.subscription.as_deref(), Some("billing-sub"));
        let l = link(&t("orphan-x-DLQ"), "-DLQ", &bases).unwrap();
        assert_eq!(l.topic, None);
        assert!(link(&t("orders"), "-DLQ", &bases).is_none());
    }
}
