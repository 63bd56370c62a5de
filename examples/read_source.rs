//! Time a backend's browse alone (no filter, no output): how fast events
//! arrive from a source. Used by benches/pulsar_reader.sh.

use std::time::Instant;

use evscope::backend::{self, OpenOptions, Record};
use evscope::inspect::Inspector;

// The allocator the evscope binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let Some(uri) = std::env::args().nth(1) else {
        eprintln!("usage: read_source URI");
        std::process::exit(2);
    };
    let started = Instant::now();
    let options = OpenOptions::new(Inspector::with_defaults());
    let source = match backend::open(&uri, &options).await {
        Ok(source) => source,
        Err(error) => {
            eprintln!("read_source: {error}");
            std::process::exit(2);
        }
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Record>>(4);
    let reader = tokio::spawn(async move { source.browse(None, tx).await });
    let mut count = 0usize;
    while let Some(batch) = rx.recv().await {
        count += batch.len();
    }
    if let Ok(Err(error)) = reader.await {
        eprintln!("read_source: {error}");
        std::process::exit(2);
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "read {count} events in {secs:.3} s = {:.0} events/s",
        count as f64 / secs
    );
}
