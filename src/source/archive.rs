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

/// Trees of kernel objects and devices rather than files: never walked (a link to `/proc/self`
/// reaches the whole filesystem through `/proc/self/root`).
const SPECIAL_TREES: &[&str] = &["/proc", "/sys", "/dev"];

/// Why the directory at `path` is not walked, when it is a special one.
fn special_directory(path: &Path) -> Option<String> {
    let canonical = std::fs::canonicalize(path).ok()?;
    if let Some(tree) = SPECIAL_TREES
        .iter()
        .find(|tree| canonical.starts_with(tree))
    {
        return Some(format!(
            "{} is under {tree} (kernel objects and devices, not files); not walked",
            canonical.display()
        ));
    }
    pseudo_filesystem(&canonical).map(|name| {
        format!(
            "{} is on a {name} filesystem (kernel objects, not files); not walked",
            canonical.display()
        )
    })
}

/// The name of the pseudo filesystem `path` is on, if it is on one.
#[cfg(target_os = "linux")]
fn pseudo_filesystem(path: &Path) -> Option<&'static str> {
    // Magic numbers from <linux/magic.h>.
    const PSEUDO: &[(i64, &str)] = &[
        (0x9fa0, "proc"),
        (0x6265_6572, "sysfs"),
        (0x1cd1, "devpts"),
        (0x6462_6720, "debugfs"),
        (0x7472_6163, "tracefs"),
        (0x7363_6673, "securityfs"),
        (0x0027_e0eb, "cgroup"),
        (0x6367_7270, "cgroup2"),
        (0x6165_676c, "pstore"),
        (0xcafe_4a11, "bpf"),
        (0x6265_6570, "configfs"),
        (0x4249_4e4d, "binfmt_misc"),
        (0x1980_0202, "mqueue"),
        (0xf97c_ff8c, "selinuxfs"),
        (0xde5e_81e4, "efivarfs"),
        (0x6573_5543, "fusectl"),
        (0x6e73_6673, "nsfs"),
    ];
    let kind = rustix::fs::statfs(path).ok()?.f_type as i64;
    PSEUDO
        .iter()
        .find(|(magic, _)| *magic == kind)
        .map(|(_, name)| *name)
}

#[cfg(not(target_os = "linux"))]
fn pseudo_filesystem(_path: &Path) -> Option<&'static str> {
    None
}

/// What a file that is neither a regular file nor a directory is, to say why it is not read.
fn special_file_kind(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_fifo() {
        "a named pipe"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

fn walk(root: &Path, display_root: &str, problems: &mut Vec<Problem>) -> InputGroup {
    let mut group = InputGroup {
        source: format!("archive:{display_root}"),
        files: Vec::new(),
        digest_files: 0,
    };
    let mut walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    while let Some(entry) = walker.next() {
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
            Ok(entry) if entry.file_type().is_dir() => {
                if let Some(reason) = special_directory(entry.path()) {
                    problems.push(Problem::file(
                        Severity::Skipped,
                        &entry.path().display().to_string(),
                        reason,
                    ));
                    walker.skip_current_dir();
                }
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
            Ok(entry) => problems.push(Problem::file(
                Severity::Skipped,
                &entry.path().display().to_string(),
                format!(
                    "{}, not a file; not read",
                    special_file_kind(entry.file_type())
                ),
            )),
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
    fn special_filesystems_and_files_found_by_walking_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), b"x").unwrap();
        std::os::unix::fs::symlink("/proc/self", dir.path().join("p")).unwrap();
        std::os::unix::fs::symlink("/sys", dir.path().join("s")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero")).unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());

        let found = discover(&[dir.path().to_owned()]);
        let files: Vec<_> = found.groups[0].files.iter().map(|f| &f.display).collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert!(files[0].ends_with("a.json"));
        let lines: Vec<String> = found.problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(lines.len(), 4, "{lines:#?}");
        assert!(
            lines.iter().all(|l| l.starts_with("skipped: ")),
            "{lines:#?}"
        );
        let line_for = |name: &str| {
            let path = dir.path().join(name).display().to_string();
            lines
                .iter()
                .find(|l| l.starts_with(&format!("skipped: {path}: ")))
                .unwrap_or_else(|| panic!("no line for {name}: {lines:#?}"))
                .clone()
        };
        assert!(line_for("p").contains("under /proc"));
        assert!(line_for("s").contains("under /sys"));
        assert!(line_for("zero").contains("a character device"));
        assert!(line_for("fifo").contains("a named pipe"));
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
