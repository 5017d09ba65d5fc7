use std::fmt;

use crate::event::terminal_safe;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The record or file was not ingested.
    Rejected,
    /// Ingested, but not exactly as written (e.g. a derived id); the user should know.
    Warning,
    /// Passed over on purpose (digest files, files that are not CloudTrail).
    Skipped,
}

/// One thing that went wrong with one file (and, where known, one record in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    /// 1-based position of the record in its file.
    pub record: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn file(severity: Severity, file: &str, message: impl Into<String>) -> Problem {
        Problem {
            severity,
            file: file.to_owned(),
            record: None,
            message: message.into(),
        }
    }

    pub fn record(
        severity: Severity,
        file: &str,
        record: usize,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            severity,
            file: file.to_owned(),
            record: Some(record),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Rejected => "rejected",
            Severity::Warning => "warning",
            Severity::Skipped => "skipped",
        };
        write!(f, "{label}: {}", terminal_safe(&self.file))?;
        if let Some(record) = self.record {
            write!(f, ": record {record}")?;
        }
        write!(f, ": {}", terminal_safe(&self.message))
    }
}
