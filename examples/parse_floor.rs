//! Where the parse floor is: one thread reads the lines of a capture with
//! each reader in turn and prints the time each took. Used by
//! benches/parse_floor.sh, which also counts each reader's instructions.
//!
//!     parse_floor FILE [READER]
//!
//! Readers: `lines` (split only), `serde_json` (a `Value` of each line),
//! `sonic_rs` (sonic-rs's SIMD parse into its own `Value`), `evscope_decode`
//! (a capture line's event and body, as every scan decodes it) and
//! `evscope_inspect` (that, and the facets and problems `check` counts).

use std::time::Instant;

use evscope::capture::decode_line;
use evscope::inspect::{Inspector, Needs};

const READERS: [&str; 5] = [
    "lines",
    "serde_json",
    "sonic_rs",
    "evscope_decode",
    "evscope_inspect",
];

/// Reads every line with `reader`; the sum keeps the work from being
/// optimized away.
fn read(reader: &str, lines: &[&[u8]]) -> usize {
    let inspector = Inspector::with_defaults();
    let now = chrono::Utc::now();
    let needs = Needs::FACETS;
    let mut sum = 0;
    for (i, line) in lines.iter().enumerate() {
        sum += match reader {
            "lines" => line.len(),
            "serde_json" => serde_json::from_slice::<serde_json::Value>(line)
                .map_or(0, |v| v.as_object().map_or(1, |o| o.len())),
            "sonic_rs" => {
                use sonic_rs::JsonContainerTrait;
                sonic_rs::from_slice::<sonic_rs::Value>(line)
                    .map_or(0, |v| v.as_object().map_or(1, |o| o.len()))
            }
            "evscope_decode" => {
                decode_line(line, i + 1, "file:floor").map_or(0, |(event, _)| event.id.len())
            }
            "evscope_inspect" => decode_line(line, i + 1, "file:floor").map_or(0, |(e, body)| {
                let inspection = inspector.inspect_for(&e, &body, now, true, needs);
                inspection.problems.len() + usize::from(inspection.meta.expired)
            }),
            _ => unreachable!("readers are checked"),
        };
    }
    sum
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: parse_floor FILE [READER]");
        std::process::exit(2);
    };
    let readers: Vec<&str> = match args.next() {
        Some(one) => match READERS.iter().find(|r| **r == one) {
            Some(reader) => vec![reader],
            None => {
                eprintln!(
                    "parse_floor: no reader `{one}` (one of {})",
                    READERS.join(", ")
                );
                std::process::exit(2);
            }
        },
        None => READERS.to_vec(),
    };
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("parse_floor: {path}: {error}");
            std::process::exit(2);
        }
    };
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    for reader in readers {
        let start = Instant::now();
        let sum = read(reader, &lines);
        let took = start.elapsed().as_secs_f64();
        println!(
            "{reader:<16} {:>7.3} s  {:>6.2} µs a line  ({sum})",
            took,
            took * 1e6 / lines.len() as f64
        );
    }
}
