//! Time and peak memory to open a capture file: read it and index its lines.
//! Used by benches/filter_vs_jq.sh.

use std::time::Instant;

fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: open_capture FILE");
        std::process::exit(2);
    };
    let start = Instant::now();
    let capture = match evscope::capture::CaptureFile::open(path.as_ref(), path.clone()) {
        Ok(capture) => capture,
        Err(error) => {
            eprintln!("open_capture: {path}: {error}");
            std::process::exit(2);
        }
    };
    let elapsed = start.elapsed();
    println!(
        "open {} events ({} MB) in {:.0} ms, peak RSS {} MB",
        capture.len(),
        capture.byte_len() / 1_000_000,
        elapsed.as_secs_f64() * 1000.0,
        peak_rss_mb()
    );
}
