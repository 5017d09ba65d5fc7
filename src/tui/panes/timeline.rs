//! The selected event's principal over time: activity, first and last seen, where from, with what.
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::super::format::{clip, thousands, time};
use super::super::state::{AppState, PaneId, Timeline};
use super::super::theme::{Slot, Theme};
use crate::event::terminal_safe;
use crate::index::TopValue;

const LABEL_WIDTH: usize = 12;

pub fn title(state: &AppState) -> Vec<Span<'static>> {
    let mut text = "Timeline".to_owned();
    if let Some(principal) = &state.timeline.principal {
        let short = principal.rsplit(['/', ':']).next().unwrap_or(principal);
        text.push_str(" · ");
        text.push_str(&terminal_safe(&clip(short, 40)));
    }
    vec![Span::raw(text)]
}

/// How many lines the timeline shows (update scrolls over them).
pub fn line_count(timeline: &Timeline) -> usize {
    // principal, activity, first/last seen, events/errors, IPs, regions, services, keys, agents...
    8 + timeline.user_agents.len().max(1)
}

fn labelled<'a>(label: &str, value: Vec<Span<'a>>, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::styled(
        format!("{label:<LABEL_WIDTH$}"),
        theme.style(Slot::Header),
    )];
    spans.extend(value);
    Line::from(spans)
}

fn top_list(values: &[TopValue]) -> Vec<Span<'static>> {
    if values.is_empty() {
        return vec![Span::raw("—")];
    }
    let text = values
        .iter()
        .map(|v| format!("{} ×{}", terminal_safe(&v.value), thousands(v.count)))
        .collect::<Vec<_>>()
        .join(" · ");
    vec![Span::raw(text)]
}

fn lines(timeline: &Timeline, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let error_rate = if timeline.events == 0 {
        0.0
    } else {
        timeline.errors as f64 * 100.0 / timeline.events as f64
    };
    let activity = timeline
        .activity
        .as_ref()
        .map(|h| super::sparkline(&h.counts, width.saturating_sub(LABEL_WIDTH)))
        .unwrap_or_default();
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
            vec![Span::styled(activity, theme.style(Slot::Sparkline))],
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
        labelled("source IPs", top_list(&timeline.source_ips), theme),
        labelled("regions", top_list(&timeline.regions), theme),
        labelled("services", top_list(&timeline.services), theme),
        labelled("access keys", top_list(&timeline.access_keys), theme),
    ];
    if timeline.user_agents.is_empty() {
        lines.push(labelled("user agents", vec![Span::raw("—")], theme));
    }
    for (i, agent) in timeline.user_agents.iter().enumerate() {
        let label = if i == 0 { "user agents" } else { "" };
        let text = format!(
            "{} ×{}",
            terminal_safe(&agent.value),
            thousands(agent.count)
        );
        lines.push(labelled(label, vec![Span::raw(text)], theme));
    }
    lines
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
        (Some(_), Some(timeline)) => lines(timeline, theme, inner.width as usize)
            .into_iter()
            .skip(timeline_state.cursor.scroll)
            .collect(),
    };
    frame.render_widget(Paragraph::new(content), inner);
}
