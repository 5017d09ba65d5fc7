//! Digest and log files in local copies of a trail: found under the paths given, placed by
//! their `AWSLogs/` layout, and hashed as they are decompressed (each file is read once).
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::chain::{FoundDigest, FoundLog};
use super::digest::archive_key;
use super::hashing::{hash_decompressed, read_digest};
use crate::ingest::LocalHashes;
use crate::s3::layout::{delivered, Kind};

/// What a scan found.
#[derive(Debug, Default)]
pub struct LocalArchive {
    pub digests: Vec<FoundDigest>,
    pub logs: Vec<FoundLog>,
    /// Insights files: no digest lists them.
    pub insight_files: usize,
    /// Files outside an `AWSLogs/…/CloudTrail*/REGION/` layout, which nothing can place.
    pub unplaced: Vec<String>,
}

/// Where a file sits in the layout: its key, account, region and kind.
struct Placed {
    key: String,
    account: String,
    region: String,
    kind: Kind,
}

fn place(path: &Path) -> Option<Placed> {
    let text = path.to_string_lossy().replace('\\', "/");
    let key = archive_key(&text)?.to_owned();
    let parts: Vec<&str> = key.split('/').collect();
    let at = parts
        .iter()
        .enumerate()
        .skip(2)
        .find_map(|(at, part)| Kind::from_folder(part).map(|_| at))?;
    let kind = Kind::from_folder(parts[at])?;
    let region = parts.get(at + 1).filter(|r| !r.is_empty())?.to_string();
    Some(Placed {
        account: parts[at - 1].to_owned(),
        region,
        kind,
        key,
    })
}

/// Every digest and log file under `paths` of the wanted accounts and regions (all when empty);
/// a log file in `hashed` (by its path under the canonical form of its root, as an ingest names
/// it) is not read again.
pub fn scan(
    paths: &[PathBuf],
    accounts: &[String],
    regions: &[String],
    hashed: &LocalHashes,
) -> LocalArchive {
    let mut archive = LocalArchive::default();
    let mut files = Vec::new();
    for named in paths {
        let canonical = std::fs::canonicalize(named).unwrap_or_else(|_| named.clone());
        for entry in walkdir::WalkDir::new(named).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            if !entry.file_type().is_file() {
                continue;
            }
            let path = entry.into_path();
            match place(&path) {
                Some(placed)
                    if (accounts.is_empty() || accounts.contains(&placed.account))
                        && (regions.is_empty() || regions.contains(&placed.region)) =>
                {
                    let inside = path.strip_prefix(named).unwrap_or(&path);
                    let key = canonical.join(inside);
                    files.push((path, key, placed))
                }
                Some(_) => {}
                None => archive.unplaced.push(path.display().to_string()),
            }
        }
    }
    let found: Vec<Found> = files
        .into_par_iter()
        .map(|(path, key, placed)| read(&path, placed, hashed.get(&key)))
        .collect();
    for found in found {
        match found {
            Found::Digest(digest) => archive.digests.push(*digest),
            Found::Log(log) => archive.logs.push(log),
            Found::Insight => archive.insight_files += 1,
        }
    }
    archive
}

enum Found {
    Digest(Box<FoundDigest>),
    Log(FoundLog),
    Insight,
}

fn read(path: &Path, placed: Placed, hashed: Option<&Result<String, String>>) -> Found {
    let shown = path.display().to_string();
    match placed.kind {
        Kind::Insight => Found::Insight,
        Kind::Digest => {
            let (hash, content) = match open(path) {
                Ok(file) => read_digest(file),
                Err(reason) => (String::new(), Err(reason)),
            };
            Found::Digest(Box::new(FoundDigest {
                path: shown,
                key: placed.key,
                account: placed.account,
                region: placed.region,
                hash,
                content,
                metadata_signature: None,
            }))
        }
        Kind::Log => Found::Log(FoundLog {
            path: shown,
            delivered: delivered(&placed.key),
            key: placed.key,
            account: placed.account,
            region: placed.region,
            hash: match hashed {
                Some(hash) => hash.clone(),
                None => open(path).and_then(hash_decompressed),
            },
        }),
    }
}

fn open(path: &Path) -> Result<std::fs::File, String> {
    std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_placed_by_their_layout_wherever_the_copy_sits() {
        let placed = place(Path::new(
            "/copy/AWSLogs/o-abc/111122223333/CloudTrail-Digest/eu-west-1/2026/11/01/x.json.gz",
        ))
        .unwrap();
        assert_eq!(
            (placed.account.as_str(), placed.region.as_str(), placed.kind),
            ("111122223333", "eu-west-1", Kind::Digest)
        );
        assert!(placed.key.starts_with("AWSLogs/o-abc/"));
        assert!(place(Path::new("/copy/AWSLogs/111122223333/CloudTrail/")).is_none());
        assert!(place(Path::new("/copy/export.json")).is_none());
    }
}
