//! The binary on real files that are odd or change under it: its own source
//! as output, links, FIFOs, devices, modes, byte order marks, lines cut
//! short, files truncated or replaced while read or followed.
//!
//! Tests run as root on the build machine: no test writes to a real device.
//! FIFOs stand in for devices; `/dev/zero` is only ever read.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// How long a test waits for something that, when broken, never comes
/// (a hang): a watchdog, not a timing assertion.
const WATCHDOG: Duration = Duration::from_secs(60);

fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_evscope"));
    command
        .args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn evscope(args: &[&str]) -> Output {
    let child = command(args).spawn().expect("evscope runs");
    finish(child)
}

/// Wait for `child`, killing it when the watchdog fires.
fn finish(child: Child) -> Output {
    let id = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("evscope hung (killed after {WATCHDOG:?})");
        }
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn docs(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn capture_line(id: &str) -> String {
    format!(
        "{{\"evscope_capture\":1,\"id\":\"{id}\",\"body_encoding\":\"json\",\"body\":{{\"n\":\"{id}\"}}}}\n"
    )
}

fn capture(ids: &[&str]) -> String {
    ids.iter().map(|id| capture_line(id)).collect()
}

fn ids(path: &Path) -> Vec<String> {
    let out = evscope(&["peek", s(path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    docs(&out)
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

/// Make a FIFO at `fifo`, run evscope with `args` (which write to it)
/// while a thread reads it, and return what was written. The FIFO must
/// still be one afterwards.
fn through_fifo(fifo: &Path, args: &[&str]) -> String {
    let status = Command::new("mkfifo").arg(fifo).status().unwrap();
    assert!(status.success());
    let path = fifo.to_path_buf();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut text = String::new();
        std::fs::File::open(&path)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let _ = tx.send(text);
    });
    let out = evscope(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    let text = rx.recv_timeout(WATCHDOG).expect("the FIFO was written to");
    assert!(is_fifo(fifo), "the FIFO was replaced");
    text
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .file_type()
        .is_fifo()
}

#[test]
fn export_never_writes_over_its_source_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("orders.jsonl");
    let text = capture(&["a", "b", "c"]);
    std::fs::write(&source, &text).unwrap();
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&source, &hard).unwrap();
    let soft = dir.path().join("soft.jsonl");
    std::os::unix::fs::symlink(&source, &soft).unwrap();
    let dotted = dir.path().join(".").join("orders.jsonl");
    for output in [&source, &dotted, &hard, &soft] {
        for (read_only, force) in [(false, false), (true, false), (false, true)] {
            let mut args = vec!["export", s(&source), "-o", s(output)];
            args.extend(["--filter", "@.id == 'a'"]);
            if force {
                args.push("--force");
            }
            if read_only {
                args.insert(0, "--read-only");
            }
            let out = evscope(&args);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
            assert!(
                stderr(&out).contains("is the file being exported"),
                "{args:?}: {}",
                stderr(&out)
            );
            assert_eq!(std::fs::read_to_string(&source).unwrap(), text, "{args:?}");
        }
    }
    assert!(std::fs::symlink_metadata(&soft).unwrap().is_symlink());
}

#[test]
fn export_replaces_an_existing_file_only_when_forced() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("orders.jsonl");
    std::fs::write(&source, capture(&["a", "b"])).unwrap();
    let existing = dir.path().join("keep.jsonl");
    std::fs::write(&existing, "precious\n").unwrap();
    let out = evscope(&["export", s(&source), "-o", s(&existing)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("exists; add --force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "precious\n");
    let out = evscope(&[
        "--read-only",
        "export",
        s(&source),
        "-o",
        s(&existing),
        "--force",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "precious\n");
    let out = evscope(&["export", s(&source), "-o", s(&existing), "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ids(&existing), ["a", "b"]);
    // A new file needs no --force, also in read-only mode.
    let new = dir.path().join("new.jsonl");
    let out = evscope(&["--read-only", "export", s(&source), "-o", s(&new)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ids(&new), ["a", "b"]);
}

#[test]
fn export_writes_through_a_fifo_and_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("orders.jsonl");
    std::fs::write(&source, capture(&["a", "b"])).unwrap();
    // A FIFO (standing in for a device such as /dev/null) stays one.
    let fifo = dir.path().join("pipe");
    let text = through_fifo(&fifo, &["export", s(&source), "-o", s(&fifo)]);
    assert_eq!(text.lines().count(), 2, "{text}");
    // A symlink stays a link; the file it points to gets the export and
    // keeps its mode.
    let real = dir.path().join("real.jsonl");
    std::fs::write(&real, "old\n").unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = dir.path().join("link.jsonl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = evscope(&["export", s(&source), "-o", s(&link), "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(ids(&real), ["a", "b"]);
    assert_eq!(std::fs::metadata(&real).unwrap().mode() & 0o777, 0o600);
    // `-o -` is stdout.
    let out = evscope(&["export", s(&source), "-o", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(docs(&out).len(), 2);
}

#[test]
fn replay_to_a_fifo_writes_without_reading_it_first() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("orders.jsonl");
    std::fs::write(&source, capture(&["a", "b"])).unwrap();
    let fifo = dir.path().join("target.jsonl");
    let text = through_fifo(&fifo, &["replay", s(&source), s(&fifo)]);
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn a_fifo_is_read_as_a_source_but_never_drained() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("orders.dlq.jsonl");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let feed = |fifo: PathBuf| {
        std::thread::spawn(move || {
            std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .unwrap()
                .write_all(capture(&["a", "b"]).as_bytes())
                .unwrap();
        })
    };
    let writer = feed(fifo.clone());
    assert_eq!(docs(&evscope(&["peek", s(&fifo)])).len(), 2);
    writer.join().unwrap();
    let writer = feed(fifo.clone());
    let out = evscope(&["redrive", s(&fifo), "--yes"]);
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("removing events from a stream"));
    assert!(
        !dir.path().join("orders.jsonl").exists(),
        "nothing was sent"
    );
    assert!(is_fifo(&fifo));
}

#[test]
fn a_device_that_never_ends_is_refused_quickly() {
    let out = evscope(&["peek", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("longer than 64 MiB"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn replay_and_redrive_refuse_the_same_file_under_another_name() {
    let dir = tempfile::tempdir().unwrap();
    let dlq = dir.path().join("orders.dlq.jsonl");
    let text = capture(&["a", "b"]);
    std::fs::write(&dlq, &text).unwrap();
    let hard = dir.path().join("hard.jsonl");
    std::fs::hard_link(&dlq, &hard).unwrap();
    let soft = dir.path().join("soft.jsonl");
    std::os::unix::fs::symlink(&dlq, &soft).unwrap();
    let dotted = dir.path().join(".").join("orders.dlq.jsonl");
    for target in [&hard, &soft, &dotted] {
        let out = evscope(&["replay", s(&dlq), s(target)]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("source and target are the same"));
        let out = evscope(&["redrive", s(&dlq), "--to", s(target), "--yes"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("source and target are the same"));
        assert_eq!(std::fs::read_to_string(&dlq).unwrap(), text);
    }
}

#[test]
fn redrive_keeps_the_mode_and_rewrites_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.dlq.jsonl");
    std::fs::write(&real, capture(&["a", "b"])).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    // As root (the build machine), give the file to someone else: the
    // rewrite must give it back to them, not to root.
    if std::fs::metadata("/proc/self").unwrap().uid() == 0 {
        std::os::unix::fs::chown(&real, Some(4321), Some(4321)).unwrap();
    }
    let before = std::fs::metadata(&real).unwrap();
    let owner = (before.uid(), before.gid());
    let link = dir.path().join("orders.dlq.jsonl");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = evscope(&["redrive", s(&link), "--ids", "a", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(ids(&real), ["b"]);
    let meta = std::fs::metadata(&real).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o600);
    assert_eq!((meta.uid(), meta.gid()), owner);
    assert_eq!(ids(&dir.path().join("orders.jsonl")), ["a"]);
    let out = evscope(&["delete", s(&link), "--ids", "b", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    assert_eq!(std::fs::metadata(&real).unwrap().mode() & 0o777, 0o600);
    assert!(ids(&real).is_empty());
}

#[test]
fn temporary_files_of_a_killed_rewrite_are_removed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let dlq = dir.path().join("orders.dlq.jsonl");
    std::fs::write(&dlq, capture(&["a"])).unwrap();
    // pid_max is at most 4194304 on Linux: no process has this pid.
    let stale = dir.path().join(".orders.dlq.jsonl.evscope-4999999.tmp");
    std::fs::write(&stale, capture(&["a"])).unwrap();
    let out = evscope(&["--read-only", "peek", s(&dlq)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stale.exists(), "read-only removes nothing");
    assert!(stderr(&out).contains("not removed in read-only mode"));
    let out = evscope(&["peek", s(&dlq)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stale.exists());
    let err = stderr(&out);
    assert!(err.contains("removed 1 temporary file(s)"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(docs(&out).len(), 1);
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_event() {
    let dir = tempfile::tempdir().unwrap();
    let dlq = dir.path().join("orders.dlq.jsonl");
    std::fs::write(&dlq, format!("\u{feff}{}", capture(&["a", "b"]))).unwrap();
    assert_eq!(ids(&dlq), ["a", "b"]);
    let out = evscope(&["redrive", s(&dlq), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let target = dir.path().join("orders.jsonl");
    let out = evscope(&["peek", s(&target)]);
    let moved = docs(&out);
    assert_eq!(moved[0]["id"], "a");
    assert_eq!(moved[0]["body"]["n"], "a");
}

#[test]
fn a_line_cut_short_is_an_event_with_a_problem_and_nothing_glues_onto_it() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("orders.jsonl");
    let torn = &capture_line("b")[..30];
    std::fs::write(&target, format!("{}{torn}", capture_line("a"))).unwrap();
    let out = evscope(&["peek", s(&target)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = docs(&out);
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[1]["id"], "line-2");
    assert_eq!(shown[1]["problems"][0]["kind"], "invalid_json");
    let out = evscope(&["check", s(&target)]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "found, not an error: {}",
        stderr(&out)
    );
    // The rerun appends after it; the file stays readable.
    let source = dir.path().join("orders.dlq.jsonl");
    std::fs::write(&source, capture(&["c"])).unwrap();
    let out = evscope(&["redrive", s(&source), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ids(&target), ["a", "line-2", "c"]);
    // A redrive out of it moves the events, not the fragment, which stays.
    let dlq = dir.path().join("torn.dlq.jsonl");
    std::fs::rename(&target, &dlq).unwrap();
    let out = evscope(&["redrive", s(&dlq), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ids(&dlq), ["line-1"]);
    assert_eq!(ids(&dir.path().join("torn.jsonl")), ["a", "c"]);
}

/// A capture of `n` events, big enough that a peek of it cannot fit in
/// the pipes and queues between evscope and a reader that stopped reading.
fn big_capture(path: &Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..n {
        out.write_all(capture_line(&format!("e{i}")).as_bytes())
            .unwrap();
    }
    out.flush().unwrap();
}

#[test]
fn a_file_truncated_while_peek_reads_it_stops_peek_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.jsonl");
    big_capture(&file, 200_000);
    let mut child = command(&["peek", s(&file)]).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains("\"e0\""), "{first}");
    // evscope is held back by the pipe: it has not read most of the file.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(0)
        .unwrap();
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(2), "no crash: {:?}", out.status);
    let err = stderr(&out);
    assert!(err.contains("truncated while evscope read it"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// Lines of a running `peek --follow`, as they come.
fn follow(path: &Path) -> (Child, mpsc::Receiver<Value>) {
    let mut child = command(&["peek", "--follow", s(path)]).spawn().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines() {
            let Ok(line) = line else { break };
            if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn next_body(rx: &mpsc::Receiver<Value>) -> Value {
    rx.recv_timeout(WATCHDOG).expect("the next event comes")["body"].clone()
}

fn stop(mut child: Child) -> String {
    let _ = Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    err
}

#[test]
fn follow_starts_over_when_the_file_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.log");
    std::fs::write(
        &file,
        "{\"n\":\"first-of-the-old-file\"}\n{\"n\":\"second\"}\n",
    )
    .unwrap();
    let (child, rx) = follow(&file);
    assert_eq!(next_body(&rx)["n"], "first-of-the-old-file");
    assert_eq!(next_body(&rx)["n"], "second");
    // Truncated and written again, shorter than what was read.
    std::fs::write(&file, "{\"n\":\"new\"}\n").unwrap();
    assert_eq!(next_body(&rx)["n"], "new");
    let err = stop(child);
    assert!(err.contains("truncated or replaced"), "{err}");
}

#[test]
fn follow_starts_over_when_the_file_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.log");
    std::fs::write(&file, "{\"n\":\"a\"}\n").unwrap();
    let (child, rx) = follow(&file);
    assert_eq!(next_body(&rx)["n"], "a");
    // Rotated: a new, longer file under the same name. Read from the old
    // offset, its first line would come out as a junk half-line.
    let next: PathBuf = dir.path().join("app.log.new");
    std::fs::write(
        &next,
        "{\"n\":\"rotated-first\"}\n{\"n\":\"rotated-second\"}\n",
    )
    .unwrap();
    std::fs::rename(&next, &file).unwrap();
    assert_eq!(next_body(&rx)["n"], "rotated-first");
    assert_eq!(next_body(&rx)["n"], "rotated-second");
    stop(child);
}
