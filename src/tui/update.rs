//! Messages in, state changes and effects out. Nothing here draws, blocks or touches the index:
//! reads go to the worker as [`Effect::Send`] and come back as [`Msg::Reply`].
use chrono::Duration;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::Rect;

use super::action::{Action, PivotField, PivotMode};
use super::format::clip;
use super::json_view;
use super::keymap::{KeyChord, Keymap, Section};
use super::layout::{self, EVENTS_CHROME_ROWS};
use super::panes::timeline::{line_count as timeline_line_count, LABEL_WIDTH as TIMELINE_LABEL};
use super::state::{
    AppState, HistoryMove, LineEditor, ListPosition, Mode, PaneId, PendingSearch, PromptKind,
    PromptState, RequestKind, TimeWindow, View, AROUND_MINUTES, WINDOW_PRESETS,
};
use super::worker::{quote, Anchor, Reply, Request};
use super::{athena_args, pull_args};
use crate::index::{SortOrder, TimeBounds};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Action(Action),
    Resize(u16, u16),
    /// Boxed: a reply is large and keys are many.
    Reply(Box<Reply>),
    /// A pull or ingest started from the UI ended: its summary line, or why it failed.
    JobEnded {
        label: String,
        result: Result<String, String>,
    },
}

#[derive(Debug, Clone)]
pub enum Effect {
    /// Queue a read on the worker.
    Send(Request),
    /// Put text on the clipboard (the terminal loop writes it as OSC 52).
    Copy(String),
    /// Run `trailhound COMMAND ARGS` (pull, ingest) in the background; `label` names it in the
    /// status line.
    Run {
        command: &'static str,
        args: Vec<String>,
        label: String,
    },
    /// Stop the background jobs labelled `label` (they leave a clean checkpoint).
    Stop { label: String },
    /// Add to the current case (one is started when none is open).
    Case(CaseEdit),
    /// Write `contents` to the file `path` (whole, or not at all).
    WriteFile { path: String, contents: String },
    /// Keep the query history and saved queries for the next run.
    RememberQueries,
    /// Read the current case and show its overlay.
    OpenCase,
}

/// What the UI adds to the case.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseEdit {
    PinEvent {
        event_id: String,
        raw: String,
        trail: Vec<String>,
    },
    /// An alert of the feed, by its key (the app reads the detector's whole alert).
    PinAlert { key: String, trail: Vec<String> },
    PinPrincipal {
        principal: String,
        trail: Vec<String>,
    },
    /// A note on the pin `on`, or on the case.
    Note { text: String, on: Option<String> },
}

/// What the pull options start with (followed by the accounts and regions pulled so far).
pub const DEFAULT_PULL_OPTIONS: &str = "--since 7d";
/// The label of a `pull --follow` started from the UI.
pub const FOLLOW_LABEL: &str = "follow";
/// How far back `F` starts following: what earlier pulls left uncovered of it is filled first.
const FOLLOW_SINCE: &str = "1d";

/// Rows fetched beyond the visible ones, each side, at least.
const PAGE_MARGIN_MIN: usize = 30;
const LABEL_WIDTH: usize = 40;

/// The effects of opening the app: read the index's stats and show every event.
pub fn start(state: &mut AppState, initial_query: Option<&str>) -> Vec<Effect> {
    let mut effects = Vec::new();
    relayout(state);
    let id = state.requests.next(RequestKind::Stats);
    effects.push(Effect::Send(Request::Stats { id }));
    let id = state.requests.next(RequestKind::Alerts);
    effects.push(Effect::Send(Request::Alerts { id, mark: None }));
    let mut view = View::everything();
    if let Some(query) = initial_query.filter(|q| !q.trim().is_empty()) {
        view.query = query.to_owned();
        view.label = clip(query, LABEL_WIDTH);
    }
    search(state, view, HistoryMove::Push, None, &mut effects);
    effects
}

/// Shows the selected alert's events (exactly the ids the detector cited) over all time, focused,
/// and opens its principal's timeline.
fn open_alert(state: &mut AppState, effects: &mut Vec<Effect>) {
    let Some(alert) = state.alerts.selected().cloned() else {
        state.status.say("no alert selected");
        return;
    };
    let query = match (&alert.query, alert.event_ids.is_empty()) {
        (_, false) => {
            let ids: Vec<String> = alert.event_ids.iter().map(|id| quote(id)).collect();
            format!("eventID:({})", ids.join(" "))
        }
        (Some(query), true) => query.clone(),
        (None, true) => {
            state.status.say("this alert cites no events");
            return;
        }
    };
    let mut view = state.current_view();
    view.query = query;
    view.window = TimeWindow::All;
    view.time = TimeBounds::default();
    view.label = clip(&format!("alert {}", alert.rule_id), LABEL_WIDTH);
    search(state, view, HistoryMove::Push, None, effects);
    if alert.count > alert.event_ids.len() as u64 {
        state.status.say(format!(
            "the detector kept the first {} of this alert's {} events",
            alert.event_ids.len(),
            alert.count
        ));
    }
    if !alert.principal.is_empty() {
        request_timeline(state, alert.principal, TimeBounds::default(), effects);
    }
    set_focus(state, PaneId::Events, effects);
}

fn toggle_acknowledge(state: &mut AppState, effects: &mut Vec<Effect>) {
    let Some(alert) = state.alerts.selected() else {
        state.status.say("no alert selected");
        return;
    };
    let (key, acknowledged) = (alert.key.clone(), !alert.acknowledged);
    state.status.say(format!(
        "{} {}",
        if acknowledged {
            "acknowledged"
        } else {
            "un-acknowledged"
        },
        clip(&alert.rule_id, LABEL_WIDTH)
    ));
    state.alerts.set_acknowledged(&key, acknowledged);
    let id = state.requests.next(RequestKind::Alerts);
    effects.push(Effect::Send(Request::Alerts {
        id,
        mark: Some((key, acknowledged)),
    }));
}

/// Moves the picked column of the timeline's activity line. The first press picks where the
/// principal was active: the selected event's column, else its first (or last) active column.
fn move_bucket(state: &mut AppState, forward: bool) {
    let columns = state.timeline.columns;
    let Some(activity) = state
        .timeline
        .timeline
        .as_ref()
        .and_then(|t| t.activity.as_ref())
        .filter(|_| columns > 0)
    else {
        return;
    };
    let active = |column: &usize| activity.column_count(*column, columns) > 0;
    let first_pick = || {
        let selected = state
            .events
            .selected_row()
            .filter(|row| {
                Some(row.summary.principal.id.as_str()) == state.timeline.principal.as_deref()
            })
            .and_then(|row| row.summary.time)
            .and_then(|time| activity.column_of(time, columns))
            .filter(active);
        selected.unwrap_or_else(|| {
            let found = if forward {
                (0..columns).find(active)
            } else {
                (0..columns).rev().find(active)
            };
            found.unwrap_or(if forward { 0 } else { columns - 1 })
        })
    };
    let picked = match (state.timeline.bucket, forward) {
        (None, _) => first_pick(),
        (Some(column), true) => (column + 1).min(columns - 1),
        (Some(column), false) => column.saturating_sub(1),
    };
    state.timeline.bucket = Some(picked);
}

fn narrow_to_bucket(state: &mut AppState, effects: &mut Vec<Effect>) {
    let span = state.timeline.bucket.and_then(|column| {
        let activity = state.timeline.timeline.as_ref()?.activity.as_ref()?;
        activity.column_span(column, state.timeline.columns)
    });
    match span {
        Some((since, until)) => set_window(state, TimeWindow::Between(since, until), effects),
        None => state
            .status
            .note("pick a stretch of the activity line with left and right first"),
    }
}

fn request_timeline(
    state: &mut AppState,
    principal: String,
    time: TimeBounds,
    effects: &mut Vec<Effect>,
) {
    if state.timeline.principal.as_deref() != Some(principal.as_str()) {
        state.timeline.principal = Some(principal.clone());
        state.timeline.timeline = None;
        state.timeline.cursor.selected = 0;
        state.timeline.cursor.scroll = 0;
    }
    state.timeline.time = time;
    state.timeline.bucket = None;
    let id = state.requests.next(RequestKind::Timeline);
    effects.push(Effect::Send(Request::Timeline {
        id,
        principal,
        time,
    }));
}

/// The index has new commits: the same view again, selection kept on the same event; the stats
/// and the timeline read again.
fn refresh(state: &mut AppState, effects: &mut Vec<Effect>) {
    let id = state.requests.next(RequestKind::Stats);
    effects.push(Effect::Send(Request::Stats { id }));
    if let Some(principal) = state.timeline.principal.clone() {
        let time = state.timeline.time;
        let id = state.requests.next(RequestKind::Timeline);
        effects.push(Effect::Send(Request::Timeline {
            id,
            principal,
            time,
        }));
    }
    // A search on its way reads the new commits anyway.
    if state.requests.search.is_some() {
        return;
    }
    let Some(view) = state.events.view.clone() else {
        return;
    };
    let anchor = selection_anchor(state);
    search_anchored(state, view, HistoryMove::Refresh, None, anchor, effects);
}

pub fn update(state: &mut AppState, keymap: &Keymap, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    match msg {
        Msg::Key(key) => {
            // A message answers the key before; errors stay until something newer is said.
            state.status.message = None;
            if let Some(action) = action_for_key(state, keymap, &key) {
                apply(state, action, &mut effects);
            }
        }
        Msg::Action(action) => apply(state, action, &mut effects),
        Msg::Resize(width, height) => {
            state.size = (width, height);
            relayout(state);
            ensure_rows(state, &mut effects);
        }
        Msg::Reply(reply) => on_reply(state, *reply, &mut effects),
        Msg::JobEnded { label, result } => match result {
            _ if label == FOLLOW_LABEL && state.following => {
                state.following = false;
                match result {
                    Ok(summary) => state.status.say(format!("stopped following: {summary}")),
                    Err(problem) => state.status.fail(format!("following stopped: {problem}")),
                }
            }
            Ok(summary) => {
                state.status.say(format!("{label}: {summary}"));
            }
            Err(problem) => state.status.fail(format!("{label}: {problem}")),
        },
    }
    effects
}

/// The action a key means in the current mode: the focused pane's binding, else the global one;
/// on the query line, unbound printable keys type themselves.
pub fn action_for_key(state: &AppState, keymap: &Keymap, key: &KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let chord = KeyChord::from_event(key);
    match state.mode {
        Mode::Normal => keymap.lookup(&[state.focus.section(), Section::Global], chord),
        Mode::Help | Mode::Activity | Mode::Case => keymap.lookup(&[Section::Help], chord),
        Mode::Prompt(_) => keymap.lookup(&[Section::Prompt], chord).or(match key.code {
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(Action::Insert(c))
            }
            _ => None,
        }),
    }
}

fn apply(state: &mut AppState, action: Action, effects: &mut Vec<Effect>) {
    if let Some((field, mode)) = action.pivot() {
        return pivot(state, field, mode, effects);
    }
    if let Some(mode) = action.field_pivot() {
        return field_pivot(state, mode, effects);
    }
    match action {
        Action::Quit => state.should_quit = true,
        Action::FocusNext => set_focus(state, state.focus.next(), effects),
        Action::FocusPrev => set_focus(state, state.focus.prev(), effects),
        Action::OpenDetail => set_focus(state, PaneId::Detail, effects),
        Action::Zoom => {
            state.zoomed = !state.zoomed;
            relayout(state);
            ensure_rows(state, effects);
        }
        Action::Help => {
            state.mode = Mode::Help;
            state.help_cursor.scroll = 0;
        }
        Action::CloseHelp => state.mode = Mode::Normal,
        Action::ToggleFold => state.detail.toggle_fold(),
        Action::FoldAll => state.detail.fold_all(),
        Action::UnfoldAll => state.detail.unfold_all(),
        Action::ShowActivity => {
            state.mode = match state.mode {
                Mode::Activity => Mode::Normal,
                _ => Mode::Activity,
            }
        }
        Action::EditQuery => {
            let query = state.current_view().query;
            open_prompt(state, PromptKind::Query, &query);
        }
        // Starts empty (typing replaces nothing); Enter on nothing finds the last text again.
        Action::Find => open_prompt(state, PromptKind::Find, ""),
        Action::Apply => apply_prompt(state, effects),
        Action::Cancel => {
            if state
                .prompt
                .as_ref()
                .is_some_and(|p| p.kind == PromptKind::Query)
            {
                state.query_error = None;
            }
            state.prompt = None;
            state.mode = Mode::Normal;
        }
        Action::ClearLine
        | Action::CursorHome
        | Action::CursorEnd
        | Action::CursorLeft
        | Action::CursorRight
        | Action::DeleteBack
        | Action::DeleteForward
        | Action::DeleteWord
        | Action::HistoryPrev
        | Action::HistoryNext
        | Action::NewLine
        | Action::Insert(_) => edit_prompt(state, action),
        Action::Back => {
            let position = history_position(state);
            if position > 0 {
                jump(state, position - 1, effects);
            } else {
                state.status.say("nothing to go back to");
            }
        }
        Action::Forward => {
            let position = history_position(state);
            if position + 1 < state.history.entries.len() {
                jump(state, position + 1, effects);
            } else {
                state.status.say("nothing to go forward to");
            }
        }
        Action::ToggleSort => {
            let mut view = state.current_view();
            view.order = match view.order {
                SortOrder::NewestFirst => SortOrder::OldestFirst,
                SortOrder::OldestFirst => SortOrder::NewestFirst,
            };
            view.label = match view.order {
                SortOrder::NewestFirst => "newest first".into(),
                SortOrder::OldestFirst => "oldest first".into(),
            };
            search(state, view, HistoryMove::Push, None, effects);
        }
        Action::TimeWindowCycle => {
            let next = match state.current_view().window {
                TimeWindow::Last(span) => WINDOW_PRESETS
                    .iter()
                    .map(|hours| Duration::hours(*hours))
                    .find(|preset| *preset > span)
                    .map_or(TimeWindow::All, TimeWindow::Last),
                _ => TimeWindow::Last(Duration::hours(WINDOW_PRESETS[0])),
            };
            set_window(state, next, effects);
        }
        Action::TimeWindowAround => window_around(state, effects),
        Action::TimeWindowAll => set_window(state, TimeWindow::All, effects),
        Action::OpenAlert => open_alert(state, effects),
        Action::ToggleAcknowledge => toggle_acknowledge(state, effects),
        Action::ToggleHideAcknowledged => state.alerts.toggle_hide_acknowledged(),
        Action::PullHistory => pull_history(state, effects),
        Action::PullDialog => {
            let options = state.last_pull_options.clone().unwrap_or_else(|| {
                let mut options = DEFAULT_PULL_OPTIONS.to_owned();
                for arg in pull_args::every_pulled(&state.status.accounts) {
                    options.push(' ');
                    options.push_str(&arg);
                }
                options
            });
            open_prompt(state, PromptKind::Pull, &options);
        }
        Action::Pin => pin_selected(state, effects),
        Action::CaseNote => {
            let on = note_target(state);
            open_prompt(state, PromptKind::Note, "");
            state.status.note(match on {
                Some(_) => "a note on the selected (pinned) event; Enter keeps it".to_owned(),
                None => "a note on the case; Enter keeps it".to_owned(),
            });
        }
        Action::ShowCase => match state.mode {
            Mode::Case => state.mode = Mode::Normal,
            _ => effects.push(Effect::OpenCase),
        },
        Action::OpenPin => open_pin(state, effects),
        Action::ExportDialog => {
            let suggested = match (state.focus, state.events.selected_row()) {
                (PaneId::Detail, Some(row)) => {
                    format!("event-{}.json", file_safe(&row.summary.event_id))
                }
                _ => "events.jsonl".to_owned(),
            };
            open_prompt(state, PromptKind::Export, &suggested);
            state.status.note(match state.focus {
                PaneId::Detail => "the event, pretty-printed JSON",
                _ => "the list as filtered: .jsonl records, .csv a table; or the case's report: .md, .html",
            });
        }
        Action::AthenaDialog => {
            let options = state
                .last_athena_options
                .clone()
                .unwrap_or_else(|| athena_args::DEFAULT_OPTIONS.to_owned());
            open_prompt(state, PromptKind::Athena, &options);
            let query = state.current_view().query;
            state.status.note(format!(
                "Athena: `{}` over the trail bucket; the window, accounts and regions bound what it scans (and bills)",
                clip(if query.trim().is_empty() { "*" } else { &query }, LABEL_WIDTH)
            ));
        }
        Action::ToggleFollow => toggle_follow(state, effects),
        Action::IngestDialog => open_prompt(state, PromptKind::Ingest, ""),
        Action::BucketPrev => move_bucket(state, false),
        Action::BucketNext => move_bucket(state, true),
        Action::NarrowToBucket => narrow_to_bucket(state, effects),
        Action::MoveDown => move_focused(state, 1, effects),
        Action::MoveUp => move_focused(state, -1, effects),
        Action::PageDown => {
            let page = focused_page(state);
            move_focused(state, page, effects);
        }
        Action::PageUp => {
            let page = focused_page(state);
            move_focused(state, -page, effects);
        }
        Action::MoveTop => move_focused(state, isize::MIN / 2, effects),
        Action::MoveBottom => move_focused(state, isize::MAX / 2, effects),
        Action::CopyValue => {
            let value = cursor_line(state).and_then(|line| line.value.clone());
            copy(state, value, "value", effects);
        }
        Action::CopyPath => {
            let path = cursor_line(state)
                .map(|line| line.path.clone())
                .filter(|p| !p.is_empty());
            copy(state, path, "path", effects);
        }
        Action::CopyEvent => {
            let event =
                (!state.detail.lines.is_empty()).then(|| json_view::pretty(&state.detail.lines));
            copy(state, event, "event", effects);
        }
        Action::FindNext => find_step(state, true),
        Action::FindPrev => find_step(state, false),
        // Handled above through `pivot()` and `field_pivot()`.
        _ => {}
    }
}

/// Recomputes each pane's visible rows from the terminal size, focus and zoom.
pub fn relayout(state: &mut AppState) {
    let (width, height) = state.size;
    let area = Rect::new(0, 0, width, height);
    let areas = layout::areas(area, state.focus, state.zoomed);
    let alerts_height = areas.inner_height(PaneId::Alerts);
    let footer = super::panes::alerts::footer_rows(
        u16::try_from(alerts_height).unwrap_or(u16::MAX),
        state.focus == PaneId::Alerts,
    );
    state.alerts.cursor.height = alerts_height.saturating_sub(footer as usize);
    state.events.cursor.height = areas
        .inner_height(PaneId::Events)
        .saturating_sub(EVENTS_CHROME_ROWS);
    state.detail.cursor.height = areas.inner_height(PaneId::Detail);
    state.timeline.cursor.height = areas.inner_height(PaneId::Timeline);
    state.timeline.columns = areas
        .pane(PaneId::Timeline)
        .filter(|(_, collapsed)| !collapsed)
        .map_or(0, |(rect, _)| {
            (rect.width.saturating_sub(2) as usize).saturating_sub(TIMELINE_LABEL)
        });
    if state
        .timeline
        .bucket
        .is_some_and(|b| b >= state.timeline.columns)
    {
        state.timeline.bucket = state.timeline.columns.checked_sub(1);
    }
    state.help_cursor.height = layout::help_area(area).height.saturating_sub(2) as usize;
    state.events.cursor.follow();
    state.detail.cursor.follow();
    state.alerts.cursor.follow();
    // The timeline scrolls by its top line: a taller pane needs less of it scrolled away.
    let timeline_lines = state
        .timeline
        .timeline
        .as_ref()
        .map_or(0, timeline_line_count);
    let cursor = &mut state.timeline.cursor;
    if cursor.height > 0 {
        cursor.scroll = cursor
            .scroll
            .min(timeline_lines.saturating_sub(cursor.height));
        cursor.selected = cursor.scroll;
    }
}

fn set_focus(state: &mut AppState, pane: PaneId, effects: &mut Vec<Effect>) {
    state.focus = pane;
    relayout(state);
    ensure_rows(state, effects);
}

fn focused_page(state: &AppState) -> isize {
    match state.mode {
        Mode::Help => state.help_cursor.page(),
        _ => match state.focus {
            PaneId::Alerts => state.alerts.cursor.page(),
            PaneId::Events => state.events.cursor.page(),
            PaneId::Detail => state.detail.cursor.page(),
            PaneId::Timeline => state.timeline.cursor.page(),
        },
    }
}

fn move_focused(state: &mut AppState, delta: isize, effects: &mut Vec<Effect>) {
    if state.mode == Mode::Activity {
        return;
    }
    if state.mode == Mode::Case {
        let len = state.case_view.pins.len();
        state.case_view.cursor.move_by(delta, len);
        return;
    }
    if state.mode == Mode::Help {
        let height = state.help_cursor.height.max(1);
        let max_scroll = state.help.len().saturating_sub(height) as isize;
        state.help_cursor.scroll = (state.help_cursor.scroll as isize)
            .saturating_add(delta)
            .clamp(0, max_scroll) as usize;
        return;
    }
    match state.focus {
        PaneId::Alerts => {
            let len = state.alerts.shown.len();
            state.alerts.cursor.move_by(delta, len);
        }
        PaneId::Events => {
            let len = state.events.len();
            state.events.cursor.move_by(delta, len);
            ensure_rows(state, effects);
            sync_selection(state, effects);
        }
        PaneId::Detail => {
            let len = state.detail.visible.len();
            state.detail.cursor.move_by(delta, len);
        }
        PaneId::Timeline => {
            // The timeline scrolls: its "selection" is the top line.
            let len = state
                .timeline
                .timeline
                .as_ref()
                .map_or(0, timeline_line_count);
            let max_top = len.saturating_sub(state.timeline.cursor.height.max(1)) as isize;
            let top = (state.timeline.cursor.scroll as isize)
                .saturating_add(delta)
                .clamp(0, max_top) as usize;
            state.timeline.cursor.selected = top;
            state.timeline.cursor.scroll = top;
        }
    }
}

fn open_prompt(state: &mut AppState, kind: PromptKind, text: &str) {
    state.prompt = Some(PromptState {
        kind,
        editor: LineEditor::with_text(text),
    });
    state.mode = Mode::Prompt(kind);
}

fn edit_prompt(state: &mut AppState, action: Action) {
    let Some(prompt) = state.prompt.as_mut() else {
        return;
    };
    if prompt.kind == PromptKind::Query {
        // The error was about the text as it stood.
        state.query_error = None;
    }
    let history: &[String] = match prompt.kind {
        PromptKind::Query => &state.query_history,
        PromptKind::Find
        | PromptKind::Pull
        | PromptKind::Ingest
        | PromptKind::Athena
        | PromptKind::Note
        | PromptKind::Export => &[],
    };
    let editor = &mut prompt.editor;
    match action {
        Action::ClearLine => editor.clear(),
        Action::CursorHome => editor.home(),
        Action::CursorEnd => editor.end(),
        Action::CursorLeft => editor.left(),
        Action::CursorRight => editor.right(),
        Action::DeleteBack => editor.delete_back(),
        Action::DeleteForward => editor.delete_forward(),
        Action::DeleteWord => editor.delete_word(),
        Action::HistoryPrev => editor.history_prev(history),
        Action::HistoryNext => editor.history_next(history),
        Action::Insert(c) => editor.insert(c),
        // Only a note spans lines; a query, a path or options never do.
        Action::NewLine if prompt.kind == PromptKind::Note => editor.insert('\n'),
        _ => {}
    }
}

fn apply_prompt(state: &mut AppState, effects: &mut Vec<Effect>) {
    let Some(prompt) = state.prompt.take() else {
        return;
    };
    state.mode = Mode::Normal;
    let text = prompt.editor.text;
    match prompt.kind {
        PromptKind::Query => {
            let text = match super::saved_queries::command(&text) {
                Some(super::saved_queries::Command::Save(name)) => {
                    let query = state.current_view().query;
                    state.saved_queries.insert(name.to_owned(), query.clone());
                    state.status.say(format!(
                        "saved as :{name} ({})",
                        clip(if query.is_empty() { "*" } else { &query }, LABEL_WIDTH)
                    ));
                    effects.push(Effect::RememberQueries);
                    return;
                }
                Some(super::saved_queries::Command::Run(name)) => {
                    match state.saved_queries.get(name) {
                        Some(query) => query.clone(),
                        None => {
                            let names: Vec<String> = state
                                .saved_queries
                                .keys()
                                .map(|n| format!(":{n}"))
                                .collect();
                            state.status.fail(format!(
                                "no query saved as :{name} (saved: {})",
                                if names.is_empty() {
                                    "none yet; :save NAME keeps the current one".to_owned()
                                } else {
                                    names.join(" ")
                                }
                            ));
                            return;
                        }
                    }
                }
                None => text,
            };
            if state.query_history.last() != Some(&text) && !text.trim().is_empty() {
                state.query_history.push(text.clone());
                effects.push(Effect::RememberQueries);
            }
            let mut view = state.current_view();
            view.query = text.clone();
            view.label = if text.trim().is_empty() {
                "all events".into()
            } else {
                clip(&text, LABEL_WIDTH)
            };
            search(state, view, HistoryMove::Push, Some(text), effects);
        }
        PromptKind::Find => {
            if !text.is_empty() {
                state.detail.find = Some(text);
            }
            find_matches(state);
            find_step(state, true);
        }
        PromptKind::Pull => {
            let args: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
            state.last_pull_options = Some(text.clone());
            let label = match args.iter().any(|a| a == "--follow") {
                true if state.following => {
                    state
                        .status
                        .fail("already following: F stops it, then start another");
                    return;
                }
                true => {
                    state.following = true;
                    FOLLOW_LABEL
                }
                false => "pull",
            };
            state
                .status
                .say(format!("pulling ({})…", clip(&text, LABEL_WIDTH)));
            effects.push(Effect::Run {
                command: "pull",
                args,
                label: label.to_owned(),
            });
        }
        PromptKind::Export => export(state, text.trim(), effects),
        PromptKind::Note => {
            if !text.trim().is_empty() {
                effects.push(Effect::Case(CaseEdit::Note {
                    text,
                    on: note_target(state),
                }));
            }
        }
        PromptKind::Athena => {
            let query = state.current_view().query;
            match athena_args::request(&query, &text, chrono::Utc::now()) {
                Ok((args, scan)) => {
                    state.last_athena_options = Some(text.clone());
                    state.status.say(format!("asking Athena ({scan})…"));
                    effects.push(Effect::Run {
                        command: "athena",
                        args,
                        label: "athena".to_owned(),
                    });
                }
                Err(message) => state.status.fail(message),
            }
        }
        PromptKind::Ingest => {
            let text = text.trim();
            // A bucket takes options (`s3://trail --since 3d --region eu-west-1`); a local path
            // is one argument, spaces and all.
            let args: Vec<String> = if text
                .get(..5)
                .is_some_and(|s| s.eq_ignore_ascii_case("s3://"))
            {
                text.split_whitespace().map(str::to_owned).collect()
            } else {
                vec![expand_home(text)]
            };
            if args.first().is_none_or(|first| first.is_empty()) {
                return;
            }
            state
                .status
                .say(format!("ingesting {}…", clip(text, LABEL_WIDTH)));
            effects.push(Effect::Run {
                command: "ingest",
                args,
                label: "ingest".to_owned(),
            });
        }
    }
}

/// An event id as a file name: anything but letters, digits, `-` and `_` replaced.
fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Exports the event in the detail pane, or the list (in the background, by `search --output`).
fn export(state: &mut AppState, path: &str, effects: &mut Vec<Effect>) {
    if path.is_empty() {
        return;
    }
    let path = expand_home(path);
    if state.focus == PaneId::Detail {
        let Some(row) = state.events.selected_row() else {
            return state.status.say("select an event first");
        };
        let contents = crate::cli::show::pretty(&row.raw);
        effects.push(Effect::WriteFile { path, contents });
        return;
    }
    let extension = path
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if matches!(extension.as_str(), "md" | "html") {
        // The case's report, for the handover.
        let Some(name) = state.case.name.clone() else {
            return state
                .status
                .say("no case is open: m pins the selected event and starts one");
        };
        state.status.say(format!(
            "writing the report of case {name} to {}…",
            clip(&path, LABEL_WIDTH)
        ));
        effects.push(Effect::Run {
            command: "case",
            args: vec![
                "export".to_owned(),
                name,
                "--format".to_owned(),
                extension,
                "--output".to_owned(),
                path,
            ],
            label: "report".to_owned(),
        });
        return;
    }
    let view = state.current_view();
    let format = match extension.as_str() {
        "csv" => "csv",
        _ => "jsonl",
    };
    let mut args = vec![
        view.query.clone(),
        "--format".to_owned(),
        format.to_owned(),
        "--limit".to_owned(),
        "0".to_owned(),
        "--output".to_owned(),
        path.clone(),
    ];
    let instant = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    if let Some(since) = view.time.since {
        args.extend(["--since".to_owned(), instant(since)]);
    }
    if let Some(until) = view.time.until {
        args.extend(["--until".to_owned(), instant(until)]);
    }
    if view.order == SortOrder::OldestFirst {
        args.push("--oldest-first".to_owned());
    }
    state.status.say(format!(
        "exporting the list to {}…",
        clip(&path, LABEL_WIDTH)
    ));
    effects.push(Effect::Run {
        command: "search",
        args,
        label: "export".to_owned(),
    });
}

/// The queries of the breadcrumb up to the current step: how the investigator got here.
fn pivot_trail(state: &AppState) -> Vec<String> {
    let mut trail: Vec<String> = Vec::new();
    for view in state.history.entries.iter().take(state.history.current + 1) {
        if !view.query.trim().is_empty() && trail.last() != Some(&view.query) {
            trail.push(view.query.clone());
        }
    }
    trail
}

/// Pins what the focused pane has selected: an alert, the timeline's principal, or the event.
fn pin_selected(state: &mut AppState, effects: &mut Vec<Effect>) {
    let trail = pivot_trail(state);
    let edit = match state.focus {
        PaneId::Alerts => match state.alerts.selected() {
            Some(alert) if state.case.alerts.contains(&alert.key) => {
                return state.status.note("this alert is already pinned");
            }
            Some(alert) => CaseEdit::PinAlert {
                key: alert.key.clone(),
                trail,
            },
            None => return state.status.say("select an alert first"),
        },
        PaneId::Timeline => match &state.timeline.principal {
            Some(principal) if state.case.principals.contains(principal) => {
                return state.status.note("this principal is already pinned");
            }
            Some(principal) => CaseEdit::PinPrincipal {
                principal: principal.clone(),
                trail,
            },
            None => return state.status.say("no principal in the timeline yet"),
        },
        _ => match state.events.selected_row() {
            Some(row) if state.case.events.contains_key(&row.summary.event_id) => {
                return state
                    .status
                    .note("this event is already pinned (M adds a note)");
            }
            Some(row) => CaseEdit::PinEvent {
                event_id: row.summary.event_id.clone(),
                raw: row.raw.to_string(),
                trail,
            },
            None => return state.status.say("select an event first"),
        },
    };
    effects.push(Effect::Case(edit));
}

/// The pin a note goes on: the selected event's, when it is pinned.
fn note_target(state: &AppState) -> Option<String> {
    let row = state.events.selected_row()?;
    state.case.events.get(&row.summary.event_id).cloned()
}

/// From the case overlay, goes back to what the selected pin holds: its event, an alert's
/// events, a principal's.
fn open_pin(state: &mut AppState, effects: &mut Vec<Effect>) {
    if state.mode != Mode::Case {
        return;
    }
    let Some(pin) = state
        .case_view
        .pins
        .get(state.case_view.cursor.selected)
        .cloned()
    else {
        return;
    };
    state.mode = Mode::Normal;
    let view = View {
        query: pin.query.clone(),
        window: TimeWindow::All,
        time: TimeBounds::default(),
        order: SortOrder::OldestFirst,
        label: format!("pin: {}", clip(&pin.label, LABEL_WIDTH)),
    };
    state.focus = PaneId::Events;
    search(state, view, HistoryMove::Push, Some(pin.query), effects);
}

/// Loads the selected event's principal's whole 90-day history in the background: by user name
/// (or, without one, by access key), in the event's region, us-east-1 (where global services
/// log) and every region the principal's timeline shows.
fn pull_history(state: &mut AppState, effects: &mut Vec<Effect>) {
    let Some(row) = state.events.selected_row() else {
        state.status.say("select an event first");
        return;
    };
    let mut record: serde_json::Value = serde_json::from_str(&row.raw).unwrap_or_default();
    crate::source::as_cloudtrail(&mut record);
    let attribute = match crate::pull::lookup_username(&record) {
        Some(name) => format!("Username={name}"),
        None if !row.access_key.is_empty() => format!("AccessKeyId={}", row.access_key),
        None => {
            state
                .status
                .note("this event names no user or access key LookupEvents can look up");
            return;
        }
    };
    let mut regions = vec![row.summary.region.clone(), "us-east-1".to_owned()];
    if let Some(timeline) = state
        .timeline
        .timeline
        .as_ref()
        .filter(|t| t.principal == row.summary.principal.id)
    {
        regions.extend(timeline.regions.values.iter().map(|r| r.value.clone()));
    }
    // Region names come from event records: keep only what a region name can look like.
    regions.retain(|r| {
        !r.is_empty()
            && r.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    regions.sort();
    regions.dedup();
    let mut args = vec![
        "--since".to_owned(),
        "90d".to_owned(),
        "--attribute".to_owned(),
    ];
    args.push(attribute.clone());
    for region in &regions {
        args.push("--region".to_owned());
        args.push(region.clone());
    }
    let account = row.summary.account.clone();
    match pull_args::reach(&account, &state.status.accounts) {
        pull_args::Reach::Args(reach) => args.extend(reach),
        pull_args::Reach::Ask => {
            // Profiles reached the other accounts: only the user knows which reaches this one.
            let mut text = args.join(" ");
            text.push_str(&format!(" --account {account} --role-name "));
            open_prompt(state, PromptKind::Pull, &text);
            state.status.note(format!(
                "no pull has reached account {account} yet: name its role (or replace --account and --role-name with --profile NAME)"
            ));
            return;
        }
    }
    state.status.say(format!(
        "loading the 90-day history of {} in {}…",
        clip(&attribute, LABEL_WIDTH),
        regions.join(", ")
    ));
    effects.push(Effect::Run {
        command: "pull",
        args,
        label: attribute,
    });
}

/// Starts following LookupEvents for the accounts and regions pulled so far (or the configured
/// ones), or stops the follow running.
fn toggle_follow(state: &mut AppState, effects: &mut Vec<Effect>) {
    if state.following {
        state.status.say("stopping the follow…");
        effects.push(Effect::Stop {
            label: FOLLOW_LABEL.to_owned(),
        });
        return;
    }
    let mut args = vec![
        "--follow".to_owned(),
        "--since".to_owned(),
        FOLLOW_SINCE.to_owned(),
    ];
    let accounts = pull_args::every_pulled(&state.status.accounts);
    let described = match accounts.is_empty() {
        true => "the configured account and region".to_owned(),
        false => accounts.join(" "),
    };
    args.extend(accounts);
    state.following = true;
    state.status.say(format!(
        "following LookupEvents ({}); F stops",
        clip(&described, LABEL_WIDTH)
    ));
    effects.push(Effect::Run {
        command: "pull",
        args,
        label: FOLLOW_LABEL.to_owned(),
    });
}

/// `~/x` as the shell would read it.
fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home)
            .join(rest)
            .to_string_lossy()
            .into_owned(),
        _ => path.to_owned(),
    }
}

/// Sends a search for `view`; the results replace the list only when it answers (a bad query
/// keeps the old results).
fn search(
    state: &mut AppState,
    view: View,
    history: HistoryMove,
    typed: Option<String>,
    effects: &mut Vec<Effect>,
) {
    search_anchored(state, view, history, typed, None, effects);
}

fn search_anchored(
    state: &mut AppState,
    view: View,
    history: HistoryMove,
    typed: Option<String>,
    anchor: Option<Anchor>,
    effects: &mut Vec<Effect>,
) {
    let id = state.requests.next(RequestKind::Search);
    let limit = (state.events.cursor.height * 3).max(PAGE_MARGIN_MIN * 2);
    state.requests.search = Some(PendingSearch {
        id,
        view: view.clone(),
        history,
        typed,
        anchor: anchor.clone(),
        screen_row: None,
    });
    effects.push(Effect::Send(Request::Search {
        id,
        view,
        limit,
        anchor,
    }));
}

/// Where back and forward count from: the step on its way when one is, else the current one.
fn history_position(state: &AppState) -> usize {
    match state
        .requests
        .search
        .as_ref()
        .map(|pending| pending.history)
    {
        Some(HistoryMove::Jump(index)) => index,
        _ => state.history.current,
    }
}

/// Back or forward to step `index`, its list as it was left: the same event selected, on the
/// same row of the screen.
fn jump(state: &mut AppState, index: usize, effects: &mut Vec<Effect>) {
    let Some(view) = state.history.entries.get(index).cloned() else {
        return;
    };
    let saved = state.history.position(index).cloned();
    let anchor = saved.as_ref().map(|saved| Anchor {
        event_id: saved.event_id.clone(),
        time: saved.time,
        index: saved.selected,
    });
    search_anchored(state, view, HistoryMove::Jump(index), None, anchor, effects);
    if let (Some(pending), Some(saved)) = (state.requests.search.as_mut(), saved) {
        pending.screen_row = Some(saved.screen_row);
    }
}

/// Whether `query` is an alert's list of event ids, which no time window widens.
fn is_event_id_list(query: &str) -> bool {
    query.trim_start().starts_with("eventID:(")
}

/// `w`: everything within ±15 minutes of the selected event, the selection kept on it. On an
/// alert's view (a list of ids) the ids are dropped: the point is what happened around them.
fn window_around(state: &mut AppState, effects: &mut Vec<Effect>) {
    let Some(at) = state.events.selected_row().and_then(|r| r.summary.time) else {
        state.status.say("select an event with a time first");
        return;
    };
    let window = TimeWindow::Around(at, Duration::minutes(AROUND_MINUTES));
    let mut view = state.current_view();
    if is_event_id_list(&view.query) {
        view.query = String::new();
    }
    let anchor = selection_anchor(state);
    set_window_of(state, view, window, anchor, effects);
}

fn set_window(state: &mut AppState, window: TimeWindow, effects: &mut Vec<Effect>) {
    let view = state.current_view();
    set_window_of(state, view, window, None, effects);
}

fn set_window_of(
    state: &mut AppState,
    mut view: View,
    window: TimeWindow,
    anchor: Option<Anchor>,
    effects: &mut Vec<Effect>,
) {
    view.window = window;
    view.time = window.bounds(state.status.span.map(|(_, newest)| newest));
    view.label = window.label();
    // Cycling windows is one step on the trail, not one per press.
    let history = &state.history;
    let window_step = history
        .current
        .checked_sub(1)
        .and_then(|before| history.entries.get(before))
        .zip(history.entries.get(history.current))
        .is_some_and(|(before, current)| {
            before.query == current.query && before.window != current.window
        });
    let step = if window_step && view.query == history.entries[history.current].query {
        HistoryMove::Replace
    } else {
        HistoryMove::Push
    };
    search_anchored(state, view, step, None, anchor, effects);
}

/// `current` combined with `filter`: replaced, narrowed (AND) or excluding (AND NOT).
pub fn combine(current: &str, filter: &str, mode: PivotMode) -> String {
    let current = current.trim();
    let everything = current.is_empty() || current == "*";
    match mode {
        PivotMode::Replace => filter.to_owned(),
        PivotMode::Narrow if everything => filter.to_owned(),
        PivotMode::Narrow => format!("({current}) AND {filter}"),
        PivotMode::Exclude if everything => format!("* AND NOT {filter}"),
        PivotMode::Exclude => format!("({current}) AND NOT {filter}"),
    }
}

fn pivot_label(name: &str, value: &str, mode: PivotMode) -> String {
    let sign = match mode {
        PivotMode::Replace => "",
        PivotMode::Narrow => "+",
        PivotMode::Exclude => "-",
    };
    clip(&format!("{sign}{name}={value}"), LABEL_WIDTH)
}

fn pivot(state: &mut AppState, field: PivotField, mode: PivotMode, effects: &mut Vec<Effect>) {
    let Some(row) = state.events.selected_row() else {
        state.status.say("select an event to pivot on");
        return;
    };
    let summary = &row.summary;
    let (alias, value, short) = match field {
        PivotField::User => (
            "user",
            summary.principal.id.clone(),
            summary.principal.short_name().to_owned(),
        ),
        PivotField::Ip => ("ip", summary.source_ip.clone(), summary.source_ip.clone()),
        PivotField::Region => ("region", summary.region.clone(), summary.region.clone()),
        PivotField::AccessKey => ("key", row.access_key.clone(), row.access_key.clone()),
        PivotField::Event => (
            "event",
            summary.event_name.clone(),
            summary.event_name.clone(),
        ),
        PivotField::Session => {
            let session = summary.principal.session.clone().unwrap_or_default();
            ("session", session.clone(), session)
        }
    };
    if value.is_empty() {
        state
            .status
            .say(format!("the selected event has no {alias} to pivot on"));
        return;
    }
    let mut view = state.current_view();
    view.query = combine(&view.query, &format!("{alias}:{}", quote(&value)), mode);
    view.label = pivot_label(alias, &short, mode);
    search_keeping_selection(state, view, mode, effects);
}

fn field_pivot(state: &mut AppState, mode: PivotMode, effects: &mut Vec<Effect>) {
    let Some((path, value, is_null)) = cursor_line(state).and_then(|line| {
        let value = line.value.clone()?;
        let is_null = line.kind == json_view::TokenKind::Null;
        (!line.path.is_empty()).then(|| (line.path.clone(), value, is_null))
    }) else {
        state
            .status
            .say("move the detail cursor onto a field with a value");
        return;
    };
    // A null is indexed as nothing: the events where the field holds no value.
    let filter = if is_null {
        format!("(* AND NOT _exists_:{path})")
    } else {
        format!("{path}:{}", quote(&value))
    };
    let mut view = state.current_view();
    view.query = combine(&view.query, &filter, mode);
    let name = path.rsplit('.').next().unwrap_or(&path).to_owned();
    view.label = pivot_label(&name, &value, mode);
    search_keeping_selection(state, view, mode, effects);
}

/// Before a step's results replace the list: where the list of the step being left stands.
fn remember_position(state: &mut AppState, step: HistoryMove) {
    if matches!(step, HistoryMove::Refresh) {
        return;
    }
    let events = &state.events;
    let showing_current = events.view.as_ref().is_some_and(|shown| {
        state
            .history
            .entries
            .get(state.history.current)
            .is_some_and(|current| current.same_results(shown))
    });
    let Some(row) = events.selected_row().filter(|_| showing_current) else {
        return;
    };
    let position = ListPosition {
        event_id: row.summary.event_id.clone(),
        time: row.summary.time,
        selected: events.cursor.selected,
        screen_row: events.cursor.selected.saturating_sub(events.cursor.scroll),
    };
    state.history.remember(position);
}

/// The selected event, for a search that keeps the selection on it.
fn selection_anchor(state: &AppState) -> Option<Anchor> {
    state.events.selected_row().map(|row| Anchor {
        event_id: row.summary.event_id.clone(),
        time: row.summary.time,
        index: state.events.cursor.selected,
    })
}

/// Runs a pivot's view with the selection kept on the event pivoted from, which a replacing or
/// narrowing pivot always keeps in its results.
fn search_keeping_selection(
    state: &mut AppState,
    view: View,
    mode: PivotMode,
    effects: &mut Vec<Effect>,
) {
    let anchor = match mode {
        PivotMode::Exclude => None,
        PivotMode::Replace | PivotMode::Narrow => selection_anchor(state),
    };
    search_anchored(state, view, HistoryMove::Push, None, anchor, effects);
}

fn cursor_line(state: &AppState) -> Option<&json_view::JsonLine> {
    state.detail.current_line()
}

fn copy(state: &mut AppState, text: Option<String>, what: &str, effects: &mut Vec<Effect>) {
    match text {
        Some(text) => {
            state.status.say(format!(
                "copied the {what} ({} bytes) with OSC 52",
                text.len()
            ));
            effects.push(Effect::Copy(text));
        }
        None => state.status.say(format!("no {what} to copy here")),
    }
}

fn find_matches(state: &mut AppState) {
    let detail = &mut state.detail;
    detail.matches = match &detail.find {
        Some(find) => {
            let needle = find.to_lowercase();
            detail
                .lines
                .iter()
                .enumerate()
                .filter(|(_, line)| line.plain().to_lowercase().contains(&needle))
                .map(|(i, _)| i)
                .collect()
        }
        None => Vec::new(),
    };
}

/// Moves the detail cursor to the next (or previous) line matching the find text, wrapping.
fn find_step(state: &mut AppState, forward: bool) {
    let detail = &mut state.detail;
    let Some(find) = detail.find.clone() else {
        return;
    };
    let current = detail.current().unwrap_or(0);
    let target = if forward {
        detail
            .matches
            .iter()
            .find(|i| **i > current)
            .or(detail.matches.first())
    } else {
        detail
            .matches
            .iter()
            .rev()
            .find(|i| **i < current)
            .or(detail.matches.last())
    };
    match target.copied() {
        Some(line) => {
            detail.reveal(line);
            state.status.say(format!(
                "{} lines match “{}”",
                detail.matches.len(),
                clip(&find, LABEL_WIDTH)
            ));
        }
        None => state
            .status
            .say(format!("no line matches “{}”", clip(&find, LABEL_WIDTH))),
    }
}

/// Asks for the rows around the visible ones when they are not loaded or on their way.
fn ensure_rows(state: &mut AppState, effects: &mut Vec<Effect>) {
    let events = &state.events;
    let Some(view) = &events.view else {
        return;
    };
    let len = events.len();
    if len == 0 {
        return;
    }
    let height = events.cursor.height.max(1);
    let need_start = events
        .cursor
        .scroll
        .min(events.cursor.selected)
        .min(len - 1);
    let need_end = (events.cursor.scroll + height)
        .max(events.cursor.selected + 1)
        .min(len);
    let loaded_end = (events.window_offset + events.rows.len()).min(len);
    if events.window_offset <= need_start && need_end <= loaded_end {
        return;
    }
    if let Some((generation, offset, limit)) = state.requests.page {
        if generation == events.generation && offset <= need_start && need_end <= offset + limit {
            return;
        }
    }
    let margin = height.max(PAGE_MARGIN_MIN);
    let offset = need_start.saturating_sub(margin);
    let limit = need_end - offset + margin;
    let generation = events.generation;
    let view = view.clone();
    let id = state.requests.next(RequestKind::Page);
    state.requests.page = Some((generation, offset, limit));
    effects.push(Effect::Send(Request::Page {
        id,
        generation,
        view,
        offset,
        limit,
    }));
}

/// Points the detail and the timeline at the selected event, once it is loaded.
fn sync_selection(state: &mut AppState, effects: &mut Vec<Effect>) {
    if state.events.is_empty() {
        state.detail = Default::default();
        relayout(state);
        return;
    }
    let Some(row) = state.events.selected_row() else {
        return;
    };
    let event_id = row.summary.event_id.clone();
    let principal = row.summary.principal.id.clone();
    if state.detail.event_id.as_deref() != Some(event_id.as_str()) {
        state.detail.set_lines(json_view::lines_of(&row.raw));
        state.detail.event_id = Some(event_id.clone());
        state.detail.origin = None;
        find_matches(state);
        let id = state.requests.next(RequestKind::Origin);
        effects.push(Effect::Send(Request::Origin { id, event_id }));
    }
    let time = state.current_view().time;
    let same = state.timeline.principal.as_deref() == Some(principal.as_str())
        && state.timeline.time == time;
    if !principal.is_empty() && !same {
        request_timeline(state, principal, time, effects);
    }
}

fn on_reply(state: &mut AppState, reply: Reply, effects: &mut Vec<Effect>) {
    let Some((kind, id)) = reply.kind_and_id() else {
        return on_notice(state, reply, effects);
    };
    if !state.requests.answer(kind, id) {
        return;
    }
    match reply {
        Reply::Searched { result, .. } => {
            let Some(pending) = state.requests.search.take().filter(|p| p.id == id) else {
                return;
            };
            match result {
                Ok(found) => {
                    remember_position(state, pending.history);
                    if !found.warnings.is_empty() && pending.history != HistoryMove::Refresh {
                        // In full in the J overlay's message log when the line cuts it.
                        state
                            .status
                            .note(format!("note: {}", found.warnings.join("; ")));
                    }
                    let events = &mut state.events;
                    events.generation = id;
                    events.view = Some(pending.view.clone());
                    events.matched = Some(found.matched);
                    events.total = found.total;
                    events.window_offset = found.offset;
                    events.rows = found.rows;
                    events.histogram = found.histogram;
                    events.warnings = found.warnings;
                    match (&pending.anchor, pending.screen_row) {
                        (Some(anchor), Some(screen_row)) => {
                            // Back or forward: the step's list as it was left.
                            let len = found.matched as usize;
                            let cursor = &mut events.cursor;
                            cursor.selected = found
                                .selected
                                .unwrap_or(anchor.index)
                                .min(len.saturating_sub(1));
                            cursor.scroll = cursor.selected.saturating_sub(screen_row);
                            cursor.fill(len);
                        }
                        (Some(anchor), None) => {
                            // Where the anchored event is now, plus any move made meanwhile.
                            let cursor = &mut events.cursor;
                            let moved = cursor.selected as isize - anchor.index as isize;
                            let target = found
                                .selected
                                .map_or(cursor.selected as isize, |at| at as isize + moved);
                            let shift = target - cursor.selected as isize;
                            cursor.scroll = (cursor.scroll as isize + shift).max(0) as usize;
                            let len = found.matched as usize;
                            cursor.selected =
                                target.clamp(0, len.saturating_sub(1) as isize) as usize;
                            cursor.scroll = cursor.scroll.min(cursor.selected);
                            cursor.follow();
                            cursor.fill(len);
                        }
                        (None, _) => {
                            events.cursor.selected = 0;
                            events.cursor.scroll = 0;
                        }
                    }
                    state.requests.page = None;
                    state.query_error = None;
                    match pending.history {
                        HistoryMove::Push => {
                            let same = state
                                .history
                                .entries
                                .get(state.history.current)
                                .is_some_and(|current| current.same_results(&pending.view));
                            if !same {
                                state.history.push(pending.view);
                            }
                        }
                        HistoryMove::Replace => {
                            let current = state.history.current;
                            match state.history.entries.get_mut(current) {
                                Some(entry) => {
                                    *entry = pending.view;
                                    if let Some(slot) = state.history.positions.get_mut(current) {
                                        *slot = None;
                                    }
                                }
                                None => state.history.push(pending.view),
                            }
                        }
                        HistoryMove::Jump(index) if index < state.history.entries.len() => {
                            state.history.current = index;
                        }
                        HistoryMove::Jump(_) | HistoryMove::Refresh => {}
                    }
                    sync_selection(state, effects);
                    ensure_rows(state, effects);
                }
                Err(error) => {
                    state.status.fail(error.clone());
                    state.query_error = Some(error);
                    if let Some(text) = pending.typed {
                        open_prompt(state, PromptKind::Query, &text);
                    }
                }
            }
        }
        Reply::Page {
            generation,
            offset,
            result,
            ..
        } => {
            if generation != state.events.generation {
                return;
            }
            state.requests.page = None;
            match result {
                Ok(rows) => {
                    state.events.window_offset = offset;
                    state.events.rows = rows;
                    sync_selection(state, effects);
                }
                Err(error) => state.status.fail(error),
            }
        }
        Reply::Timeline {
            principal, result, ..
        } => {
            if state.timeline.principal.as_deref() != Some(principal.as_str()) {
                return;
            }
            match result {
                Ok(timeline) => state.timeline.timeline = Some(timeline),
                Err(error) => state.status.fail(error),
            }
        }
        Reply::Stats { result, .. } => match result {
            Ok(stats) => {
                state.status.index_events = Some(stats.events);
                state.status.index_bytes = Some(stats.bytes);
                state.status.span = stats.span;
                state.status.integrity = stats.integrity;
                state.status.accounts = stats.accounts;
            }
            Err(error) => state.status.fail(error),
        },
        Reply::Origin { result, .. } => match result {
            Ok(origin) => {
                state.detail.origin =
                    origin.filter(|o| state.detail.event_id.as_deref() == Some(&o.event_id))
            }
            Err(error) => state.status.fail(error),
        },
        Reply::Alerts {
            result, mark_error, ..
        } => {
            match result {
                Ok(alerts) => state.alerts.set_alerts(alerts),
                Err(error) => state.status.fail(error),
            }
            if let Some(error) = mark_error {
                state.status.fail(error);
            }
        }
        Reply::Changed { .. } | Reply::Activity(_) => on_notice(state, reply, effects),
    }
}

/// What the worker announces unasked: new commits, changed alerts, a writer's live activity.
fn on_notice(state: &mut AppState, reply: Reply, effects: &mut Vec<Effect>) {
    match reply {
        Reply::Changed { index, alerts } => {
            if alerts {
                let id = state.requests.next(RequestKind::Alerts);
                effects.push(Effect::Send(Request::Alerts { id, mark: None }));
            }
            if index {
                refresh(state, effects);
            }
        }
        Reply::Activity(summary) => state.status.activity = summary,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pivots_replace_narrow_and_exclude() {
        let filter = "ip:\"203.0.113.5\"";
        assert_eq!(combine("user:alice", filter, PivotMode::Replace), filter);
        assert_eq!(
            combine("user:alice", filter, PivotMode::Narrow),
            "(user:alice) AND ip:\"203.0.113.5\""
        );
        assert_eq!(combine("", filter, PivotMode::Narrow), filter);
        assert_eq!(
            combine("user:alice", filter, PivotMode::Exclude),
            "(user:alice) AND NOT ip:\"203.0.113.5\""
        );
        assert_eq!(
            combine("*", filter, PivotMode::Exclude),
            "* AND NOT ip:\"203.0.113.5\""
        );
    }
}
