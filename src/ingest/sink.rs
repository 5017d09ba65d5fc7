//! The one writer every source feeds: batches become documents deduped against the whole
//! index, new events raise alerts, and documents commit together with the checkpoints they
//! advance and the alerts they raised, so a killed run resumes exactly after what it made durable.
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::summary::IngestSummary;
use crate::detect::{replay, Detector, Findings, Matches};
use crate::index::coverage::Checkpoint;
use crate::index::document::PreparedEvent;
use crate::index::{Added, EventWriter, IndexError, TrailIndex};
use crate::source::Problem;

/// Hears about progress and problems while sources are written.
pub trait IngestObserver {
    fn started(&mut self, _files: usize) {}
    /// More files were found to read (objects listed in a bucket).
    fn found(&mut self, _files: usize) {}
    fn file_done(&mut self, _summary: &IngestSummary) {}
    fn problem(&mut self, _problem: &Problem) {}
    /// `checkpoint` is applied; the batch it came with added `new_events`.
    fn checkpoint(&mut self, _checkpoint: &Checkpoint, _new_events: u64) {}
}

/// Part of what a source read, already turned into documents (and checked by the detector)
/// on the source's threads.
pub struct Batch {
    /// The source to note in the coverage, for sources that are only known as they are read.
    pub source: Option<Arc<str>>,
    /// Records found (including rejected ones): on a stream's last batch, or with a delivery.
    pub records: u64,
    pub events: Vec<(PreparedEvent, Matches)>,
    pub problems: Vec<Problem>,
    /// On a file's last batch: whether the file counts as read.
    pub end_of_file: Option<bool>,
    /// More files to come, found by a source that lists as it reads.
    pub found: usize,
    /// Digest files a source passed over.
    pub digests: Option<(Arc<str>, u64)>,
    /// How far the source got, once the events before it (and in this batch) are in.
    pub checkpoint: Option<Checkpoint>,
    /// When what the batch holds arrived from its source.
    pub arrived: Instant,
}

impl Batch {
    pub fn empty() -> Batch {
        Batch {
            source: None,
            records: 0,
            events: Vec::new(),
            problems: Vec::new(),
            end_of_file: None,
            found: 0,
            digests: None,
            checkpoint: None,
            arrived: Instant::now(),
        }
    }
}

/// How often the writer commits, and the rules it evaluates.
#[derive(Default, Clone)]
pub struct SinkOptions {
    /// Commit after this many new events.
    pub commit_every: Option<usize>,
    /// Commit at least this often while events arrive.
    pub commit_interval: Option<Duration>,
    pub detector: Option<Arc<Detector>>,
}

/// Writes every batch until all the senders are gone, then commits, replays detection over
/// what changed, and closes the writer; the counts go on from `summary`. Dropping `batches` on
/// an error tells the sources to stop.
pub fn write_batches(
    index: &TrailIndex,
    mut writer: EventWriter,
    options: &SinkOptions,
    batches: Receiver<Batch>,
    mut summary: IngestSummary,
    observer: &mut dyn IngestObserver,
) -> Result<IngestSummary, IndexError> {
    if let Some(docs) = options.commit_every {
        writer.set_commit_every(docs);
    }
    if let Some(interval) = options.commit_interval {
        writer.set_commit_interval(interval);
    }
    let findings_error = |source| IndexError::io(index.dir(), source);
    let mut detection = match &options.detector {
        Some(detector) => Some((
            detector.clone(),
            Findings::load(index.dir()).map_err(findings_error)?,
        )),
        None => None,
    };
    let mut noted_sources: HashSet<Arc<str>> = HashSet::new();
    loop {
        let batch = match batches.recv_timeout(Duration::from_millis(200)) {
            Ok(batch) => batch,
            Err(RecvTimeoutError::Timeout) => {
                if writer.commit_due() {
                    commit(&mut writer, &detection, index)?;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if let Some(source) = &batch.source {
            if noted_sources.insert(source.clone()) {
                writer.note_source(source, 0);
            }
        }
        if batch.found > 0 {
            observer.found(batch.found);
        }
        if let Some((source, files)) = &batch.digests {
            summary.skipped += files;
            writer
                .coverage_mut()
                .source_mut(source)
                .digest_files_skipped += files;
        }
        summary.records += batch.records;
        if batch.end_of_file == Some(true) {
            summary.files += 1;
        }
        for problem in &batch.problems {
            summary.count_problem(problem);
            observer.problem(problem);
        }
        let mut new_events = 0;
        for (event, matches) in batch.events {
            let alert_summary = (!matches.is_empty()).then(|| event.summary.clone());
            match writer.add(event)? {
                Added::New => {
                    new_events += 1;
                    if let (Some((detector, findings)), Some(event)) =
                        (&mut detection, &alert_summary)
                    {
                        findings.observe(detector, event, &matches);
                    }
                }
                Added::Duplicate => summary.duplicates += 1,
            }
        }
        summary.new += new_events;
        if let Some(checkpoint) = batch.checkpoint {
            observer.checkpoint(&checkpoint, new_events);
            writer.coverage_mut().apply(checkpoint, new_events);
        }
        if new_events > 0 && summary.first_searchable.is_none() {
            // The first event is searchable at once: an investigator is waiting for it.
            commit(&mut writer, &detection, index)?;
            summary.first_searchable = Some(Instant::now());
            summary.first_searchable_after_arrival = Some(batch.arrived.elapsed());
        } else if writer.commit_due() {
            commit(&mut writer, &detection, index)?;
        }
        if batch.end_of_file.is_some() {
            observer.file_done(&summary);
        }
    }
    commit(&mut writer, &detection, index)?;
    if let Some((detector, findings)) = &mut detection {
        if summary.new > 0 || writer.reattributed() > 0 {
            *findings = replay(index, detector, writer.identities())?;
            findings.save(index.dir()).map_err(findings_error)?;
        }
        summary.alerts = findings.alerts.len() as u64;
    }
    writer.finish()?;
    Ok(summary)
}

/// Commits what was added, with the alerts it raised (they never get ahead of the index).
fn commit(
    writer: &mut EventWriter,
    detection: &Option<(Arc<Detector>, Findings)>,
    index: &TrailIndex,
) -> Result<(), IndexError> {
    match detection {
        Some((_, findings)) => {
            writer.commit_with(Some(&|opstamp| findings.stage(index.dir(), opstamp)))
        }
        None => writer.commit(),
    }
}
