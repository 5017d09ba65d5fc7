use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use chrono::Utc;
use tantivy::directory::error::LockError;
use tantivy::{IndexWriter, TantivyError};

use super::coverage::Coverage;
use super::document::PreparedEvent;
use super::error::IndexError;
use super::identities;
use super::reattribute::reattribute;
use super::schema::{id_hash, SCHEMA_VERSION};
use super::store::TrailIndex;
use crate::event::IdentityMap;

/// Commit at least this often so a long ingest is searchable (and crash-safe) as it goes.
pub const DEFAULT_COMMIT_EVERY_DOCS: usize = 250_000;
const COMMIT_EVERY: Duration = Duration::from_secs(30);
const MEMORY_BUDGET_BYTES: usize = 512 * 1024 * 1024;

/// Writes the files that go with one commit, given its opstamp (see [`EventWriter::commit_with`]).
pub type Stage<'a> = &'a dyn Fn(u64) -> std::io::Result<()>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New,
    Duplicate,
}

/// The single writer of an index: dedupes by eventID against everything committed before and
/// everything added since, and commits documents together with the coverage they add.
pub struct EventWriter {
    index: TrailIndex,
    writer: IndexWriter,
    seen: HashSet<u128>,
    coverage: Coverage,
    uncommitted: usize,
    coverage_changed: bool,
    last_commit: Instant,
    commit_every_docs: usize,
    commit_interval: Duration,
    identities: IdentityMap,
    /// Raw principal identifiers the map learned an answer for since the last commit.
    newly_resolved: BTreeSet<String>,
    /// Every raw identifier the map learned an answer for since the writer opened: events are
    /// prepared with the map as it was then, so one of these still arrives under its raw id.
    learned_since_open: HashSet<String>,
    reattributed: u64,
}

impl EventWriter {
    /// Takes the index's writer lock (refusing if another process holds it) and loads the ids of
    /// the events already committed.
    pub fn open(index: &TrailIndex) -> Result<EventWriter, IndexError> {
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 8);
        let writer = index
            .index
            .writer_with_num_threads(threads, MEMORY_BUDGET_BYTES)
            .map_err(|e| match e {
                TantivyError::LockFailure(LockError::LockBusy, _) => {
                    IndexError::Locked(index.dir().to_owned())
                }
                other => write_error(index, other),
            })?;
        let mut coverage = index.coverage()?;
        coverage.schema_version = SCHEMA_VERSION;
        let seen = committed_ids(index)?;
        let identities = identities::load(index.dir()).map_err(|source| IndexError::Io {
            path: index.dir().to_owned(),
            source,
        })?;
        Ok(EventWriter {
            index: index.clone(),
            writer,
            seen,
            coverage,
            uncommitted: 0,
            coverage_changed: false,
            last_commit: Instant::now(),
            commit_every_docs: DEFAULT_COMMIT_EVERY_DOCS,
            commit_interval: COMMIT_EVERY,
            identities,
            newly_resolved: BTreeSet::new(),
            learned_since_open: HashSet::new(),
            reattributed: 0,
        })
    }

    pub fn fields(&self) -> &super::schema::Fields {
        self.index.fields()
    }

    /// Commits after every `docs` new events (and at least every 30 seconds).
    pub fn set_commit_every(&mut self, docs: usize) {
        self.commit_every_docs = docs.max(1);
    }

    /// Commits at least this often while anything is uncommitted (default 30 seconds).
    pub fn set_commit_interval(&mut self, interval: Duration) {
        self.commit_interval = interval;
    }

    /// The coverage as the next commit will store it.
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }

    /// The coverage the next commit will store, to record progress that adds no documents
    /// (a pull's checkpoints).
    pub fn coverage_mut(&mut self) -> &mut Coverage {
        self.coverage_changed = true;
        &mut self.coverage
    }

    /// Records that an ingest of `source` started, and how many digest files it skipped.
    pub fn note_source(&mut self, source: &str, digest_files_skipped: u64) {
        let entry = self.coverage.source_mut(source);
        entry.ingests += 1;
        entry.digest_files_skipped += digest_files_skipped;
        entry.last_ingest = Some(Utc::now());
    }

    pub fn contains(&self, event_id: &str) -> bool {
        self.seen.contains(&id_hash(event_id))
    }

    /// Who identities without an ARN are, as learned so far: for building documents.
    pub fn identities(&self) -> &IdentityMap {
        &self.identities
    }

    /// Documents rebuilt because their principal resolved after they were committed.
    pub fn reattributed(&self) -> u64 {
        self.reattributed
    }

    pub fn add(&mut self, event: PreparedEvent) -> Result<Added, IndexError> {
        if let Some(link) = &event.identity {
            for raw_id in self.identities.learn(link) {
                self.learned_since_open.insert(raw_id.clone());
                self.newly_resolved.insert(raw_id);
            }
        }
        if !self.seen.insert(event.id_hash) {
            return Ok(Added::Duplicate);
        }
        let principal = &event.summary.principal.id;
        if self.learned_since_open.contains(principal) {
            // Prepared before its principal was learned: re-credited after the next commit.
            self.newly_resolved.insert(principal.clone());
        }
        self.coverage
            .source_mut(&event.source)
            .record(&event.summary);
        self.writer
            .add_document(event.doc)
            .map_err(|e| write_error(&self.index, e))?;
        self.uncommitted += 1;
        Ok(Added::New)
    }

    /// Whether enough has been added, or enough time has passed, that the caller should commit.
    pub fn commit_due(&self) -> bool {
        self.uncommitted >= self.commit_every_docs
            || ((self.uncommitted > 0 || self.coverage_changed)
                && self.last_commit.elapsed() >= self.commit_interval)
    }

    /// Makes everything added so far durable and visible to readers, atomically with its coverage;
    /// then re-credits committed events whose principal the identities learned since resolve.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.commit_with(None)
    }

    /// Commits together with files beside the index that describe what it commits (alerts):
    /// `stage` writes them for the commit's opstamp before it, and they become current once it
    /// is durable, so that a kill at any point never leaves them ahead of the index.
    pub fn commit_with(&mut self, stage: Option<Stage<'_>>) -> Result<(), IndexError> {
        if !self.newly_resolved.is_empty() {
            identities::save(self.index.dir(), &self.identities)
                .map_err(|source| IndexError::io(self.index.dir(), source))?;
        }
        self.commit_documents(stage)?;
        if !self.newly_resolved.is_empty() {
            let raw_ids = std::mem::take(&mut self.newly_resolved);
            let replaced = reattribute(&self.index, &self.writer, &self.identities, &raw_ids)?;
            if replaced > 0 {
                self.reattributed += replaced;
                self.commit_documents(None)?;
            }
        }
        Ok(())
    }

    fn commit_documents(&mut self, stage: Option<Stage<'_>>) -> Result<(), IndexError> {
        let payload = serde_json::to_string(&self.coverage).unwrap_or_default();
        let mut prepared = self
            .writer
            .prepare_commit()
            .map_err(|e| write_error(&self.index, e))?;
        let io_error = |source| IndexError::io(self.index.dir(), source);
        if let Some(stage) = stage {
            stage(prepared.opstamp()).map_err(io_error)?;
        }
        prepared.set_payload(&payload);
        prepared.commit().map_err(|e| write_error(&self.index, e))?;
        if stage.is_some() {
            crate::state_file::settle(self.index.dir()).map_err(io_error)?;
        }
        self.uncommitted = 0;
        self.coverage_changed = false;
        self.last_commit = Instant::now();
        Ok(())
    }

    /// Commits and waits for background segment merges, leaving a compact index.
    pub fn finish(mut self) -> Result<(), IndexError> {
        self.commit()?;
        let index = self.index.clone();
        self.writer
            .wait_merging_threads()
            .map_err(|e| write_error(&index, e))
    }
}

/// Below this much free space, a writer thread that died is taken to have run out of disk.
const NEARLY_FULL_BYTES: u64 = 32 * 1024 * 1024;

/// A failed write, said plainly when the disk is full: tantivy reports that as an I/O error, or
/// (when it hit an indexing thread) only as "an index writer was killed".
fn write_error(index: &TrailIndex, error: TantivyError) -> IndexError {
    let disk_full = match &error {
        TantivyError::IoError(io) if crate::state_file::is_disk_full(io) => true,
        TantivyError::ErrorInThread(_) => {
            free_bytes(index.dir()).is_some_and(|free| free < NEARLY_FULL_BYTES)
        }
        // Some errors carry the I/O error only as text.
        other => other.to_string().contains("(os error 28)"),
    };
    if disk_full {
        IndexError::DiskFull(index.dir().to_owned())
    } else {
        index.tantivy_error(error)
    }
}

#[cfg(unix)]
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_dir: &std::path::Path) -> Option<u64> {
    None
}

fn committed_ids(index: &TrailIndex) -> Result<HashSet<u128>, IndexError> {
    let searcher = index.searcher()?;
    let mut seen = HashSet::with_capacity(searcher.num_docs() as usize);
    for segment in searcher.segment_readers() {
        let column = |name: &str| {
            segment
                .fast_fields()
                .u64(name)
                .map_err(|e| index.tantivy_error(e))
        };
        let (hi, lo) = (column("id_hi")?, column("id_lo")?);
        for doc in 0..segment.max_doc() {
            if let (Some(hi), Some(lo)) = (hi.first(doc), lo.first(doc)) {
                seen.insert(((hi as u128) << 64) | lo as u128);
            }
        }
    }
    Ok(seen)
}
