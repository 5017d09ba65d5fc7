//! Sigma rules (<https://sigmahq.io>) evaluated directly on CloudTrail records
//! (`serde_json::Value`), with the semantics real CloudTrail data needs:
//!
//! - field paths with dots walk objects, and arrays with any-element semantics;
//! - values compare case-insensitively (unless `|cased`; `|re` is case-sensitive unless `|re|i`),
//!   numbers and booleans as their JSON text, objects as their compact JSON serialisation
//!   (so `requestParameters|contains: userData` works);
//! - `null` means absent or JSON null; `|exists` means present and not null;
//! - `*`/`?` wildcards with `\*`, `\?`, `\\` escapes.
//!
//! Correlation documents (Sigma v2 `event_count`, `value_count`, `temporal`,
//! `temporal_ordered`) are parsed and validated; counting over time is up to the caller.
//!
//! Why not a crate (checked 2026-11): `rsigma-eval` is the only complete one, but its releases
//! after 0.23 need a newer rustc than ours, `contains` does not search objects, errors do not
//! say which document or field, and a rule costs ~120 ns per event (it lowercases the event's
//! text on every comparison); `sigma-rust` and `sigma-rs` miss arrays, null or typing rules.

mod condition;
mod correlation;
mod detection;
mod error;
mod expand;
mod literal_set;
mod load;
mod matcher;
mod modifier;
mod nesting;
mod path;
mod pattern;
mod prefilter;
mod rule;
mod value;
mod yaml;

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;

pub use correlation::{CompareOp, Correlation, CorrelationKind, Threshold};
pub use error::RuleError;
pub use load::{
    parse_rule_file, parse_rule_str, read_rule_text, MAX_NESTING, MAX_RULE_BYTES, MAX_VALUES,
};
pub use matcher::Detection;
pub use rule::{LogSource, RuleKind, SigmaRule};
