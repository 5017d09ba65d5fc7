//! trailhound: investigate AWS CloudTrail from the terminal.
//!
//! Data flows one way:
//! - [`source`] finds files and reads records out of them (formats, damage, provenance); the
//!   other sources, [`s3`] (trail buckets) and [`pull`] (LookupEvents), hand what they read to
//!   the same [`source::Feed`], as streams or as whole answers, each with its checkpoint;
//! - [`ingest`] is that feed and the one writer behind it: documents and detection on the
//!   sources' threads, then dedupe by eventID and commits that carry the checkpoints;
//! - [`index`] also answers every read: search, count, top values, lookup by id;
//! - [`query`] is the query language's parser, [`event`] the CloudTrail domain without I/O;
//! - [`cli`] prints what the index answers; [`gen`] writes synthetic archives for tests.
pub mod athena;
pub mod case;
pub mod cli;
pub mod config;
pub mod detect;
pub mod event;
pub mod gen;
pub mod index;
pub mod ingest;
pub mod integrity;
pub mod priority;
pub mod pull;
pub mod query;
pub mod s3;
pub mod source;
pub mod state_file;
pub mod tui;
pub mod units;
