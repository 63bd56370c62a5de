//! evscope on a live SQS queue, against LocalStack (it behaves like AWS
//! where it matters here: every receive raises ApproximateReceiveCount,
//! and the receive after maxReceiveCount moves a message to the DLQ).

#[path = "support/localstack.rs"]
mod localstack;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use evscope::backend::sqs::MaxHold;
use evscope::backend::{self, Backend, OpenOptions, Record, SqsOptions};
use localstack::localstack;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localstack_counts_every_receive_like_aws() {
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let url = create_queue(&c, &unique("count"), &[]).await;
    put(&c, &url, &[Msg::body("a")]).await;
    for expected in 1..=2u32 {
        let got = c
            .receive_message()
            .queue_url(&url)
            .visibility_timeout(0)
            .message_system_attribute_names(
                aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount,
            )
            .send()
            .await
            .unwrap()
            .messages
            .unwrap_or_default();
        assert_eq!(got.len(), 1);
        let count = got[0]
            .attributes()
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::ApproximateReceiveCount)
            })
            .cloned();
        assert_eq!(count.as_deref(), Some(expected.to_string().as_str()));
    }
}

fn options(endpoint: &str, max_hold: MaxHold) -> OpenOptions {
    OpenOptions {
        sqs: SqsOptions {
            endpoint_url: Some(endpoint.to_string()),
            max_hold: Some(max_hold),
            ..SqsOptions::default()
        },
        ..OpenOptions::default()
    }
}

fn set_test_credentials() {
    // The library reads credentials from the environment (AWS default
    // chain); every test sets the same values.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    }
}

/// Poll `check` every 50 ms until it holds or `within` passed.
async fn eventually<F, Fut>(within: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn messages(n: usize) -> Vec<Msg> {
    (0..n)
        .map(|i| Msg::body(format!("{{\"n\":{i}}}")))
        .collect()
}

const MAX_HOLD: Duration = Duration::from_secs(2);
/// The competing consumer's long poll, in seconds.
const CONSUMER_POLL: i32 = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_competing_consumer_gets_every_message_within_max_hold_plus_one_poll() {
    set_test_credentials();
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let name = unique("live");
    let url = create_queue(&c, &name, &[]).await;
    put(&c, &url, &messages(10)).await;
    let source: Arc<dyn Backend> = backend::open(
        &format!("sqs://{name}"),
        &options(&ls.endpoint(), MaxHold::For(MAX_HOLD)),
    )
    .await
    .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Record>>(64);
    let follow = {
        let source = source.clone();
        tokio::spawn(async move { source.follow(None, tx).await })
    };
    // evscope takes every message first: the consumer starts with nothing.
    let took_all = eventually(Duration::from_secs(10), || async {
        source.hold_status().is_some_and(|s| s.held == 10)
    })
    .await;
    assert!(took_all, "{:?}", source.hold_status());
    assert_eq!(depth(&c, &url).await, (0, 10));
    let taken_at = Instant::now();
    // The consumer: a plain SDK client receiving (and deleting) in a loop.
    let mut got: Vec<(String, Duration)> = Vec::new();
    while got.len() < 10 && taken_at.elapsed() < MAX_HOLD * 4 + Duration::from_secs(10) {
        let out = c
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .wait_time_seconds(CONSUMER_POLL)
            .send()
            .await
            .unwrap();
        for m in out.messages.unwrap_or_default() {
            got.push((m.body().unwrap_or_default().to_string(), taken_at.elapsed()));
            c.delete_message()
                .queue_url(&url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .unwrap();
        }
    }
    let bound = MAX_HOLD + Duration::from_secs(CONSUMER_POLL as u64) + Duration::from_secs(1);
    assert_eq!(got.len(), 10, "the consumer got every message: {got:?}");
    assert!(
        got.iter().all(|(_, at)| *at <= bound),
        "each within max_hold plus one poll (and a second of slack): {got:?}"
    );
    // evscope showed each message once, and says it let them go.
    let mut shown = 0;
    while let Ok(batch) = rx.try_recv() {
        shown += batch.len();
    }
    assert_eq!(shown, 10);
    let status = source.hold_status().unwrap();
    assert_eq!(status.let_go, 10, "{status:?}");
    assert_eq!(status.re_received, 0, "{status:?}");
    assert_eq!(status.held, 0, "{status:?}");
    drop(rx);
    follow.await.unwrap().unwrap();
    assert_eq!(depth(&c, &url).await, (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_nobody_takes_is_received_again_once_consumers_had_their_chance() {
    set_test_credentials();
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let name = unique("again");
    let url = create_queue(&c, &name, &[]).await;
    put(&c, &url, &messages(3)).await;
    let source: Arc<dyn Backend> = backend::open(
        &format!("sqs://{name}"),
        &options(&ls.endpoint(), MaxHold::For(MAX_HOLD)),
    )
    .await
    .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Record>>(64);
    let follow = {
        let source = source.clone();
        tokio::spawn(async move { source.follow(None, tx).await })
    };
    // Let go after 2 s, 1 s for the consumers, then received again: still
    // there, so held again but not shown again.
    let again = eventually(Duration::from_secs(15), || async {
        source.hold_status().is_some_and(|s| s.re_received >= 3)
    })
    .await;
    assert!(again, "{:?}", source.hold_status());
    let mut shown = 0;
    while let Ok(batch) = rx.try_recv() {
        shown += batch.len();
    }
    assert_eq!(shown, 3, "each shown once");
    drop(rx);
    follow.await.unwrap().unwrap();
    eprintln!("{:?}", source.hold_status());
    assert_eq!(depth(&c, &url).await, (3, 0));
    let ended = source.hold_status().unwrap().ended.unwrap();
    assert_eq!(ended.failed, 0);
}
