//! Hostile input on the command line: pathological filters, odd source
//! arguments, wide characters in reports. Each runs the binary.

mod bin_support;

use std::path::{Path, PathBuf};
use std::process::Output;

use bin_support::{stderr, stdout};

fn evscope(args: &[&str]) -> Output {
    bin_support::evscope(args, &[])
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_one_line_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("evscope: "), "{err}");
    assert!(err.contains(needle), "{needle} not in {err}");
}

fn capture_line(id: &str, s: &str) -> String {
    serde_json::json!({"evscope_capture": 1, "id": id, "body_encoding": "json", "body": {"s": s}})
        .to_string()
}

/// Three events, the middle one with a 100 KB string body field.
fn big_capture(dir: &Path) -> PathBuf {
    let big = "a".repeat(100_000);
    write(
        dir,
        "big.jsonl",
        &format!(
            "{}\n{}\n{}\n",
            capture_line("1", "xB"),
            capture_line("2", &big),
            capture_line("3", "yB")
        ),
    )
}

#[test]
fn a_pathological_regex_is_refused_and_a_heavy_one_answers() {
    let dir = tempfile::tempdir().unwrap();
    let file = big_capture(dir.path());
    let file = file.to_str().unwrap();
    // 13 s per event before regex work was bounded.
    let out = evscope(&[
        "peek",
        file,
        "--filter",
        "search(@.body.s, '(.{100}){100}B')",
    ]);
    assert_one_line_error(&out, "pattern too large");
    // Accepted patterns answer on the 100 KB event too.
    let out = evscope(&[
        "peek",
        file,
        "--filter",
        "search(@.body.s, '(.{100}){5}B|^.B$')",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
        .collect();
    assert_eq!(ids, ["\"1\"", "\"3\""]);
}

#[test]
fn odd_source_arguments_get_a_clear_line() {
    for source in ["", " "] {
        let out = evscope(&["peek", source]);
        assert_one_line_error(&out, "evscope: empty source argument: give a file path");
    }
    let out = evscope(&["check", "file://x"]);
    assert_one_line_error(&out, "file://x: a file:// URL names a host (`x`)");
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "a.jsonl",
        &format!("{}\n", capture_line("1", "s")),
    );
    let url = format!("file://{}", file.display());
    let out = evscope(&["check", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!("file:{}: 1 events", file.display())),
        "{}",
        stdout(&out)
    );
}
