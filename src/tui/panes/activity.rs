//! The background-work overlay: the index's writer at work, its summary and each part's line
//! (a pull's regions, an ingest's files), as the writer last published them.
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::state::AppState;
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;
use crate::index::activity::ActivityReport;

fn lines(report: Option<&ActivityReport>, theme: &Theme) -> Vec<Line<'static>> {
    let Some(report) = report else {
        return vec![
            Line::raw("No ingest or pull is writing to this index."),
            Line::styled(
                "L starts a pull from LookupEvents, + an ingest of archives (see ? for keys).",
                theme.style(Slot::Dim),
            ),
        ];
    };
    let mut lines = vec![
        Line::styled(
            format!(
                "{} (process {}) since {}",
                terminal_safe(&report.kind),
                report.pid,
                report.started.format("%Y-%m-%d %H:%M:%S"),
            ),
            theme.style(Slot::Header),
        ),
        Line::styled(
            terminal_safe(&report.summary).into_owned(),
            theme.style(Slot::StatusBusy),
        ),
    ];
    if !report.details.is_empty() {
        lines.push(Line::raw(""));
    }
    lines.extend(
        report
            .details
            .iter()
            .map(|detail| Line::raw(format!("  {}", terminal_safe(detail)))),
    );
    lines
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let inner = super::overlay("Background work (J or esc closes)", theme, frame, area);
    frame.render_widget(
        Paragraph::new(lines(state.status.activity.as_ref(), theme)),
        inner,
    );
}
