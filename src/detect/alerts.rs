//! Alerts: matches of one rule grouped by its key within its window, kept beside the index in
//! `alerts.json`, with what the investigator did to them (acknowledged, suppressed) in
//! `alert-state.json` so that survives re-ingests and recomputes.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::baseline::FirstSeenMatch;
use super::correlate::Fired;
use super::engine::{Detector, RuleInfo, RuleMatch};
use super::pack::Severity;
use crate::event::EventSummary;

/// Event ids kept per alert; the count goes on past it.
const MAX_EVENT_IDS: usize = 1000;
const ALERTS_FILE: &str = "alerts.json";
const STATE_FILE: &str = "alert-state.json";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Alert {
    /// Short id for commands (`alerts ack ID`): a hash of `key`.
    #[serde(default)]
    pub id: String,
    /// Stable identity: rule, group and window start.
    pub key: String,
    pub rule_id: String,
    pub title: String,
    pub severity: String,
    pub count: u64,
    pub first_time: Option<DateTime<Utc>>,
    pub last_time: Option<DateTime<Utc>>,
    pub principal: String,
    pub group: String,
    pub event_ids: Vec<String>,
    pub mitre: Vec<String>,
    pub why: String,
    pub next: String,
    /// For a first-seen rule: the value and the baseline it was compared against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<String>,
    #[serde(default)]
    pub acknowledged: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    /// For an alert that cites no events by id (the integrity alerts): the query for its events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

/// A rule id as a table shows it: a SigmaHQ rule's 36-character UUID cut to its first 8 digits
/// (its title names it; `--format jsonl` keeps the whole id).
pub fn short_rule_id(rule_id: &str) -> std::borrow::Cow<'_, str> {
    let uuid = rule_id.len() == 36
        && rule_id.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if uuid {
        std::borrow::Cow::Owned(format!("{}…", &rule_id[..8]))
    } else {
        std::borrow::Cow::Borrowed(rule_id)
    }
}

/// What an alert is grouped by beyond its principal, as a list shows it (`sg-0abc`,
/// `193.142.146.35`, an account), or `None` when it is grouped by its principal alone. ARNs are cut
/// to their last part.
pub fn group_label(principal: &str, group: &str) -> Option<String> {
    let rest = match group.strip_prefix(principal) {
        Some("") => return None,
        Some(rest) => rest.strip_prefix('|')?,
        None => group,
    };
    let parts: Vec<&str> = rest
        .split('|')
        .filter(|part| !part.is_empty())
        .map(|part| match part.strip_prefix("arn:") {
            Some(_) => part
                .rsplit(['/', ':'])
                .find(|p| !p.is_empty())
                .unwrap_or(part),
            None => part,
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// The short id of an alert key: 10 hex digits, stable across recomputes.
pub fn alert_id(key: &str) -> String {
    format!("{:010x}", xxhash_rust::xxh3::xxh3_64(key.as_bytes()) >> 24)
}

impl Alert {
    pub fn severity_rank(&self) -> Severity {
        Severity::parse(&self.severity).unwrap_or(Severity::Info)
    }
}

struct AlertEvent<'a> {
    event_id: &'a str,
    time: Option<DateTime<Utc>>,
    principal: &'a str,
    note: Option<&'a str>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AlertsFile {
    version: u32,
    alerts: Vec<Alert>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    acknowledged: BTreeSet<String>,
    suppressed: BTreeSet<String>,
}

/// The alerts of one index, grown as events are ingested.
#[derive(Debug, Default)]
pub struct AlertSet {
    alerts: BTreeMap<String, Alert>,
    dir: PathBuf,
}

impl AlertSet {
    /// The alerts stored in `dir` (none yet is an empty set).
    pub fn load(dir: &Path) -> std::io::Result<AlertSet> {
        let path = dir.join(ALERTS_FILE);
        let file: AlertsFile = match crate::state_file::read_committed(dir, ALERTS_FILE) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AlertsFile::default(),
            Err(e) => return Err(e),
        };
        Ok(AlertSet {
            alerts: file
                .alerts
                .into_iter()
                .map(|a| (a.key.clone(), a))
                .collect(),
            dir: dir.to_owned(),
        })
    }

    pub fn empty(dir: &Path) -> AlertSet {
        AlertSet {
            alerts: BTreeMap::new(),
            dir: dir.to_owned(),
        }
    }

    /// Adds one new event's single-event matches.
    pub fn add(&mut self, detector: &Detector, summary: &EventSummary, matches: &[RuleMatch]) {
        for hit in matches {
            let event = AlertEvent {
                event_id: &summary.event_id,
                time: summary.time,
                principal: &summary.principal.id,
                note: None,
            };
            self.record(
                detector.document(hit.rule, hit.document),
                hit.severity,
                &hit.group,
                event,
            );
        }
    }

    /// Adds an event whose key value a first-seen document had not seen in its baseline.
    pub fn add_first_seen(
        &mut self,
        detector: &Detector,
        summary: &EventSummary,
        hit: &FirstSeenMatch,
        note: &str,
    ) {
        let Some(spec) = detector.first_seen().get(hit.spec) else {
            return;
        };
        let event = AlertEvent {
            event_id: &summary.event_id,
            time: summary.time,
            principal: &summary.principal.id,
            note: Some(note),
        };
        self.record(
            detector.document(spec.rule, spec.document),
            spec.severity,
            &hit.group,
            event,
        );
    }

    /// Adds the events of a correlation that fired.
    pub fn add_fired(&mut self, detector: &Detector, fired: &Fired) {
        let Some(spec) = detector.correlations().get(fired.spec) else {
            return;
        };
        let rule = detector.document(spec.rule, spec.document);
        for hit in &fired.hits {
            for event_id in &hit.event_ids {
                let event = AlertEvent {
                    event_id,
                    time: DateTime::from_timestamp(hit.time, 0),
                    principal: &hit.principal,
                    note: None,
                };
                self.record(rule, spec.severity, &fired.group, event);
            }
        }
    }

    /// Counts one event into the alert of its rule, group and window. Replaying an event already
    /// counted changes nothing.
    fn record(&mut self, rule: &RuleInfo, severity: Severity, group: &str, event: AlertEvent<'_>) {
        let window = rule.window.as_secs().max(1) as i64;
        let bucket = event
            .time
            .map_or(0, |t| t.timestamp().div_euclid(window) * window);
        let key = format!("{}|{severity}|{group}|{bucket}", rule.rule_id);
        let alert = self.alerts.entry(key.clone()).or_insert_with(|| Alert {
            id: alert_id(&key),
            key,
            rule_id: rule.rule_id.clone(),
            title: rule.title.clone(),
            severity: severity.to_string(),
            count: 0,
            first_time: None,
            last_time: None,
            principal: event.principal.to_owned(),
            group: group.to_owned(),
            event_ids: Vec::new(),
            mitre: rule.mitre.clone(),
            why: rule.why.clone(),
            next: rule.next.clone(),
            baseline: None,
            acknowledged: false,
            suppressed: false,
            query: None,
        });
        if alert.baseline.is_none() {
            alert.baseline = event.note.map(str::to_owned);
        }
        if alert.event_ids.iter().any(|id| id == event.event_id) {
            return;
        }
        alert.count += 1;
        if alert.event_ids.len() < MAX_EVENT_IDS {
            alert.event_ids.push(event.event_id.to_owned());
        }
        if let Some(time) = event.time {
            alert.first_time = Some(alert.first_time.map_or(time, |t| t.min(time)));
            alert.last_time = Some(alert.last_time.map_or(time, |t| t.max(time)));
        }
    }

    /// Writes the alerts at once (a recompute from the whole committed index).
    pub fn save(&self) -> std::io::Result<()> {
        crate::state_file::write_json(&self.dir.join(ALERTS_FILE), &self.file())
    }

    /// Writes the alerts staged for the next index commit, which makes them current: an alert
    /// never cites an event that is not committed (see `state_file`).
    pub fn stage(&self) -> std::io::Result<&'static str> {
        let path = crate::state_file::staged_path(&self.dir.join(ALERTS_FILE));
        crate::state_file::write_json(&path, &self.file())?;
        Ok(ALERTS_FILE)
    }

    fn file(&self) -> AlertsFile {
        AlertsFile {
            version: 1,
            alerts: self.alerts.values().cloned().collect(),
        }
    }

    /// Every alert not suppressed, with its acknowledgement, most severe then newest first.
    pub fn listed(&self) -> std::io::Result<Vec<Alert>> {
        self.listed_with(false)
    }

    /// Like [`AlertSet::listed`], with the suppressed alerts too when asked.
    pub fn listed_with(&self, suppressed: bool) -> std::io::Result<Vec<Alert>> {
        let state = read_state(&self.dir)?;
        let tampering = self.tampering();
        let mut alerts: Vec<Alert> = self
            .alerts
            .values()
            .chain(tampering.iter())
            .filter(|a| suppressed || !state.suppressed.contains(&a.key))
            .cloned()
            .map(|mut a| {
                a.acknowledged = state.acknowledged.contains(&a.key);
                a.suppressed = state.suppressed.contains(&a.key);
                a.id = alert_id(&a.key);
                a
            })
            .collect();
        alerts.sort_by(|a, b| {
            b.severity_rank()
                .cmp(&a.severity_rank())
                .then_with(|| b.last_time.cmp(&a.last_time))
                .then_with(|| a.key.cmp(&b.key))
        });
        Ok(alerts)
    }

    /// The key of the alert with this id (or key, or unique id prefix of at least 4 digits),
    /// suppressed ones included.
    pub fn resolve(&self, id: &str) -> Result<String, String> {
        let tampering = self.tampering();
        let keys = || self.alerts.keys().chain(tampering.iter().map(|a| &a.key));
        if keys().any(|key| key == id) {
            return Ok(id.to_owned());
        }
        let found: Vec<&String> = keys()
            .filter(|key| id.len() >= 4 && alert_id(key).starts_with(id))
            .collect();
        match found.as_slice() {
            [key] => Ok((*key).clone()),
            [] => Err(format!("no alert has the id `{id}`")),
            _ => Err(format!(
                "`{id}` is the start of {} alert ids; give more of it",
                found.len()
            )),
        }
    }

    /// The alerts of the evidence `verify` kept beside the index: rebuilt as it is read, never
    /// stored with the detector's (a later verify may take them away).
    fn tampering(&self) -> Vec<Alert> {
        crate::integrity::alerts::tamper_alerts(
            &crate::integrity::verdicts::Verdicts::load(&self.dir).findings,
        )
    }

    pub fn len(&self) -> usize {
        self.alerts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }
}

fn read_state(dir: &Path) -> std::io::Result<StateFile> {
    match std::fs::read(dir.join(STATE_FILE)) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StateFile::default()),
        Err(e) => Err(e),
    }
}

/// What the investigator did to an alert; kept apart from the alerts so recomputing keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertMark {
    Acknowledge,
    Unacknowledge,
    Suppress,
    Unsuppress,
}

pub fn mark_alert(dir: &Path, key: &str, mark: AlertMark) -> std::io::Result<()> {
    let mut state = read_state(dir)?;
    match mark {
        AlertMark::Acknowledge => {
            state.acknowledged.insert(key.to_owned());
        }
        AlertMark::Unacknowledge => {
            state.acknowledged.remove(key);
        }
        AlertMark::Suppress => {
            state.suppressed.insert(key.to_owned());
        }
        AlertMark::Unsuppress => {
            state.suppressed.remove(key);
        }
    }
    let bytes = serde_json::to_vec_pretty(&state).map_err(std::io::Error::other)?;
    crate::state_file::write_bytes(&dir.join(STATE_FILE), &bytes)
}

#[cfg(test)]
mod tests {
    use super::{group_label, short_rule_id};

    #[test]
    fn the_group_is_named_beyond_the_principal() {
        let user = "arn:aws:iam::1:user/ci-deploy";
        assert_eq!(group_label(user, user), None);
        assert_eq!(
            group_label(user, &format!("{user}|193.142.146.35")),
            Some("193.142.146.35".into())
        );
        assert_eq!(
            group_label("arn:aws:iam::1:root", "arn:aws:iam::1:root|2001:db8::4ea"),
            Some("2001:db8::4ea".into()),
            "an IPv6 address is not cut like an ARN"
        );
        assert_eq!(
            group_label(user, "917625699678"),
            Some("917625699678".into())
        );
        assert_eq!(
            group_label(user, "1|arn:aws:iam::1:user/aws-support-ops"),
            Some("1 aws-support-ops".into())
        );
        assert_eq!(group_label(user, &format!("{user}|")), None);
    }

    #[test]
    fn a_sigma_uuid_is_cut_and_our_ids_are_kept() {
        assert_eq!(
            short_rule_id("4db60cc0-36fb-42b7-9b58-a5b53019fb74"),
            "4db60cc0…"
        );
        assert_eq!(short_rule_id("API-01"), "API-01");
        assert_eq!(
            short_rule_id("not-a-uuid-but-thirty-six-chars-long!"),
            "not-a-uuid-but-thirty-six-chars-long!"
        );
    }
}
