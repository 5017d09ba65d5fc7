use std::path::{Path, PathBuf};

use tantivy::directory::MmapDirectory;
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::{Index, IndexReader, IndexSettings, ReloadPolicy, Searcher};

use super::coverage::Coverage;
use super::error::IndexError;
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
            compression_level: Some(6),
        }),
        docstore_blocksize: 256 * 1024,
        ..IndexSettings::default()
    }
}

impl TrailIndex {
    /// Opens the index in `dir`, creating it when there is none.
    pub fn open_or_create(dir: &Path) -> Result<TrailIndex, IndexError> {
        std::fs::create_dir_all(dir).map_err(|source| IndexError::Io {
            path: dir.to_owned(),
            source,
        })?;
        if dir.join("meta.json").exists() {
            return Self::open(dir);
        }
        let (schema, fields) = schema::build();
        let directory = MmapDirectory::open(dir).map_err(|e| IndexError::Tantivy {
            path: dir.to_owned(),
            source: e.into(),
        })?;
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

    /// Opens an existing index; a missing one is an error that says how to make it.
    pub fn open(dir: &Path) -> Result<TrailIndex, IndexError> {
        if !dir.join("meta.json").exists() {
            return Err(IndexError::Missing(dir.to_owned()));
        }
        let tantivy_err = |source| IndexError::Tantivy {
            path: dir.to_owned(),
            source,
        };
        let index = Index::open_in_dir(dir).map_err(tantivy_err)?;
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

    pub(crate) fn tantivy_error(&self, source: tantivy::TantivyError) -> IndexError {
        IndexError::Tantivy {
            path: self.dir.clone(),
            source,
        }
    }

    /// A reader that sees the latest commit when it is opened and on every `reload`.
    pub fn reader(&self) -> Result<IndexReader, IndexError> {
        self.index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| self.tantivy_error(e))
    }

    pub fn searcher(&self) -> Result<Searcher, IndexError> {
        Ok(self.reader()?.searcher())
    }

    /// The coverage summary as of the last commit.
    pub fn coverage(&self) -> Result<Coverage, IndexError> {
        read_coverage(&self.index, &self.dir)
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

fn read_coverage(index: &Index, dir: &Path) -> Result<Coverage, IndexError> {
    let metas = index.load_metas().map_err(|source| IndexError::Tantivy {
        path: dir.to_owned(),
        source,
    })?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_str(payload).ok())
        .unwrap_or_default())
}
