//! A `trailhound pull` or `ingest` started from the UI: a child process writing into the same
//! index (the UI only reads it), whose progress shows through the index's activity report like
//! any other writer's, and whose last words become the status message when it ends.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A job still running when the UI quits keeps going: pulls and ingests are resumable, and its
/// activity shows in the next UI that opens the index.
pub struct BackgroundJob {
    pub label: String,
    command: String,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// How a job ended: its summary line, or the reason it failed.
pub type JobResult = Result<String, String>;

impl BackgroundJob {
    /// Runs `program --index DIR --quiet --low-priority COMMAND ARGS...` (at a lower CPU
    /// priority than the UI, so that keys stay quick while it writes); its output goes to files
    /// beside the index.
    pub fn start(
        program: &Path,
        index_dir: &Path,
        command: &str,
        args: &[String],
        label: &str,
    ) -> std::io::Result<BackgroundJob> {
        let stdout = index_dir.join(format!("{command}-from-ui.out"));
        let stderr = index_dir.join(format!("{command}-from-ui.err"));
        let child = Command::new(program)
            .arg("--index")
            .arg(index_dir)
            .arg("--quiet")
            .arg("--low-priority")
            .arg(command)
            .args(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout)?)
            .stderr(std::fs::File::create(&stderr)?)
            .spawn()?;
        Ok(BackgroundJob {
            label: label.to_owned(),
            command: command.to_owned(),
            child,
            stdout,
            stderr,
        })
    }

    /// Asks the job to stop as Ctrl-C would (it commits what it has and leaves a clean
    /// checkpoint); `poll` reports its end.
    #[cfg(unix)]
    pub fn stop(&self) {
        // The pid is our own child's, not reaped before `poll` sees it end.
        let pid = i32::try_from(self.child.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw);
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
    }

    #[cfg(not(unix))]
    pub fn stop(&self) {}

    /// `Some` once the job has ended.
    pub fn poll(&mut self) -> Option<JobResult> {
        let status = match self.child.try_wait() {
            Ok(None) => return None,
            Ok(Some(status)) => status,
            Err(e) => return Some(Err(format!("cannot watch it: {e}"))),
        };
        // The line that says what happened: the last one the program (or its argument
        // parser) marked as its own, else the last one.
        let last_line = |path: &Path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            lines
                .iter()
                .rev()
                .find(|l| l.starts_with("trailhound: ") || l.starts_with("error: "))
                .or(lines.last())
                .map(|l| {
                    let l = l.trim_start_matches("trailhound: ");
                    let l = l.trim_start_matches("error: ");
                    l.strip_prefix(&format!("{}: ", self.command))
                        .unwrap_or(l)
                        .to_owned()
                })
        };
        let summary = last_line(&self.stdout);
        let problem = last_line(&self.stderr);
        Some(match (status.success(), summary, problem) {
            (true, Some(summary), _) => Ok(summary),
            (true, None, _) => Ok("finished".to_owned()),
            (false, _, Some(problem)) => Err(problem),
            (false, _, None) => Err(format!("ended with {status}")),
        })
    }
}
