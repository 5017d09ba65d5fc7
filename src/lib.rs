//! trailhound: investigate AWS CloudTrail from the terminal.
//!
//! Data flows one way:
//! - [`source`] finds files and reads records out of them (formats, damage, provenance);
//! - [`ingest`] runs sources in parallel into the [`index`] writer (dedupe by eventID, commits);
//! - [`index`] also answers every read: search, count, top values, lookup by id;
//! - [`query`] is the query language's parser, [`event`] the CloudTrail domain without I/O;
//! - [`cli`] prints what the index answers; [`gen`] writes synthetic archives for tests.
pub mod cli;
pub mod config;
pub mod detect;
pub mod event;
pub mod gen;
pub mod index;
pub mod ingest;
pub mod priority;
pub mod pull;
pub mod query;
pub mod s3;
pub mod source;
pub mod state_file;
pub mod tui;
pub mod units;
