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

/// Read stdout lines of a running evscope until `n` were read.
async fn read_lines(
    stdout: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    n: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    while lines.len() < n {
        match tokio::time::timeout(Duration::from_secs(20), stdout.next_line()).await {
            Ok(Ok(Some(line))) => lines.push(line),
            other => panic!("stdout ended after {lines:?}: {other:?}"),
        }
    }
    lines
}

/// `peek --follow` on a queue of `n` messages, until it holds them all;
/// returns the child and the queue URL.
async fn following_peek(
    c: &aws_sdk_sqs::Client,
    endpoint: &str,
    base: &str,
    n: usize,
    extra: &[&str],
) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let name = unique(base);
    let url = create_queue(c, &name, &[]).await;
    put(c, &url, &messages(n)).await;
    let uri = format!("sqs://{name}");
    let mut args = vec!["peek", uri.as_str(), "--follow"];
    args.extend_from_slice(extra);
    let mut child = evscope_command(endpoint, &args).spawn().unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(read_lines(&mut stdout, n).await.len(), n);
    assert!(
        eventually(Duration::from_secs(10), || async {
            depth(c, &url).await == (0, n as u64)
        })
        .await,
        "evscope holds them all"
    );
    // Keep reading stdout so evscope never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
    (child, url)
}

/// Send `signal` to the child, then measure how long until every one of
/// `n` messages is visible again (checked with the SDK).
async fn released_after(
    child: &mut tokio::process::Child,
    signal: i32,
    c: &aws_sdk_sqs::Client,
    url: &str,
    n: u64,
) -> Duration {
    let pid = child.id().unwrap() as i32;
    let sent = Instant::now();
    unsafe {
        libc_kill(pid, signal);
    }
    assert!(
        eventually(Duration::from_secs(10), || async {
            depth(c, url).await == (n, 0)
        })
        .await,
        "every held message visible again: {:?}",
        depth(c, url).await
    );
    sent.elapsed()
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, signal: i32) -> i32;
}
const SIGTERM: i32 = 15;
const SIGINT: i32 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peek_follow_releases_everything_on_sigterm_and_says_so() {
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let (mut child, url) =
        following_peek(&c, &ls.endpoint(), "term", 12, &["--max-hold", "forever"]).await;
    let took = released_after(&mut child, SIGTERM, &c, &url, 12).await;
    eprintln!("visible again {took:?} after SIGTERM");
    let out = tokio::time::timeout(Duration::from_secs(15), child.wait_with_output())
        .await
        .expect("evscope exits after SIGTERM")
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("receives its messages: each one is hidden from the queue's consumers"),
        "{err}"
    );
    assert!(err.contains(" from consumers · longest "), "{err}");
    assert!(err.contains("terminated: releasing"), "{err}");
    assert!(err.contains("released 12 held messages"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peek_follow_releases_everything_on_ctrl_c_and_a_closed_pipe() {
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let (mut child, url) = following_peek(&c, &ls.endpoint(), "int", 5, &[]).await;
    let took = released_after(&mut child, SIGINT, &c, &url, 5).await;
    eprintln!("visible again {took:?} after Ctrl-C");
    let out = child.wait_with_output().await.unwrap();
    assert!(
        stderr(&out).contains("released 5 held messages"),
        "{}",
        stderr(&out)
    );

    // A reader that goes away while nothing new arrives.
    use tokio::io::AsyncBufReadExt;
    let name = unique("pipe");
    let url = create_queue(&c, &name, &[]).await;
    put(&c, &url, &messages(4)).await;
    let uri = format!("sqs://{name}");
    let mut child = evscope_command(&ls.endpoint(), &["peek", &uri, "--follow"])
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    read_lines(&mut stdout, 4).await;
    drop(stdout); // like `| head -n 4`
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("evscope stops when its reader goes away")
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(depth(&c, &url).await, (4, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peek_follow_on_a_consumed_queue_needs_yes() {
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let name = unique("consumed");
    let url = create_queue(&c, &name, &[]).await;
    put(&c, &url, &messages(3)).await;
    // A consumer holds one right now.
    c.receive_message()
        .queue_url(&url)
        .visibility_timeout(120)
        .send()
        .await
        .unwrap();
    let uri = format!("sqs://{name}");
    let out = evscope(&ls.endpoint(), &["peek", &uri, "--follow"]).await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("1 in flight now: it looks consumed"), "{err}");
    assert!(err.contains("pass --yes to follow it anyway"), "{err}");
    assert!(stdout(&out).is_empty());
    assert_eq!(depth(&c, &url).await, (2, 1), "nothing was received");

    let child = evscope_command(
        &ls.endpoint(),
        &["peek", &uri, "--follow", "--yes", "-n", "2"],
    )
    .spawn()
    .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("-n 2 ends the follow")
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    assert_eq!(depth(&c, &url).await, (2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_endpoint_gone_it_says_when_the_messages_come_back() {
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let proxy = Proxy::start(ls.port).await;
    let (mut child, url) = following_peek(
        &c,
        &proxy.endpoint(),
        "gone",
        3,
        &["--visibility-timeout", "4"],
    )
    .await;
    proxy.cut();
    let pid = child.id().unwrap() as i32;
    unsafe {
        libc_kill(pid, SIGTERM);
    }
    let mut stderr_pipe = child.stderr.take().unwrap();
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await;
    let _ = child.start_kill();
    let mut err = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stderr_pipe, &mut err)
        .await
        .unwrap();
    assert!(
        status.is_ok(),
        "evscope exits although the endpoint is gone: {err}"
    );
    assert!(
        err.contains("released 0 held messages; could not release 3 ("),
        "{err}"
    );
    assert!(
        err.contains("they become visible by themselves within 4 s (by "),
        "{err}"
    );
    // And so they do.
    assert!(
        eventually(Duration::from_secs(15), || async {
            depth(&c, &url).await == (3, 0)
        })
        .await
    );
}
