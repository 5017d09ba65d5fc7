//! The breadcrumb of steps taken and the query line (or the open query/find editor).
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::format::clip;
use super::super::state::{AppState, PromptKind, TimeWindow};
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;

const SEPARATOR: &str = " › ";

/// `all events › user=alice › +ip=203.0.113.5`, the current step highlighted; the oldest steps
/// give way to `…` when it does not fit.
pub fn render_breadcrumb(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let history = &state.history;
    if history.entries.is_empty() {
        return;
    }
    let labels: Vec<String> = history.entries[..=history.current.min(history.entries.len() - 1)]
        .iter()
        .map(|view| terminal_safe(&view.label).into_owned())
        .collect();
    let ahead = history.forward_steps();
    let suffix = if ahead > 0 {
        format!("  ({ahead} ahead)")
    } else {
        String::new()
    };
    let width = area.width as usize;
    let mut first = 0;
    let total = |from: usize| -> usize {
        labels[from..]
            .iter()
            .map(|l| l.chars().count() + SEPARATOR.len())
            .sum::<usize>()
            + suffix.len()
            + 3
    };
    while first + 1 < labels.len() && total(first) > width {
        first += 1;
    }
    let mut spans = vec![Span::raw(" ")];
    if first > 0 {
        spans.push(Span::styled(
            format!("…{SEPARATOR}"),
            theme.style(Slot::Breadcrumb),
        ));
    }
    let last = labels.len() - 1;
    for (i, label) in labels.iter().enumerate().skip(first) {
        let slot = if i == last {
            Slot::BreadcrumbCurrent
        } else {
            Slot::Breadcrumb
        };
        spans.push(Span::styled(label.clone(), theme.style(slot)));
        if i != last {
            spans.push(Span::styled(SEPARATOR, theme.style(Slot::Breadcrumb)));
        }
    }
    spans.push(Span::styled(suffix, theme.style(Slot::Dim)));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut spans = Vec::new();
    match &state.prompt {
        Some(prompt) => {
            let prefix = match prompt.kind {
                PromptKind::Query => " query ❯ ",
                PromptKind::Find => " find in event ❯ ",
                PromptKind::Pull => " pull ❯ ",
                PromptKind::Ingest => " ingest file, folder or s3://bucket ❯ ",
                PromptKind::Athena => " athena pull ❯ ",
                PromptKind::Note => " note ❯ ",
                PromptKind::Export => " export to ❯ ",
            };
            let editor = &prompt.editor;
            // A note's line breaks show as ⏎ on the one-line prompt.
            let shown = |text: &str| terminal_safe(&text.replace('\n', "⏎")).into_owned();
            let before: String = editor.text.chars().take(editor.cursor).collect();
            let before = shown(&before);
            let cursor_x =
                area.x as usize + Span::raw(prefix).width() + Span::raw(before.as_str()).width();
            spans.push(Span::styled(prefix, theme.style(Slot::QueryPrompt)));
            spans.push(Span::styled(shown(&editor.text), theme.style(Slot::Query)));
            if let (PromptKind::Find, true, Some(last)) = (
                prompt.kind,
                editor.text.is_empty(),
                state.detail.find.as_deref(),
            ) {
                spans.push(Span::styled(
                    format!("(enter finds “{}” again)", terminal_safe(&clip(last, 40))),
                    theme.style(Slot::Dim),
                ));
            }
            if prompt.kind == PromptKind::Pull {
                spans.push(Span::styled(
                    "   options: --since 7d | --start T --end T, --region R, --all-regions, \
                     --attribute KEY=VALUE, --no-insights",
                    theme.style(Slot::Dim),
                ));
            }
            if prompt.kind == PromptKind::Athena {
                spans.push(Span::styled(
                    "   options: --since 7d | --until T, --account ID, --region R, --table DB.T, \
                     --output s3://…, --workgroup W, --fresh",
                    theme.style(Slot::Dim),
                ));
            }
            if let Ok(x) = u16::try_from(cursor_x) {
                if x < area.right() {
                    frame.set_cursor_position(Position::new(x, area.y));
                }
            }
        }
        None => {
            let view = state.current_view();
            spans.push(Span::styled(" query ", theme.style(Slot::QueryPrompt)));
            let query = if view.query.trim().is_empty() {
                "* (every event)".to_owned()
            } else {
                // Only what fits is drawn: an alert's query can cite a thousand event ids.
                terminal_safe(&clip(&view.query, area.width as usize)).into_owned()
            };
            spans.push(Span::styled(query, theme.style(Slot::Query)));
            if view.window != TimeWindow::All {
                spans.push(Span::styled(
                    format!("  [{}]", view.window.label()),
                    theme.style(Slot::Dim),
                ));
            }
            if state.query_error.is_none() {
                spans.push(Span::styled("   / to edit", theme.style(Slot::Dim)));
            }
        }
    }
    if let Some(error) = &state.query_error {
        spans.push(Span::styled(
            format!("  ✗ {}", terminal_safe(error)),
            theme.style(Slot::QueryError),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
