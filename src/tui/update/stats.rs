//! The stats view: opening it (`:stats ROWS [COLS]`), moving in it, and
//! picking a row or cell, which filters the table to its events; and the
//! compare view (`:diff A B`).

use super::*;
use crate::filter::Filter;
use crate::tui::action::Action;
use crate::tui::app::{App, Level, Mode};
use crate::tui::compare_view::{CompareJob, CompareView};
use crate::tui::jobs::Effect;
use crate::tui::stats_view::{StatsJob, StatsView};

/// Open the view and ask the background for the pivot of the shown events.
pub(super) fn open(app: &mut App, rows: &str, cols: Option<&str>) {
    app.stats_generation += 1;
    let view = match StatsView::new(rows, cols, app.stats_generation) {
        Ok(view) => view,
        Err(error) => {
            status(app, Level::Error, &format!(":stats: {error}"));
            return;
        }
    };
    app.stats = Some(view);
    app.mode = Mode::Stats;
    request(app);
}

/// Ask the background for the pivot of the open stats view.
fn request(app: &mut App) {
    let Some(view) = &app.stats else { return };
    app.effects.push(Effect::Stats(StatsJob {
        generation: view.generation,
        spec: view.spec.clone(),
        chunks: app.store.chunks().to_vec(),
        rows: app.view.rows.clone().map(Arc::new),
        flows: app.flows.result.clone(),
    }));
}

/// Count the open stats view again when it shows flow states: newer flows
/// were linked (the first pass may finish after the view opened).
pub(super) fn flows_linked(app: &mut App) {
    let Some(view) = app.stats.as_mut() else {
        return;
    };
    let spec = &view.spec;
    if !(spec.rows.is_flow_state() || spec.cols.as_ref().is_some_and(|k| k.is_flow_state())) {
        return;
    }
    app.stats_generation += 1;
    view.generation = app.stats_generation;
    request(app);
}

/// Keys in the stats view: up and down pick a row, left and right a cell
/// (the first column is the whole row), enter filters, esc closes.
pub(super) fn keys(app: &mut App, action: Action) {
    let Some(view) = app.stats.as_mut() else {
        app.mode = Mode::List;
        return;
    };
    let (rows, cols) = view
        .pivot
        .as_ref()
        .map_or((0, 0), |p| (p.rows.len(), p.cols.len()));
    match action {
        Action::Cancel | Action::Help | Action::Quit => {
            app.mode = Mode::List;
            app.stats = None;
        }
        Action::Down => view.row = (view.row + 1).min(rows.saturating_sub(1)),
        Action::Up => view.row = view.row.saturating_sub(1),
        Action::PageDown | Action::Bottom => view.row = rows.saturating_sub(1),
        Action::PageUp | Action::Top => view.row = 0,
        Action::NextTab => view.col = (view.col + 1).min(cols),
        Action::PrevTab => view.col = view.col.saturating_sub(1),
        Action::Activate => pick(app),
        _ => {}
    }
}

/// Filter the table to the picked row or cell, within the filter already
/// in force (the view counted the events it showed).
fn pick(app: &mut App) {
    let Some(view) = &app.stats else { return };
    let expr = match view.selected_filter() {
        Ok(expr) => expr,
        Err(why) => {
            status(app, Level::Warning, &why);
            return;
        }
    };
    let text = match app.filter.text.trim() {
        "" => expr,
        current => format!("({current}) && ({expr})"),
    };
    match Filter::parse(&text) {
        Ok(filter) => {
            app.filter_input.set(&text);
            set_filter(app, &text, Some(filter));
            app.mode = Mode::List;
            app.stats = None;
            status(app, Level::Info, &format!("filter: {text}"));
        }
        Err(error) => status(app, Level::Error, &error.to_string()),
    }
}

/// Open the compare view and ask the background to read and compare.
pub(super) fn open_compare(app: &mut App, a: &str, b: &str) {
    app.stats_generation += 1;
    let generation = app.stats_generation;
    app.effects.push(Effect::Compare(CompareJob {
        generation,
        a: a.to_owned(),
        b: b.to_owned(),
    }));
    app.compare = Some(CompareView::new(a, b, generation));
    app.mode = Mode::Compare;
}

/// Keys in the compare view: h/l change list, j/k pick, enter moves the
/// keys to the bodies of the picked pair (as enter moves them from the
/// table to the detail), where j/k, page keys, g and G scroll both sides
/// together; enter again goes back to the list; esc closes.
pub(super) fn compare_keys(app: &mut App, action: Action) {
    let page = crate::tui::views::compare::body_height(app.size).max(1);
    let Some(view) = app.compare.as_mut() else {
        app.mode = Mode::List;
        return;
    };
    let last = view.len().saturating_sub(1);
    match action {
        Action::Cancel | Action::Help | Action::Quit => {
            app.mode = Mode::List;
            app.compare = None;
        }
        Action::Activate => view.bodies = !view.bodies && view.pair().is_some(),
        Action::NextTab | Action::PrevTab => {
            let step = if action == Action::NextTab { 1 } else { 2 };
            view.list = (view.list + step) % 3;
            view.cursor = 0;
            view.scroll = 0;
            view.bodies = false;
        }
        action if view.bodies => {
            let max = view.body_lines().saturating_sub(page);
            view.scroll = match action {
                Action::Down => view.scroll + 1,
                Action::Up => view.scroll.saturating_sub(1),
                Action::PageDown => view.scroll + page,
                Action::PageUp => view.scroll.saturating_sub(page),
                Action::Top => 0,
                Action::Bottom => max,
                _ => view.scroll,
            }
            .min(max);
        }
        action => {
            let cursor = view.cursor;
            view.cursor = match action {
                Action::Down => (cursor + 1).min(last),
                Action::Up => cursor.saturating_sub(1),
                Action::PageDown | Action::Bottom => last,
                Action::PageUp | Action::Top => 0,
                _ => cursor,
            };
            if view.cursor != cursor {
                view.scroll = 0;
            }
        }
    }
}
