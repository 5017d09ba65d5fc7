//! The alert feed: the detector's grouped alerts, most severe and newest first, with their count,
//! time span and principal; acknowledged ones marked, or hidden.
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::super::format::{clip, rough_duration, thousands, time};
use super::super::state::{Alert, AppState, PaneId, Severity};
use super::super::theme::{Slot, Theme};
use crate::detect::{group_label, short_rule_id};
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

/// Rows under the focused feed for the selected alert's why and next, when it is tall enough.
pub fn footer_rows(inner_height: u16, focused: bool) -> u16 {
    if focused && inner_height >= 10 {
        (inner_height / 3).min(5)
    } else {
        0
    }
}

/// The selected alert's reason, next step and baseline, wrapped.
fn render_footer(alert: &Alert, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = Vec::new();
    if alert.tainted > 0 {
        lines.push(Line::styled(
            format!(
                "trust {} of its events were read from files verify found changed or unlisted: Detail says which",
                alert.tainted
            ),
            theme.style(Slot::EventError),
        ));
    }
    let mut add = |label: &str, text: &str| {
        if !text.is_empty() {
            lines.push(Line::from(vec![
                Span::styled(format!("{label} "), theme.style(Slot::Header)),
                Span::raw(terminal_safe(text).into_owned()),
            ]));
        }
    };
    add("why", &alert.why);
    add("next", &alert.next);
    add("seen", alert.baseline.as_deref().unwrap_or_default());
    let [rule, text] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(
            "─".repeat(rule.width as usize),
            theme.style(Slot::Dim),
        )),
        rule,
    );
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text);
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, collapsed: bool) {
    let focused = state.focus == PaneId::Alerts;
    if collapsed {
        return super::render_collapsed(title(state), focused, theme, frame, area);
    }
    let block = super::block(title(state), focused, theme);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    let footer = footer_rows(inner.height, focused);
    if let (true, Some(alert)) = (footer > 0, state.alerts.selected()) {
        let [list, below] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(footer)]).areas(inner);
        render_footer(alert, theme, frame, below);
        inner = list;
    }
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
    // The principal before the title, in a column: the title is the part a narrow pane can lose.
    let principals: Vec<String> = (cursor.scroll..end)
        .map(|row| {
            let alert = &alerts.alerts[alerts.shown[row]];
            clip(
                &terminal_safe(short_principal(&alert.principal)),
                PRINCIPAL_WIDTH,
            )
        })
        .collect();
    let principal_width = principals
        .iter()
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0);
    let lines: Vec<Line> = (cursor.scroll..end)
        .zip(principals)
        .map(|(row, principal)| {
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
                        rough_duration(chrono::Duration::minutes(minutes))
                    )
                }
                _ => String::new(),
            };
            let acknowledged = if alert.acknowledged {
                "✓"
            } else if state.case.alerts.contains(&alert.key) {
                super::events::PINNED
            } else {
                " "
            };
            let line = Line::from(vec![
                Span::styled(
                    format!("{}{acknowledged} ", severity_tag(alert.severity)),
                    severity,
                ),
                Span::styled(time(alert.last), theme.style(Slot::EventTime)),
                Span::raw(" "),
                Span::styled(
                    terminal_safe(&short_rule_id(&alert.rule_id)).into_owned(),
                    severity,
                ),
                Span::raw(" "),
                Span::styled(
                    format!("{principal:<principal_width$}"),
                    theme.style(Slot::EventPrincipal),
                ),
                Span::raw(format!(" ×{}{span} ", thousands(alert.count))),
                Span::styled(
                    match alert.tainted {
                        0 => "",
                        _ => "[changed file] ",
                    },
                    theme.style(Slot::EventError),
                ),
                Span::styled(group_note(alert), theme.style(Slot::Dim)),
                Span::styled(terminal_safe(&alert.title).into_owned(), severity),
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

/// `by 203.0.113.7 `: what the alert is grouped by, when that is not its principal (two alerts of
/// one rule and principal differ by it).
fn group_note(alert: &Alert) -> String {
    match group_label(&alert.principal, &alert.group) {
        Some(label) => format!("by {} ", clip(&terminal_safe(&label), PRINCIPAL_WIDTH)),
        None => String::new(),
    }
}

/// Columns an alert's principal takes at most.
const PRINCIPAL_WIDTH: usize = 24;

/// The last part of an ARN-like principal: `alice` of `arn:aws:iam::1:user/alice`.
fn short_principal(principal: &str) -> &str {
    principal
        .rsplit(['/', ':'])
        .find(|part| !part.is_empty())
        .unwrap_or(principal)
}
