//! The copy fallback beside OSC 52 (which some terminals and a default tmux ignore): the local
//! clipboard tool the environment points at, fed on its standard input.
use std::io::Write;
use std::process::{Command, Stdio};

/// A program that takes the text to copy on its standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClipboardTool {
    /// Said in the status line: "tmux's buffer", "wl-copy".
    pub name: String,
    pub program: String,
    pub args: Vec<String>,
}

impl ClipboardTool {
    fn new(name: &str, program: &str, args: &[&str]) -> ClipboardTool {
        ClipboardTool {
            name: name.to_owned(),
            program: program.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    /// The tool for this session: tmux's paste buffer inside tmux (`-w` also hands it to the
    /// outer terminal's clipboard where tmux can), else the desktop's clipboard program.
    /// Over plain SSH there is none: OSC 52 is the way there.
    pub fn from_environment() -> Option<ClipboardTool> {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        if set("TMUX") {
            Some(ClipboardTool::new(
                "tmux's paste buffer",
                "tmux",
                &["load-buffer", "-w", "-"],
            ))
        } else if cfg!(target_os = "macos") {
            Some(ClipboardTool::new("pbcopy", "pbcopy", &[]))
        } else if set("WAYLAND_DISPLAY") {
            Some(ClipboardTool::new("wl-copy", "wl-copy", &[]))
        } else if set("DISPLAY") {
            Some(ClipboardTool::new(
                "xclip",
                "xclip",
                &["-selection", "clipboard", "-in"],
            ))
        } else {
            None
        }
    }

    /// Runs the tool with `text` on its standard input.
    pub fn copy(&self, text: &str) -> Result<(), String> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{}: {e}", self.program))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| format!("{}: {e}", self.program))?;
        }
        match child.wait() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(format!("{} {status}", self.program)),
            Err(e) => Err(format!("{}: {e}", self.program)),
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_tool_gets_the_text_on_its_input_and_a_failure_says_so() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("copied");
        let tool = ClipboardTool {
            name: "a file".into(),
            program: "sh".into(),
            args: vec!["-c".into(), format!("cat > '{}'", out.display())],
        };
        tool.copy("arn:aws:iam::1:user/alice").expect("copied");
        assert_eq!(
            std::fs::read_to_string(&out).expect("read"),
            "arn:aws:iam::1:user/alice"
        );
        let missing = ClipboardTool::new("nothing", "trailhound-no-such-tool", &[]);
        assert!(missing
            .copy("x")
            .unwrap_err()
            .starts_with("trailhound-no-such-tool"));
    }
}
