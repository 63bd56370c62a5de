//! SQS messages to events and events to SQS send entries, losslessly: body
//! text as received, every message attribute with its data type, the
//! system attributes in `system`.

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_sqs::primitives::Blob;
use aws_sdk_sqs::types::{
    Message, MessageAttributeValue, MessageSystemAttributeName, SendMessageBatchRequestEntry,
};
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use super::queue::QueueAttributes;
use crate::model::{Event, System};

/// The group used for events without one when sending to a FIFO queue.
pub const DEFAULT_GROUP: &str = "evscope";
/// A message "nears" its retention expiry within this share of the period…
const NEAR_SHARE: f64 = 0.10;
/// …or within this long, whichever is longer.
const NEAR_SECONDS: i64 = 24 * 3600;

fn millis(text: &str) -> Option<DateTime<Utc>> {
    let ms: i64 = text.trim().parse().ok()?;
    Utc.timestamp_millis_opt(ms).single()
}

fn rfc3339(at: DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// An SQS message as an event of `uri`, read `now`.
pub(crate) fn to_event(
    message: &Message,
    uri: &str,
    attrs: &QueueAttributes,
    now: DateTime<Utc>,
) -> Event {
    let id = message.message_id().unwrap_or_default().to_string();
    let raw = message.body().unwrap_or_default().as_bytes().to_vec();
    let mut event = Event::new(id, uri, raw);
    // Room for the names most messages have (growing copies them).
    let mut system = System::with_capacity(12);
    let sys = message.attributes();
    let get = |name: MessageSystemAttributeName| sys.and_then(|m| m.get(&name)).map(String::as_str);
    event.key = get(MessageSystemAttributeName::MessageGroupId).map(str::to_string);
    event.receive_count = get(MessageSystemAttributeName::ApproximateReceiveCount)
        .and_then(|v| v.trim().parse().ok());
    let sent = get(MessageSystemAttributeName::SentTimestamp).and_then(millis);
    event.published_at = sent;
    if let Some(count) = event.receive_count {
        system.insert("ApproximateReceiveCount".into(), count.into());
    }
    if let Some(max) = attrs.max_receive_count {
        system.insert("max_receive_count".into(), max.into());
    }
    if let Some(at) = sent {
        system.insert("SentTimestamp".into(), rfc3339(at));
    }
    if let Some(at) =
        get(MessageSystemAttributeName::ApproximateFirstReceiveTimestamp).and_then(millis)
    {
        system.insert("ApproximateFirstReceiveTimestamp".into(), rfc3339(at));
    }
    for (name, key) in [
        (MessageSystemAttributeName::MessageGroupId, "MessageGroupId"),
        (
            MessageSystemAttributeName::MessageDeduplicationId,
            "MessageDeduplicationId",
        ),
        (MessageSystemAttributeName::SequenceNumber, "SequenceNumber"),
        (MessageSystemAttributeName::SenderId, "SenderId"),
        (
            MessageSystemAttributeName::DeadLetterQueueSourceArn,
            "DeadLetterQueueSourceArn",
        ),
        (MessageSystemAttributeName::AwsTraceHeader, "AWSTraceHeader"),
    ] {
        if let Some(value) = get(name) {
            system.insert(key.into(), Value::String(value.to_string()));
        }
    }
    if let (Some(sent), Some(period)) = (sent, attrs.retention_seconds) {
        let period = i64::try_from(period).unwrap_or(i64::MAX / 2);
        // A server's period out of chrono's range is no expiry (`seconds` panics).
        let expires =
            chrono::Duration::try_seconds(period).and_then(|d| sent.checked_add_signed(d));
        if let Some(expires) = expires {
            system.insert("retention_expires_at".into(), rfc3339(expires));
            system.insert("retention_period_seconds".into(), period.into());
            let margin = ((period as f64 * NEAR_SHARE) as i64).max(NEAR_SECONDS);
            let left = (expires - now).num_seconds();
            system.insert("retention_nears".into(), Value::Bool(left <= margin));
        }
    }
    if let Some(md5) = message.md5_of_body() {
        system.insert("MD5OfBody".into(), Value::String(md5.to_string()));
    }
    if let Some(attributes) = message.message_attributes() {
        for (name, value) in attributes {
            let data_type = value.data_type();
            let text = if let Some(blob) = value.binary_value() {
                base64::engine::general_purpose::STANDARD.encode(blob.as_ref())
            } else {
                value.string_value().unwrap_or_default().to_string()
            };
            event.attributes.insert(name.clone(), text);
            if data_type != "String" {
                event
                    .attribute_types
                    .insert(name.clone(), data_type.to_string());
            }
        }
    }
    event.system = system;
    event
}

/// A fresh MessageDeduplicationId: unique within this process and across
/// runs (time, process id, counter).
pub(crate) fn fresh_dedup_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!("evscope-{nanos:x}-{:x}-{n:x}", std::process::id())
}

/// The size SQS counts for an entry: body plus attribute names, types and values.
pub(crate) fn entry_size(entry: &SendMessageBatchRequestEntry) -> usize {
    let attrs: usize = entry
        .message_attributes()
        .map(|m| {
            m.iter()
                .map(|(name, v)| {
                    name.len()
                        + v.data_type().len()
                        + v.string_value().map_or(0, str::len)
                        + v.binary_value().map_or(0, |b| b.as_ref().len())
                })
                .sum()
        })
        .unwrap_or(0);
    entry.message_body().len() + attrs
}

/// The send entry for `event`, with batch entry id `id`. Fails (with the
/// reason) for what SQS cannot carry: a body that is not text, an
/// attribute value that does not fit its type.
pub(crate) fn to_entry(
    event: &Event,
    id: &str,
    fifo: bool,
    keep_dedup_id: bool,
) -> Result<SendMessageBatchRequestEntry, String> {
    let body = std::str::from_utf8(&event.raw).map_err(|_| {
        "the body is not UTF-8 text, and SQS message bodies are text: not sent".to_string()
    })?;
    if body.is_empty() {
        return Err("the body is empty, and SQS needs at least one character: not sent".into());
    }
    let mut builder = SendMessageBatchRequestEntry::builder()
        .id(id)
        .message_body(body);
    for (name, value) in &event.attributes {
        let data_type = event
            .attribute_types
            .get(name)
            .map_or("String", String::as_str);
        let attr = if data_type.starts_with("Binary") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(value)
                .map_err(|_| format!("attribute {name} is {data_type} but not base64: not sent"))?;
            MessageAttributeValue::builder()
                .data_type(data_type)
                .binary_value(Blob::new(bytes))
        } else {
            MessageAttributeValue::builder()
                .data_type(data_type)
                .string_value(value)
        };
        let attr = attr.build().map_err(|e| format!("attribute {name}: {e}"))?;
        builder = builder.message_attributes(name, attr);
    }
    if fifo {
        let group = event
            .key
            .clone()
            .or_else(|| string_in(&event.system, "MessageGroupId"))
            .unwrap_or_else(|| DEFAULT_GROUP.to_string());
        let dedup = if keep_dedup_id {
            string_in(&event.system, "MessageDeduplicationId").unwrap_or_else(fresh_dedup_id)
        } else {
            fresh_dedup_id()
        };
        builder = builder
            .message_group_id(group)
            .message_deduplication_id(dedup);
    }
    builder.build().map_err(|e| e.to_string())
}

fn string_in(system: &System, key: &str) -> Option<String> {
    system
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message::builder()
            .message_id("m-1")
            .receipt_handle("r-1")
            .body("{\"a\":1}")
            .attributes(MessageSystemAttributeName::SentTimestamp, "1700000000000")
            .attributes(MessageSystemAttributeName::ApproximateReceiveCount, "2")
            .attributes(
                MessageSystemAttributeName::ApproximateFirstReceiveTimestamp,
                "1700000001000",
            )
            .attributes(MessageSystemAttributeName::MessageGroupId, "g1")
            .attributes(MessageSystemAttributeName::MessageDeduplicationId, "d1")
            .attributes(MessageSystemAttributeName::SequenceNumber, "42")
            .message_attributes(
                "s",
                MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value("hello")
                    .build()
                    .unwrap(),
            )
            .message_attributes(
                "n",
                MessageAttributeValue::builder()
                    .data_type("Number.int")
                    .string_value("12")
                    .build()
                    .unwrap(),
            )
            .message_attributes(
                "b",
                MessageAttributeValue::builder()
                    .data_type("Binary")
                    .binary_value(Blob::new(vec![0u8, 255, 7]))
                    .build()
                    .unwrap(),
            )
            .build()
    }

    #[test]
    fn a_message_maps_to_an_event() {
        let attrs = QueueAttributes {
            retention_seconds: Some(3600),
            max_receive_count: Some(5),
            ..Default::default()
        };
        let now = Utc
            .timestamp_millis_opt(1_700_000_000_000 + 3_000_000)
            .unwrap();
        let event = to_event(&message(), "sqs://q", &attrs, now);
        assert_eq!(event.id, "m-1");
        assert_eq!(event.source, "sqs://q");
        assert_eq!(event.key.as_deref(), Some("g1"));
        assert_eq!(event.receive_count, Some(2));
        assert_eq!(
            event.published_at.unwrap().timestamp_millis(),
            1_700_000_000_000
        );
        assert_eq!(event.raw, b"{\"a\":1}");
        assert_eq!(event.attributes["s"], "hello");
        assert_eq!(event.attributes["n"], "12");
        assert_eq!(event.attributes["b"], "AP8H");
        assert_eq!(event.attribute_types["n"], "Number.int");
        assert_eq!(event.attribute_types["b"], "Binary");
        assert!(!event.attribute_types.contains_key("s"));
        assert_eq!(event.system["max_receive_count"], 5);
        assert_eq!(event.system["MessageDeduplicationId"], "d1");
        assert_eq!(event.system["SequenceNumber"], "42");
        assert_eq!(
            event.system["retention_expires_at"],
            "2023-11-14T23:13:20.000Z"
        );
        assert_eq!(event.system["retention_nears"], true);
        assert_eq!(
            event.system["ApproximateFirstReceiveTimestamp"],
            "2023-11-14T22:13:21.000Z"
        );
    }

    /// A retention period a server reports beyond the calendar is no
    /// expiry, not a panic.
    #[test]
    fn an_absurd_retention_period_is_no_expiry() {
        for period in [u64::MAX, i64::MAX as u64 / 2, 10_000_000_000_000_000] {
            let attrs = QueueAttributes {
                retention_seconds: Some(period),
                ..Default::default()
            };
            let event = to_event(&message(), "sqs://q", &attrs, Utc::now());
            assert!(!event.system.contains_key("retention_expires_at"));
        }
    }

    #[test]
    fn an_event_maps_back_to_the_same_message() {
        let event = to_event(
            &message(),
            "sqs://q",
            &QueueAttributes::default(),
            Utc::now(),
        );
        let entry = to_entry(&event, "0", true, true).unwrap();
        assert_eq!(entry.message_body(), "{\"a\":1}");
        assert_eq!(entry.message_group_id(), Some("g1"));
        assert_eq!(entry.message_deduplication_id(), Some("d1"));
        let attrs = entry.message_attributes().unwrap();
        assert_eq!(attrs["b"].binary_value().unwrap().as_ref(), &[0u8, 255, 7]);
        assert_eq!(attrs["n"].data_type(), "Number.int");
        assert_eq!(attrs["s"].string_value(), Some("hello"));
        let fresh = to_entry(&event, "0", true, false).unwrap();
        assert_ne!(fresh.message_deduplication_id(), Some("d1"));
        let standard = to_entry(&event, "0", false, false).unwrap();
        assert_eq!(standard.message_group_id(), None);
    }

    #[test]
    fn what_sqs_cannot_carry_is_refused_with_a_reason() {
        let binary = Event::new("x", "file:a", vec![0xff, 0xfe]);
        assert!(
            to_entry(&binary, "0", false, false)
                .unwrap_err()
                .contains("UTF-8")
        );
        let mut bad = Event::new("y", "file:a", "hi");
        bad.attributes.insert("b".into(), "***".into());
        bad.attribute_types.insert("b".into(), "Binary".into());
        assert!(
            to_entry(&bad, "0", false, false)
                .unwrap_err()
                .contains("base64")
        );
        let plain = Event::new("z", "file:a", "hi");
        let entry = to_entry(&plain, "0", true, false).unwrap();
        assert_eq!(entry.message_group_id(), Some(DEFAULT_GROUP));
        assert!(fresh_dedup_id() != fresh_dedup_id());
    }
}
