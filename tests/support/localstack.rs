//! LocalStack's SQS for the tests where SQS behaviour matters (every
//! receive raises ApproximateReceiveCount; the receive after
//! maxReceiveCount moves a message to the DLQ, as on AWS). It runs as a
//! plain Python process on a free loopback port, from the venv
//! tools/test.sh creates (`.venv-localstack`, Python >= 3.13, pins in
//! tests/requirements-localstack.txt).
//!
//! [`localstack()`] starts one instance per test binary, on first use
//! (startup takes about 2 s); a Python wrapper stops it with SIGTERM when
//! the test binary's end closes its stdin. [`LocalStack::start`] gives a
//! private instance, stopped with SIGTERM when dropped.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdin};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use crate::support::{free_port, start_server};

/// The Python of the LocalStack venv.
pub fn python() -> PathBuf {
    if let Ok(path) = std::env::var("EVSCOPE_TEST_LOCALSTACK_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-localstack/bin/python");
    if venv.exists() {
        return venv;
    }
    panic!(
        "the LocalStack tests need .venv-localstack: run tools/test.sh once (it creates it with Python >= 3.13 and tests/requirements-localstack.txt), or set EVSCOPE_TEST_LOCALSTACK_PYTHON"
    );
}

/// Starts LocalStack in a fresh state directory, and stops it with SIGTERM
/// (SIGKILL after 10 s) when its stdin closes: the test binary exited or
/// dropped the [`LocalStack`].
const WRAPPER: &str = r#"
import os, shutil, subprocess, sys, tempfile, threading
port = sys.argv[1]
root = tempfile.mkdtemp(prefix="evscope-localstack-")
log = open(os.path.join(root, "localstack.log"), "w+b")
env = dict(os.environ,
    SERVICES="sqs", EAGER_SERVICE_LOADING="1",
    GATEWAY_LISTEN="127.0.0.1:" + port, LOCALSTACK_HOST="127.0.0.1:" + port,
    SQS_ENDPOINT_STRATEGY="path", DNS_ADDRESS="0", SKIP_SSL_CERT_DOWNLOAD="1",
    FILESYSTEM_ROOT=root, LOCALSTACK_TELEMETRY_DISABLED="1", DISABLE_EVENTS="1",
    PERSISTENCE="0")
server = subprocess.Popen([sys.executable, "-m", "localstack.runtime.main"], env=env,
                          stdout=log, stderr=subprocess.STDOUT)
stopping = threading.Event()
def watch():
    code = server.wait()
    if stopping.is_set():
        return
    log.seek(0)
    sys.stderr.write(log.read()[-4000:].decode("utf-8", "replace"))
    sys.stderr.flush()
    os._exit(code or 1)
threading.Thread(target=watch, daemon=True).start()
try:
    sys.stdin.read()
finally:
    stopping.set()
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(root, ignore_errors=True)
    os._exit(0)
"#;

/// A running LocalStack.
pub struct LocalStack {
    /// Its port on 127.0.0.1.
    pub port: u16,
    keepalive: Mutex<Option<ChildStdin>>,
    child: Mutex<Child>,
}

impl LocalStack {
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Start a LocalStack of its own; ready (its SQS running) on return.
    pub fn start() -> LocalStack {
        let port = free_port();
        let (child, stdin) = start_server(
            &python(),
            WRAPPER,
            port,
            "LocalStack",
            "run tools/test.sh to install tests/requirements-localstack.txt",
            sqs_running,
        );
        LocalStack {
            port,
            keepalive: Mutex::new(Some(stdin)),
            child: Mutex::new(child),
        }
    }
}

impl Drop for LocalStack {
    /// SIGTERM, through the wrapper: closing its stdin ends it.
    fn drop(&mut self) {
        drop(
            self.keepalive
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        let mut child = self.child.lock().unwrap_or_else(|p| p.into_inner());
        let _ = child.wait();
    }
}

/// Whether `GET /_localstack/health` says SQS is running. A bare HTTP/1.0
/// request on a TcpStream: the tests have no HTTP client crate, and this
/// one request does not warrant one.
fn sqs_running(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /_localstack/health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    if stream.read_to_string(&mut answer).is_err() {
        return false;
    }
    let Some((_, body)) = answer.split_once("\r\n\r\n") else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["services"]["sqs"].as_str().map(|s| s == "running"))
        .unwrap_or(false)
}

/// The LocalStack of this test binary, started on first use and stopped
/// when the binary exits.
pub fn localstack() -> &'static LocalStack {
    static SHARED: OnceLock<LocalStack> = OnceLock::new();
    SHARED.get_or_init(LocalStack::start)
}
