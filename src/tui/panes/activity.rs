//! The background-work overlay: the index's writer at work, its summary and each part's line
//! (a pull's regions, an ingest's files), as the writer last published them.
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
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

/// The status line's recent messages in full, newest first, wrapped: what the line had to cut.
fn message_lines(state: &AppState, theme: &Theme) -> Vec<Line<'static>> {
    let status = &state.status;
    let errors = status.config_errors.iter().map(|error| {
        Line::styled(
            format!("  config: {}", terminal_safe(error)),
            theme.style(Slot::StatusError),
        )
    });
    let said = status.log.iter().rev().map(|message| {
        let text = format!(
            "  {} {}",
            message.at.format("%H:%M:%S"),
            terminal_safe(&message.text)
        );
        if message.error {
            Line::styled(text, theme.style(Slot::StatusError))
        } else {
            Line::raw(text)
        }
    });
    let mut lines: Vec<Line<'static>> = errors.chain(said).collect();
    if lines.is_empty() {
        return lines;
    }
    lines.insert(
        0,
        Line::styled("Messages, newest first", theme.style(Slot::Header)),
    );
    lines.insert(0, Line::raw(""));
    lines
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let inner = super::overlay(
        "Background work and messages (J or esc closes)",
        theme,
        frame,
        area,
    );
    let mut lines = lines(state.status.activity.as_ref(), theme);
    lines.extend(message_lines(state, theme));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
