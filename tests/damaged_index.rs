//! A damaged index (bytes flipped inside its segment files or its meta.json) never panics a read:
//! every command that reads the damage says so in one line and exits 1, and the terminal UI shows
//! the error and still quits on `q`.
mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tempfile::TempDir;

use support::trailhound;
use trailhound::index::TrailIndex;
use trailhound::tui::{App, Options};

/// The demo archive ingested once; tests corrupt copies of it.
fn pristine() -> &'static Path {
    static INDEX: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let work = tempfile::tempdir().unwrap();
            let archive = work.path().join("archive");
            trailhound::cli::demo::extract_demo_archive(&archive).unwrap();
            let index = work.path().join("index");
            trailhound(&index)
                .args(["--quiet", "ingest"])
                .arg(archive.join("AWSLogs"))
                .assert()
                .success();
            (work, index)
        })
        .1
}

fn copy_of_index() -> TempDir {
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(pristine()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
        }
    }
    copy
}

/// Inverts every 61st byte of the file but its last 64 (a footer stays readable, mostly).
fn flip_bytes(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let end = bytes.len().saturating_sub(64);
    for byte in bytes[..end].iter_mut().step_by(61) {
        *byte ^= 0xff;
    }
    std::fs::write(path, bytes).unwrap();
}

fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect()
}

fn some_event_id() -> String {
    let output = trailhound(pristine())
        .args(["search", "--limit", "1", "--format", "jsonl"])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let record: serde_json::Value = serde_json::from_str(&line).unwrap();
    record["eventID"].as_str().unwrap().to_owned()
}

/// The read commands, as argument lists.
fn read_commands() -> Vec<Vec<String>> {
    let id = some_event_id();
    [
        vec!["search", "--limit", "20"],
        vec![
            "search",
            "eventName:ConsoleLogin OR user:*",
            "--format",
            "csv",
        ],
        vec!["search", "--count", ""],
        vec!["search", "--oldest-first", "--since", "3000d"],
        vec![
            "search",
            "errorCode:* OR eventSource:iam.amazonaws.com AND NOT eventName:Get*",
        ],
        vec!["search", "--count", "errorCode:*"],
        vec!["show", &id],
        vec!["top", "eventName"],
        vec!["top", "sourceIPAddress", "eventSource:iam.amazonaws.com"],
        vec!["info"],
        vec!["alerts"],
    ]
    .into_iter()
    .map(|args| args.into_iter().map(str::to_owned).collect())
    .collect()
}

/// Runs `args` on `index`: never a panic; either success or exit 1 with the one damage line.
/// True when the command reported the damage.
fn reports_damage_or_succeeds(index: &Path, args: &[String]) -> bool {
    let output = trailhound(index).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "`{}` panicked:\n{stderr}",
        args.join(" ")
    );
    match output.status.code() {
        Some(0) => false,
        Some(1) => {
            assert!(
                stderr.contains(&format!("the index at {} is damaged", index.display()))
                    && stderr.contains("rebuild it"),
                "`{}` failed without saying the index is damaged:\n{stderr}",
                args.join(" ")
            );
            assert_eq!(
                stderr.trim_end().lines().count(),
                1,
                "one line, not a trace:\n{stderr}"
            );
            true
        }
        other => panic!("`{}` exited {other:?}:\n{stderr}", args.join(" ")),
    }
}

#[test]
fn flipped_bytes_in_any_segment_file_kind_never_panic_a_read() {
    let commands = read_commands();
    for extension in ["idx", "fast", "term", "pos", "store", "fieldnorm"] {
        let copy = copy_of_index();
        let files = files_with_extension(copy.path(), extension);
        assert!(!files.is_empty(), "the index has no .{extension} file");
        for file in &files {
            flip_bytes(file);
        }
        let mut reported = Vec::new();
        for args in &commands {
            if reports_damage_or_succeeds(copy.path(), args) {
                reported.push(args.join(" "));
            }
        }
        if matches!(extension, "idx" | "fast") {
            assert!(
                reported.iter().any(|command| command.starts_with("search")),
                "damaged .{extension} files went unnoticed by every search"
            );
        }
    }
}

#[test]
fn a_damaged_meta_json_is_one_line_from_every_command() {
    let copy = copy_of_index();
    flip_bytes(&copy.path().join("meta.json"));
    for args in read_commands() {
        assert!(
            reports_damage_or_succeeds(copy.path(), &args),
            "`{}` succeeded on a damaged meta.json",
            args.join(" ")
        );
    }
}

#[test]
fn the_terminal_ui_shows_the_damage_and_quits() {
    let copy = copy_of_index();
    for file in files_with_extension(copy.path(), "idx") {
        flip_bytes(&file);
    }
    let index = TrailIndex::open(copy.path()).expect("the meta data is intact");
    let mut app = App::new(index, &Options::builtin(), (140, 40)).expect("app");
    assert!(
        app.settle(Duration::from_secs(30)),
        "the worker never answered"
    );
    let message = app.state.status.last_error.clone().unwrap_or_default();
    assert!(
        message.contains("is damaged") && message.contains("rebuild it"),
        "the status line does not say the index is damaged: {message:?}"
    );
    app.press(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE));
    assert!(app.state.should_quit, "q does not quit");
}

/// The real binary in a real terminal: before, a panic on a reader thread left the screen blank
/// and `q` ignored. Now the status line says the index is damaged and `q` quits with status 0.
#[test]
fn the_real_terminal_ui_shows_the_damage_and_quits_on_q() {
    use portable_pty::{native_pty_system, CommandBuilder, PtySize};
    use std::io::{Read, Write};
    use std::time::Instant;

    let copy = copy_of_index();
    for file in files_with_extension(copy.path(), "fast") {
        flip_bytes(&file);
    }
    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 160,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pseudo-terminal");
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_trailhound"));
    command.args(["--index", &copy.path().display().to_string(), "tui"]);
    command.env("TERM", "xterm-256color");
    command.env("RUST_BACKTRACE", "1");
    for name in ["NO_COLOR", "TMUX", "TRAILHOUND_THEME", "TRAILHOUND_KEYMAP"] {
        command.env_remove(name);
    }
    command.cwd(copy.path());
    let mut child = pty.slave.spawn_command(command).expect("spawn");
    drop(pty.slave);
    let mut reader = pty.master.try_clone_reader().expect("reader");
    let mut keys = pty.master.take_writer().expect("writer");
    let (tx, output) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut screen = vt100::Parser::new(40, 160, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !screen.screen().contents().contains("is damaged") {
        let left = deadline.saturating_duration_since(Instant::now());
        match output.recv_timeout(left) {
            Ok(bytes) => screen.process(&bytes),
            Err(_) => panic!(
                "the UI never said the index is damaged:\n{}",
                screen.screen().contents()
            ),
        }
    }
    let text = screen.screen().contents();
    assert!(!text.contains("panicked"), "{text}");
    keys.write_all(b"q").expect("type");
    keys.flush().expect("flush");
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "q did not quit:\n{}",
            screen.screen().contents()
        );
        while let Ok(bytes) = output.try_recv() {
            screen.process(&bytes);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {}", status.exit_code());
}
