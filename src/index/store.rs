use std::path::{Path, PathBuf};

use tantivy::directory::error::{LockError, OpenReadError};
use tantivy::directory::{Directory, MmapDirectory};
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{Index, IndexReader, IndexSettings, ReloadPolicy, Searcher, TantivyError};

use super::coverage::Coverage;
use super::error::IndexError;
use super::panic_guard;
use super::reader_directory::ReaderDirectory;
use super::schema::{self, Fields, SCHEMA_VERSION};
use super::tokenizer;

/// An opened index directory.
#[derive(Clone)]
pub struct TrailIndex {
    pub(crate) index: Index,
    pub(crate) fields: Fields,
    dir: PathBuf,
}

fn settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Zstd(ZstdCompressor {
            compression_level: Some(3),
        }),
        docstore_blocksize: 1024 * 1024,
        ..IndexSettings::default()
    }
}

impl TrailIndex {
    /// Opens the index in `dir` for writing, creating it when there is none.
    pub fn open_or_create(dir: &Path) -> Result<TrailIndex, IndexError> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let directory = MmapDirectory::open(dir).map_err(|e| classify(dir, e.into()))?;
        if dir.join("meta.json").exists() {
            return Self::open_in(dir, directory);
        }
        let (schema, fields) = schema::build();
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .open_or_create(directory)
            .map_err(|source| IndexError::Tantivy {
                path: dir.to_owned(),
                source,
            })?;
        Ok(Self::wrap(index, fields, dir))
    }

    /// Opens an existing index; a missing one is an error that says how to make it. Reading it
    /// needs no write access (an evidence copy may be mounted read-only).
    pub fn open(dir: &Path) -> Result<TrailIndex, IndexError> {
        if !dir.join("meta.json").exists() {
            return Err(IndexError::Missing(dir.to_owned()));
        }
        let directory = ReaderDirectory::open(dir).map_err(|e| classify(dir, e.into()))?;
        Self::open_in(dir, directory)
    }

    fn open_in(dir: &Path, directory: impl Directory) -> Result<TrailIndex, IndexError> {
        let opened = panic_guard::catch(|| Index::open(directory));
        let index = match opened {
            Ok(Ok(index)) => index,
            Ok(Err(error)) => return Err(classify(dir, error)),
            Err(panic) => return Err(IndexError::damaged(dir, panic)),
        };
        let (expected_schema, fields) = schema::build();
        let found = read_coverage(&index, dir)?.schema_version;
        if index.schema() != expected_schema || (found != 0 && found != SCHEMA_VERSION) {
            return Err(IndexError::Incompatible {
                path: dir.to_owned(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        Ok(Self::wrap(index, fields, dir))
    }

    fn wrap(index: Index, fields: Fields, dir: &Path) -> TrailIndex {
        tokenizer::register(index.tokenizers());
        TrailIndex {
            index,
            fields,
            dir: dir.to_owned(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub(crate) fn tantivy_error(&self, source: TantivyError) -> IndexError {
        let may_be_damage = matches!(
            source,
            TantivyError::IoError(_)
                | TantivyError::OpenReadError(OpenReadError::IoError { .. })
                | TantivyError::InternalError(_)
        );
        match classify(&self.dir, source) {
            IndexError::Damaged { detail, .. } => self.damaged(detail),
            other if may_be_damage => match self.failing_files() {
                Some(files) => IndexError::damaged(&self.dir, files),
                None => other,
            },
            other => other,
        }
    }

    /// The index is damaged: says which files fail their checksums when any do, else `cause`.
    pub(crate) fn damaged(&self, cause: String) -> IndexError {
        let detail = self
            .failing_files()
            .unwrap_or_else(|| format!("reading it failed ({cause})"));
        IndexError::damaged(&self.dir, detail)
    }

    /// The segment files that fail their checksums (or cannot be checked), as text; `None` when
    /// every one passes. Reads the whole index: only for when a read has already failed.
    fn failing_files(&self) -> Option<String> {
        let check = || -> Vec<String> {
            let Ok(metas) = self.index.load_metas() else {
                return vec!["meta.json".to_owned()];
            };
            let directory = self.index.directory();
            let mut failing: Vec<String> = metas
                .list_segment_files()
                .into_iter()
                .filter(|file| directory.exists(file).unwrap_or(true))
                .filter(|file| !matches!(directory.validate_checksum(file), Ok(true)))
                .map(|file| file.display().to_string())
                .collect();
            failing.sort();
            failing
        };
        let files = panic_guard::catch(check).unwrap_or_default();
        match files.len() {
            0 => None,
            1 => Some(format!("{} fails its checksum", files[0])),
            n => Some(format!(
                "{n} files fail their checksums ({}{})",
                files[..n.min(3)].join(", "),
                if n > 3 { ", ..." } else { "" }
            )),
        }
    }

    /// Runs a read of the index; tantivy panics on some damaged files, and such a panic comes
    /// back as [`IndexError::Damaged`] instead of reaching the user.
    pub fn guarded<T>(
        &self,
        read: impl FnOnce() -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        panic_guard::catch(read).unwrap_or_else(|panic| Err(self.damaged(panic)))
    }

    /// A reader that sees the latest commit when it is opened and on every `reload`.
    pub fn reader(&self) -> Result<IndexReader, IndexError> {
        self.guarded(|| {
            self.index
                .reader_builder()
                .reload_policy(ReloadPolicy::Manual)
                .try_into()
                .map_err(|e| self.tantivy_error(e))
        })
    }

    pub fn searcher(&self) -> Result<Searcher, IndexError> {
        Ok(self.reader()?.searcher())
    }

    /// A searcher on the latest commit, through a reader opened before.
    pub fn fresh_searcher(&self, reader: &IndexReader) -> Result<Searcher, IndexError> {
        self.guarded(|| {
            reader.reload().map_err(|e| self.tantivy_error(e))?;
            Ok(reader.searcher())
        })
    }

    /// The coverage summary as of the last commit.
    pub fn coverage(&self) -> Result<Coverage, IndexError> {
        read_coverage(&self.index, &self.dir)
    }

    /// Whether this process may write into the index folder (false on a read-only mount).
    pub fn is_writable(&self) -> bool {
        #[cfg(unix)]
        {
            rustix::fs::access(&self.dir, rustix::fs::Access::WRITE_OK).is_ok()
        }
        #[cfg(not(unix))]
        {
            std::fs::metadata(&self.dir).is_ok_and(|m| !m.permissions().readonly())
        }
    }

    /// Bytes on disk, for the status line and `info`.
    pub fn size_on_disk(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .filter(|m| m.is_file())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// A tantivy error as the user should read it: damage, a read-only folder, or tantivy's words.
fn classify(dir: &Path, source: TantivyError) -> IndexError {
    let read_only = |error: &std::io::Error| {
        matches!(
            error.kind(),
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
        )
    };
    let damage = match &source {
        TantivyError::DataCorruption(corruption) => {
            let text = format!("{corruption:?}");
            // tantivy appends the whole file to some of these.
            let text = text.split(" Content:").next().unwrap_or_default();
            Some(text.chars().take(200).collect())
        }
        TantivyError::OpenReadError(OpenReadError::FileDoesNotExist(file)) => {
            Some(format!("{} is missing", file.display()))
        }
        TantivyError::OpenReadError(OpenReadError::IoError { io_error, filepath })
            if matches!(
                io_error.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            Some(format!("{} cannot be read", filepath.display()))
        }
        TantivyError::IoError(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof
            ) =>
        {
            Some(error.to_string())
        }
        TantivyError::Poisoned => Some("an earlier read of it failed".to_owned()),
        TantivyError::LockFailure(LockError::IoError(error), _) if read_only(error) => {
            return IndexError::ReadOnly(dir.to_owned());
        }
        TantivyError::OpenWriteError(tantivy::directory::error::OpenWriteError::IoError {
            io_error,
            ..
        }) if read_only(io_error) => return IndexError::ReadOnly(dir.to_owned()),
        _ => None,
    };
    match damage {
        Some(detail) => IndexError::damaged(dir, detail),
        None => IndexError::Tantivy {
            path: dir.to_owned(),
            source,
        },
    }
}

fn read_coverage(index: &Index, dir: &Path) -> Result<Coverage, IndexError> {
    let metas = panic_guard::catch(|| index.load_metas())
        .map_err(|panic| IndexError::damaged(dir, panic))?
        .map_err(|source| classify(dir, source))?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_str(payload).ok())
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{Schema, STORED};

    use super::*;

    /// An index of the previous schema (the record stored as bytes) is refused with the way out.
    #[test]
    fn an_index_of_an_older_schema_says_how_to_rebuild() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (current, _) = schema::build();
        let mut older = Schema::builder();
        for (_, entry) in current.fields() {
            if entry.name() == "raw" {
                older.add_bytes_field("raw", STORED);
            } else {
                older.add_field(entry.clone());
            }
        }
        Index::create_in_dir(dir.path(), older.build()).expect("older index");
        for opened in [
            TrailIndex::open(dir.path()),
            TrailIndex::open_or_create(dir.path()),
        ] {
            let Err(error) = opened else {
                panic!("an older index was opened");
            };
            assert!(matches!(error, IndexError::Incompatible { .. }), "{error}");
            let message = error.to_string();
            assert!(message.contains("rebuild it"), "{message}");
            assert!(message.contains("ingest PATH"), "{message}");
        }
    }
}
