use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index at {0} yet: ingest something first (`trailhound ingest PATH`)")]
    Missing(PathBuf),
    #[error("the index at {0} is being written by another trailhound process; wait for it to finish and try again")]
    Locked(PathBuf),
    #[error("the index at {path} was written by a different version of trailhound (schema {found}, this build reads {expected}); rebuild it from the original trails: `trailhound --index NEW_DIR ingest PATH` (or remove the folder and ingest again)")]
    Incompatible {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("the disk holding the index at {0} is full (no space left on device); free some space (or ingest into an --index on another disk) and run the command again: everything committed so far is kept")]
    DiskFull(PathBuf),
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
    /// An I/O error on the files of the index at `path`, said plainly when the disk is full.
    pub fn io(path: &Path, source: std::io::Error) -> IndexError {
        if crate::state_file::is_disk_full(&source) {
            IndexError::DiskFull(path.to_owned())
        } else {
            IndexError::Io {
                path: path.to_owned(),
                source,
            }
        }
    }

    pub(crate) fn damaged(path: &Path, detail: impl Into<String>) -> IndexError {
        let detail: String = detail.into();
        // One line: a panic message may span several.
        let detail = detail.lines().next().unwrap_or_default().to_owned();
        IndexError::Damaged {
            path: path.to_owned(),
            detail,
        }
    }
}
