//! A loaded Sigma rule: metadata plus either a detection matcher or a correlation.

use serde_json::{Map, Value};

use super::correlation::Correlation;
use super::matcher::Detection;

#[derive(Debug, Clone)]
pub struct SigmaRule {
    /// `id`, or `name` when the rule has no id.
    pub id: String,
    /// `name`: how correlation rules refer to other rules (they may also use `id`).
    pub name: Option<String>,
    pub title: String,
    pub status: Option<String>,
    pub level: Option<String>,
    pub tags: Vec<String>,
    pub description: Option<String>,
    /// Credit required by the Detection Rule License for community rules.
    pub author: Option<String>,
    pub references: Vec<String>,
    pub falsepositives: Vec<String>,
    pub logsource: LogSource,
    /// Top-level keys that are not standard Sigma (e.g. our own extensions), as JSON.
    pub custom: Map<String, Value>,
    /// The file (or other origin) and 1-based YAML document the rule came from.
    pub origin: String,
    pub document: usize,
    pub kind: RuleKind,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSource {
    pub product: Option<String>,
    pub service: Option<String>,
    pub category: Option<String>,
}

#[derive(Debug, Clone)]
pub enum RuleKind {
    Detection(Detection),
    Correlation(Correlation),
}

impl SigmaRule {
    /// Whether a single record matches a detection rule; correlation rules never match here.
    pub fn matches(&self, record: &Value) -> bool {
        match &self.kind {
            RuleKind::Detection(detection) => detection.matches(record),
            RuleKind::Correlation(_) => false,
        }
    }

    /// Whether `reference` (from a correlation's `rules:`) names this rule.
    pub fn is_named(&self, reference: &str) -> bool {
        self.id == reference || self.name.as_deref() == Some(reference)
    }
}
