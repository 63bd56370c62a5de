//! Pure views: `render` draws the whole screen from the state and a theme,
//! and changes nothing.

pub mod compare;
mod detail;
mod dialog;
mod flows;
pub mod help;
mod histogram;
mod input;
pub mod journal;
mod picker;
mod sources;
mod stats;
mod status;
mod table;
pub mod text;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, BorderType, Borders};

use super::app::{App, Mode, Pane};
use super::layout::Areas;
use super::theme::{Role, Theme};

/// Draw the screen.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame) {
    let area = super::context::draw_frame(app, theme, frame);
    let areas = Areas::of(area);
    if let Some(rect) = areas.sources {
        sources::pane(app, theme, frame, rect);
    }
    if let Some(rect) = areas.sources_bar {
        sources::bar(app, theme, frame, rect);
    }
    table::render(app, theme, frame, areas.table);
    histogram::render(app, theme, frame, areas.table);
    detail::render(app, theme, frame, areas.detail);
    match app.mode {
        Mode::Filter | Mode::Command | Mode::Prompt(_) => {
            input::render(app, theme, frame, areas.status, areas.hints)
        }
        _ => {
            status::render(app, theme, frame, areas.status);
            status::hints(app, theme, frame, areas.hints);
        }
    }
    match app.mode {
        Mode::Help if app.journal_view.is_some() => journal::render(app, theme, frame, area),
        Mode::Help => help::render(app, theme, frame, area),
        Mode::Flows => flows::render(app, theme, frame, area),
        Mode::Stats => stats::render(app, theme, frame, area),
        Mode::Compare => compare::render(app, theme, frame, area),
        Mode::Dialog => dialog::render(app, theme, frame, area),
        Mode::Picker => picker::render(app, theme, frame, area),
        _ => {}
    }
}

/// A bordered block, highlighted when its pane has focus.
fn pane_block<'a>(app: &App, theme: &Theme, pane: Pane) -> Block<'a> {
    let focused = app.focus == pane && app.mode == Mode::List;
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(theme.style(if focused {
            Role::BorderFocus
        } else {
            Role::Border
        }))
        .style(theme.style(Role::Text))
}

/// A rectangle of `width` x `height` centered in `area`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    )
}
