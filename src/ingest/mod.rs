//! Sources into the index: every source hands its records to one feed (documents and
//! detection on the source's threads), and one writer dedupes, commits and checkpoints.
//! Data flows one way: source -> feed -> sink -> index.
mod feed;
mod pipeline;
mod sink;
mod summary;

pub use feed::PipelineFeed;
pub use pipeline::{ingest_paths, ingest_with, IngestOptions};
pub use sink::{write_batches, Batch, IngestObserver, SinkOptions};
pub use summary::{IngestSummary, LocalHashes};
