//! The sources pane (wide terminals) and the one-line sources bar (narrow).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::text::{fit, width};
use super::{pane_block, text};
use crate::backend::{Operation, SourceKind};
use crate::tui::app::{App, LoadState, Pane, SourceSlot};
use crate::tui::safe::Safe;
use crate::tui::theme::{Role, Theme};
use crate::tui::update::source_bar_items;

fn state_mark(source: &SourceSlot) -> (&'static str, Role) {
    match source.state {
        LoadState::Opening | LoadState::Loading => ("…", Role::Muted),
        LoadState::Loaded => ("", Role::Muted),
        LoadState::Failed(_) => ("✗", Role::Error),
        LoadState::Expanded(_) => ("", Role::Muted),
    }
}

/// A scope's label: `public/default · 3 topics`, `sqs:// · 12 queues`,
/// `sqs://orders* · no queues`.
fn group_label(source: &SourceSlot, members: usize) -> String {
    let (scope, noun) = match source.uri.split_once("://") {
        Some(("sqs", _)) => (source.uri.as_str(), "queue"),
        Some((_, rest)) => (rest.split_once('/').map_or(rest, |(_, path)| path), "topic"),
        None => (source.uri.as_str(), "source"),
    };
    let count = match members {
        0 => format!("no {noun}s"),
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    };
    format!("{} · {count}", Safe::masked(scope))
}

/// The sources pane.
pub fn pane(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = pane_block(app, theme, Pane::Sources)
        .title(Span::styled(" Sources ", theme.style(Role::Title)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let focused = app.focus == Pane::Sources;
    let item = |index: usize, active: bool, spans: Vec<Span<'static>>| -> Line<'static> {
        let mut line = Line::from(spans);
        if focused && app.source_cursor == index {
            line = line.style(theme.style(Role::Selection));
        } else if active {
            line = line.style(theme.style(Role::Header));
        }
        line
    };
    let total = format!("{}", app.store.len());
    lines.push(item(
        0,
        app.scope.is_none(),
        vec![
            Span::raw(fit("All sources", w.saturating_sub(width(&total) + 1))),
            Span::raw(format!(" {total}")),
        ],
    ));
    for (n, (slot, depth)) in app.source_order().into_iter().enumerate() {
        let source = &app.sources[slot];
        let indent = "  ".repeat(usize::from(depth.saturating_sub(1)));
        let prefix = if depth > 0 {
            format!("{indent}└ ")
        } else {
            String::new()
        };
        if let LoadState::Expanded(members) = source.state {
            let label = format!("{prefix}{}", group_label(source, members));
            lines.push(item(
                n + 1,
                app.scope == Some(slot),
                vec![Span::styled(fit(&label, w), theme.style(Role::Header))],
            ));
            continue;
        }
        let (mark, mark_role) = state_mark(source);
        let mut right = format!("{}{mark}", source.loaded);
        if source.expired > 0 {
            right.push_str(&format!(" E{}", source.expired));
        }
        if source.malformed > 0 {
            right.push_str(&format!(" M{}", source.malformed));
        }
        if source.contract_violations > 0 {
            right.push_str(&format!(" V{}", source.contract_violations));
        }
        let held = app.holding.get(&slot).map_or(0, |h| h.held);
        if held > 0 {
            right.push_str(&format!(" H{held}"));
        }
        let name_width = w.saturating_sub(width(&right) + 1 + width(&prefix));
        let name_role = if source.is_dlq() {
            Role::Dlq
        } else {
            Role::Text
        };
        let mut spans = vec![
            Span::styled(prefix, theme.style(Role::Muted)),
            Span::styled(
                fit(source.name().as_str(), name_width),
                theme.style(name_role),
            ),
            Span::raw(" "),
            Span::raw(format!("{}", source.loaded)),
            Span::styled(mark.to_string(), theme.style(mark_role)),
        ];
        if source.expired > 0 {
            spans.push(Span::styled(
                format!(" E{}", source.expired),
                theme.style(Role::Expired),
            ));
        }
        if source.malformed > 0 {
            spans.push(Span::styled(
                format!(" M{}", source.malformed),
                theme.style(Role::Malformed),
            ));
        }
        if source.contract_violations > 0 {
            // Of the malformed, those that break their contract (help: V).
            spans.push(Span::styled(
                format!(" V{}", source.contract_violations),
                theme.style(Role::Malformed),
            ));
        }
        if held > 0 {
            // Held from the queue's consumers by this follow (help: H).
            spans.push(Span::styled(
                format!(" H{held}"),
                theme.style(Role::Warning),
            ));
        }
        lines.push(item(n + 1, app.scope == Some(slot), spans));
    }
    // What is known about the source under the cursor (or in scope).
    let about = match app.source_cursor {
        0 => app.scope,
        n => app.source_order().get(n - 1).map(|(s, _)| *s),
    };
    if let Some(source) = about.and_then(|s| app.sources.get(s)) {
        lines.push(Line::raw(""));
        let muted = theme.style(Role::Muted);
        lines.push(Line::styled(
            text::fit(&crate::tui::safe::Safe::masked(source.uri()).to_string(), w),
            muted,
        ));
        if let LoadState::Expanded(members) = source.state {
            lines.push(Line::styled(fit(&group_label(source, members), w), muted));
            lines.push(Line::styled("shows every event below", muted));
        }
        if let Some(info) = &source.info {
            let kind = match info.kind {
                SourceKind::File => "capture file",
                SourceKind::Demo => "bundled demo",
                SourceKind::Sqs => "SQS queue",
                SourceKind::Pulsar => "Pulsar topic",
            };
            lines.push(Line::styled(kind, muted));
            if let Some(of) = &info.dlq_of {
                lines.push(Line::styled(
                    fit(&format!("DLQ of {}", crate::tui::safe::Safe::masked(of)), w),
                    theme.style(Role::Dlq),
                ));
            }
            if let Some(dlq) = &info.dlq {
                lines.push(Line::styled(
                    fit(&format!("DLQ: {}", crate::tui::safe::Safe::masked(dlq)), w),
                    theme.style(Role::Dlq),
                ));
            }
        }
        if let Some(backend) = &source.backend {
            let caps = backend.capabilities();
            let mut can = Vec::new();
            for (operation, word) in [(Operation::Send, "send"), (Operation::Redrive, "redrive")] {
                if caps.offers(operation) {
                    can.push(word);
                }
            }
            if caps.tail {
                can.push("follow");
            }
            let text = if can.is_empty() {
                "read-only source".to_string()
            } else {
                format!("can {}", can.join(", "))
            };
            lines.push(Line::styled(text, muted));
        }
        if let Some(line) = app
            .holding
            .get(&about.unwrap_or_default())
            .and_then(|h| h.holding_line())
        {
            lines.push(Line::styled(fit(&line, w), theme.style(Role::Warning)));
        }
        if source.at_max_receives > 0 {
            lines.push(Line::styled(
                fit(
                    &format!(
                        "{} at maxReceiveCount (RCV !): the next receive moves them to the DLQ",
                        source.at_max_receives
                    ),
                    w,
                ),
                theme.style(Role::Error),
            ));
        }
        if let LoadState::Failed(error) = &source.state {
            lines.push(Line::styled(
                fit(error.as_str(), w),
                theme.style(Role::Error),
            ));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The one-line bar that replaces the pane on narrow terminals.
pub fn bar(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let order = app.source_order();
    let mut spans = Vec::new();
    for (index, label) in source_bar_items(app) {
        let slot = index
            .checked_sub(1)
            .and_then(|i| order.get(i))
            .map(|(s, _)| *s);
        let active = slot == app.scope;
        let mut style = match slot.and_then(|s| app.sources.get(s)) {
            Some(source) if source.is_dlq() => theme.style(Role::Dlq),
            _ => theme.style(Role::Text),
        };
        if active {
            style = style.patch(theme.style(Role::TabActive));
        } else if app.focus == Pane::Sources && app.source_cursor == index {
            style = style.patch(theme.style(Role::Selection));
        }
        spans.push(Span::styled(label, style));
        spans.push(Span::styled("│", theme.style(Role::Border)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
