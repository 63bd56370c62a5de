//! The one-line histogram above the events table, in its top border right
//! of the title (so it takes no row from the table): the shown events
//! (filter and preset applied) over time, one column per bucket, the bucket
//! size fitted to the width ([`crate::analyze::timeline`]).

use chrono::DateTime;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::analyze::timeline::{histogram, sparkline};
use crate::tui::app::App;
use crate::tui::theme::{Role, Theme};

/// Narrower than this, there is no histogram.
const MIN_WIDTH: usize = 8;

/// Draw the histogram in the top border of `table` (the table's area),
/// right of its title. Rows not yet inspected, and events without a time,
/// are left out. One pass over the shown rows' summaries per frame (frames
/// are drawn on change only).
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, table: Rect) {
    let title = super::table::title(app, theme).width() as u16;
    let left = table.x + 1 + title + 1;
    let right = (table.x + table.width).saturating_sub(2);
    if right <= left || table.height < 3 {
        return;
    }
    let area = Rect::new(left, table.y, right - left, 1);
    let times = (0..app.shown())
        .filter_map(|p| app.row_at(p))
        .filter_map(|row| app.store.summary(row))
        .map(|s| s.time_ms)
        .filter(|t| *t != i64::MIN);
    // " 2026-11-20 08:00 " before, " 10m/col " after.
    let label = 18;
    let tail = 10;
    let width = (area.width as usize).saturating_sub(label + tail);
    if width < MIN_WIDTH {
        return;
    }
    let Some(h) = histogram(times, width) else {
        return;
    };
    let start = DateTime::from_timestamp_millis(h.start_ms)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let line = Line::from(vec![
        Span::styled(format!(" {start:<16} "), theme.style(Role::Muted)),
        Span::styled(sparkline(&h.counts), theme.style(Role::Title)),
        Span::styled(format!(" {}/col ", h.bucket_name), theme.style(Role::Muted)),
    ]);
    let area = Rect {
        // Right-aligned: the border shows between the title and the chart.
        x: area.x + area.width.saturating_sub(line.width() as u16),
        width: area.width.min(line.width() as u16),
        ..area
    };
    frame.render_widget(Paragraph::new(line), area);
}
