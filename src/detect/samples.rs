//! Running a rule's samples the way ingest evaluates events.
//!
//! - `match` / `no_match` (event documents): each record alone must fire / must not fire the
//!   document.
//! - `match_sequence` / `no_match_sequence` (threshold, sequence and first-seen documents): the
//!   records, in order, go through the real [`Detector`], [`Correlator`] and [`Baselines`] from an
//!   empty state; the document must raise at least one alert / none. A first-seen look-alike
//!   ("seen before in the baseline, so no alert") is a `no_match_sequence` whose early records
//!   show the value that the last one repeats.
//! - `overrides` are applied first, as a user's settings are (e.g. a threshold of 3 instead of 100).
//!
//! A document that needs configuration (`requires`) is run as if it were configured.
use std::collections::BTreeSet;

use serde_json::Value;

use super::baseline::Baselines;
use super::correlate::Correlator;
use super::engine::Detector;
use super::pack::{PackDocument, PackKind, PackRule};
use super::sigma::RuleKind;
use crate::event::EventSummary;

/// One sample that did not behave as labelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFailure {
    pub rule_id: String,
    /// 1-based document number in the rule file.
    pub document: usize,
    pub message: String,
}

impl std::fmt::Display for SampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (document {}): {}",
            self.rule_id, self.document, self.message
        )
    }
}

/// What running a rule's samples found.
#[derive(Debug, Default)]
pub struct SampleReport {
    pub checked: usize,
    pub failures: Vec<SampleFailure>,
}

/// Runs every sample of `rule`.
pub fn run_samples(rule: &PackRule) -> SampleReport {
    let mut report = SampleReport::default();
    for (index, (sigma, document)) in rule.documents().enumerate() {
        let fail = |message: String| SampleFailure {
            rule_id: rule.rule_id.clone(),
            document: sigma.document,
            message,
        };
        let samples = &document.samples;
        let tuned = match configured_for_samples(rule, document) {
            Ok(tuned) => tuned,
            Err(message) => {
                report.failures.push(fail(message));
                continue;
            }
        };
        if matches!(sigma.kind, RuleKind::Detection(_)) && document.kind == PackKind::Event {
            let sigma = &tuned.sigma[index];
            for (position, record) in samples.must_match.iter().enumerate() {
                report.checked += 1;
                if !sigma.matches(record) {
                    report.failures.push(fail(format!(
                        "match[{position}] ({}) does not fire",
                        event_name(record)
                    )));
                }
            }
            for (position, record) in samples.must_not_match.iter().enumerate() {
                report.checked += 1;
                if sigma.matches(record) {
                    report.failures.push(fail(format!(
                        "no_match[{position}] ({}) fires",
                        event_name(record)
                    )));
                }
            }
            continue;
        }
        if !document.alerts {
            continue;
        }
        for (label, sequence, expected) in [
            ("match_sequence", &samples.match_sequence, true),
            ("no_match_sequence", &samples.no_match_sequence, false),
        ] {
            if sequence.is_empty() {
                continue;
            }
            report.checked += 1;
            let fired = sequence_fires(&tuned, index, sequence);
            if fired != expected {
                report.failures.push(fail(format!(
                    "{label} ({} records) {}",
                    sequence.len(),
                    if expected {
                        "raises no alert"
                    } else {
                        "raises an alert"
                    }
                )));
            }
        }
    }
    report
}

/// The rule with the document's sample overrides applied and its requirements taken as met.
fn configured_for_samples(rule: &PackRule, document: &PackDocument) -> Result<PackRule, String> {
    let provided: BTreeSet<String> = rule
        .documents
        .iter()
        .flat_map(|document| document.requires.iter().cloned())
        .collect();
    let mut tuned = rule
        .tuned(&document.samples.overrides, &provided)
        .map_err(|error| format!("overrides: {error}"))?;
    for document in &mut tuned.documents {
        document.off = None;
    }
    Ok(tuned)
}

/// Whether feeding `records` in order through a detector of `rule` alone raises an alert of
/// document `index`.
fn sequence_fires(rule: &PackRule, index: usize, records: &[Value]) -> bool {
    let detector = Detector::new(std::slice::from_ref(rule));
    fired_documents(&detector, records)
        .iter()
        .any(|&(_, document)| document == index)
}

/// Feeds `records` in order, from an empty state, through `detector`, its correlations and its
/// first-seen baselines (nothing is written to disk); returns the (rule position, document
/// position) of every document that raised an alert.
pub fn fired_documents(detector: &Detector, records: &[Value]) -> BTreeSet<(usize, usize)> {
    let scratch = std::env::temp_dir();
    let mut correlator = Correlator::empty(&scratch);
    let mut baselines = Baselines::empty(&scratch);
    let mut fired = BTreeSet::new();
    for (position, record) in records.iter().enumerate() {
        let id = record
            .get("eventID")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("sample-{position}"));
        let summary = EventSummary::from_record(record, id);
        let time = summary.time.map_or(0, |t| t.timestamp());
        let matches = detector.evaluate(record, &summary);
        fired.extend(matches.alerts.iter().map(|hit| (hit.rule, hit.document)));
        for hit in &matches.first_seen {
            if baselines
                .observe(detector.first_seen(), hit, time)
                .is_some()
            {
                let spec = &detector.first_seen()[hit.spec];
                fired.insert((spec.rule, spec.document));
            }
        }
        let specs = detector.correlations();
        for done in correlator.observe(
            specs,
            &matches.feeds,
            &summary.event_id,
            time,
            &summary.principal.id,
        ) {
            let spec = &specs[done.spec];
            if spec.alerts {
                fired.insert((spec.rule, spec.document));
            }
        }
    }
    fired
}

fn event_name(record: &Value) -> &str {
    record
        .get("eventName")
        .and_then(Value::as_str)
        .unwrap_or("?")
}
