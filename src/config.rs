//! Where trailhound keeps its files.
use std::path::PathBuf;

use directories::ProjectDirs;

pub const INDEX_ENV: &str = "TRAILHOUND_INDEX";

/// The index directory: `--index DIR`, else `TRAILHOUND_INDEX`, else the platform data directory.
pub fn index_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(INDEX_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let dirs = ProjectDirs::from("", "", "trailhound").ok_or_else(|| {
        anyhow::anyhow!(
            "cannot find a home directory for the index; pass --index DIR or set {INDEX_ENV}"
        )
    })?;
    Ok(dirs.data_dir().join("index"))
}
