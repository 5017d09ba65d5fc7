use std::fmt;

use crate::source::{Problem, Severity};

/// What one ingest did, in the counts the CLI prints and scripts read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestSummary {
    /// What reading each trail bucket did.
    pub buckets: Vec<crate::s3::BucketReport>,
    /// Files read (digest and skipped files not included).
    pub files: u64,
    /// Records found, including duplicates and rejected ones.
    pub records: u64,
    pub new: u64,
    pub duplicates: u64,
    /// Files passed over on purpose: digest files and files that are not CloudTrail.
    pub skipped: u64,
    /// Records and whole files that could not be ingested.
    pub rejected: u64,
    pub warnings: u64,
    /// Alerts held after the ingest (when rules were evaluated).
    pub alerts: u64,
    /// When the first new event became searchable.
    pub first_searchable: Option<std::time::Instant>,
    /// How long after its source handed it over the first new event became searchable.
    pub first_searchable_after_arrival: Option<std::time::Duration>,
    /// The local files read beside digests, hashed as they were read.
    pub local_hashes: LocalHashes,
}

/// Each local file's SHA-256 of its decompressed bytes, or why it has none (as the integrity
/// check words it), by path.
pub type LocalHashes = std::collections::HashMap<std::path::PathBuf, Result<String, String>>;

impl IngestSummary {
    pub fn count_problem(&mut self, problem: &Problem) {
        match problem.severity {
            Severity::Rejected => self.rejected += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Skipped => self.skipped += 1,
        }
    }
}

impl fmt::Display for IngestSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "files {}, records {}, new {}, duplicates {}, skipped {}, rejected {}, warnings {}",
            self.files,
            self.records,
            self.new,
            self.duplicates,
            self.skipped,
            self.rejected,
            self.warnings
        )
    }
}
