//! Drawing: each pane reads the state and draws into its area; nothing here changes state or
//! does I/O. Every string that came from an event goes through `terminal_safe` (or
//! `json_terminal_safe`) before it reaches the frame.
pub mod activity;
pub mod alerts;
pub mod case;
pub mod detail;
pub mod events;
pub mod help;
pub mod query;
pub mod status;
pub mod timeline;

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

use super::layout;
use super::state::{AppState, Mode, PaneId};
use super::theme::{Slot, Theme};

/// Draws the whole screen.
pub fn draw(state: &AppState, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.style(Slot::Text)), area);
    let areas = layout::areas(area, state.focus, state.zoomed);
    query::render_breadcrumb(state, theme, frame, areas.breadcrumb);
    query::render(state, theme, frame, areas.query);
    for (pane, rect, collapsed) in &areas.panes {
        let (rect, collapsed) = (*rect, *collapsed);
        match pane {
            PaneId::Alerts => alerts::render(state, theme, frame, rect, collapsed),
            PaneId::Events => events::render(state, theme, frame, rect, collapsed),
            PaneId::Detail => detail::render(state, theme, frame, rect, collapsed),
            PaneId::Timeline => timeline::render(state, theme, frame, rect, collapsed),
        }
    }
    status::render(state, theme, frame, areas.status);
    match state.mode {
        Mode::Help => help::render(state, theme, frame, layout::help_area(area)),
        Mode::Activity => activity::render(state, theme, frame, layout::help_area(area)),
        Mode::Case => case::render(state, theme, frame, layout::help_area(area)),
        Mode::Normal | Mode::Prompt(_) => {}
    }
}

/// An overlay's frame over whatever is under `area` (help, background work); its inner area.
pub fn overlay(title: &str, theme: &Theme, frame: &mut Frame, area: Rect) -> Rect {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .title(Line::styled(
            format!(" {title} "),
            theme.style(Slot::PaneTitleFocused),
        ))
        .border_style(theme.style(Slot::PaneBorderFocused))
        .style(theme.style(Slot::Text));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// A pane's frame: border and title styled by focus.
pub fn block<'a>(title: Vec<Span<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    let (border, title_style) = if focused {
        (Slot::PaneBorderFocused, Slot::PaneTitleFocused)
    } else {
        (Slot::PaneBorder, Slot::PaneTitle)
    };
    let mut spans = vec![Span::raw(" ")];
    spans.extend(title);
    spans.push(Span::raw(" "));
    Block::bordered()
        .border_style(theme.style(border))
        .title(Line::from(spans).style(theme.style(title_style)))
}

/// A folded pane: its title on one line, so that it stays visible and reachable with Tab.
pub fn render_collapsed(
    title: Vec<Span<'_>>,
    focused: bool,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let (border, title_style) = if focused {
        (Slot::PaneBorderFocused, Slot::PaneTitleFocused)
    } else {
        (Slot::PaneBorder, Slot::PaneTitle)
    };
    let mut spans = vec![Span::styled("─▸ ", theme.style(border))];
    let title_width: usize = title.iter().map(Span::width).sum();
    spans.extend(
        title
            .into_iter()
            .map(|s| s.patch_style(theme.style(title_style))),
    );
    let used = 3 + title_width + 1;
    spans.push(Span::raw(" "));
    spans.push(Span::styled(
        "─".repeat((area.width as usize).saturating_sub(used)),
        theme.style(border),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

const LEVELS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// `counts` as one row of block characters `width` wide (buckets summed or spread to fit); any
/// non-zero bucket shows at least the lowest bar.
pub fn sparkline(counts: &[u64], width: usize) -> String {
    if counts.is_empty() || width == 0 {
        return " ".repeat(width);
    }
    let n = counts.len();
    let columns: Vec<u64> = (0..width)
        .map(|col| {
            let from = col * n / width;
            let to = ((col + 1) * n / width).max(from + 1).min(n);
            counts[from..to].iter().sum()
        })
        .collect();
    let max = columns.iter().copied().max().unwrap_or(0);
    columns
        .iter()
        .map(|count| match (*count, max) {
            (0, _) | (_, 0) => LEVELS[0],
            (count, max) => LEVELS[(count * 8).div_ceil(max).clamp(1, 8) as usize],
        })
        .collect()
}

/// A dim line of explanation inside a pane.
pub fn note(text: &str, theme: &Theme) -> Line<'static> {
    Line::styled(text.to_owned(), theme.style(Slot::Dim))
}

pub fn selection_style(focused: bool, theme: &Theme) -> Style {
    theme.style(if focused {
        Slot::Selection
    } else {
        Slot::SelectionUnfocused
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn sparkline_fits_the_width() {
        assert_eq!(super::sparkline(&[0, 1, 2, 8], 4), " ▁▂█");
        assert_eq!(super::sparkline(&[1, 1, 0, 0, 4, 4], 3), "▂ █");
        assert_eq!(super::sparkline(&[5], 3).chars().count(), 3);
        assert_eq!(super::sparkline(&[], 2), "  ");
    }
}
