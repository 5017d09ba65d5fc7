//! The event list: a window over the results, drawn from the rows loaded around the visible ones.
use chrono::Datelike;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::super::format::{clip, thousands, time};
use super::super::state::{AppState, EventRow, PaneId, TimeWindow};
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;
use crate::index::SortOrder;

/// `Events 1,234 of 3,000 · newest first · last 24h · ↑ 24 newer`: the last part says how
/// many rows of the list are scrolled off above the pane.
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
        let above = events.cursor.scroll.min(events.len());
        if above > 0 {
            text.push_str(&format!(
                " · ↑ {} {}",
                thousands(above as u64),
                match view.order {
                    SortOrder::NewestFirst => "newer",
                    SortOrder::OldestFirst => "older",
                }
            ));
        }
    }
    vec![Span::raw(text)]
}

/// `iam.amazonaws.com` -> `iam`.
fn short_source(source: &str) -> &str {
    source.strip_suffix(".amazonaws.com").unwrap_or(source)
}

/// Below this table width the time column is shortened.
const COMPACT_BELOW: u16 = 110;

/// How the time column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeFormat {
    /// `2026-11-01 08:00:00`
    Full,
    /// `11-01 08:00:00`, when every event is in one year.
    NoYear,
    /// `2026-11-01 08:00`, short of room on an index that spans years.
    NoSeconds,
}

impl TimeFormat {
    fn of(state: &AppState, compact: bool) -> TimeFormat {
        let one_year = state
            .status
            .span
            .is_none_or(|(first, last)| first.year() == last.year());
        match (compact, one_year) {
            (false, _) => TimeFormat::Full,
            (true, true) => TimeFormat::NoYear,
            (true, false) => TimeFormat::NoSeconds,
        }
    }

    fn width(self) -> usize {
        match self {
            TimeFormat::Full => 19,
            TimeFormat::NoYear => 14,
            TimeFormat::NoSeconds => 16,
        }
    }
}
const SPACING: u16 = 1;
/// Marks an event pinned to the current case.
pub const PINNED: &str = "◆";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Time,
    Principal,
    Event,
    Source,
    Region,
    SourceIp,
    Error,
}

impl Column {
    const ALL: [Column; 7] = [
        Column::Time,
        Column::Principal,
        Column::Event,
        Column::Source,
        Column::Region,
        Column::SourceIp,
        Column::Error,
    ];
    /// Dropped first to last when even the narrowest widths do not fit (zoom shows them all).
    const DROPPABLE: [Column; 3] = [Column::Source, Column::Region, Column::Error];

    fn header(self) -> &'static str {
        match self {
            Column::Time => "Time",
            Column::Principal => "Principal",
            Column::Event => "Event",
            Column::Source => "Source",
            Column::Region => "Region",
            Column::SourceIp => "Source IP",
            Column::Error => "Error",
        }
    }

    /// The narrowest and widest a column is drawn (the time's width is fixed).
    fn bounds(self, format: TimeFormat) -> (usize, usize) {
        match self {
            Column::Time => (format.width(), format.width()),
            Column::Principal => (12, 32),
            Column::Event => (14, 32),
            Column::Source => (6, 16),
            Column::Region => (9, 14),
            Column::SourceIp => (15, 24),
            Column::Error => (8, 28),
        }
    }

    fn text(self, row: &EventRow, format: TimeFormat) -> String {
        let s = &row.summary;
        let text = match self {
            Column::Time => {
                return match (format, s.time) {
                    (TimeFormat::NoYear, Some(t)) => t.format("%m-%d %H:%M:%S").to_string(),
                    (TimeFormat::NoSeconds, Some(t)) => t.format("%Y-%m-%d %H:%M").to_string(),
                    (TimeFormat::Full, _) => time(s.time),
                    (_, None) => " ".repeat(format.width()),
                }
            }
            Column::Principal => s.principal.short_name(),
            Column::Event => &s.event_name,
            Column::Source => short_source(&s.event_source),
            Column::Region => &s.region,
            Column::SourceIp => &s.source_ip,
            Column::Error => &s.error,
        };
        terminal_safe(text).into_owned()
    }

    fn slot(self) -> Option<Slot> {
        match self {
            Column::Time => Some(Slot::EventTime),
            Column::Principal => Some(Slot::EventPrincipal),
            Column::Error => Some(Slot::EventError),
            _ => None,
        }
    }
}

/// The columns shown and their widths: each as wide as its widest visible value allows, the
/// widest of them narrowed first when the table is short of room, the least needed dropped when
/// even their narrowest widths do not fit.
fn layout_columns(texts: &[Vec<String>], width: u16, format: TimeFormat) -> Vec<(Column, usize)> {
    let natural = |column: Column, i: usize| {
        let (min, max) = column.bounds(format);
        texts
            .iter()
            .map(|row| row[i].chars().count())
            .chain([column.header().len()])
            .max()
            .unwrap_or(0)
            .clamp(min, max)
    };
    let mut shown: Vec<(Column, usize)> = Column::ALL
        .iter()
        .enumerate()
        .map(|(i, column)| (*column, natural(*column, i)))
        .collect();
    let room = |shown: &[(Column, usize)]| {
        (width as usize).saturating_sub(shown.len().saturating_sub(1) * SPACING as usize)
    };
    for dropped in Column::DROPPABLE {
        let narrowest: usize = shown.iter().map(|(c, _)| c.bounds(format).0).sum();
        if narrowest <= room(&shown) {
            break;
        }
        shown.retain(|(c, _)| *c != dropped);
    }
    let room = room(&shown);
    while shown.iter().map(|(_, w)| w).sum::<usize>() > room {
        let widest = shown
            .iter_mut()
            .filter(|(c, w)| *w > c.bounds(format).0)
            .max_by_key(|(_, w)| *w);
        match widest {
            Some((_, w)) => *w -= 1,
            None => break,
        }
    }
    shown
}

fn cells(texts: Vec<String>, columns: &[(Column, usize)], theme: &Theme) -> Row<'static> {
    let by_column: Vec<(Column, String)> = Column::ALL.iter().copied().zip(texts).collect();
    Row::new(columns.iter().map(|(column, width)| {
        let text = by_column
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, t)| clip(t, *width))
            .unwrap_or_default();
        match column.slot() {
            Some(slot) => Cell::from(text).style(theme.style(slot)),
            None => Cell::from(text),
        }
    }))
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
    let format = TimeFormat::of(state, table_area.width < COMPACT_BELOW);
    let cursor = &events.cursor;
    let end = (cursor.scroll + cursor.height).min(events.len());
    let texts: Vec<Option<Vec<String>>> = (cursor.scroll..end)
        .map(|index| {
            events.row(index).map(|row| {
                let pinned = state.case.events.contains_key(&row.summary.event_id);
                Column::ALL
                    .iter()
                    .map(|c| match (c, pinned) {
                        (Column::Event, true) => format!("{PINNED} {}", c.text(row, format)),
                        _ => c.text(row, format),
                    })
                    .collect()
            })
        })
        .collect();
    let loaded: Vec<Vec<String>> = texts.iter().flatten().cloned().collect();
    let columns = layout_columns(&loaded, table_area.width, format);
    let rows: Vec<Row> = texts
        .into_iter()
        .zip(cursor.scroll..end)
        .map(|(texts, index)| {
            let row = match texts {
                Some(texts) => cells(texts, &columns, theme),
                None => Row::new(vec![Cell::from("…").style(theme.style(Slot::Dim))]),
            };
            if index == cursor.selected {
                row.style(super::selection_style(focused, theme))
            } else {
                row
            }
        })
        .collect();
    let last = columns.len().saturating_sub(1);
    let widths: Vec<Constraint> = columns
        .iter()
        .enumerate()
        .map(|(i, (_, width))| {
            if i == last {
                Constraint::Fill(1)
            } else {
                Constraint::Length(*width as u16)
            }
        })
        .collect();
    let header = Row::new(columns.iter().map(|(column, _)| column.header()))
        .style(theme.style(Slot::Header));
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(SPACING);
    frame.render_widget(table, table_area);
}
