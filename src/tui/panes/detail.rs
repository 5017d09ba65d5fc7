//! The selected event's JSON, coloured by token, with a cursor line for pivots and copying.
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::format::clip;
use super::super::json_view::{self, JsonLine, TokenKind};
use super::super::state::{AppState, PaneId};
use super::super::theme::{Slot, Theme};
use crate::event::{json_terminal_safe, terminal_safe};

/// `Detail · EventName · integrity: VERDICT · from FILE`: what `verify` found of the file the
/// event was read from (a change in reverse video), and the file's name (its end, when long).
pub fn title(state: &AppState) -> Vec<Span<'static>> {
    let mut text = "Detail".to_owned();
    if let Some(row) = state.events.selected_row() {
        text.push_str(" · ");
        text.push_str(&terminal_safe(&clip(&row.summary.event_name, 40)));
    }
    let mut spans = vec![Span::raw(text)];
    let Some(origin) = &state.detail.origin else {
        return spans;
    };
    if let Some(verdict) = &origin.verdict {
        spans.push(Span::raw(" · integrity: "));
        let alarming = ["modified", "unlisted", "missing"].contains(&verdict.as_str());
        spans.push(match alarming {
            true => Span::styled(
                terminal_safe(&verdict.to_uppercase()).into_owned(),
                Style::new().add_modifier(Modifier::REVERSED),
            ),
            false => Span::raw(terminal_safe(verdict).into_owned()),
        });
    }
    let name = origin
        .file
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&origin.file);
    spans.push(Span::raw(format!(
        " · from {}",
        clip_start(&terminal_safe(name), 40)
    )));
    spans
}

/// `text` cut to `width` characters from the start, `…` in place of what is cut.
fn clip_start(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_owned();
    }
    let kept: String = text.chars().skip(count - width + 1).collect();
    format!("…{kept}")
}

fn token_slot(kind: TokenKind) -> Slot {
    match kind {
        TokenKind::String => Slot::JsonString,
        TokenKind::Number => Slot::JsonNumber,
        TokenKind::Boolean => Slot::JsonBoolean,
        TokenKind::Null => Slot::JsonNull,
        TokenKind::Punctuation => Slot::JsonPunctuation,
    }
}

/// One line; a folded one shows `{ … 3 fields }` in place of its members.
fn line<'a>(json: &JsonLine, folded: Option<(String, bool)>, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw("  ".repeat(json.depth))];
    if let Some(key) = &json.key {
        spans.push(Span::styled(
            json_terminal_safe(key).into_owned(),
            theme.style(Slot::JsonKey),
        ));
        spans.push(Span::styled(": ", theme.style(Slot::JsonPunctuation)));
    }
    let comma = match folded {
        Some((text, comma)) => {
            spans.push(Span::styled(text, theme.style(Slot::Dim)));
            comma
        }
        None => {
            spans.push(Span::styled(
                json_terminal_safe(&json.text).into_owned(),
                theme.style(token_slot(json.kind)),
            ));
            json.comma
        }
    };
    if comma {
        spans.push(Span::styled(",", theme.style(Slot::JsonPunctuation)));
    }
    Line::from(spans)
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, collapsed: bool) {
    let focused = state.focus == PaneId::Detail;
    if collapsed {
        return super::render_collapsed(title(state), focused, theme, frame, area);
    }
    let detail = &state.detail;
    let mut block = super::block(title(state), focused, theme);
    if let Some(current) = detail.current_line().filter(|l| !l.path.is_empty()) {
        let path = format!(
            " {} ",
            terminal_safe(&clip(&current.path, area.width.saturating_sub(4) as usize))
        );
        block = block.title_bottom(Line::styled(path, theme.style(Slot::Dim)));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if detail.lines.is_empty() {
        let text = if state.events.is_empty() {
            "no event selected"
        } else {
            "loading…"
        };
        frame.render_widget(Paragraph::new(super::note(text, theme)), inner);
        return;
    }
    let cursor = &detail.cursor;
    let end = (cursor.scroll + inner.height as usize).min(detail.visible.len());
    let lines: Vec<Line> = (cursor.scroll..end)
        .map(|position| {
            let index = detail.visible[position];
            let folded = detail
                .folded
                .contains(&index)
                .then(|| json_view::folded_text(&detail.lines, index));
            let mut rendered = line(&detail.lines[index], folded, theme);
            if detail.matches.binary_search(&index).is_ok() {
                rendered = rendered.patch_style(theme.style(Slot::JsonMatch));
            }
            if position == cursor.selected && focused {
                rendered = rendered.patch_style(theme.style(Slot::JsonCursor));
            }
            rendered
        })
        .collect();
    let cut: Vec<bool> = lines
        .iter()
        .map(|line| line.width() > inner.width as usize)
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    // A value cut at the edge says so (y copies it whole, z widens the pane).
    for (row, _) in cut.iter().enumerate().filter(|(_, cut)| **cut) {
        if let Some(cell) = frame
            .buffer_mut()
            .cell_mut((inner.right().saturating_sub(1), inner.y + row as u16))
        {
            cell.set_symbol("…").set_style(theme.style(Slot::Dim));
        }
    }
}
