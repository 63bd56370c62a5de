//! `export -o FILE.parquet`: the file reads back with DuckDB (from PyPI, in
//! the test venv) with the same rows, and `stats --print-sql` run by DuckDB
//! over it gives the same counts as `stats`.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn evscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_evscope"))
        .args(args)
        .env("EVSCOPE_CONFIG_DIR", "/nonexistent/evscope-test-config")
        .output()
        .expect("evscope runs")
}

/// Run `sql` in DuckDB; the rows as JSON arrays of strings.
fn duckdb(sql: &str) -> Vec<Vec<Value>> {
    let script = r#"
import duckdb, json, sys
rows = duckdb.sql(sys.argv[1]).fetchall()
print(json.dumps([[None if v is None else str(v) for v in row] for row in rows]))
"#;
    let out = Command::new(support::python())
        .args(["-c", script, sql])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "duckdb failed (is duckdb installed? tools/test.sh installs tests/requirements.txt): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn capture(dir: &Path) -> String {
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
            "{{\"eventId\":\"r{i}\",\"eventName\":\"ReservationChanged\",\"creationDate\":\"{time}\",\"status\":\"{status}\",\"countryCode\":\"ES\"}}\n"
        ));
    }
    let path = dir.join("reservations.jsonl");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn the_demo_reads_back_with_duckdb_with_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.parquet");
    let file = file.to_str().unwrap();
    let out = evscope(&["export", "demo", "-o", file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peek = evscope(&["peek", "demo", "--reveal"]);
    let expected: Vec<Value> = String::from_utf8(peek.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rows = duckdb(&format!(
        "SELECT id, event_id, type, expired, len(problems), body FROM '{file}'"
    ));
    assert_eq!(rows.len(), expected.len());
    for (row, line) in rows.iter().zip(&expected) {
        assert_eq!(row[0], line["id"]);
        assert_eq!(row[1], line["meta"]["event_id"]);
        assert_eq!(row[2], line["meta"]["type"]);
        let expired = line["meta"]["expired"].as_bool().unwrap();
        assert_eq!(row[3], if expired { "True" } else { "False" });
        let problems = line["problems"].as_array().unwrap().len();
        assert_eq!(row[4], problems.to_string());
        // JSON bodies come back as the same JSON.
        if line["body_encoding"] == "json" {
            let body: Value = serde_json::from_str(row[5].as_str().unwrap()).unwrap();
            assert_eq!(body, line["body"]);
        }
    }
}

#[test]
fn print_sql_over_the_export_gives_the_same_counts_as_stats() {
    let dir = tempfile::tempdir().unwrap();
    let source = capture(dir.path());
    let file = dir.path().join("events.parquet");
    let file = file.to_str().unwrap();
    assert!(evscope(&["export", &source, "-o", file]).status.success());
    let spec = [
        "--rows",
        "day",
        "--cols",
        "$.body.status",
        "--tz",
        "Europe/Madrid",
    ];
    let stats = evscope(&[&["stats", &source][..], &spec, &["--format", "json"]].concat());
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    let mut expected: Vec<Vec<Value>> = stats["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["value"] != 0)
        .map(|c| {
            vec![
                c["row"].clone(),
                c["col"].clone(),
                c["value"].to_string().into(),
            ]
        })
        .collect();
    expected.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(expected.len(), 4, "{expected:?}");
    let sql = evscope(&[&["stats", &source][..], &spec, &["--print-sql"]].concat());
    let sql = String::from_utf8(sql.stdout)
        .unwrap()
        .replace("'events.parquet'", &format!("'{file}'"));
    let mut rows: Vec<Vec<Value>> = duckdb(&sql)
        .into_iter()
        .map(|mut r| {
            r[0] = r[0].as_str().unwrap()[..10].into();
            r
        })
        .collect();
    rows.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(rows, expected);
}

#[test]
fn parquet_export_keeps_the_file_rules() {
    let dir = tempfile::tempdir().unwrap();
    let source = capture(dir.path());
    // Never over the source, whatever the format.
    let out = evscope(&[
        "export", &source, "-o", &source, "--format", "parquet", "--force",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        std::fs::read_to_string(&source)
            .unwrap()
            .starts_with("{\"eventId\"")
    );
    // An existing file is replaced only with --force, keeping its mode.
    let target = dir.path().join("out.parquet");
    std::fs::write(&target, "old").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let target = target.to_str().unwrap();
    assert_eq!(
        evscope(&["export", &source, "-o", target]).status.code(),
        Some(2)
    );
    assert_eq!(std::fs::read(target).unwrap(), b"old");
    assert!(
        evscope(&["export", &source, "-o", target, "--force"])
            .status
            .success()
    );
    let bytes = std::fs::read(target).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    let mode = std::fs::metadata(target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // --format jsonl wins over the extension.
    let lines = dir.path().join("lines.parquet");
    let lines = lines.to_str().unwrap();
    assert!(
        evscope(&["export", &source, "-o", lines, "--format", "jsonl"])
            .status
            .success()
    );
    assert!(
        std::fs::read_to_string(lines)
            .unwrap()
            .starts_with("{\"evscope_capture\"")
    );
}
