//! What a long-running writer (an ingest or a pull) is doing right now, published beside the
//! index so that any reader, the TUI in another process included, can show it live.
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

const FILE_NAME: &str = "activity.json";
/// A report not refreshed for this long belongs to a writer that died or finished uncleanly.
pub const STALE_AFTER: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityReport {
    /// "ingest" or "pull".
    pub kind: String,
    pub pid: u32,
    pub started: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// One line for a status bar, e.g. "pull 3 regions: 12,400 events, 98 ev/s, ETA 2m".
    pub summary: String,
    /// One line per part (a region, a file group), for a fuller view.
    pub details: Vec<String>,
    /// Set on the last report a writer publishes before it exits.
    pub finished: bool,
}

impl ActivityReport {
    pub fn new(kind: &str) -> ActivityReport {
        let now = Utc::now();
        ActivityReport {
            kind: kind.to_owned(),
            pid: std::process::id(),
            started: now,
            updated: now,
            summary: String::new(),
            details: Vec::new(),
            finished: false,
        }
    }

    /// Whether this report describes work still under way as of `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        let age = now.signed_duration_since(self.updated);
        !self.finished && age.to_std().map_or(true, |age| age < STALE_AFTER)
    }
}

fn path(index_dir: &Path) -> PathBuf {
    index_dir.join(FILE_NAME)
}

/// Publishes `report` atomically (write to a temporary file, then rename over the old one).
pub fn publish(index_dir: &Path, report: &ActivityReport) -> std::io::Result<()> {
    let mut report = report.clone();
    report.updated = Utc::now();
    crate::state_file::write_json(&path(index_dir), &report)
}

/// The last published report, if any; unreadable or half-written files read as none.
pub fn read(index_dir: &Path) -> Option<ActivityReport> {
    let bytes = std::fs::read(path(index_dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_report_reads_back_live_until_finished_or_stale() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(dir.path()), None);
        let mut report = ActivityReport::new("pull");
        report.summary = "pull: 10 events".into();
        publish(dir.path(), &report).unwrap();
        let back = read(dir.path()).unwrap();
        assert_eq!(back.summary, "pull: 10 events");
        assert!(back.is_live(Utc::now()));
        assert!(!back.is_live(Utc::now() + chrono::Duration::seconds(60)));
        report.finished = true;
        publish(dir.path(), &report).unwrap();
        assert!(!read(dir.path()).unwrap().is_live(Utc::now()));
    }
}
