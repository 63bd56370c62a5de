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

/// A follow (max hold 2 s) of a fresh LocalStack queue of `n` messages.
struct Following {
    c: aws_sdk_sqs::Client,
    url: String,
    source: Arc<dyn Backend>,
    rx: tokio::sync::mpsc::Receiver<Vec<Record>>,
    follow: tokio::task::JoinHandle<Result<(), evscope::backend::BackendError>>,
}

async fn following(base: &str, n: usize) -> Following {
    set_test_credentials();
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let name = unique(base);
    let url = create_queue(&c, &name, &[]).await;
    put(&c, &url, &messages(n)).await;
    let source: Arc<dyn Backend> = backend::open(
        &format!("sqs://{name}"),
        &options(&ls.endpoint(), MaxHold::For(MAX_HOLD)),
    )
    .await
    .unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Record>>(64);
    let follow = {
        let source = source.clone();
        tokio::spawn(async move { source.follow(None, tx).await })
    };
    Following {
        c,
        url,
        source,
        rx,
        follow,
    }
}
/// The competing consumer's long poll, in seconds.
const CONSUMER_POLL: i32 = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_competing_consumer_gets_every_message_within_max_hold_plus_one_poll() {
    let Following {
        c,
        url,
        source,
        mut rx,
        follow,
    } = following("live", 10).await;
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
    let Following {
        c,
        url,
        source,
        mut rx,
        follow,
    } = following("again", 3).await;
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

// ---- the terminal UI, driven with its real background jobs ---------------

mod ui {
    use super::*;
    use evscope::tui::action::Action;
    use evscope::tui::app::{App, Dialog, PendingOp};
    use evscope::tui::decode::InspectorDecoder;
    use evscope::tui::jobs::{Effect, Jobs, Msg};
    use evscope::tui::keymap::Keymap;
    use evscope::tui::theme::Theme;
    use evscope::tui::update::{apply, update};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use tokio::sync::mpsc;

    /// An app over `uris`, opened for real (backend and description), with
    /// the jobs that run its effects.
    struct Ui {
        app: App,
        jobs: Jobs,
        rx: mpsc::UnboundedReceiver<Msg>,
    }

    impl Ui {
        async fn open(uris: &[String], open: OpenOptions) -> Ui {
            let decoder = Arc::new(InspectorDecoder::new(open.inspector.clone()));
            let (tx, rx) = mpsc::unbounded_channel();
            let jobs = Jobs::new(open.clone(), decoder.clone(), tx);
            let mut app = App::new(
                uris,
                Keymap::default(),
                Theme::load("dark", None).unwrap(),
                decoder,
                false,
                chrono::Utc::now(),
            );
            drop(app.take_effects());
            update(&mut app, Action::Resize(120, 30));
            for (slot, uri) in uris.iter().enumerate() {
                let backend = backend::open(uri, &open).await.unwrap();
                let info = backend.describe().await.unwrap();
                let epoch = app.epoch;
                apply(
                    &mut app,
                    Msg::Opened {
                        epoch,
                        slot,
                        backend,
                        info,
                    },
                );
                apply(&mut app, Msg::Loaded { epoch, slot });
            }
            drop(app.take_effects());
            Ui { app, jobs, rx }
        }

        /// Run the effects the app queued (the follows among them).
        fn run_effects(&mut self) -> usize {
            let mut follows = 0;
            for effect in self.app.take_effects() {
                follows += usize::from(matches!(
                    effect,
                    Effect::Follow { .. } | Effect::StopFollowing
                ));
                self.jobs.run(effect);
            }
            follows
        }

        /// Apply background messages until `done` says so (or 15 s).
        async fn until(&mut self, what: &str, mut done: impl FnMut(&App) -> bool) {
            let deadline = Instant::now() + Duration::from_secs(15);
            while !done(&self.app) {
                let left = deadline.saturating_duration_since(Instant::now());
                match tokio::time::timeout(left, self.rx.recv()).await {
                    Ok(Some(msg)) => apply(&mut self.app, msg),
                    _ => panic!("{what}: not within 15 s; status {:?}", self.app.status),
                }
                self.run_effects();
            }
        }

        fn status_bar(&self) -> String {
            let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
            terminal
                .draw(|frame| evscope::tui::views::render(&self.app, &self.app.theme, frame))
                .unwrap();
            let buffer = terminal.backend().buffer();
            (0..buffer.area.height)
                .map(|y| {
                    (0..buffer.area.width)
                        .map(|x| buffer[(x, y)].symbol().to_string())
                        .collect::<String>()
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    }

    /// The TUI's redrive of a whole SQS DLQ goes through SQS's own move
    /// task (the job's cancel key cancels it at SQS, as Ctrl-C does in the
    /// CLI: `sqs_ops_live`), and the status says how many it moved.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_tuis_redrive_of_a_whole_dlq_is_sqss_move_task() {
        set_test_credentials();
        let ls = localstack();
        let endpoint = ls.endpoint();
        let c = client(&endpoint).await;
        // The journal away from the user's state directory (when this test
        // is the first of the binary to journal: the journal is set once).
        let state = tempfile::tempdir().unwrap();
        evscope::ops::journal::configure(evscope::ops::journal::Journal::new(
            Some(state.path().join("journal.jsonl")),
            false,
        ));
        let total = 12;
        let (origin, dlq_name, dlq, dlq_arn) = dead_lettered(&c, "tuimove", total).await;
        let mut ui = Ui::open(
            &[format!("sqs://{dlq_name}")],
            options(&endpoint, MaxHold::Forever),
        )
        .await;
        ui.app.scope = Some(0);
        update(&mut ui.app, Action::Redrive);
        ui.run_effects();
        ui.until("asked", |app| {
            matches!(
                app.dialog,
                Some(Dialog::Confirm {
                    op: PendingOp::Redrive { .. },
                    ..
                })
            )
        })
        .await;
        update(&mut ui.app, Action::Confirm);
        ui.run_effects();
        ui.until("the job ends", |app| app.job.is_none()).await;
        let status = ui.app.status.as_ref().unwrap().text.to_string();
        assert!(status.contains(&format!("{total} moved")), "{status}");
        assert_eq!(depth(&c, &dlq).await, (0, 0), "{status}");
        assert_eq!(take_all(&c, &origin).await.len(), total, "{status}");
        // SQS did it: its task list has the completed task.
        let task = move_task(&c, &dlq_arn).await;
        assert_eq!(task.as_ref().and_then(|t| t.status()), Some("COMPLETED"));
    }

    fn follow_dialog(app: &App) -> Option<usize> {
        match &app.dialog {
            Some(Dialog::Confirm {
                op: PendingOp::Follow { slot, .. },
                ..
            }) => Some(*slot),
            _ => None,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_tui_asks_once_per_queue_never_for_a_dlq_shows_what_it_holds_and_lets_go() {
        set_test_credentials();
        let ls = localstack();
        let c = client(&ls.endpoint()).await;
        let (source, source_url, dlq, dlq_url) = dlq_pair(&c, "tui", false).await;
        put(&c, &source_url, &messages(6)).await;
        put(&c, &dlq_url, &messages(2)).await;
        let uris = vec![format!("sqs://{source}"), format!("sqs://{dlq}")];
        let mut ui = Ui::open(&uris, options(&ls.endpoint(), MaxHold::Forever)).await;

        // t: the DLQ is followed at once; the queue asks first.
        update(&mut ui.app, Action::Follow);
        assert_eq!(ui.run_effects(), 2);
        ui.until("the caution", |app| follow_dialog(app).is_some())
            .await;
        assert_eq!(follow_dialog(&ui.app), Some(0), "asked for the queue");
        let Some(Dialog::Confirm { body, .. }) = &ui.app.dialog else {
            unreachable!()
        };
        let text: Vec<String> = body.iter().map(|l| l.to_string()).collect();
        assert!(
            text[0].contains("is hidden from the queue's consumers"),
            "{text:?}"
        );
        assert!(
            text.iter().any(|l| l.contains("in flight now: 0")),
            "{text:?}"
        );
        ui.until("the DLQ held", |app| {
            app.holding.get(&1).is_some_and(|h| h.held == 2)
        })
        .await;
        assert_eq!(
            depth(&c, &source_url).await,
            (6, 0),
            "nothing received before yes"
        );

        // Yes: the queue's messages are held, and the status bar says so.
        update(&mut ui.app, Action::Confirm);
        ui.run_effects();
        ui.until("all held", |app| {
            app.holding_line()
                .as_deref()
                .is_some_and(|l| l.starts_with("holding 8 from consumers"))
        })
        .await;
        let screen = ui.status_bar();
        assert!(
            screen.contains("│ holding 8 from consumers · longest "),
            "{screen}"
        );
        assert!(
            screen.contains(" H6"),
            "the sources pane marks the queue: {screen}"
        );
        assert!(screen.contains(" H2"), "{screen}");
        assert_eq!(depth(&c, &source_url).await, (0, 6));

        // t off: everything visible again, and the status bar says how many.
        update(&mut ui.app, Action::Follow);
        ui.run_effects();
        ui.until("released", |app| app.holding.is_empty()).await;
        assert_eq!(depth(&c, &source_url).await, (6, 0));
        assert_eq!(depth(&c, &dlq_url).await, (2, 0));
        let status = ui.app.status.as_ref().unwrap().text.to_string();
        assert!(status.contains("released"), "{status}");

        // t again: no second question for the same queue.
        update(&mut ui.app, Action::Follow);
        ui.run_effects();
        ui.until("held again", |app| {
            app.holding.get(&0).is_some_and(|h| h.held == 6)
        })
        .await;
        assert!(ui.app.dialog.is_none());

        // Quit: the jobs stop, and the follows let go.
        update(&mut ui.app, Action::Quit);
        assert!(ui.app.quit);
        drop(ui);
        backend::settle(Duration::from_secs(10)).await;
        assert_eq!(depth(&c, &source_url).await, (6, 0));
        assert_eq!(depth(&c, &dlq_url).await, (2, 0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browse_says_how_many_messages_are_now_at_max_receive_count_and_the_tui_flags_them() {
    set_test_credentials();
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    // maxReceiveCount 3.
    let (source, source_url, _, dlq_url) = dlq_pair(&c, "maxrc", false).await;
    put(&c, &source_url, &messages(4)).await;
    let uri = format!("sqs://{source}");
    for round in 1..=2 {
        let out = evscope(&ls.endpoint(), &["peek", &uri]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            !stderr(&out).contains("at maxReceiveCount"),
            "round {round}: {}",
            stderr(&out)
        );
    }
    let out = evscope(&ls.endpoint(), &["peek", &uri]).await;
    assert_eq!(stdout(&out).lines().count(), 4);
    let err = stderr(&out);
    assert!(
        err.contains("4 of the 4 messages seen are now at maxReceiveCount: the next receive by anyone (the next browse included) moves them to the dead-letter queue"),
        "{err}"
    );
    // The TUI flags each of them (its receive count column shows "3!").
    use evscope::tui::decode::Decoder;
    let capture = Arc::new(evscope::capture::CaptureFile::from_bytes(
        out.stdout.clone(),
        uri.clone(),
    ));
    let decoder =
        evscope::tui::decode::InspectorDecoder::new(evscope::inspect::Inspector::with_defaults());
    for index in 0..4 {
        let record = Record::Line {
            file: capture.clone(),
            index,
        };
        let document = decoder.document(&record, chrono::Utc::now()).unwrap();
        let summary = evscope::tui::summary::Summary::of(&document);
        assert_eq!(summary.receive_count, Some(3));
        assert!(summary.at_max_receives);
    }
    // As warned: the next browse moves them all to the DLQ.
    let out = evscope(&ls.endpoint(), &["peek", &uri]).await;
    assert_eq!(stdout(&out).lines().count(), 0, "{}", stderr(&out));
    assert_eq!(depth(&c, &dlq_url).await, (4, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_is_asked_before_a_browse_longer_than_a_page_but_not_for_a_dlq() {
    set_test_credentials();
    let ls = localstack();
    let c = client(&ls.endpoint()).await;
    let (_, _, dlq, dlq_url) = dlq_pair(&c, "page", false).await;
    let name = unique("page");
    let url = create_queue(&c, &name, &[]).await;
    put(&c, &url, &messages(11)).await;
    put(&c, &dlq_url, &messages(11)).await;
    let open = options(&ls.endpoint(), MaxHold::Forever);
    // The TUI describes a source before it asks (jobs::load).
    let queue = backend::open(&format!("sqs://{name}"), &open)
        .await
        .unwrap();
    queue.describe().await.unwrap();
    let caution = queue.browse_caution().expect("a caution");
    assert!(
        caution.contains("receives its 11 messages: each is hidden from the queue's consumers until the browse ends"),
        "{caution}"
    );
    let dlq = backend::open(&format!("sqs://{dlq}"), &open).await.unwrap();
    dlq.describe().await.unwrap();
    assert_eq!(dlq.browse_caution(), None);
    assert_eq!(dlq.hold_caution().await.unwrap(), None);
}
