//! A terminal UI state with many events loaded, for the benches and the
//! memory example (included by path from both).

use std::sync::Arc;

use chrono::Utc;
use evscope::backend::file::FileBackend;
use evscope::backend::{OpenOptions, Record, SourceInfo, SourceKind};
use evscope::capture::CaptureFile;
use evscope::inspect::Inspector;
use evscope::tui::app::App;
use evscope::tui::decode::{Decoder, InspectorDecoder};
use evscope::tui::jobs::Msg;
use evscope::tui::keymap::Keymap;
use evscope::tui::summary::{Summary, TypeNames};
use evscope::tui::theme::Theme;
use evscope::tui::update::{apply, update};
use rayon::prelude::*;

/// `n` JSON lines of a plausible event stream.
pub fn lines(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 100);
    for i in 0..n {
        let kind = ["OrderPlaced", "PaymentCreated", "AuthFailed", "注文"][i % 4];
        out.extend_from_slice(
            format!(
                "{{\"type\":\"{kind}\",\"orderId\":{i},\"correlationId\":\"corr-{}\",\"amount\":{}.5}}\n",
                i / 3,
                i % 1000
            )
            .as_bytes(),
        );
    }
    out
}

/// An app of `w` x `h` with `capture`'s events loaded and summarized the
/// way the background workers do it.
pub fn loaded_app(capture: CaptureFile, w: u16, h: u16) -> App {
    let capture = Arc::new(capture);
    let options = OpenOptions::new(Inspector::with_defaults());
    let decoder = Arc::new(InspectorDecoder::new(options.inspector.clone()));
    let mut app = App::new(
        &["bench.jsonl".to_string()],
        Keymap::default(),
        Theme::load("dark", None).expect("dark theme"),
        decoder.clone(),
        false,
        Utc::now(),
    );
    drop(app.take_effects());
    update(&mut app, evscope::tui::action::Action::Resize(w, h));
    let backend = Arc::new(FileBackend::open_demo(Some("payments"), &options).expect("demo"));
    let info = SourceInfo {
        uri: "file:bench.jsonl".into(),
        name: "bench.jsonl".into(),
        kind: SourceKind::File,
        count: Some(capture.len() as u64),
        dlq_of: None,
        dlq: None,
    };
    let epoch = app.epoch;
    apply(
        &mut app,
        Msg::Opened {
            epoch,
            slot: 0,
            backend,
            info,
        },
    );
    let now = Utc::now();
    let mut start = 0;
    while start < capture.len() {
        let end = (start + 4096).min(capture.len());
        let records: Vec<Record> = (start..end)
            .map(|index| Record::Line {
                file: capture.clone(),
                index,
            })
            .collect();
        let summaries: Vec<Summary> = records
            .par_iter()
            .map_init(TypeNames::default, |names, r| {
                match decoder.document(r, now) {
                    Ok(d) => Summary::of_with(&d, names),
                    Err(e) => Summary::unreadable(&e.to_string()),
                }
            })
            .collect();
        apply(
            &mut app,
            Msg::Records {
                epoch,
                slot: 0,
                records,
            },
        );
        apply(
            &mut app,
            Msg::Summaries {
                epoch,
                start,
                summaries,
            },
        );
        drop(app.take_effects());
        start = end;
    }
    app
}
