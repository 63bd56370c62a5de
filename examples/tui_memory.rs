//! Resident memory of the terminal UI state with a million events loaded
//! from a capture file on disk (read into memory, like `evscope FILE`), and how long
//! the background inspection of all rows takes.
//!
//! `cargo run --release --example tui_memory [N | FILE]`: N generated
//! events (default 1,000,000), or the capture FILE.

#[path = "../benches/tui_support.rs"]
mod tui_support;

use std::io::Write;
use std::time::Instant;

// The allocator the evscope binary uses (the inspection allocates many
// small values: glibc's malloc would measure something the TUI never runs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> std::io::Result<()> {
    let arg = std::env::args().nth(1);
    let mut generated = tempfile::NamedTempFile::new()?;
    let path = match arg.as_deref().map(|a| (a, a.parse::<usize>())) {
        Some((file, Err(_))) => std::path::PathBuf::from(file),
        count => {
            let n = count.and_then(|(_, n)| n.ok()).unwrap_or(1_000_000);
            generated.write_all(&tui_support::lines(n))?;
            generated.flush()?;
            generated.path().to_path_buf()
        }
    };
    let size = std::fs::metadata(&path)?.len();
    let before = rss_kib();
    let started = Instant::now();
    let capture = evscope::capture::CaptureFile::open(&path, "bench")?;
    let n = capture.len();
    let indexed = started.elapsed();
    let app = tui_support::loaded_app(capture, 200, 60);
    let loaded = started.elapsed();
    let after = rss_kib();
    println!(
        "{} events, file {:.1} MiB: index {:.0} ms, rows + summaries {:.2} s, RSS {:.1} MiB before, {:.1} MiB after (+{:.1} MiB, {:.0} bytes/event incl. the file)",
        app.store.len(),
        size as f64 / 1048576.0,
        indexed.as_secs_f64() * 1000.0,
        loaded.as_secs_f64(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after - before) as f64 / 1024.0,
        (after - before) as f64 * 1024.0 / n as f64
    );
    Ok(())
}
