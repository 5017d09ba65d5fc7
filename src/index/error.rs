use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index at {0} yet: ingest something first (`trailhound ingest PATH`)")]
    Missing(PathBuf),
    #[error("the index at {0} is being written by another trailhound process; wait for it to finish and try again")]
    Locked(PathBuf),
    #[error("the index at {path} was written by a different version of trailhound (schema {found}, this build reads {expected}); ingest into a new --index directory")]
    Incompatible {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("index at {path}: {source}")]
    Tantivy {
        path: PathBuf,
        #[source]
        source: tantivy::TantivyError,
    },
    #[error("index at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Query(String),
}
