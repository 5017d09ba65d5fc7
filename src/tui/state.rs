//! Everything the screen shows, one struct per pane plus what the app as a whole remembers.
//! Only `update` changes it; panes only read it.
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::json_view::{self, JsonLine};
use super::keymap::Section;
use crate::event::EventSummary;
use crate::index::activity::ActivityReport;
use crate::index::{SortOrder, TimeBounds, TopList};

/// The four panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Alerts,
    Events,
    Detail,
    Timeline,
}

impl PaneId {
    pub const ALL: [PaneId; 4] = [
        PaneId::Alerts,
        PaneId::Events,
        PaneId::Detail,
        PaneId::Timeline,
    ];

    pub fn section(self) -> Section {
        match self {
            PaneId::Alerts => Section::Alerts,
            PaneId::Events => Section::Events,
            PaneId::Detail => Section::Detail,
            PaneId::Timeline => Section::Timeline,
        }
    }

    pub fn next(self) -> PaneId {
        let i = PaneId::ALL.iter().position(|p| *p == self).unwrap_or(0);
        PaneId::ALL[(i + 1) % PaneId::ALL.len()]
    }

    pub fn prev(self) -> PaneId {
        let i = PaneId::ALL.iter().position(|p| *p == self).unwrap_or(0);
        PaneId::ALL[(i + PaneId::ALL.len() - 1) % PaneId::ALL.len()]
    }
}

/// What keys go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Prompt(PromptKind),
    Help,
    /// The overlay of the index's writer at work: its summary and each part's line.
    Activity,
    /// The current case's pins and notes.
    Case,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Query,
    Find,
    /// The options of a `trailhound pull` to start.
    Pull,
    /// A file or folder to ingest.
    Ingest,
    /// The options of a `trailhound athena pull` of the current query.
    Athena,
    /// A note for the current case.
    Note,
    /// The file to export the list (or the event in the detail pane) to.
    Export,
}

/// The time window of a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeWindow {
    All,
    /// The last stretch of the index, ending at its newest event.
    Last(Duration),
    /// A stretch either side of one moment.
    Around(DateTime<Utc>, Duration),
    /// From one moment to another, both included (a stretch picked on the timeline).
    Between(DateTime<Utc>, DateTime<Utc>),
}

/// The stretches `time_window_cycle` steps through after `All`.
pub const WINDOW_PRESETS: [i64; 5] = [1, 6, 24, 24 * 7, 24 * 30];
pub const AROUND_MINUTES: i64 = 15;

impl TimeWindow {
    /// The bounds this window means for an index whose newest event is at `newest`.
    pub fn bounds(self, newest: Option<DateTime<Utc>>) -> TimeBounds {
        match self {
            TimeWindow::All => TimeBounds::default(),
            TimeWindow::Last(span) => TimeBounds {
                since: newest.map(|end| end - span),
                until: newest,
            },
            TimeWindow::Around(at, span) => TimeBounds {
                since: Some(at - span),
                until: Some(at + span),
            },
            TimeWindow::Between(since, until) => TimeBounds {
                since: Some(since),
                until: Some(until),
            },
        }
    }

    pub fn label(self) -> String {
        match self {
            TimeWindow::All => "all time".to_owned(),
            TimeWindow::Last(span) => format!("last {}", super::format::short_duration(span)),
            TimeWindow::Around(at, span) => format!(
                "{} ±{}",
                at.format("%Y-%m-%d %H:%M"),
                super::format::short_duration(span)
            ),
            TimeWindow::Between(since, until) if since.date_naive() == until.date_naive() => {
                format!(
                    "{} → {}",
                    since.format("%Y-%m-%d %H:%M:%S"),
                    until.format("%H:%M:%S")
                )
            }
            TimeWindow::Between(since, until) => format!(
                "{} → {}",
                since.format("%Y-%m-%d %H:%M:%S"),
                until.format("%Y-%m-%d %H:%M:%S")
            ),
        }
    }
}

/// What the events pane is asked to show: one step of the investigation.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub query: String,
    pub window: TimeWindow,
    pub time: TimeBounds,
    pub order: SortOrder,
    /// How the breadcrumb names this step (may hold event text: sanitise when drawing).
    pub label: String,
}

impl View {
    pub fn everything() -> View {
        View {
            query: String::new(),
            window: TimeWindow::All,
            time: TimeBounds::default(),
            order: SortOrder::NewestFirst,
            label: "all events".to_owned(),
        }
    }

    /// Whether two views select the same events in the same order.
    pub fn same_results(&self, other: &View) -> bool {
        self.query == other.query && self.time == other.time && self.order == other.order
    }
}

/// Where the list stood when a step was left: its selected event and where that row sat on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPosition {
    pub event_id: String,
    pub time: Option<DateTime<Utc>>,
    pub selected: usize,
    /// The selection's row on screen (selected - scroll).
    pub screen_row: usize,
}

/// The steps taken, for back and forward.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub entries: Vec<View>,
    pub current: usize,
    /// Per entry, where its list stood when it was left, for back and forward to restore.
    pub positions: Vec<Option<ListPosition>>,
}

impl History {
    pub fn push(&mut self, view: View) {
        if !self.entries.is_empty() {
            self.entries.truncate(self.current + 1);
        }
        self.entries.push(view);
        self.positions.resize(self.entries.len() - 1, None);
        self.positions.push(None);
        self.current = self.entries.len() - 1;
    }

    /// Remembers where the current step's list stands, as it is left.
    pub fn remember(&mut self, position: ListPosition) {
        self.positions.resize(self.entries.len(), None);
        if let Some(slot) = self.positions.get_mut(self.current) {
            *slot = Some(position);
        }
    }

    pub fn position(&self, index: usize) -> Option<&ListPosition> {
        self.positions.get(index).and_then(Option::as_ref)
    }

    pub fn forward_steps(&self) -> usize {
        self.entries.len().saturating_sub(self.current + 1)
    }
}

/// A one-line editor with readline keys and a history.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineEditor {
    pub text: String,
    /// In characters, not bytes.
    pub cursor: usize,
    /// Where Up/Down are in the history; `None` while editing the draft.
    pub history_pos: Option<usize>,
    pub draft: String,
}

impl LineEditor {
    pub fn with_text(text: &str) -> LineEditor {
        LineEditor {
            text: text.to_owned(),
            cursor: text.chars().count(),
            history_pos: None,
            draft: String::new(),
        }
    }

    fn byte_at(&self, cursor: usize) -> usize {
        self.text
            .char_indices()
            .nth(cursor)
            .map_or(self.text.len(), |(i, _)| i)
    }

    pub fn insert(&mut self, c: char) {
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    pub fn delete_back(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn delete_forward(&mut self) {
        if self.cursor < self.text.chars().count() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn delete_word(&mut self) {
        let chars: Vec<char> = self.text.chars().collect();
        let mut start = self.cursor;
        while start > 0 && chars[start - 1] == ' ' {
            start -= 1;
        }
        while start > 0 && chars[start - 1] != ' ' {
            start -= 1;
        }
        let (from, to) = (self.byte_at(start), self.byte_at(self.cursor));
        self.text.replace_range(from..to, "");
        self.cursor = start;
    }

    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }

    /// Up: the previous entry of `history` (newest last).
    pub fn history_prev(&mut self, history: &[String]) {
        let pos = match self.history_pos {
            None if history.is_empty() => return,
            None => {
                self.draft = self.text.clone();
                history.len() - 1
            }
            Some(0) => 0,
            Some(pos) => pos - 1,
        };
        self.history_pos = Some(pos);
        self.set(history.get(pos).cloned().unwrap_or_default());
    }

    /// Down: the next entry, then back to the draft.
    pub fn history_next(&mut self, history: &[String]) {
        match self.history_pos {
            None => {}
            Some(pos) if pos + 1 < history.len() => {
                self.history_pos = Some(pos + 1);
                self.set(history[pos + 1].clone());
            }
            Some(_) => {
                self.history_pos = None;
                let draft = std::mem::take(&mut self.draft);
                self.set(draft);
            }
        }
    }

    fn set(&mut self, text: String) {
        self.text = text;
        self.cursor = self.text.chars().count();
    }
}

/// The query or find line while it is open.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptState {
    pub kind: PromptKind,
    pub editor: LineEditor,
}

/// A list's selection and scroll, kept so that the selection stays on screen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub scroll: usize,
    /// Rows the pane shows, from the layout.
    pub height: usize,
}

impl Cursor {
    /// Moves by `delta` within `len` items and scrolls to keep the selection visible.
    pub fn move_by(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            self.scroll = 0;
            return;
        }
        let target = self.selected as isize + delta;
        self.selected = target.clamp(0, len as isize - 1) as usize;
        self.follow();
    }

    pub fn move_to(&mut self, index: usize, len: usize) {
        self.selected = 0;
        self.move_by(index as isize, len);
    }

    pub fn follow(&mut self) {
        // A folded pane shows nothing: its scroll waits for it to open again.
        if self.height == 0 {
            return;
        }
        let height = self.height;
        if self.selected < self.scroll {
            self.scroll = self.selected;
        } else if self.selected >= self.scroll + height {
            self.scroll = self.selected + 1 - height;
        }
    }

    pub fn page(&self) -> isize {
        self.height.max(1) as isize
    }

    /// Scrolls back up so that a list of `len` rows fills the pane rather than ending in blank
    /// space, the selection staying visible.
    pub fn fill(&mut self, len: usize) {
        if self.height == 0 {
            return;
        }
        self.scroll = self.scroll.min(len.saturating_sub(self.height));
        self.follow();
    }
}

/// One event of the list, read off the UI thread.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub summary: EventSummary,
    pub access_key: String,
    pub raw: Arc<str>,
}

/// Matches over time, for the histogram strip and the timeline sparkline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub counts: Vec<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct EventsState {
    /// The id of the search whose results are shown (0 before the first).
    pub generation: u64,
    pub view: Option<View>,
    pub matched: Option<u64>,
    pub total: u64,
    /// The loaded slice of the results: rows `window_offset..window_offset + rows.len()`.
    pub window_offset: usize,
    pub rows: Vec<EventRow>,
    pub cursor: Cursor,
    pub histogram: Option<Histogram>,
    pub warnings: Vec<String>,
}

impl EventsState {
    pub fn len(&self) -> usize {
        self.matched.unwrap_or(0) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, index: usize) -> Option<&EventRow> {
        index
            .checked_sub(self.window_offset)
            .and_then(|i| self.rows.get(i))
    }

    pub fn selected_row(&self) -> Option<&EventRow> {
        self.row(self.cursor.selected)
    }
}

#[derive(Debug, Clone, Default)]
pub struct DetailState {
    pub event_id: Option<String>,
    /// Where the event shown was read from, once the worker has said.
    pub origin: Option<super::worker::EventOrigin>,
    pub lines: Vec<JsonLine>,
    /// Lines that open a folded object or array.
    pub folded: BTreeSet<usize>,
    /// What the user folded, by depth and path, so that the next event opens folded alike.
    pub fold_memory: BTreeSet<(usize, String)>,
    /// The indices of the lines shown, folds applied; the cursor moves over these.
    pub visible: Vec<usize>,
    pub cursor: Cursor,
    pub find: Option<String>,
    /// Lines that contain the find text.
    pub matches: Vec<usize>,
}

impl DetailState {
    /// Shows `lines` (a new event), folded where the last one was, the cursor on the first.
    pub fn set_lines(&mut self, lines: Vec<JsonLine>) {
        self.lines = lines;
        self.folded = (0..self.lines.len())
            .filter(|i| {
                json_view::opens(&self.lines[*i]) && self.fold_memory.contains(&self.fold_key(*i))
            })
            .collect();
        self.refold();
        self.cursor.move_to(0, self.visible.len());
    }

    /// The index into `lines` of the line under the cursor.
    pub fn current(&self) -> Option<usize> {
        self.visible.get(self.cursor.selected).copied()
    }

    pub fn current_line(&self) -> Option<&JsonLine> {
        self.lines.get(self.current()?)
    }

    /// Folds or unfolds the object or array under the cursor; on a member, folds the object or
    /// array it is in.
    pub fn toggle_fold(&mut self) {
        let Some(at) = self.current() else {
            return;
        };
        let target = if json_view::opens(&self.lines[at]) {
            Some(at)
        } else {
            let depth = self.lines[at].depth;
            (0..at)
                .rev()
                .find(|i| self.lines[*i].depth + 1 == depth && json_view::opens(&self.lines[*i]))
        };
        let Some(target) = target else {
            return;
        };
        let key = self.fold_key(target);
        if self.folded.remove(&target) {
            self.fold_memory.remove(&key);
        } else {
            self.folded.insert(target);
            self.fold_memory.insert(key);
        }
        self.refold();
        self.put_cursor_on(target);
    }

    /// Folds every object and array inside the record, leaving its top-level fields listed.
    pub fn fold_all(&mut self) {
        let at = self.current();
        self.folded = (0..self.lines.len())
            .filter(|i| self.lines[*i].depth > 0 && json_view::opens(&self.lines[*i]))
            .collect();
        let keys: Vec<_> = self.folded.iter().map(|i| self.fold_key(*i)).collect();
        self.fold_memory.extend(keys);
        self.refold();
        if let Some(at) = at {
            let top = (0..=at)
                .rev()
                .find(|i| self.visible.binary_search(i).is_ok())
                .unwrap_or(0);
            self.put_cursor_on(top);
        }
    }

    pub fn unfold_all(&mut self) {
        let at = self.current();
        self.folded.clear();
        self.fold_memory.clear();
        self.refold();
        if let Some(at) = at {
            self.put_cursor_on(at);
        }
    }

    /// Unfolds whatever hides line `line`, and puts the cursor on it.
    pub fn reveal(&mut self, line: usize) {
        let lines = &self.lines;
        let (hiding, kept): (BTreeSet<usize>, BTreeSet<usize>) = self
            .folded
            .iter()
            .partition(|open| **open < line && json_view::closing(lines, **open) > line);
        for open in hiding {
            let key = self.fold_key(open);
            self.fold_memory.remove(&key);
        }
        self.folded = kept;
        self.refold();
        self.put_cursor_on(line);
    }

    fn fold_key(&self, line: usize) -> (usize, String) {
        (self.lines[line].depth, self.lines[line].path.clone())
    }

    fn refold(&mut self) {
        self.visible = json_view::visible_lines(&self.lines, &self.folded);
    }

    fn put_cursor_on(&mut self, line: usize) {
        let position = self
            .visible
            .binary_search(&line)
            .unwrap_or_else(|i| i.saturating_sub(1));
        self.cursor.move_to(position, self.visible.len());
    }
}

/// A principal's activity, as the worker computed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub principal: String,
    pub events: u64,
    pub errors: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub activity: Option<Histogram>,
    pub source_ips: TopList,
    pub regions: TopList,
    pub services: TopList,
    pub user_agents: TopList,
    pub access_keys: TopList,
    /// The principal's sessions: each access key it used, and the AssumeRole that issued it.
    pub sessions: Vec<SessionLink>,
}

/// One session of a principal, linked by its access key to the calls that created it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionLink {
    pub access_key: String,
    pub events: u64,
    /// The AssumeRole* (or GetSessionToken, GetFederationToken) whose response issued the key,
    /// then the one that issued the key that call was signed with, and so on (role chaining),
    /// as far as the index holds them. For a long-term key, the CreateAccessKey that made it,
    /// then what issued the key that call was signed with. Empty when the first is not indexed.
    pub chain: Vec<SessionIssue>,
    /// What was done to a long-term key after it was made (UpdateAccessKey, DeleteAccessKey),
    /// oldest first.
    pub lifecycle: Vec<SessionIssue>,
    /// The oldest event the index holds: an empty chain means nothing issued the key since.
    pub searched_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionIssue {
    pub event_name: String,
    pub principal: String,
    pub source_ip: String,
    pub time: Option<DateTime<Utc>>,
    /// The access key the issuing call was signed with.
    pub access_key: String,
    /// What the call set, when it says more than its name (UpdateAccessKey's new status).
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct TimelineState {
    pub principal: Option<String>,
    pub timeline: Option<Timeline>,
    pub cursor: Cursor,
    /// The column of the activity line picked with the bucket keys.
    pub bucket: Option<usize>,
    /// Columns the activity line has, from the layout.
    pub columns: usize,
    /// The time window the shown (or requested) timeline covers.
    pub time: TimeBounds,
}

impl Histogram {
    /// How many matches column `column` of `columns` holds (the same resampling as the sparkline).
    pub fn column_count(&self, column: usize, columns: usize) -> u64 {
        let n = self.counts.len();
        if n == 0 || columns == 0 || column >= columns {
            return 0;
        }
        let from = column * n / columns;
        let to = ((column + 1) * n / columns).max(from + 1).min(n);
        self.counts[from..to].iter().sum()
    }

    /// The column of `columns` whose stretch holds `time`.
    pub fn column_of(&self, time: DateTime<Utc>, columns: usize) -> Option<usize> {
        (0..columns).find(|column| {
            self.column_span(*column, columns)
                .is_some_and(|(from, to)| from <= time && time <= to)
        })
    }

    /// The stretch of time column `column` of `columns` covers when the histogram is drawn that
    /// wide (the same resampling as the sparkline).
    pub fn column_span(
        &self,
        column: usize,
        columns: usize,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let n = self.counts.len();
        if n == 0 || columns == 0 || column >= columns {
            return None;
        }
        let from = column * n / columns;
        let to = ((column + 1) * n / columns).max(from + 1).min(n);
        let seconds = (self.end - self.start).num_seconds().max(0) + 1;
        let at = |bucket: usize| {
            // The first second `time_histogram` counts into `bucket`.
            self.start + Duration::seconds((bucket as i64 * seconds + n as i64 - 1) / n as i64)
        };
        Some((at(from), at(to) - Duration::seconds(1)))
    }
}

/// One pin as the case overlay lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct CasePin {
    pub time: Option<DateTime<Utc>>,
    pub label: String,
    pub notes: Vec<String>,
    pub trail: Vec<String>,
    /// The query that lists what it pins (its event, an alert's events, a principal's).
    pub query: String,
}

/// The case overlay: the pins in time order and the notes on the case itself.
#[derive(Debug, Clone, Default)]
pub struct CaseView {
    pub pins: Vec<CasePin>,
    pub notes: Vec<String>,
    pub cursor: Cursor,
}

impl CaseView {
    pub fn of(case: &crate::case::Case) -> CaseView {
        use crate::case::Pinned;
        let quote = super::worker::quote;
        let mut pins: Vec<CasePin> = case
            .pins()
            .map(|(id, at, item, trail)| {
                let (time, label, query) = match item {
                    Pinned::Event { event_id, raw } => {
                        let summary = EventSummary::from_raw(raw);
                        (
                            summary.time,
                            format!(
                                "{} by {} from {}",
                                summary.event_name,
                                summary.principal.short_name(),
                                summary.source_ip
                            ),
                            format!("eventID:{}", quote(event_id)),
                        )
                    }
                    Pinned::Alert { alert } => (
                        alert.first_time,
                        format!(
                            "alert {} {} ({})",
                            alert.rule_id, alert.title, alert.severity
                        ),
                        match &alert.query {
                            Some(query) => query.clone(),
                            None => format!(
                                "eventID:({})",
                                alert
                                    .event_ids
                                    .iter()
                                    .map(|e| quote(e))
                                    .collect::<Vec<_>>()
                                    .join(" OR ")
                            ),
                        },
                    ),
                    Pinned::Principal { principal } => (
                        Some(*at),
                        format!("principal {principal}"),
                        format!("user:{}", quote(principal)),
                    ),
                };
                CasePin {
                    time,
                    label,
                    notes: case.notes_on(Some(id)).map(str::to_owned).collect(),
                    trail: trail.to_vec(),
                    query,
                }
            })
            .collect();
        pins.sort_by_key(|pin| pin.time);
        CaseView {
            pins,
            notes: case.notes_on(None).map(str::to_owned).collect(),
            cursor: Cursor::default(),
        }
    }
}

/// The current case, as far as the panes mark what it holds.
#[derive(Debug, Clone, Default)]
pub struct CaseState {
    pub name: Option<String>,
    /// Pinned event id -> its pin's id (notes on the event go to that pin).
    pub events: std::collections::HashMap<String, String>,
    /// Keys of the pinned alerts.
    pub alerts: std::collections::HashSet<String>,
    /// The pinned principals.
    pub principals: std::collections::HashSet<String>,
    pub pins: usize,
}

impl CaseState {
    pub fn of(case: &crate::case::Case) -> CaseState {
        let mut state = CaseState {
            name: Some(case.name.clone()),
            ..CaseState::default()
        };
        for (id, _, item, _) in case.pins() {
            state.add(id, item);
        }
        state
    }

    pub fn add(&mut self, pin_id: &str, item: &crate::case::Pinned) {
        self.pins += 1;
        match item {
            crate::case::Pinned::Event { event_id, .. } => {
                self.events.insert(event_id.clone(), pin_id.to_owned());
            }
            crate::case::Pinned::Alert { alert } => {
                self.alerts.insert(alert.key.clone());
            }
            crate::case::Pinned::Principal { principal } => {
                self.principals.insert(principal.clone());
            }
        }
    }
}

/// How bad a detection is, worst first when sorted descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

/// One alert of the detector's feed: a rule's matches for one principal (or the rule's key) in
/// one window, already grouped by the detector.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The detector's stable identity, which acknowledging records.
    pub key: String,
    pub rule_id: String,
    pub title: String,
    pub severity: Severity,
    /// Matching events, which may exceed `event_ids` (the detector keeps the first thousand).
    pub count: u64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub principal: String,
    /// The value the rule groups by (the principal by default; an address, an account, ...).
    pub group: String,
    pub event_ids: Vec<String>,
    pub acknowledged: bool,
    /// The rule's reason it matters and what to check next.
    pub why: String,
    pub next: String,
    /// For a first-seen rule: the value and the baseline it was compared against.
    pub baseline: Option<String>,
    /// For an alert that cites no events by id (an integrity alert): the query for its events.
    pub query: Option<String>,
    /// How many of its events were read from files `verify` found modified or unlisted.
    pub tainted: usize,
}

#[derive(Debug, Clone, Default)]
pub struct AlertsState {
    /// False until the detector's alerts have been read.
    pub loaded: bool,
    /// Every alert, most severe then newest first.
    pub alerts: Vec<Alert>,
    pub hide_acknowledged: bool,
    /// Indexes into `alerts` of the rows the feed shows, in order.
    pub shown: Vec<usize>,
    pub cursor: Cursor,
}

impl AlertsState {
    /// Replaces the feed, keeping the selection on the same alert when it is still there.
    pub fn set_alerts(&mut self, mut alerts: Vec<Alert>) {
        alerts.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.last.cmp(&a.last))
                .then(a.key.cmp(&b.key))
        });
        let keep = self.selected().map(|alert| alert.key.clone());
        self.alerts = alerts;
        self.loaded = true;
        self.reshow(keep);
    }

    pub fn selected(&self) -> Option<&Alert> {
        self.shown
            .get(self.cursor.selected)
            .and_then(|i| self.alerts.get(*i))
    }

    /// Marks an alert (acknowledged or not) ahead of the detector's files saying so.
    pub fn set_acknowledged(&mut self, key: &str, acknowledged: bool) {
        let keep = self.selected().map(|alert| alert.key.clone());
        for alert in self.alerts.iter_mut().filter(|a| a.key == key) {
            alert.acknowledged = acknowledged;
        }
        self.reshow(keep);
    }

    pub fn toggle_hide_acknowledged(&mut self) {
        let keep = self.selected().map(|alert| alert.key.clone());
        self.hide_acknowledged = !self.hide_acknowledged;
        self.reshow(keep);
    }

    pub fn acknowledged(&self) -> usize {
        self.alerts.iter().filter(|a| a.acknowledged).count()
    }

    /// Recomputes the shown rows; the selection stays on `keep` when shown, else on its row.
    fn reshow(&mut self, keep: Option<String>) {
        let hide = self.hide_acknowledged;
        self.shown = (0..self.alerts.len())
            .filter(|i| !(hide && self.alerts[*i].acknowledged))
            .collect();
        let at = keep.and_then(|key| self.shown.iter().position(|i| self.alerts[*i].key == key));
        let len = self.shown.len();
        match at {
            Some(row) => self.cursor.move_to(row, len),
            None => self.cursor.move_by(0, len),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct StatusState {
    pub index_events: Option<u64>,
    pub index_bytes: Option<u64>,
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// What `verify` found of the ingested files, and whether it tells of changes.
    pub integrity: Option<(String, bool)>,
    /// The accounts the index holds, and how pulls reached them.
    pub accounts: std::collections::BTreeMap<String, crate::index::coverage::KnownAccount>,
    /// The last thing worth saying (copied, no principal on this event, ...).
    pub message: Option<String>,
    pub last_error: Option<String>,
    /// Broken keymap or theme files, reported until the app closes.
    pub config_errors: Vec<String>,
    /// What an ingest or pull is doing right now, in this process or another.
    pub activity: Option<ActivityReport>,
    /// The last messages and errors in full, newest last, for the `J` overlay: the status line
    /// cuts what does not fit.
    pub log: std::collections::VecDeque<LoggedMessage>,
}

/// One message of the status line, as it was said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedMessage {
    pub at: DateTime<Utc>,
    pub error: bool,
    pub text: String,
}

/// Messages the log keeps.
pub const MESSAGE_LOG: usize = 50;

impl StatusState {
    /// Says `message`, in place of whatever was said or went wrong before.
    pub fn say(&mut self, message: impl Into<String>) {
        self.note(message);
        self.last_error = None;
    }

    /// Says `message`, leaving an error on show.
    pub fn note(&mut self, message: impl Into<String>) {
        let message = message.into();
        self.remember(false, &message);
        self.message = Some(message);
    }

    /// Reports `error`, in place of whatever was said or went wrong before.
    pub fn fail(&mut self, error: impl Into<String>) {
        let error = error.into();
        self.remember(true, &error);
        self.last_error = Some(error);
        self.message = None;
    }

    fn remember(&mut self, error: bool, text: &str) {
        if self.log.back().is_some_and(|last| last.text == text) {
            return;
        }
        if self.log.len() == MESSAGE_LOG {
            self.log.pop_front();
        }
        self.log.push_back(LoggedMessage {
            at: Utc::now(),
            error,
            text: text.to_owned(),
        });
    }
}

/// One line of the help: a section title, or keys and what they do.
#[derive(Debug, Clone, PartialEq)]
pub enum HelpLine {
    Section(&'static str),
    Binding {
        keys: String,
        description: &'static str,
    },
}

/// The worker jobs the UI waits on; a reply with an older id than the newest request of its kind
/// is stale and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    Search,
    Page,
    Timeline,
    Stats,
    Alerts,
    Origin,
}

impl RequestKind {
    pub fn describe(self) -> &'static str {
        match self {
            RequestKind::Search => "searching",
            RequestKind::Page => "loading",
            RequestKind::Timeline => "timeline",
            RequestKind::Stats => "reading index",
            RequestKind::Alerts => "alerts",
            RequestKind::Origin => "file",
        }
    }
}

/// How an accepted search moves the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryMove {
    Push,
    /// In place of the current step (another time window for the same query).
    Replace,
    Jump(usize),
    /// The same view again on a grown index: the history stays as it is.
    Refresh,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingSearch {
    pub id: u64,
    pub view: View,
    pub history: HistoryMove,
    /// The query line to reopen with the error when the query is rejected.
    pub typed: Option<String>,
    /// For a refresh: the event to keep selected.
    pub anchor: Option<super::worker::Anchor>,
    /// For back and forward: the row on screen the anchored event had when the step was left.
    pub screen_row: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Requests {
    pub last_id: u64,
    pub newest: HashMap<RequestKind, u64>,
    pub answered: HashMap<RequestKind, u64>,
    pub search: Option<PendingSearch>,
    /// The page in flight: (generation, offset, limit).
    pub page: Option<(u64, usize, usize)>,
}

impl Requests {
    pub fn next(&mut self, kind: RequestKind) -> u64 {
        self.last_id += 1;
        self.newest.insert(kind, self.last_id);
        self.last_id
    }

    /// Records a reply; true when it answers the newest request of its kind.
    pub fn answer(&mut self, kind: RequestKind, id: u64) -> bool {
        let answered = self.answered.entry(kind).or_default();
        *answered = (*answered).max(id);
        self.newest.get(&kind).copied() == Some(id)
    }

    pub fn busy(&self) -> Vec<RequestKind> {
        let mut busy: Vec<RequestKind> = self
            .newest
            .iter()
            .filter(|(kind, id)| self.answered.get(kind).copied().unwrap_or(0) < **id)
            .map(|(kind, _)| *kind)
            .collect();
        busy.sort_by_key(|kind| *kind as u8);
        busy
    }
}

/// The whole UI state.
#[derive(Debug, Clone)]
pub struct AppState {
    pub size: (u16, u16),
    pub focus: PaneId,
    pub zoomed: bool,
    pub mode: Mode,
    pub prompt: Option<PromptState>,
    /// The query's error, shown on the query line until the query is edited or applied.
    pub query_error: Option<String>,
    pub help: Vec<HelpLine>,
    pub help_cursor: Cursor,
    pub history: History,
    pub query_history: Vec<String>,
    /// The options of the last pull started from the UI, to start the next one from.
    pub last_pull_options: Option<String>,
    pub last_athena_options: Option<String>,
    pub case: CaseState,
    /// The case overlay's contents, read when it opens.
    pub case_view: CaseView,
    /// Queries saved by name (`:save NAME` in the query editor, `:NAME` runs one).
    pub saved_queries: std::collections::BTreeMap<String, String>,
    /// A `pull --follow` started from the UI is running.
    pub following: bool,
    pub alerts: AlertsState,
    pub events: EventsState,
    pub detail: DetailState,
    pub timeline: TimelineState,
    pub status: StatusState,
    pub requests: Requests,
    pub should_quit: bool,
}

impl AppState {
    pub fn new(size: (u16, u16), help: Vec<HelpLine>) -> AppState {
        AppState {
            size,
            focus: PaneId::Events,
            zoomed: false,
            mode: Mode::Normal,
            prompt: None,
            query_error: None,
            help,
            help_cursor: Cursor::default(),
            history: History::default(),
            last_pull_options: None,
            last_athena_options: None,
            case: CaseState::default(),
            saved_queries: std::collections::BTreeMap::new(),
            case_view: CaseView::default(),
            following: false,
            query_history: Vec::new(),
            alerts: AlertsState::default(),
            events: EventsState::default(),
            detail: DetailState::default(),
            timeline: TimelineState::default(),
            status: StatusState::default(),
            requests: Requests::default(),
            should_quit: false,
        }
    }

    /// The view the events pane shows (or is about to show for the first time).
    pub fn current_view(&self) -> View {
        self.events.view.clone().unwrap_or_else(View::everything)
    }

    pub fn is_busy(&self) -> bool {
        !self.requests.busy().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_has_readline_keys_and_history() {
        let mut editor = LineEditor::with_text("user:alice");
        editor.home();
        editor.insert('(');
        editor.end();
        editor.insert(')');
        assert_eq!(editor.text, "(user:alice)");
        editor.delete_word();
        assert_eq!(editor.text, "");
        editor.insert('x');
        let history = vec!["a".to_owned(), "b".to_owned()];
        editor.history_prev(&history);
        assert_eq!(editor.text, "b");
        editor.history_prev(&history);
        assert_eq!(editor.text, "a");
        editor.history_next(&history);
        editor.history_next(&history);
        assert_eq!(editor.text, "x");
        editor.clear();
        assert_eq!((editor.text.as_str(), editor.cursor), ("", 0));
    }

    fn alert(key: &str, severity: Severity, minute: u32, acknowledged: bool) -> Alert {
        let time = DateTime::parse_from_rfc3339(&format!("2026-11-01T08:{minute:02}:00Z"))
            .unwrap()
            .with_timezone(&Utc);
        Alert {
            key: key.into(),
            rule_id: key.into(),
            title: String::new(),
            severity,
            count: 1,
            first: Some(time),
            last: Some(time),
            principal: "p".into(),
            group: "p".into(),
            event_ids: vec![format!("{key}{minute}")],
            acknowledged,
            why: String::new(),
            next: String::new(),
            baseline: None,
            query: None,
            tainted: 0,
        }
    }

    #[test]
    fn alerts_list_most_severe_then_newest_first() {
        let mut state = AlertsState::default();
        state.set_alerts(vec![
            alert("low", Severity::Low, 50, false),
            alert("crit old", Severity::Critical, 1, false),
            alert("high", Severity::High, 10, false),
            alert("crit new", Severity::Critical, 30, false),
        ]);
        let order: Vec<&str> = state
            .shown
            .iter()
            .map(|i| state.alerts[*i].key.as_str())
            .collect();
        assert_eq!(order, ["crit new", "crit old", "high", "low"]);
    }

    #[test]
    fn hiding_acknowledged_alerts_keeps_the_selection_on_its_alert() {
        let mut state = AlertsState {
            cursor: Cursor {
                height: 10,
                ..Cursor::default()
            },
            ..AlertsState::default()
        };
        state.set_alerts(vec![
            alert("a", Severity::High, 3, true),
            alert("b", Severity::High, 2, false),
            alert("c", Severity::High, 1, false),
        ]);
        state.cursor.move_to(2, 3);
        state.toggle_hide_acknowledged();
        assert_eq!(state.shown.len(), 2);
        assert_eq!(state.selected().map(|a| a.key.as_str()), Some("c"));
        state.set_acknowledged("c", true);
        assert_eq!(state.selected().map(|a| a.key.as_str()), Some("b"));
        state.toggle_hide_acknowledged();
        assert_eq!(state.acknowledged(), 2);
        assert_eq!(state.selected().map(|a| a.key.as_str()), Some("b"));
    }

    #[test]
    fn cursor_keeps_the_selection_visible() {
        let mut cursor = Cursor {
            height: 5,
            ..Cursor::default()
        };
        cursor.move_by(7, 100);
        assert_eq!((cursor.selected, cursor.scroll), (7, 3));
        cursor.move_by(-10, 100);
        assert_eq!((cursor.selected, cursor.scroll), (0, 0));
        cursor.move_to(99, 100);
        assert_eq!((cursor.selected, cursor.scroll), (99, 95));
    }
}
