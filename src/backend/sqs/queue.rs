//! One queue: its URL, name, attributes, and the calls every part of the
//! backend makes on it (receive, change visibility).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, Message, MessageSystemAttributeName,
    QueueAttributeName,
};
use futures::StreamExt;

use super::client::{CallError, Connection, call_error, first_call};
use crate::backend::BackendError;

/// How many batch calls of one kind run at once.
pub(crate) const CONCURRENCY: usize = 16;

/// What evscope reads from GetQueueAttributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueAttributes {
    /// The queue ARN.
    pub arn: Option<String>,
    /// A FIFO queue.
    pub fifo: bool,
    /// ApproximateNumberOfMessages.
    pub visible: u64,
    /// ApproximateNumberOfMessagesNotVisible.
    pub in_flight: u64,
    /// ApproximateNumberOfMessagesDelayed.
    pub delayed: u64,
    /// MessageRetentionPeriod, in seconds.
    pub retention_seconds: Option<u64>,
    /// The redrive policy's maxReceiveCount.
    pub max_receive_count: Option<u32>,
    /// The redrive policy's deadLetterTargetArn.
    pub dlq_arn: Option<String>,
    /// The queue's own VisibilityTimeout, in seconds.
    pub visibility_timeout: Option<u32>,
}

impl QueueAttributes {
    /// Read the attributes map SQS returns.
    pub fn from_map(map: &HashMap<QueueAttributeName, String>) -> Self {
        let get = |name: QueueAttributeName| map.get(&name).map(String::as_str);
        let number = |name: QueueAttributeName| get(name).and_then(|v| v.parse::<u64>().ok());
        let (max_receive_count, dlq_arn) = get(QueueAttributeName::RedrivePolicy)
            .map(parse_redrive_policy)
            .unwrap_or((None, None));
        QueueAttributes {
            arn: get(QueueAttributeName::QueueArn).map(str::to_string),
            fifo: get(QueueAttributeName::FifoQueue) == Some("true"),
            visible: number(QueueAttributeName::ApproximateNumberOfMessages).unwrap_or(0),
            in_flight: number(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
                .unwrap_or(0),
            delayed: number(QueueAttributeName::ApproximateNumberOfMessagesDelayed).unwrap_or(0),
            retention_seconds: number(QueueAttributeName::MessageRetentionPeriod),
            max_receive_count,
            dlq_arn,
            visibility_timeout: number(QueueAttributeName::VisibilityTimeout)
                .and_then(|v| u32::try_from(v).ok()),
        }
    }
}

/// `{"deadLetterTargetArn": "...", "maxReceiveCount": 3}` (the count may be
/// a number or a string) → (maxReceiveCount, deadLetterTargetArn).
pub(crate) fn parse_redrive_policy(text: &str) -> (Option<u32>, Option<String>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return (None, None);
    };
    let max = match value.get("maxReceiveCount") {
        Some(serde_json::Value::Number(n)) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let arn = value
        .get("deadLetterTargetArn")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    (max, arn)
}

/// The queue name at the end of an ARN or a queue URL.
pub(crate) fn name_of(arn_or_url: &str) -> &str {
    let tail = arn_or_url.trim_end_matches('/');
    let after_colon = tail.rsplit(':').next().unwrap_or(tail);
    after_colon.rsplit('/').next().unwrap_or(after_colon)
}

/// The evscope URI of a queue name.
pub(crate) fn uri_of(name: &str) -> String {
    format!("sqs://{name}")
}

/// A resolved queue.
#[derive(Debug, Clone)]
pub(crate) struct Queue {
    /// The connection.
    pub conn: Connection,
    /// The queue URL.
    pub url: String,
    /// The queue name.
    pub name: String,
    /// `sqs://NAME`.
    pub uri: String,
    /// Attributes as of opening.
    pub attrs: QueueAttributes,
    /// What its live sessions hold.
    pub board: std::sync::Arc<super::board::Board>,
}

impl Queue {
    /// Resolve `sqs://NAME` or a queue URL and read its attributes. Fails
    /// fast with one clear line when the endpoint, the credentials or the
    /// queue are wrong.
    pub async fn open(conn: Connection, text: &str) -> Result<Queue, BackendError> {
        let (name, url) = match text.strip_prefix("sqs://") {
            Some(rest) => {
                let name = rest.trim_end_matches('/');
                if name.is_empty() || name.contains('/') {
                    return Err(BackendError::BadUri {
                        uri: text.to_string(),
                        reason: "write sqs://QUEUE_NAME or the queue URL".into(),
                    });
                }
                (name.to_string(), None)
            }
            None => (name_of(text).to_string(), Some(text.to_string())),
        };
        let uri = uri_of(&name);
        let url = match url {
            Some(url) => url,
            None => conn
                .client
                .get_queue_url()
                .queue_name(&name)
                .customize()
                .config_override(first_call())
                .send()
                .await
                .map_err(|e| {
                    call_error(&e, "looking up the queue", &conn.target).into_backend(&uri)
                })?
                .queue_url()
                .map(str::to_string)
                .ok_or_else(|| BackendError::NotFound {
                    uri: uri.clone(),
                    detail: format!("SQS at {} returned no queue URL", conn.target),
                })?,
        };
        let mut queue = Queue {
            conn,
            url,
            name,
            uri,
            attrs: QueueAttributes::default(),
            board: std::sync::Arc::new(super::board::Board::new()),
        };
        queue.attrs = queue.attributes().await.map_err(|e| queue.error(e))?;
        Ok(queue)
    }

    /// A call error as a backend error about this queue.
    pub fn error(&self, error: CallError) -> BackendError {
        error.into_backend(&self.uri)
    }

    /// Classify and word an SDK error.
    pub fn call_error<E>(
        &self,
        error: &aws_sdk_sqs::error::SdkError<E, aws_sdk_sqs::config::http::HttpResponse>,
        doing: &str,
    ) -> CallError
    where
        E: aws_sdk_sqs::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        call_error(error, doing, &self.conn.target)
    }

    /// Read the queue's attributes now.
    pub async fn attributes(&self) -> Result<QueueAttributes, CallError> {
        let out = self
            .conn
            .client
            .get_queue_attributes()
            .queue_url(&self.url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .map_err(|e| self.call_error(&e, "reading the queue attributes"))?;
        Ok(out
            .attributes()
            .map(QueueAttributes::from_map)
            .unwrap_or_default())
    }

    /// Receive up to `max` (1..=10) messages, hiding them for `visibility`
    /// seconds, waiting up to `wait` seconds for some to arrive.
    pub async fn receive(
        &self,
        max: i32,
        visibility: u32,
        wait: u32,
    ) -> Result<Vec<Message>, CallError> {
        let request = self
            .conn
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(max.clamp(1, 10))
            .visibility_timeout(i32::try_from(visibility).unwrap_or(i32::MAX))
            .wait_time_seconds(i32::try_from(wait.min(20)).unwrap_or(20))
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All");
        let result = if wait > 0 {
            // A long poll outlasts the ordinary attempt timeout.
            let config = aws_sdk_sqs::config::Builder::default().timeout_config(
                aws_config::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_secs(u64::from(wait.min(20)) + 10))
                    .build(),
            );
            request.customize().config_override(config).send().await
        } else {
            request.send().await
        };
        result
            .map(|out| out.messages.unwrap_or_default())
            .map_err(|e| self.call_error(&e, "receiving messages"))
    }

    /// Set the visibility timeout of held messages: `(message id, receipt
    /// handle)` pairs. Returns the ids that failed, with the reason.
    pub async fn change_visibility(
        &self,
        held: &[(String, String)],
        seconds: u32,
    ) -> Vec<(String, String)> {
        let chunks: Vec<Vec<(String, String)>> = held.chunks(10).map(<[_]>::to_vec).collect();
        let calls = chunks.into_iter().map(|chunk| async move {
            let entries: Vec<_> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, (_, receipt))| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(receipt)
                        .visibility_timeout(i32::try_from(seconds).unwrap_or(i32::MAX))
                        .build()
                        .ok()
                })
                .collect();
            let result = super::client::patiently(|| {
                let entries = entries.clone();
                async move {
                    self.conn
                        .client
                        .change_message_visibility_batch()
                        .queue_url(&self.url)
                        .set_entries(Some(entries))
                        .send()
                        .await
                        .map_err(|e| self.call_error(&e, "changing message visibility"))
                }
            })
            .await;
            match result {
                Ok(out) => out
                    .failed
                    .iter()
                    .filter_map(|f| {
                        let index: usize = f.id.parse().ok()?;
                        let (id, _) = chunk.get(index)?;
                        Some((id.clone(), entry_reason(&f.code, f.message.as_deref())))
                    })
                    .collect::<Vec<_>>(),
                Err(error) => chunk
                    .iter()
                    .map(|(id, _)| (id.clone(), error.message.clone()))
                    .collect(),
            }
        });
        futures::stream::iter(calls)
            .buffer_unordered(CONCURRENCY)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .flatten()
            .collect()
    }
}

/// A per-entry failure of a batch call, in words.
pub(crate) fn entry_reason(code: &str, message: Option<&str>) -> String {
    let hint = match code {
        "ReceiptHandleIsInvalid" | "InvalidReceiptHandle" => {
            " (the receipt handle went stale: the message became visible again and was received elsewhere)"
        }
        _ => "",
    };
    match message.filter(|m| !m.is_empty()) {
        Some(message) => format!("{code}: {message}{hint}"),
        None => format!("{code}{hint}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_arns_and_urls() {
        assert_eq!(
            name_of("arn:aws:sqs:us-east-1:123456789012:orders-dlq"),
            "orders-dlq"
        );
        assert_eq!(
            name_of("https://sqs.eu-west-1.amazonaws.com/123456789012/orders.fifo"),
            "orders.fifo"
        );
        assert_eq!(name_of("http://127.0.0.1:5000/000000000000/q/"), "q");
    }

    #[test]
    fn redrive_policies_parse_in_both_forms() {
        assert_eq!(
            parse_redrive_policy(
                r#"{"deadLetterTargetArn":"arn:aws:sqs:r:1:d","maxReceiveCount":3}"#
            ),
            (Some(3), Some("arn:aws:sqs:r:1:d".into()))
        );
        assert_eq!(
            parse_redrive_policy(r#"{"deadLetterTargetArn":"a","maxReceiveCount":"5"}"#),
            (Some(5), Some("a".into()))
        );
        assert_eq!(parse_redrive_policy("not json"), (None, None));
    }

    #[test]
    fn attributes_are_read() {
        let mut map = HashMap::new();
        map.insert(QueueAttributeName::FifoQueue, "true".to_string());
        map.insert(
            QueueAttributeName::ApproximateNumberOfMessages,
            "7".to_string(),
        );
        map.insert(
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            "2".to_string(),
        );
        map.insert(
            QueueAttributeName::MessageRetentionPeriod,
            "345600".to_string(),
        );
        let attrs = QueueAttributes::from_map(&map);
        assert!(attrs.fifo);
        assert_eq!((attrs.visible, attrs.in_flight, attrs.delayed), (7, 2, 0));
        assert_eq!(attrs.retention_seconds, Some(345600));
        assert_eq!(attrs.max_receive_count, None);
    }
}
