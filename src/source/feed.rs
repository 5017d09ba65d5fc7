//! How a source hands what it reads to the one writer: streams of records with their
//! provenance, problems, how much more it found, and checkpoints that commit with the events.
use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use super::{Problem, SourceRecord, Tap};
use crate::index::coverage::Checkpoint;

pub trait Feed: Sync {
    /// Reads one stream (a file, an object), handing over its records as they are parsed;
    /// `explicit` when the user named it (and is told when it holds no CloudTrail); `tap` sees
    /// all its decompressed bytes. Returns whether it was read to its end (not cut short by a stop).
    fn stream(
        &self,
        source: &Arc<str>,
        name: &str,
        explicit: bool,
        reader: &mut dyn Read,
        tap: Option<&mut dyn Tap>,
    ) -> bool;
    /// Hands over the records of one answer that arrived whole (a page of an API).
    fn delivery(&self, delivery: Delivery);
    /// A problem outside any stream (a bucket that cannot be listed, an object that cannot be fetched).
    fn problem(&self, problem: Problem);
    /// `files` more streams will come, for progress.
    fn found(&self, files: usize);
    /// Digest files seen and passed over (integrity data, no events).
    fn digests(&self, source: &Arc<str>, files: u64);
    /// How far the source got; committed with the records handed over before it.
    fn checkpoint(&self, checkpoint: Checkpoint);
    fn cancelled(&self) -> bool;
}

/// One answer's records, the problems met turning it into records, and how far it took its
/// source: its events and its checkpoint commit together.
pub struct Delivery {
    pub source: Arc<str>,
    /// Where in the source the records came from, as `@file` shows it.
    pub name: Arc<str>,
    pub records: Vec<SourceRecord<'static>>,
    pub problems: Vec<Problem>,
    pub checkpoint: Checkpoint,
    /// When the answer arrived, to tell how soon after it its events were searchable.
    pub arrived: Instant,
}
