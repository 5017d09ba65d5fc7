//! An evidence copy mounted read-only can be searched: readers take no lock and write nothing.
//!
//! Tests run as root, where `chmod a-w` stops no write; so the copy is made read-only with a
//! read-only bind mount when this process may mount (root), and with `chmod -R a-w` otherwise.
//! Either way the folder is also checked afterwards: no file created, changed or removed.
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use tempfile::TempDir;

use support::trailhound;
use trailhound::index::TrailIndex;
use trailhound::tui::{App, Options};

/// The folder as read-only as this process can make it; undone on drop.
struct ReadOnly {
    path: PathBuf,
    mounted: bool,
    original: PathBuf,
}

impl ReadOnly {
    fn new(original: &Path, mount_point: &Path) -> ReadOnly {
        std::fs::create_dir_all(mount_point).unwrap();
        let mount = |args: &[&str]| {
            Command::new("mount")
                .args(args)
                .status()
                .is_ok_and(|s| s.success())
        };
        let (from, to) = (original.to_str().unwrap(), mount_point.to_str().unwrap());
        if mount(&["--bind", from, to]) {
            if mount(&["-o", "remount,bind,ro", to]) {
                return ReadOnly {
                    path: mount_point.to_owned(),
                    mounted: true,
                    original: original.to_owned(),
                };
            }
            let _ = Command::new("umount").arg(to).status();
        }
        eprintln!("cannot mount here: making the index read-only with chmod instead");
        chmod(original, "a-w");
        ReadOnly {
            path: original.to_owned(),
            mounted: false,
            original: original.to_owned(),
        }
    }

    /// True when a write into the folder really fails.
    fn refuses_writes(&self) -> bool {
        std::fs::write(self.path.join("probe"), b"x").is_err()
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount").arg(&self.path).status();
        } else {
            chmod(&self.original, "u+w");
        }
    }
}

fn chmod(path: &Path, mode: &str) {
    let status = Command::new("chmod")
        .args(["-R", mode])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Every file's size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<String, (u64, SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                (meta.len(), meta.modified().unwrap()),
            )
        })
        .collect()
}

/// The demo archive ingested into `work/index`, with no lock file left behind.
fn evidence_index(work: &TempDir) -> PathBuf {
    let archive = work.path().join("archive");
    trailhound::cli::demo::extract_demo_archive(&archive).unwrap();
    let index = work.path().join("index");
    trailhound(&index)
        .args(["--quiet", "ingest"])
        .arg(archive.join("AWSLogs"))
        .assert()
        .success();
    for lock in [".tantivy-meta.lock", ".tantivy-writer.lock"] {
        let _ = std::fs::remove_file(index.join(lock));
    }
    index
}

#[test]
fn search_show_top_info_and_alerts_work_on_a_read_only_copy_and_write_nothing() {
    let work = tempfile::tempdir().unwrap();
    let index = evidence_index(&work);
    let before = snapshot(&index);
    let id = {
        let output = trailhound(&index)
            .args(["search", "--limit", "1", "--format", "jsonl"])
            .output()
            .unwrap();
        let line = String::from_utf8_lossy(&output.stdout).to_string();
        let record: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        record["eventID"].as_str().unwrap().to_owned()
    };
    // That search ran on the writable folder: even there a reader leaves nothing behind.
    assert_eq!(
        snapshot(&index),
        before,
        "a search wrote into the index folder"
    );

    let read_only = ReadOnly::new(&index, &work.path().join("mnt"));
    let can_check = read_only.refuses_writes();
    for args in [
        vec!["search", "--limit", "5"],
        vec!["search", "--count", "eventName:ConsoleLogin"],
        vec!["show", id.as_str()],
        vec!["top", "eventName"],
        vec!["info"],
        vec!["alerts"],
    ] {
        let output = trailhound(&read_only.path).args(&args).output().unwrap();
        assert!(
            output.status.success(),
            "`{}` failed on a read-only index:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !output.stdout.is_empty(),
            "`{}` printed nothing",
            args.join(" ")
        );
    }
    // Writing commands fail with a clear line, not a raw lock error.
    if can_check {
        let output = trailhound(&read_only.path)
            .args(["alerts", "--recompute"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("read-only"), "{stderr}");
    } else {
        eprintln!("writes are not refused here; only checked that nothing was written");
    }
    drop(read_only);
    assert_eq!(
        snapshot(&index),
        before,
        "a reader wrote into the index folder"
    );
}

#[test]
fn the_terminal_ui_opens_a_read_only_index_and_says_writes_are_off() {
    let work = tempfile::tempdir().unwrap();
    let index = evidence_index(&work);
    let before = snapshot(&index);
    let read_only = ReadOnly::new(&index, &work.path().join("mnt"));
    {
        let opened = TrailIndex::open(&read_only.path).expect("open");
        let mut app = App::new(opened, &Options::builtin(), (140, 40)).expect("app");
        assert!(app.settle(Duration::from_secs(30)), "no answer");
        assert_eq!(
            app.state.status.last_error, None,
            "the UI failed on a read-only index"
        );
        assert!(app.state.status.index_events.is_some_and(|n| n > 0));
        let said = app.state.status.message.clone().unwrap_or_default();
        if read_only.refuses_writes() {
            assert!(
                said.contains("read-only") && said.contains("ingest") && said.contains("ack"),
                "the UI does not say writes are off: {said:?}"
            );
        }
    }
    drop(read_only);
    assert_eq!(
        snapshot(&index),
        before,
        "the UI wrote into the index folder"
    );
}
