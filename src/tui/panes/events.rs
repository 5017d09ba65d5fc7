//! The event list: a window over the results, drawn from the rows loaded around the visible ones.
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::super::format::{thousands, time};
use super::super::state::{AppState, EventRow, PaneId, TimeWindow};
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;
use crate::index::SortOrder;

/// `Events 1,234 of 3,000 · newest first · last 24h`
pub fn title(state: &AppState) -> Vec<Span<'static>> {
    let events = &state.events;
    let mut text = match events.matched {
        Some(matched) => format!(
            "Events {} of {}",
            thousands(matched),
            thousands(events.total)
        ),
        None => "Events … of …".to_owned(),
    };
    if let Some(view) = &events.view {
        text.push_str(match view.order {
            SortOrder::NewestFirst => " · newest first",
            SortOrder::OldestFirst => " · oldest first",
        });
        if view.window != TimeWindow::All {
            text.push_str(" · ");
            text.push_str(&view.window.label());
        }
    }
    vec![Span::raw(text)]
}

/// `iam.amazonaws.com` -> `iam`.
fn short_source(source: &str) -> &str {
    source.strip_suffix(".amazonaws.com").unwrap_or(source)
}

/// Below this table width the year is left out of the time column.
const COMPACT_BELOW: u16 = 110;

fn cells(row: &EventRow, theme: &Theme, compact: bool) -> Row<'static> {
    let s = &row.summary;
    let safe = |text: &str| terminal_safe(text).into_owned();
    let when = match (compact, s.time) {
        (true, Some(t)) => t.format("%m-%d %H:%M:%S").to_string(),
        _ => time(s.time),
    };
    Row::new(vec![
        Cell::from(when).style(theme.style(Slot::EventTime)),
        Cell::from(safe(s.principal.short_name())).style(theme.style(Slot::EventPrincipal)),
        Cell::from(safe(&s.event_name)),
        Cell::from(safe(short_source(&s.event_source))),
        Cell::from(safe(&s.region)),
        Cell::from(safe(&s.source_ip)),
        Cell::from(safe(&s.error)).style(theme.style(Slot::EventError)),
    ])
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, collapsed: bool) {
    let focused = state.focus == PaneId::Events;
    if collapsed {
        return super::render_collapsed(title(state), focused, theme, frame, area);
    }
    let block = super::block(title(state), focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let [strip, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let events = &state.events;
    if let Some(histogram) = &events.histogram {
        let bars = super::sparkline(&histogram.counts, strip.width as usize);
        frame.render_widget(
            Paragraph::new(Line::styled(bars, theme.style(Slot::Histogram))),
            strip,
        );
    }
    if events.matched == Some(0) {
        frame.render_widget(
            Paragraph::new(super::note("no events match this query", theme)),
            table_area,
        );
        return;
    }
    let compact = table_area.width < COMPACT_BELOW;
    let cursor = &events.cursor;
    let end = (cursor.scroll + cursor.height).min(events.len());
    let rows: Vec<Row> = (cursor.scroll..end)
        .map(|index| {
            let row = match events.row(index) {
                Some(row) => cells(row, theme, compact),
                None => Row::new(vec![Cell::from("…").style(theme.style(Slot::Dim))]),
            };
            if index == cursor.selected {
                row.style(super::selection_style(focused, theme))
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(if compact { 14 } else { 19 }),
        Constraint::Fill(4),
        Constraint::Fill(4),
        Constraint::Fill(2),
        Constraint::Length(if compact { 11 } else { 14 }),
        Constraint::Length(15),
        Constraint::Fill(2),
    ];
    let header = Row::new([
        "Time",
        "Principal",
        "Event",
        "Source",
        "Region",
        "Source IP",
        "Error",
    ])
    .style(theme.style(Slot::Header));
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, table_area);
}
