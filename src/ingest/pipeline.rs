//! An ingest of local paths and trail buckets: the files are read in parallel, then the buckets,
//! all through one feed into the one writer.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rayon::prelude::*;

use super::feed::PipelineFeed;
use super::sink::{write_batches, IngestObserver, SinkOptions};
use super::summary::{IngestSummary, LocalHashes};
use crate::detect::Detector;
use crate::index::coverage::{AthenaMark, Checkpoint};
use crate::index::{EventWriter, IndexError, TrailIndex};
use crate::s3::{read_buckets, read_objects, BucketUrl, Digests, S3Options};
use crate::source::{discover, Delivery, Feed, InputFile};

/// How often a following ingest makes what it read searchable.
const FOLLOW_COMMIT_INTERVAL: Duration = Duration::from_secs(1);

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
    /// Named objects of trail buckets to read after the buckets (an Athena answer's files).
    pub objects: BTreeMap<BucketUrl, Vec<String>>,
    /// Records that arrived whole (Athena's rows), handed over after the objects.
    pub deliveries: Arc<Mutex<Vec<Delivery>>>,
    /// The Athena question those objects or records answer: committed after the last of them.
    pub athena: Option<AthenaMark>,
    /// Hash the local files found beside digests as they are read ([`IngestSummary::local_hashes`]).
    pub hash_local_logs: bool,
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
    let mut summary = IngestSummary::default();
    let discovery = discover(paths);
    for problem in &discovery.problems {
        summary.count_problem(problem);
        observer.problem(problem);
    }
    // Files beside digests are hashed as they are read, for the integrity check after the ingest.
    let mut work: Vec<(Arc<str>, InputFile, bool)> = Vec::with_capacity(discovery.file_count());
    for group in discovery.groups {
        writer.note_source(&group.source, group.digest_files);
        summary.skipped += group.digest_files;
        let source: Arc<str> = group.source.into();
        let hash = options.hash_local_logs && group.digest_files > 0;
        work.extend(
            group
                .files
                .into_iter()
                .map(|file| (source.clone(), file, hash)),
        );
    }
    for bucket in options.buckets.iter().chain(options.objects.keys()) {
        writer.note_source(&bucket.label(), 0);
    }
    let deliveries =
        std::mem::take(&mut *options.deliveries.lock().unwrap_or_else(|e| e.into_inner()));
    for delivery in &deliveries {
        writer.note_source(&delivery.source, 0);
    }
    observer.started(work.len());

    let (feed, batches) = PipelineFeed::new(
        &writer,
        options.detector.clone(),
        options.stop.clone().unwrap_or_default(),
    );
    let buckets = options.buckets.clone();
    let s3_options = options.s3.clone();
    let bucket_marks = writer.coverage().buckets.clone();
    let index_dir = index.dir().to_owned();
    let objects = options.objects.clone();
    let athena = options.athena.clone();
    let producer = std::thread::spawn(move || {
        let hashes = Mutex::new(LocalHashes::new());
        work.par_iter().for_each(|(source, file, hash)| {
            if feed.cancelled() {
                return;
            }
            let found = feed.read_file(source, file, *hash);
            if let (Some(found), Some(path)) = (found, &file.path) {
                let mut hashes = hashes.lock().unwrap_or_else(|e| e.into_inner());
                hashes.insert(path.clone(), found);
            }
        });
        let hashes = hashes.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut read = None;
        if !buckets.is_empty() {
            let mut digests = Digests::load(&index_dir);
            let reports = read_buckets(&buckets, &s3_options, &bucket_marks, &mut digests, &feed);
            read = Some((reports, digests));
        }
        let object_reports = read_objects(&objects, &s3_options, &feed);
        for delivery in deliveries {
            if feed.cancelled() {
                break;
            }
            feed.delivery(delivery);
        }
        if let Some(mut mark) = athena.filter(|_| !feed.cancelled()) {
            mark.failed_files = object_reports
                .iter()
                .map(|r| r.failed_objects + u64::from(r.failed))
                .sum();
            feed.checkpoint(Checkpoint::Athena(mark));
        }
        (read, object_reports, hashes)
    });

    let sink = SinkOptions {
        commit_every: options.commit_every,
        commit_interval: options.s3.follow.map(|_| FOLLOW_COMMIT_INTERVAL),
        detector: options.detector.clone(),
    };
    let written = write_batches(index, writer, &sink, batches, summary, observer);
    let produced = producer.join();
    let mut summary = written?;
    if let Ok((read, object_reports, hashes)) = produced {
        summary.local_hashes = hashes;
        if let Some((reports, digests)) = read {
            digests
                .save(index.dir())
                .map_err(|source| IndexError::io(index.dir(), source))?;
            summary.buckets = reports;
        }
        summary.buckets.extend(object_reports);
    }
    Ok(summary)
}
