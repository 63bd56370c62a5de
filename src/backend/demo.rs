//! The bundled demo: a payments queue with its dead-letter queue and a
//! notifications queue, compiled into the binary.

/// The parts of the demo, each a source of its own (`demo:payments`).
pub const DEMO_PARTS: &[&str] = &["payments", "payments.dlq", "notifications"];

const PAYMENTS: &str = include_str!("../../demo/payments.jsonl");
const PAYMENTS_DLQ: &str = include_str!("../../demo/payments.dlq.jsonl");
const NOTIFICATIONS: &str = include_str!("../../demo/notifications.jsonl");

/// The bytes of one part of the demo; `None` for an unknown part.
pub fn demo_capture(part: &str) -> Option<Vec<u8>> {
    let text = match part {
        "payments" => PAYMENTS,
        "payments.dlq" => PAYMENTS_DLQ,
        "notifications" => NOTIFICATIONS,
        _ => return None,
    };
    Some(text.as_bytes().to_vec())
}

/// The dead-letter links of a demo source: (the queue it is the DLQ of, its DLQ).
pub fn links(uri: &str) -> (Option<String>, Option<String>) {
    match uri {
        "demo:payments.dlq" => (Some("demo:payments".into()), None),
        "demo:payments" => (None, Some("demo:payments.dlq".into())),
        _ => (None, None),
    }
}
