//! Where each pane goes for a terminal size: one function used by the
//! views to draw and by `update` to page and to map mouse clicks.

use ratatui::layout::{Constraint, Layout, Rect};

/// Narrower than this, the sources pane collapses into a one-line bar.
pub const WIDE: u16 = 100;
/// Width of the sources pane.
const SOURCES_WIDTH: u16 = 30;

/// The areas of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    /// The sources pane (wide terminals).
    pub sources: Option<Rect>,
    /// The one-line sources bar (narrow terminals).
    pub sources_bar: Option<Rect>,
    /// The events table, borders included.
    pub table: Rect,
    /// The detail pane, borders included.
    pub detail: Rect,
    /// The status bar.
    pub status: Rect,
    /// The hint bar, also where input lines are edited.
    pub hints: Rect,
}

impl Areas {
    /// Lay out a screen of `area`.
    pub fn of(area: Rect) -> Areas {
        let [main, status, hints] = Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        let (sources, sources_bar, right) = if area.width >= WIDE {
            let [left, right] =
                Layout::horizontal([Constraint::Length(SOURCES_WIDTH), Constraint::Min(20)])
                    .areas(main);
            (Some(left), None, right)
        } else {
            let [bar, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(2)]).areas(main);
            (None, Some(bar), rest)
        };
        let table_share = if right.height >= 30 { 45 } else { 50 };
        let [table, detail] = Layout::vertical([
            Constraint::Percentage(table_share),
            Constraint::Percentage(100 - table_share),
        ])
        .areas(right);
        Areas {
            sources,
            sources_bar,
            table,
            detail,
            status,
            hints,
        }
    }

    /// Rows of events the table shows (inside borders, below the header).
    pub fn table_rows(&self) -> usize {
        self.table.height.saturating_sub(3) as usize
    }

    /// Lines the detail shows (inside borders).
    pub fn detail_lines(&self) -> usize {
        self.detail.height.saturating_sub(2) as usize
    }
}

/// Whether `(x, y)` lies inside `rect`.
pub fn contains(rect: Rect, x: u16, y: u16) -> bool {
    x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height
}

/// The titles of the detail tabs as drawn in the detail's top border.
pub fn tab_titles() -> Vec<String> {
    super::content::Tab::ALL
        .iter()
        .enumerate()
        .map(|(n, (_, title))| format!(" {}:{title} ", n + 1))
        .collect()
}

/// The tab whose title is at column `x` of the detail's top border.
pub fn tab_at(detail: Rect, x: u16) -> Option<usize> {
    let mut left = detail.x + 1;
    for (n, title) in tab_titles().iter().enumerate() {
        let right = left + title.len() as u16;
        if x >= left && x < right {
            return Some(n);
        }
        left = right;
    }
    None
}
