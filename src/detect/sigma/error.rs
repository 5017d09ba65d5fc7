//! Errors from loading Sigma rules: where (file, document, field) and what.

use std::fmt;

/// A rule that cannot be loaded. `document` is 1-based (0: the file as a whole, e.g. unreadable);
/// `field` is a dotted path into the document such as `detection.selection.eventName|contains`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleError {
    pub origin: String,
    pub document: usize,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if self.document > 0 {
            write!(f, ", document {}", self.document)?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field '{field}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl RuleError {
    /// The error of a detection nested under `field` (`|each`), its path made whole:
    /// `detection.allows` there is `field.allows` here.
    pub(crate) fn within(mut self, field: &str) -> Self {
        self.field = Some(match self.field.as_deref() {
            Some(inner) => match inner.strip_prefix("detection") {
                Some(rest) => format!("{field}{rest}"),
                None => format!("{field}.{inner}"),
            },
            None => field.to_string(),
        });
        self
    }
}

/// Where in the input a document is, so that errors can say so.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DocumentContext<'a> {
    pub origin: &'a str,
    pub document: usize,
}

impl DocumentContext<'_> {
    pub fn error(&self, field: impl Into<String>, message: impl Into<String>) -> RuleError {
        RuleError {
            origin: self.origin.to_string(),
            document: self.document,
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn document_error(&self, message: impl Into<String>) -> RuleError {
        RuleError {
            origin: self.origin.to_string(),
            document: self.document,
            field: None,
            message: message.into(),
        }
    }
}
