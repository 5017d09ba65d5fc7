//! Detection: the Sigma engine, the rule pack, evaluation of events and the alerts they raise.
pub mod alerts;
pub mod baseline;
pub mod correlate;
pub mod engine;
mod findings;
pub mod geoip;
pub mod pack;
mod replay;
pub mod samples;
pub mod settings;
pub mod sigma;
mod tune;

pub use alerts::{group_label, mark_alert, short_rule_id, Alert, AlertMark, AlertSet};
pub use baseline::Baselines;
pub use correlate::Correlator;
pub use engine::{Detector, Matches, RuleMatch};
pub use findings::Findings;
pub use replay::replay;
