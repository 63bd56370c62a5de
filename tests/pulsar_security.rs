//! The Pulsar backend's TLS (`pulsar+ssl://`, `--pulsar-ca`) and OAuth2
//! client-credentials authentication, end to end: the real evscope binary
//! against a real pulsar-lite broker, reached through the test relay, a TLS
//! front with a throwaway CA (tests/support/tls_front.rs) and a loopback
//! OAuth2 issuer (tests/support/token_issuer.rs). pulsar-lite checks no
//! credentials, so the OAuth2 tests look at what the issuer received and
//! which token the relay saw the client present.

mod support;

// Shared with tests/pulsar.rs, which uses the parts these tests do not.
#[allow(dead_code)]
#[path = "support/pulsar_broker.rs"]
mod pulsar_broker;
#[allow(dead_code)]
#[path = "support/relay.rs"]
mod relay;
#[path = "support/tls_front.rs"]
mod tls_front;
#[path = "support/token_issuer.rs"]
mod token_issuer;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pulsar_broker::{Broker, evscope_command};
use support::{stderr, stdout, unique};
use tls_front::{Ca, TlsFront};
use token_issuer::{Answer, Issuer};

/// The broker these tests share, with a TLS front whose CA file is `ca`.
struct Secured {
    broker: Broker,
    front: TlsFront,
    ca: PathBuf,
    dir: tempfile::TempDir,
}

fn secured() -> &'static Secured {
    static SECURED: OnceLock<Secured> = OnceLock::new();
    SECURED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let broker = Broker::start(0, false);
        let ca = Ca::new("evscope test CA");
        let front = TlsFront::start(&ca, broker.relay.addr);
        broker.relay.advertise_tls(&front.url());
        Secured {
            ca: ca.write_pem(&dir.path().join("ca.pem")),
            broker,
            front,
            dir,
        }
    })
}

/// Run evscope with no Pulsar settings from the environment or client.conf.
fn evscope(args: &[&str]) -> Output {
    evscope_command(args).output().expect("evscope runs")
}

/// Run evscope and expect success.
fn evscope_ok(args: &[&str]) -> String {
    let out = evscope(args);
    assert!(
        out.status.success(),
        "evscope {args:?}: {:?}\n{}",
        out.status,
        stderr(&out)
    );
    stdout(&out)
}

/// Bodies for a new topic, written as a JSON Lines file in `dir`.
fn bodies(dir: &Path, name: &str) -> (PathBuf, Vec<serde_json::Value>) {
    let bodies: Vec<_> = (0..3)
        .map(|i| serde_json::json!({"n": i, "topic": name}))
        .collect();
    let path = dir.join(format!("{name}.jsonl"));
    let text: String = bodies.iter().map(|b| format!("{b}\n")).collect();
    std::fs::write(&path, text).expect("write bodies");
    (path, bodies)
}

/// The bodies of `evscope peek` capture lines.
fn peeked(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).expect("a capture line");
            event["body"].clone()
        })
        .collect()
}

/// A topic holding `bodies`, sent over plain pulsar:// with no credentials.
fn topic_with_messages(s: &Secured, name: &str) -> (String, Vec<serde_json::Value>) {
    let topic = unique(name);
    let (file, bodies) = bodies(s.dir.path(), &topic);
    evscope_ok(&["replay", file.to_str().unwrap(), &s.broker.uri(&topic)]);
    (topic, bodies)
}

/// Assert a one-line error with exit code 2 that came within `limit` and
/// mentions every one of `words`.
fn assert_fails_fast(args: &[&str], limit: Duration, words: &[&str]) -> String {
    let started = Instant::now();
    let out = evscope(args);
    let elapsed = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    for word in words {
        assert!(err.contains(word), "{word:?} missing from: {err}");
    }
    assert!(elapsed < limit, "took {elapsed:?}: {err}");
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
    err
}

#[test]
fn tls_with_the_ca_sends_and_reads_through_the_tls_front() {
    let s = secured();
    let topic = unique("tls");
    let (file, bodies) = bodies(s.dir.path(), &topic);
    let uri = format!("{}/{topic}", s.front.url());
    let ca = s.ca.to_str().unwrap();
    let before = s.front.handshakes();

    evscope_ok(&["replay", file.to_str().unwrap(), &uri, "--pulsar-ca", ca]);
    let after_replay = s.front.handshakes();
    assert!(after_replay > before, "the replay did not go through TLS");

    let out = evscope_ok(&["peek", &uri, "--pulsar-ca", ca]);
    assert_eq!(peeked(&out), bodies, "{out}");
    assert!(
        s.front.handshakes() > after_replay,
        "the peek did not go through TLS"
    );
    // The same messages, read over plain TCP: they really are on the broker.
    assert_eq!(
        peeked(&evscope_ok(&["peek", &s.broker.uri(&topic)])),
        bodies
    );
}

#[test]
fn tls_without_the_right_ca_fails_fast_in_one_line() {
    let s = secured();
    let (topic, _) = topic_with_messages(s, "tls-refused");
    let uri = format!("{}/{topic}", s.front.url());
    let wrong = Ca::new("some other CA").write_pem(&s.dir.path().join("wrong-ca.pem"));
    let limit = Duration::from_secs(5);

    let refused = s.front.refused();
    assert_fails_fast(&["peek", &uri], limit, &["TLS", "--pulsar-ca"]);
    assert!(s.front.refused() > refused, "no handshake was refused");

    let refused = s.front.refused();
    assert_fails_fast(
        &["peek", &uri, "--pulsar-ca", wrong.to_str().unwrap()],
        limit,
        &["TLS", "--pulsar-ca"],
    );
    assert!(s.front.refused() > refused, "no handshake was refused");

    let missing = s.dir.path().join("no-such-ca.pem");
    assert_fails_fast(
        &["peek", &uri, "--pulsar-ca", missing.to_str().unwrap()],
        limit,
        &["no-such-ca.pem"],
    );
}

/// Flags for OAuth2 with `issuer` and fresh credentials; returns them with
/// the credentials written to a file in `dir`.
fn oauth2_flags(dir: &Path, issuer: &Issuer, id: &str, secret: &str) -> Vec<String> {
    let credentials = dir.join(format!("{id}.json"));
    let json = serde_json::json!({"client_id": id, "client_secret": secret});
    std::fs::write(&credentials, json.to_string()).expect("write credentials");
    vec![
        "--pulsar-oauth2-issuer".into(),
        issuer.url(),
        "--pulsar-oauth2-credentials".into(),
        credentials.display().to_string(),
        "--pulsar-oauth2-audience".into(),
        "urn:evscope:test broker".into(),
    ]
}

#[test]
fn oauth2_token_from_the_issuer_is_what_the_broker_gets() {
    let s = secured();
    let (topic, bodies) = topic_with_messages(s, "oauth2");
    let token = unique("access-token");
    let issuer = Issuer::start(Answer::Token(token.clone()));
    // A secret that needs form encoding.
    let secret = "s3cr&t=+ é/%";
    let client_id = unique("evscope-client");
    let flags = oauth2_flags(s.dir.path(), &issuer, &client_id, secret);
    let uri = s.broker.uri(&topic);
    let mut args = vec!["peek", uri.as_str()];
    args.extend(flags.iter().map(String::as_str));

    let out = evscope_ok(&args);
    assert_eq!(peeked(&out), bodies, "{out}");

    let requests = issuer.requests();
    let paths: Vec<_> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths.first().map(String::as_str),
        Some("GET /.well-known/openid-configuration"),
        "{paths:?}"
    );
    let posts: Vec<_> = requests.iter().filter(|r| r.method == "POST").collect();
    assert!(!posts.is_empty(), "no token request: {paths:?}");
    for post in posts {
        assert_eq!(post.path, "/token");
        assert_eq!(
            post.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        let form: Vec<_> = post
            .form
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            form,
            [
                ("audience", "urn:evscope:test broker"),
                ("client_id", client_id.as_str()),
                ("client_secret", secret),
                ("grant_type", "client_credentials"),
            ]
        );
    }
    // Every connection of this run presented the issuer's token.
    let presented: Vec<_> = s
        .broker
        .relay
        .auth_sent()
        .into_iter()
        .filter(|(_, data)| data == token.as_bytes())
        .collect();
    assert!(!presented.is_empty(), "the broker never got the token");
    assert!(
        presented.iter().all(|(method, _)| method == "token"),
        "{presented:?}"
    );
}

/// An issuer saying its token lasts (almost) forever must not crash the
/// client: the lifetime is bounded before it reaches the clock.
#[test]
fn oauth2_token_with_a_huge_lifetime_is_used_without_a_crash() {
    let s = secured();
    let (topic, bodies) = topic_with_messages(s, "oauth2-forever");
    let token = unique("forever-token");
    let issuer = Issuer::start(Answer::TokenLasting(
        token.clone(),
        serde_json::json!(u64::MAX),
    ));
    let flags = oauth2_flags(s.dir.path(), &issuer, &unique("forever-client"), "secret");
    let uri = s.broker.uri(&topic);
    let mut args = vec!["peek", uri.as_str()];
    args.extend(flags.iter().map(String::as_str));

    let out = evscope_ok(&args);
    assert_eq!(peeked(&out), bodies, "{out}");
}

#[test]
fn oauth2_refused_by_the_issuer_fails_fast_in_one_line() {
    let s = secured();
    let (topic, _) = topic_with_messages(s, "oauth2-refused");
    let issuer = Issuer::start(Answer::Refuse);
    let flags = oauth2_flags(s.dir.path(), &issuer, &unique("refused-client"), "wrong");
    let uri = s.broker.uri(&topic);
    let mut args = vec!["peek", uri.as_str()];
    args.extend(flags.iter().map(String::as_str));

    let err = assert_fails_fast(
        &args,
        Duration::from_secs(5),
        &["authentication failed", "401"],
    );
    assert_eq!(err.matches("authentication failed").count(), 1, "{err}");
    assert!(
        issuer.requests().iter().any(|r| r.method == "POST"),
        "the issuer was never asked: {err}"
    );
}
