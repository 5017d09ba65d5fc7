//! The help overlay, generated from the keymap and each action's description.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::keymap::{Keymap, Section};
use super::super::state::{AppState, HelpLine};
use super::super::theme::{Slot, Theme};

const KEYS_WIDTH: usize = 22;

/// Every binding, section by section, with what it does.
pub fn help_lines(keymap: &Keymap) -> Vec<HelpLine> {
    let mut lines = Vec::new();
    for section in Section::ALL {
        let bindings = keymap.section_bindings(section);
        if bindings.is_empty() {
            continue;
        }
        lines.push(HelpLine::Section(section.title()));
        for (keys, action) in bindings {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            lines.push(HelpLine::Binding {
                keys: keys.join(", "),
                description: action.description(),
            });
        }
    }
    lines
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let inner = super::overlay("Help: keys (esc closes)", theme, frame, area);
    let lines: Vec<Line> = state
        .help
        .iter()
        .skip(state.help_cursor.scroll)
        .take(inner.height as usize)
        .map(|line| match line {
            HelpLine::Section(title) => Line::styled(*title, theme.style(Slot::Header)),
            HelpLine::Binding { keys, description } => Line::from(vec![
                Span::styled(format!("  {keys:<KEYS_WIDTH$}"), theme.style(Slot::HelpKey)),
                Span::raw(*description),
            ]),
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
