//! What the integrity check will need of a bucket's digest files. Every digest but a chain's
//! newest can be verified from the next one's `previousDigestSignature`; the newest one's
//! signature exists only as S3 metadata (lost in a download), so it is kept here, per account
//! and region, in `s3-digests.json` beside the index.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const FILE: &str = "s3-digests.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestRef {
    pub bucket: String,
    pub key: String,
    /// The `signature` metadata (hex), and `signature-algorithm`.
    pub signature: Option<String>,
    pub signature_algorithm: Option<String>,
}

/// The newest digest seen per digest folder (`s3://BUCKET/…/ACCOUNT/CloudTrail-Digest/REGION/`).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Digests {
    pub newest: BTreeMap<String, DigestRef>,
    #[serde(skip)]
    changed: bool,
}

impl Digests {
    pub fn path(index_dir: &Path) -> PathBuf {
        index_dir.join(FILE)
    }

    pub fn load(index_dir: &Path) -> Digests {
        std::fs::read(Self::path(index_dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, index_dir: &Path) -> std::io::Result<()> {
        if !self.changed {
            return Ok(());
        }
        crate::state_file::write_json(&Self::path(index_dir), self)
    }

    /// Whether `key` is newer than the newest digest known for its folder.
    pub fn is_newer(&self, folder: &str, key: &str) -> bool {
        self.newest
            .get(folder)
            .is_none_or(|known| key > known.key.as_str())
    }

    pub fn keep(&mut self, folder: &str, digest: DigestRef) {
        self.newest.insert(folder.to_owned(), digest);
        self.changed = true;
    }
}
