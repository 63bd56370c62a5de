//! A pulsar-lite broker for the tests: started on a free loopback port with
//! a fresh data directory, reached through the [`Relay`](super::relay),
//! and killed (SIGKILL) or restarted on demand. pulsar-lite comes from
//! tests/requirements.txt (tools/test.sh installs it into .venv and exports
//! EVSCOPE_TEST_PYTHON).

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::relay::Relay;

/// The evscope binary under test: cargo's, or EVSCOPE_TEST_BIN (for a
/// target directory shared with other builds that may replace cargo's).
pub fn evscope_bin() -> PathBuf {
    std::env::var_os("EVSCOPE_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_evscope")))
}

/// evscope with `args`, and no config file, client.conf or Pulsar settings
/// from the environment: only what the test passes counts.
pub fn evscope_command(args: &[&str]) -> Command {
    let mut command = Command::new(evscope_bin());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("EVSCOPE_PULSAR_") {
            command.env_remove(name);
        }
    }
    command
        .args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        .env_remove("PULSAR_CLIENT_CONF")
        .stdin(Stdio::null());
    command
}

/// One broker process and the relay in front of it.
pub struct Broker {
    binary: PathBuf,
    config: PathBuf,
    db: PathBuf,
    /// Keeps the data directory alive.
    _dir: tempfile::TempDir,
    /// The broker's own address.
    pub upstream: SocketAddr,
    /// The relay clients use.
    pub relay: Relay,
    child: Option<(Child, ChildStdin)>,
}

impl Broker {
    /// Start a broker; `partitions` > 0 makes every new topic partitioned.
    /// pulsar-lite serves metrics on a fixed port (8080); only one broker
    /// at a time can have them, so `metrics` says whether this one tries.
    pub fn start(partitions: u32, metrics: bool) -> Broker {
        let binary = binary();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("pulsar-lite.toml");
        write_config(&config, partitions, metrics);
        let upstream = free_port();
        let relay = Relay::start(upstream);
        let mut broker = Broker {
            binary,
            config,
            db: dir.path().join("db"),
            _dir: dir,
            upstream,
            relay,
            child: None,
        };
        broker.launch();
        broker
    }

    /// The service URL evscope and the crate use (through the relay).
    pub fn url(&self) -> String {
        self.relay.url()
    }

    /// A topic URI for evscope: `pulsar://relay/name`.
    pub fn uri(&self, topic: &str) -> String {
        format!("{}/{topic}", self.url())
    }

    /// New topics get `partitions` partitions from the next restart on.
    pub fn reconfigure(&mut self, partitions: u32) {
        write_config(&self.config, partitions, false);
        self.restart();
    }

    fn launch(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.db.with_extension("log"))
            .expect("broker log");
        // The broker runs under a tiny shell that SIGKILLs it when its stdin
        // closes: when the test process ends (even without running Drop,
        // as for a shared broker in a static) or when `kill` drops it.
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" "$@" & b=$!; read _ignored; kill -9 $b; wait $b"#)
            .arg(&self.binary)
            .arg("--config")
            .arg(&self.config)
            .arg("--addr")
            .arg(self.upstream.to_string())
            .arg("--db-path")
            .arg(&self.db)
            .arg("--log-level")
            .arg("warn")
            .stdin(Stdio::piped())
            .stdout(log.try_clone().expect("log clone"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.binary.display()));
        let stdin = child.stdin.take().expect("broker stdin");
        self.child = Some((child, stdin));
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect_timeout(&self.upstream, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "pulsar-lite did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kill the broker at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some((mut child, stdin)) = self.child.take() {
            drop(stdin);
            let _ = child.wait();
        }
    }

    /// Start it again on the same port and data.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

fn write_config(path: &Path, partitions: u32, metrics: bool) {
    std::fs::write(
        path,
        format!("default_partitions = {partitions}\n\n[metrics]\nenabled = {metrics}\n"),
    )
    .expect("write broker config");
}

fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr")
}

/// The pulsar-lite binary: $EVSCOPE_PULSAR_LITE_BIN, else asked from the
/// test Python's pulsar_lite package.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("EVSCOPE_PULSAR_LITE_BIN") {
        return path.into();
    }
    let python = std::env::var_os("EVSCOPE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"));
    let output = Command::new(&python)
        .args([
            "-c",
            "from pulsar_lite.binary_finder import find_pulsar_lite_binary as f; print(f())",
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): run tools/test.sh, which installs pulsar-lite",
                python.display()
            )
        });
    assert!(
        output.status.success(),
        "pulsar-lite is not installed for {}: run tools/test.sh ({})",
        python.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}
