//! The real thing in a pseudo-terminal, read back through a vt100 screen: `trailhound demo` opens
//! the UI, a pivot and a step back work, `q` quits with status 0 and the terminal is given back;
//! hostile event text can neither retitle the window nor write the clipboard.
use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine;
use portable_pty::{native_pty_system, Child, CommandBuilder, PtySize};

use trailhound::index::TrailIndex;
use trailhound::ingest::{ingest_paths, IngestObserver};

const ROWS: u16 = 40;
const COLS: u16 = 140;
const WAIT: Duration = Duration::from_secs(60);

/// What the program asked the terminal to do besides drawing.
#[derive(Default)]
struct Watch {
    titles: Vec<Vec<u8>>,
    clipboard: Vec<Vec<u8>>,
}

impl vt100::Callbacks for Watch {
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8], data: &[u8]) {
        self.clipboard.push(data.to_vec());
    }
}

struct Session {
    child: Box<dyn Child + Send + Sync>,
    keys: Box<dyn Write + Send>,
    parser: vt100::Parser<Watch>,
    output: mpsc::Receiver<Vec<u8>>,
}

impl Session {
    fn start(args: &[&str], home: &Path) -> Session {
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_trailhound"));
        command.args(args);
        Session::start_command(command, home, &[])
    }

    /// Runs `command` in a fresh environment plus `envs`.
    fn start_command(mut command: CommandBuilder, home: &Path, envs: &[(&str, &str)]) -> Session {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        command.cwd(home);
        command.env("TERM", "xterm-256color");
        command.env("HOME", home);
        command.env("XDG_CONFIG_HOME", home.join(".config"));
        // Also the clipboard tools' variables: a copy in a test must not reach the desktop's.
        for name in [
            "NO_COLOR",
            "TMUX",
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "TRAILHOUND_THEME",
            "TRAILHOUND_KEYMAP",
            "TRAILHOUND_INDEX",
            "TRAILHOUND_TEST_PANIC",
            "AWS_PROFILE",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_SESSION_TOKEN",
            "AWS_ENDPOINT_URL_CLOUDTRAIL",
            "AWS_ENDPOINT_URL_STS",
        ] {
            command.env_remove(name);
        }
        for (name, value) in envs {
            command.env(name, value);
        }
        let child = pty.slave.spawn_command(command).expect("spawn");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let keys = pty.master.take_writer().expect("writer");
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Session {
            child,
            keys,
            parser: vt100::Parser::new_with_callbacks(ROWS, COLS, 0, Watch::default()),
            output,
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Reads output until `done` holds; panics with the screen on timeout.
    fn wait_until(&mut self, what: &str, done: impl Fn(&vt100::Parser<Watch>) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(&self.parser) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(_) => panic!(
                    "timed out waiting for {what}; the screen:\n{}",
                    self.screen()
                ),
            }
        }
    }

    fn wait_for(&mut self, text: &str) {
        self.wait_until(&format!("`{text}`"), |parser| {
            parser.screen().contents().contains(text)
        });
    }

    fn press(&mut self, keys: &[u8]) {
        self.keys.write_all(keys).expect("type");
        self.keys.flush().expect("flush");
    }

    /// Quits with `q` and returns once the program has exited and its last output is read.
    fn quit(&mut self) -> portable_pty::ExitStatus {
        self.press(b"q");
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "trailhound did not quit on q:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(300)) {
            self.parser.process(&bytes);
        }
        status
    }
}

#[test]
fn demo_opens_pivots_goes_back_and_quits_cleanly() {
    let home = tempfile::tempdir().expect("dir");
    let mut session = Session::start(&["demo"], home.path());
    session.wait_for("Events 3,000 of 3,000");
    session.wait_for("first seen");
    assert!(
        session.parser.screen().alternate_screen(),
        "the UI draws on the alternate screen"
    );
    let text = session.screen();
    for word in ["Alerts", "Detail", "Timeline", "3,000 events"] {
        assert!(text.contains(word), "`{word}` missing:\n{text}");
    }

    session.press(b"u");
    session.wait_for(" › user=");
    assert!(!session.screen().contains("Events 3,000 of 3,000"));
    session.press(b"b");
    session.wait_for("(1 ahead)");
    session.wait_for("Events 3,000 of 3,000");

    let status = session.quit();
    assert!(status.success(), "exit status {}", status.exit_code());
    let restored = session.parser.screen();
    assert!(!restored.alternate_screen(), "back on the main screen");
    assert!(!restored.hide_cursor(), "the cursor is shown again");
}

struct Quiet;
impl IngestObserver for Quiet {}

#[test]
fn hostile_event_text_cannot_retitle_clear_or_write_the_clipboard() {
    let home = tempfile::tempdir().expect("dir");
    let records = home.path().join("hostile.jsonl");
    let title = "\\u001b]0;pwned\\u0007\\u001b]2;pwned\\u001b\\\\";
    let clipboard = "\\u001b]52;c;ZXZpbA==\\u0007";
    std::fs::write(
        &records,
        format!(
            "{{\"eventTime\":\"2026-11-02T00:00:01Z\",\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"Evil{title}\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.7\",\"userAgent\":\"x{clipboard}\\u001b[2J\\u009b2J\",\"userIdentity\":{{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/mal{title}\"}},\"eventID\":\"h-1\"}}\n\
             {{\"eventTime\":\"2026-11-01T00:00:01Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"ListBuckets\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"198.51.100.8\",\"userIdentity\":{{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/bob\"}},\"eventID\":\"h-2\"}}\n"
        ),
    )
    .expect("write");
    let index_dir = home.path().join("index");
    let index = TrailIndex::open_or_create(&index_dir).expect("index");
    ingest_paths(&index, &[records], None, &mut Quiet).expect("ingest");
    drop(index);

    // `trailhound` alone opens the UI on the index.
    let index_arg = index_dir.display().to_string();
    let mut session = Session::start(&["--index", &index_arg], home.path());
    session.wait_for("Events 2 of 2");
    session.wait_for("\"userAgent\"");
    let text = session.screen();
    assert!(
        text.contains("Evil\\u{1b}]0;pwned"),
        "the list shows the sequence as text:\n{text}"
    );
    assert!(
        text.contains("\\u001b]52;c;ZXZpbA=="),
        "the detail shows it as a JSON escape:\n{text}"
    );
    assert!(
        session.parser.callbacks().titles.is_empty(),
        "an event set the window title"
    );
    assert!(
        session.parser.callbacks().clipboard.is_empty(),
        "an event wrote the clipboard"
    );

    // Copying is the user's act: `y` on the detail's `eventName` line puts exactly that value there.
    session.press(b"\t\x06eventName\r");
    session.wait_for("lines match");
    session.press(b"y");
    session.wait_until("the copy", |parser| {
        !parser.callbacks().clipboard.is_empty()
    });
    let copied = session.parser.callbacks().clipboard.clone();
    assert_eq!(copied.len(), 1);
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&copied[0])
        .expect("base64");
    assert!(String::from_utf8_lossy(&decoded).starts_with("Evil\u{1b}]0;pwned"));
    assert!(session.parser.callbacks().titles.is_empty());

    let status = session.quit();
    assert!(status.success(), "exit status {}", status.exit_code());
}

#[test]
fn a_panic_gives_the_terminal_back_and_says_what_happened() {
    let home = tempfile::tempdir().expect("dir");
    let index_dir = home.path().join("index");
    TrailIndex::open_or_create(&index_dir).expect("index");
    // The shell reports the terminal's modes once trailhound has exited.
    let mut command = CommandBuilder::new("sh");
    command.args([
        "-c",
        "\"$0\" --index \"$1\" tui; echo \"exit=$?\"; stty -a",
        env!("CARGO_BIN_EXE_trailhound"),
        &index_dir.display().to_string(),
    ]);
    let mut session = Session::start_command(
        command,
        home.path(),
        &[("TRAILHOUND_TEST_PANIC", "1"), ("RUST_BACKTRACE", "0")],
    );
    session.wait_for("exit=");
    session.wait_until("stty's report", |parser| {
        parser.screen().contents().contains("icanon")
    });
    let deadline = Instant::now() + WAIT;
    while session.child.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "the shell did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
    while let Ok(bytes) = session.output.recv_timeout(Duration::from_millis(300)) {
        session.parser.process(&bytes);
    }
    let screen = session.parser.screen();
    let text = screen.contents();
    assert!(
        !screen.alternate_screen(),
        "back on the main screen:\n{text}"
    );
    assert!(!screen.hide_cursor(), "the cursor is shown again");
    assert!(
        text.contains("panicking on purpose after the first frame"),
        "the panic message is readable:\n{text}"
    );
    assert!(!text.contains("exit=0"), "a panic is a failure:\n{text}");
    let modes: Vec<&str> = text.split_whitespace().collect();
    for mode in ["icanon", "echo", "isig", "icrnl", "opost"] {
        assert!(
            modes.contains(&mode),
            "`{mode}` not restored (raw mode left on):\n{text}"
        );
    }
}

#[path = "support/fake_cloudtrail.rs"]
mod fake_cloudtrail;
mod support;

/// The environment of a UI whose pulls sign with the fake's test key and talk to the fake only
/// (`config`: an AWS config file that need not exist), plus `extra`.
fn fake_aws_env<'a>(
    fake: &'a fake_cloudtrail::FakeCloudTrail,
    config: &'a Path,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let config = config.to_str().unwrap();
    let mut env = vec![
        ("AWS_ENDPOINT_URL", fake.endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", fake_cloudtrail::ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", fake_cloudtrail::SECRET_KEY),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", config),
        ("AWS_SHARED_CREDENTIALS_FILE", config),
    ];
    env.extend_from_slice(extra);
    env
}

/// One key in the UI loads a principal's 90-day history from LookupEvents in the background:
/// the real binary in a real terminal, its pull a child process using the real SDK against the
/// fake service; the new events show up live and the status line says what happened.
#[test]
fn one_key_loads_the_selected_principals_history_from_lookup_events() {
    use fake_cloudtrail::{FakeCloudTrail, SECRET_KEY};
    let home = tempfile::tempdir().expect("dir");
    let recent = |minutes: i64| {
        (chrono::Utc::now() - chrono::Duration::minutes(minutes))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let event = |id: &str, user: &str, minutes: i64| {
        serde_json::json!({
            "eventVersion": "1.09", "eventID": id, "eventTime": recent(minutes),
            "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances",
            "awsRegion": "eu-west-1", "sourceIPAddress": "198.51.100.9",
            "recipientAccountId": "111122223333",
            "userIdentity": {"type": "IAMUser", "userName": user, "accountId": "111122223333",
                "arn": format!("arn:aws:iam::111122223333:user/{user}")}
        })
    };
    let archive = home.path().join("archive.jsonl");
    std::fs::write(&archive, format!("{}\n", event("archived-1", "bob", 5))).expect("write");
    let index_dir = home.path().join("index");
    let index = TrailIndex::open_or_create(&index_dir).expect("index");
    ingest_paths(&index, &[archive], None, &mut Quiet).expect("ingest");
    drop(index);

    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    let bobs: Vec<_> = (0..30)
        .map(|i| event(&format!("bob-{i}"), "bob", 10 + i))
        .collect();
    let alices: Vec<_> = (0..20)
        .map(|i| event(&format!("alice-{i}"), "alice", 10 + i))
        .collect();
    fake.add_events("eu-west-1", &bobs);
    fake.add_events("eu-west-1", &alices);

    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_trailhound"));
    command.args(["--index", index_dir.to_str().unwrap(), "tui"]);
    let config = home.path().join("aws-config");
    let mut session =
        Session::start_command(command, home.path(), &fake_aws_env(&fake, &config, &[]));
    session.wait_for("Events 1 of 1");
    session.press(b"H");
    session.wait_for("Events 31 of 31");
    session.wait_for("Username=bob: pulled 30 events (30 new");
    let screen = session.screen();
    assert!(!screen.contains(SECRET_KEY));

    // A pull that fails changes nothing in the index, yet its end shows without another key.
    session.press(b"L\x15--since nonsense\r");
    session.wait_for("last error: pull: ");
    session.wait_for("invalid value 'nonsense'");
    assert!(session.quit().success());
    let served = fake.served();
    assert!(served
        .iter()
        .all(|s| s.region == "eu-west-1" || s.region == "us-east-1"));
}

/// An organisation's accounts in one index: the status line counts them, `H` loads a user's
/// history from the account the selected event came from, through the role the earlier pull used
/// for it, and `F` follows every pulled account until pressed again. The real binary in a real
/// terminal; its pulls are child processes using the real SDK (STS AssumeRole included) against
/// the fake service.
#[test]
fn an_organisations_accounts_are_reached_by_h_and_followed_by_f() {
    use fake_cloudtrail::FakeCloudTrail;
    const ROLE: &str = "OrganizationAccountAccessRole";
    const FIRST: &str = "222233334444";
    const SECOND: &str = "333344445555";
    let home = tempfile::tempdir().expect("dir");
    let at = |ago: chrono::Duration| {
        (chrono::Utc::now() - ago)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    let event = |id: &str, user: &str, account: &str, ago: chrono::Duration| {
        serde_json::json!({
            "eventVersion": "1.09", "eventID": id, "eventTime": at(ago),
            "eventSource": "ec2.amazonaws.com", "eventName": "DescribeInstances",
            "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.9",
            "recipientAccountId": account,
            "userIdentity": {"type": "IAMUser", "userName": user, "accountId": account,
                "arn": format!("arn:aws:iam::{account}:user/{user}")}
        })
    };
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    for account in [FIRST, SECOND] {
        fake.allow_role(account, ROLE);
    }
    let recent = chrono::Duration::minutes(30);
    fake.add_account_events(FIRST, "us-east-1", &[event("a-1", "alice", FIRST, recent)]);
    fake.add_account_events(SECOND, "us-east-1", &[event("b-1", "bob", SECOND, recent)]);
    let index_dir = home.path().join("index");
    let first_pull = fake
        .command(&index_dir, home.path())
        .args([
            "pull",
            "--no-rules",
            "--region",
            "us-east-1",
            "--since",
            "1d",
        ])
        .args(["--account", FIRST, "--account", SECOND, "--role-name", ROLE])
        .output()
        .expect("pull");
    assert!(first_pull.status.success(), "{first_pull:?}");
    // Older history the first pull did not reach: bob's in the second account, and a user of
    // the same name in the first (which `H` on bob's event must not load).
    let weeks = chrono::Duration::days(20);
    let older_bob: Vec<_> = (0..12)
        .map(|i| event(&format!("b-old-{i}"), "bob", SECOND, weeks + recent * i))
        .collect();
    fake.add_account_events(SECOND, "us-east-1", &older_bob);
    fake.add_account_events(FIRST, "us-east-1", &[event("a-bob", "bob", FIRST, weeks)]);

    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_trailhound"));
    command.args(["--index", index_dir.to_str().unwrap(), "tui", "bob"]);
    let config = home.path().join("aws-config");
    let env = fake_aws_env(&fake, &config, &[("AWS_REGION", "us-east-1")]);
    let mut session = Session::start_command(command, home.path(), &env);
    session.wait_for("Events 1 of 2");
    session.wait_for("· 2 accounts");
    session.press(b"H");
    session.wait_for("Events 13 of 14");
    session.wait_for("Username=bob: pulled 12 events (12 new");
    let history: Vec<_> = fake
        .served()
        .into_iter()
        .filter(|s| s.status == 200 && s.attribute.as_deref() == Some("Username=bob"))
        .collect();
    assert!(!history.is_empty());
    assert!(
        history.iter().all(|s| s.account == SECOND),
        "bob's history came from his own account only: {:?}",
        history.iter().map(|s| &s.account).collect::<Vec<_>>()
    );

    let before = fake.served().len();
    session.press(b"F");
    session.wait_for("following (F stops)");
    fake.add_account_events(
        FIRST,
        "us-east-1",
        &[event("a-new", "bob", FIRST, chrono::Duration::zero())],
    );
    session.wait_for("Events 14 of 15");
    let followed: std::collections::BTreeSet<String> = fake.served()[before..]
        .iter()
        .map(|s| s.account.clone())
        .collect();
    assert_eq!(
        followed,
        [FIRST.to_owned(), SECOND.to_owned()].into(),
        "F follows every account pulled so far"
    );
    session.press(b"F");
    session.wait_for("stopped following: pulled");
    assert!(!session.screen().contains("following (F stops)"));
    assert!(session.quit().success());
}
