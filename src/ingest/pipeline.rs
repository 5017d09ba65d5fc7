use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::bounded;
use rayon::prelude::*;

use super::summary::IngestSummary;
use crate::detect::{replay, Detector, Findings, Matches};
use crate::event::IdentityMap;
use crate::index::document::{prepare, PreparedEvent, Provenance};
use crate::index::schema::Fields;
use crate::index::{Added, EventWriter, IndexError, TrailIndex};
use crate::source::{discover, read_content, FileKind, InputFile, Problem, Severity};

/// Hears about progress and problems while an ingest runs.
pub trait IngestObserver {
    fn started(&mut self, _files: usize) {}
    fn file_done(&mut self, _summary: &IngestSummary) {}
    fn problem(&mut self, _problem: &Problem) {}
}

/// One file, read and turned into documents (and checked by the detector) on a worker thread.
struct FileBatch {
    records: u64,
    events: Vec<(PreparedEvent, Matches)>,
    problems: Vec<Problem>,
    counts_as_file: bool,
}

/// How an ingest runs beyond what it reads.
#[derive(Default, Clone)]
pub struct IngestOptions {
    /// Commit after this many new events (and at least every 30 seconds).
    pub commit_every: Option<usize>,
    /// Rules to evaluate on every new event; their alerts are stored beside the index.
    pub detector: Option<Arc<Detector>>,
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
        detector: None,
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
    let alerts_error = |source| IndexError::Io {
        path: index.dir().to_owned(),
        source,
    };
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

    let fields = *index.fields();
    let identities = Arc::new(writer.identities().clone());
    let detector = options.detector.clone();
    let cancelled = Arc::new(AtomicBool::new(false));
    let (sender, receiver) = bounded::<FileBatch>(64);
    let producer = {
        let cancelled = cancelled.clone();
        std::thread::spawn(move || {
            work.par_iter()
                .for_each_with(sender, |sender, (source, file)| {
                    if cancelled.load(Ordering::Relaxed) {
                        return;
                    }
                    let batch = read_file(&fields, &identities, detector.as_deref(), source, file);
                    if sender.send(batch).is_err() {
                        cancelled.store(true, Ordering::Relaxed);
                    }
                });
        })
    };

    let outcome = (|| {
        for batch in &receiver {
            summary.records += batch.records;
            if batch.counts_as_file {
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
            if writer.commit_due() {
                if let Some((_, findings)) = &detection {
                    findings.save().map_err(alerts_error)?;
                }
                writer.commit()?;
            }
            observer.file_done(&summary);
        }
        Ok(())
    })();
    if outcome.is_err() {
        cancelled.store(true, Ordering::Relaxed);
    }
    drop(receiver);
    let _ = producer.join();
    outcome?;
    if let Some((detector, findings)) = &mut detection {
        writer.commit()?;
        if summary.new > 0 || writer.reattributed() > 0 {
            *findings = replay(index, detector, writer.identities())?;
        }
        findings.save().map_err(alerts_error)?;
        summary.alerts = findings.alerts.len() as u64;
    }
    writer.finish()?;
    Ok(summary)
}

fn read_bytes(file: &InputFile) -> std::io::Result<Vec<u8>> {
    match &file.path {
        Some(path) => std::fs::read(path),
        None => {
            let mut bytes = Vec::new();
            std::io::stdin().lock().read_to_end(&mut bytes)?;
            Ok(bytes)
        }
    }
}

fn read_file(
    fields: &Fields,
    identities: &IdentityMap,
    detector: Option<&Detector>,
    source: &Arc<str>,
    file: &InputFile,
) -> FileBatch {
    let bytes = match read_bytes(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            return FileBatch {
                records: 0,
                events: Vec::new(),
                problems: vec![Problem::file(
                    Severity::Rejected,
                    &file.display,
                    format!("cannot read: {e}"),
                )],
                counts_as_file: true,
            }
        }
    };
    let provenance = Provenance {
        source: source.clone(),
        file: file.display.as_str().into(),
    };
    let mut events = Vec::new();
    let mut report = read_content(&bytes, &file.display, &mut |record| {
        let event = prepare(
            fields,
            &record.raw,
            &record.value,
            record.event_id,
            &provenance,
            identities,
        );
        let matches = detector
            .map(|d| d.evaluate(&record.value, &event.summary))
            .unwrap_or_default();
        events.push((event, matches));
    });
    let counts_as_file = match report.kind {
        FileKind::Digest => {
            report.problems.push(Problem::file(
                Severity::Skipped,
                &file.display,
                "CloudTrail digest file (integrity data, no events)",
            ));
            false
        }
        FileKind::NotCloudTrail if report.records == 0 => {
            let severity = if file.explicit {
                Severity::Rejected
            } else {
                Severity::Skipped
            };
            report.problems.push(Problem::file(
                severity,
                &file.display,
                "not CloudTrail JSON (expected {\"Records\":[...]}, JSON Lines, a JSON array of records, or lookup-events output)",
            ));
            file.explicit
        }
        _ => true,
    };
    FileBatch {
        records: report.records as u64,
        events,
        problems: report.problems,
        counts_as_file,
    }
}
