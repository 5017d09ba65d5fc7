//! Whole-app tests: the UI on the demo index, driven by key sequences, checked by state and screen.
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use tempfile::TempDir;

use trailhound::index::{SortOrder, TrailIndex};
use trailhound::ingest::{ingest_with, IngestObserver, IngestOptions};
use trailhound::tui::state::{Alert, Mode, PaneId, PromptKind, Severity, TimeWindow};
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
        "LOG-01 AWS CloudTrail logging stopped",
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
}

#[test]
fn detail_pivots_finds_and_copies_the_field_under_the_cursor() {
    let mut app = open((160, 48));
    press(&mut app, &[key(KeyCode::Enter)]);
    assert_eq!(app.state.focus, PaneId::Detail);
    press(&mut app, &[with(KeyModifiers::CONTROL, 'f')]);
    type_text(&mut app, "eventSource");
    press(&mut app, &[key(KeyCode::Enter)]);
    let line = app.state.detail.lines[app.state.detail.cursor.selected].clone();
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
            rows: Vec::new(),
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
fn alerts_fed_in_later_are_grouped_and_coloured_by_severity() {
    let mut app = open((160, 48));
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&chrono::Utc)
    };
    app.state.alerts.set_alerts(&[
        Alert {
            rule: "CloudTrail logging stopped".into(),
            severity: Severity::Critical,
            time: at("2026-11-02T02:25:57Z"),
            principal: "aws-support-ops".into(),
            event_id: "a".into(),
        },
        Alert {
            rule: "Console login without MFA".into(),
            severity: Severity::Medium,
            time: at("2026-11-02T01:00:00Z"),
            principal: "bob".into(),
            event_id: "b".into(),
        },
    ]);
    let text = screen(&app);
    let critical = text
        .find("CloudTrail logging stopped")
        .expect("critical shown");
    let medium = text
        .find("Console login without MFA")
        .expect("medium shown");
    assert!(critical < medium, "{text}");
    assert!(text.contains("Alerts 2"));
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

/// Run with `cargo test --release --test tui_app -- --ignored --nocapture`.
#[test]
#[ignore = "timing: run in release mode"]
fn timing_full_draw_and_keypress_to_frame() {
    let mut app = open((200, 60));
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let rounds = 200;
    let started = Instant::now();
    for _ in 0..rounds {
        terminal.clear().expect("clear");
        terminal.draw(|frame| app.draw(frame)).expect("draw");
    }
    let draw = started.elapsed() / rounds;

    let started = Instant::now();
    for _ in 0..rounds {
        app.press(key(KeyCode::Down));
        assert!(app.settle(SETTLE));
        terminal.draw(|frame| app.draw(frame)).expect("draw");
    }
    let move_latency = started.elapsed() / rounds;

    let started = Instant::now();
    let pivots = 20;
    for _ in 0..pivots {
        app.press(ch('u'));
        assert!(app.settle(SETTLE));
        terminal.draw(|frame| app.draw(frame)).expect("draw");
        app.press(ch('b'));
        assert!(app.settle(SETTLE));
        terminal.draw(|frame| app.draw(frame)).expect("draw");
    }
    let pivot_latency = started.elapsed() / (2 * pivots);
    println!("full draw 200x60: {draw:?}");
    println!("keypress (down) to frame, with detail and timeline refresh: {move_latency:?}");
    println!("keypress (pivot or back) to frame, search answered: {pivot_latency:?}");
    assert!(
        draw < Duration::from_millis(5),
        "a full draw takes {draw:?}"
    );
}
