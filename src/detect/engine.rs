//! Runs the single-event documents of a rule pack over records: the part of detection that needs
//! no memory of other events. Rules are indexed by the event names they can match, so a record is
//! only checked against the rules that could fire on it.
use std::collections::HashMap;
use std::time::Duration;

use serde_json::Value;

use super::baseline::{key_hash, FirstSeenMatch, FirstSeenSpec};
use super::correlate::{CorrelationSpec, FeedMatch, VALUE_SEPARATOR};
use super::pack::{PackDocument, PackKind, PackRule, Severity};
use super::sigma::{CorrelationKind, RuleKind, SigmaRule};
use crate::event::EventSummary;

/// One rule document that fired on one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    /// Position of the rule in the detector (for title, tags, why/next).
    pub rule: usize,
    /// Position of the document in its rule file (0-based).
    pub document: usize,
    pub severity: Severity,
    /// The values of the rule's `group_by` fields, joined by `|`.
    pub group: String,
}

/// What an alert needs to say about the rule that raised it.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub rule_id: String,
    pub title: String,
    pub mitre: Vec<String>,
    pub why: String,
    pub next: String,
    pub window: Duration,
}

/// One document's alert text: its own title, tags, why, next and window where it has them.
fn document_info(rule: &RuleInfo, sigma: &SigmaRule, document: &PackDocument) -> RuleInfo {
    let mut mitre: Vec<String> = sigma.tags.iter().filter_map(|t| mitre_id(t)).collect();
    mitre.sort();
    mitre.dedup();
    RuleInfo {
        rule_id: rule.rule_id.clone(),
        title: match sigma.title.trim() {
            "" => rule.title.clone(),
            title => title.to_owned(),
        },
        mitre: if mitre.is_empty() {
            rule.mitre.clone()
        } else {
            mitre
        },
        why: document.why.clone().unwrap_or_else(|| rule.why.clone()),
        next: document.next.clone().unwrap_or_else(|| rule.next.clone()),
        window: document.alert_window.unwrap_or(rule.window),
    }
}

/// A detection document: it raises alerts alone, feeds correlations, or both.
struct EventDocument {
    rule: usize,
    document: usize,
    sigma: SigmaRule,
    severity: Severity,
    group_by: Vec<String>,
    alerts: bool,
    feeds: Vec<Feed>,
    /// The first-seen spec this document feeds.
    first_seen: Option<usize>,
}

/// How a detection's match enters a correlation: which input, grouped and valued by which fields.
struct Feed {
    spec: usize,
    input: usize,
    group_by: Vec<String>,
    value_field: Option<String>,
}

/// Everything one event set off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matches {
    pub alerts: Vec<RuleMatch>,
    pub feeds: Vec<FeedMatch>,
    pub first_seen: Vec<FirstSeenMatch>,
}

impl Matches {
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty() && self.feeds.is_empty() && self.first_seen.is_empty()
    }
}

/// The compiled pack: detection documents indexed by event name, and correlation specs.
pub struct Detector {
    rules: Vec<RuleInfo>,
    /// Per rule, per document: what its alerts say (title, tags, why and next, window).
    document_infos: Vec<Vec<RuleInfo>>,
    documents: Vec<EventDocument>,
    correlations: Vec<CorrelationSpec>,
    first_seen: Vec<FirstSeenSpec>,
    by_event_name: HashMap<String, Vec<usize>>,
    any_event_name: Vec<usize>,
    geoip: Option<std::sync::Arc<super::geoip::GeoIp>>,
}

/// `attack.t1562.008` -> `T1562.008`; other tags are not ATT&CK technique ids.
fn mitre_id(tag: &str) -> Option<String> {
    let id = tag.strip_prefix("attack.t")?;
    id.chars()
        .next()
        .filter(char::is_ascii_digit)
        .map(|_| format!("T{}", id.to_ascii_uppercase()))
}

impl Detector {
    pub fn new(pack: &[PackRule]) -> Detector {
        let mut detector = Detector {
            rules: Vec::with_capacity(pack.len()),
            document_infos: Vec::with_capacity(pack.len()),
            documents: Vec::new(),
            correlations: Vec::new(),
            first_seen: Vec::new(),
            by_event_name: HashMap::new(),
            any_event_name: Vec::new(),
            geoip: None,
        };
        for rule in pack {
            let index = detector.rules.len();
            let mut mitre: Vec<String> = rule
                .sigma
                .iter()
                .flat_map(|s| s.tags.iter().filter_map(|t| mitre_id(t)))
                .collect();
            mitre.sort();
            mitre.dedup();
            let info = RuleInfo {
                rule_id: rule.rule_id.clone(),
                title: rule.title.clone(),
                mitre,
                why: rule.why.clone(),
                next: rule.next.clone(),
                window: rule.window,
            };
            detector.document_infos.push(
                rule.sigma
                    .iter()
                    .zip(&rule.documents)
                    .map(|(sigma, document)| document_info(&info, sigma, document))
                    .collect(),
            );
            detector.rules.push(info);
            detector.add_rule_documents(index, rule);
        }
        detector
    }

    fn add_rule_documents(&mut self, rule_index: usize, rule: &PackRule) {
        // Sigma document number -> detector document position, or correlation spec position.
        let mut detections = HashMap::new();
        let mut correlations = HashMap::new();
        for (number, (sigma, document)) in rule.documents().enumerate() {
            match &sigma.kind {
                RuleKind::Detection(detection) => {
                    let fires_alone = document.kind == PackKind::Event && document.alerts;
                    let feeds_correlation =
                        matches!(document.kind, PackKind::Threshold | PackKind::Sequence);
                    let first_seen_spec = document
                        .first_seen
                        .as_ref()
                        .filter(|_| document.kind == PackKind::FirstSeen && document.alerts);
                    if !document.runs()
                        || !(fires_alone || feeds_correlation || first_seen_spec.is_some())
                    {
                        continue;
                    }
                    let first_seen = first_seen_spec.map(|first_seen| {
                        self.first_seen.push(FirstSeenSpec {
                            rule: rule_index,
                            document: number,
                            key: format!("{}#{}", rule.rule_id, number + 1),
                            severity: document.severity,
                            fields: first_seen.key.clone(),
                            baseline_secs: first_seen.baseline.as_secs() as i64,
                            learning_secs: first_seen.learning.as_secs() as i64,
                            min_baseline_events: first_seen.min_baseline_events,
                        });
                        self.first_seen.len() - 1
                    });
                    let position = self.documents.len();
                    match detection.required_event_names() {
                        Some(names) => {
                            for name in names {
                                self.by_event_name
                                    .entry(name.clone())
                                    .or_default()
                                    .push(position);
                            }
                        }
                        None => self.any_event_name.push(position),
                    }
                    self.documents.push(EventDocument {
                        rule: rule_index,
                        document: number,
                        sigma: sigma.clone(),
                        severity: document.severity,
                        group_by: document.group_by.clone(),
                        alerts: fires_alone,
                        feeds: Vec::new(),
                        first_seen,
                    });
                    detections.insert(number, position);
                }
                RuleKind::Correlation(correlation) => {
                    correlations.insert(number, self.correlations.len());
                    if !document.runs() {
                        continue;
                    }
                    self.correlations.push(CorrelationSpec {
                        rule: rule_index,
                        document: number,
                        key: format!("{}#{}", rule.rule_id, number + 1),
                        severity: document.severity,
                        kind: correlation.kind,
                        timespan_secs: correlation.timespan.as_secs() as i64,
                        threshold: correlation.condition.clone(),
                        alerts: document.alerts,
                        inputs: correlation.rules.len(),
                        parents: Vec::new(),
                    });
                }
            }
        }
        for (number, sigma) in rule.sigma.iter().enumerate() {
            let RuleKind::Correlation(correlation) = &sigma.kind else {
                continue;
            };
            let Some(&spec) = correlations.get(&number) else {
                continue;
            };
            let resolve = |field: &str, input_name: &str| -> String {
                correlation
                    .aliases
                    .get(field)
                    .and_then(|by_rule| by_rule.get(input_name))
                    .cloned()
                    .unwrap_or_else(|| field.to_owned())
            };
            for (input, name) in correlation.rules.iter().enumerate() {
                let Some(target) = rule.sigma.iter().position(|s| s.is_named(name)) else {
                    continue;
                };
                if let Some(&position) = detections.get(&target) {
                    let value_field = match correlation.kind {
                        CorrelationKind::ValueCount => correlation
                            .condition
                            .as_ref()
                            .and_then(|t| t.field.as_deref())
                            .map(|field| resolve(field, name)),
                        _ => None,
                    };
                    self.documents[position].feeds.push(Feed {
                        spec,
                        input,
                        group_by: correlation
                            .group_by
                            .iter()
                            .map(|g| resolve(g, name))
                            .collect(),
                        value_field,
                    });
                } else if let Some(&inner) = correlations.get(&target) {
                    self.correlations[inner].parents.push((spec, input));
                }
            }
        }
    }

    pub fn correlations(&self) -> &[CorrelationSpec] {
        &self.correlations
    }

    pub fn first_seen(&self) -> &[FirstSeenSpec] {
        &self.first_seen
    }

    /// Looks up source addresses in `geoip` and adds `sourceIPAddress_geoip` to records.
    pub fn set_geoip(&mut self, geoip: super::geoip::GeoIp) {
        self.geoip = Some(std::sync::Arc::new(geoip));
    }

    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }

    pub fn rule(&self, index: usize) -> &RuleInfo {
        &self.rules[index]
    }

    /// What the alerts of one document of a rule say; the rule's when it has no such document.
    pub fn document(&self, rule: usize, document: usize) -> &RuleInfo {
        self.document_infos[rule]
            .get(document)
            .unwrap_or(&self.rules[rule])
    }

    /// The documents that fire on `record`, and what they feed into correlations.
    pub fn evaluate(&self, record: &Value, summary: &EventSummary) -> Matches {
        if let Some(located) = self
            .geoip
            .as_ref()
            .and_then(|geoip| geoip.enrich(record, &summary.source_ip))
        {
            return self.evaluate_record(&located, summary);
        }
        self.evaluate_record(record, summary)
    }

    fn evaluate_record(&self, record: &Value, summary: &EventSummary) -> Matches {
        let name = summary.event_name.to_ascii_lowercase();
        let named = self
            .by_event_name
            .get(&name)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut matches = Matches::default();
        for &position in named.iter().chain(&self.any_event_name) {
            let document = &self.documents[position];
            if !document.sigma.matches(record) {
                continue;
            }
            if document.alerts {
                matches.alerts.push(RuleMatch {
                    rule: document.rule,
                    document: document.document,
                    severity: document.severity,
                    group: group_value(&document.group_by, record, summary),
                });
            }
            for feed in &document.feeds {
                matches.feeds.push(FeedMatch {
                    spec: feed.spec,
                    input: feed.input,
                    group: group_value(&feed.group_by, record, summary),
                    value: feed
                        .value_field
                        .as_deref()
                        .map(|field| counted_values(field, record, summary)),
                });
            }
            if let Some(spec) = document.first_seen {
                let fields = &self.first_seen[spec].fields;
                let values: Vec<String> = fields
                    .iter()
                    .map(|field| group_value(std::slice::from_ref(field), record, summary))
                    .collect();
                // A record without the key (no image id, no region) says nothing new.
                if values.iter().any(String::is_empty) {
                    continue;
                }
                matches.first_seen.push(FirstSeenMatch {
                    spec,
                    key: key_hash(&values),
                    owner: key_hash(&values[..values.len() - 1]),
                    value: values.last().cloned().unwrap_or_default(),
                    group: group_value(&document.group_by, record, summary),
                });
            }
        }
        matches
    }
}

/// The value of each grouping field: `principal` is the derived principal; anything else is a
/// dotted path into the record, through arrays (their elements' values joined by commas).
fn group_value(group_by: &[String], record: &Value, summary: &EventSummary) -> String {
    group_by
        .iter()
        .map(|field| match field.as_str() {
            "principal" => summary.principal.id.clone(),
            path => {
                let mut found = Vec::new();
                collect_values(record, path, &mut found);
                found.join(",")
            }
        })
        .collect::<Vec<_>>()
        .join("|")
}

/// The values a `value_count` correlation counts from one record: each element of a list counts
/// on its own (a SendCommand naming three instances is three instances, a GetParameters naming
/// ten parameters is ten parameters), kept together in one hit.
fn counted_values(field: &str, record: &Value, summary: &EventSummary) -> String {
    if field == "principal" {
        return summary.principal.id.clone();
    }
    let mut found = Vec::new();
    collect_values(record, field, &mut found);
    found.sort_unstable();
    found.dedup();
    found.join(&VALUE_SEPARATOR.to_string())
}

/// The values at a dotted path. A key may itself hold dots (`sourceIPAddress_geoip.x` is not
/// nested in the record when added by enrichment), so the whole rest is tried as a key first.
fn collect_values(value: &Value, path: &str, found: &mut Vec<String>) {
    if let Value::Array(items) = value {
        for item in items {
            collect_values(item, path, found);
        }
        return;
    }
    if path.is_empty() {
        match value {
            Value::String(s) => found.push(s.clone()),
            Value::Null => {}
            other => found.push(other.to_string()),
        }
        return;
    }
    if let Some(whole) = value.get(path) {
        collect_values(whole, "", found);
        return;
    }
    let (key, rest) = path.split_once('.').unwrap_or((path, ""));
    if let Some(inner) = value.get(key) {
        collect_values(inner, rest, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attack_tags_become_technique_ids() {
        assert_eq!(mitre_id("attack.t1562.008").as_deref(), Some("T1562.008"));
        assert_eq!(mitre_id("attack.defense-evasion"), None);
        assert_eq!(mitre_id("cis.4.3"), None);
    }
}
