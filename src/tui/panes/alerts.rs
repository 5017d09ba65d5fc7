//! The alert feed: the detector's grouped alerts, most severe and newest first, with their count,
//! time span and principal; acknowledged ones marked, or hidden.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::format::{short_duration, thousands, time};
use super::super::state::{AppState, PaneId, Severity};
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;

pub fn title(state: &AppState) -> Vec<Span<'static>> {
    let alerts = &state.alerts;
    let mut text = "Alerts".to_owned();
    if !alerts.alerts.is_empty() {
        text.push_str(&format!(" {}", thousands(alerts.shown.len() as u64)));
        let acknowledged = alerts.acknowledged();
        if alerts.hide_acknowledged {
            text.push_str(&format!(" · {acknowledged} acknowledged hidden"));
        } else if acknowledged > 0 {
            text.push_str(&format!(" · {acknowledged} acknowledged shown"));
        }
    }
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
    if alerts.shown.is_empty() {
        let note = if !alerts.loaded {
            "reading the alerts…"
        } else if alerts.alerts.is_empty() {
            "no alerts: nothing in this index matched the rule pack"
        } else {
            "every alert is acknowledged (A shows them)"
        };
        frame.render_widget(Paragraph::new(super::note(note, theme)), inner);
        return;
    }
    let cursor = &alerts.cursor;
    let end = (cursor.scroll + inner.height as usize).min(alerts.shown.len());
    let lines: Vec<Line> = (cursor.scroll..end)
        .map(|row| {
            let alert = &alerts.alerts[alerts.shown[row]];
            let severity = if alert.acknowledged {
                theme.style(Slot::Dim)
            } else {
                theme.style(severity_slot(alert.severity))
            };
            let span = match (alert.first, alert.last) {
                (Some(first), Some(last)) if last > first => {
                    let minutes = (last - first).num_minutes().max(1);
                    format!(
                        " over {}",
                        short_duration(chrono::Duration::minutes(minutes))
                    )
                }
                _ => String::new(),
            };
            let line = Line::from(vec![
                Span::styled(
                    if alert.acknowledged {
                        "ack✓"
                    } else {
                        severity_tag(alert.severity)
                    },
                    severity,
                ),
                Span::raw(" "),
                Span::styled(time(alert.last), theme.style(Slot::EventTime)),
                Span::raw(" "),
                Span::styled(terminal_safe(&alert.rule_id).into_owned(), severity),
                Span::raw(" "),
                Span::styled(terminal_safe(&alert.title).into_owned(), severity),
                Span::raw(format!(" ×{}{span} ", thousands(alert.count))),
                Span::styled(
                    terminal_safe(short_principal(&alert.principal)).into_owned(),
                    theme.style(Slot::EventPrincipal),
                ),
            ]);
            if row == cursor.selected && focused {
                line.patch_style(super::selection_style(true, theme))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The last part of an ARN-like principal: `alice` of `arn:aws:iam::1:user/alice`.
fn short_principal(principal: &str) -> &str {
    principal
        .rsplit(['/', ':'])
        .find(|part| !part.is_empty())
        .unwrap_or(principal)
}
