//! First-seen documents (`trailhound.first_seen`, see [`super::pack`]): a key value (a
//! principal's region, an account's image) that did not occur among the document's events in
//! the baseline window before the event.
//!
//! State per document, kept beside the index in `first-seen-state.json` so that later ingests
//! and `alerts --recompute` continue from it:
//!
//! - for each key value, hashed (64-bit xxh3 of the field values), its first and last time;
//! - for each owner (the key without its last field, e.g. the principal), hashed, its event
//!   count per UTC day;
//! - the time of the earliest event the document has seen.
//!
//! Memory is bounded by the number of distinct key values within one baseline window: key values
//! and day counts older than the baseline (relative to the newest event) are dropped.
//!
//! An event fires when its key value was not seen in `[time - baseline, time]`, the owner has at
//! least `min_baseline_events` events in the baseline days, and the document has seen at least
//! `learning` of history (so an index younger than its baselines stays quiet). Events are counted
//! in arrival order while an ingest runs; every ingest and pull ends by replaying the index in time
//! order ([`super::replay`]), so the alerts that stay are those the events' own order raises.
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::pack::Severity;

const STATE_FILE: &str = "first-seen-state.json";
const DAY: i64 = 86_400;

/// A compiled first-seen document.
#[derive(Debug, Clone)]
pub struct FirstSeenSpec {
    /// Position of the owning rule in the detector.
    pub rule: usize,
    /// Position of the document in its rule file (0-based).
    pub document: usize,
    /// Stable name for its state: rule id and document number.
    pub key: String,
    pub severity: Severity,
    pub fields: Vec<String>,
    pub baseline_secs: i64,
    pub learning_secs: i64,
    pub min_baseline_events: u64,
}

/// One event matched by a first-seen document, with its key value and owner hashed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstSeenMatch {
    pub spec: usize,
    pub key: u64,
    pub owner: u64,
    /// The last key field's value, for the alert text.
    pub value: String,
    /// The alert group (the document's `group_by` values).
    pub group: String,
}

/// What a first sighting was compared against, for the alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineNote {
    pub from: i64,
    pub to: i64,
    pub baseline_secs: i64,
    pub owner_events: u64,
}

impl BaselineNote {
    pub fn describe(&self, value: &str) -> String {
        let date = |t: i64| {
            DateTime::<Utc>::from_timestamp(t, 0)
                .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
                .unwrap_or_default()
        };
        let days = self.baseline_secs as f64 / DAY as f64;
        format!(
            "`{value}` first seen: not in the baseline of {} ({} to {}, {} events)",
            if days.fract() == 0.0 {
                format!("{days} d")
            } else {
                format!("{} h", self.baseline_secs / 3_600)
            },
            date(self.from),
            date(self.to),
            self.owner_events
        )
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct SpecState {
    /// Earliest event time the document has seen.
    start: Option<i64>,
    /// Newest event time the document has seen.
    latest: i64,
    /// The day up to which old entries were last dropped.
    pruned_day: i64,
    /// Key hash -> (first, last) time.
    keys: HashMap<u64, (i64, i64)>,
    /// Owner hash -> UTC day number -> events.
    owners: HashMap<u64, BTreeMap<i64, u64>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    specs: BTreeMap<String, SpecState>,
}

/// The first-seen state of one index.
#[derive(Debug)]
pub struct Baselines {
    state: StateFile,
    dir: PathBuf,
}

impl Baselines {
    pub fn load(dir: &Path) -> std::io::Result<Baselines> {
        let path = dir.join(STATE_FILE);
        let state = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => StateFile::default(),
            Err(e) => return Err(e),
        };
        Ok(Baselines {
            state,
            dir: dir.to_owned(),
        })
    }

    pub fn empty(dir: &Path) -> Baselines {
        Baselines {
            state: StateFile::default(),
            dir: dir.to_owned(),
        }
    }

    pub fn save(&self) -> std::io::Result<()> {
        crate::state_file::write_json(&self.dir.join(STATE_FILE), &self.state)
    }

    /// Writes the state staged for the next index commit (see `state_file`).
    pub fn stage(&self) -> std::io::Result<&'static str> {
        let path = crate::state_file::staged_path(&self.dir.join(STATE_FILE));
        crate::state_file::write_json(&path, &self.state)?;
        Ok(STATE_FILE)
    }

    /// Counts one matched event into its document's baseline; returns what it was compared
    /// against when the key value is a first sighting that should raise an alert.
    pub fn observe(
        &mut self,
        specs: &[FirstSeenSpec],
        hit: &FirstSeenMatch,
        time: i64,
    ) -> Option<BaselineNote> {
        let spec = specs.get(hit.spec)?;
        let state = self.state.specs.entry(spec.key.clone()).or_default();
        let start = state.start.map_or(time, |start| start.min(time));
        state.start = Some(start);
        let from = time - spec.baseline_secs;
        let seen = state
            .keys
            .get(&hit.key)
            .is_some_and(|&(first, last)| first <= time && last >= from);
        let owner_events: u64 = state
            .owners
            .get(&hit.owner)
            .map(|days| {
                days.range(from.div_euclid(DAY)..=time.div_euclid(DAY))
                    .map(|(_, count)| count)
                    .sum()
            })
            .unwrap_or(0);
        let learned = time - start >= spec.learning_secs;
        let fires = !seen && learned && owner_events >= spec.min_baseline_events;

        let entry = state.keys.entry(hit.key).or_insert((time, time));
        entry.0 = entry.0.min(time);
        entry.1 = entry.1.max(time);
        *state
            .owners
            .entry(hit.owner)
            .or_default()
            .entry(time.div_euclid(DAY))
            .or_default() += 1;
        state.latest = state.latest.max(time);
        prune(state, spec.baseline_secs);

        fires.then(|| BaselineNote {
            from: from.max(start),
            to: time,
            baseline_secs: spec.baseline_secs,
            owner_events,
        })
    }
}

/// Drops key values and day counts older than one baseline before the newest event, once a day.
fn prune(state: &mut SpecState, baseline_secs: i64) {
    let today = state.latest.div_euclid(DAY);
    if today <= state.pruned_day {
        return;
    }
    state.pruned_day = today;
    let oldest = state.latest - baseline_secs - DAY;
    state.keys.retain(|_, &mut (_, last)| last >= oldest);
    let oldest_day = oldest.div_euclid(DAY);
    state.owners.retain(|_, days| {
        days.retain(|&day, _| day >= oldest_day);
        !days.is_empty()
    });
}

/// The hash of a key value: its fields' values joined by a separator no value contains.
pub fn key_hash(values: &[String]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(values.join("\u{1f}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(min: u64, learning_days: i64) -> FirstSeenSpec {
        FirstSeenSpec {
            rule: 0,
            document: 0,
            key: "T-1#1".into(),
            severity: Severity::Low,
            fields: vec!["principal".into(), "awsRegion".into()],
            baseline_secs: 14 * DAY,
            learning_secs: learning_days * DAY,
            min_baseline_events: min,
        }
    }

    fn hit(owner: &str, value: &str) -> FirstSeenMatch {
        FirstSeenMatch {
            spec: 0,
            key: key_hash(&[owner.to_owned(), value.to_owned()]),
            owner: key_hash(&[owner.to_owned()]),
            value: value.to_owned(),
            group: owner.to_owned(),
        }
    }

    #[test]
    fn a_new_value_fires_once_the_owner_has_a_baseline() {
        let dir = tempfile::tempdir().unwrap();
        let mut baselines = Baselines::empty(dir.path());
        let specs = [spec(3, 2)];
        for day in 0..3 {
            assert!(baselines
                .observe(&specs, &hit("alice", "us-east-1"), day * DAY)
                .is_none());
        }
        let note = baselines
            .observe(&specs, &hit("alice", "sa-east-1"), 4 * DAY)
            .expect("first sighting");
        assert_eq!(note.owner_events, 3);
        assert_eq!(
            note.from, 0,
            "the baseline starts at the document's history"
        );
        assert!(note.describe("sa-east-1").contains("14 d"));
        // Seen now: the second call does not fire again, nor one in the same second.
        assert!(baselines
            .observe(&specs, &hit("alice", "sa-east-1"), 4 * DAY + 60)
            .is_none());
        assert!(baselines
            .observe(&specs, &hit("alice", "sa-east-1"), 4 * DAY)
            .is_none());
        // bob has no baseline.
        assert!(baselines
            .observe(&specs, &hit("bob", "sa-east-1"), 4 * DAY)
            .is_none());
    }

    #[test]
    fn nothing_fires_while_learning_and_values_expire_after_the_baseline() {
        let dir = tempfile::tempdir().unwrap();
        let mut baselines = Baselines::empty(dir.path());
        let specs = [spec(1, 14)];
        baselines.observe(&specs, &hit("alice", "us-east-1"), 0);
        baselines.observe(&specs, &hit("alice", "eu-west-1"), DAY);
        assert!(
            baselines
                .observe(&specs, &hit("alice", "sa-east-1"), 2 * DAY)
                .is_none(),
            "the index is younger than the learning period"
        );
        for day in 3..40 {
            baselines.observe(&specs, &hit("alice", "us-east-1"), day * DAY);
        }
        assert!(
            baselines
                .observe(&specs, &hit("alice", "eu-west-1"), 40 * DAY)
                .is_some(),
            "last seen 39 days ago, outside the 14-day baseline"
        );
    }

    #[test]
    fn state_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let specs = [spec(2, 0)];
        let mut first = Baselines::empty(dir.path());
        first.observe(&specs, &hit("alice", "us-east-1"), 0);
        first.observe(&specs, &hit("alice", "us-east-1"), DAY);
        first.save().unwrap();
        let mut second = Baselines::load(dir.path()).unwrap();
        assert!(second
            .observe(&specs, &hit("alice", "us-east-1"), 2 * DAY)
            .is_none());
        assert!(second
            .observe(&specs, &hit("alice", "ap-south-1"), 2 * DAY)
            .is_some());
    }
}
