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
    #[error("the index at {path} is damaged: {detail}; rebuild it with `trailhound --index NEW_DIR ingest PATH` from the original trails (the damaged copy can stay as it is)")]
    Damaged { path: PathBuf, detail: String },
    #[error("the index at {0} is read-only: searching works, writing (ingest, pull, recompute, ack) does not")]
    ReadOnly(PathBuf),
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

impl IndexError {
    pub(crate) fn damaged(path: &std::path::Path, detail: impl Into<String>) -> IndexError {
        let detail: String = detail.into();
        // One line: a panic message may span several.
        let detail = detail.lines().next().unwrap_or_default().to_owned();
        IndexError::Damaged {
            path: path.to_owned(),
            detail,
        }
    }
}
