//! Tailing: a non-durable reader per partition, starting where browsing
//! stopped (or at the newest message when nothing was browsed), handing
//! each new message over as it arrives.

use std::sync::Arc;

use futures::StreamExt;
use pulsar::consumer::InitialPosition;
use tokio::sync::mpsc;

use super::browse::{Ends, close, not_after, open_reader};
use super::connect::Client;
use super::convert::Received;
use super::error::PulsarError;
use super::topic::TopicName;
use crate::backend::Record;

/// Follow `partitions` until `sink` closes.
pub async fn tail(
    client: &Client,
    partitions: &[TopicName],
    from: Option<Ends>,
    source: &str,
    sink: mpsc::Sender<Vec<Record>>,
) -> Result<(), PulsarError> {
    let mut tasks = tokio::task::JoinSet::new();
    for topic in partitions {
        let seen = from
            .as_ref()
            .map(|ends| ends.get(&topic.to_string()).cloned());
        let (start, initial, skip_to) = match seen {
            // Browsed and not empty: continue after its last message.
            Some(Some(Some(last))) => (Some(last.clone()), InitialPosition::Earliest, Some(last)),
            // Browsed and empty: everything that arrives.
            Some(Some(None)) => (None, InitialPosition::Earliest, None),
            // Not browsed: from now on.
            _ => (None, InitialPosition::Latest, None),
        };
        let mut reader = open_reader(client, topic, start, initial).await?;
        let client = client.clone();
        let sink = sink.clone();
        let source = source.to_string();
        tasks.spawn(async move {
            let result = async {
                loop {
                    let message = tokio::select! {
                        _ = sink.closed() => return Ok(()),
                        next = reader.next() => next,
                    };
                    let message = match message {
                        None => return Ok(()),
                        Some(Err(error)) => {
                            return Err(PulsarError::from_client(error, &client.url));
                        }
                        Some(Ok(message)) => message,
                    };
                    let id = message.message_id.id.clone();
                    let _ = reader.ack_with_id(&message.topic, id.clone()).await;
                    if skip_to.as_ref().is_some_and(|last| not_after(&id, last)) {
                        continue;
                    }
                    let received = Received {
                        topic: message.topic,
                        id,
                        payload: message.payload,
                    };
                    let record = Record::Event(Arc::new(received.into_event(&source)));
                    if sink.send(vec![record]).await.is_err() {
                        return Ok(());
                    }
                }
            }
            .await;
            close(reader);
            result
        });
    }
    drop(sink);
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tasks.abort_all();
                return Err(error);
            }
            Err(join) if join.is_cancelled() => {}
            Err(join) => return Err(PulsarError::Broker(format!("tail failed: {join}"))),
        }
    }
    Ok(())
}
