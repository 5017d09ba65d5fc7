//! Archive files into the index: discovery, parallel decompression and parsing, then one writer
//! that dedupes and commits. Data flows one way: files -> records -> documents -> writer.
mod pipeline;
mod summary;

pub use pipeline::{ingest_paths, ingest_with, IngestObserver, IngestOptions};
pub use summary::IngestSummary;
