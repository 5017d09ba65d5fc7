//! The selected event's principal over time: activity, first and last seen, where from, with what.
use chrono::{DateTime, Utc};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::format::{clip, thousands, time};
use super::super::state::{
    AppState, PaneId, SessionIssue, SessionLink, TimeWindow, Timeline, TimelineState,
};
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;
use crate::index::TopList;

/// Columns of the labels before the values (the activity line takes the rest).
pub const LABEL_WIDTH: usize = 12;

pub fn title(state: &AppState) -> Vec<Span<'static>> {
    let mut text = "Timeline".to_owned();
    if let Some(principal) = &state.timeline.principal {
        let short = principal.rsplit(['/', ':']).next().unwrap_or(principal);
        text.push_str(" · ");
        if state.case.principals.contains(principal) {
            text.push_str(super::events::PINNED);
            text.push(' ');
        }
        text.push_str(&terminal_safe(&clip(short, 40)));
    }
    let window = state.current_view().window;
    if window != TimeWindow::All {
        text.push_str(&format!(" · {}", window.label()));
    }
    vec![Span::raw(text)]
}

/// How many lines the timeline shows at most (update scrolls over them).
pub fn line_count(timeline: &Timeline) -> usize {
    // principal, activity, picked, first/last seen, events/errors, the lists' header
    let head = 6;
    let values: usize = value_lists(timeline)
        .iter()
        .map(|(_, list)| list.values.len().max(1) + usize::from(list.distinct > list.values.len()))
        .sum();
    let sessions: usize = timeline
        .sessions
        .iter()
        .map(|session| session.chain.len().max(1) + session.lifecycle.len())
        .sum();
    head + values + sessions
}

fn labelled<'a>(label: &str, value: Vec<Span<'a>>, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(
        format!("{label:<LABEL_WIDTH$}"),
        theme.style(Slot::Header),
    )];
    spans.extend(value);
    Line::from(spans)
}

/// The value lists, in the order shown.
fn value_lists(timeline: &Timeline) -> [(&'static str, &TopList); 5] {
    [
        ("source IPs", &timeline.source_ips),
        ("regions", &timeline.regions),
        ("services", &timeline.services),
        ("access keys", &timeline.access_keys),
        ("user agents", &timeline.user_agents),
    ]
}

/// Columns a value keeps before first-seen times shorten to month, day and minute.
const VALUE_ROOM: usize = 24;

/// One line per value, in the same columns for every list: when the principal first used it,
/// how often, and the value last so that a narrow pane clips only the value's tail.
fn value_rows(timeline: &Timeline, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let lists = value_lists(timeline);
    let count_width = lists
        .iter()
        .flat_map(|(_, list)| list.values.iter())
        .map(|v| thousands(v.count).chars().count() + 1)
        .fold("events".len(), usize::max);
    let full = width >= LABEL_WIDTH + 19 + 2 + count_width + 2 + VALUE_ROOM;
    let time_width = if full { 19 } else { 11 };
    let seen = |first: Option<DateTime<Utc>>| match (first, full) {
        (Some(first), true) => time(Some(first)),
        (Some(first), false) => first.format("%m-%d %H:%M").to_string(),
        (None, _) => " ".repeat(time_width),
    };
    let mut lines = vec![labelled(
        "",
        vec![Span::styled(
            format!(
                "{:<time_width$}  {:>count_width$}  value",
                "first seen", "events"
            ),
            theme.style(Slot::Dim),
        )],
        theme,
    )];
    for (label, list) in lists {
        if list.values.is_empty() {
            lines.push(labelled(label, vec![Span::raw("—")], theme));
        }
        for (i, value) in list.values.iter().enumerate() {
            let count = format!("×{}", thousands(value.count));
            let spans = vec![
                Span::styled(seen(value.first_seen), theme.style(Slot::EventTime)),
                Span::raw(format!("  {count:>count_width$}  ")),
                Span::raw(terminal_safe(&value.value).into_owned()),
            ];
            lines.push(labelled(if i == 0 { label } else { "" }, spans, theme));
        }
        let more = list.distinct.saturating_sub(list.values.len());
        if more > 0 {
            let text = format!(
                "{:time_width$}  {:>count_width$}  … {} more",
                "",
                "",
                thousands(more as u64)
            );
            lines.push(labelled(
                "",
                vec![Span::styled(text, theme.style(Slot::Dim))],
                theme,
            ));
        }
    }
    lines
}

/// The activity line, the picked column highlighted, and under it the stretch that column covers.
fn activity(
    state: &TimelineState,
    timeline: &Timeline,
    theme: &Theme,
    columns: usize,
) -> Vec<Span<'static>> {
    let Some(histogram) = &timeline.activity else {
        return vec![Span::raw("—")];
    };
    let line: Vec<char> = super::sparkline(&histogram.counts, columns)
        .chars()
        .collect();
    let style = theme.style(Slot::Sparkline);
    match state.bucket.filter(|b| *b < line.len()) {
        Some(b) => vec![
            Span::styled(line[..b].iter().collect::<String>(), style),
            Span::styled(
                if line[b] == ' ' { '·' } else { line[b] }.to_string(),
                theme.style(Slot::Selection),
            ),
            Span::styled(line[b + 1..].iter().collect::<String>(), style),
        ],
        None => vec![Span::styled(line.into_iter().collect::<String>(), style)],
    }
}

fn lines(
    state: &TimelineState,
    timeline: &Timeline,
    theme: &Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let error_rate = if timeline.events == 0 {
        0.0
    } else {
        timeline.errors as f64 * 100.0 / timeline.events as f64
    };
    let picked = state.bucket.and_then(|column| {
        timeline
            .activity
            .as_ref()?
            .column_span(column, state.columns)
    });
    let mut lines = vec![
        labelled(
            "principal",
            vec![Span::styled(
                terminal_safe(&timeline.principal).into_owned(),
                theme.style(Slot::EventPrincipal),
            )],
            theme,
        ),
        labelled(
            "activity",
            activity(state, timeline, theme, width.saturating_sub(LABEL_WIDTH)),
            theme,
        ),
        labelled(
            "first seen",
            vec![
                Span::styled(time(timeline.first_seen), theme.style(Slot::EventTime)),
                Span::raw("  last "),
                Span::styled(time(timeline.last_seen), theme.style(Slot::EventTime)),
            ],
            theme,
        ),
        labelled(
            "events",
            vec![
                Span::raw(thousands(timeline.events)),
                Span::raw("  errors "),
                Span::styled(
                    format!("{} ({error_rate:.1}%)", thousands(timeline.errors)),
                    theme.style(if timeline.errors > 0 {
                        Slot::EventError
                    } else {
                        Slot::Text
                    }),
                ),
            ],
            theme,
        ),
    ];
    if let Some((since, until)) = picked {
        lines.insert(
            2,
            labelled(
                "picked",
                vec![
                    Span::styled(
                        TimeWindow::Between(since, until).label(),
                        theme.style(Slot::EventTime),
                    ),
                    Span::styled(" · enter narrows", theme.style(Slot::Dim)),
                ],
                theme,
            ),
        );
    }
    lines.extend(value_rows(timeline, theme, width));
    for (i, session) in timeline.sessions.iter().enumerate() {
        let label = if i == 0 { "sessions" } else { "" };
        let head = format!(
            "{} ×{} ",
            terminal_safe(&session.access_key),
            thousands(session.events)
        );
        let indent = " ".repeat(head.chars().count());
        if session.chain.is_empty() {
            let text = format!("{head}{}", not_found(session));
            lines.push(labelled(label, vec![Span::raw(text)], theme));
        }
        for (hop, issue) in session.chain.iter().enumerate() {
            let text = format!(
                "{}← {}",
                if hop == 0 { &head } else { &indent },
                call(issue)
            );
            lines.push(labelled(
                if hop == 0 { label } else { "" },
                vec![Span::raw(text)],
                theme,
            ));
        }
        for change in &session.lifecycle {
            let text = format!("{indent}then {}", call(change));
            lines.push(labelled("", vec![Span::raw(text)], theme));
        }
    }
    lines
}

/// One call of a key's history: what, by whom, from where, when.
fn call(issue: &SessionIssue) -> String {
    let detail = if issue.detail.is_empty() {
        String::new()
    } else {
        format!(" ({})", terminal_safe(&issue.detail))
    };
    format!(
        "{}{detail} by {} from {} at {}",
        terminal_safe(&issue.event_name),
        terminal_safe(&issue.principal),
        terminal_safe(&issue.source_ip),
        time(issue.time)
    )
}

/// What was searched for the call that issued a key, when none was found: the index only knows
/// the stretch it holds.
fn not_found(session: &SessionLink) -> String {
    let searched = if session.access_key.starts_with("AKIA") {
        "a long-term key: no CreateAccessKey for it"
    } else {
        "no AssumeRole, GetSessionToken or GetFederationToken issued it"
    };
    match session.searched_since {
        Some(since) => format!(
            "({searched} in the index, which starts {})",
            time(Some(since))
        ),
        None => format!("({searched} in the index)"),
    }
}

pub fn render(state: &AppState, theme: &Theme, frame: &mut Frame, area: Rect, collapsed: bool) {
    let focused = state.focus == PaneId::Timeline;
    if collapsed {
        return super::render_collapsed(title(state), focused, theme, frame, area);
    }
    let block = super::block(title(state), focused, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let timeline_state = &state.timeline;
    let content = match (&timeline_state.principal, &timeline_state.timeline) {
        (None, _) => vec![super::note(
            "select an event to see its principal's activity",
            theme,
        )],
        (Some(principal), None) => vec![super::note(
            &format!("reading the activity of {}…", terminal_safe(principal)),
            theme,
        )],
        (Some(_), Some(timeline)) => lines(timeline_state, timeline, theme, inner.width as usize)
            .into_iter()
            .skip(timeline_state.cursor.scroll)
            .collect(),
    };
    frame.render_widget(Paragraph::new(content), inner);
}
