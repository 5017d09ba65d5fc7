//! What detection has found in one index: its alerts, its correlation state and its first-seen
//! baselines, kept together because every new event updates them and they are saved together.
use std::path::Path;

use super::alerts::AlertSet;
use super::baseline::Baselines;
use super::correlate::Correlator;
use super::engine::{Detector, Matches};
use crate::event::EventSummary;

pub struct Findings {
    pub alerts: AlertSet,
    correlator: Correlator,
    baselines: Baselines,
}

impl Findings {
    /// What earlier ingests found in the index at `dir`, as of its latest commit (for the
    /// writer of that index: findings staged for a commit are settled first).
    pub fn load(dir: &Path) -> std::io::Result<Findings> {
        crate::state_file::settle(dir)?;
        Ok(Findings {
            alerts: AlertSet::load(dir)?,
            correlator: Correlator::load(dir)?,
            baselines: Baselines::load(dir)?,
        })
    }

    /// Nothing found yet: for re-evaluating a whole index.
    pub fn empty(dir: &Path) -> Findings {
        Findings {
            alerts: AlertSet::empty(dir),
            correlator: Correlator::empty(dir),
            baselines: Baselines::empty(dir),
        }
    }

    /// Counts one new event's matches, and the correlations they complete.
    pub fn observe(&mut self, detector: &Detector, event: &EventSummary, matches: &Matches) {
        self.alerts.add(detector, event, &matches.alerts);
        let time = event.time.map_or(0, |t| t.timestamp());
        for hit in &matches.first_seen {
            if let Some(note) = self.baselines.observe(detector.first_seen(), hit, time) {
                self.alerts
                    .add_first_seen(detector, event, hit, &note.describe(&hit.value));
            }
        }
        if matches.feeds.is_empty() {
            return;
        }
        let specs = detector.correlations();
        let fired = self.correlator.observe(
            specs,
            &matches.feeds,
            &event.event_id,
            time,
            &event.principal.id,
        );
        for fired in fired {
            if specs[fired.spec].alerts {
                self.alerts.add_fired(detector, &fired);
            }
        }
    }

    /// Writes the findings staged for the index commit `opstamp`, to become current with it.
    pub fn stage(&self, dir: &Path, opstamp: u64) -> std::io::Result<()> {
        let names = [
            self.correlator.stage()?,
            self.baselines.stage()?,
            self.alerts.stage()?,
        ];
        crate::state_file::mark_staged(dir, opstamp, &names)
    }

    /// Writes the findings at once, replacing anything staged (a recompute from the whole
    /// committed index).
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        crate::state_file::discard_staged(dir)?;
        self.correlator.save()?;
        self.baselines.save()?;
        self.alerts.save()
    }
}
