//! The case overlay: the current case's pins in time order, each with what it is, its notes and
//! the queries that led to it; Enter goes back to the pinned events.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::state::{AppState, CasePin};
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;

/// The lines of one pin: its heading, then its notes and trail, indented.
fn pin_lines(pin: &CasePin, selected: bool, focused: &Theme) -> Vec<Line<'static>> {
    let theme = focused;
    let when = pin
        .time
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "undated            ".to_owned());
    let heading = Line::from(vec![
        Span::styled(format!("◆ {when}  "), theme.style(Slot::EventTime)),
        Span::raw(terminal_safe(&pin.label).into_owned()),
    ]);
    let mut lines = vec![match selected {
        true => heading.style(super::selection_style(true, theme)),
        false => heading,
    }];
    for note in &pin.notes {
        for (i, line) in note.lines().enumerate() {
            let lead = if i == 0 {
                "      note: "
            } else {
                "            "
            };
            lines.push(Line::styled(
                format!("{lead}{}", terminal_safe(line)),
                theme.style(Slot::Header),
            ));
        }
    }
    if !pin.trail.is_empty() {
        let trail: Vec<String> = pin
            .trail
            .iter()
            .map(|q| terminal_safe(q).into_owned())
            .collect();
        lines.push(Line::styled(
            format!("      via: {}", trail.join(" › ")),
            theme.style(Slot::Dim),
        ));
    }
    lines
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let view = &state.case_view;
    let title = match &state.case.name {
        Some(name) => format!(
            " case {} · {} pins · Enter goes to them, Esc closes ",
            terminal_safe(name),
            view.pins.len()
        ),
        None => " case ".to_owned(),
    };
    let inner = super::overlay(&title, theme, frame, area);
    let mut lines: Vec<Line> = Vec::new();
    if state.case.name.is_none() {
        lines.push(Line::raw(
            "No case is open: m pins the selected event, alert or principal and starts one.",
        ));
    } else if view.pins.is_empty() {
        lines.push(Line::raw(
            "Nothing is pinned yet: m pins the selection, M writes a note.",
        ));
    }
    for note in &view.notes {
        lines.push(Line::styled(
            format!("note: {}", terminal_safe(&note.replace('\n', " ⏎ "))),
            theme.style(Slot::Header),
        ));
    }
    if !view.notes.is_empty() {
        lines.push(Line::raw(""));
    }
    let mut selected_line = 0;
    for (i, pin) in view.pins.iter().enumerate() {
        if i == view.cursor.selected {
            selected_line = lines.len();
        }
        lines.extend(pin_lines(pin, i == view.cursor.selected, theme));
    }
    let height = inner.height as usize;
    let scroll = selected_line.saturating_sub(height.saturating_sub(3));
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}
