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
use crate::tui::columns::ColumnId;
use crate::tui::summary::{Flags, Summary};
use crate::tui::theme::{Role, Theme};

const MARK: usize = 1;

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
    if app.sort.running {
        title.push(Span::styled("sorting ", theme.style(Role::Muted)));
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
    let widths = app.columns.widths(inner.width as usize, MARK);
    let header_style = theme.style(Role::Header);
    let mut header = vec![Span::raw(" ".repeat(MARK))];
    for (spec, width) in app.columns.shown.iter().zip(&widths) {
        let mut name = app.columns.header(spec.id);
        if let Some(key) = app.sort.key.filter(|k| k.column == spec.id) {
            // The arrow shows even in a narrow column.
            if name.chars().count() >= *width {
                name = name.chars().take(width.saturating_sub(1)).collect();
            }
            name.push(if key.descending { '▼' } else { '▲' });
        }
        cell(&mut header, &name, *width, header_style);
    }
    let mut lines = vec![Line::from(header)];
    let rows = inner.height.saturating_sub(1) as usize;
    for position in app.offset..(app.offset + rows).min(shown) {
        let Some(row) = app.row_at(position) else {
            break;
        };
        lines.push(row_line(app, theme, row, position == app.cursor, &widths));
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
    widths: &[usize],
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
        Some(summary) => {
            let cells = Cells {
                app,
                theme,
                row,
                summary,
                base,
            };
            for (spec, width) in app.columns.shown.iter().zip(widths) {
                cells.push(spec.id, *width, &mut spans);
            }
        }
        None => {
            let width = widths.iter().copied().find(|w| *w > 0).unwrap_or(0);
            cell(
                &mut spans,
                "inspecting…",
                width.max(11),
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

/// What the cells of one inspected row are made from.
struct Cells<'a> {
    app: &'a App,
    theme: &'a Theme,
    row: usize,
    summary: &'a Summary,
    base: Style,
}

impl Cells<'_> {
    fn flags(&self) -> Flags {
        let mut flags = self.summary.flags;
        if self.app.row_in_dlq(self.row) {
            flags.0 |= Flags::DLQ;
        }
        flags
    }

    /// Push the cell of column `id`, `width` wide (nothing when 0).
    fn push(&self, id: ColumnId, width: usize, spans: &mut Vec<Span<'static>>) {
        let (app, theme, summary, base) = (self.app, self.theme, self.summary, self.base);
        if width == 0 {
            return;
        }
        match id {
            ColumnId::Flags => self.flag_cells(width, spans),
            ColumnId::Time => {
                let time = summary.time().map_or_else(
                    || "—".to_string(),
                    |t| t.format("%m-%d %H:%M:%S").to_string(),
                );
                cell(spans, &time, width, theme.style(Role::Muted));
            }
            ColumnId::Type => {
                let flags = self.flags();
                let kind = summary.event_type.as_deref().map_or("—", |t| t.as_str());
                let style = if flags.has(Flags::MALFORMED) {
                    base.patch(theme.style(Role::Malformed))
                } else if flags.has(Flags::EXPIRED) {
                    base.patch(theme.style(Role::Expired))
                } else {
                    base
                };
                cell(spans, kind, width, style);
            }
            ColumnId::Id => cell(spans, summary.id.as_str(), width, base),
            ColumnId::Key => {
                let key = summary.key.as_ref().map_or("—", |k| k.as_str());
                cell(spans, key, width, base);
            }
            ColumnId::Receives => {
                let mut receives = summary
                    .receive_count
                    .map_or_else(String::new, |n| n.to_string());
                let style = if summary.at_max_receives {
                    // At maxReceiveCount: the next receive moves it to the DLQ.
                    receives.push('!');
                    theme.style(Role::Error)
                } else if summary.receive_count.is_some_and(|n| n > 1) {
                    theme.style(Role::Warning)
                } else {
                    base
                };
                cell(spans, &receives, width, style);
            }
            ColumnId::Correlation => {
                let correlation = summary.correlation.as_ref().map_or("—", |c| c.as_str());
                cell(spans, correlation, width, base);
            }
            ColumnId::Custom(n) => match app.columns.value(n, self.row) {
                Some(Some(value)) => cell(spans, value.text.as_str(), width, base),
                Some(None) => cell(spans, "—", width, theme.style(Role::Muted)),
                None => cell(spans, "…", width, theme.style(Role::Muted)),
            },
        }
    }

    /// The five flag letters and the flow-state marker.
    fn flag_cells(&self, width: usize, spans: &mut Vec<Span<'static>>) {
        let (app, theme, summary) = (self.app, self.theme, self.summary);
        let flags = self.flags();
        let mut used = 0;
        for (letter, bit, _) in Flags::LEGEND {
            let role = match bit {
                Flags::EXPIRED => Role::Expired,
                Flags::MALFORMED => Role::Malformed,
                Flags::DLQ => Role::Dlq,
                Flags::SECRET => Role::Secret,
                _ => Role::Located,
            };
            if used == width {
                break;
            }
            used += 1;
            if flags.has(bit) {
                // A dead-letter event the journal or its redrive subscription says
                // was redriven already.
                let letter = if bit == Flags::DLQ && app.row_redriven(self.row, &summary.id) {
                    'R'
                } else {
                    letter
                };
                spans.push(Span::styled(letter.to_string(), theme.style(role)));
            } else {
                spans.push(Span::styled("·", theme.style(Role::Muted)));
            }
        }
        if used < width {
            // The state of the event's flow (✗ failed, ! stuck, … open, ✓ complete).
            let state = app.flow_state(self.row);
            let style = state.map_or(theme.style(Role::Muted), |s| {
                theme.style(crate::tui::flows::role(s))
            });
            spans.push(Span::styled(crate::tui::flows::marker(state), style));
            used += 1;
        }
        spans.push(Span::raw(" ".repeat(width - used + 1)));
    }
}
