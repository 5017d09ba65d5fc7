//! What every source hands its records to: they are parsed, turned into documents and checked
//! by the detector on the source's threads, then sent to the one writer in batches.
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::{bounded, Receiver, Sender};

use super::sink::Batch;
use crate::detect::Detector;
use crate::event::IdentityMap;
use crate::index::coverage::Checkpoint;
use crate::index::document::{prepare, Provenance};
use crate::index::schema::Fields;
use crate::index::EventWriter;
use crate::integrity::hashing::HashingTap;
use crate::source::{
    read_records_tapped, Delivery, Feed, FileKind, InputFile, Problem, RecordSink, Severity,
    SourceRecord, Tap,
};

/// Records (or problems) per batch sent from a reading thread to the writer.
const BATCH_RECORDS: usize = 512;
/// Batches waiting for the writer; with the batch each reader holds, this bounds the memory
/// between reading and writing whatever the size of the input.
const BATCHES_IN_FLIGHT: usize = 8;

fn open(file: &InputFile) -> std::io::Result<Box<dyn Read + Send>> {
    Ok(match &file.path {
        Some(path) => Box::new(std::fs::File::open(path)?),
        None => Box::new(std::io::stdin()),
    })
}

/// What every source hands its streams to: they are parsed, turned into documents and checked
/// by the detector on the source's threads, then sent to the one writer in batches.
pub struct PipelineFeed {
    fields: Fields,
    identities: Arc<IdentityMap>,
    detector: Option<Arc<Detector>>,
    sender: Sender<Batch>,
    cancelled: Arc<AtomicBool>,
}

impl PipelineFeed {
    /// A feed for `writer`'s index, and the batches it will send, for `write_batches`.
    /// `cancelled` is set when the writer stops taking batches, and may be set from outside.
    pub fn new(
        writer: &EventWriter,
        detector: Option<Arc<Detector>>,
        cancelled: Arc<AtomicBool>,
    ) -> (PipelineFeed, Receiver<Batch>) {
        let (sender, receiver) = bounded::<Batch>(BATCHES_IN_FLIGHT);
        let feed = PipelineFeed {
            fields: *writer.fields(),
            identities: Arc::new(writer.identities().clone()),
            detector,
            sender,
            cancelled,
        };
        (feed, receiver)
    }

    fn send(&self, batch: Batch) {
        if self.sender.send(batch).is_err() {
            self.cancelled.store(true, Ordering::Relaxed);
        }
    }

    /// Reads `file`; with `hash`, returns what the integrity check makes of its decompressed
    /// bytes (when it was read to its end).
    pub fn read_file(
        &self,
        source: &Arc<str>,
        file: &InputFile,
        hash: bool,
    ) -> Option<Result<String, String>> {
        match open(file) {
            Ok(mut reader) => {
                let mut hashing = hash.then(HashingTap::default);
                let tap = hashing.as_mut().map(|tap| tap as &mut dyn Tap);
                self.stream(source, &file.display, file.explicit, &mut reader, tap);
                hashing.and_then(HashingTap::finish)
            }
            Err(e) => {
                self.send(Batch {
                    problems: vec![Problem::file(
                        Severity::Rejected,
                        &file.display,
                        format!("cannot read: {e}"),
                    )],
                    end_of_file: Some(true),
                    ..Batch::empty()
                });
                None
            }
        }
    }
}

impl Feed for PipelineFeed {
    fn stream(
        &self,
        source: &Arc<str>,
        name: &str,
        explicit: bool,
        reader: &mut dyn Read,
        tap: Option<&mut dyn Tap>,
    ) -> bool {
        let mut batches = BatchSender {
            feed: self,
            provenance: Provenance {
                source: source.clone(),
                file: name.into(),
            },
            batch: Batch::empty(),
        };
        // Passed on as `Some(tap)` so that the tap's borrow may shorten to the reader's.
        let report = match tap {
            Some(tap) => read_records_tapped(reader, name, &mut batches, Some(tap)),
            None => read_records_tapped(reader, name, &mut batches, None),
        };
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

    fn delivery(&self, delivery: Delivery) {
        let mut batches = BatchSender {
            feed: self,
            provenance: Provenance {
                source: delivery.source.clone(),
                file: delivery.name,
            },
            batch: Batch {
                source: Some(delivery.source),
                records: delivery.records.len() as u64,
                events: Vec::with_capacity(delivery.records.len()),
                problems: delivery.problems,
                arrived: delivery.arrived,
                ..Batch::empty()
            },
        };
        for record in delivery.records {
            batches.record(record);
        }
        batches.batch.checkpoint = Some(delivery.checkpoint);
        batches.send(None);
    }

    fn problem(&self, problem: Problem) {
        self.send(Batch {
            problems: vec![problem],
            ..Batch::empty()
        });
    }

    fn found(&self, files: usize) {
        self.send(Batch {
            found: files,
            ..Batch::empty()
        });
    }

    fn digests(&self, source: &Arc<str>, files: u64) {
        self.send(Batch {
            digests: Some((source.clone(), files)),
            ..Batch::empty()
        });
    }

    fn checkpoint(&self, checkpoint: Checkpoint) {
        self.send(Batch {
            checkpoint: Some(checkpoint),
            ..Batch::empty()
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
    batch: Batch,
}

impl BatchSender<'_> {
    fn send(&mut self, last: Option<bool>) {
        let batch = std::mem::replace(&mut self.batch, Batch::empty());
        self.feed.send(Batch {
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
