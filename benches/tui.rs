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
    targets = frames, first_frame
}
criterion_main!(benches);
