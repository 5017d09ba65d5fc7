//! The alert feed: detections grouped by rule, most severe and newest first.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::format::{thousands, time};
use super::super::state::{AppState, PaneId, Severity};
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;

pub fn title(state: &AppState) -> Vec<Span<'static>> {
    let alerts = &state.alerts;
    let text = if alerts.loaded {
        let total: usize = alerts.groups.iter().map(|g| g.count).sum();
        format!("Alerts {}", thousands(total as u64))
    } else {
        "Alerts".to_owned()
    };
    vec![Span::raw(text)]
}

pub fn severity_slot(severity: Severity) -> Slot {
    match severity {
        Severity::Critical => Slot::SeverityCritical,
        Severity::High => Slot::SeverityHigh,
        Severity::Medium => Slot::SeverityMedium,
        Severity::Low => Slot::SeverityLow,
        Severity::Informational => Slot::SeverityInformational,
    }
}

fn severity_tag(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRIT",
        Severity::High => "HIGH",
        Severity::Medium => "MED ",
        Severity::Low => "LOW ",
        Severity::Informational => "INFO",
    }
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, collapsed: bool) {
    let focused = state.focus == PaneId::Alerts;
    if collapsed {
        return super::render_collapsed(title(state), focused, theme, frame, area);
    }
    let block = super::block(title(state), focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let alerts = &state.alerts;
    if !alerts.loaded {
        let note = "no alerts: nothing in this index matched the rule pack";
        frame.render_widget(Paragraph::new(super::note(note, theme)), inner);
        return;
    }
    if alerts.groups.is_empty() {
        frame.render_widget(Paragraph::new(super::note("no alerts", theme)), inner);
        return;
    }
    let cursor = &alerts.cursor;
    let end = (cursor.scroll + inner.height as usize).min(alerts.groups.len());
    let lines: Vec<Line> = (cursor.scroll..end)
        .map(|index| {
            let group = &alerts.groups[index];
            let line = Line::from(vec![
                Span::styled(
                    severity_tag(group.severity),
                    theme.style(severity_slot(group.severity)),
                ),
                Span::raw(" "),
                Span::styled(time(Some(group.newest)), theme.style(Slot::EventTime)),
                Span::raw(" "),
                Span::styled(
                    terminal_safe(&group.rule).into_owned(),
                    theme.style(severity_slot(group.severity)),
                ),
                Span::raw(format!(" ×{} ", group.count)),
                Span::styled(
                    terminal_safe(&group.newest_principal).into_owned(),
                    theme.style(Slot::EventPrincipal),
                ),
            ]);
            if index == cursor.selected && focused {
                line.patch_style(super::selection_style(true, theme))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
