//! Terminal UI costs: a frame with a million events loaded, a key press to
//! its frame, and start to first frame on the demo.

#[path = "tui_support.rs"]
mod tui_support;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use evscope::capture::CaptureFile;
use evscope::tui::action::Action;
use evscope::tui::update::update;
use evscope::tui::views::render;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const EVENTS: usize = 1_000_000;

fn frames(c: &mut Criterion) {
    let capture = CaptureFile::from_bytes(tui_support::lines(EVENTS), "bench");
    let mut app = tui_support::loaded_app(capture, 200, 60);
    assert_eq!(app.store.len(), EVENTS);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    update(&mut app, Action::TabBody);
    update(&mut app, Action::PageDown);
    c.bench_function("frame_1m_events_200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| render(&app, &app.theme, frame))
                .expect("draw");
        })
    });
    c.bench_function("key_to_frame_pagedown_1m_events", |b| {
        b.iter(|| {
            update(&mut app, Action::PageDown);
            if app.cursor + 100 >= app.shown() {
                update(&mut app, Action::Top);
            }
            terminal
                .draw(|frame| render(&app, &app.theme, frame))
                .expect("draw");
        })
    });
    c.bench_function("key_to_frame_preset_same_type_1m_events", |b| {
        b.iter(|| {
            update(&mut app, Action::PresetSameType);
            terminal
                .draw(|frame| render(&app, &app.theme, frame))
                .expect("draw");
            black_box(app.shown());
        })
    });
}

/// A frame of the stats view over a pivot of 100,000 rows (`:stats
/// $.body.orderId`, one row per event): the count and the cells are laid
/// out in the background, so the frame draws only the rows on screen.
fn stats_frame(c: &mut Criterion) {
    let capture = CaptureFile::from_bytes(tui_support::lines(100_000), "bench");
    let mut app = tui_support::loaded_app(capture, 200, 60);
    drop(app.take_effects());
    update(&mut app, Action::Command);
    for c in "stats $.body.orderId".chars() {
        update(&mut app, Action::Insert(c));
    }
    update(&mut app, Action::Submit);
    for effect in app.take_effects() {
        if let evscope::tui::jobs::Effect::Stats(job) = effect {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let current = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
            let decoder = std::sync::Arc::new(evscope::tui::decode::InspectorDecoder::new(
                evscope::inspect::Inspector::with_defaults(),
            ));
            evscope::tui::stats_view::compute(job, decoder, current, tx);
            while let Ok(msg) = rx.try_recv() {
                evscope::tui::update::apply(&mut app, msg);
            }
        }
    }
    let rows = app
        .stats
        .as_ref()
        .and_then(|v| v.pivot.as_ref())
        .map(|p| p.rows.len());
    assert_eq!(rows, Some(100_000));
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    c.bench_function("frame_stats_view_100k_rows_200x60", |b| {
        b.iter(|| {
            terminal
                .draw(|frame| render(&app, &app.theme, frame))
                .expect("draw");
        })
    });
}

fn first_frame(c: &mut Criterion) {
    c.bench_function("demo_app_new_load_and_first_frame", |b| {
        b.iter(|| {
            let mut app = tui_support::loaded_app(
                CaptureFile::from_bytes(
                    evscope::backend::demo_capture("payments").expect("demo"),
                    "demo:payments",
                ),
                120,
                40,
            );
            update(&mut app, Action::Down);
            let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
            terminal
                .draw(|frame| render(&app, &app.theme, frame))
                .expect("draw");
            black_box(&terminal);
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = frames, stats_frame, first_frame
}
criterion_main!(benches);
