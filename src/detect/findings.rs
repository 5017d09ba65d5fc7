//! What detection has found in one index: its alerts and its correlation state, kept together
//! because every new event updates both and they are saved together.
use std::path::Path;

use super::alerts::AlertSet;
use super::correlate::Correlator;
use super::engine::{Detector, Matches};
use crate::event::EventSummary;

pub struct Findings {
    pub alerts: AlertSet,
    correlator: Correlator,
}

impl Findings {
    /// What earlier ingests found in the index at `dir`.
    pub fn load(dir: &Path) -> std::io::Result<Findings> {
        Ok(Findings {
            alerts: AlertSet::load(dir)?,
            correlator: Correlator::load(dir)?,
        })
    }

    /// Nothing found yet: for re-evaluating a whole index.
    pub fn empty(dir: &Path) -> Findings {
        Findings {
            alerts: AlertSet::empty(dir),
            correlator: Correlator::empty(dir),
        }
    }

    /// Counts one new event's matches, and the correlations they complete.
    pub fn observe(&mut self, detector: &Detector, event: &EventSummary, matches: &Matches) {
        self.alerts.add(detector, event, &matches.alerts);
        if matches.feeds.is_empty() {
            return;
        }
        let time = event.time.map_or(0, |t| t.timestamp());
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

    /// Written before the index commits the events they cite (see `AlertSet::save`).
    pub fn save(&self) -> std::io::Result<()> {
        self.correlator.save()?;
        self.alerts.save()
    }
}
