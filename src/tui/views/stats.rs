//! The stats view: the pivot of the shown events in a popup, the picked
//! row (or cell) highlighted; "counting…" until the background is done.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use super::text::{fit, width};
use crate::tui::app::App;
use crate::tui::stats_view::Cells;
use crate::tui::theme::{Role, Theme};

/// Draw the view over `area`.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(view) = &app.stats else { return };
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let events = view
        .pivot
        .as_ref()
        .map_or(String::new(), |p| format!("{} events ", p.events));
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocus))
        .title(Line::from(vec![
            Span::styled(
                format!(" Stats: {} ", crate::sanitize::escape_masked(&view.title)),
                theme.style(Role::Title),
            ),
            Span::styled(events, theme.style(Role::Muted)),
        ]))
        .title_bottom(Span::styled(
            " j/k row · h/l cell · enter filters the table to it · esc closes ",
            theme.style(Role::Muted),
        ))
        .style(theme.style(Role::Text));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let Some(Cells {
        lines: cells,
        widths,
    }) = &view.cells
    else {
        let line = Line::styled("counting the events shown…", theme.style(Role::Muted));
        frame.render_widget(Paragraph::new(line), inner);
        return;
    };
    let height = inner.height as usize;
    // Header, then the rows around the cursor, then the total.
    let body = height.saturating_sub(2).max(1);
    let first = view.row.saturating_sub(body - 1);
    let mut lines = Vec::with_capacity(height);
    let line_of = |cells: &[String], style_of: &dyn Fn(usize) -> Role| {
        let mut spans = Vec::new();
        for (c, cell) in cells.iter().enumerate() {
            let text = if c == 0 {
                fit(cell, widths[0])
            } else {
                format!(
                    "{}{cell}",
                    " ".repeat(widths[c].saturating_sub(width(cell)))
                )
            };
            if c > 0 {
                spans.push(Span::raw("  "));
            }
            spans.push(Span::styled(text, theme.style(style_of(c))));
        }
        Line::from(spans)
    };
    lines.push(line_of(&cells[0], &|_| Role::Header));
    let last = cells.len() - 1;
    for (i, row) in cells[1..last].iter().enumerate().skip(first).take(body) {
        let picked = i == view.row;
        let style = |c: usize| {
            let in_cell = view.col == 0 || c == view.col || c == 0;
            if picked && in_cell {
                Role::Selection
            } else {
                Role::Text
            }
        };
        lines.push(line_of(row, &style));
    }
    lines.push(line_of(&cells[last], &|_| Role::Header));
    frame.render_widget(Paragraph::new(lines), inner);
}
