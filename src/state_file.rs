//! The small JSON files kept beside an index (alerts, detection state, a writer's activity):
//! written whole to a temporary file, then renamed over the old one, so a reader or a crash
//! never sees half a file. A write that fails leaves no temporary file behind.
//!
//! Files that describe committed events (alerts cite event ids) change with the index commit and
//! no sooner: they are staged (`NAME.staged`, plus a marker naming the commit's opstamp) before the
//! commit, and made current once it is durable. A kill in between leaves staged files that the
//! next writer keeps or drops by whether their commit landed; readers see only committed state.
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const STAGED_MARKER: &str = "staged.json";

#[derive(Serialize, Deserialize)]
struct StagedMarker {
    /// The opstamp of the index commit the staged files belong to.
    opstamp: u64,
    files: Vec<String>,
}

pub fn write_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    write_bytes(path, &bytes)
}

pub fn write_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.tmp", std::process::id()));
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(named(e, path));
    }
    Ok(())
}

/// Where `path` is staged until its commit is durable.
pub fn staged_path(path: &Path) -> PathBuf {
    let mut staged = path.as_os_str().to_owned();
    staged.push(".staged");
    PathBuf::from(staged)
}

/// Records that the files `names` in `dir` were staged for the index commit `opstamp`.
pub fn mark_staged(dir: &Path, opstamp: u64, names: &[&str]) -> std::io::Result<()> {
    let marker = StagedMarker {
        opstamp,
        files: names.iter().map(|n| n.to_string()).collect(),
    };
    write_json(&dir.join(STAGED_MARKER), &marker)
}

fn staged_marker(dir: &Path) -> Option<StagedMarker> {
    let bytes = std::fs::read(dir.join(STAGED_MARKER)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The opstamp of the index commit in `dir` (tantivy's `meta.json`).
fn committed_opstamp(dir: &Path) -> Option<u64> {
    #[derive(Deserialize)]
    struct Meta {
        opstamp: u64,
    }
    let bytes = std::fs::read(dir.join("meta.json")).ok()?;
    serde_json::from_slice::<Meta>(&bytes)
        .ok()
        .map(|meta| meta.opstamp)
}

/// Whether the files staged in `dir`, if any, belong to a commit that is durable.
fn staged_is_committed(dir: &Path) -> Option<StagedMarker> {
    let marker = staged_marker(dir)?;
    let committed = committed_opstamp(dir)?;
    (committed >= marker.opstamp).then_some(marker)
}

/// Makes staged files current if their commit landed, or drops them if it did not. Called by
/// the writer after each commit, and before it reads the state its commits will extend.
pub fn settle(dir: &Path) -> std::io::Result<()> {
    let Some(marker) = staged_marker(dir) else {
        return Ok(());
    };
    let committed = committed_opstamp(dir).is_some_and(|c| c >= marker.opstamp);
    for name in &marker.files {
        let path = dir.join(name);
        let staged = staged_path(&path);
        let outcome = if committed {
            std::fs::rename(&staged, &path)
        } else {
            std::fs::remove_file(&staged)
        };
        match outcome {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(named(e, &path)),
            _ => {}
        }
    }
    match std::fs::remove_file(dir.join(STAGED_MARKER)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Drops whatever is staged in `dir` (before its state is rewritten from scratch).
pub fn discard_staged(dir: &Path) -> std::io::Result<()> {
    if let Some(marker) = staged_marker(dir) {
        for name in &marker.files {
            let _ = std::fs::remove_file(staged_path(&dir.join(name)));
        }
        std::fs::remove_file(dir.join(STAGED_MARKER))?;
    }
    Ok(())
}

/// The content of `dir/name` as of the latest durable commit: its staged version when that
/// commit landed but the writer has not made it current yet (it was killed, or is about to).
pub fn read_committed(dir: &Path, name: &str) -> std::io::Result<Vec<u8>> {
    let path = dir.join(name);
    if let Some(marker) = staged_is_committed(dir) {
        if marker.files.iter().any(|f| f == name) {
            match std::fs::read(staged_path(&path)) {
                // Made current meanwhile.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                other => return other,
            }
        }
    }
    std::fs::read(path)
}

/// Whether `error` says the disk is full.
pub fn is_disk_full(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::StorageFull || error.raw_os_error() == Some(28)
}

/// `error`, saying which file could not be written (and plainly when the disk is full).
fn named(error: std::io::Error, path: &Path) -> std::io::Error {
    let message = if is_disk_full(&error) {
        format!(
            "cannot write {}: the disk is full (no space left on device)",
            path.display()
        )
    } else {
        format!("cannot write {}: {error}", path.display())
    };
    std::io::Error::new(error.kind(), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn a_failed_write_names_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A directory in the way makes the rename fail after the temporary file was written.
        let target = dir.path().join("activity.json");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("keep"), b"x").unwrap();
        let error = write_bytes(&target, b"{}").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot write {}", target.display())),
            "{error}"
        );
        assert_eq!(leftovers(dir.path()), Vec::<String>::new());
    }

    fn commit(dir: &Path, opstamp: u64) {
        std::fs::write(dir.join("meta.json"), format!(r#"{{"opstamp":{opstamp}}}"#)).unwrap();
    }

    #[test]
    fn staged_files_become_current_only_with_their_commit() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        commit(dir, 10);
        write_bytes(&dir.join("alerts.json"), b"old").unwrap();

        // Staged for commit 12, which never lands (killed before it): readers see the old
        // content, and the next writer drops the staged file.
        write_bytes(&staged_path(&dir.join("alerts.json")), b"new").unwrap();
        mark_staged(dir, 12, &["alerts.json"]).unwrap();
        assert_eq!(read_committed(dir, "alerts.json").unwrap(), b"old");
        settle(dir).unwrap();
        assert_eq!(std::fs::read(dir.join("alerts.json")).unwrap(), b"old");
        assert!(!staged_path(&dir.join("alerts.json")).exists());

        // Staged for commit 14, which lands before a kill: readers see it at once, and the
        // next writer makes it current.
        write_bytes(&staged_path(&dir.join("alerts.json")), b"newer").unwrap();
        mark_staged(dir, 14, &["alerts.json"]).unwrap();
        commit(dir, 14);
        assert_eq!(read_committed(dir, "alerts.json").unwrap(), b"newer");
        settle(dir).unwrap();
        assert_eq!(std::fs::read(dir.join("alerts.json")).unwrap(), b"newer");
        assert!(!dir.join(STAGED_MARKER).exists());
    }

    #[test]
    fn a_full_disk_is_said_plainly() {
        let error = named(
            std::io::Error::from_raw_os_error(28),
            Path::new("/idx/activity.json"),
        );
        assert_eq!(
            error.to_string(),
            "cannot write /idx/activity.json: the disk is full (no space left on device)"
        );
        assert!(is_disk_full(&error));
    }
}
