//! Whole-app tests: the UI on the demo index, driven by key sequences, checked by state and screen.
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use tempfile::TempDir;

use trailhound::detect::AlertSet;
use trailhound::index::activity::{self, ActivityReport};
use trailhound::index::{SortOrder, TrailIndex};
use trailhound::ingest::{ingest_with, IngestObserver, IngestOptions};
use trailhound::tui::state::{Mode, PaneId, PromptKind, TimeWindow};
use trailhound::tui::update::Msg;
use trailhound::tui::worker::{Reply, SearchResult};
use trailhound::tui::{App, Options};

struct Quiet;
impl IngestObserver for Quiet {}

const DEMO_EVENTS: u64 = 3000;
const SETTLE: Duration = Duration::from_secs(30);

fn demo_index() -> TrailIndex {
    static DEMO: OnceLock<(TempDir, TrailIndex)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let work = tempfile::tempdir().expect("temp dir");
        let archive = work.path().join("archive");
        trailhound::cli::demo::extract_demo_archive(&archive).expect("demo archive");
        let index = TrailIndex::open_or_create(&work.path().join("index")).expect("index");
        let detector = trailhound::cli::rules::configured_detector(&[]).expect("rules");
        let options = IngestOptions {
            commit_every: None,
            detector: Some(std::sync::Arc::new(detector)),
            ..IngestOptions::default()
        };
        ingest_with(&index, &[archive.join("AWSLogs")], &options, &mut Quiet).expect("ingest");
        (work, index)
    })
    .1
    .clone()
}

fn open_with(options: &Options, size: (u16, u16)) -> App {
    let mut app = App::new(demo_index(), options, size).expect("app");
    assert!(app.settle(SETTLE), "the first search never finished");
    app
}

fn open(size: (u16, u16)) -> App {
    open_with(&Options::builtin(), size)
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    KeyEvent::new(KeyCode::Char(c), modifiers)
}

fn with(modifiers: KeyModifiers, c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), modifiers)
}

fn press(app: &mut App, keys: &[KeyEvent]) {
    for key in keys {
        app.press(*key);
    }
    assert!(app.settle(SETTLE), "the worker did not answer");
}

fn focus(app: &mut App, pane: PaneId) {
    for _ in 0..4 {
        if app.state.focus == pane {
            return;
        }
        press(app, &[key(KeyCode::Tab)]);
    }
    assert_eq!(app.state.focus, pane);
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.press(ch(c));
    }
}

fn screen(app: &App) -> String {
    let (width, height) = app.state.size;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|frame| app.draw(frame)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..height {
        for x in 0..width {
            text.push_str(buffer[(x, y)].symbol());
        }
        text.push('\n');
    }
    text
}

/// A copy of the demo index for tests that write beside it (acknowledgements).
fn demo_index_copy() -> (TempDir, TrailIndex) {
    let copy = tempfile::tempdir().expect("temp dir");
    let from = demo_index();
    for entry in std::fs::read_dir(from.dir()).expect("index dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copy");
        }
    }
    let index = TrailIndex::open(copy.path()).expect("open the copy");
    (copy, index)
}

/// Pumps the app's replies until `done` holds (the worker's unasked notices included).
fn wait_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + SETTLE;
    while !done(app) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}:\n{}",
            screen(app)
        );
        app.settle(SETTLE);
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Focuses the alerts pane and selects the first alert of `rule_id`.
fn select_alert(app: &mut App, rule_id: &str) {
    if app.state.focus != PaneId::Alerts {
        press(app, &[key(KeyCode::BackTab)]);
    }
    assert_eq!(app.state.focus, PaneId::Alerts);
    let alerts = &app.state.alerts;
    let row = alerts
        .shown
        .iter()
        .position(|i| alerts.alerts[*i].rule_id == rule_id)
        .unwrap_or_else(|| panic!("no {rule_id} alert"));
    press(app, &[key(KeyCode::Home)]);
    for _ in 0..row {
        app.press(key(KeyCode::Down));
    }
    assert_eq!(
        app.state.alerts.selected().expect("selected").rule_id,
        rule_id
    );
}

fn matched(app: &App) -> u64 {
    app.state.events.matched.expect("a search has answered")
}

fn query(app: &App) -> String {
    app.state.current_view().query
}

#[test]
fn opens_on_every_event_with_the_four_panes_and_counts() {
    let app = open((160, 48));
    assert_eq!(matched(&app), DEMO_EVENTS);
    let text = screen(&app);
    for word in [
        "Alerts",
        "Events 3,000 of 3,000",
        "Detail",
        "Timeline",
        "3,000 events",
        "NET-02 aws-support-ops ×1 by sg-48970dfc8e55fae51 AWS administrat",
    ] {
        assert!(text.contains(word), "`{word}` missing from:\n{text}");
    }
    assert!(
        app.state.detail.lines.len() > 5,
        "the newest event's JSON is shown"
    );
    assert!(
        app.state.timeline.timeline.is_some(),
        "the newest event's principal has a timeline"
    );
    assert_eq!(app.state.history.entries.len(), 1);
}

#[test]
fn small_terminals_keep_all_four_panes_reachable() {
    let mut app = open((80, 24));
    let text = screen(&app);
    for word in ["Alerts", "Events 3,000 of 3,000", "Detail", "Timeline"] {
        assert!(text.contains(word), "`{word}` missing at 80x24:\n{text}");
    }
    assert!(
        app.state.events.cursor.height >= 10,
        "the focused pane gets the room"
    );
    press(&mut app, &[key(KeyCode::Tab)]);
    assert_eq!(app.state.focus, PaneId::Detail);
    assert!(app.state.detail.cursor.height >= 10);
    press(
        &mut app,
        &[KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)],
    );
    assert_eq!(app.state.focus, PaneId::Events);
    press(&mut app, &[ch('z')]);
    assert!(app.state.zoomed);
    let text = screen(&app);
    assert!(
        text.contains("Events 3,000 of 3,000") && !text.contains("Alerts"),
        "{text}"
    );
    press(&mut app, &[key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(app.state.focus, PaneId::Timeline);
    assert!(screen(&app).contains("Timeline"));
    press(&mut app, &[ch('z')]);
    assert!(!app.state.zoomed);
}

#[test]
fn resizing_relayouts_and_loads_the_rows_now_visible() {
    let mut app = open((80, 24));
    let small = app.state.events.cursor.height;
    app.handle(Msg::Resize(200, 70));
    assert!(app.settle(SETTLE));
    assert!(app.state.events.cursor.height > small);
    let text = screen(&app);
    assert!(text.contains("Events 3,000 of 3,000"), "{text}");
    let visible_rows = app.state.events.cursor.height;
    assert!(
        (0..visible_rows).all(|i| app.state.events.row(i).is_some()),
        "every visible row is loaded"
    );
}

#[test]
fn the_query_editor_applies_cancels_and_remembers() {
    let mut app = open((120, 40));
    press(&mut app, &[ch('/')]);
    assert_eq!(app.state.mode, Mode::Prompt(PromptKind::Query));
    type_text(&mut app, "eventName:StopLogging OR eventName:DeleteTrail");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(app.state.mode, Mode::Normal);
    assert_eq!(matched(&app), 2);
    assert!(screen(&app).contains("Events 2 of 3,000"));
    assert_eq!(
        app.state
            .events
            .selected_row()
            .map(|r| r.summary.event_name.as_str()),
        Some("DeleteTrail")
    );

    // Prefilled with the current query; Ctrl-U clears; Esc cancels and keeps everything.
    press(&mut app, &[ch('/')]);
    assert_eq!(
        app.state.prompt.as_ref().map(|p| p.editor.text.clone()),
        Some(query(&app))
    );
    press(&mut app, &[with(KeyModifiers::CONTROL, 'u')]);
    assert_eq!(
        app.state.prompt.as_ref().map(|p| p.editor.text.as_str()),
        Some("")
    );
    type_text(&mut app, "user:nobody");
    press(&mut app, &[key(KeyCode::Esc)]);
    assert_eq!(app.state.mode, Mode::Normal);
    assert_eq!(matched(&app), 2);

    // Ctrl-A / Ctrl-E move to the ends; Up brings back the last query.
    press(
        &mut app,
        &[ch('/'), with(KeyModifiers::CONTROL, 'u'), key(KeyCode::Up)],
    );
    let editor = &app.state.prompt.as_ref().expect("prompt").editor;
    assert_eq!(
        editor.text,
        "eventName:StopLogging OR eventName:DeleteTrail"
    );
    press(&mut app, &[with(KeyModifiers::CONTROL, 'a'), ch('(')]);
    press(&mut app, &[with(KeyModifiers::CONTROL, 'e'), ch(')')]);
    let editor = &app.state.prompt.as_ref().expect("prompt").editor;
    assert_eq!(
        editor.text,
        "(eventName:StopLogging OR eventName:DeleteTrail)"
    );
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(matched(&app), 2);
}

#[test]
fn a_bad_query_shows_its_error_and_keeps_the_old_results() {
    let mut app = open((120, 40));
    let before_rows = app.state.events.rows.len();
    press(&mut app, &[ch('/')]);
    type_text(&mut app, "eventName:(StopLogging");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(matched(&app), DEMO_EVENTS, "the old results stay");
    assert_eq!(app.state.events.rows.len(), before_rows);
    assert_eq!(
        app.state.mode,
        Mode::Prompt(PromptKind::Query),
        "the editor reopens to fix it"
    );
    let error = app.state.query_error.clone().expect("an error");
    let text = screen(&app);
    assert!(text.contains("eventName:(StopLogging"), "{text}");
    assert!(
        text.contains(&format!("✗ {}", error.chars().take(20).collect::<String>())),
        "{text}"
    );
    assert_eq!(
        app.state.history.entries.len(),
        1,
        "a rejected query is not a step"
    );
    press(&mut app, &[key(KeyCode::Esc)]);
    assert!(app.state.query_error.is_none());
}

#[test]
fn pivots_replace_narrow_exclude_and_history_goes_back_and_forward() {
    let mut app = open((160, 48));
    let first = app
        .state
        .events
        .selected_row()
        .expect("a row")
        .summary
        .clone();

    press(&mut app, &[ch('u')]);
    let by_user = matched(&app);
    assert_eq!(query(&app), format!("user:\"{}\"", first.principal.id));
    assert!(by_user > 0 && by_user < DEMO_EVENTS);
    assert!(screen(&app).contains(&format!("user={}", first.principal.short_name())));

    let region = app
        .state
        .events
        .selected_row()
        .expect("a row")
        .summary
        .region
        .clone();
    press(&mut app, &[ch('R')]);
    let narrowed = matched(&app);
    assert_eq!(
        query(&app),
        format!("(user:\"{}\") AND region:\"{region}\"", first.principal.id)
    );
    assert!(narrowed <= by_user);

    press(&mut app, &[ch('b')]);
    assert_eq!(matched(&app), by_user);
    press(&mut app, &[with(KeyModifiers::ALT, 'r')]);
    let excluded = matched(&app);
    assert_eq!(
        narrowed + excluded,
        by_user,
        "narrow and exclude split the set"
    );
    assert_eq!(
        app.state.history.entries.len(),
        3,
        "a new step after going back drops the forward ones"
    );

    press(
        &mut app,
        &[key(KeyCode::Backspace), key(KeyCode::Backspace)],
    );
    assert_eq!(matched(&app), DEMO_EVENTS);
    assert_eq!(app.state.history.current, 0);
    assert!(screen(&app).contains("(2 ahead)"));
    press(&mut app, &[ch('f')]);
    assert_eq!(matched(&app), by_user);
    assert_eq!(app.state.history.current, 1);
}

#[test]
fn each_pivot_key_filters_on_its_field() {
    let mut app = open((160, 48));
    // The newest event with an access key and a session, so that every pivot has a value.
    press(&mut app, &[ch('/')]);
    type_text(&mut app, "_exists_:userIdentity.accessKeyId");
    press(&mut app, &[key(KeyCode::Enter)]);
    let row = app.state.events.selected_row().expect("a row").clone();
    let cases = [
        ('i', format!("ip:\"{}\"", row.summary.source_ip)),
        ('r', format!("region:\"{}\"", row.summary.region)),
        ('k', format!("key:\"{}\"", row.access_key)),
        ('e', format!("event:\"{}\"", row.summary.event_name)),
        (
            's',
            format!(
                "session:\"{}\"",
                row.summary.principal.session.clone().unwrap_or_default()
            ),
        ),
    ];
    for (c, expected) in cases {
        press(&mut app, &[ch(c)]);
        assert_eq!(query(&app), expected, "pivot key {c}");
        assert!(
            matched(&app) > 0,
            "pivot {expected} finds the event it came from"
        );
        press(&mut app, &[ch('b')]);
    }
}

#[test]
fn the_event_list_is_virtualised_and_sorts_both_ways() {
    let mut app = open((120, 40));
    let height = app.state.events.cursor.height;
    assert!(
        app.state.events.rows.len() < 200,
        "only a page is loaded, not all 3,000"
    );
    press(&mut app, &[key(KeyCode::End)]);
    let events = &app.state.events;
    assert_eq!(events.cursor.selected, DEMO_EVENTS as usize - 1);
    assert!(
        events.window_offset > 2000 && events.rows.len() < 300,
        "a window at the end was fetched"
    );
    let oldest = events.selected_row().expect("last row loaded").summary.time;
    press(
        &mut app,
        &[
            key(KeyCode::Home),
            key(KeyCode::PageDown),
            key(KeyCode::PageDown),
        ],
    );
    assert_eq!(app.state.events.cursor.selected, 2 * height);
    assert!(app.state.events.selected_row().is_some());

    press(&mut app, &[ch('o')]);
    assert_eq!(app.state.current_view().order, SortOrder::OldestFirst);
    assert_eq!(
        app.state.events.selected_row().expect("row").summary.time,
        oldest
    );
    assert!(screen(&app).contains("oldest first"));
}

#[test]
fn time_window_keys_narrow_and_widen_with_a_histogram() {
    let mut app = open((120, 40));
    assert!(app
        .state
        .events
        .histogram
        .as_ref()
        .is_some_and(|h| h.counts.iter().sum::<u64>() == DEMO_EVENTS));
    press(&mut app, &[ch('t')]);
    assert_eq!(
        app.state.current_view().window,
        TimeWindow::Last(chrono::Duration::hours(1))
    );
    let last_hour = matched(&app);
    assert!(last_hour < DEMO_EVENTS);
    assert!(screen(&app).contains("last 1h"));
    press(&mut app, &[ch('t')]);
    assert!(matched(&app) >= last_hour);
    press(&mut app, &[ch('w')]);
    assert!(matches!(
        app.state.current_view().window,
        TimeWindow::Around(..)
    ));
    assert!(matched(&app) >= 1);
    press(&mut app, &[ch('W')]);
    assert_eq!(matched(&app), DEMO_EVENTS);

    // Cycling windows is one step on the trail: one back returns to the query unwindowed.
    let steps = app.state.history.entries.len();
    for c in ['u', 't', 't', 't'] {
        press(&mut app, &[ch(c)]);
    }
    let labels: Vec<String> = app
        .state
        .history
        .entries
        .iter()
        .map(|e| e.label.clone())
        .collect();
    assert_eq!(
        app.state.history.entries.len(),
        steps + 2,
        "the pivot and one window: {labels:?}"
    );
    assert_eq!(
        app.state.current_view().window,
        TimeWindow::Last(chrono::Duration::hours(24))
    );
    press(&mut app, &[ch('b')]);
    assert_eq!(app.state.current_view().window, TimeWindow::All);
    assert!(app.state.current_view().query.starts_with("user:"));
}

#[test]
fn detail_pivots_finds_and_copies_the_field_under_the_cursor() {
    let mut app = open((160, 48));
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(app.state.focus, PaneId::Detail);
    press(&mut app, &[with(KeyModifiers::CONTROL, 'f')]);
    type_text(&mut app, "eventSource");
    press(&mut app, &[key(KeyCode::Enter)]);
    let line = app.state.detail.current_line().cloned().expect("a line");
    assert_eq!(line.path, "eventSource");
    let source = line.value.clone().expect("a value");

    press(&mut app, &[ch('y'), ch('Y')]);
    assert_eq!(
        app.clipboard,
        vec![source.clone(), "eventSource".to_owned()]
    );
    press(&mut app, &[with(KeyModifiers::CONTROL, 'y')]);
    assert!(app.clipboard[2].starts_with("{\n"));

    press(&mut app, &[ch('p')]);
    assert_eq!(query(&app), format!("eventSource:\"{source}\""));
    assert!(matched(&app) > 0 && matched(&app) < DEMO_EVENTS);
}

#[test]
fn detail_folds_objects_and_find_unfolds_what_it_lands_in() {
    let mut app = open((160, 48));
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(app.state.focus, PaneId::Detail);
    let all = app.state.detail.visible.len();
    press(&mut app, &[with(KeyModifiers::CONTROL, 'f')]);
    type_text(&mut app, "\"userIdentity\"");
    press(&mut app, &[key(KeyCode::Enter)]);
    let at = app.state.detail.current().expect("on userIdentity");
    assert_eq!(app.state.detail.lines[at].path, "userIdentity");

    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app.state.detail.folded.contains(&at));
    assert!(app.state.detail.visible.len() < all);
    let text = screen(&app);
    let row = text
        .lines()
        .find(|l| l.contains("\"userIdentity\": {"))
        .expect("the folded line");
    assert!(row.contains(" fields },"), "{row}");

    // Space on a member folds the object it is in; find unfolds to show its match.
    press(
        &mut app,
        &[key(KeyCode::Enter), key(KeyCode::Down), ch(' ')],
    );
    assert!(app.state.detail.folded.contains(&at));
    assert_eq!(app.state.detail.current(), Some(at));
    press(
        &mut app,
        &[
            with(KeyModifiers::CONTROL, 'f'),
            with(KeyModifiers::CONTROL, 'u'),
        ],
    );
    type_text(&mut app, "\"type\"");
    press(&mut app, &[key(KeyCode::Enter)]);
    let line = app.state.detail.current_line().cloned().expect("a line");
    assert_eq!(line.path, "userIdentity.type");
    assert!(!app.state.detail.folded.contains(&at));

    press(&mut app, &[ch('-')]);
    assert!(app.state.detail.folded.contains(&at));
    assert_eq!(
        app.state.detail.current_line().map(|l| l.path.as_str()),
        Some("userIdentity"),
        "the cursor stays on what holds its line"
    );
    press(&mut app, &[ch('=')]);
    assert!(app.state.detail.folded.is_empty());
    assert_eq!(app.state.detail.visible.len(), all);

    // What is folded stays folded on the next event.
    press(
        &mut app,
        &[
            with(KeyModifiers::CONTROL, 'f'),
            with(KeyModifiers::CONTROL, 'u'),
        ],
    );
    type_text(&mut app, "\"userIdentity\"");
    press(&mut app, &[key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert!(app.state.detail.folded.contains(&at));
    focus(&mut app, PaneId::Events);
    press(&mut app, &[key(KeyCode::Down)]);
    let detail = &app.state.detail;
    let user_identity = detail
        .lines
        .iter()
        .position(|l| l.path == "userIdentity" && l.depth == 1)
        .expect("the next event has a userIdentity");
    assert!(
        detail.folded.contains(&user_identity),
        "{:?}",
        detail.folded
    );
}

#[test]
fn the_status_line_says_the_newest_thing_and_a_hint_lasts_one_key() {
    let mut app = open((160, 48));
    focus(&mut app, PaneId::Detail);
    app.state.status.fail("ingest: /tmp/bad.json: not found");
    press(&mut app, &[key(KeyCode::Down)]);
    assert!(
        screen(&app).contains("last error: ingest"),
        "an error outlives keys"
    );
    press(&mut app, &[ch('y')]);
    assert!(
        screen(&app).contains("copied the value"),
        "{}",
        screen(&app)
    );
    assert_eq!(app.state.status.last_error, None);
    press(&mut app, &[key(KeyCode::Down)]);
    assert_eq!(app.state.status.message, None, "a hint lasts one key");
}

#[test]
fn a_pivot_keeps_the_selection_on_the_event_it_was_made_from() {
    let mut app = open((160, 48));
    focus(&mut app, PaneId::Events);
    press(&mut app, &[key(KeyCode::Down); 7]);
    let selected = |app: &App| {
        app.state
            .events
            .selected_row()
            .map(|row| row.summary.event_id.clone())
    };
    let before = selected(&app).expect("a row");
    press(&mut app, &[ch('r')]);
    assert!(matched(&app) < DEMO_EVENTS);
    assert_eq!(selected(&app), Some(before.clone()), "after r");
    press(&mut app, &[ch('U')]);
    assert_eq!(selected(&app), Some(before), "after U");
}

#[test]
fn pivoting_on_a_null_field_lists_the_events_without_a_value_there() {
    let mut app = open((160, 48));
    press(&mut app, &[ch('/'), with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, "eventID:\"d7c870b4-f6c9-4d1e-a70d-c28c899f2415\"");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(matched(&app), 1);
    focus(&mut app, PaneId::Detail);
    press(&mut app, &[with(KeyModifiers::CONTROL, 'f')]);
    type_text(&mut app, "\"requestParameters\": null");
    press(&mut app, &[key(KeyCode::Enter), ch('p')]);
    assert_eq!(query(&app), "(* AND NOT _exists_:requestParameters)");
    let index = demo_index();
    let searcher = index.searcher().expect("searcher");
    let expected = index
        .prepare_query("_exists_:requestParameters", Default::default())
        .and_then(|q| index.count(&searcher, q.query.as_ref()))
        .expect("count") as u64;
    assert!(matched(&app) > 0);
    assert_eq!(matched(&app), DEMO_EVENTS - expected);
}

#[test]
fn zooming_keeps_each_panes_scroll_where_it_makes_sense() {
    let mut app = open((120, 40));
    focus(&mut app, PaneId::Alerts);
    press(&mut app, &[key(KeyCode::Down); 6]);
    assert_eq!(app.state.alerts.cursor.scroll, 0);
    focus(&mut app, PaneId::Events);
    press(&mut app, &[ch('z'), ch('z')]);
    assert_eq!(
        app.state.alerts.cursor.scroll, 0,
        "folding the alerts while another pane is zoomed does not scroll them"
    );

    focus(&mut app, PaneId::Timeline);
    press(&mut app, &[key(KeyCode::PageDown); 3]);
    assert!(app.state.timeline.cursor.scroll > 0);
    press(&mut app, &[ch('z')]);
    let lines = trailhound::tui::panes::timeline::line_count(
        app.state.timeline.timeline.as_ref().expect("timeline"),
    );
    let cursor = app.state.timeline.cursor;
    assert!(
        cursor.scroll <= lines.saturating_sub(cursor.height),
        "no blank space below the last line when zoomed: {cursor:?} of {lines}"
    );
}

#[test]
fn a_copy_also_goes_to_the_local_clipboard_tool_when_there_is_one() {
    let dir = tempfile::tempdir().expect("dir");
    let out = dir.path().join("copied");
    let mut options = Options::builtin();
    options.clipboard_tool = Some(trailhound::tui::clipboard::ClipboardTool {
        name: "a test file".into(),
        program: "sh".into(),
        args: vec!["-c".into(), format!("cat > '{}'", out.display())],
    });
    let mut app = open_with(&options, (160, 48));
    focus(&mut app, PaneId::Detail);
    press(&mut app, &[key(KeyCode::Down), ch('y')]);
    let value = app.clipboard.last().cloned().expect("an OSC 52 copy");
    assert_eq!(std::fs::read_to_string(&out).expect("copied"), value);
    let text = screen(&app);
    assert!(text.contains("with OSC 52 and a test file"), "{text}");

    options.clipboard_tool = Some(trailhound::tui::clipboard::ClipboardTool {
        name: "a broken tool".into(),
        program: "sh".into(),
        args: vec!["-c".into(), "exit 1".into()],
    });
    let mut app = open_with(&options, (160, 48));
    focus(&mut app, PaneId::Detail);
    press(&mut app, &[key(KeyCode::Down), ch('y')]);
    assert_eq!(app.clipboard.len(), 1, "OSC 52 still goes out");
    let error = app.state.status.last_error.clone().unwrap_or_default();
    assert!(error.starts_with("copy to a broken tool failed"), "{error}");
}

#[test]
fn help_lists_bindings_from_the_keymap_and_quit_quits() {
    let mut app = open((120, 40));
    press(&mut app, &[ch('?')]);
    assert_eq!(app.state.mode, Mode::Help);
    let text = screen(&app);
    assert!(
        text.contains("Show only the selected event's principal"),
        "{text}"
    );
    press(&mut app, &[ch('q')]);
    assert_eq!(app.state.mode, Mode::Normal);
    assert!(!app.state.should_quit);
    press(&mut app, &[ch('q')]);
    assert!(app.state.should_quit);
    let mut app = open((120, 40));
    press(&mut app, &[ch('/'), with(KeyModifiers::CONTROL, 'c')]);
    assert!(
        app.state.should_quit,
        "ctrl-c quits from the query line too"
    );
}

#[test]
fn stale_replies_are_dropped() {
    let mut app = open((120, 40));
    let stale = Reply::Searched {
        id: 1,
        result: Ok(SearchResult {
            matched: 7,
            total: 7,
            histogram: None,
            offset: 0,
            rows: Vec::new(),
            selected: None,
            warnings: Vec::new(),
        }),
    };
    app.handle(Msg::Reply(Box::new(stale)));
    assert_eq!(matched(&app), DEMO_EVENTS);
    // Two queries typed quickly: only the second one's results land.
    press(&mut app, &[ch('/')]);
    type_text(&mut app, "eventName:StopLogging");
    app.press(key(KeyCode::Enter));
    app.press(ch('/'));
    app.press(with(KeyModifiers::CONTROL, 'u'));
    type_text(&mut app, "eventName:DeleteTrail");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(query(&app), "eventName:DeleteTrail");
    assert_eq!(matched(&app), 1);
}

#[test]
fn enter_on_an_alert_lists_exactly_its_events_and_opens_its_principals_timeline() {
    let mut app = open((160, 48));
    let alerts = &app.state.alerts;
    let order: Vec<_> = alerts
        .shown
        .iter()
        .map(|i| (alerts.alerts[*i].severity, alerts.alerts[*i].last))
        .collect();
    assert!(
        order
            .windows(2)
            .all(|w| w[0].0 > w[1].0 || (w[0].0 == w[1].0 && w[0].1 >= w[1].1)),
        "most severe, then newest first: {order:?}"
    );

    select_alert(&mut app, "LOG-01");
    let alert = app.state.alerts.selected().cloned().expect("alert");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(matched(&app), alert.event_ids.len() as u64);
    assert_eq!(matched(&app), 2, "StopLogging and DeleteTrail");
    let mut shown: Vec<String> = (0..2)
        .map(|i| {
            app.state
                .events
                .row(i)
                .expect("row")
                .summary
                .event_id
                .clone()
        })
        .collect();
    let mut cited = alert.event_ids.clone();
    shown.sort();
    cited.sort();
    assert_eq!(shown, cited, "exactly the alert's events");
    assert_eq!(app.state.focus, PaneId::Events);
    assert_eq!(
        app.state.timeline.principal.as_deref(),
        Some(alert.principal.as_str())
    );
    assert!(app.state.timeline.timeline.is_some());
    let text = screen(&app);
    assert!(text.contains("all events › alert LOG-01"), "{text}");
    assert!(text.contains("Events 2 of 3,000"), "{text}");

    // A pivot from there narrows the alert's events; back returns to them, then to everything.
    press(&mut app, &[key(KeyCode::Tab), key(KeyCode::Tab), ch('E')]);
    assert!(query(&app).starts_with("(eventID:("), "{}", query(&app));
    assert_eq!(matched(&app), 1);
    press(&mut app, &[ch('b')]);
    assert_eq!(matched(&app), 2);
    press(&mut app, &[ch('b')]);
    assert_eq!(matched(&app), DEMO_EVENTS);
}

#[test]
fn alerts_are_acknowledged_for_the_cli_too_and_can_be_hidden() {
    let (_copy, index) = demo_index_copy();
    let dir = index.dir().to_owned();
    let mut app = App::new(index, &Options::builtin(), (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    let total = app.state.alerts.alerts.len();
    select_alert(&mut app, "LOG-01");
    let key_of_log01 = app.state.alerts.selected().expect("alert").key.clone();
    let acknowledged_on_disk = |dir: &Path| -> Vec<String> {
        AlertSet::load(dir)
            .expect("alerts")
            .listed()
            .expect("listed")
            .into_iter()
            .filter(|a| a.acknowledged)
            .map(|a| a.key)
            .collect()
    };

    press(&mut app, &[ch('a')]);
    assert!(app.state.alerts.selected().expect("alert").acknowledged);
    assert_eq!(
        acknowledged_on_disk(&dir),
        std::slice::from_ref(&key_of_log01)
    );
    assert!(screen(&app).contains("1 acknowledged shown"));

    press(&mut app, &[ch('A')]);
    assert_eq!(app.state.alerts.shown.len(), total - 1);
    let text = screen(&app);
    assert!(text.contains("1 acknowledged hidden"), "{text}");
    assert!(
        !text.contains("LOG-01 AWS CloudTrail logging stopped"),
        "{text}"
    );

    press(&mut app, &[ch('A')]);
    assert_eq!(app.state.alerts.shown.len(), total);
    select_alert(&mut app, "LOG-01");
    assert_eq!(
        app.state.alerts.selected().expect("alert").key,
        key_of_log01
    );
    press(&mut app, &[ch('a')]);
    assert!(!app.state.alerts.selected().expect("alert").acknowledged);
    assert!(acknowledged_on_disk(&dir).is_empty());
}

#[test]
fn a_broken_user_keymap_is_reported_and_the_defaults_work() {
    let config = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(config.path().join("keymaps")).expect("dir");
    std::fs::write(
        config.path().join("keymaps/default.toml"),
        "[global]\n\"q\" = \"quit\"\n\"x\" = \"pivot_usr\"\n",
    )
    .expect("write");
    let mut options = Options::builtin();
    options.config_dir = Some(config.path().to_owned());
    let mut app = open_with(&options, (200, 40));
    let text = screen(&app);
    assert!(
        text.contains("default.toml:3: key `x`: unknown action `pivot_usr`"),
        "{text}"
    );
    press(&mut app, &[ch('u')]);
    assert!(
        query(&app).starts_with("user:"),
        "the default keymap is in force"
    );
}

#[test]
fn a_user_keymap_overrides_the_default() {
    let config = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(config.path().join("keymaps")).expect("dir");
    std::fs::write(
        config.path().join("keymaps/mine.toml"),
        "inherits = \"vim\"\n[global]\n\"x\" = \"pivot_user\"\n",
    )
    .expect("write");
    let mut options = Options::builtin();
    options.config_dir = Some(config.path().to_owned());
    options.keymap = "mine".into();
    let mut app = open_with(&options, (120, 40));
    assert!(app.state.status.config_errors.is_empty());
    press(&mut app, &[ch('j'), ch('j')]);
    assert_eq!(app.state.events.cursor.selected, 2, "vim's j moves down");
    press(&mut app, &[ch('x')]);
    assert!(query(&app).starts_with("user:"));
}

/// One CloudTrail record as a JSON line.
fn record_line(id: &str, time: &str, event_name: &str, user: &str) -> String {
    serde_json::json!({
        "eventVersion": "1.10",
        "eventTime": time,
        "eventSource": "cloudtrail.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.10",
        "userAgent": "aws-cli/2.15.0",
        "userIdentity": {
            "type": "IAMUser",
            "arn": format!("arn:aws:iam::111122223333:user/{user}"),
            "accountId": "111122223333",
            "accessKeyId": "AKIAEXAMPLE000000001",
            "userName": user
        },
        "eventID": id,
        "recipientAccountId": "111122223333"
    })
    .to_string()
}

/// Ingests `lines` into `index` as one file, with the rule pack, the way `trailhound ingest` does.
fn ingest_lines(index: &TrailIndex, dir: &Path, name: &str, lines: &[String]) {
    let file = dir.join(name);
    std::fs::write(&file, lines.join("\n")).expect("write");
    let detector = trailhound::cli::rules::configured_detector(&[]).expect("rules");
    let options = IngestOptions {
        commit_every: None,
        detector: Some(std::sync::Arc::new(detector)),
        ..IngestOptions::default()
    };
    ingest_with(index, &[file], &options, &mut Quiet).expect("ingest");
}

#[test]
fn new_commits_show_up_live_with_the_selection_kept_on_its_event() {
    let work = tempfile::tempdir().expect("dir");
    let index = TrailIndex::open_or_create(&work.path().join("index")).expect("index");
    let first: Vec<String> = (0..5)
        .map(|i| {
            record_line(
                &format!("old-{i}"),
                &format!("2026-11-01T08:0{i}:00Z"),
                "DescribeTrails",
                "alice",
            )
        })
        .collect();
    ingest_lines(&index, work.path(), "first.jsonl", &first);
    let mut options = Options::builtin();
    options.poll = Duration::from_millis(50);
    let mut app = App::new(index.clone(), &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    assert_eq!(matched(&app), 5);
    assert!(app.state.alerts.alerts.is_empty());
    press(&mut app, &[key(KeyCode::Down), key(KeyCode::Down)]);
    let selected = app
        .state
        .events
        .selected_row()
        .expect("row")
        .summary
        .event_id
        .clone();
    assert_eq!(selected, "old-2", "newest first: old-4, old-3, old-2");

    // Another writer commits three newer events, one of which raises an alert.
    let second = vec![
        record_line("new-0", "2026-11-01T09:00:00Z", "DescribeTrails", "bob"),
        record_line("new-1", "2026-11-01T09:01:00Z", "StopLogging", "bob"),
        record_line("new-2", "2026-11-01T09:02:00Z", "DescribeTrails", "bob"),
    ];
    ingest_lines(&index, work.path(), "second.jsonl", &second);
    wait_until(&mut app, "the new events", |app| {
        app.state.events.matched == Some(8) && app.state.status.index_events == Some(8)
    });
    assert_eq!(
        app.state
            .events
            .selected_row()
            .expect("row")
            .summary
            .event_id,
        "old-2",
        "the selection stays on the same event"
    );
    assert_eq!(app.state.events.cursor.selected, 5);
    assert_eq!(
        app.state.history.entries.len(),
        1,
        "a refresh is not a step"
    );
    wait_until(&mut app, "the new alert", |app| {
        app.state
            .alerts
            .alerts
            .iter()
            .any(|a| a.rule_id == "LOG-01")
    });
    let text = screen(&app);
    assert!(text.contains("Events 8 of 8"), "{text}");
    assert!(text.contains("8 events"), "{text}");
    assert!(
        text.contains("2026-11-01 08:00 → 2026-11-01 09:02"),
        "{text}"
    );
}

#[test]
fn a_writers_live_activity_shows_in_the_status_line() {
    let (_copy, index) = demo_index_copy();
    let dir = index.dir().to_owned();
    let mut options = Options::builtin();
    options.poll = Duration::from_millis(50);
    let mut app = App::new(index, &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    assert_eq!(app.state.status.activity, None);
    let mut report = ActivityReport::new("ingest");
    report.summary = "ingest: 41% 120/290 files, 1.2M events, 24k ev/s".into();
    activity::publish(&dir, &report).expect("publish");
    wait_until(&mut app, "the activity", |app| {
        app.state.status.activity.is_some()
    });
    let text = screen(&app);
    assert!(
        text.contains("ingest: 41% 120/290 files, 1.2M events, 24k ev/s"),
        "{text}"
    );

    // J shows each part; the parts change live under it; J closes it.
    report.kind = "pull".into();
    report.details = vec![
        "us-east-1: 8,200 events, 3 chains".into(),
        "eu-west-1: retrying (ThrottlingException\u{1b}]0;x\u{7})".into(),
    ];
    activity::publish(&dir, &report).expect("publish");
    wait_until(&mut app, "the parts", |app| {
        app.state
            .status
            .activity
            .as_ref()
            .is_some_and(|a| a.details.len() == 2)
    });
    press(&mut app, &[ch('J')]);
    assert_eq!(app.state.mode, Mode::Activity);
    let text = screen(&app);
    assert!(text.contains("Background work"), "{text}");
    assert!(text.contains("us-east-1: 8,200 events, 3 chains"), "{text}");
    assert!(
        text.contains("ThrottlingException\\u{1b}]0;x\\u{7}"),
        "{text}"
    );
    press(&mut app, &[ch('J')]);
    assert_eq!(app.state.mode, Mode::Normal);
    report.finished = true;
    activity::publish(&dir, &report).expect("publish");
    wait_until(&mut app, "the activity to end", |app| {
        app.state.status.activity.is_none()
    });
}

#[test]
fn the_timeline_follows_the_time_window_and_a_picked_bucket_narrows_the_list() {
    let mut app = open((160, 48));
    let everything = app.state.timeline.timeline.clone().expect("timeline");
    press(&mut app, &[ch('t')]);
    let view = app.state.current_view();
    assert!(matches!(view.window, TimeWindow::Last(_)));
    assert_eq!(
        app.state.timeline.time, view.time,
        "the timeline reads the window"
    );
    let windowed = app.state.timeline.timeline.clone().expect("timeline");
    assert_eq!(windowed.principal, everything.principal);
    assert!(windowed.events <= everything.events);
    let activity = windowed.activity.as_ref().expect("activity");
    assert_eq!(Some(activity.start), view.time.since);
    assert!(screen(&app).contains("Timeline · "), "title");
    press(&mut app, &[ch('W')]);

    // On the timeline: pick the busiest stretch of the activity line, then narrow to it.
    press(&mut app, &[key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(app.state.focus, PaneId::Timeline);
    let columns = app.state.timeline.columns;
    assert!(columns > 10, "{columns}");
    press(&mut app, &[key(KeyCode::Right)]);
    let first_pick = app.state.timeline.bucket.expect("a first pick");
    let histogram = app
        .state
        .timeline
        .timeline
        .as_ref()
        .and_then(|t| t.activity.clone())
        .expect("activity");
    let busiest = (0..columns)
        .max_by_key(|c| {
            let (since, until) = histogram.column_span(*c, columns).expect("span");
            let n = histogram.counts.len() as i64;
            let seconds = (histogram.end - histogram.start).num_seconds() + 1;
            histogram
                .counts
                .iter()
                .enumerate()
                .filter(|(b, _)| {
                    let at = histogram.start
                        + chrono::Duration::seconds((*b as i64 * seconds + n - 1) / n);
                    at >= since && at <= until
                })
                .map(|(_, count)| *count)
                .sum::<u64>()
        })
        .expect("a column");
    assert!(
        histogram.column_count(first_pick, columns) > 0,
        "the first pick is a stretch the principal was active in"
    );
    let step = if busiest >= first_pick {
        KeyCode::Right
    } else {
        KeyCode::Left
    };
    for _ in 0..busiest.abs_diff(first_pick) {
        app.press(key(step));
    }
    assert_eq!(app.state.timeline.bucket, Some(busiest));
    let text = screen(&app);
    assert!(text.contains("picked"), "{text}");
    assert!(text.contains("enter narrows"), "{text}");
    let (since, until) = histogram.column_span(busiest, columns).expect("span");
    press(&mut app, &[key(KeyCode::Enter)]);
    let view = app.state.current_view();
    assert_eq!(view.window, TimeWindow::Between(since, until));
    assert!(
        matched(&app) > 0 && matched(&app) < DEMO_EVENTS,
        "{}",
        matched(&app)
    );
    for i in 0..matched(&app).min(20) as usize {
        let time = app
            .state
            .events
            .row(i)
            .expect("row")
            .summary
            .time
            .expect("time");
        assert!(
            time >= since && time <= until,
            "{time} outside {since}..{until}"
        );
    }
    press(&mut app, &[ch('b')]);
    assert_eq!(matched(&app), DEMO_EVENTS);
}

#[test]
fn the_pull_dialog_starts_from_the_last_options_and_reports_a_failed_pull() {
    let (_copy, index) = demo_index_copy();
    let mut options = Options::builtin();
    // A program that fails the way a pull without a region does, so no AWS is involved.
    let failing = _copy.path().join("failing-pull");
    std::fs::write(
        &failing,
        "#!/bin/sh\necho \"$@\" > \"$0.args\"\necho 'trailhound: pull: no AWS region configured: pass --region R' >&2\nexit 1\n",
    )
    .expect("script");
    std::fs::set_permissions(
        &failing,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    options.job_program = Some(failing.clone());
    let mut app = App::new(index, &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));

    press(&mut app, &[ch('L')]);
    assert!(
        screen(&app).contains("pull ❯ --since 7d"),
        "{}",
        screen(&app)
    );
    press(&mut app, &[with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, "--since 2d --region eu-west-1");
    press(&mut app, &[key(KeyCode::Enter)]);
    wait_until(&mut app, "the pull to end", |app| {
        app.jobs_running() == 0 && app.state.status.last_error.is_some()
    });
    let error = app.state.status.last_error.clone().unwrap_or_default();
    assert_eq!(error, "pull: no AWS region configured: pass --region R");
    let args = std::fs::read_to_string(failing.with_extension("args")).expect("its arguments");
    assert!(
        args.trim()
            .ends_with("--quiet --low-priority pull --since 2d --region eu-west-1"),
        "{args}"
    );

    press(&mut app, &[ch('L')]);
    assert!(
        screen(&app).contains("pull ❯ --since 2d --region eu-west-1"),
        "{}",
        screen(&app)
    );
    press(&mut app, &[key(KeyCode::Esc)]);
    assert_eq!(app.jobs_running(), 0);
}

/// `G` sends the current query to Athena in the background: the options first, with what it
/// will scan; a query Athena cannot be asked is refused before anything runs.
#[test]
fn g_asks_athena_for_the_current_query_after_naming_what_it_scans() {
    let (copy, index) = demo_index_copy();
    let mut options = Options::builtin();
    let recorder = copy.path().join("athena");
    std::fs::write(
        &recorder,
        "#!/bin/sh\necho \"$@\" > \"$0.args\"\nsleep 1\necho '4 new events'\n",
    )
    .expect("script");
    std::fs::set_permissions(
        &recorder,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    options.job_program = Some(recorder.clone());
    let mut app = App::new(index, &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));

    // A bare word searches every field: SQL cannot say that, so nothing starts.
    press(&mut app, &[ch('/')]);
    type_text(&mut app, "mallory");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app.settle(SETTLE));
    press(&mut app, &[ch('G'), key(KeyCode::Enter)]);
    let error = app.state.status.last_error.clone().unwrap_or_default();
    assert!(error.starts_with("Athena cannot be asked this"), "{error}");
    assert_eq!(app.jobs_running(), 0);

    press(&mut app, &[ch('/'), with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, "user:alice");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app.settle(SETTLE));
    press(&mut app, &[ch('G')]);
    assert!(
        screen(&app).contains("athena pull ❯ --since 7d"),
        "{}",
        screen(&app)
    );
    press(&mut app, &[with(KeyModifiers::CONTROL, 'u')]);
    type_text(
        &mut app,
        "--since 2026-11-01 --until 2026-11-02 --account 111122223333",
    );
    press(&mut app, &[key(KeyCode::Enter)]);
    let said = app.state.status.message.clone().unwrap_or_default();
    assert!(
        said.contains("account IN ('111122223333')")
            && said.contains("\"timestamp\" BETWEEN '2026/11/01' AND '2026/11/03'"),
        "{said}"
    );
    wait_until(&mut app, "the Athena pull to end", |app| {
        app.jobs_running() == 0
    });
    assert_eq!(
        app.state.status.message.as_deref(),
        Some("athena: 4 new events")
    );
    let args = std::fs::read_to_string(recorder.with_extension("args")).expect("its arguments");
    assert!(
        args.trim().ends_with(
            "--quiet --low-priority athena pull user:alice --since 2026-11-01 --until 2026-11-02 --account 111122223333"
        ),
        "{args}"
    );
}

/// `m` pins the selected event (starting a case when none is open) with the queries that led to
/// it, the pane marks it, `M` writes a note on it, `C` lists the pinned events, and `m` on the
/// alert feed pins an alert; the case file holds all of it and the report shows it.
#[test]
fn m_pins_with_the_pivot_trail_and_the_case_reports_it() {
    let (copy, index) = demo_index_copy();
    let index_dir = index.dir().to_owned();
    let mut app = App::new(index, &Options::builtin(), (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    assert!(app.state.case.name.is_none());

    press(&mut app, &[ch('/')]);
    type_text(&mut app, "eventName:StopLogging OR eventName:DeleteTrail");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app.settle(SETTLE));
    focus(&mut app, PaneId::Events);
    press(&mut app, &[ch('u')]);
    assert!(app.settle(SETTLE));
    let pinned = app
        .state
        .events
        .selected_row()
        .expect("a row")
        .summary
        .event_id
        .clone();
    press(&mut app, &[ch('m')]);
    let said = app.state.status.message.clone().unwrap_or_default();
    assert!(
        said.starts_with("started a case; pinned to case case-"),
        "{said}"
    );
    assert!(screen(&app).contains("◆ "), "{}", screen(&app));
    press(&mut app, &[ch('m')]);
    assert_eq!(app.state.case.pins, 1, "pinning twice keeps one pin");

    press(&mut app, &[ch('M')]);
    assert!(screen(&app).contains("note ❯"), "{}", screen(&app));
    type_text(&mut app, "the first step");
    press(
        &mut app,
        &[KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT)],
    );
    assert!(
        screen(&app).contains("note ❯ the first step⏎"),
        "{}",
        screen(&app)
    );
    type_text(&mut app, "of the attack");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app
        .state
        .status
        .message
        .clone()
        .unwrap_or_default()
        .contains("on the pinned event"));

    focus(&mut app, PaneId::Alerts);
    press(&mut app, &[ch('m')]);
    assert_eq!(app.state.case.pins, 2);
    assert_eq!(app.state.case.alerts.len(), 1);

    // The timeline's principal, marked in the pane's title.
    focus(&mut app, PaneId::Events);
    assert!(app.settle(SETTLE));
    focus(&mut app, PaneId::Timeline);
    press(&mut app, &[ch('m')]);
    assert_eq!(app.state.case.pins, 3);
    assert!(screen(&app).contains("Timeline · ◆ "), "{}", screen(&app));
    focus(&mut app, PaneId::Events);

    focus(&mut app, PaneId::Events);
    press(&mut app, &[ch('C')]);
    let shown = screen(&app);
    assert!(shown.contains(" · 3 pins · Enter goes to them"), "{shown}");
    assert!(shown.contains("note: the first step"), "{shown}");
    assert!(shown.contains("            of the attack"), "{shown}");
    assert!(
        shown.contains("via: eventName:StopLogging OR eventName:DeleteTrail › user:"),
        "{shown}"
    );
    let at = app
        .state
        .case_view
        .pins
        .iter()
        .position(|p| p.query.contains(&pinned))
        .expect("the event's pin");
    for _ in 0..at {
        press(&mut app, &[key(KeyCode::Down)]);
    }
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app.settle(SETTLE));
    assert_eq!(matched(&app), 1);
    assert_eq!(
        app.state.events.selected_row().unwrap().summary.event_id,
        pinned
    );
    drop(app);

    let case = trailhound::case::Case::current(&index_dir).expect("the case");
    let (_, _, item, trail) = case.pins().next().expect("a pin");
    assert!(
        matches!(item, trailhound::case::Pinned::Event { event_id, .. } if *event_id == pinned)
    );
    assert_eq!(trail[0], "eventName:StopLogging OR eventName:DeleteTrail");
    assert!(trail[1].starts_with("user:"), "{trail:?}");
    let report = trailhound::case::Report::gather(&case, &index_dir);
    let markdown = trailhound::case::markdown::render(&report);
    assert!(
        markdown.contains("the first step<br>of the attack"),
        "{markdown}"
    );
    assert!(
        markdown.contains("1 critical") || markdown.contains("1 high"),
        "{markdown}"
    );
    drop(copy);
}

/// `X` exports the list as filtered (by the real `trailhound search --output` in the
/// background) to CSV, and from the detail pane the selected event as pretty JSON.
#[test]
fn x_exports_the_list_and_the_event_to_files() {
    let (copy, index) = demo_index_copy();
    let mut options = Options::builtin();
    options.job_program = Some(env!("CARGO_BIN_EXE_trailhound").into());
    let mut app = App::new(index, &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    press(&mut app, &[ch('/')]);
    type_text(&mut app, "eventName:StopLogging OR eventName:DeleteTrail");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app.settle(SETTLE));
    let listed = matched(&app);
    assert!(listed > 0);

    focus(&mut app, PaneId::Events);
    press(&mut app, &[ch('X')]);
    assert!(
        screen(&app).contains("export to ❯ events.jsonl"),
        "{}",
        screen(&app)
    );
    let csv = copy.path().join("found.csv");
    press(&mut app, &[with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, csv.to_str().unwrap());
    press(&mut app, &[key(KeyCode::Enter)]);
    wait_until(&mut app, "the export to end", |app| app.jobs_running() == 0);
    let said = app.state.status.message.clone().unwrap_or_default();
    assert!(
        said.contains(&format!("exported {listed} events to")),
        "{said}"
    );
    let text = std::fs::read_to_string(&csv).expect("the CSV");
    assert_eq!(text.lines().count() as u64, listed + 1, "{text}");
    assert!(
        text.lines().next().unwrap().contains("eventName")
            || text
                .lines()
                .next()
                .unwrap()
                .to_lowercase()
                .contains("event")
    );

    let selected = app
        .state
        .events
        .selected_row()
        .unwrap()
        .summary
        .event_id
        .clone();
    focus(&mut app, PaneId::Detail);
    press(&mut app, &[ch('X')]);
    assert!(
        screen(&app).contains(&format!("export to ❯ event-{selected}.json")),
        "{}",
        screen(&app)
    );
    let json = copy.path().join("event.json");
    press(&mut app, &[with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, json.to_str().unwrap());
    press(&mut app, &[key(KeyCode::Enter)]);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("the event file")).unwrap();
    assert_eq!(
        written["eventID"],
        serde_json::Value::String(selected.clone())
    );

    // The handover without leaving the UI: pin, then X to an .html file writes the case's report.
    focus(&mut app, PaneId::Events);
    press(
        &mut app,
        &[ch('m'), ch('X'), with(KeyModifiers::CONTROL, 'u')],
    );
    let report = copy.path().join("handover.html");
    type_text(&mut app, report.to_str().unwrap());
    press(&mut app, &[key(KeyCode::Enter)]);
    wait_until(&mut app, "the report to be written", |app| {
        app.jobs_running() == 0
    });
    let said = app.state.status.message.clone().unwrap_or_default();
    assert!(said.contains("wrote the report of case case-"), "{said}");
    let html = std::fs::read_to_string(&report).expect("the report");
    assert!(html.contains(&selected) && html.contains("<ol class=\"timeline\">"));
}

/// Queries typed and saved (`:save NAME`) are there in the next run: the history under the
/// up key, a saved one by `:NAME`; an unknown name lists the saved ones.
#[test]
fn queries_and_saved_queries_outlive_the_ui() {
    let (copy, index) = demo_index_copy();
    let index_dir = index.dir().to_owned();
    let mut options = Options::builtin();
    options.queries_file = Some(copy.path().join("data/queries.json"));
    let mut app = App::new(index, &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    press(&mut app, &[ch('/')]);
    type_text(&mut app, "eventName:StopLogging");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app.settle(SETTLE));
    let stopped = matched(&app);
    press(&mut app, &[ch('/'), with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, ":save logging-off");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(
        app.state.status.message.as_deref(),
        Some("saved as :logging-off (eventName:StopLogging)")
    );
    drop(app);

    let index = trailhound::index::TrailIndex::open(&index_dir).expect("index");
    let mut app = App::new(index, &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    assert_eq!(matched(&app), DEMO_EVENTS);
    press(
        &mut app,
        &[ch('/'), with(KeyModifiers::CONTROL, 'u'), key(KeyCode::Up)],
    );
    assert!(
        screen(&app).contains("query ❯ eventName:StopLogging"),
        "{}",
        screen(&app)
    );
    press(&mut app, &[with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, ":nope");
    press(&mut app, &[key(KeyCode::Enter)]);
    let error = app.state.status.last_error.clone().unwrap_or_default();
    assert_eq!(error, "no query saved as :nope (saved: :logging-off)");
    press(&mut app, &[ch('/'), with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, ":logging-off");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(app.settle(SETTLE));
    assert_eq!(matched(&app), stopped);
    assert_eq!(app.state.current_view().query, "eventName:StopLogging");
}

/// `F` starts a follow and stops it again; a follow still running when the UI closes is
/// stopped with it (a pull or an ingest would end by itself; a follow never would).
#[test]
fn f_starts_and_stops_following_and_closing_the_ui_stops_a_follow() {
    let (copy, index) = demo_index_copy();
    let mut options = Options::builtin();
    // A follow that runs until it is told to stop, and says so.
    let follow = copy.path().join("follow");
    std::fs::write(
        &follow,
        "#!/bin/sh\ntrap 'echo stopped >> \"$0.stopped\"; echo \"pulled 0 events\"; exit 0' TERM\necho \"$@\" > \"$0.args\"\nwhile true; do sleep 0.05; done\n",
    )
    .expect("script");
    std::fs::set_permissions(&follow, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let stopped = follow.with_extension("stopped");
    let stops = || {
        std::fs::read_to_string(&stopped)
            .unwrap_or_default()
            .lines()
            .count()
    };
    options.job_program = Some(follow.clone());
    let mut app = App::new(index, &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));

    press(&mut app, &[ch('F')]);
    assert!(app.state.following);
    assert!(
        screen(&app).contains("following (F stops)"),
        "{}",
        screen(&app)
    );
    let started = || {
        std::fs::read_to_string(follow.with_extension("args"))
            .is_ok_and(|args| args.ends_with('\n'))
    };
    wait_until(&mut app, "the follow to start", |_| started());
    let args = std::fs::read_to_string(follow.with_extension("args")).expect("its arguments");
    assert!(args.contains("pull --follow --since 1d"), "{args}");
    press(&mut app, &[ch('F')]);
    wait_until(&mut app, "the follow to stop", |app| {
        app.jobs_running() == 0
    });
    assert_eq!(stops(), 1);
    assert!(!app.state.following);
    assert_eq!(
        app.state.status.message.as_deref(),
        Some("stopped following: pulled 0 events")
    );

    std::fs::remove_file(follow.with_extension("args")).expect("remove");
    press(&mut app, &[ch('F')]);
    wait_until(&mut app, "the second follow to start", |_| started());
    drop(app);
    let deadline = std::time::Instant::now() + SETTLE;
    while stops() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the follow outlived the UI"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_ingest_started_from_the_ui_runs_in_the_background_and_its_events_appear() {
    let (copy, index) = demo_index_copy();
    let archive = copy.path().join("more.jsonl");
    let lines: Vec<String> = (0..5)
        .map(|i| {
            format!(
                "{{\"eventID\":\"from-ui-{i}\",\"eventTime\":\"2026-11-02T00:00:0{i}Z\",\"eventName\":\"ListBuckets\",\"eventSource\":\"s3.amazonaws.com\",\"awsRegion\":\"us-east-1\",\"userIdentity\":{{\"type\":\"IAMUser\",\"userName\":\"carol\"}}}}"
            )
        })
        .collect();
    std::fs::write(&archive, lines.join("\n")).expect("archive");
    let mut options = Options::builtin();
    options.poll = Duration::from_millis(50);
    options.job_program = Some(env!("CARGO_BIN_EXE_trailhound").into());
    let mut app = App::new(index, &options, (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    let before = app.state.events.total;

    press(&mut app, &[ch('+')]);
    assert!(screen(&app).contains("ingest file, folder or s3://bucket ❯"));
    type_text(&mut app, archive.to_str().unwrap());
    press(&mut app, &[key(KeyCode::Enter)]);
    wait_until(&mut app, "the ingest to end", |app| app.jobs_running() == 0);
    let message = app.state.status.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("ingest: files 1, records 5, new 5"),
        "{message}"
    );
    wait_until(&mut app, "the new events", |app| {
        app.state.events.total == before + 5
    });
}

/// Queries the demo's event of staging-identity-lambda-role and waits for that role's timeline.
fn open_role_timeline(app: &mut App) -> trailhound::tui::state::Timeline {
    press(app, &[ch('/'), with(KeyModifiers::CONTROL, 'u')]);
    type_text(app, "eventID:\"679189cb-7a4e-40ab-9dcd-63f68c449798\"");
    press(app, &[key(KeyCode::Enter)]);
    wait_until(app, "the role's timeline", |app| {
        app.state
            .timeline
            .timeline
            .as_ref()
            .is_some_and(|t| t.principal.contains("staging-identity-lambda-role"))
    });
    app.state.timeline.timeline.clone().expect("timeline")
}

#[test]
fn the_timeline_links_each_session_to_the_assume_role_that_issued_its_key() {
    let mut app = open((160, 48));
    let timeline = open_role_timeline(&mut app);
    assert!(!timeline.sessions.is_empty());
    let linked: Vec<_> = timeline
        .sessions
        .iter()
        .filter_map(|s| s.chain.first())
        .collect();
    assert!(
        linked.iter().any(|issue| issue.event_name == "AssumeRole"),
        "{:?}",
        timeline.sessions
    );
    focus(&mut app, PaneId::Timeline);
    press(&mut app, &[ch('z')]);
    assert!(screen(&app).contains("sessions"), "{}", screen(&app));
}

#[test]
fn the_timeline_gives_each_listed_value_the_time_the_principal_first_used_it() {
    let mut app = open((160, 48));
    let timeline = open_role_timeline(&mut app);
    let index = demo_index();
    let searcher = index.searcher().expect("searcher");
    let oldest = |query: String| {
        let request = trailhound::index::SearchRequest {
            query,
            limit: 1,
            order: SortOrder::OldestFirst,
            ..Default::default()
        };
        let (hits, _) = index.search(&searcher, &request).expect("search");
        hits.first()
            .and_then(|hit| trailhound::event::EventSummary::from_raw(&hit.raw).time)
    };
    let user = format!(
        "user:{}",
        trailhound::tui::worker::quote(&timeline.principal)
    );
    let principal_query = index
        .prepare_query(&user, trailhound::index::TimeBounds::default())
        .expect("query");
    for (field, list) in [
        ("sourceIPAddress", &timeline.source_ips),
        ("awsRegion", &timeline.regions),
        ("eventSource", &timeline.services),
    ] {
        assert!(!list.values.is_empty(), "{field}");
        let every = index
            .top_values(
                &searcher,
                field,
                Some(principal_query.query.as_ref()),
                10_000,
            )
            .expect("top");
        assert_eq!(list.distinct, every.len(), "{field}: how many in all");
        for value in list.values.iter() {
            let expected = oldest(format!(
                "{user} AND {field}.keyword:{}",
                trailhound::tui::worker::quote(&value.value)
            ));
            assert!(expected.is_some(), "{field} {}", value.value);
            assert_eq!(value.first_seen, expected, "{field} {}", value.value);
        }
    }
    let first_ip = &timeline.source_ips.values[0];
    let shown = trailhound::tui::format::time(first_ip.first_seen);
    focus(&mut app, PaneId::Timeline);
    press(&mut app, &[ch('z')]);
    let row = screen(&app)
        .lines()
        .find(|line| line.contains(&first_ip.value))
        .map(str::to_owned)
        .expect("the first source IP is shown");
    assert!(row.contains(&shown), "{row}");
}

#[test]
fn a_chained_sessions_timeline_follows_each_key_back_to_the_user_who_started_the_chain() {
    let work = tempfile::tempdir().expect("temp dir");
    let index = TrailIndex::open_or_create(&work.path().join("index")).expect("index");
    let assume = |id: &str, at: &str, caller: serde_json::Value, ip: &str, issued: &str| {
        serde_json::json!({
            "eventVersion": "1.08", "eventTime": at, "eventSource": "sts.amazonaws.com",
            "eventName": "AssumeRole", "awsRegion": "us-east-1", "sourceIPAddress": ip,
            "userIdentity": caller, "eventID": id, "recipientAccountId": "111122223333",
            "responseElements": {"credentials": {"accessKeyId": issued,
                "expiration": "Nov 2, 2026, 3:00:00 AM", "sessionToken": "x"}}
        })
        .to_string()
    };
    let role = |name: &str, key: &str| {
        serde_json::json!({"type": "AssumedRole", "accessKeyId": key,
            "arn": format!("arn:aws:sts::111122223333:assumed-role/{name}/s"),
            "sessionContext": {"sessionIssuer": {"type": "Role",
                "arn": format!("arn:aws:iam::111122223333:role/{name}")}}})
    };
    let lines = vec![
        assume(
            "hop-1",
            "2026-11-02T01:00:00Z",
            serde_json::json!({"type": "IAMUser", "userName": "alice", "accessKeyId": "AKIAALICE0000000001",
                "arn": "arn:aws:iam::111122223333:user/alice"}),
            "198.51.100.20",
            "ASIAHOPA00000000001",
        ),
        assume(
            "hop-2",
            "2026-11-02T01:05:00Z",
            role("hop-a", "ASIAHOPA00000000001"),
            "198.51.100.21",
            "ASIAHOPB00000000001",
        ),
        serde_json::json!({
            "eventVersion": "1.08", "eventTime": "2026-11-02T01:10:00Z",
            "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets",
            "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.22",
            "userIdentity": role("hop-b", "ASIAHOPB00000000001"), "eventID": "hop-3",
            "recipientAccountId": "111122223333"
        })
        .to_string(),
    ];
    ingest_lines(&index, work.path(), "chain.jsonl", &lines);
    let mut app = App::new(index, &Options::builtin(), (160, 48)).expect("app");
    assert!(app.settle(SETTLE));
    press(&mut app, &[ch('/'), with(KeyModifiers::CONTROL, 'u')]);
    type_text(&mut app, "eventID:hop-3");
    press(&mut app, &[key(KeyCode::Enter)]);
    wait_until(&mut app, "hop-b's timeline", |app| {
        app.state
            .timeline
            .timeline
            .as_ref()
            .is_some_and(|t| t.principal.contains("hop-b"))
    });
    let timeline = app.state.timeline.timeline.clone().expect("timeline");
    let session = timeline
        .sessions
        .iter()
        .find(|s| s.access_key == "ASIAHOPB00000000001")
        .expect("the session");
    let hops: Vec<(&str, &str)> = session
        .chain
        .iter()
        .map(|issue| (issue.source_ip.as_str(), issue.access_key.as_str()))
        .collect();
    assert_eq!(
        hops,
        [
            ("198.51.100.21", "ASIAHOPA00000000001"),
            ("198.51.100.20", "AKIAALICE0000000001")
        ]
    );
    assert!(session.chain[1].principal.contains("alice"));
    focus(&mut app, PaneId::Timeline);
    press(&mut app, &[ch('z')]);
    let screen = screen(&app);
    assert!(screen.contains("from 198.51.100.21"), "{screen}");
    assert!(screen.contains("from 198.51.100.20"), "{screen}");
}

#[test]
fn failed_console_logins_count_as_errors_though_they_have_no_error_code() {
    let mut app = open((160, 48));
    press(&mut app, &[ch('/'), with(KeyModifiers::CONTROL, 'u')]);
    type_text(
        &mut app,
        "eventName:ConsoleLogin AND _exists_:errorMessage AND NOT _exists_:errorCode",
    );
    press(&mut app, &[key(KeyCode::Enter)]);
    assert!(matched(&app) > 0, "the demo has failed console logins");
    let principal = app
        .state
        .events
        .selected_row()
        .expect("a row")
        .summary
        .principal
        .id
        .clone();
    wait_until(&mut app, "the timeline", |app| {
        app.state
            .timeline
            .timeline
            .as_ref()
            .is_some_and(|t| t.principal == principal)
    });
    let timeline = app.state.timeline.timeline.clone().expect("timeline");
    assert!(timeline.errors >= matched(&app), "{timeline:?}");
    assert!(
        screen(&app).contains("Failed authentication"),
        "{}",
        screen(&app)
    );
}

/// Queries `query` and waits for the timeline of the principal whose ARN ends with `name`.
fn open_timeline_of(app: &mut App, query: &str, name: &str) -> trailhound::tui::state::Timeline {
    press(app, &[ch('/'), with(KeyModifiers::CONTROL, 'u')]);
    type_text(app, query);
    press(app, &[key(KeyCode::Enter)]);
    wait_until(app, "the principal's timeline", |app| {
        app.state
            .timeline
            .timeline
            .as_ref()
            .is_some_and(|t| t.principal.ends_with(name))
    });
    app.state.timeline.timeline.clone().expect("timeline")
}

#[test]
fn the_timeline_links_a_long_term_key_to_the_create_access_key_that_made_it() {
    let mut app = open((200, 60));
    let timeline = open_timeline_of(
        &mut app,
        "userIdentity.accessKeyId:\"AKIA4HIZJIM7XPZW55C3\"",
        "/aws-support-ops",
    );
    let session = timeline
        .sessions
        .iter()
        .find(|s| s.access_key == "AKIA4HIZJIM7XPZW55C3")
        .expect("the attacker's key is one of the user's sessions");
    let created = session.chain.first().expect("the key's CreateAccessKey");
    assert_eq!(created.event_name, "CreateAccessKey");
    assert_eq!(created.source_ip, "193.142.146.35");
    assert!(created.principal.ends_with("/ci-deploy"), "{created:?}");
    focus(&mut app, PaneId::Timeline);
    press(&mut app, &[ch('z')]);
    let text = screen(&app);
    assert!(
        text.contains("AKIA4HIZJIM7XPZW55C3") && text.contains("← CreateAccessKey by"),
        "{text}"
    );
    assert!(!text.contains("no call issued it"), "{text}");
}

#[test]
fn a_failed_sign_in_of_the_demo_leads_to_noahs_timeline_with_all_his_failures() {
    let mut app = open((160, 48));
    // The failures carry no ARN: the list and the timeline still name noah.
    let timeline = open_timeline_of(
        &mut app,
        "eventName:ConsoleLogin AND responseElements.ConsoleLogin:Failure AND userIdentity.userName:\"noah.williams\"",
        "user/noah.williams",
    );
    let rows = &app.state.events.rows;
    assert_eq!(rows.len(), 6, "the demo's six failures");
    assert!(rows
        .iter()
        .all(|row| row.summary.principal.id == "arn:aws:iam::782619047081:user/noah.williams"));
    assert_eq!(
        timeline.principal,
        "arn:aws:iam::782619047081:user/noah.williams"
    );
    assert!(
        timeline.errors >= 6,
        "the six failed sign-ins are noah's: {} errors",
        timeline.errors
    );
}

/// The selected event's id.
fn selected_id(app: &App) -> String {
    app.state
        .events
        .selected_row()
        .expect("a selected row")
        .summary
        .event_id
        .clone()
}

/// The event list fills its pane: no blank rows below the last event while rows are scrolled off
/// above, and the title says how many are.
fn assert_list_fills_and_says_what_is_above(app: &App) {
    let events = &app.state.events;
    let cursor = &events.cursor;
    let len = events.len();
    assert!(cursor.height > 0);
    assert!(
        cursor.scroll <= len.saturating_sub(cursor.height),
        "blank rows under the list: scroll {} height {} len {len}\n{}",
        cursor.scroll,
        cursor.height,
        screen(app)
    );
    let text = screen(app);
    if cursor.scroll > 0 {
        assert!(
            text.contains(&format!("↑ {} newer", cursor.scroll)),
            "the title says what is above:\n{text}"
        );
    } else {
        assert!(!text.contains("↑ "), "{text}");
    }
}

#[test]
fn after_an_alert_and_a_pivot_the_list_fills_the_pane_and_back_restores_it_exactly() {
    let mut app = open((80, 24));
    select_alert(&mut app, "NET-02");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(app.state.focus, PaneId::Events);
    let alert_events = matched(&app);
    assert!(alert_events >= 1);
    let alert_view = app.state.current_view();
    let (alert_selected, alert_scroll) = (
        app.state.events.cursor.selected,
        app.state.events.cursor.scroll,
    );
    let alert_event = selected_id(&app);

    // `u`: the principal's events, the selection kept on the alert's event, the pane filled.
    press(&mut app, &[ch('u')]);
    assert!(query(&app).starts_with("user:"), "{}", query(&app));
    assert_eq!(
        selected_id(&app),
        alert_event,
        "the pivot keeps the selection"
    );
    assert!(
        app.state.events.cursor.selected > 0,
        "the demo's theft is newer than the alert's event"
    );
    assert_list_fills_and_says_what_is_above(&app);

    // Move about, go back: the alert's list as it was left. Then forward: this one as it was.
    press(&mut app, &[key(KeyCode::Up)]);
    let (user_selected, user_scroll) = (
        app.state.events.cursor.selected,
        app.state.events.cursor.scroll,
    );
    let user_event = selected_id(&app);
    press(&mut app, &[ch('b')]);
    assert_eq!(app.state.current_view(), alert_view);
    assert_eq!(selected_id(&app), alert_event);
    assert_eq!(app.state.events.cursor.selected, alert_selected);
    assert_eq!(app.state.events.cursor.scroll, alert_scroll);
    press(&mut app, &[ch('f')]);
    assert_eq!(selected_id(&app), user_event);
    assert_eq!(app.state.events.cursor.selected, user_selected);
    assert_eq!(app.state.events.cursor.scroll, user_scroll);
    assert_list_fills_and_says_what_is_above(&app);
}

#[test]
fn back_restores_a_selection_deep_in_a_long_list() {
    let mut app = open((80, 24));
    for _ in 0..40 {
        app.press(key(KeyCode::Down));
    }
    assert!(app.settle(SETTLE));
    let (selected, scroll) = (
        app.state.events.cursor.selected,
        app.state.events.cursor.scroll,
    );
    assert_eq!(selected, 40);
    let event = selected_id(&app);
    press(&mut app, &[ch('e')]);
    press(&mut app, &[ch('b')]);
    assert_eq!(matched(&app), DEMO_EVENTS);
    assert_eq!(selected_id(&app), event, "not the top of the list");
    assert_eq!(app.state.events.cursor.selected, selected);
    assert_eq!(app.state.events.cursor.scroll, scroll);
}

#[test]
fn around_on_an_alerts_view_widens_to_everything_near_the_selected_event() {
    let mut app = open((160, 48));
    select_alert(&mut app, "LOG-01");
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(matched(&app), 2);
    let event = selected_id(&app);
    let at = app
        .state
        .events
        .selected_row()
        .and_then(|r| r.summary.time)
        .expect("time");
    press(&mut app, &[ch('w')]);
    let view = app.state.current_view();
    assert_eq!(view.query, "", "the alert's id filter is dropped");
    assert!(matches!(view.window, TimeWindow::Around(t, _) if t == at));
    assert!(
        matched(&app) > 2,
        "more than the alert's own events: {}",
        matched(&app)
    );
    assert_eq!(selected_id(&app), event, "the selection stays on the event");
    press(&mut app, &[ch('b')]);
    assert_eq!(matched(&app), 2, "back to the alert's events");
}

#[test]
fn the_stretch_picker_starts_where_the_principal_was_active() {
    let mut app = open((160, 48));
    select_alert(&mut app, "LOG-01");
    press(&mut app, &[key(KeyCode::Enter)]);
    focus(&mut app, PaneId::Timeline);
    let columns = app.state.timeline.columns;
    let activity = app
        .state
        .timeline
        .timeline
        .as_ref()
        .and_then(|t| t.activity.clone())
        .expect("activity");
    assert!(
        activity.column_count(0, columns) == 0,
        "the principal was not active at the index's start (the test's premise)"
    );
    press(&mut app, &[key(KeyCode::Right)]);
    let picked = app.state.timeline.bucket.expect("picked");
    assert!(
        activity.column_count(picked, columns) > 0,
        "column {picked} holds none of the principal's events"
    );
}

#[test]
fn the_event_list_shows_the_year_when_the_index_spans_years() {
    let work = tempfile::tempdir().expect("dir");
    let index = TrailIndex::open_or_create(&work.path().join("index")).expect("index");
    let lines = vec![
        record_line("y1", "2025-12-31T23:59:00Z", "DescribeTrails", "alice"),
        record_line("y2", "2026-01-01T00:01:00Z", "DescribeTrails", "alice"),
    ];
    ingest_lines(&index, work.path(), "years.jsonl", &lines);
    let mut app = App::new(index, &Options::builtin(), (80, 24)).expect("app");
    assert!(app.settle(SETTLE));
    wait_until(&mut app, "the index's span", |app| {
        app.state.status.span.is_some()
    });
    let text = screen(&app);
    assert!(text.contains("2025-12-31 23:59"), "{text}");
    assert!(text.contains("2026-01-01 00:01"), "{text}");
}

#[test]
fn lower_case_operators_are_warned_about_and_long_messages_read_in_full_in_the_log() {
    let mut app = open((80, 24));
    press(&mut app, &[ch('/')]);
    type_text(
        &mut app,
        "eventName:StopLogging and sourceIPAddress:192.168.10.20",
    );
    press(&mut app, &[key(KeyCode::Enter)]);
    let note = app.state.status.message.clone().expect("a note");
    assert!(note.contains("`and` at column 23"), "{note}");
    let text = screen(&app);
    assert!(
        text.contains("note: `and`"),
        "the status line says it:\n{text}"
    );
    // The line is cut at 80 columns; J shows it whole.
    assert!(!screen(&app).contains("combine the clauses"));
    press(&mut app, &[ch('J')]);
    let text = screen(&app).replace('\n', "");
    let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(squeezed.contains("combine the clauses"), "{text}");
}
