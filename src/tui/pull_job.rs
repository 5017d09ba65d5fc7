//! A `trailhound pull` started from the UI: a child process writing into the same index (the UI
//! only reads it), whose progress shows through the index's activity report like any other
//! writer's, and whose last words become the status message when it ends.
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A pull still running when the UI quits keeps going: it is resumable, and its activity shows
/// in the next UI that opens the index.
pub struct PullJob {
    pub label: String,
    child: Child,
    stdout: PathBuf,
    stderr: PathBuf,
}

/// How a pull ended: its summary line, or the reason it failed.
pub type PullResult = Result<String, String>;

impl PullJob {
    /// Runs `program --index DIR --quiet pull ARGS...`; its output goes to files beside the index.
    pub fn start(
        program: &Path,
        index_dir: &Path,
        args: &[String],
        label: &str,
    ) -> std::io::Result<PullJob> {
        let stdout = index_dir.join("pull-from-ui.out");
        let stderr = index_dir.join("pull-from-ui.err");
        let child = Command::new(program)
            .arg("--index")
            .arg(index_dir)
            .arg("--quiet")
            .arg("pull")
            .args(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout)?)
            .stderr(std::fs::File::create(&stderr)?)
            .spawn()?;
        Ok(PullJob {
            label: label.to_owned(),
            child,
            stdout,
            stderr,
        })
    }

    /// `Some` once the pull has ended.
    pub fn poll(&mut self) -> Option<PullResult> {
        let status = match self.child.try_wait() {
            Ok(None) => return None,
            Ok(Some(status)) => status,
            Err(e) => return Some(Err(format!("cannot watch the pull: {e}"))),
        };
        let last_line = |path: &Path| {
            std::fs::read_to_string(path)
                .unwrap_or_default()
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| {
                    l.trim_start_matches("trailhound: ")
                        .trim_start_matches("pull: ")
                        .to_owned()
                })
        };
        let summary = last_line(&self.stdout);
        let problem = last_line(&self.stderr);
        Some(match (status.success(), summary, problem) {
            (true, Some(summary), _) => Ok(summary),
            (true, None, _) => Ok("pull finished".to_owned()),
            (false, _, Some(problem)) => Err(problem),
            (false, _, None) => Err(format!("pull ended with {status}")),
        })
    }
}
