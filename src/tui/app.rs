//! The app: wiring state, keymap, theme and worker together, and the terminal loop around them
//! (raw mode and the alternate screen on the way in, restored on the way out and on a panic).
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use base64::Engine;
use crossbeam_channel::RecvTimeoutError;
use ratatui::crossterm::event::{self, Event, KeyEvent};
use ratatui::{DefaultTerminal, Frame};

use super::background::BackgroundJob;
use super::clipboard::ClipboardTool;
use super::config_file::user_config_dir;
use super::keymap::{self, Keymap};
use super::panes::{self, help::help_lines};
use super::state::AppState;
use super::theme::{self, Theme, ThemeEnv, DEFAULT_THEME};
use super::update::{self, Effect, Msg, FOLLOW_LABEL};
use super::worker::{Request, Worker, DEFAULT_POLL};
use crate::cli::exit;
use crate::index::TrailIndex;

pub const THEME_ENV: &str = "TRAILHOUND_THEME";
pub const KEYMAP_ENV: &str = "TRAILHOUND_KEYMAP";
/// Set (to anything) to panic right after the first frame: how the tests check that a panic
/// gives the terminal back.
pub const TEST_PANIC_ENV: &str = "TRAILHOUND_TEST_PANIC";

/// How to open the UI.
#[derive(Debug, Clone)]
pub struct Options {
    pub theme: String,
    pub keymap: String,
    /// Where the user's `keymaps/` and `themes/` folders are (`None`: built-ins only).
    pub config_dir: Option<PathBuf>,
    pub theme_env: ThemeEnv,
    pub initial_query: Option<String>,
    /// How often to look for new commits, alerts and a writer's activity.
    pub poll: Duration,
    /// The trailhound binary that runs pulls and ingests started from the UI (this program by
    /// default).
    pub job_program: Option<PathBuf>,
    /// Where a copy also goes besides OSC 52 (`None`: OSC 52 only).
    pub clipboard_tool: Option<ClipboardTool>,
    /// A broken config file, said in the status line like a broken keymap or theme.
    pub config_errors: Vec<String>,
    /// Where the query history and saved queries are kept across runs (`None`: not kept).
    pub queries_file: Option<PathBuf>,
}

impl Options {
    /// Built-in keymap and theme, true colour, no user folder: what tests want.
    pub fn builtin() -> Options {
        Options {
            theme: DEFAULT_THEME.to_owned(),
            keymap: "default".to_owned(),
            config_dir: None,
            theme_env: ThemeEnv::TRUE_COLOR,
            initial_query: None,
            poll: DEFAULT_POLL,
            job_program: None,
            clipboard_tool: None,
            config_errors: Vec::new(),
            queries_file: None,
        }
    }

    /// `TRAILHOUND_THEME`, `TRAILHOUND_KEYMAP`, `NO_COLOR`, the terminal's colours and the user's
    /// configuration folder.
    pub fn from_environment() -> Options {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Options {
            theme: var(THEME_ENV, DEFAULT_THEME),
            keymap: var(KEYMAP_ENV, "default"),
            config_dir: user_config_dir(),
            theme_env: ThemeEnv::from_process(),
            initial_query: None,
            poll: DEFAULT_POLL,
            job_program: std::env::current_exe().ok(),
            clipboard_tool: ClipboardTool::from_environment(),
            config_errors: Vec::new(),
            queries_file: super::saved_queries::default_file(),
        }
    }

    /// As [`Options::from_environment`], with the config file's `[ui]` theme and keymap where no
    /// variable names one; a broken config file is kept to be said in the status line.
    pub fn from_config(settings: Result<crate::detect::settings::Settings, String>) -> Options {
        let mut options = Options::from_environment();
        let unset = |name: &str| std::env::var(name).map_or(true, |v| v.is_empty());
        match settings {
            Ok(settings) => {
                if let Some(theme) = settings.ui_theme.filter(|_| unset(THEME_ENV)) {
                    options.theme = theme;
                }
                if let Some(keymap) = settings.ui_keymap.filter(|_| unset(KEYMAP_ENV)) {
                    options.keymap = keymap;
                }
            }
            Err(error) => options
                .config_errors
                .push(format!("config {error} (not used)")),
        }
        options
    }
}

/// The UI without a terminal: whole-app tests drive this with keys and draw it on a test backend.
pub struct App {
    pub state: AppState,
    pub keymap: Keymap,
    pub theme: Theme,
    worker: Worker,
    /// Texts to put on the clipboard, oldest first, until the terminal loop writes them.
    pub clipboard: Vec<String>,
    index_dir: PathBuf,
    job_program: Option<PathBuf>,
    clipboard_tool: Option<ClipboardTool>,
    jobs: Vec<BackgroundJob>,
    /// The index folder cannot be written (an evidence copy mounted read-only).
    read_only: bool,
    queries_file: Option<PathBuf>,
}

/// A follow belongs to the UI that started it: other jobs end by themselves and keep going
/// after the UI closes (they are resumable), a follow would never end.
impl Drop for App {
    fn drop(&mut self) {
        for job in self.jobs.iter().filter(|job| job.label == FOLLOW_LABEL) {
            job.stop();
        }
    }
}

/// What the UI says when it opens an index it cannot write.
pub const READ_ONLY_NOTICE: &str = "read-only index: searching works; ingest, pull and ack are off";

impl App {
    pub fn new(index: TrailIndex, options: &Options, size: (u16, u16)) -> anyhow::Result<App> {
        let config_dir = options.config_dir.as_deref();
        let (keymap, keymap_error) = keymap::load(&options.keymap, config_dir);
        let (theme, theme_error) = theme::load(&options.theme, config_dir, options.theme_env);
        let mut state = AppState::new(size, help_lines(&keymap));
        state
            .status
            .config_errors
            .extend(options.config_errors.iter().cloned());
        if let Some(error) = keymap_error {
            state
                .status
                .config_errors
                .push(format!("keymap {error} (using the default keymap)"));
        }
        if let Some(error) = theme_error {
            state
                .status
                .config_errors
                .push(format!("theme {error} (using the default theme)"));
        }
        let index_dir = index.dir().to_owned();
        let read_only = !index.is_writable();
        if read_only {
            state.status.say(READ_ONLY_NOTICE);
        }
        state.case = super::case_edits::load(&index_dir);
        if let Some(name) = &state.case.name {
            state.status.say(format!(
                "case {name} is open ({} pins): m pins, M notes, C shows it",
                state.case.pins
            ));
        }
        if let Some(file) = &options.queries_file {
            let queries = super::saved_queries::SavedQueries::load(file);
            state.query_history = queries.history;
            state.saved_queries = queries.saved;
        }
        let worker =
            Worker::spawn(index, options.poll).context("cannot start the search thread")?;
        let effects = update::start(&mut state, options.initial_query.as_deref());
        let mut app = App {
            state,
            keymap,
            theme,
            worker,
            clipboard: Vec::new(),
            index_dir,
            job_program: options.job_program.clone(),
            clipboard_tool: options.clipboard_tool.clone(),
            jobs: Vec::new(),
            read_only,
            queries_file: options.queries_file.clone(),
        };
        app.perform(effects);
        Ok(app)
    }

    pub fn handle(&mut self, msg: Msg) {
        let effects = update::update(&mut self.state, &self.keymap, msg);
        self.perform(effects);
    }

    pub fn press(&mut self, key: KeyEvent) {
        self.handle(Msg::Key(key));
    }

    fn perform(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Send(Request::Alerts { id, mark: Some(_) }) if self.read_only => {
                    self.state.status.fail(READ_ONLY_NOTICE);
                    // Shows the marks as they are on disk again.
                    self.worker.send(Request::Alerts { id, mark: None });
                }
                Effect::Run { .. } if self.read_only => {
                    self.state.following = false;
                    self.state.status.fail(READ_ONLY_NOTICE)
                }
                Effect::OpenCase => {
                    match crate::case::Case::current(&self.index_dir) {
                        Ok(case) => {
                            if let Some(problem) = case.problems.first() {
                                self.state
                                    .status
                                    .fail(format!("case: {problem} (left out)"));
                            }
                            self.state.case = super::state::CaseState::of(&case);
                            self.state.case_view = super::state::CaseView::of(&case);
                        }
                        Err(crate::case::CaseError::NoneOpen) => {
                            self.state.case_view = super::state::CaseView::default();
                        }
                        Err(e) => self.state.status.fail(format!("case: {e}")),
                    }
                    self.state.mode = super::state::Mode::Case;
                }
                Effect::RememberQueries => {
                    if let Some(file) = &self.queries_file {
                        let queries = super::saved_queries::SavedQueries {
                            history: self.state.query_history.clone(),
                            saved: self.state.saved_queries.clone(),
                        };
                        if let Err(e) = queries.save(file) {
                            self.state.status.fail(format!(
                                "cannot keep the query history in {}: {e}",
                                file.display()
                            ));
                        }
                    }
                }
                Effect::WriteFile { path, contents } => {
                    match crate::state_file::write_bytes(Path::new(&path), contents.as_bytes()) {
                        Ok(()) => self.state.status.say(format!("wrote the event to {path}")),
                        Err(e) => self.state.status.fail(format!("cannot write {path}: {e}")),
                    }
                }
                Effect::Case(_) if self.read_only => self
                    .state
                    .status
                    .fail("read-only index: the case beside it cannot be written"),
                Effect::Case(edit) => {
                    super::case_edits::apply(&self.index_dir, &mut self.state, edit)
                }
                Effect::Stop { label } => {
                    for job in self.jobs.iter().filter(|job| job.label == label) {
                        job.stop();
                    }
                }
                Effect::Send(request) => {
                    if !self.worker.send(request) {
                        self.state.status.fail("the search thread has stopped");
                    }
                }
                Effect::Copy(text) => {
                    if let Some(tool) = &self.clipboard_tool {
                        match tool.copy(&text) {
                            Ok(()) => {
                                if let Some(message) = &mut self.state.status.message {
                                    message.push_str(&format!(" and {}", tool.name));
                                }
                            }
                            Err(e) => self
                                .state
                                .status
                                .fail(format!("copy to {} failed ({e}); OSC 52 only", tool.name)),
                        }
                    }
                    self.clipboard.push(text);
                }
                Effect::Run {
                    command,
                    args,
                    label,
                } => self.start_job(command, &args, &label),
            }
        }
    }

    fn start_job(&mut self, command: &str, args: &[String], label: &str) {
        let Some(program) = &self.job_program else {
            if label == FOLLOW_LABEL {
                self.state.following = false;
            }
            self.state.status.fail(format!(
                "cannot find the trailhound program to {command} with"
            ));
            return;
        };
        match BackgroundJob::start(program, &self.index_dir, command, args, label) {
            Ok(job) => self.jobs.push(job),
            Err(e) => {
                if label == FOLLOW_LABEL {
                    self.state.following = false;
                }
                self.state
                    .status
                    .fail(format!("cannot start {command}: {e}"))
            }
        }
    }

    /// Reports pulls and ingests started from the UI that have ended; true when one did.
    fn reap_jobs(&mut self) -> bool {
        let mut ended = Vec::new();
        self.jobs.retain_mut(|job| match job.poll() {
            Some(result) => {
                ended.push((job.label.clone(), result));
                false
            }
            None => true,
        });
        let any = !ended.is_empty();
        for (label, result) in ended {
            self.handle(Msg::JobEnded { label, result });
        }
        any
    }

    /// Pulls and ingests started from the UI still running.
    pub fn jobs_running(&self) -> usize {
        self.jobs.len()
    }

    /// Handles the worker's replies that have arrived; true when there were any.
    pub fn pump(&mut self) -> bool {
        let mut any = self.reap_jobs();
        while let Ok(reply) = self.worker.replies.try_recv() {
            self.handle(Msg::Reply(Box::new(reply)));
            any = true;
        }
        any
    }

    /// Handles replies until no request is outstanding; false on timeout.
    pub fn settle(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.pump();
            if !self.state.is_busy() {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.worker.replies.recv_timeout(left) {
                Ok(reply) => self.handle(Msg::Reply(Box::new(reply))),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame) {
        panes::draw(&self.state, &self.theme, frame);
    }

    fn on_terminal_event(&mut self, event: Event) {
        match event {
            Event::Key(key) => self.press(key),
            Event::Resize(width, height) => self.handle(Msg::Resize(width, height)),
            _ => {}
        }
    }
}

/// Opens the UI on `index` in this terminal; returns the exit status when the user quits.
pub fn run(index: TrailIndex, options: Options) -> anyhow::Result<i32> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("the terminal UI needs a terminal; in scripts use `trailhound search`");
    }
    // try_init also installs a panic hook that restores the terminal before the panic is printed.
    let mut terminal = ratatui::try_init().context("cannot set up the terminal")?;
    // In front of the hook that restores the terminal: a panic the index catches must not.
    crate::index::panic_guard::silence_caught_panics();
    let result = terminal
        .size()
        .map_err(anyhow::Error::from)
        .and_then(|size| App::new(index, &options, (size.width, size.height)))
        .and_then(|mut app| event_loop(&mut terminal, &mut app));
    let restored = ratatui::try_restore().context("cannot restore the terminal");
    result?;
    restored?;
    Ok(exit::OK)
}

/// Most events handled between two draws, so that a held key cannot starve the screen.
const EVENTS_PER_FRAME: usize = 64;
const INPUT_POLL: Duration = Duration::from_millis(50);
/// How often the loop looks at the UI's own background jobs while one runs.
const JOB_POLL: Duration = Duration::from_millis(250);
/// With no job running only a key or a worker reply changes the screen.
const IDLE_WAIT: Duration = Duration::from_secs(60);

fn event_loop(terminal: &mut DefaultTerminal, app: &mut App) -> anyhow::Result<()> {
    let (input_tx, input) = crossbeam_channel::bounded::<Event>(EVENTS_PER_FRAME);
    let stop = Arc::new(AtomicBool::new(false));
    let reader_stop = Arc::clone(&stop);
    let reader = std::thread::Builder::new()
        .name("trailhound-input".into())
        .spawn(move || {
            while !reader_stop.load(Ordering::Relaxed) {
                match event::poll(INPUT_POLL) {
                    Ok(true) => {
                        let Ok(event) = event::read() else { break };
                        if input_tx.send(event).is_err() {
                            break;
                        }
                    }
                    Ok(false) => {}
                    Err(_) => break,
                }
            }
        })?;
    let replies = app.worker.replies.clone();
    let panic_after_first_frame = std::env::var_os(TEST_PANIC_ENV).is_some();
    let result = (|| -> anyhow::Result<()> {
        loop {
            terminal.draw(|frame| app.draw(frame))?;
            if panic_after_first_frame {
                panic!("{TEST_PANIC_ENV} is set: panicking on purpose after the first frame");
            }
            write_clipboard(terminal.backend_mut(), &mut app.clipboard)?;
            if app.state.should_quit {
                return Ok(());
            }
            // A job that ends wakes nothing: while one runs, look at it now and then.
            let wait = if app.jobs_running() > 0 {
                JOB_POLL
            } else {
                IDLE_WAIT
            };
            crossbeam_channel::select! {
                recv(input) -> event => match event {
                    Ok(event) => app.on_terminal_event(event),
                    Err(_) => anyhow::bail!("the terminal input stopped"),
                },
                recv(replies) -> reply => {
                    if let Ok(reply) = reply {
                        app.handle(Msg::Reply(Box::new(reply)));
                    }
                },
                default(wait) => {}
            }
            for _ in 0..EVENTS_PER_FRAME {
                match input.try_recv() {
                    Ok(event) => app.on_terminal_event(event),
                    Err(_) => break,
                }
            }
            app.pump();
        }
    })();
    stop.store(true, Ordering::Relaxed);
    drop(input);
    let _ = reader.join();
    result
}

/// Puts each text on the clipboard with OSC 52 (base64, so no text can smuggle in a sequence).
fn write_clipboard(out: &mut impl Write, texts: &mut Vec<String>) -> std::io::Result<()> {
    for text in texts.drain(..) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
        write!(out, "\x1b]52;c;{encoded}\x07")?;
    }
    out.flush()
}
