//! Finds the files to read under the paths a user names: single files, folders of any depth (the
//! `AWSLogs/.../CloudTrail/...` layout or any other), and `-` for standard input.
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::problem::{Problem, Severity};

/// One file to read. `path` is `None` for standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: Option<PathBuf>,
    pub display: String,
    /// Named by the user rather than found by walking a folder.
    pub explicit: bool,
}

/// The files found under one named path; `source` labels their provenance in the index.
#[derive(Debug, Clone)]
pub struct InputGroup {
    pub source: String,
    pub files: Vec<InputFile>,
    pub digest_files: u64,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub groups: Vec<InputGroup>,
    pub problems: Vec<Problem>,
}

impl Discovery {
    pub fn file_count(&self) -> usize {
        self.groups.iter().map(|g| g.files.len()).sum()
    }
}

/// Digest files only attest to log files: they are counted, never read as events.
fn is_digest_path(path: &Path) -> bool {
    path.components()
        .any(|c| c.as_os_str() == "CloudTrail-Digest")
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut discovery = Discovery::default();
    for path in paths {
        if path.as_os_str() == "-" {
            discovery.groups.push(InputGroup {
                source: "stdin".into(),
                files: vec![InputFile {
                    path: None,
                    display: "<stdin>".into(),
                    explicit: true,
                }],
                digest_files: 0,
            });
            continue;
        }
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        let display_root = absolute.display().to_string();
        match std::fs::metadata(path) {
            Err(e) => discovery.problems.push(Problem::file(
                Severity::Rejected,
                &path.display().to_string(),
                format!("cannot read: {e}"),
            )),
            Ok(meta) if meta.is_dir() => {
                let group = walk(&absolute, &display_root, &mut discovery.problems);
                discovery.groups.push(group);
            }
            Ok(_) => discovery.groups.push(InputGroup {
                source: format!("archive:{display_root}"),
                files: vec![InputFile {
                    path: Some(absolute.clone()),
                    display: display_root.clone(),
                    explicit: true,
                }],
                digest_files: 0,
            }),
        }
    }
    discovery
}

fn walk(root: &Path, display_root: &str, problems: &mut Vec<Problem>) -> InputGroup {
    let mut group = InputGroup {
        source: format!("archive:{display_root}"),
        files: Vec::new(),
        digest_files: 0,
    };
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        match entry {
            Err(e) => {
                let where_ = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| display_root.to_owned());
                let message = match e.loop_ancestor() {
                    Some(ancestor) => {
                        format!("symlink loop back to {}; not followed", ancestor.display())
                    }
                    None => format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), |io| io.to_string())
                    ),
                };
                problems.push(Problem::file(Severity::Rejected, &where_, message));
            }
            Ok(entry) if entry.file_type().is_file() => {
                if is_digest_path(entry.path()) {
                    group.digest_files += 1;
                } else {
                    group.files.push(InputFile {
                        display: entry.path().display().to_string(),
                        path: Some(entry.into_path()),
                        explicit: false,
                    });
                }
            }
            Ok(_) => {}
        }
    }
    group
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_any_depth_skips_digests_and_hidden_files_and_reports_loops() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir
            .path()
            .join("AWSLogs/o-abc/111/CloudTrail/us-east-1/2026/11/01");
        let digests = dir
            .path()
            .join("AWSLogs/o-abc/111/CloudTrail-Digest/us-east-1/2026/11/01");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::create_dir_all(&digests).unwrap();
        std::fs::write(logs.join("a.json.gz"), b"x").unwrap();
        std::fs::write(logs.join(".hidden"), b"x").unwrap();
        std::fs::write(digests.join("d.json.gz"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.path(), logs.join("loop")).unwrap();

        let found = discover(&[dir.path().to_owned()]);
        assert_eq!(found.groups.len(), 1);
        let group = &found.groups[0];
        assert_eq!(group.files.len(), 1);
        assert!(group.files[0].display.ends_with("a.json.gz"));
        assert_eq!(group.digest_files, 1);
        assert_eq!(found.problems.len(), 1);
        assert!(found.problems[0].message.contains("symlink loop"));
    }

    #[test]
    fn missing_paths_and_stdin() {
        let found = discover(&[PathBuf::from("/no/such/path"), PathBuf::from("-")]);
        assert_eq!(found.problems.len(), 1);
        assert!(found.problems[0]
            .to_string()
            .starts_with("rejected: /no/such/path: cannot read"));
        assert_eq!(found.groups[0].source, "stdin");
    }
}
