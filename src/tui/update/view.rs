//! Moving around and deciding which rows are shown.

use std::sync::Arc;

use super::*;
use crate::filter::Filter;
use crate::tui::action::Action;
use crate::tui::app::{App, Level, Mode, Pane, Preset, View};
use crate::tui::content::Tab;
use crate::tui::jobs::Effect;
use crate::tui::layout::contains;
use crate::tui::summary::Summary;

/// Lines above the first event in the Flow tab (the flow's line, a blank).
const FLOW_HEAD: usize = crate::tui::flows::HEAD_LINES;

pub(super) fn page(app: &App) -> usize {
    match app.focus {
        Pane::Detail => app.areas().detail_lines().max(1),
        _ => app.areas().table_rows().max(1),
    }
}

pub(super) fn move_by(app: &mut App, delta: isize) {
    let clamp = |value: usize, len: usize| -> usize {
        let v = value as isize + delta;
        v.clamp(0, len.saturating_sub(1) as isize) as usize
    };
    match app.focus {
        Pane::Sources => app.source_cursor = clamp(app.source_cursor, app.sources.len() + 1),
        Pane::Table => app.cursor = clamp(app.cursor, app.shown()),
        Pane::Detail if app.detail.tab == Tab::Flow => {
            // The Flow tab moves a cursor over its events (enter jumps).
            let nodes = app.detail.lines.len().saturating_sub(FLOW_HEAD);
            app.flows.node = clamp(app.flows.node, nodes);
            let visible = app.areas().detail_lines().max(1);
            let line = app.flows.node + FLOW_HEAD;
            if line < app.detail.scroll + FLOW_HEAD {
                app.detail.scroll = app.flows.node;
            } else if line >= app.detail.scroll + visible {
                app.detail.scroll = line + 1 - visible;
            }
            app.detail.built_for = None;
        }
        Pane::Detail => {
            let visible = app.areas().detail_lines();
            let max = app.detail.lines.len().saturating_sub(visible) + 1;
            app.detail.scroll = clamp(app.detail.scroll, max);
        }
    }
}

pub(super) fn next_pane(pane: Pane, forward: bool) -> Pane {
    match (pane, forward) {
        (Pane::Sources, true) | (Pane::Detail, false) => Pane::Table,
        (Pane::Table, true) | (Pane::Sources, false) => Pane::Detail,
        (Pane::Detail, true) | (Pane::Table, false) => Pane::Sources,
    }
}

pub(super) fn set_tab(app: &mut App, index: usize) {
    app.detail.tab = Tab::ALL[index % Tab::ALL.len()].0;
    app.detail.scroll = 0;
}

/// Scope the table to item `index` of the sources list (0 is all).
pub(super) fn scope_to_item(app: &mut App, index: usize) {
    let scope = match index {
        0 => None,
        n => app.source_order().get(n - 1).map(|(slot, _)| *slot),
    };
    if scope != app.scope {
        app.scope = scope;
        rebuild_view(app);
    }
}

pub(super) fn current_document(app: &App) -> Option<Arc<crate::capture::Document>> {
    let row = app.current_row()?;
    match &app.detail.document {
        Some((r, Ok(document))) if *r == row => Some(document.clone()),
        _ => None,
    }
}

pub(super) fn current_summary(app: &App) -> Option<Summary> {
    let row = app.current_row()?;
    if let Some(summary) = app.store.summary(row) {
        return Some(summary.clone());
    }
    current_document(app).map(|d| Summary::of(&d))
}

pub(super) fn set_preset(app: &mut App, preset: Option<Preset>) {
    let preset = if app.preset == preset { None } else { preset };
    let text = match &preset {
        Some(p) => format!("preset: {} (press again or esc to clear)", p.label()),
        None => "preset cleared".into(),
    };
    app.preset = preset;
    rebuild_view(app);
    status(app, Level::Info, &text);
}

/// Start over on the view after scope, preset or filter changed, keeping
/// the cursor on the same event when it is still shown.
pub(super) fn rebuild_view(app: &mut App) {
    let keep = app.current_row();
    app.view = View {
        rows: app.constrained().then(Vec::new),
        scanned: 0,
        sorted: None,
    };
    extend_view(app);
    app.cursor = keep.and_then(|row| app.position_of(row)).unwrap_or(0);
    app.offset = app.cursor.saturating_sub(app.areas().table_rows() / 2);
    super::sort::restart(app);
}

/// Examine the rows that can be decided now.
pub(super) fn extend_view(app: &mut App) {
    if !app.constrained() {
        app.view.rows = None;
        app.view.scanned = app.store.len();
        return;
    }
    let mut limit = app.store.len();
    if app.preset.is_some() {
        limit = limit.min(app.store.summarized());
    }
    if app.filter.filter.is_some() {
        limit = limit.min(app.filter.hits.len());
    }
    let start = app.view.scanned;
    if limit <= start {
        return;
    }
    let covered: Option<Vec<bool>> = app.scope.map(|scope| {
        (0..app.sources.len())
            .map(|s| app.covers(scope, s))
            .collect()
    });
    let mut rows = app.view.rows.take().unwrap_or_default();
    for row in start..limit {
        if let Some(covered) = &covered {
            if !app.store.slot(row).is_some_and(|slot| covered[slot]) {
                continue;
            }
        }
        if let Some(preset) = &app.preset {
            if !app.store.summary(row).is_some_and(|s| preset.keeps(s)) {
                continue;
            }
            if *preset == Preset::TroubledFlows && !app.troubled_flow(row) {
                continue;
            }
        }
        if app.filter.filter.is_some() && !app.filter.hits[row] {
            continue;
        }
        rows.push(row as u32);
    }
    app.view.rows = Some(rows);
    app.view.scanned = limit;
}

pub(super) fn set_filter(app: &mut App, text: &str, filter: Option<Filter>) {
    app.live.cancelled = false;
    app.filter.text = text.to_string();
    app.filter.generation += 1;
    app.filter.hits.clear();
    app.filter.filter = filter.clone();
    if let Some(filter) = filter {
        app.effects.push(Effect::FilterRows {
            generation: app.filter.generation,
            filter,
            chunks: app.store.chunks().to_vec(),
        });
    }
    rebuild_view(app);
}

pub(super) fn click(app: &mut App, x: u16, y: u16) {
    let areas = app.areas();
    if let Some(sources) = areas.sources.filter(|r| contains(*r, x, y)) {
        app.focus = Pane::Sources;
        let index = y.saturating_sub(sources.y + 1) as usize;
        if index <= app.sources.len() {
            app.source_cursor = index;
            scope_to_item(app, index);
        }
    } else if let Some(bar) = areas.sources_bar.filter(|r| contains(*r, x, y)) {
        let mut left = bar.x;
        for (index, label) in source_bar_items(app) {
            let width = unicode_width::UnicodeWidthStr::width(label.as_str()) as u16 + 1;
            if x < left + width {
                app.source_cursor = index;
                scope_to_item(app, index);
                break;
            }
            left += width;
        }
    } else if contains(areas.table, x, y) {
        app.focus = Pane::Table;
        let line = y.saturating_sub(areas.table.y + 2) as usize;
        if y >= areas.table.y + 2 && app.offset + line < app.shown() {
            app.cursor = app.offset + line;
        }
    } else if contains(areas.detail, x, y) {
        app.focus = Pane::Detail;
        if y == areas.detail.y {
            if let Some(tab) = crate::tui::layout::tab_at(areas.detail, x) {
                set_tab(app, tab);
            }
        }
    }
}

pub(super) fn wheel(app: &mut App, x: u16, y: u16, down: bool) {
    if app.mode == Mode::Help {
        help(app, if down { Action::Down } else { Action::Up });
        return;
    }
    if app.mode != Mode::List {
        return;
    }
    let areas = app.areas();
    let focus = if areas.sources.is_some_and(|r| contains(r, x, y)) {
        Pane::Sources
    } else if contains(areas.detail, x, y) {
        Pane::Detail
    } else {
        Pane::Table
    };
    let before = app.focus;
    app.focus = focus;
    move_by(app, if down { 3 } else { -3 });
    app.focus = before;
}

/// Open the flows view (`f`, `:flows`).
pub(super) fn open_flows(app: &mut App) {
    app.mode = Mode::Flows;
    let shown = app.flows.shown().len();
    app.flows.view_cursor = app.flows.view_cursor.min(shown.saturating_sub(1));
    if app.flows.result.is_none() {
        status(app, Level::Info, "linking flows…");
    }
}

/// Keys in the flows view: move, show one state, open the flow under the
/// cursor (its events, with the Flow tab), close.
pub(super) fn flows_view(app: &mut App, action: Action) {
    let shown = app.flows.shown();
    let page = app.size.1.saturating_sub(8).max(1) as usize;
    let last = shown.len().saturating_sub(1);
    let cursor = &mut app.flows.view_cursor;
    match action {
        Action::Cancel | Action::Quit | Action::Flows => app.mode = Mode::List,
        Action::Down => *cursor = (*cursor + 1).min(last),
        Action::Up => *cursor = cursor.saturating_sub(1),
        Action::PageDown => *cursor = (*cursor + page).min(last),
        Action::PageUp => *cursor = cursor.saturating_sub(page),
        Action::Top => *cursor = 0,
        Action::Bottom => *cursor = last,
        Action::NextFlowState => {
            app.flows.view_state = crate::tui::flows::next_state(app.flows.view_state);
            app.flows.view_cursor = 0;
        }
        Action::Submit => {
            let Some(row) = shown
                .get(*cursor)
                .and_then(|&flow| app.flows.first_row(flow))
            else {
                return;
            };
            let Some(correlation) = app.store.summary(row).and_then(|s| s.correlation.clone())
            else {
                return;
            };
            app.mode = Mode::List;
            app.preset = Some(Preset::SameCorrelation(correlation));
            rebuild_view(app);
            if let Some(at) = app.position_of(row) {
                app.cursor = at;
            }
            set_tab(app, Tab::Flow.index());
            app.focus = Pane::Table;
            let label = app.preset.as_ref().map(Preset::label).unwrap_or_default();
            status(
                app,
                Level::Info,
                &format!("preset: {label} (esc clears it)"),
            );
        }
        _ => {}
    }
}

/// `enter` in the Flow tab: show the event under the flow cursor in the
/// table (dropping scope, preset and filter when they hide it).
pub(super) fn jump_to_flow_node(app: &mut App) {
    let Some(here) = app.current_row() else {
        return;
    };
    let Some(row) = crate::tui::flows::node_row(&app.flows, here, app.flows.node) else {
        status(app, Level::Warning, "that event is not loaded");
        return;
    };
    let position = |app: &App| app.position_of(row);
    if position(app).is_none() {
        app.scope = None;
        app.preset = None;
        set_filter(app, "", None);
        rebuild_view(app);
    }
    if let Some(at) = position(app) {
        app.cursor = at;
        app.flows.node = 0;
        app.focus = Pane::Table;
    }
}
