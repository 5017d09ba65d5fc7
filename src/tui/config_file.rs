//! What keymap and theme files share: where a user's file is found, and how a broken one is reported.
use std::path::{Path, PathBuf};

pub use crate::config::{line_of, ConfigError};

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
