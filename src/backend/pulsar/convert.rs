//! Pulsar messages to evscope events and back.
//!
//! Event fields: `id` is the message id `ledger:entry:partition[:batch]`;
//! `key` the partition key; `published_at` the publish time; `attributes`
//! the properties. `system` holds `topic` (the partition's full name),
//! `message_id`, `partition`, `producer_name`, `sequence_id`, `publish_time`,
//! `event_time` (when set), `ordering_key` (base64), `key_base64` (when the
//! key is base64-encoded binary), `schema_version` (hex), `compression`,
//! `batch_size` and `replicated_from`. The redelivery count is not known to
//! a reader (the crate does not expose it), so `receive_count` stays empty.

use std::collections::HashMap;

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value};

use super::topic::format_message_id;
use crate::model::rfc3339::{Fraction, Rfc3339};
use crate::model::{Event, System};

/// The properties the dead-letter producer adds (Java and Rust clients).
pub const DLQ_PROPERTIES: [&str; 2] = ["REAL_TOPIC", "ORIGIN_MESSAGE_ID"];
/// Where a drained dead-letter event keeps its bookkeeping properties.
pub const SYSTEM_DLQ: &str = "dlq";

/// A message as read from one partition.
pub struct Received {
    /// The partition's full topic name.
    pub topic: String,
    /// The message id.
    pub id: pulsar::proto::MessageIdData,
    /// Metadata and payload.
    pub payload: pulsar::Payload,
}

impl Received {
    /// The publish time in milliseconds.
    pub fn publish_ms(&self) -> u64 {
        self.payload.metadata.publish_time
    }
}

fn time_of(ms: u64) -> Option<DateTime<Utc>> {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
}

impl Received {
    /// The evscope event of this message, read from `source` (the topic's
    /// URI). Takes the message apart: payload, key and properties move.
    pub fn into_event(self, source: &str) -> Event {
        let Received { topic, id, payload } = self;
        let meta = payload.metadata;
        let mut event = Event::new(format_message_id(&id), source, payload.data);
        event.published_at = time_of(meta.publish_time);
        event.attributes = meta
            .properties
            .into_iter()
            .map(|kv| (kv.key, kv.value))
            .collect();
        // Room for the names most messages have (growing copies them).
        let mut system = System::with_capacity(8);
        system.insert("topic".into(), topic.into());
        system.insert("message_id".into(), event.id.clone().into());
        if let Some(p) = id.partition.filter(|p| *p >= 0) {
            system.insert("partition".into(), p.into());
        }
        system.insert("producer_name".into(), meta.producer_name.into());
        system.insert("sequence_id".into(), meta.sequence_id.into());
        if let Some(t) = event.published_at {
            system.insert(
                "publish_time".into(),
                Rfc3339::with_offset(t).as_str().into(),
            );
        }
        if let Some(t) = meta.event_time.filter(|t| *t > 0).and_then(time_of) {
            system.insert(
                "event_time".into(),
                Rfc3339::new(t, Fraction::Millis).as_str().into(),
            );
        }
        if let Some(k) = &meta.ordering_key {
            system.insert(
                "ordering_key".into(),
                base64::engine::general_purpose::STANDARD.encode(k).into(),
            );
        }
        if meta.partition_key_b64_encoded == Some(true) {
            system.insert("key_base64".into(), true.into());
        }
        if let Some(v) = meta.schema_version.as_ref().filter(|v| !v.is_empty()) {
            system.insert("schema_version".into(), hex(v).into());
        }
        if let Some(c) = meta.compression.filter(|c| *c != 0) {
            let name = pulsar::proto::CompressionType::try_from(c)
                .map(|c| format!("{c:?}"))
                .unwrap_or_else(|_| c.to_string());
            system.insert("compression".into(), name.into());
        }
        if let Some(n) = meta.num_messages_in_batch {
            system.insert("batch_size".into(), n.into());
        }
        if let Some(r) = meta.replicated_from {
            system.insert("replicated_from".into(), r.into());
        }
        event.key = meta.partition_key;
        event.system = system;
        event
    }
}

/// Move the DLQ bookkeeping properties of a drained event into
/// `system.dlq`, so the redriven message carries the original properties.
pub fn take_dlq_properties(event: &mut Event) {
    let mut dlq = Map::new();
    for name in DLQ_PROPERTIES {
        if let Some(value) = event.attributes.remove(name) {
            dlq.insert(name.into(), value.into());
        }
    }
    if !dlq.is_empty() {
        event.system.insert(SYSTEM_DLQ.into(), Value::Object(dlq));
    }
}

/// The topic a drained dead-letter event came from (its REAL_TOPIC).
pub fn real_topic(event: &Event) -> Option<&str> {
    event
        .system
        .get(SYSTEM_DLQ)
        .and_then(|d| d.get("REAL_TOPIC"))
        .and_then(Value::as_str)
        .or_else(|| event.attributes.get("REAL_TOPIC").map(String::as_str))
}

/// The message to send for `event`: the exact payload, key, ordering key,
/// properties and event time.
pub fn to_message(event: &Event) -> pulsar::producer::Message {
    let system = &event.system;
    let event_time = system
        .get("event_time")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .and_then(|t| u64::try_from(t.timestamp_millis()).ok());
    let ordering_key = system
        .get("ordering_key")
        .and_then(Value::as_str)
        .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok());
    let key_base64 = system.get("key_base64").and_then(Value::as_bool) == Some(true);
    pulsar::producer::Message {
        payload: event.raw.clone(),
        properties: event
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<HashMap<_, _>>(),
        partition_key: event.key.clone(),
        partition_key_b64_encoded: key_base64.then_some(true),
        ordering_key,
        event_time,
        ..Default::default()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulsar::proto::{KeyValue, MessageIdData, MessageMetadata};

    fn received() -> Received {
        Received {
            topic: "persistent://public/default/t-partition-1".into(),
            id: MessageIdData {
                ledger_id: 3,
                entry_id: 9,
                partition: Some(1),
                batch_index: Some(2),
                ..Default::default()
            },
            payload: pulsar::Payload {
                metadata: MessageMetadata {
                    producer_name: "p".into(),
                    sequence_id: 42,
                    publish_time: 1_700_000_000_123,
                    event_time: Some(1_700_000_000_000),
                    partition_key: Some("k".into()),
                    ordering_key: Some(vec![1, 2]),
                    properties: vec![
                        KeyValue {
                            key: "a".into(),
                            value: "1".into(),
                        },
                        KeyValue {
                            key: "REAL_TOPIC".into(),
                            value: "persistent://public/default/t".into(),
                        },
                    ],
                    ..Default::default()
                },
                data: b"{\"x\":1}".to_vec(),
            },
        }
    }

    #[test]
    fn maps_every_field_and_back() {
        let event = received().into_event("pulsar://h:1/t");
        assert_eq!(event.id, "3:9:1:2");
        assert_eq!(event.key.as_deref(), Some("k"));
        assert_eq!(event.attributes.get("a").map(String::as_str), Some("1"));
        assert_eq!(event.system["sequence_id"], 42);
        assert_eq!(event.system["partition"], 1);
        assert_eq!(event.system["producer_name"], "p");
        let message = to_message(&event);
        assert_eq!(message.payload, b"{\"x\":1}");
        assert_eq!(message.event_time, Some(1_700_000_000_000));
        assert_eq!(message.ordering_key, Some(vec![1, 2]));
        assert_eq!(message.partition_key.as_deref(), Some("k"));
        assert_eq!(message.properties.len(), 2);
    }

    #[test]
    fn dlq_properties_move_to_system() {
        let mut event = received().into_event("pulsar://h:1/t");
        take_dlq_properties(&mut event);
        assert!(!event.attributes.contains_key("REAL_TOPIC"));
        assert_eq!(real_topic(&event), Some("persistent://public/default/t"));
        assert_eq!(to_message(&event).properties.len(), 1);
    }
}
