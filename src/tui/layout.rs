//! Where everything goes for a terminal size: shared by `update` (to know how many rows each pane
//! shows) and the panes (to draw there), so the two always agree.
use ratatui::layout::{Constraint, Layout, Rect};

use super::state::PaneId;

/// Wide enough for the four panes side by side in two columns.
pub const WIDE_MIN_WIDTH: u16 = 120;
pub const WIDE_MIN_BODY_HEIGHT: u16 = 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas {
    pub breadcrumb: Rect,
    pub query: Rect,
    pub status: Rect,
    /// Each shown pane; `true` when it is collapsed to its title line.
    pub panes: Vec<(PaneId, Rect, bool)>,
}

impl Areas {
    pub fn pane(&self, pane: PaneId) -> Option<(Rect, bool)> {
        self.panes
            .iter()
            .find(|(id, _, _)| *id == pane)
            .map(|(_, rect, collapsed)| (*rect, *collapsed))
    }

    /// The rows of content a pane shows inside its border (0 when hidden or collapsed).
    pub fn inner_height(&self, pane: PaneId) -> usize {
        match self.pane(pane) {
            Some((rect, false)) => rect.height.saturating_sub(2) as usize,
            _ => 0,
        }
    }
}

/// The layout: breadcrumb and query line on top, the status line at the bottom, the panes between.
/// Wide terminals get two columns; smaller ones stack the panes with the focused one open and the
/// others folded to their title line; a zoomed pane takes the whole body.
pub fn areas(area: Rect, focus: PaneId, zoomed: bool) -> Areas {
    let [breadcrumb, query, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let panes = if zoomed {
        vec![(focus, body, false)]
    } else if body.width >= WIDE_MIN_WIDTH && body.height >= WIDE_MIN_BODY_HEIGHT {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                .areas(body);
        let alerts_height = (body.height / 4).clamp(5, 9);
        let [alerts, events] =
            Layout::vertical([Constraint::Length(alerts_height), Constraint::Fill(1)]).areas(left);
        let [detail, timeline] =
            Layout::vertical([Constraint::Percentage(58), Constraint::Fill(1)]).areas(right);
        vec![
            (PaneId::Alerts, alerts, false),
            (PaneId::Events, events, false),
            (PaneId::Detail, detail, false),
            (PaneId::Timeline, timeline, false),
        ]
    } else {
        let constraints = PaneId::ALL.map(|pane| {
            if pane == focus {
                Constraint::Fill(1)
            } else {
                Constraint::Length(1)
            }
        });
        let rects = Layout::vertical(constraints).split(body);
        PaneId::ALL
            .iter()
            .zip(rects.iter())
            .map(|(pane, rect)| (*pane, *rect, *pane != focus))
            .collect()
    };
    Areas {
        breadcrumb,
        query,
        status,
        panes,
    }
}

/// The help popup, centred over the body.
pub fn help_area(area: Rect) -> Rect {
    let width = area.width.saturating_sub(4).min(96);
    let height = area.height.saturating_sub(4);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Rows of the events pane used above the list: the histogram strip and the column header.
pub const EVENTS_CHROME_ROWS: usize = 2;
