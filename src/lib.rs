//! trailhound: investigate AWS CloudTrail from the terminal.
pub mod gen;
pub mod query;
