//! The terminal UI on a big index, measured against process baselines of the same run.
//!
//! ```text
//! cargo bench --bench tui
//! TRAILHOUND_BENCH_INDEX=/path/to/index cargo bench --bench tui
//! TRAILHOUND_BENCH_ARCHIVE=/path/to/archive cargo bench --bench tui
//! ```
//! The index defaults to the one `benches/ingest_baselines.py` leaves in /tmp/trailhound-bench
//! (1M events; or `trailhound gen --events 1000000` then `trailhound ingest`).
//!
//! Measured, each as a median (and the slowest) of several rounds:
//! - baselines: process start to exit of `trailhound --version` and `trailhound info`;
//! - in a pseudo-terminal read through a vt100 screen: start to the first frame, start to the
//!   first frame with the results (counts, list, detail, timeline), keypress to the next frame
//!   for a move, a pivot, back and a query (and to the frame with the new results), and the
//!   process's peak resident memory;
//! - in process: one full draw of the whole screen;
//! - with `TRAILHOUND_BENCH_ARCHIVE`: keypress to frame while `trailhound ingest` writes that
//!   archive into a copy of the index, and whether its progress and the new events show up live.
//!
//! Nothing here asserts a time: it reports, so that a slow machine does not fail a build.
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

use trailhound::index::TrailIndex;
use trailhound::tui::state::{AlertsState, PaneId};
use trailhound::tui::worker::stored_alerts;
use trailhound::tui::{App, Options};

const ROWS: u16 = 48;
const COLS: u16 = 160;
const WAIT: Duration = Duration::from_secs(120);
const ROUNDS: usize = 5;
const KEY_ROUNDS: usize = 40;
const DRAW_ROUNDS: u32 = 200;

fn binary() -> PathBuf {
    std::env::var_os("TRAILHOUND_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_trailhound")))
}

/// Median and maximum.
fn summary(samples: Vec<Duration>) -> (Duration, Duration) {
    let spread = spread(samples);
    (spread.median, spread.max)
}

struct Spread {
    median: Duration,
    p95: Duration,
    max: Duration,
}

fn spread(mut samples: Vec<Duration>) -> Spread {
    samples.sort();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q) as usize).min(samples.len().saturating_sub(1));
        samples.get(i).copied().unwrap_or_default()
    };
    Spread {
        median: at(0.5),
        p95: at(0.95),
        max: samples.last().copied().unwrap_or_default(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn process_time(args: &[&str]) -> Duration {
    let samples = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let status = Command::new(binary())
                .args(args)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .expect("run trailhound");
            assert!(status.success(), "trailhound {args:?} failed");
            started.elapsed()
        })
        .collect();
    summary(samples).0
}

struct Session {
    /// Kept open for the session's life.
    _master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    parser: vt100::Parser,
    output: mpsc::Receiver<Vec<u8>>,
    started: Instant,
}

impl Session {
    fn start(index: &Path, home: &Path) -> Session {
        let mut command = CommandBuilder::new(binary());
        command.arg("--index");
        command.arg(index);
        command.arg("tui");
        command.env("TERM", "xterm-256color");
        command.env("HOME", home);
        command.env("XDG_CONFIG_HOME", home.join(".config"));
        for name in ["NO_COLOR", "TRAILHOUND_THEME", "TRAILHOUND_KEYMAP"] {
            command.env_remove(name);
        }
        Session::spawn(command)
    }

    /// The baseline's terminal: `cat` echoing each key back, the least a program can do.
    fn echo() -> Session {
        let mut command = CommandBuilder::new("sh");
        command.args(["-c", "stty raw -echo; exec cat"]);
        Session::spawn(command)
    }

    fn spawn(command: CommandBuilder) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let started = Instant::now();
        let child = pty.slave.spawn_command(command).expect("spawn");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let keys = pty.master.take_writer().expect("writer");
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Session {
            _master: pty.master,
            child,
            keys,
            parser: vt100::Parser::new(ROWS, COLS, 0),
            output,
            started,
        }
    }

    fn text(&self) -> String {
        self.parser.screen().contents()
    }

    /// Reads output until `done` holds; the time it held at.
    fn until(&mut self, what: &str, done: impl Fn(&vt100::Screen) -> bool) -> Instant {
        let deadline = Instant::now() + WAIT;
        loop {
            if done(self.parser.screen()) {
                return Instant::now();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(_) => panic!("timed out waiting for {what}; the screen:\n{}", self.text()),
            }
        }
    }

    fn until_text(&mut self, text: &str) -> Instant {
        self.until(&format!("`{text}`"), |screen| {
            screen.contents().contains(text)
        })
    }

    /// Sends `keys`; returns the time to the next frame (the first change on screen) and to the
    /// frame where `done` holds.
    fn press(
        &mut self,
        keys: &[u8],
        done: impl Fn(&vt100::Screen) -> bool,
    ) -> (Duration, Duration) {
        // Anything still on its way belongs to the previous step.
        while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(30)) {
            self.parser.process(&bytes);
        }
        let before = self.parser.screen().contents_formatted();
        let sent = Instant::now();
        self.keys.write_all(keys).expect("type");
        self.keys.flush().expect("flush");
        let frame = self.until("the next frame", |screen| {
            screen.contents_formatted() != before
        });
        let result = self.until("the result", done);
        (frame - sent, result - sent)
    }

    /// Sends `keys` that may leave the screen as it is, and reads what they draw.
    fn type_keys(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).expect("type");
        self.keys.flush().expect("flush");
        while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(100)) {
            self.parser.process(&bytes);
        }
    }

    fn peak_rss_mb(&self) -> Option<f64> {
        let pid = self.child.process_id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    }

    fn quit(&mut self) {
        let _ = self.keys.write_all(b"q");
        let _ = self.keys.flush();
        let deadline = Instant::now() + WAIT;
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `Events <matched> of <total>` as numbers, from the screen.
fn events_title(screen: &vt100::Screen) -> Option<(u64, u64)> {
    let text = screen.contents();
    let at = text.find("Events ")?;
    let mut words = text[at + 7..].split_whitespace();
    let number = |w: Option<&str>| -> Option<u64> { w?.replace(',', "").parse().ok() };
    let matched = number(words.next())?;
    (words.next()? == "of").then_some(())?;
    Some((matched, number(words.next())?))
}

fn row(label: &str, value: String, note: &str) {
    println!("  {label:<44} {value:>12}   {note}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("index dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
        }
    }
}

fn main() {
    let given = std::env::var_os("TRAILHOUND_BENCH_INDEX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/trailhound-bench/index"));
    if !given.join("meta.json").exists() {
        eprintln!(
            "no index at {} (set TRAILHOUND_BENCH_INDEX, or run benches/ingest_baselines.py)",
            given.display()
        );
        std::process::exit(2);
    }
    let archive = std::env::var_os("TRAILHOUND_BENCH_ARCHIVE").map(PathBuf::from);
    let work = tempfile::tempdir().expect("temp dir");
    // The ingest phase writes into the index: it gets a copy.
    let index_dir = match &archive {
        Some(_) => {
            let copy = work.path().join("index");
            copy_dir(&given, &copy);
            copy
        }
        None => given.clone(),
    };
    let index_arg = index_dir.display().to_string();
    let total = TrailIndex::open(&index_dir)
        .and_then(|index| Ok(index.searcher()?.num_docs()))
        .expect("open the index");
    println!(
        "trailhound UI bench: {} events in {}, {COLS}x{ROWS} terminal, binary {}",
        trailhound::units::thousands(total),
        given.display(),
        binary().display()
    );

    // Baselines: what any command of this binary costs on this machine, now.
    let version = process_time(&["--version"]);
    let info = process_time(&["--index", &index_arg, "info"]);

    // In a real terminal.
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let mut session = Session::start(&index_dir, &home);
    let first_frame = session.until("the first frame", |screen| {
        screen.alternate_screen() && screen.contents().contains("Events")
    }) - session.started;
    let all = format!(
        "Events {} of {}",
        trailhound::units::thousands(total),
        trailhound::units::thousands(total)
    );
    session.until_text(&all);
    let first_results = session.until_text("first seen") - session.started;

    let mut moves = Vec::new();
    for i in 0..KEY_ROUNDS {
        let key: &[u8] = if i % 4 == 3 { b"\x1b[A" } else { b"\x1b[B" };
        moves.push(session.press(key, |_| true).0);
    }
    let mut pivot = (Vec::new(), Vec::new());
    let mut back = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let (frame, result) = session.press(b"u", |screen| {
            screen.contents().contains(" › user=")
                && events_title(screen).is_some_and(|(m, _)| m < total)
        });
        pivot.0.push(frame);
        pivot.1.push(result);
        let (frame, result) =
            session.press(b"b", |screen| events_title(screen) == Some((total, total)));
        back.0.push(frame);
        back.1.push(result);
    }
    let mut query = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let text = if round % 2 == 0 {
            "eventName:StopLogging"
        } else {
            "eventName:DescribeInstances AND region:eu-west-1"
        };
        session.press(b"/\x15", |screen| screen.contents().contains("query ❯"));
        session.keys.write_all(text.as_bytes()).expect("type");
        let (frame, result) = session.press(b"\r", move |screen| {
            !screen.contents().contains("query ❯")
                && events_title(screen).is_some_and(|(m, _)| m < total)
        });
        query.0.push(frame);
        query.1.push(result);
        session.press(b"b", |screen| events_title(screen) == Some((total, total)));
    }
    // Enter on the alert that cites the most events (the detector keeps up to a thousand).
    let mut feed = AlertsState::default();
    feed.set_alerts(stored_alerts(&index_dir).unwrap_or_default());
    let biggest =
        (0..feed.shown.len()).max_by_key(|row| feed.alerts[feed.shown[*row]].event_ids.len());
    let mut alert = None;
    if let Some(row) = biggest {
        let cited = feed.alerts[feed.shown[row]].event_ids.len();
        session.press(b"\x1b[Z", |screen| screen.contents().contains("Alerts"));
        session.type_keys(b"\x1b[H");
        session.type_keys(&b"\x1b[B".repeat(row));
        let mut enter = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let (frame, result) = session.press(b"\r", |screen| {
                screen.contents().contains(" › alert ")
                    && events_title(screen).is_some_and(|(m, _)| m < total)
            });
            enter.0.push(frame);
            enter.1.push(result);
            session.press(b"b", |screen| events_title(screen) == Some((total, total)));
            // Enter focused the events: back to the alerts.
            session.type_keys(b"\x1b[Z");
        }
        session.type_keys(b"\t");
        alert = Some((cited, enter));
    }
    let rss = session.peak_rss_mb();

    let mut during_ingest = Vec::new();
    if let Some(archive) = &archive {
        during_ingest.push(while_ingesting(
            &mut session,
            &index_dir,
            archive,
            total,
            false,
        ));
        session.quit();
        // The same ingest again, into the same starting index, as the UI starts its own.
        std::fs::remove_dir_all(&index_dir).expect("remove the copy");
        copy_dir(&given, &index_dir);
        session = Session::start(&index_dir, &home);
        session.until_text(&all);
        during_ingest.push(while_ingesting(
            &mut session,
            &index_dir,
            archive,
            total,
            true,
        ));
    }
    session.quit();

    // In process: one full draw of the whole screen, and a move handled and drawn.
    let index = TrailIndex::open(&index_dir).expect("index");
    let mut app = App::new(index, &Options::builtin(), (200, 60)).expect("app");
    assert!(app.settle(WAIT));
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let started = Instant::now();
    for _ in 0..DRAW_ROUNDS {
        terminal.clear().expect("clear");
        terminal.draw(|frame| app.draw(frame)).expect("draw");
    }
    let draw = started.elapsed() / DRAW_ROUNDS;
    let mut handled = Vec::new();
    for _ in 0..KEY_ROUNDS {
        let started = Instant::now();
        app.press(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
        terminal.draw(|frame| app.draw(frame)).expect("draw");
        handled.push(started.elapsed());
        assert!(app.settle(WAIT));
    }
    // The same alert's Enter, from the key to its results drawn, and the draws of that view.
    let mut alert_in_process = None;
    let feed = &app.state.alerts;
    let biggest =
        (0..feed.shown.len()).max_by_key(|row| feed.alerts[feed.shown[*row]].event_ids.len());
    if let Some(row) = biggest {
        let wanted = feed.alerts[feed.shown[row]].key.clone();
        let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
        let mut results = Vec::new();
        let mut draws = Vec::new();
        for _ in 0..ROUNDS {
            while app.state.focus != PaneId::Alerts {
                app.press(key(KeyCode::Tab));
            }
            app.press(key(KeyCode::Home));
            for _ in 0..row {
                app.press(key(KeyCode::Down));
            }
            assert!(app.settle(WAIT));
            assert_eq!(app.state.alerts.selected().map(|a| &a.key), Some(&wanted));
            let started = Instant::now();
            app.press(key(KeyCode::Enter));
            // The list's results, not the timeline (which has its own thread).
            while app.state.requests.search.is_some() {
                app.pump();
                std::thread::sleep(Duration::from_micros(100));
            }
            terminal.draw(|frame| app.draw(frame)).expect("draw");
            results.push(started.elapsed());
            assert!(app.settle(WAIT));
            let started = Instant::now();
            terminal.clear().expect("clear");
            terminal.draw(|frame| app.draw(frame)).expect("draw");
            draws.push(started.elapsed());
            app.press(KeyEvent::new(KeyCode::Char('b'), KeyModifiers::NONE));
            assert!(app.settle(WAIT));
        }
        alert_in_process = Some((summary(results), summary(draws)));
    }

    println!("\nbaselines (process start to exit, median of {ROUNDS})");
    row("trailhound --version", ms(version), "");
    row(
        "trailhound info",
        ms(info),
        "opens the index, reads coverage",
    );
    println!("\nin a pseudo-terminal");
    row(
        "start to first frame",
        ms(first_frame),
        &format!(
            "{:.1}x info; budget 300 ms",
            first_frame.as_secs_f64() / info.as_secs_f64()
        ),
    );
    row(
        "start to first frame with results",
        ms(first_results),
        "counts, histogram, list, detail, timeline",
    );
    let (median, max) = summary(moves);
    row(
        "key (down) to next frame",
        ms(median),
        &format!("max {}; budget 50 ms", ms(max)),
    );
    for (label, (frames, results)) in [("pivot u", pivot), ("back b", back), ("query enter", query)]
    {
        let (frame, frame_max) = summary(frames);
        let (result, result_max) = summary(results);
        row(
            &format!("key ({label}) to next frame"),
            ms(frame),
            &format!("max {}", ms(frame_max)),
        );
        row(
            &format!("key ({label}) to results on screen"),
            ms(result),
            &format!("max {}", ms(result_max)),
        );
    }
    if let Some((cited, (frames, results))) = alert {
        let (frame, frame_max) = summary(frames);
        let (result, result_max) = summary(results);
        let label = format!("key (enter, alert of {cited} ids)");
        row(
            &format!("{label} to next frame"),
            ms(frame),
            &format!("max {}", ms(frame_max)),
        );
        row(
            &format!("{label} to results"),
            ms(result),
            &format!("max {}", ms(result_max)),
        );
    }
    match rss {
        Some(mb) => row(
            "peak resident memory",
            format!("{mb:.0} MB"),
            "budget 300 MB",
        ),
        None => row("peak resident memory", "n/a".into(), "no /proc"),
    }
    println!("\nin process (200x60)");
    row(
        "one full draw",
        ms(draw),
        &format!("mean of {DRAW_ROUNDS}; budget 5 ms"),
    );
    let (median, max) = summary(handled);
    row(
        "key (down) handled and drawn",
        ms(median),
        &format!("max {}", ms(max)),
    );
    if let Some(((result, result_max), (draw, _))) = alert_in_process {
        row(
            "key (enter, biggest alert) to results drawn",
            ms(result),
            &format!("max {}; search thread and UI, no terminal", ms(result_max)),
        );
        row("one full draw of that alert's view", ms(draw), "");
    }
    for phase in during_ingest {
        phase.report();
    }
}

/// Keys pressed while `trailhound ingest` writes an archive into the index the UI shows, each
/// followed by a key to `cat` in another terminal: the machine's own latency under that load.
struct IngestPhase {
    low_priority: bool,
    keys: Vec<Duration>,
    echoes: Vec<Duration>,
    saw_activity: bool,
    grew: u64,
    after: u64,
    ingest_time: Duration,
    caught_up: Duration,
}

fn while_ingesting(
    session: &mut Session,
    index_dir: &Path,
    archive: &Path,
    total: u64,
    low_priority: bool,
) -> IngestPhase {
    let mut echo = Session::echo();
    echo.type_keys(b"");
    let ingest_started = Instant::now();
    let mut ingest = Command::new(binary());
    ingest.arg("--index").arg(index_dir).args(["ingest", "-q"]);
    if low_priority {
        ingest.arg("--low-priority");
    }
    let mut ingest = ingest
        .arg(archive)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the ingest");
    let mut phase = IngestPhase {
        low_priority,
        keys: Vec::new(),
        echoes: Vec::new(),
        saw_activity: false,
        grew: 0,
        after: 0,
        ingest_time: Duration::ZERO,
        caught_up: Duration::ZERO,
    };
    let mut i = 0;
    while ingest.try_wait().expect("wait").is_none() {
        let key: &[u8] = if i % 2 == 0 { b"\x1b[B" } else { b"\x1b[A" };
        phase.keys.push(session.press(key, |_| true).0);
        phase.echoes.push(echo.press(b"x", |_| true).0);
        phase.saw_activity |= session.text().contains("ingest: ");
        if let Some((_, shown)) = events_title(session.parser.screen()) {
            phase.grew = phase.grew.max(shown.saturating_sub(total));
        }
        std::thread::sleep(Duration::from_millis(50));
        i += 1;
    }
    phase.ingest_time = ingest_started.elapsed();
    phase.after = TrailIndex::open(index_dir)
        .and_then(|index| Ok(index.searcher()?.num_docs()))
        .expect("open the index");
    let after = phase.after;
    phase.caught_up = session.until("the new total", |screen| {
        events_title(screen).is_some_and(|(_, shown)| shown == after)
    }) - ingest_started;
    let _ = echo.child.kill();
    phase
}

impl IngestPhase {
    fn report(self) {
        let how = if self.low_priority {
            "trailhound --low-priority ingest` (as the UI starts it)"
        } else {
            "trailhound ingest` (at the UI's priority)"
        };
        println!("\nwhile `{how} writes into the index");
        let samples = self.keys.len();
        let keys = spread(self.keys);
        let echoes = spread(self.echoes);
        let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64().max(1e-6);
        for (label, ui, echo) in [
            ("median", keys.median, echoes.median),
            ("95th percentile", keys.p95, echoes.p95),
            ("slowest", keys.max, echoes.max),
        ] {
            row(
                &format!("key (down) to next frame, {label}"),
                ms(ui),
                &format!(
                    "cat echo {} ({:.1}x); budget 50 ms",
                    ms(echo),
                    ratio(ui, echo)
                ),
            );
        }
        row("keys pressed", samples.to_string(), "each then one to cat");
        row(
            "ingest",
            format!("{:.1} s", self.ingest_time.as_secs_f64()),
            &format!("{} events after", trailhound::units::thousands(self.after)),
        );
        row(
            "new events seen live before it ended",
            trailhound::units::thousands(self.grew),
            if self.saw_activity {
                "its progress showed in the status line"
            } else {
                "its progress never showed"
            },
        );
        row(
            "ingest start to the final count on screen",
            ms(self.caught_up),
            "",
        );
    }
}
