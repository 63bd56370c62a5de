//! The flows view: every flow of the loaded rows with its state (failed and
//! stuck first), drawn over the screen; only the rows on screen are built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use super::text::fit;
use crate::analyze::flows::{NO_TYPE, gap_text};
use crate::sanitize::escape_masked;
use crate::tui::app::App;
use crate::tui::flows::{marker, role};
use crate::tui::theme::{Role, Theme};

/// Draw the flows view over everything.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(120),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let flows = &app.flows;
    let shown = flows.shown();
    let which = flows.view_state.map_or("all", |s| s.as_str());
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocus))
        .title(Span::styled(
            format!(" Flows: {which} · {} ", shown.len()),
            theme.style(Role::Title),
        ))
        .title_bottom(Span::styled(
            " j/k move · s state · enter open · esc close ",
            theme.style(Role::Muted),
        ))
        .style(theme.style(Role::Text));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let Some(result) = &flows.result else {
        let text = Line::styled("  linking flows…", theme.style(Role::Muted));
        frame.render_widget(Paragraph::new(text), inner);
        return;
    };
    let width = inner.width as usize;
    // STATE CORRELATION EVENTS SRC FIRST → LAST DURATION
    let state_w = 11;
    let events_w = 6;
    let sources_w = 4;
    let duration_w = 8;
    let free = width.saturating_sub(state_w + events_w + sources_w + duration_w + 6);
    let correlation_w = free * 40 / 100;
    let types_w = free - correlation_w;
    let header = theme.style(Role::Header);
    let mut lines = vec![Line::from(vec![
        Span::styled(fit(" STATE", state_w), header),
        Span::raw(" "),
        Span::styled(fit("CORRELATION", correlation_w), header),
        Span::raw(" "),
        Span::styled(format!("{:>events_w$}", "EVENTS"), header),
        Span::raw(" "),
        Span::styled(format!("{:>sources_w$}", "SRC"), header),
        Span::raw(" "),
        Span::styled(fit("FIRST → LAST", types_w), header),
        Span::raw(" "),
        Span::styled(fit("DURATION", duration_w), header),
    ])];
    let rows = (inner.height as usize).saturating_sub(1);
    let top = flows.view_cursor.saturating_sub(rows.saturating_sub(1));
    for (position, &flow) in shown.iter().enumerate().skip(top).take(rows) {
        let f = &result.flows[flow];
        let first = f.types.first().map_or(NO_TYPE, String::as_str);
        let last = f.types.last().map_or(NO_TYPE, String::as_str);
        let mut state = format!(" {} {}", marker(Some(f.state)), f.state.as_str());
        if !f.flags.names().is_empty() {
            state.push('*');
        }
        let duration = f
            .duration()
            .map_or_else(|| "-".into(), |d| gap_text(d.num_milliseconds()));
        let mut line = Line::from(vec![
            Span::styled(fit(&state, state_w), theme.style(role(f.state))),
            Span::raw(" "),
            Span::raw(fit(&escape_masked(&f.correlation_id), correlation_w)),
            Span::raw(" "),
            Span::raw(format!("{:>events_w$}", f.events)),
            Span::raw(" "),
            Span::raw(format!("{:>sources_w$}", f.sources.len())),
            Span::raw(" "),
            Span::raw(fit(&escape_masked(&format!("{first} → {last}")), types_w)),
            Span::raw(" "),
            Span::styled(fit(&duration, duration_w), theme.style(Role::Muted)),
        ]);
        if position == flows.view_cursor {
            let selection = theme.style(Role::Selection);
            for span in &mut line.spans {
                span.style = span.style.patch(selection);
            }
            line = line.style(selection);
        }
        lines.push(line);
    }
    if shown.is_empty() {
        lines.push(Line::styled(
            "  no flow in this state (s shows the next state)",
            theme.style(Role::Muted),
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
