//! The evscope binary run on files, the way a user runs it.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn evscope(args: &[&str]) -> Output {
    evscope_with_stdin(args, None)
}

fn evscope_with_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_evscope"))
        .args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        // Operations journal away from the user's state directory.
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("evscope-test-state"),
        )
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("evscope runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every peek line is JSON"))
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn ids_in(path: &Path) -> Vec<String> {
    let out = evscope(&["peek", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    lines(&out)
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect()
}

/// A one-line error: starts with `evscope:`, no panic, no backtrace.
fn assert_one_line_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("evscope: "), "{err}");
    assert!(err.contains(needle), "{err:?} should mention {needle:?}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn peek_prints_every_demo_event_as_capture_lines() {
    let out = evscope(&["peek", "demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = lines(&out);
    assert_eq!(docs.len(), 32);
    for doc in &docs {
        assert_eq!(doc["evscope_capture"], 1);
        assert!(doc["id"].is_string());
        assert!(doc["meta"].is_object());
        assert!(doc["problems"].is_array());
    }
    let sources: BTreeSet<_> = docs.iter().map(|d| d["source"].as_str().unwrap()).collect();
    assert_eq!(
        sources,
        BTreeSet::from(["demo:notifications", "demo:payments", "demo:payments.dlq"])
    );
}

#[test]
fn peek_limit_and_filter() {
    let out = evscope(&["peek", "demo", "-n", "3"]);
    assert_eq!(lines(&out).len(), 3);
    let out = evscope(&["peek", "demo", "--filter", "@.meta.expired == true"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expired = lines(&out);
    assert!(expired.len() >= 2, "the demo has expired events");
    assert!(expired.iter().all(|d| d["meta"]["expired"] == true));
    let out = evscope(&[
        "peek",
        "demo",
        "--filter",
        "$[?@.body.eventName == 'SEND_SMS']",
    ]);
    let sms = lines(&out);
    assert_eq!(sms.len(), 2);
    assert!(sms.iter().all(|d| d["body"]["eventName"] == "SEND_SMS"));
}

#[test]
fn check_summarizes_and_exits_one_on_problems() {
    let out = evscope(&["check", "demo"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("demo: 32 events"), "{text}");
    for needle in [
        "expired",
        "malformed",
        "invalid_json",
        "missing_field",
        "bad_date",
        "PaymentCreated",
        "SEND_EMAIL",
    ] {
        assert!(text.contains(needle), "summary mentions {needle}: {text}");
    }
    let dir = tempfile::tempdir().unwrap();
    let clean = write(dir.path(), "clean.jsonl", "{\"a\":1}\n{\"a\":2}\n");
    let out = evscope(&["check", clean.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains(": 2 events"));
}

#[test]
fn plain_json_lines_open_and_bad_lines_are_events() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "app.log.jsonl",
        "{\"eventName\":\"A\"}\nthis is not json\n\n{\"eventName\":\"B\"}\n",
    );
    let out = evscope(&["peek", log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let docs = lines(&out);
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[1]["id"], "line-2");
    assert_eq!(docs[1]["body_encoding"], "utf8");
    assert_eq!(docs[1]["problems"][0]["kind"], "invalid_json");
    assert_eq!(docs[2]["id"], "line-4");
}

#[test]
fn unreadable_capture_line_is_named_and_the_rest_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "broken.jsonl",
        "{\"evscope_capture\":1,\"id\":\"a\",\"body_encoding\":\"json\",\"body\":{}}\n{\"evscope_capture\":1,\"id\":5}\n{\"evscope_capture\":1,\"id\":\"c\",\"body_encoding\":\"utf8\",\"body\":\"hi\"}\n",
    );
    let out = evscope(&["peek", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let ids: Vec<_> = lines(&out).iter().map(|d| d["id"].clone()).collect();
    assert_eq!(ids, vec![Value::from("a"), Value::from("c")]);
    let err = stderr(&out);
    assert!(err.contains("line 2: unreadable capture line"), "{err}");
}

#[test]
fn bad_input_gets_one_clear_line() {
    assert_one_line_error(&evscope(&["peek", "/no/such/file.jsonl"]), "No such file");
    assert_one_line_error(
        &evscope(&["peek", "demo", "--filter", "@.body.x = 'a'"]),
        "bad filter",
    );
    assert_one_line_error(&evscope(&["peek", "kafka://x"]), "unknown scheme");
    assert_one_line_error(&evscope(&["peek", "demo:nope"]), "demo has parts");
    assert_one_line_error(
        &evscope(&["peek", "demo", "-n", "many"]),
        "invalid value 'many'",
    );
}

/// Argument errors are one line naming what is wrong and where help is,
/// never clap's error, tip and usage block.
#[test]
fn argument_errors_are_one_line() {
    let out = evscope(&["--frob"]);
    assert_one_line_error(&out, "unknown option --frob");
    assert_eq!(
        stderr(&out),
        "evscope: unknown option --frob (see evscope --help)\n"
    );
    assert_one_line_error(&evscope(&["peek"]), "<SOURCE>");
    assert_one_line_error(&evscope(&["redrive", "x", "--to"]), "--to");
    assert_one_line_error(&evscope(&["completions", "tcsh"]), "tcsh");
    assert_one_line_error(&evscope(&["peek", "demo", "--limt", "2"]), "--limit");
    // Help and version are not errors.
    let out = evscope(&["--version"]);
    assert!(out.status.success() && stderr(&out).is_empty());
}

/// An absurd --pulsar-timeout is refused on every command, before anything
/// else runs, with the flag and its range, never a panic.
#[test]
fn absurd_timeouts_are_refused_on_every_command() {
    for bad in ["1e20", "1.9e19", "NaN", "inf", "0", "-1"] {
        let flag = format!("--pulsar-timeout={bad}");
        for command in [
            &["completions", "bash"][..],
            &["peek", "demo"],
            &["check", "demo"],
            &["queues"],
            &[],
        ] {
            let mut args = vec![flag.as_str()];
            args.extend_from_slice(command);
            let out = evscope(&args);
            assert_one_line_error(&out, "--pulsar-timeout");
            assert!(stderr(&out).contains("0.1 to 3600"), "{}", stderr(&out));
        }
    }
    let out = evscope(&["--pulsar-timeout", "0.5", "peek", "demo", "-n", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn hostile_bodies_never_reach_stdout_raw() {
    let hostile = "{\"t\":\"\\u001b]0;owned\\u0007\\u001b[2J\",\"c1\":\"\u{9b}31m\",\"bidi\":\"a\u{202e}b\",\"zw\":\"x\u{200b}y\",\"del\":\"\u{7f}\"}\n\u{1b}[31mraw escape line\u{7}\n";
    let out = evscope_with_stdin(&["peek", "-"], Some(hostile.as_bytes()));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for bad in [
        '\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{200b}', '\u{7f}',
    ] {
        assert!(!text.contains(bad), "{bad:?} reached stdout");
    }
    let docs = lines(&out);
    assert_eq!(
        docs[0]["body"]["bidi"], "a\u{202e}b",
        "escaping keeps the value"
    );
    assert_eq!(docs[1]["body"], "\u{1b}[31mraw escape line\u{7}");
}

#[test]
fn secrets_are_masked_unless_revealed() {
    let jwt =
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.c2lnbmF0dXJlLXNlY3JldA";
    let body = format!("{{\"eventName\":\"X\",\"bearer\":\"{jwt}\"}}\n");
    let out = evscope_with_stdin(&["peek", "-"], Some(body.as_bytes()));
    let text = stdout(&out);
    assert!(!text.contains(jwt), "masked by default: {text}");
    assert!(!text.contains("c2lnbmF0dXJlLXNlY3JldA"));
    assert!(text.contains("\"secrets_masked\":true"));
    let out = evscope_with_stdin(&["peek", "-", "--reveal"], Some(body.as_bytes()));
    assert!(stdout(&out).contains(jwt));
}

#[test]
fn check_masks_a_credential_used_as_a_type() {
    let body =
        "{\"eventName\":\"AKIAIOSFODNN7EXAMPL5\",\"version\":\"Bearer verTok0058abcdefgh\"}\n";
    let out = evscope_with_stdin(&["check", "-"], Some(body.as_bytes()));
    let text = stdout(&out);
    assert!(text.contains("AKIA…(20 chars)"), "{text}");
    assert!(!text.contains("AKIAIOSFODNN7EXAMPL5"), "{text}");
    assert!(!text.contains("verTok0058abcdefgh"), "{text}");
}

#[test]
fn a_filter_finds_members_named_outside_ascii() {
    let line = "{\"evscope_capture\":1,\"id\":\"u\",\"body_encoding\":\"json\",\"body\":{\"a€\":\"v\",\"x😀\":1}}\n";
    for filter in ["@.body.a€ == 'v'", "@.body.x😀 == 1"] {
        let out = evscope_with_stdin(&["peek", "-", "--filter", filter], Some(line.as_bytes()));
        assert_eq!(lines(&out).len(), 1, "{filter}: {}", stderr(&out));
    }
}

#[test]
fn export_round_trips_exact_bodies() {
    let dir = tempfile::tempdir().unwrap();
    // Odd spacing, an escaped character, a DEL inside a string, binary: all must survive.
    let source = dir.path().join("src.jsonl");
    let mut bytes =
        b"{\"a\" :  1,\"s\":\"\\u00e9\"}\n{\"del\":\"x\x7fy\"}\nplain text body\n".to_vec();
    bytes.extend_from_slice(b"\xff\xfe binary\n");
    std::fs::write(&source, &bytes).unwrap();
    let first = dir.path().join("first.jsonl");
    let out = evscope(&[
        "export",
        source.to_str().unwrap(),
        "-o",
        first.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("exported 4 events"));
    let second = dir.path().join("second.jsonl");
    let out = evscope(&[
        "export",
        first.to_str().unwrap(),
        "-o",
        second.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported = std::fs::read_to_string(&second).unwrap();
    let docs: Vec<Value> = exported
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let raw = |doc: &Value| -> Vec<u8> {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        if let Some(exact) = doc["raw_base64"].as_str() {
            return b64.decode(exact).unwrap();
        }
        match doc["body_encoding"].as_str().unwrap() {
            "utf8" => doc["body"].as_str().unwrap().as_bytes().to_vec(),
            "base64" => b64.decode(doc["body"].as_str().unwrap()).unwrap(),
            _ => {
                // verbatim: the body text as written in the line
                let line = exported
                    .lines()
                    .find(|l| l.contains(doc["id"].as_str().unwrap()))
                    .unwrap();
                let start = line.find("\"body\":").unwrap() + 7;
                line.as_bytes()[start..line.len() - 1].to_vec()
            }
        }
    };
    assert_eq!(raw(&docs[0]), b"{\"a\" :  1,\"s\":\"\\u00e9\"}");
    assert_eq!(raw(&docs[1]), b"{\"del\":\"x\x7fy\"}");
    assert_eq!(raw(&docs[2]), b"plain text body");
    assert_eq!(raw(&docs[3]), b"\xff\xfe binary");
    assert!(
        !exported.contains('\u{7f}'),
        "the DEL is escaped in the line"
    );
}

#[test]
fn replay_sends_copies_with_exact_counts() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.jsonl");
    let t = target.to_str().unwrap();
    let out = evscope(&[
        "replay",
        "demo:payments",
        t,
        "--filter",
        "@.key == 'payment-42'",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("3 moved, 0 failed, 14 skipped"),
        "{}",
        stdout(&out)
    );
    assert_eq!(ids_in(&target).len(), 3);
    let out = evscope(&[
        "replay",
        "demo:payments",
        t,
        "--ids",
        "8f1c2a60-0006,8f1c2a60-0008",
        "--dry-run",
    ]);
    assert!(stdout(&out).contains("would send 2 events"));
    assert_eq!(ids_in(&target).len(), 3, "a dry run sends nothing");
    let out = evscope(&["replay", "demo:payments", t, "--read-only"]);
    assert_one_line_error(&out, "read-only");
}

fn dlq_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let queue = dir.join("orders.jsonl");
    let dlq = dir.join("orders.dlq.jsonl");
    std::fs::write(&queue, "{\"eventName\":\"Kept\"}\n").unwrap();
    let mut text = String::new();
    for i in 0..50 {
        text.push_str(&format!(
            "{{\"evscope_capture\":1,\"id\":\"m{i}\",\"source\":\"sqs://orders-dlq\",\"body_encoding\":\"json\",\"body\":{{\"eventName\":\"{}\",\"n\":{i}}}}}\n",
            if i % 5 == 0 { "Retry" } else { "Other" }
        ));
    }
    std::fs::write(&dlq, text).unwrap();
    (queue, dlq)
}

#[test]
fn redrive_moves_selected_events_back_to_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, dlq) = dlq_pair(dir.path());
    let d = dlq.to_str().unwrap();
    let out = evscope(&["redrive", d, "--filter", "@.body.eventName == 'Retry'"]);
    assert_one_line_error(&out, "pass --yes");
    let out = evscope(&[
        "redrive",
        d,
        "--dry-run",
        "--filter",
        "@.body.eventName == 'Retry'",
    ]);
    assert!(
        stdout(&out).contains("would move 10 events"),
        "{}",
        stdout(&out)
    );
    assert_eq!(ids_in(&dlq).len(), 50);
    let out = evscope(&["redrive", d, "--yes", "--read-only"]);
    assert_one_line_error(&out, "read-only");
    let out = evscope(&[
        "redrive",
        d,
        "--yes",
        "--filter",
        "@.body.eventName == 'Retry'",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("10 moved, 0 failed, 40 skipped"),
        "{}",
        stdout(&out)
    );
    assert_eq!(ids_in(&dlq).len(), 40);
    let moved = ids_in(&queue);
    assert_eq!(moved.len(), 11);
    assert!(moved.contains(&"m45".to_string()));
    let out = evscope(&["redrive", d, "--yes", "--ids", "m1,m2"]);
    assert!(stdout(&out).contains("2 moved"), "{}", stdout(&out));
    assert_eq!(ids_in(&dlq).len(), 38);
}

#[test]
fn redrive_to_an_unwritable_target_removes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_, dlq) = dlq_pair(dir.path());
    let target = dir.path().join("no/such/dir/target.jsonl");
    let out = evscope(&[
        "redrive",
        dlq.to_str().unwrap(),
        "--yes",
        "--to",
        target.to_str().unwrap(),
    ]);
    // The target fails as a whole: the redrive stops with an error line.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("0 moved, 50 failed"),
        "{}",
        stdout(&out)
    );
    // Fifty failures for one reason: one line with the count, not fifty.
    assert_eq!(stdout(&out).lines().count(), 2, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("failed: 50 events: "),
        "{}",
        stdout(&out)
    );
    let complaint = stderr(&out);
    assert_eq!(complaint.lines().count(), 1, "{complaint}");
    assert!(
        complaint.contains("stopped early") && complaint.contains("No such file"),
        "{complaint}"
    );
    assert_eq!(ids_in(&dlq).len(), 50, "nothing left the DLQ");
}

#[test]
fn redrive_killed_midway_loses_nothing_and_finishes_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("big.jsonl");
    let dlq = dir.path().join("big.dlq.jsonl");
    let mut text = String::new();
    let total = 20_000;
    for i in 0..total {
        text.push_str(&format!(
            "{{\"evscope_capture\":1,\"id\":\"e{i}\",\"body_encoding\":\"json\",\"body\":{{\"n\":{i},\"pad\":\"{}\"}}}}\n",
            "x".repeat(200)
        ));
    }
    std::fs::write(&dlq, text).unwrap();
    let all: BTreeSet<String> = (0..total).map(|i| format!("e{i}")).collect();
    for delay_ms in [30u64, 120, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_evscope"))
            .args(["redrive", dlq.to_str().unwrap(), "--yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let mut present: BTreeSet<String> = BTreeSet::new();
        if dlq.exists() {
            present.extend(ids_in(&dlq));
        }
        if queue.exists() {
            present.extend(event_ids_in(&queue));
        }
        assert_eq!(
            present, all,
            "killed after {delay_ms} ms: every event is in the DLQ or the queue"
        );
    }
    let out = evscope(&["redrive", dlq.to_str().unwrap(), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(ids_in(&dlq).is_empty());
    let in_queue: BTreeSet<String> = event_ids_in(&queue).into_iter().collect();
    assert_eq!(in_queue, all);
}

/// The ids of the events in a capture a killed writer appended to. A kill
/// in the middle of an append can leave a torn last line, which reads back
/// as an event of its own (`line-N`, a text body) and is left out; the
/// event it was writing is still where it came from.
fn event_ids_in(path: &Path) -> Vec<String> {
    ids_in(path)
        .into_iter()
        .filter(|id| !id.starts_with("line-"))
        .collect()
}

#[test]
fn help_on_every_command_and_completions() {
    for command in [
        "peek",
        "check",
        "export",
        "replay",
        "redrive",
        "completions",
    ] {
        let out = evscope(&[command, "--help"]);
        assert!(out.status.success(), "{command} --help");
        assert!(stdout(&out).contains("Usage: evscope"), "{command}");
    }
    let out = evscope(&["completions", "bash"]);
    assert!(stdout(&out).contains("_evscope"));
}

#[test]
fn config_mappings_extend_the_defaults_and_bad_configs_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "config.toml",
        "[mappings]\ncorrelation_id = [\"$.body.meta.requestId\"]\n",
    );
    let body = "{\"meta\":{\"requestId\":\"req-7\"}}\n";
    let out = evscope_with_stdin(
        &["peek", "-", "--config", config.to_str().unwrap()],
        Some(body.as_bytes()),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        lines(&out)[0]["meta"]["correlation"]["correlation_id"],
        "req-7"
    );

    let bad_key = write(dir.path(), "bad.toml", "them = \"dark\"\n");
    assert_one_line_error(
        &evscope(&["check", "demo", "--config", bad_key.to_str().unwrap()]),
        "line 1: unknown field `them`",
    );
    let bad_path = write(
        dir.path(),
        "badpath.toml",
        "[mappings]\nttl = [\"$.bdy.ttl\"]\n",
    );
    assert_one_line_error(
        &evscope(&["check", "demo", "--config", bad_path.to_str().unwrap()]),
        "mapping `ttl`",
    );
    assert_one_line_error(
        &evscope(&["check", "demo", "--config", "/no/such/config.toml"]),
        "cannot read the config file",
    );
}

/// `peek --follow` on a file: the events there, then an appended one as it
/// arrives; `-n` ends it, and so does Ctrl-C (SIGINT), cleanly.
#[test]
fn peek_follow_prints_appended_events_until_the_limit_or_ctrl_c() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.jsonl");
    std::fs::write(&file, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n").unwrap();
    let follow = |extra: &[&str]| {
        let mut args = vec!["peek", file.to_str().unwrap(), "--follow"];
        args.extend_from_slice(extra);
        let mut child = Command::new(env!("CARGO_BIN_EXE_evscope"))
            .args(&args)
            .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("evscope runs");
        let pid = child.id().to_string();
        // A hung follow must not hang the test.
        let watchdog = pid.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(20));
            let _ = Command::new("kill").args(["-9", &watchdog]).status();
        });
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut next = || lines.next().expect("a line").expect("readable");
        assert!(next().contains("\"id\":\"a\""));
        assert!(next().contains("\"id\":\"b\""));
        std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .unwrap()
            .write_all(b"{\"id\":\"c\"}\n")
            .unwrap();
        assert!(next().contains("\"id\":\"c\""), "the appended event shows");
        (child, pid)
    };
    let (mut child, _) = follow(&["-n", "3"]);
    assert!(child.wait().unwrap().success(), "-n 3 ends the follow");
    let (mut child, pid) = follow(&[]);
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "Ctrl-C ends a follow cleanly: {status:?}");
}

/// A capture whose second line is an unreadable capture line (cut short).
fn capture_with_a_bad_line(dir: &Path, name: &str) -> PathBuf {
    let line = |id: &str| {
        format!(
            "{{\"evscope_capture\":1,\"id\":\"{id}\",\"body_encoding\":\"json\",\"body\":{{\"id\":\"{id}\"}}}}\n"
        )
    };
    let text = format!(
        "{}{{\"evscope_capture\":1,\"id\":5}}\n{}",
        line("a"),
        line("c")
    );
    write(dir, name, &text)
}

/// Redrive and delete on a capture with an unreadable line: it is counted,
/// named by its line number, left where it is, and the exit is 2 (as
/// `peek` and `check` on the same file), not 0.
#[test]
fn redrive_and_delete_report_unreadable_lines_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let source = capture_with_a_bad_line(dir.path(), "orders.dlq.jsonl");
    let s = source.to_str().unwrap();
    let queue = dir.path().join("orders.jsonl");

    let out = evscope(&["redrive", s, "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let report = stdout(&out);
    assert!(
        report.contains("2 moved, 0 failed, 0 skipped, 1 unreadable"),
        "{report}"
    );
    assert!(report.contains("  unreadable line 2: "), "{report}");
    assert_eq!(ids_in(&queue), ["a", "c"]);
    let left = std::fs::read_to_string(&source).unwrap();
    assert_eq!(
        left, "{\"evscope_capture\":1,\"id\":5}\n",
        "the bad line stays"
    );

    let source = capture_with_a_bad_line(dir.path(), "events.jsonl");
    let s = source.to_str().unwrap();
    let out = evscope(&["delete", s, "--ids", "c", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let report = stdout(&out);
    assert!(report.contains("1 deleted, 0 failed"), "{report}");
    assert!(report.contains("1 unreadable"), "{report}");
    assert!(report.contains("  unreadable line 2: "), "{report}");

    // A dry run names them too.
    let out = evscope(&["delete", s, "--ids", "a", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("  unreadable line 2: "),
        "{}",
        stdout(&out)
    );
    // So does the count before asking, when nothing is selected.
    let out = evscope(&["delete", s, "--ids", "nope"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("nothing to delete"),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("line 2: "), "{}", stderr(&out));
}

/// Run evscope where it cannot create files in a read-only directory: as
/// root (who may write anywhere) through setpriv as nobody.
fn evscope_unprivileged(dir: &Path, args: &[&str]) -> Output {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join(".uid-probe");
    std::fs::write(&probe, "").unwrap();
    let root = std::fs::metadata(&probe).unwrap().uid() == 0;
    std::fs::remove_file(&probe).unwrap();
    let mut command = if root {
        // nobody may not reach the build directory (a checkout under
        // /root): run a link to (or copy of) the binary in `dir`.
        let bin = dir.join("evscope-bin");
        if !bin.exists() {
            std::fs::hard_link(env!("CARGO_BIN_EXE_evscope"), &bin)
                .or_else(|_| std::fs::copy(env!("CARGO_BIN_EXE_evscope"), &bin).map(drop))
                .unwrap();
        }
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&bin);
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_evscope"))
    };
    // The journal goes where the unprivileged user may write it.
    let state = dir.join("state");
    std::fs::create_dir_all(&state).unwrap();
    set_mode(&state, 0o777);
    command
        .args(args)
        .env("XDG_STATE_HOME", &state)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        // A journal the unprivileged user can write (it creates the folder).
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("evscope-test-state-unprivileged"),
        )
        .stdin(Stdio::null())
        .output()
        .expect("evscope runs")
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// When the source cannot be rewritten (its directory is read-only), the
/// report counts what really happened: nothing was deleted, and a redrive's
/// sent events are in both places, not "moved".
#[test]
fn a_source_that_cannot_be_rewritten_is_reported_as_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let locked = dir.path().join("locked");
    let open = dir.path().join("open");
    std::fs::create_dir(&locked).unwrap();
    std::fs::create_dir(&open).unwrap();
    let mut text = String::new();
    for id in ["a", "b", "c", "d"] {
        text.push_str(&format!(
            "{{\"evscope_capture\":1,\"id\":\"{id}\",\"body_encoding\":\"json\",\"body\":{{}}}}\n"
        ));
    }
    let source = write(&locked, "q.jsonl", &text);
    let target = open.join("target.jsonl");
    std::fs::write(&target, "").unwrap();
    set_mode(&target, 0o666);
    set_mode(&open, 0o777);
    set_mode(&source, 0o644);
    set_mode(&locked, 0o555);
    set_mode(dir.path(), 0o755);
    let s = source.to_str().unwrap();

    let out = evscope_unprivileged(dir.path(), &["delete", s, "--ids", "b", "--yes"]);
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{report}{}", stderr(&out));
    assert!(
        report.contains(": 0 deleted, 1 failed, 3 skipped"),
        "{report}"
    );
    assert!(report.contains("failed b: not deleted: "), "{report}");
    assert!(stderr(&out).contains("stopped early"), "{}", stderr(&out));
    assert_eq!(ids_in(&source), ["a", "b", "c", "d"]);

    let t = target.to_str().unwrap();
    let out = evscope_unprivileged(
        dir.path(),
        &["redrive", s, "--to", t, "--ids", "a,c", "--yes"],
    );
    let report = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{report}{}", stderr(&out));
    assert!(report.contains(": 0 moved, 0 failed"), "{report}");
    assert!(
        report.contains("sent but still in the source (now in both) a: "),
        "{report}"
    );
    assert_eq!(ids_in(&source), ["a", "b", "c", "d"]);
    assert_eq!(ids_in(&target), ["a", "c"]);
    set_mode(&locked, 0o755);
}

/// A replay whose target fails as a whole stops at once with redrive's
/// rule and message: exit 2 and one `stopped early` line on stderr.
#[test]
fn replay_to_a_failing_target_stops_early_like_redrive() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("no/such/dir/out.jsonl");
    let mut text = String::new();
    for i in 0..250 {
        text.push_str(&format!("{{\"n\":{i}}}\n"));
    }
    let source = write(dir.path(), "many.jsonl", &text);
    let out = evscope(&["replay", source.to_str().unwrap(), target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let complaint = stderr(&out);
    assert_eq!(complaint.lines().count(), 1, "{complaint}");
    assert!(
        complaint.starts_with("evscope: stopped early: ") && complaint.contains("No such file"),
        "{complaint}"
    );
    // The first chunk failed; the rest was never tried.
    assert!(
        stdout(&out).contains("0 moved, 100 failed"),
        "{}",
        stdout(&out)
    );
}

/// --read-only refuses what changes a source, and allows dry runs, which
/// change nothing.
#[test]
fn read_only_allows_dry_runs_and_refuses_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (queue, dlq) = dlq_pair(dir.path());
    let d = dlq.to_str().unwrap();
    let q = queue.to_str().unwrap();
    let out = evscope(&["--read-only", "redrive", d, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("would move 50 events"),
        "{}",
        stdout(&out)
    );
    let out = evscope(&["--read-only", "delete", d, "--ids", "m1,m2", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("would delete 2 events"),
        "{}",
        stdout(&out)
    );
    let out = evscope(&["--read-only", "replay", d, q, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("would send 50 events"),
        "{}",
        stdout(&out)
    );
    for args in [
        &["redrive", d, "--yes"][..],
        &["delete", d, "--ids", "m1", "--yes"],
        &["purge", d, "--yes"],
        &["replay", d, q],
    ] {
        let mut all = vec!["--read-only"];
        all.extend_from_slice(args);
        assert_one_line_error(&evscope(&all), "refused in read-only mode");
    }
    assert_eq!(ids_in(&dlq).len(), 50);
    assert_eq!(ids_in(&queue).len(), 1);
}

/// An exported capture reopened shows the same problems: a body that was
/// promised as JSON (a JSON Lines line) and is not keeps `invalid_json`.
#[test]
fn an_export_reopened_shows_the_same_problems() {
    let dir = tempfile::tempdir().unwrap();
    let source = write(
        dir.path(),
        "mixed.jsonl",
        "{\"a\":1}\n{\"a\": broken\nplain text\n\"quoted\"\n",
    );
    let export = dir.path().join("export.jsonl");
    let out = evscope(&[
        "export",
        source.to_str().unwrap(),
        "-o",
        export.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let problems = |path: &Path| -> Vec<Value> {
        let out = evscope(&["peek", path.to_str().unwrap()]);
        lines(&out).iter().map(|l| l["problems"].clone()).collect()
    };
    let before = problems(&source);
    assert_eq!(
        before
            .iter()
            .filter(|p| p.to_string().contains("invalid_json"))
            .count(),
        2,
        "{before:?}"
    );
    assert_eq!(problems(&export), before);
    let malformed = |path: &Path| {
        let out = evscope(&["check", path.to_str().unwrap()]);
        stdout(&out)
            .lines()
            .find(|l| l.trim_start().starts_with("invalid_json"))
            .map(str::to_string)
    };
    assert_eq!(malformed(&export), malformed(&source));
    // Exporting the export changes nothing more.
    let again = dir.path().join("again.jsonl");
    let out = evscope(&[
        "export",
        export.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(problems(&again), before);
}

/// Purging a capture with an unreadable line empties it of its events and
/// says the line is left, with exit 2, instead of "purged".
#[test]
fn purge_names_the_unreadable_lines_it_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let source = capture_with_a_bad_line(dir.path(), "p.jsonl");
    let out = evscope(&["purge", source.to_str().unwrap(), "--yes"]);
    assert_one_line_error(&out, "1 unreadable lines are left in the file (line 2: ");
    assert_eq!(
        std::fs::read_to_string(&source).unwrap(),
        "{\"evscope_capture\":1,\"id\":5}\n"
    );
}

/// Redrive and delete select with the same eyes as peek: on a JSON Lines
/// file every line is promised JSON, so a filter on `invalid_json` picks
/// the same lines in all three, and the confirmation count is the count
/// moved.
#[test]
fn operations_select_what_peek_selects() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"a\":1}\nnot json at all\n{\"a\": broken\n";
    let dlq = write(dir.path(), "orders.dlq.jsonl", text);
    let d = dlq.to_str().unwrap();
    let filter = "@.problems[?@.kind == 'invalid_json']";
    let out = evscope(&["peek", d, "--filter", filter]);
    assert_eq!(lines(&out).len(), 2, "{}", stdout(&out));
    let out = evscope(&["delete", d, "--filter", filter, "--dry-run"]);
    assert!(
        stdout(&out).contains("would delete 2 events"),
        "{}",
        stdout(&out)
    );
    let out = evscope(&["redrive", d, "--filter", filter, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("2 moved, 0 failed, 1 skipped"),
        "{}",
        stdout(&out)
    );
    assert_eq!(std::fs::read_to_string(&dlq).unwrap(), "{\"a\":1}\n");
}

fn reservations(dir: &Path) -> PathBuf {
    let mut text = String::new();
    for (i, (time, status)) in [
        ("2026-03-01T09:00:00Z", "CONFIRMED"),
        ("2026-03-01T23:30:00Z", "CANCELLED"),
        ("2026-03-02T08:00:00Z", "CONFIRMED"),
        ("2026-03-02T09:00:00Z", "PENDING"),
    ]
    .iter()
    .enumerate()
    {
        text.push_str(&format!(
            "{{\"eventId\":\"r{i}\",\"eventName\":\"ReservationChanged\",\"creationDate\":\"{time}\",\"status\":\"{status}\",\"amount\":{}}}\n",
            (i + 1) * 10
        ));
    }
    write(dir, "reservations.jsonl", &text)
}

#[test]
fn stats_pivots_days_against_status_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let file = reservations(dir.path());
    let file = file.to_str().unwrap();
    let args = ["stats", file, "--rows", "day", "--cols", "$.body.status"];
    let out = evscope(&[&args[..], &["--format", "csv"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "day,CANCELLED,CONFIRMED,PENDING,total\n2026-03-01,1,1,0,2\n2026-03-02,0,1,1,2\ntotal,1,2,1,4\n"
    );
    // Madrid: 23:30 UTC on 1 March is already 2 March.
    let out = evscope(&[&args[..], &["--format", "csv", "--tz", "Europe/Madrid"]].concat());
    assert!(
        stdout(&out).contains("\n2026-03-02,1,1,1,3\n"),
        "{}",
        stdout(&out)
    );
    let out = evscope(
        &[
            &args[..],
            &["--format", "json", "--value", "sum:$.body.amount"],
        ]
        .concat(),
    );
    let json: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(json["value"], "sum:$.body.amount");
    assert_eq!(json["total"], 100);
    assert_eq!(json["cells"].as_array().unwrap().len(), 6);
    let out = evscope(&[&args[..], &["--format", "markdown", "--top", "1"]].concat());
    assert_eq!(
        stdout(&out).lines().next().unwrap(),
        "| day | CONFIRMED | other | total |"
    );
    let table = stdout(&evscope(&[
        "stats",
        file,
        "--rows",
        "hour",
        "--filter",
        "@.body.status == 'CONFIRMED'",
    ]));
    assert_eq!(table.lines().count(), 4, "{table}");
    assert!(table.contains('█'), "{table}");
}

#[test]
fn stats_bad_keys_and_print_sql() {
    let dir = tempfile::tempdir().unwrap();
    let file = reservations(dir.path());
    let file = file.to_str().unwrap();
    assert_one_line_error(
        &evscope(&["stats", file, "--rows", "colour"]),
        "--rows: unknown key `colour`",
    );
    assert_one_line_error(
        &evscope(&["stats", file, "--rows", "day", "--tz", "Nowhere"]),
        "unknown time zone",
    );
    assert_one_line_error(
        &evscope(&["stats", file, "--rows", "day", "--value", "sum:$.body["]),
        "--value: bad JSONPath",
    );
    let out = evscope(&[
        "stats",
        file,
        "--rows",
        "day",
        "--cols",
        "$.body.status",
        "--print-sql",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("json_extract_string(body, '$.status') AS col_key"),
        "{}",
        stdout(&out)
    );
}

/// `--rows flow-state` labels each event by its flow's state as `evscope
/// flows` judges it, across the demo's queue and its DLQ: 3 failed flows
/// of 9 events, 3 complete of 8, 2 stuck of 3, and 12 events in no flow.
#[test]
fn stats_by_flow_state_on_the_demo() {
    let counts = |extra: &[&str]| {
        let out = evscope(&[&["stats", "demo", "--format", "csv"][..], extra].concat());
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(
        counts(&["--rows", "flow-state"]),
        "flow-state,count\ncomplete,8\nfailed,9\nstuck,3\n(none),12\ntotal,32\n"
    );
    // Judged with a stuck-after age longer than the demo's age: open.
    assert_eq!(
        counts(&["--rows", "flow-state", "--stuck-after", "36500d"]),
        "flow-state,count\ncomplete,8\nfailed,9\nopen,3\n(none),12\ntotal,32\n"
    );
    // As columns, against another key, after a filter.
    let text = counts(&[
        "--rows",
        "source",
        "--cols",
        "flow_state",
        "--filter",
        "@.meta.type != 'SEND_EMAIL'",
    ]);
    assert_eq!(
        text,
        "source,complete,failed,stuck,(none),total\ndemo:notifications,0,1,0,3,4\ndemo:payments,8,5,3,1,17\ndemo:payments.dlq,0,3,0,1,4\ntotal,8,9,3,5,25\n"
    );
    assert_one_line_error(
        &evscope(&["stats", "demo", "--rows", "flow-state", "--print-sql"]),
        "flow-state is worked out across events",
    );
}

/// A key path onto a secret-named member shows it masked in `stats` and
/// `diff`, however little else they inspect.
#[test]
fn stats_and_diff_keys_on_secret_members_are_masked() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.jsonl",
        "{\"eventId\":\"e1\",\"amount\":1,\"password\":\"hunter22\"}\n",
    );
    let b = write(
        dir.path(),
        "b.jsonl",
        "{\"eventId\":\"e1\",\"amount\":5,\"password\":\"hunter22\"}\n",
    );
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let stats = evscope(&["stats", a, "--rows", "$.body.password"]);
    let diff = evscope(&["diff", a, b, "--key", "$.body.password"]);
    for out in [&stats, &diff] {
        assert!(!stdout(out).contains("hunter22"), "{}", stdout(out));
    }
    assert!(stdout(&diff).contains("$.body.amount"), "{}", stdout(&diff));
}

#[test]
fn diff_reports_missing_extra_changed_and_duplicates_with_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let line = |id: &str, amount: i64, sent: &str| {
        format!(
            "{{\"eventId\":\"{id}\",\"eventName\":\"PaymentCreated\",\"amount\":{amount},\"sentAt\":\"{sent}\"}}\n"
        )
    };
    let old = write(
        dir.path(),
        "old.jsonl",
        &[line("e1", 1, "x"), line("e2", 2, "x"), line("e3", 3, "x")].concat(),
    );
    let new = write(
        dir.path(),
        "new.jsonl",
        &[
            line("e1", 1, "y"),
            line("e2", 9, "y"),
            line("e4", 4, "y"),
            line("e4", 4, "y"),
        ]
        .concat(),
    );
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let out = evscope(&[
        "diff",
        old,
        new,
        "--ignore",
        "$.body.sentAt",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(json["only_a"], serde_json::json!(["e3"]));
    assert_eq!(json["only_b"], serde_json::json!(["e4"]));
    assert_eq!(
        json["different"],
        serde_json::json!([{"key": "e2", "paths": ["$.body.amount"]}])
    );
    assert_eq!(
        json["duplicates_b"],
        serde_json::json!([{"key": "e4", "count": 2}])
    );
    assert_eq!(json["same"], 1);
    // A's lines are read again where they differ: found past a byte order
    // mark and Windows line ends too.
    let windows = write(
        dir.path(),
        "old-crlf.jsonl",
        &format!(
            "\u{feff}{}",
            [line("e1", 1, "x"), line("e2", 2, "x"), line("e3", 3, "x")]
                .concat()
                .replace('\n', "\r\n")
        ),
    );
    let out = evscope(&[
        "diff",
        windows.to_str().unwrap(),
        new,
        "--ignore",
        "$.body.sentAt",
        "--format",
        "json",
    ]);
    let again: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(again, json, "{}", stderr(&out));
    // The same capture against itself matches: exit 0.
    let out = evscope(&["diff", old, old]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("same                3"),
        "{}",
        stdout(&out)
    );
    // Errors: exit 2, one line.
    assert_one_line_error(&evscope(&["diff", old, "/nonexistent/x.jsonl"]), "x.jsonl");
    assert_one_line_error(
        &evscope(&["diff", old, new, "--ignore", "$.attributes.x"]),
        "--ignore",
    );
    assert_one_line_error(
        &evscope(&["diff", old, new, "--key", "$.body["]),
        "--key: bad JSONPath",
    );
}
