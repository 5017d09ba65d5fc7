//! How a source hands what it reads to the one writer: streams of records with their
//! provenance, problems, how much more it found, and checkpoints that commit with the events.
use std::io::Read;
use std::sync::Arc;

use super::Problem;
use crate::index::coverage::BucketMark;

pub trait Feed: Sync {
    /// Reads one stream (a file, an object), handing over its records as they are parsed;
    /// `explicit` when the user named it (and is told when it holds no CloudTrail). Returns
    /// whether it was read to its end (not cut short by a stop).
    fn stream(&self, source: &Arc<str>, name: &str, explicit: bool, reader: &mut dyn Read) -> bool;
    /// A problem outside any stream (a bucket that cannot be listed, an object that cannot be fetched).
    fn problem(&self, problem: Problem);
    /// `files` more streams will come, for progress.
    fn found(&self, files: usize);
    /// Digest files seen and passed over (integrity data, no events).
    fn digests(&self, source: &Arc<str>, files: u64);
    /// How far a bucket's day folder was read; committed with the events streamed before it.
    fn checkpoint(&self, mark: BucketMark);
    fn cancelled(&self) -> bool;
}
