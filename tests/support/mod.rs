//! Shared by the integration tests that need real servers: a moto SQS
//! server started once per test binary on a free loopback port (and killed
//! when the binary exits), a loopback TCP proxy that can cut and restore
//! traffic, an SQS client, and a way to run the evscope binary against it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName, QueueAttributeName};

/// The Python that has moto installed.
pub fn python() -> PathBuf {
    if let Ok(path) = std::env::var("EVSCOPE_TEST_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    if venv.exists() {
        return venv;
    }
    panic!(
        "the SQS tests need moto's server: run tools/test.sh once (it creates .venv with tests/requirements.txt), or set EVSCOPE_TEST_PYTHON to a Python that has moto[server]"
    );
}

/// Kills moto when the test binary's end closes this pipe.
const WRAPPER: &str = r#"
import subprocess, sys
server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", sys.argv[1]],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    sys.stdin.read()
finally:
    server.kill()
"#;

/// The running moto server.
pub struct Moto {
    /// Its port on 127.0.0.1.
    pub port: u16,
    _keepalive: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

impl Moto {
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A free port on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Start a server through a Python `wrapper` (given the port as its
/// argument; it stops the server when its stdin closes) and wait until
/// `ready(port)`. Panics with the wrapper's stderr and `hint` if it exits.
pub fn start_server(
    python: &std::path::Path,
    wrapper: &str,
    port: u16,
    what: &str,
    hint: &str,
    ready: impl Fn(u16) -> bool,
) -> (Child, ChildStdin) {
    let mut child = Command::new(python)
        .args(["-c", wrapper, &port.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: cannot start {}: {e}", python.display()));
    let stdin = child.stdin.take().expect("wrapper stdin");
    let start = Instant::now();
    while !ready(port) {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("{what} exited ({status}): {err}\n{hint}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "{what} did not answer on port {port} within 90 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, stdin)
}

/// The moto server of this test binary, started on first use.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let port = free_port();
        let (child, stdin) = start_server(
            &python(),
            WRAPPER,
            port,
            "moto's server",
            "run tools/test.sh to install tests/requirements.txt",
            |port| TcpStream::connect(("127.0.0.1", port)).is_ok(),
        );
        Moto {
            port,
            _keepalive: Mutex::new(stdin),
            _child: Mutex::new(child),
        }
    })
}

/// Dummy credentials in the environment, for the library API (the AWS
/// default chain reads them from there).
pub fn set_test_credentials() {
    // Every test sets the same values, so concurrent writes agree.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", "test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    }
}

/// An SQS client on `endpoint` with dummy credentials.
pub async fn client(endpoint: &str) -> Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        .load()
        .await;
    Client::new(&config)
}

/// A queue name no other test uses.
pub fn unique(base: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{base}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Create a queue; returns its URL.
pub async fn create_queue(
    client: &Client,
    name: &str,
    attrs: &[(QueueAttributeName, &str)],
) -> String {
    let mut req = client.create_queue().queue_name(name);
    if name.ends_with(".fifo") {
        req = req.attributes(QueueAttributeName::FifoQueue, "true");
    }
    for (k, v) in attrs {
        req = req.attributes(k.clone(), *v);
    }
    req.send()
        .await
        .expect("create queue")
        .queue_url
        .expect("queue url")
}

/// The ARN of a queue.
pub async fn arn(client: &Client, url: &str) -> String {
    client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes
        .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
        .expect("arn")
}

/// A source queue and its DLQ (maxReceiveCount 3): (source name, source
/// URL, DLQ name, DLQ URL).
pub async fn dlq_pair(client: &Client, base: &str, fifo: bool) -> (String, String, String, String) {
    let suffix = if fifo { ".fifo" } else { "" };
    let dlq_name = format!("{}{suffix}", unique(&format!("{base}-dlq")));
    let source_name = format!("{}{suffix}", unique(base));
    let dlq = create_queue(client, &dlq_name, &[]).await;
    let dlq_arn = arn(client, &dlq).await;
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":3}}"#);
    let source = create_queue(
        client,
        &source_name,
        &[(QueueAttributeName::RedrivePolicy, &policy)],
    )
    .await;
    (source_name, source, dlq_name, dlq)
}

/// A message to put on a queue.
#[derive(Debug, Clone, Default)]
pub struct Msg {
    /// The body.
    pub body: String,
    /// (name, data type, value); Binary values are bytes.
    pub attrs: Vec<(String, String, Vec<u8>)>,
    /// FIFO group.
    pub group: Option<String>,
}

impl Msg {
    /// A body only.
    pub fn body(body: impl Into<String>) -> Msg {
        Msg {
            body: body.into(),
            ..Msg::default()
        }
    }

    /// With an attribute.
    pub fn attr(mut self, name: &str, data_type: &str, value: impl Into<Vec<u8>>) -> Msg {
        self.attrs
            .push((name.into(), data_type.into(), value.into()));
        self
    }

    /// In a FIFO group.
    pub fn group(mut self, group: &str) -> Msg {
        self.group = Some(group.into());
        self
    }
}

/// Put messages on a queue, one call each (moto is the bottleneck anyway).
pub async fn put(client: &Client, url: &str, messages: &[Msg]) {
    for (i, m) in messages.iter().enumerate() {
        let mut req = client.send_message().queue_url(url).message_body(&m.body);
        for (name, data_type, value) in &m.attrs {
            let v = MessageAttributeValue::builder().data_type(data_type);
            let v = if data_type.starts_with("Binary") {
                v.binary_value(aws_sdk_sqs::primitives::Blob::new(value.clone()))
            } else {
                v.string_value(String::from_utf8(value.clone()).expect("text attribute"))
            };
            req = req.message_attributes(name, v.build().expect("attribute"));
        }
        if let Some(group) = &m.group {
            req = req
                .message_group_id(group)
                .message_deduplication_id(format!("d{i}-{}", unique("x")));
        }
        req.send().await.expect("send message");
    }
}

/// (visible, in flight) right now.
pub async fn depth(client: &Client, url: &str) -> (u64, u64) {
    let attrs = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .expect("attributes")
        .attributes
        .unwrap_or_default();
    let n = |k: QueueAttributeName| {
        attrs
            .get(&k)
            .and_then(|v| v.parse().ok())
            .unwrap_or(u64::MAX)
    };
    (
        n(QueueAttributeName::ApproximateNumberOfMessages),
        n(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

/// Message attributes as compared: name → (data type, value bytes).
pub type Attrs = BTreeMap<String, (String, Vec<u8>)>;

/// A message as the tests compare them: body and attributes
/// (name → (type, bytes)), plus id, group and receive count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Got {
    /// The body.
    pub body: String,
    /// Attributes.
    pub attrs: Attrs,
    /// MessageGroupId.
    pub group: Option<String>,
    /// MessageId.
    pub id: String,
    /// ApproximateReceiveCount.
    pub receives: u32,
}

/// A dead-letter queue and its redrive policy (maxReceiveCount 1):
/// (name, URL, ARN, policy).
pub async fn dlq_with_policy(c: &Client, base: &str) -> (String, String, String, String) {
    let dlq_name = unique(&format!("{base}-dlq"));
    let dlq = create_queue(c, &dlq_name, &[]).await;
    let dlq_arn = arn(c, &dlq).await;
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":1}}"#);
    (dlq_name, dlq, dlq_arn, policy)
}

/// A queue named after `base` under `policy` whose `msgs` are
/// dead-lettered into `dlq` by receiving them past the count (SQS then
/// records their origin), until `dlq` holds `expect` (a bounded number of
/// receives): its URL.
pub async fn dead_letter(
    c: &Client,
    base: &str,
    policy: &str,
    msgs: &[Msg],
    dlq: &str,
    expect: usize,
) -> String {
    let url = create_queue(
        c,
        &unique(base),
        &[(QueueAttributeName::RedrivePolicy, policy)],
    )
    .await;
    put(c, &url, msgs).await;
    for _ in 0..(msgs.len() * 2 + 2) {
        if depth(c, dlq).await.0 as usize == expect {
            break;
        }
        c.receive_message()
            .queue_url(&url)
            .visibility_timeout(0)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(depth(c, dlq).await.0 as usize, expect, "dead-lettered");
    assert_eq!(depth(c, &url).await, (0, 0), "{base} dead-lettered");
    url
}

/// A DLQ holding `n` messages dead-lettered from one queue (a move task
/// without a destination needs their origin): (queue URL, DLQ name, DLQ
/// URL, DLQ ARN).
pub async fn dead_lettered(c: &Client, base: &str, n: usize) -> (String, String, String, String) {
    let (dlq_name, dlq, dlq_arn, policy) = dlq_with_policy(c, base).await;
    let msgs: Vec<Msg> = (0..n)
        .map(|i| Msg::body(format!("{{\"n\":{i}}}")))
        .collect();
    let url = dead_letter(c, base, &policy, &msgs, &dlq, n).await;
    (url, dlq_name, dlq, dlq_arn)
}

/// The first move task ListMessageMoveTasks gives for the DLQ `arn`.
pub async fn move_task(
    c: &Client,
    arn: &str,
) -> Option<aws_sdk_sqs::types::ListMessageMoveTasksResultEntry> {
    let listed = c
        .list_message_move_tasks()
        .source_arn(arn)
        .send()
        .await
        .unwrap();
    listed.results().first().cloned()
}

/// Take every message off a queue (receiving and deleting them): what a
/// consumer would get. Stops after an empty receive.
pub async fn take_all(client: &Client, url: &str) -> Vec<Got> {
    let mut out = Vec::new();
    loop {
        let res = client
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .expect("receive");
        let messages = res.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            let attrs = m
                .message_attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| {
                            let bytes = match v.binary_value() {
                                Some(b) => b.as_ref().to_vec(),
                                None => v.string_value().unwrap_or_default().as_bytes().to_vec(),
                            };
                            (k.clone(), (v.data_type().to_string(), bytes))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let sys = m.attributes().cloned().unwrap_or_default();
            out.push(Got {
                body: m.body().unwrap_or_default().to_string(),
                attrs,
                group: sys
                    .get(&MessageSystemAttributeName::MessageGroupId)
                    .cloned(),
                id: m.message_id().unwrap_or_default().to_string(),
                receives: sys
                    .get(&MessageSystemAttributeName::ApproximateReceiveCount)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            });
            client
                .delete_message()
                .queue_url(url)
                .receipt_handle(m.receipt_handle().unwrap_or_default())
                .send()
                .await
                .expect("delete");
        }
    }
    out
}

/// Run evscope against `endpoint` with dummy credentials.
pub async fn evscope(endpoint: &str, args: &[&str]) -> Output {
    evscope_command(endpoint, args)
        .output()
        .await
        .expect("evscope runs")
}

/// The evscope binary under test: cargo's, or EVSCOPE_TEST_BIN (for a
/// target directory shared with other builds that may replace cargo's).
pub fn evscope_bin() -> PathBuf {
    std::env::var_os("EVSCOPE_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_evscope")))
}

/// The evscope command, ready to spawn.
pub fn evscope_command(endpoint: &str, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(evscope_bin());
    cmd.args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        // Operations journal away from the user's state directory.
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("evscope-test-state"),
        )
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A loopback TCP proxy in front of a server, whose traffic can be cut
/// (every open connection dropped, new ones refused) and restored.
pub struct Proxy {
    /// Its port on 127.0.0.1.
    pub port: u16,
    cut: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Start a proxy to 127.0.0.1:`upstream`.
    pub async fn start(upstream: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("proxy binds");
        let port = listener.local_addr().expect("proxy address").port();
        let cut = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let accept = {
            let (cut, live) = (cut.clone(), live.clone());
            tokio::spawn(async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if cut.load(Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let task = tokio::spawn(async move {
                        if let Ok(mut outbound) =
                            tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                        {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    live.lock().unwrap().push(task.abort_handle());
                }
            })
        };
        Proxy {
            port,
            cut,
            live,
            accept,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Drop every connection and refuse new ones.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Let traffic through again.
    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}
