//! Detection: the Sigma engine, the rule pack, evaluation of events and the alerts they raise.
pub mod alerts;
pub mod correlate;
pub mod engine;
mod findings;
pub mod pack;
pub mod sigma;

pub use alerts::{mark_alert, Alert, AlertMark, AlertSet};
pub use correlate::Correlator;
pub use engine::{Detector, Matches, RuleMatch};
pub use findings::Findings;
