//! The compare view (`:diff A B`): two sources read and compared in the
//! background ([`crate::analyze::diff`]); lists of the events only in A,
//! only in B and different, and a side-by-side body diff of the picked pair
//! with the differing paths highlighted.

use std::sync::Arc;

use chrono::Utc;
use tokio::sync::mpsc;

use super::decode::Decoder;
use super::jobs::Msg;
use crate::analyze::diff::{DiffReport, DiffSpec, Differ};
use crate::backend::{OpenOptions, Record};

/// The three lists of the view.
pub const LISTS: [&str; 3] = ["only in A", "only in B", "different"];

/// What the compare view shows.
#[derive(Debug, Clone)]
pub struct CompareView {
    /// Source A, as named.
    pub a: String,
    /// Source B.
    pub b: String,
    /// The request this view waits for or shows.
    pub generation: u64,
    /// The comparison once done, or why it failed.
    pub report: Option<Result<DiffReport, String>>,
    /// Which list: an index into [`LISTS`].
    pub list: usize,
    /// The item picked in that list.
    pub cursor: usize,
    /// Whether the keys scroll the bodies (else they pick in the list).
    pub bodies: bool,
    /// The first line of the bodies shown (both sides scroll together).
    pub scroll: usize,
}

impl CompareView {
    /// Waiting for the comparison of `a` and `b`.
    pub fn new(a: &str, b: &str, generation: u64) -> CompareView {
        CompareView {
            a: a.to_owned(),
            b: b.to_owned(),
            generation,
            report: None,
            list: 2,
            cursor: 0,
            bodies: false,
            scroll: 0,
        }
    }

    /// Show the comparison's outcome. The view opens on the differences
    /// when there are any, else on the first list that has events (an
    /// empty list first would look like nothing was found).
    pub fn set_report(&mut self, report: Result<DiffReport, String>) {
        if let Ok(r) = &report
            && r.different.is_empty()
        {
            let counts = [r.only_a.len(), r.only_b.len()];
            if let Some(list) = counts.iter().position(|&n| n > 0) {
                self.list = list;
                self.cursor = 0;
            }
        }
        self.report = Some(report);
    }

    /// The picked pair of the different list, when that list is shown.
    pub fn pair(&self) -> Option<&crate::analyze::diff::Difference> {
        match (&self.report, self.list) {
            (Some(Ok(report)), 2) => report.different.get(self.cursor),
            _ => None,
        }
    }

    /// Lines of the longer body of the picked pair, pretty-printed.
    pub fn body_lines(&self) -> usize {
        self.pair().map_or(0, |pair| {
            let lines = |v| crate::analyze::diff::pretty_lines(v, &[]).len();
            lines(&pair.a).max(lines(&pair.b))
        })
    }

    /// How many items the current list holds.
    pub fn len(&self) -> usize {
        match &self.report {
            Some(Ok(r)) => match self.list {
                0 => r.only_a.len(),
                1 => r.only_b.len(),
                _ => r.different.len(),
            },
            _ => 0,
        }
    }

    /// Whether the current list is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One comparison for the background.
pub struct CompareJob {
    /// The request.
    pub generation: u64,
    /// Source A.
    pub a: String,
    /// Source B.
    pub b: String,
}

/// Read A, then B, and compare them; send [`Msg::Compare`].
pub async fn compare(
    job: CompareJob,
    open: OpenOptions,
    decoder: Arc<dyn Decoder>,
    tx: mpsc::UnboundedSender<Msg>,
) {
    let mut differ = Differ::new(DiffSpec::default());
    let mut result = Ok(());
    for (side, uri) in [(0, &job.a), (1, &job.b)] {
        result = read(uri, &open, |record| {
            if let Ok(doc) = decoder.document(record, Utc::now()) {
                if side == 0 {
                    differ.add_a(&doc);
                } else {
                    differ.add_b(&doc);
                }
            }
        })
        .await;
        if result.is_err() {
            break;
        }
    }
    let _ = tx.send(Msg::Compare {
        generation: job.generation,
        report: Box::new(result.map(|()| differ.finish())),
    });
}

/// Every record of `uri`, handed to `each`.
async fn read(uri: &str, open: &OpenOptions, mut each: impl FnMut(&Record)) -> Result<(), String> {
    let backend = crate::backend::open(uri, open)
        .await
        .map_err(|e| e.to_string())?;
    let (tx, mut rx) = mpsc::channel(4);
    let reader = tokio::spawn(async move { backend.browse(None, tx).await });
    while let Some(batch) = rx.recv().await {
        // Decoding and comparing is CPU work: off the runtime's workers,
        // so the UI's frames do not wait for it.
        tokio::task::block_in_place(|| batch.iter().for_each(&mut each));
    }
    match reader.await {
        Ok(result) => result.map(drop).map_err(|e| e.to_string()),
        Err(join) => Err(format!("reading {uri} failed: {join}")),
    }
}
