//! The query editor's memory across runs: the recent queries (bounded) and the queries saved by
//! name (`:save NAME`, then `:NAME`), kept in one small file in the user's data folder, written
//! whole each time.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The most recent queries kept.
pub const HISTORY_KEPT: usize = 500;
const FILE: &str = "queries.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedQueries {
    #[serde(default)]
    pub history: Vec<String>,
    #[serde(default)]
    pub saved: BTreeMap<String, String>,
}

/// Where the file is: the platform data folder (`~/.local/share/trailhound` on Linux).
pub fn default_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "trailhound").map(|dirs| dirs.data_dir().join(FILE))
}

impl SavedQueries {
    /// The file's queries; none when it is missing or unreadable (a broken file is not fatal to
    /// the UI: the next save replaces it).
    pub fn load(path: &Path) -> SavedQueries {
        std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let mut kept = self.clone();
        let excess = kept.history.len().saturating_sub(HISTORY_KEPT);
        kept.history.drain(..excess);
        crate::state_file::write_json(path, &kept)
    }
}

/// What a line typed in the query editor asks for, when it starts with `:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command<'a> {
    /// `:save NAME`: keep the current query under NAME.
    Save(&'a str),
    /// `:NAME`: run the query saved as NAME.
    Run(&'a str),
}

pub fn command(line: &str) -> Option<Command<'_>> {
    let rest = line.trim().strip_prefix(':')?;
    let ok = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match rest.strip_prefix("save ") {
        Some(name) if ok(name.trim()) => Some(Command::Save(name.trim())),
        Some(_) => None,
        None if ok(rest) => Some(Command::Run(rest)),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_history_bound_and_round_trip() {
        assert_eq!(
            command(":save logging-off"),
            Some(Command::Save("logging-off"))
        );
        assert_eq!(command(" :logging-off "), Some(Command::Run("logging-off")));
        assert_eq!(command("eventName:StopLogging"), None);
        assert_eq!(command(":save"), Some(Command::Run("save")));
        assert_eq!(command(":bad name"), None);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/queries.json");
        let queries = SavedQueries {
            history: (0..HISTORY_KEPT + 10).map(|i| format!("q{i}")).collect(),
            saved: [("x".to_owned(), "user:alice".to_owned())].into(),
        };
        queries.save(&path).unwrap();
        let loaded = SavedQueries::load(&path);
        assert_eq!(loaded.history.len(), HISTORY_KEPT);
        assert_eq!(loaded.history[0], "q10");
        assert_eq!(loaded.saved["x"], "user:alice");
        std::fs::write(&path, "{broken").unwrap();
        assert_eq!(SavedQueries::load(&path), SavedQueries::default());
    }
}
