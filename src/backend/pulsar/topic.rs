//! Pulsar source URIs and topic names.
//!
//! A source is `pulsar://HOST:PORT/TOPIC` (or `pulsar+ssl://`), where TOPIC
//! is `name` (persistent://public/default/name), `tenant/namespace/name`,
//! or `persistent/tenant/namespace/name` / `non-persistent/…`. The `topics`
//! command takes `pulsar://HOST:PORT/tenant/namespace`. An empty host
//! (`pulsar:///orders`) takes the service URL from client.conf.

use std::fmt;

/// The query that makes a URI the per-message redrive router: each event
/// goes to the topic named by its `REAL_TOPIC` property.
pub const ROUTE_QUERY: &str = "?route=REAL_TOPIC";

/// A full topic name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicName {
    /// `persistent://` or `non-persistent://`.
    pub persistent: bool,
    /// The tenant.
    pub tenant: String,
    /// The namespace within the tenant.
    pub namespace: String,
    /// The topic's local name (with `-partition-N` for a partition).
    pub local: String,
}

impl TopicName {
    /// Parse the TOPIC part of a source URI, or a full `persistent://t/n/x`.
    pub fn parse(text: &str) -> Result<TopicName, String> {
        let (persistent, rest) = if let Some(rest) = text.strip_prefix("persistent://") {
            (Some(true), rest)
        } else if let Some(rest) = text.strip_prefix("non-persistent://") {
            (Some(false), rest)
        } else {
            (None, text)
        };
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(format!("`{text}` has an empty part"));
        }
        let (persistent, tenant, namespace, local) = match (persistent, parts.as_slice()) {
            (None, [name]) => (true, "public", "default", *name),
            (None, [tenant, namespace, name]) => (true, *tenant, *namespace, *name),
            (None, [domain, tenant, namespace, name]) => match *domain {
                "persistent" => (true, *tenant, *namespace, *name),
                "non-persistent" => (false, *tenant, *namespace, *name),
                other => {
                    return Err(format!(
                        "unknown topic domain `{other}`: use persistent or non-persistent"
                    ));
                }
            },
            (Some(p), [tenant, namespace, name]) => (p, *tenant, *namespace, *name),
            _ => {
                return Err(format!(
                    "`{text}` is not a topic: use NAME, TENANT/NAMESPACE/NAME or persistent/TENANT/NAMESPACE/NAME"
                ));
            }
        };
        Ok(TopicName {
            persistent,
            tenant: tenant.into(),
            namespace: namespace.into(),
            local: local.into(),
        })
    }

    /// `tenant/namespace`.
    pub fn namespace_path(&self) -> String {
        format!("{}/{}", self.tenant, self.namespace)
    }

    /// The same topic with another local name.
    pub fn with_local(&self, local: impl Into<String>) -> TopicName {
        TopicName {
            local: local.into(),
            ..self.clone()
        }
    }

    /// Partition `index` of this (partitioned) topic.
    pub fn partition(&self, index: u32) -> TopicName {
        self.with_local(format!("{}-partition-{index}", self.local))
    }

    /// `(base topic, index)` when this is a partition `x-partition-N`.
    pub fn split_partition(&self) -> Option<(TopicName, u32)> {
        let (base, index) = self.local.rsplit_once("-partition-")?;
        let index = index.parse().ok()?;
        (!base.is_empty()).then(|| (self.with_local(base), index))
    }

    /// `persistent` or `non-persistent`.
    fn domain(&self) -> &'static str {
        if self.persistent {
            "persistent"
        } else {
            "non-persistent"
        }
    }

    /// The short form used in evscope URIs: `name` for public/default
    /// persistent topics, else `domain/tenant/namespace/name`.
    pub fn short(&self) -> String {
        if self.persistent && self.tenant == "public" && self.namespace == "default" {
            self.local.clone()
        } else {
            format!(
                "{}/{}/{}/{}",
                self.domain(),
                self.tenant,
                self.namespace,
                self.local
            )
        }
    }
}

impl fmt::Display for TopicName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}://{}/{}/{}",
            self.domain(),
            self.tenant,
            self.namespace,
            self.local
        )
    }
}

/// What a `pulsar://` URI names besides its broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One topic (partitioned or not).
    Topic(TopicName),
    /// A namespace, `tenant/namespace` (for listing topics).
    Namespace(String, String),
    /// The redrive router: each event to the topic in its REAL_TOPIC property.
    Route,
    /// Nothing after the broker.
    None,
}

/// A parsed `pulsar://` URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulsarUri {
    /// `pulsar://host:port` or `pulsar+ssl://host:port`; `None` when the
    /// URI has no host (the service URL then comes from client.conf).
    pub service_url: Option<String>,
    /// Whether the scheme asks for TLS.
    pub tls: bool,
    /// What the path names.
    pub target: Target,
}

impl PulsarUri {
    /// Parse `pulsar://HOST[:PORT]/PATH` or `pulsar+ssl://…`.
    pub fn parse(text: &str) -> Result<PulsarUri, String> {
        let (tls, rest) = if let Some(rest) = text.strip_prefix("pulsar+ssl://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("pulsar://") {
            (false, rest)
        } else {
            return Err("a Pulsar source starts with pulsar:// or pulsar+ssl://".into());
        };
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        let service_url = if host.is_empty() {
            None
        } else {
            let port_given = host
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok());
            if host.contains(':') && !port_given && !host.starts_with('[') {
                return Err(format!("`{host}` has a bad port"));
            }
            let with_port = if port_given {
                host.to_string()
            } else {
                format!("{host}:{}", if tls { 6651 } else { 6650 })
            };
            Some(format!(
                "{}://{with_port}",
                if tls { "pulsar+ssl" } else { "pulsar" }
            ))
        };
        let target = if path.is_empty() {
            Target::None
        } else if path == ROUTE_QUERY {
            Target::Route
        } else {
            let path = path.trim_end_matches('/');
            let parts: Vec<&str> = path.split('/').collect();
            match parts.as_slice() {
                [tenant, namespace]
                    if !tenant.is_empty()
                        && !namespace.is_empty()
                        && *tenant != "persistent"
                        && *tenant != "non-persistent" =>
                {
                    Target::Namespace(tenant.to_string(), namespace.to_string())
                }
                _ => Target::Topic(TopicName::parse(path)?),
            }
        };
        Ok(PulsarUri {
            service_url,
            tls,
            target,
        })
    }
}

/// The canonical evscope URI of `topic` on the broker at `service_url`.
pub fn topic_uri(service_url: &str, topic: &TopicName) -> String {
    format!("{service_url}/{}", topic.short())
}

/// `ledger:entry:partition[:batch]`, as the Java client prints message ids.
pub fn format_message_id(id: &pulsar::proto::MessageIdData) -> String {
    // Written with `itoa`, not `format!`: every message read makes one.
    let mut digits = itoa::Buffer::new();
    let mut text = String::with_capacity(32);
    text.push_str(digits.format(id.ledger_id));
    text.push(':');
    text.push_str(digits.format(id.entry_id));
    text.push(':');
    text.push_str(digits.format(id.partition.unwrap_or(-1)));
    if let Some(batch) = id.batch_index.filter(|b| *b >= 0) {
        text.push(':');
        text.push_str(digits.format(batch));
    }
    text
}

/// Parse `ledger:entry[:partition[:batch]]`.
pub fn parse_message_id(text: &str) -> Option<pulsar::proto::MessageIdData> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=4).contains(&parts.len()) {
        return None;
    }
    let ledger_id = parts[0].parse().ok()?;
    let entry_id = parts[1].parse().ok()?;
    let partition = match parts.get(2) {
        Some(p) => Some(p.parse::<i32>().ok()?),
        None => None,
    };
    let batch_index = match parts.get(3) {
        Some(b) => Some(b.parse::<i32>().ok()?),
        None => None,
    };
    Some(pulsar::proto::MessageIdData {
        ledger_id,
        entry_id,
        partition,
        batch_index,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_forms() {
        let t = TopicName::parse("orders").unwrap();
        assert_eq!(t.to_string(), "persistent://public/default/orders");
        assert_eq!(t.short(), "orders");
        let t = TopicName::parse("acme/billing/orders").unwrap();
        assert_eq!(t.to_string(), "persistent://acme/billing/orders");
        let t = TopicName::parse("non-persistent/acme/billing/orders").unwrap();
        assert_eq!(t.to_string(), "non-persistent://acme/billing/orders");
        assert_eq!(t.short(), "non-persistent/acme/billing/orders");
        assert!(TopicName::parse("a/b").is_err());
        assert!(TopicName::parse("weird/a/b/c").is_err());
        assert!(TopicName::parse("a//c").is_err());
        let p = TopicName::parse("orders-partition-2").unwrap();
        let (base, index) = p.split_partition().unwrap();
        assert_eq!((base.local.as_str(), index), ("orders", 2));
        assert_eq!(base.partition(2), p);
    }

    #[test]
    fn uri_forms() {
        let u = PulsarUri::parse("pulsar://localhost:6650/orders").unwrap();
        assert_eq!(u.service_url.as_deref(), Some("pulsar://localhost:6650"));
        assert!(matches!(u.target, Target::Topic(_)));
        let u = PulsarUri::parse("pulsar+ssl://broker/acme/billing").unwrap();
        assert_eq!(u.service_url.as_deref(), Some("pulsar+ssl://broker:6651"));
        assert!(u.tls);
        assert_eq!(u.target, Target::Namespace("acme".into(), "billing".into()));
        let u = PulsarUri::parse("pulsar:///orders").unwrap();
        assert_eq!(u.service_url, None);
        let u = PulsarUri::parse("pulsar://h:1/?route=REAL_TOPIC").unwrap();
        assert_eq!(u.target, Target::Route);
        assert!(PulsarUri::parse("pulsar://h:x/orders").is_err());
    }

    #[test]
    fn message_ids_round_trip() {
        let id = parse_message_id("12:34:-1:5").unwrap();
        assert_eq!(format_message_id(&id), "12:34:-1:5");
        let id = parse_message_id("12:34").unwrap();
        assert_eq!(format_message_id(&id), "12:34:-1");
        assert!(parse_message_id("12").is_none());
        assert!(parse_message_id("a:b").is_none());
        for (ledger, entry, partition, batch) in [
            (u64::MAX, 0, Some(i32::MIN), Some(i32::MAX)),
            (0, u64::MAX, Some(7), Some(-1)),
            (1, 2, None, None),
            (3, 4, Some(0), Some(0)),
        ] {
            let id = pulsar::proto::MessageIdData {
                ledger_id: ledger,
                entry_id: entry,
                partition,
                batch_index: batch,
                ..Default::default()
            };
            let mut expected = format!("{ledger}:{entry}:{}", partition.unwrap_or(-1));
            if let Some(b) = batch.filter(|b| *b >= 0) {
                expected.push_str(&format!(":{b}"));
            }
            assert_eq!(format_message_id(&id), expected);
        }
    }
}
