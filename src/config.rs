//! Where trailhound keeps its files, and how a broken config file is reported.
use std::fmt;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

pub const INDEX_ENV: &str = "TRAILHOUND_INDEX";

/// The index directory: `--index DIR`, else `TRAILHOUND_INDEX`, else the platform data directory.
pub fn index_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(INDEX_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let dirs = ProjectDirs::from("", "", "trailhound").ok_or_else(|| {
        anyhow::anyhow!(
            "cannot find a home directory for the index; pass --index DIR or set {INDEX_ENV}"
        )
    })?;
    Ok(dirs.data_dir().join("index"))
}

pub const CONFIG_ENV: &str = "TRAILHOUND_CONFIG";
const CONFIG_FILE: &str = "config.toml";

/// The platform configuration folder (`~/.config/trailhound` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    ProjectDirs::from("", "", "trailhound").map(|dirs| dirs.config_dir().to_owned())
}

/// The config file in use: `--config FILE`, else `TRAILHOUND_CONFIG` (either must exist), else
/// `config.toml` in the configuration folder when there is one.
pub fn config_file(explicit: Option<&Path>) -> Option<PathBuf> {
    match explicit.map(Path::to_owned).or_else(env_config) {
        Some(path) => Some(path),
        None => config_dir()
            .map(|dir| dir.join(CONFIG_FILE))
            .filter(|path| path.is_file()),
    }
}

/// The user's rule folder: `rules/` beside the config file in use, else in the configuration
/// folder; only when it exists.
pub fn user_rules_dir(explicit_config: Option<&Path>) -> Option<PathBuf> {
    let dir = match explicit_config.map(Path::to_owned).or_else(env_config) {
        Some(file) => file.parent().map(|parent| parent.join("rules")),
        None => config_dir().map(|dir| dir.join("rules")),
    };
    dir.filter(|dir| dir.is_dir())
}

fn env_config() -> Option<PathBuf> {
    std::env::var_os(CONFIG_ENV)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
}

/// A config, keymap or theme file that cannot be used, said so that the user can fix it.
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
