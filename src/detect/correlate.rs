//! Sigma v2 correlations over the events of all ingests: `event_count`, `value_count`,
//! `temporal` and `temporal_ordered`, grouped by their `group-by` fields. A correlation may use
//! another correlation as an input (AUTH-05: repeated failures, then a success). Inputs arrive
//! in any order (archives are not sorted), so every hit of a base detection is kept per group
//! and windows are checked around each new one; the hits persist beside the index in
//! `correlation-state.json`, so a later ingest can complete a window an earlier one began.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::pack::Severity;
use super::sigma::{CorrelationKind, Threshold};

const STATE_FILE: &str = "correlation-state.json";
/// Hits kept per group: enough for any window the pack uses, bounded so a principal making
/// millions of matching calls costs bounded memory and time. The oldest go first.
const MAX_HITS_PER_GROUP: usize = 2_000;

/// Separates the values one hit carries for a `value_count` correlation (a record listing
/// several instances or parameters counts each of them).
pub const VALUE_SEPARATOR: char = '\n';

/// A compiled correlation document.
#[derive(Debug, Clone)]
pub struct CorrelationSpec {
    /// Position of the owning rule in the detector.
    pub rule: usize,
    /// Position of the document in its rule file (0-based).
    pub document: usize,
    /// Stable name for its state: rule id and document number.
    pub key: String,
    pub severity: Severity,
    pub kind: CorrelationKind,
    pub timespan_secs: i64,
    pub threshold: Option<Threshold>,
    /// Raises alerts itself (false when it only feeds another correlation).
    pub alerts: bool,
    pub inputs: usize,
    /// Correlations this one feeds, with the input position it fills there.
    pub parents: Vec<(usize, usize)>,
}

/// One base-detection match (or one fired inner correlation) counted by a correlation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Hit {
    pub time: i64,
    pub event_ids: Vec<String>,
    pub value: Option<String>,
    pub input: usize,
    pub principal: String,
}

/// What the worker computed for one feeding match: which correlation, which input, which group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedMatch {
    pub spec: usize,
    pub input: usize,
    pub group: String,
    pub value: Option<String>,
}

/// A correlation whose condition holds on a window of hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub spec: usize,
    pub group: String,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    /// spec key -> group -> its hits and fired windows.
    groups: BTreeMap<String, BTreeMap<String, GroupState>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct GroupState {
    /// In time order.
    hits: Vec<Hit>,
    /// Windows (first, last time) that already fired: a later hit inside one joins that alert
    /// alone instead of re-reporting the whole window.
    fired: Vec<(i64, i64)>,
}

/// The correlation state of one index.
#[derive(Debug)]
pub struct Correlator {
    state: StateFile,
    dir: PathBuf,
}

impl Correlator {
    pub fn load(dir: &Path) -> std::io::Result<Correlator> {
        let state = match std::fs::read(dir.join(STATE_FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", dir.join(STATE_FILE).display()),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => StateFile::default(),
            Err(e) => return Err(e),
        };
        Ok(Correlator {
            state,
            dir: dir.to_owned(),
        })
    }

    pub fn empty(dir: &Path) -> Correlator {
        Correlator {
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

    /// Records one event's feeding matches and returns every correlation it makes fire
    /// (including outer correlations fed by inner ones that fired).
    pub fn observe(
        &mut self,
        specs: &[CorrelationSpec],
        feeds: &[FeedMatch],
        event_id: &str,
        time: i64,
        principal: &str,
    ) -> Vec<Fired> {
        let mut fired = Vec::new();
        let mut pending: Vec<(usize, String, Hit)> = feeds
            .iter()
            .map(|feed| {
                let hit = Hit {
                    time,
                    event_ids: vec![event_id.to_owned()],
                    value: feed.value.clone(),
                    input: feed.input,
                    principal: principal.to_owned(),
                };
                (feed.spec, feed.group.clone(), hit)
            })
            .collect();
        while let Some((spec_index, group, hit)) = pending.pop() {
            let Some(spec) = specs.get(spec_index) else {
                continue;
            };
            let state = self
                .state
                .groups
                .entry(spec.key.clone())
                .or_default()
                .entry(group.clone())
                .or_default();
            let same_time = state.hits.partition_point(|h| h.time < hit.time);
            let duplicate = state.hits[same_time..]
                .iter()
                .take_while(|h| h.time == hit.time)
                .any(|h| h.input == hit.input && h.event_ids == hit.event_ids);
            if duplicate {
                continue;
            }
            if state
                .fired
                .iter()
                .any(|&(first, last)| (first..=last).contains(&hit.time))
            {
                fired.push(Fired {
                    spec: spec_index,
                    group,
                    hits: vec![hit],
                });
                continue;
            }
            let at = state.hits.partition_point(|h| h.time <= hit.time);
            state.hits.insert(at, hit);
            let at = if state.hits.len() > MAX_HITS_PER_GROUP {
                state.hits.remove(0);
                at.saturating_sub(1)
            } else {
                at
            };
            if let Some(window) = firing_window(spec, &state.hits, at) {
                let first = window.first().map_or(time, |h| h.time);
                state.fired.push((first, first + spec.timespan_secs));
                for &(parent, input) in &spec.parents {
                    let last = window.iter().map(|h| h.time).max().unwrap_or(time);
                    let inner = Hit {
                        time: last,
                        event_ids: window
                            .iter()
                            .flat_map(|h| h.event_ids.iter().cloned())
                            .collect(),
                        value: None,
                        input,
                        principal: window
                            .last()
                            .map(|h| h.principal.clone())
                            .unwrap_or_default(),
                    };
                    pending.push((parent, group.clone(), inner));
                }
                fired.push(Fired {
                    spec: spec_index,
                    group,
                    hits: window,
                });
            }
        }
        fired
    }
}

/// The window around the hit at `new` for which the spec's condition holds, if any.
fn firing_window(spec: &CorrelationSpec, hits: &[Hit], new: usize) -> Option<Vec<Hit>> {
    let span = spec.timespan_secs;
    let time = hits[new].time;
    let lo = hits.partition_point(|h| h.time < time - span);
    let hi = hits.partition_point(|h| h.time <= time + span);
    // Every window of length `span` that contains the new hit starts at one of these hits.
    for start in lo..=new {
        let begin = hits[start].time;
        let end = hits[start..hi].partition_point(|h| h.time <= begin + span) + start;
        if end <= new {
            continue;
        }
        let window = &hits[start..end];
        if condition_holds(spec, window) {
            return Some(window.to_vec());
        }
    }
    None
}

fn condition_holds(spec: &CorrelationSpec, window: &[Hit]) -> bool {
    match spec.kind {
        CorrelationKind::EventCount => {
            let count = window.iter().map(|h| h.event_ids.len() as u64).sum();
            spec.threshold.as_ref().is_some_and(|t| t.holds(count))
        }
        CorrelationKind::ValueCount => {
            let values: BTreeSet<&str> = window
                .iter()
                .filter_map(|h| h.value.as_deref())
                .flat_map(|value| value.split(VALUE_SEPARATOR))
                .filter(|value| !value.is_empty())
                .collect();
            spec.threshold
                .as_ref()
                .is_some_and(|t| t.holds(values.len() as u64))
        }
        CorrelationKind::Temporal => {
            let inputs: BTreeSet<usize> = window.iter().map(|h| h.input).collect();
            inputs.len() == spec.inputs
        }
        CorrelationKind::TemporalOrdered => {
            let mut next = 0;
            for hit in window {
                if hit.input == next {
                    next += 1;
                    if next == spec.inputs {
                        return true;
                    }
                }
            }
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::sigma::CompareOp;

    fn spec(kind: CorrelationKind, threshold: Option<u64>, inputs: usize) -> CorrelationSpec {
        CorrelationSpec {
            rule: 0,
            document: 1,
            key: "T-1#2".into(),
            severity: Severity::Medium,
            kind,
            timespan_secs: 900,
            threshold: threshold.map(|n| Threshold {
                field: None,
                bounds: vec![(CompareOp::Gte, n)],
            }),
            alerts: true,
            inputs,
            parents: Vec::new(),
        }
    }

    fn feed(input: usize, value: Option<&str>) -> FeedMatch {
        FeedMatch {
            spec: 0,
            input,
            group: "alice".into(),
            value: value.map(str::to_owned),
        }
    }

    #[test]
    fn event_count_fires_once_the_window_is_full_whatever_the_arrival_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut correlator = Correlator::empty(dir.path());
        let specs = [spec(CorrelationKind::EventCount, Some(3), 1)];
        // Out of order, and one hit outside the 15-minute window.
        for (id, time) in [("a", 1_000), ("far", 10_000), ("c", 1_600)] {
            assert!(correlator
                .observe(&specs, &[feed(0, None)], id, time, "alice")
                .is_empty());
        }
        let fired = correlator.observe(&specs, &[feed(0, None)], "b", 1_300, "alice");
        assert_eq!(fired.len(), 1);
        let ids: Vec<_> = fired[0]
            .hits
            .iter()
            .flat_map(|h| h.event_ids.clone())
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
        // A replayed event changes nothing.
        assert!(correlator
            .observe(&specs, &[feed(0, None)], "b", 1_300, "alice")
            .is_empty());
    }

    #[test]
    fn state_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let specs = [spec(CorrelationKind::EventCount, Some(2), 1)];
        let mut first = Correlator::empty(dir.path());
        first.observe(&specs, &[feed(0, None)], "a", 100, "alice");
        first.save().unwrap();
        let mut second = Correlator::load(dir.path()).unwrap();
        assert_eq!(
            second
                .observe(&specs, &[feed(0, None)], "b", 200, "alice")
                .len(),
            1
        );
    }

    #[test]
    fn value_count_counts_distinct_values() {
        let dir = tempfile::tempdir().unwrap();
        let mut correlator = Correlator::empty(dir.path());
        let specs = [spec(CorrelationKind::ValueCount, Some(3), 1)];
        correlator.observe(&specs, &[feed(0, Some("i-1"))], "a", 10, "alice");
        assert!(correlator
            .observe(&specs, &[feed(0, Some("i-1"))], "b", 20, "alice")
            .is_empty());
        correlator.observe(&specs, &[feed(0, Some("i-2"))], "c", 30, "alice");
        assert_eq!(
            correlator
                .observe(&specs, &[feed(0, Some("i-3"))], "d", 40, "alice")
                .len(),
            1
        );
    }

    #[test]
    fn one_hit_listing_several_values_counts_each() {
        let dir = tempfile::tempdir().unwrap();
        let mut correlator = Correlator::empty(dir.path());
        let specs = [spec(CorrelationKind::ValueCount, Some(3), 1)];
        assert!(correlator
            .observe(&specs, &[feed(0, Some("i-1\ni-2"))], "a", 10, "alice")
            .is_empty());
        let both = format!("i-2{VALUE_SEPARATOR}i-3");
        assert_eq!(
            correlator
                .observe(&specs, &[feed(0, Some(&both))], "b", 20, "alice")
                .len(),
            1
        );
    }

    #[test]
    fn ordered_sequences_need_their_order_and_feed_outer_correlations() {
        let dir = tempfile::tempdir().unwrap();
        let mut correlator = Correlator::empty(dir.path());
        let mut inner = spec(CorrelationKind::EventCount, Some(2), 1);
        inner.parents = vec![(1, 0)];
        inner.alerts = false;
        let mut outer = spec(CorrelationKind::TemporalOrdered, None, 2);
        outer.key = "T-1#3".into();
        let specs = [inner, outer];
        let success = FeedMatch {
            spec: 1,
            input: 1,
            group: "alice".into(),
            value: None,
        };
        // The success before the failures does not count.
        assert!(correlator
            .observe(&specs, std::slice::from_ref(&success), "s0", 50, "alice")
            .is_empty());
        correlator.observe(&specs, &[feed(0, None)], "f1", 100, "alice");
        let inner_fired = correlator.observe(&specs, &[feed(0, None)], "f2", 110, "alice");
        assert_eq!(inner_fired.iter().map(|f| f.spec).collect::<Vec<_>>(), [0]);
        let outer_fired = correlator.observe(&specs, &[success], "s1", 200, "alice");
        assert_eq!(outer_fired.iter().map(|f| f.spec).collect::<Vec<_>>(), [1]);
    }
}
