//! The identity map of one index (see [`crate::event::identity`]), kept beside it in
//! `identities.json` so that an ingest or pull learns from, and resolves by, everything before it.
use std::path::Path;

use crate::event::IdentityMap;

const FILE: &str = "identities.json";

/// The map stored in `dir` (none yet is an empty map).
pub fn load(dir: &Path) -> std::io::Result<IdentityMap> {
    let path = dir.join(FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IdentityMap::default()),
        Err(e) => Err(e),
    }
}

pub fn save(dir: &Path, map: &IdentityMap) -> std::io::Result<()> {
    crate::state_file::write_json(&dir.join(FILE), map)
}
