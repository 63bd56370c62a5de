//! Where the parse floor is: one thread reads the lines of a capture with
//! each reader in turn and prints the time each took. Used by
//! benches/parse_floor.sh, which also counts each reader's instructions.
//!
//!     parse_floor FILE [READER]
//!
//! Readers: `lines` (split only), `serde_json` (a `Value` of each line),
//! `sonic_rs` (sonic-rs's SIMD parse into its own `Value`), `sonic_rs_serde`
//! (sonic-rs's parse into serde_json's `Value`), `evscope_decode`
//! (a capture line's event and body, as every scan decodes it) and
//! `evscope_inspect` (that, and the facets and problems `check` counts).

use std::time::Instant;

use evscope::capture::decode_line;
use evscope::inspect::{Inspector, Needs};

/// The readers, by name.
const READERS: [(&str, Reader); 6] = [
    ("lines", Reader::Lines),
    ("serde_json", Reader::SerdeJson),
    ("sonic_rs", Reader::SonicRs),
    ("sonic_rs_serde", Reader::SonicRsSerde),
    ("evscope_decode", Reader::EvscopeDecode),
    ("evscope_inspect", Reader::EvscopeInspect),
];

#[derive(Clone, Copy)]
enum Reader {
    Lines,
    SerdeJson,
    SonicRs,
    SonicRsSerde,
    EvscopeDecode,
    EvscopeInspect,
}

/// Reads every line with `reader`; the sum keeps the work from being
/// optimized away.
fn read(reader: Reader, lines: &[&[u8]]) -> usize {
    use sonic_rs::JsonContainerTrait;
    let inspector = Inspector::with_defaults();
    let now = chrono::Utc::now();
    let members = |v: &serde_json::Value| v.as_object().map_or(1, |o| o.len());
    let mut sum = 0;
    for (i, line) in lines.iter().enumerate() {
        sum += match reader {
            Reader::Lines => line.len(),
            Reader::SerdeJson => serde_json::from_slice(line).map_or(0, |v| members(&v)),
            Reader::SonicRs => sonic_rs::from_slice::<sonic_rs::Value>(line)
                .map_or(0, |v| v.as_object().map_or(1, |o| o.len())),
            Reader::SonicRsSerde => sonic_rs::from_slice(line).map_or(0, |v| members(&v)),
            Reader::EvscopeDecode => {
                decode_line(line, i + 1, "file:floor").map_or(0, |(event, _)| event.id.len())
            }
            Reader::EvscopeInspect => {
                decode_line(line, i + 1, "file:floor").map_or(0, |(event, body)| {
                    let inspection = inspector.inspect_for(&event, &body, now, true, Needs::FACETS);
                    inspection.problems.len() + usize::from(inspection.meta.expired)
                })
            }
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
    let readers: Vec<(&str, Reader)> = match args.next() {
        Some(one) => match READERS.iter().find(|(name, _)| *name == one) {
            Some(reader) => vec![*reader],
            None => {
                let names: Vec<&str> = READERS.iter().map(|(name, _)| *name).collect();
                eprintln!(
                    "parse_floor: no reader `{one}` (one of {})",
                    names.join(", ")
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
    for (name, reader) in readers {
        let start = Instant::now();
        let sum = read(reader, &lines);
        let took = start.elapsed().as_secs_f64();
        println!(
            "{name:<16} {:>7.3} s  {:>6.2} µs a line  ({sum})",
            took,
            took * 1e6 / lines.len() as f64
        );
    }
}
