//! The events table, virtualized: only the rows on screen are built, so a
//! million events cost the same per frame as ten.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};

use super::pane_block;
use super::text::fit;
use crate::tui::app::{App, Pane};
use crate::tui::summary::{Flags, Summary};
use crate::tui::theme::{Role, Theme};

/// Column widths for an inner width.
#[derive(Debug, Clone, Copy)]
struct Columns {
    time: usize,
    kind: usize,
    id: usize,
    key: usize,
    receives: usize,
    correlation: usize,
}

const MARK: usize = 1;
/// The five flag letters and the flow-state marker.
const FLAGS: usize = 6;

impl Columns {
    fn for_width(width: usize) -> Columns {
        let time = 14;
        let receives = 3;
        let fixed = MARK + FLAGS + time + receives + 7;
        let free = width.saturating_sub(fixed);
        if free >= 47 {
            Columns {
                time,
                kind: free * 24 / 100,
                id: free * 28 / 100,
                key: free * 18 / 100,
                receives,
                correlation: free - free * 24 / 100 - free * 28 / 100 - free * 18 / 100,
            }
        } else {
            let free = free + 1;
            Columns {
                time,
                kind: free * 30 / 100,
                id: free * 36 / 100,
                key: 0,
                receives,
                correlation: free - free * 30 / 100 - free * 36 / 100,
            }
        }
    }
}

fn cell(spans: &mut Vec<Span<'static>>, text: &str, width: usize, style: Style) {
    if width == 0 {
        return;
    }
    spans.push(Span::styled(fit(text, width), style));
    spans.push(Span::raw(" "));
}

/// The table's title: the count shown, and what is under way.
pub(super) fn title<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let shown = app.shown();
    let mut title = vec![Span::styled(" Events ", theme.style(Role::Title))];
    let counts = if app.constrained() {
        format!("{shown} of {} ", app.store.len())
    } else {
        format!("{shown} ")
    };
    title.push(Span::styled(counts, theme.style(Role::Muted)));
    if !app.view_complete() {
        let pct = app.view.scanned * 100 / app.store.len().max(1);
        title.push(Span::styled(
            format!("filtering {pct}% "),
            theme.style(Role::Warning),
        ));
    } else if app.store.summarized() < app.store.len() {
        let pct = app.store.summarized() * 100 / app.store.len().max(1);
        title.push(Span::styled(
            format!("inspecting {pct}% "),
            theme.style(Role::Muted),
        ));
    }
    if app.following {
        title.push(Span::styled("following ", theme.style(Role::Success)));
    }
    Line::from(title)
}

/// Draw the table.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let shown = app.shown();
    let block = pane_block(app, theme, Pane::Table).title(title(app, theme));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let columns = Columns::for_width(inner.width as usize);
    let header_style = theme.style(Role::Header);
    let mut header = vec![Span::raw(" ".repeat(MARK))];
    cell(&mut header, "FLAGS", FLAGS, header_style);
    cell(&mut header, "TIME (UTC)", columns.time, header_style);
    cell(&mut header, "TYPE", columns.kind, header_style);
    cell(&mut header, "ID", columns.id, header_style);
    cell(&mut header, "KEY", columns.key, header_style);
    cell(&mut header, "RCV", columns.receives, header_style);
    cell(
        &mut header,
        "CORRELATION",
        columns.correlation,
        header_style,
    );
    let mut lines = vec![Line::from(header)];
    let rows = inner.height.saturating_sub(1) as usize;
    for position in app.offset..(app.offset + rows).min(shown) {
        let Some(row) = app.row_at(position) else {
            break;
        };
        lines.push(row_line(app, theme, row, position == app.cursor, columns));
    }
    if shown == 0 {
        let text = if app.store.is_empty() {
            "no events yet"
        } else if app.view_complete() {
            "no event matches (esc clears the filter)"
        } else {
            "filtering…"
        };
        lines.push(Line::styled(format!("  {text}"), theme.style(Role::Muted)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
    if shown > rows {
        let mut state = ScrollbarState::new(shown.saturating_sub(rows)).position(app.offset);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None)
                .style(theme.style(Role::Border)),
            area.inner(Margin {
                horizontal: 0,
                vertical: 1,
            }),
            &mut state,
        );
    }
}

fn row_line(
    app: &App,
    theme: &Theme,
    row: usize,
    under_cursor: bool,
    columns: Columns,
) -> Line<'static> {
    let marked = app.marks.contains(row);
    let base = if marked {
        theme.style(Role::Marked)
    } else {
        theme.style(Role::Text)
    };
    let mut spans = vec![Span::styled(
        if marked { "*" } else { " " },
        theme.style(Role::Marked),
    )];
    match app.store.summary(row) {
        Some(summary) => summary_cells(app, theme, row, summary, base, columns, &mut spans),
        None => {
            cell(&mut spans, "", FLAGS, base);
            cell(
                &mut spans,
                "inspecting…",
                columns.time,
                theme.style(Role::Muted),
            );
        }
    }
    if under_cursor {
        let selection = theme.style(Role::Selection);
        for span in &mut spans {
            span.style = span.style.patch(selection);
        }
        return Line::from(spans).style(selection);
    }
    Line::from(spans)
}

fn summary_cells(
    app: &App,
    theme: &Theme,
    row: usize,
    summary: &Summary,
    base: Style,
    columns: Columns,
    spans: &mut Vec<Span<'static>>,
) {
    let mut flags = summary.flags;
    if app.row_in_dlq(row) {
        flags.0 |= Flags::DLQ;
    }
    for (letter, bit, _) in Flags::LEGEND {
        let role = match bit {
            Flags::EXPIRED => Role::Expired,
            Flags::MALFORMED => Role::Malformed,
            Flags::DLQ => Role::Dlq,
            Flags::SECRET => Role::Secret,
            _ => Role::Located,
        };
        if flags.has(bit) {
            // A dead-letter event the journal says was redriven already.
            let letter = if bit == Flags::DLQ && app.row_redriven(row, &summary.id) {
                'R'
            } else {
                letter
            };
            spans.push(Span::styled(letter.to_string(), theme.style(role)));
        } else {
            spans.push(Span::styled("·", theme.style(Role::Muted)));
        }
    }
    // The state of the event's flow (✗ failed, ! stuck, … open, ✓ complete).
    let state = app.flow_state(row);
    let style = state.map_or(theme.style(Role::Muted), |s| {
        theme.style(crate::tui::flows::role(s))
    });
    spans.push(Span::styled(crate::tui::flows::marker(state), style));
    spans.push(Span::raw(" "));
    let time = summary.time().map_or_else(
        || "—".to_string(),
        |t| t.format("%m-%d %H:%M:%S").to_string(),
    );
    cell(spans, &time, columns.time, theme.style(Role::Muted));
    let kind = summary.event_type.as_deref().map_or("—", |t| t.as_str());
    let kind_style = if flags.has(Flags::MALFORMED) {
        base.patch(theme.style(Role::Malformed))
    } else if flags.has(Flags::EXPIRED) {
        base.patch(theme.style(Role::Expired))
    } else {
        base
    };
    cell(spans, kind, columns.kind, kind_style);
    cell(spans, summary.id.as_str(), columns.id, base);
    cell(
        spans,
        summary.key.as_ref().map_or("—", |k| k.as_str()),
        columns.key,
        base,
    );
    let mut receives = summary
        .receive_count
        .map_or_else(String::new, |n| n.to_string());
    let receive_style = if summary.at_max_receives {
        // At maxReceiveCount: the next receive moves it to the DLQ.
        receives.push('!');
        theme.style(Role::Error)
    } else if summary.receive_count.is_some_and(|n| n > 1) {
        theme.style(Role::Warning)
    } else {
        base
    };
    cell(spans, &receives, columns.receives, receive_style);
    cell(
        spans,
        summary.correlation.as_ref().map_or("—", |c| c.as_str()),
        columns.correlation,
        base,
    );
}
