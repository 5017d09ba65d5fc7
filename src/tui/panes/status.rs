//! The status line: what the index holds, work in flight, and the last thing that went wrong.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::format::{bytes, thousands};
use super::super::state::AppState;
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let status = &state.status;
    let mut spans = Vec::new();
    let mut index = match status.index_events {
        Some(events) => format!(" {} events", thousands(events)),
        None => " reading the index…".to_owned(),
    };
    if let Some(size) = status.index_bytes {
        index.push_str(&format!(" · {}", bytes(size)));
    }
    if let Some((first, last)) = status.span {
        index.push_str(&format!(
            " · {} → {}",
            first.format("%Y-%m-%d %H:%M"),
            last.format("%Y-%m-%d %H:%M")
        ));
    }
    spans.push(Span::raw(index));
    if let Some((line, alarm)) = &status.integrity {
        let slot = match alarm {
            true => Slot::StatusError,
            false => Slot::Status,
        };
        spans.push(Span::styled(
            format!(" · {}", terminal_safe(line)),
            theme.style(slot),
        ));
    }
    if let Some(activity) = &status.activity {
        spans.push(Span::styled(
            format!(" · {}", terminal_safe(&activity.summary)),
            theme.style(Slot::StatusBusy),
        ));
    }
    if state.following {
        spans.push(Span::styled(
            " · following (F stops)",
            theme.style(Slot::StatusBusy),
        ));
    }
    let busy = state.requests.busy();
    if !busy.is_empty() {
        let work: Vec<&str> = busy.iter().map(|kind| kind.describe()).collect();
        spans.push(Span::styled(
            format!(" · {}…", work.join(", ")),
            theme.style(Slot::StatusBusy),
        ));
    }
    if state.zoomed {
        spans.push(Span::raw(" · zoomed (tab moves, z restores)"));
    }
    for error in &status.config_errors {
        spans.push(Span::styled(
            format!(" · {}", terminal_safe(error)),
            theme.style(Slot::StatusError),
        ));
    }
    if let Some(error) = &status.last_error {
        spans.push(Span::styled(
            format!(" · last error: {}", terminal_safe(error)),
            theme.style(Slot::StatusError),
        ));
    } else if let Some(message) = &status.message {
        spans.push(Span::raw(format!(" · {}", terminal_safe(message))));
    }
    spans.push(Span::raw(" · ? help"));
    // The number of accounts comes after everything else in importance: shown only when
    // several are loaded (one says nothing `info` does not) and the line has room for it.
    if status.accounts.len() > 1 {
        let accounts = format!(" · {} accounts", status.accounts.len());
        let used: usize = spans.iter().map(|span| span.width()).sum();
        if used + accounts.chars().count() <= usize::from(area.width) {
            spans.insert(1, Span::raw(accounts));
        }
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.style(Slot::Status)),
        area,
    );
}
