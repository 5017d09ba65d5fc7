//! What keymap and theme files share: where a user's file is found, and how a broken one is reported.
use std::fmt;
use std::path::{Path, PathBuf};

/// A keymap or theme file that cannot be used, said so that the user can fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    pub fn unknown_name(kind: &str, name: &str) -> ConfigError {
        ConfigError {
            file: format!("{kind} `{name}`"),
            line: None,
            key: None,
            message: format!("no {kind} of that name (user folder or built-in)"),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// A user's file for a named keymap or theme: `<config_dir>/<folder>/<name>.toml`, read, when it
/// exists (`Ok(None)` when it does not, so the built-in of that name is used).
pub fn find_user_file(
    config_dir: Option<&Path>,
    folder: &str,
    name: &str,
) -> Result<Option<(PathBuf, String)>, ConfigError> {
    let plain_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let Some(dir) = config_dir.filter(|_| plain_name) else {
        return Ok(None);
    };
    let path = dir.join(folder).join(format!("{name}.toml"));
    if !path.is_file() {
        return Ok(None);
    }
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, text))),
        Err(error) => Err(ConfigError {
            file: path.display().to_string(),
            line: None,
            key: None,
            message: format!("cannot read: {error}"),
        }),
    }
}

/// The user's configuration folder (`~/.config/trailhound` on Linux).
pub fn user_config_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "trailhound").map(|dirs| dirs.config_dir().to_owned())
}
