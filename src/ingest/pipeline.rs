use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use std::time::Duration;

use crossbeam_channel::{bounded, RecvTimeoutError, Sender};
use rayon::prelude::*;

use super::summary::IngestSummary;
use crate::detect::{replay, Detector, Findings, Matches};
use crate::event::IdentityMap;
use crate::index::coverage::BucketMark;
use crate::index::document::{prepare, PreparedEvent, Provenance};
use crate::index::schema::Fields;
use crate::index::{Added, EventWriter, IndexError, TrailIndex};
use crate::s3::{read_buckets, BucketUrl, Digests, S3Options};
use crate::source::{
    discover, read_records, Feed, FileKind, InputFile, Problem, RecordSink, Severity, SourceRecord,
};

/// How often a following ingest makes what it read searchable.
const FOLLOW_COMMIT_INTERVAL: Duration = Duration::from_secs(1);

/// Hears about progress and problems while an ingest runs.
pub trait IngestObserver {
    fn started(&mut self, _files: usize) {}
    /// More files were found to read (objects listed in a bucket).
    fn found(&mut self, _files: usize) {}
    fn file_done(&mut self, _summary: &IngestSummary) {}
    fn problem(&mut self, _problem: &Problem) {}
}

/// Records (or problems) per batch sent from a reading thread to the writer.
const BATCH_RECORDS: usize = 512;
/// Batches waiting for the writer; with the batch each reader holds, this bounds the memory
/// between reading and writing whatever the size of the input.
const BATCHES_IN_FLIGHT: usize = 8;

/// Part of one file, read and turned into documents (and checked by the detector) on a worker
/// thread.
struct FileBatch {
    /// Records found in the file (including rejected ones); set on its last batch.
    records: u64,
    events: Vec<(PreparedEvent, Matches)>,
    problems: Vec<Problem>,
    /// On a file's last batch: whether the file counts as read.
    end_of_file: Option<bool>,
    /// More files to come, found by a source that lists as it reads.
    found: usize,
    /// Digest files a source passed over.
    digests: Option<(Arc<str>, u64)>,
    /// How far a bucket's folder was read, once the batches before this one are in.
    checkpoint: Option<BucketMark>,
}

impl FileBatch {
    fn empty() -> FileBatch {
        FileBatch {
            records: 0,
            events: Vec::with_capacity(BATCH_RECORDS),
            problems: Vec::new(),
            end_of_file: None,
            found: 0,
            digests: None,
            checkpoint: None,
        }
    }
}

/// How an ingest runs beyond what it reads.
#[derive(Default, Clone)]
pub struct IngestOptions {
    /// Commit after this many new events (and at least every 30 seconds).
    pub commit_every: Option<usize>,
    /// Rules to evaluate on every new event; their alerts are stored beside the index.
    pub detector: Option<Arc<Detector>>,
    /// Trail buckets to read after the local paths.
    pub buckets: Vec<BucketUrl>,
    pub s3: S3Options,
    /// Set from outside (Ctrl-C) to stop reading; what was read is committed.
    pub stop: Option<Arc<AtomicBool>>,
}

/// Ingests every file under `paths` into `index`, committing every `commit_every` new events.
pub fn ingest_paths(
    index: &TrailIndex,
    paths: &[PathBuf],
    commit_every: Option<usize>,
    observer: &mut dyn IngestObserver,
) -> Result<IngestSummary, IndexError> {
    let options = IngestOptions {
        commit_every,
        ..IngestOptions::default()
    };
    ingest_with(index, paths, &options, observer)
}

/// Ingests every file under `paths` into `index`, raising alerts when a detector is given.
pub fn ingest_with(
    index: &TrailIndex,
    paths: &[PathBuf],
    options: &IngestOptions,
    observer: &mut dyn IngestObserver,
) -> Result<IngestSummary, IndexError> {
    let mut writer = EventWriter::open(index)?;
    if let Some(docs) = options.commit_every {
        writer.set_commit_every(docs);
    }
    let alerts_error = |source| IndexError::io(index.dir(), source);
    let mut detection = match &options.detector {
        Some(detector) => Some((
            detector.clone(),
            Findings::load(index.dir()).map_err(alerts_error)?,
        )),
        None => None,
    };
    let mut summary = IngestSummary::default();
    let discovery = discover(paths);
    for problem in &discovery.problems {
        summary.count_problem(problem);
        observer.problem(problem);
    }
    let mut work: Vec<(Arc<str>, InputFile)> = Vec::with_capacity(discovery.file_count());
    for group in discovery.groups {
        writer.note_source(&group.source, group.digest_files);
        summary.skipped += group.digest_files;
        let source: Arc<str> = group.source.into();
        work.extend(group.files.into_iter().map(|file| (source.clone(), file)));
    }
    observer.started(work.len());

    let (sender, receiver) = bounded::<FileBatch>(BATCHES_IN_FLIGHT);
    let feed = PipelineFeed {
        fields: *index.fields(),
        identities: Arc::new(writer.identities().clone()),
        detector: options.detector.clone(),
        sender,
        cancelled: options.stop.clone().unwrap_or_default(),
    };
    let cancelled = feed.cancelled.clone();
    let buckets = options.buckets.clone();
    for bucket in &buckets {
        writer.note_source(&bucket.label(), 0);
    }
    let s3_options = options.s3.clone();
    let bucket_marks = writer.coverage().buckets.clone();
    let index_dir = index.dir().to_owned();
    if s3_options.follow.is_some() {
        writer.set_commit_interval(FOLLOW_COMMIT_INTERVAL);
    }
    let producer = std::thread::spawn(move || {
        work.par_iter().for_each(|(source, file)| {
            if !feed.cancelled() {
                feed.read_file(source, file);
            }
        });
        if buckets.is_empty() {
            return None;
        }
        let mut digests = Digests::load(&index_dir);
        let reports = read_buckets(&buckets, &s3_options, &bucket_marks, &mut digests, &feed);
        Some((reports, digests))
    });

    let outcome = (|| {
        loop {
            let batch = match receiver.recv_timeout(Duration::from_millis(500)) {
                Ok(batch) => batch,
                Err(RecvTimeoutError::Timeout) => {
                    if writer.commit_due() {
                        commit(&mut writer, &detection, index)?;
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
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
            for (event, matches) in batch.events {
                let alert_summary = (!matches.is_empty()).then(|| event.summary.clone());
                match writer.add(event)? {
                    Added::New => {
                        summary.new += 1;
                        if let (Some(detection), Some(event)) = (&mut detection, &alert_summary) {
                            let (detector, findings) = detection;
                            findings.observe(detector, event, &matches);
                        }
                    }
                    Added::Duplicate => summary.duplicates += 1,
                }
            }
            if let Some(mark) = batch.checkpoint {
                writer.coverage_mut().apply(mark);
            }
            if writer.commit_due() {
                commit(&mut writer, &detection, index)?;
            }
            if batch.end_of_file.is_some() {
                observer.file_done(&summary);
            }
        }
        Ok(())
    })();
    if outcome.is_err() {
        cancelled.store(true, Ordering::Relaxed);
    }
    drop(receiver);
    let produced = producer.join();
    outcome?;
    if let Ok(Some((reports, digests))) = produced {
        digests.save(index.dir()).map_err(alerts_error)?;
        summary.buckets = reports;
    }
    commit(&mut writer, &detection, index)?;
    if let Some((detector, findings)) = &mut detection {
        if summary.new > 0 || writer.reattributed() > 0 {
            *findings = replay(index, detector, writer.identities())?;
            findings.save(index.dir()).map_err(alerts_error)?;
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

fn open(file: &InputFile) -> std::io::Result<Box<dyn Read + Send>> {
    Ok(match &file.path {
        Some(path) => Box::new(std::fs::File::open(path)?),
        None => Box::new(std::io::stdin()),
    })
}

/// What every source hands its streams to: they are parsed, turned into documents and checked
/// by the detector on the source's threads, then sent to the one writer in batches.
struct PipelineFeed {
    fields: Fields,
    identities: Arc<IdentityMap>,
    detector: Option<Arc<Detector>>,
    sender: Sender<FileBatch>,
    cancelled: Arc<AtomicBool>,
}

impl PipelineFeed {
    fn send(&self, batch: FileBatch) {
        if self.sender.send(batch).is_err() {
            self.cancelled.store(true, Ordering::Relaxed);
        }
    }

    fn read_file(&self, source: &Arc<str>, file: &InputFile) {
        match open(file) {
            Ok(mut reader) => {
                self.stream(source, &file.display, file.explicit, &mut reader);
            }
            Err(e) => self.send(FileBatch {
                problems: vec![Problem::file(
                    Severity::Rejected,
                    &file.display,
                    format!("cannot read: {e}"),
                )],
                end_of_file: Some(true),
                ..FileBatch::empty()
            }),
        }
    }
}

impl Feed for PipelineFeed {
    fn stream(&self, source: &Arc<str>, name: &str, explicit: bool, reader: &mut dyn Read) -> bool {
        let mut batches = BatchSender {
            feed: self,
            provenance: Provenance {
                source: source.clone(),
                file: name.into(),
            },
            batch: FileBatch::empty(),
        };
        let report = read_records(reader, name, &mut batches);
        let counts_as_file = match report.kind {
            FileKind::Digest => {
                batches.problem(Problem::file(
                    Severity::Skipped,
                    name,
                    "CloudTrail digest file (integrity data, no events)",
                ));
                false
            }
            FileKind::NotCloudTrail if report.records == 0 => {
                let severity = if explicit {
                    Severity::Rejected
                } else {
                    Severity::Skipped
                };
                batches.problem(Problem::file(
                    severity,
                    name,
                    "not CloudTrail JSON (expected {\"Records\":[...]}, JSON Lines, a JSON array of records, or lookup-events output)",
                ));
                explicit
            }
            _ => true,
        };
        batches.batch.records = report.records as u64;
        batches.send(Some(counts_as_file));
        !self.cancelled()
    }

    fn problem(&self, problem: Problem) {
        self.send(FileBatch {
            problems: vec![problem],
            ..FileBatch::empty()
        });
    }

    fn found(&self, files: usize) {
        self.send(FileBatch {
            found: files,
            ..FileBatch::empty()
        });
    }

    fn digests(&self, source: &Arc<str>, files: u64) {
        self.send(FileBatch {
            digests: Some((source.clone(), files)),
            ..FileBatch::empty()
        });
    }

    fn checkpoint(&self, mark: BucketMark) {
        self.send(FileBatch {
            checkpoint: Some(mark),
            ..FileBatch::empty()
        });
    }

    fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Turns the records of one stream into documents as they are read, sending them to the
/// writer in batches so that no stream, however large, is held whole.
struct BatchSender<'a> {
    feed: &'a PipelineFeed,
    provenance: Provenance,
    batch: FileBatch,
}

impl BatchSender<'_> {
    fn send(&mut self, last: Option<bool>) {
        let batch = std::mem::replace(&mut self.batch, FileBatch::empty());
        self.feed.send(FileBatch {
            end_of_file: last,
            ..batch
        });
    }

    fn send_when_full(&mut self) {
        if self.batch.events.len() + self.batch.problems.len() >= BATCH_RECORDS {
            self.send(None);
        }
    }
}

impl RecordSink for BatchSender<'_> {
    fn record(&mut self, record: SourceRecord<'_>) {
        let event = prepare(
            &self.feed.fields,
            &record.raw,
            &record.value,
            record.event_id,
            &self.provenance,
            &self.feed.identities,
        );
        if event.summary.time.is_none() {
            let message = match record.value.get("eventTime") {
                None | Some(serde_json::Value::Null) => {
                    "no eventTime; the event is kept but no time filter will find it".to_owned()
                }
                Some(other) => format!(
                    "eventTime {} is not a valid time; the event is kept but no time filter will find it",
                    crate::event::terminal_safe(&other.to_string())
                ),
            };
            self.problem(Problem::record(
                Severity::Warning,
                &self.provenance.file,
                record.number,
                message,
            ));
        }
        let matches = self
            .feed
            .detector
            .as_deref()
            .map(|d| d.evaluate(&record.value, &event.summary))
            .unwrap_or_default();
        self.batch.events.push((event, matches));
        self.send_when_full();
    }

    fn problem(&mut self, problem: Problem) {
        self.batch.problems.push(problem);
        self.send_when_full();
    }

    fn cancelled(&self) -> bool {
        self.feed.cancelled()
    }
}
