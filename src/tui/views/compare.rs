//! The compare view: counts, the three lists (only in A, only in B,
//! different) and, for a different pair, both bodies side by side with the
//! lines of the differing paths highlighted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::centered;
use super::text::fit;
use crate::analyze::diff::{DiffReport, pretty_lines};
use crate::tui::app::App;
use crate::tui::compare_view::{CompareView, LISTS};
use crate::tui::theme::{Role, Theme};

/// Event text for the screen: secrets the policy finds masked, terminal
/// controls escaped.
fn safe(text: &str) -> String {
    let masked = crate::secrets::mask_text(text);
    crate::sanitize::escape_json_text(&masked).into_owned()
}

/// The popup's rectangle in a screen of `area`.
fn popup(area: Rect) -> Rect {
    centered(
        area,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    )
}

/// The counts line, the lists line, and the rest (list and bodies) of
/// the popup's inside.
fn parts(inner: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner)
}

/// The block around one body, unstyled: a rule on its left, a title.
fn body_block<'a>(title: String) -> Block<'a> {
    Block::default().borders(Borders::LEFT).title(title)
}

/// How many body lines the view shows on a screen of `size` (columns,
/// rows): a page when scrolling the bodies.
pub fn body_height(size: (u16, u16)) -> usize {
    let rect = popup(Rect::new(0, 0, size.0, size.1));
    let inner = Block::default().borders(Borders::ALL).inner(rect);
    let [_, _, body] = parts(inner);
    body_block(String::new()).inner(body).height as usize
}

/// Draw the view over `area`.
pub fn render(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(view) = &app.compare else { return };
    let rect = popup(area);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::BorderFocus))
        .title(Span::styled(
            format!(
                " Compare: A {} · B {} ",
                crate::sanitize::escape_masked(&view.a),
                crate::sanitize::escape_masked(&view.b)
            ),
            theme.style(Role::Title),
        ))
        .title_bottom(Span::styled(
            if view.bodies {
                " j/k scroll · pgup/pgdn page · g/G top/end · enter back to the list · esc closes "
            } else if view.pair().is_some() {
                " h/l list · j/k pick · enter scrolls the bodies · esc closes "
            } else {
                " h/l list · j/k pick · esc closes "
            },
            theme.style(Role::Muted),
        ))
        .style(theme.style(Role::Text));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let report = match &view.report {
        None => {
            let line = Line::styled("reading and comparing…", theme.style(Role::Muted));
            frame.render_widget(Paragraph::new(line), inner);
            return;
        }
        Some(Err(error)) => {
            let line = Line::styled(
                crate::sanitize::escape_masked(error).into_owned(),
                theme.style(Role::Error),
            );
            frame.render_widget(Paragraph::new(line), inner);
            return;
        }
        Some(Ok(report)) => report,
    };
    let [counts, tabs, body] = parts(inner);
    frame.render_widget(Paragraph::new(counts_line(report, theme)), counts);
    frame.render_widget(Paragraph::new(tabs_line(view, report, theme)), tabs);
    let [list, detail] =
        Layout::horizontal([Constraint::Percentage(30), Constraint::Min(10)]).areas(body);
    render_list(view, report, theme, frame, list);
    if let Some(pair) = view.pair() {
        let [a, b] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(detail);
        render_body("A", &pair.a, &pair.paths, view, theme, frame, a);
        render_body("B", &pair.b, &pair.paths, view, theme, frame, b);
    }
}

fn counts_line<'a>(report: &DiffReport, theme: &Theme) -> Line<'a> {
    let lag = match report.lag_ms {
        Some(l) => format!("lag p50 {} ms · p95 {} ms · max {} ms", l.p50, l.p95, l.max),
        None => "lag -".into(),
    };
    let text = format!(
        " {} + {} events · same {} · duplicates {} in A, {} in B · {lag}",
        report.events.0,
        report.events.1,
        report.same,
        report.duplicates_a.len(),
        report.duplicates_b.len()
    );
    let role = if report.matches() {
        Role::Success
    } else {
        Role::Warning
    };
    Line::styled(text, theme.style(role))
}

fn tabs_line<'a>(view: &CompareView, report: &DiffReport, theme: &Theme) -> Line<'a> {
    let counts = [
        report.only_a.len(),
        report.only_b.len(),
        report.different.len(),
    ];
    let mut spans = Vec::new();
    for (i, (name, n)) in LISTS.iter().zip(counts).enumerate() {
        let role = if i == view.list {
            Role::TabActive
        } else {
            Role::Muted
        };
        spans.push(Span::styled(format!(" {name} ({n}) "), theme.style(role)));
    }
    Line::from(spans)
}

fn render_list(
    view: &CompareView,
    report: &DiffReport,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let keys: Vec<&str> = match view.list {
        0 => report.only_a.iter().map(String::as_str).collect(),
        1 => report.only_b.iter().map(String::as_str).collect(),
        _ => report.different.iter().map(|d| d.key.as_str()).collect(),
    };
    let height = area.height as usize;
    let first = view.cursor.saturating_sub(height.saturating_sub(1));
    let width = area.width.saturating_sub(1) as usize;
    let lines: Vec<Line> = keys
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, key)| {
            let role = if i == view.cursor {
                Role::Selection
            } else {
                Role::Text
            };
            Line::styled(fit(&safe(key), width), theme.style(role))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// One side's body from the view's scroll line on, the lines of the
/// differing paths highlighted; the title says which lines show.
fn render_body(
    side: &str,
    value: &serde_json::Value,
    paths: &[String],
    view: &CompareView,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let lines = pretty_lines(value, paths);
    let height = body_block(String::new()).inner(area).height as usize;
    let first = view.scroll.min(lines.len().saturating_sub(1));
    let shown = lines.len().saturating_sub(first).min(height);
    let title = if lines.len() > height || first > 0 {
        format!(" {side} {}-{}/{} ", first + 1, first + shown, lines.len())
    } else {
        format!(" {side} ")
    };
    let (border, border_type) = if view.bodies {
        (Role::BorderFocus, BorderType::Thick)
    } else {
        (Role::Border, BorderType::Plain)
    };
    let block = body_block(title)
        .border_type(border_type)
        .border_style(theme.style(border))
        .title_style(theme.style(Role::Header));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let lines: Vec<Line> = lines
        .into_iter()
        .skip(first)
        .take(inner.height as usize)
        .map(|(text, hit)| {
            let role = if hit { Role::Warning } else { Role::Text };
            Line::styled(fit(&safe(&text), width), theme.style(role))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
