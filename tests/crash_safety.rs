//! Kill -9 in the middle of an ingest, ingest again: every event is present exactly once and the
//! index opens cleanly.
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{count, gzip, record, trail_file, trailhound, write};

#[test]
fn killed_ingest_resumes_with_every_event_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("AWSLogs");
    const FILES: usize = 400;
    const PER_FILE: usize = 100;
    for file in 0..FILES {
        let records: Vec<_> = (0..PER_FILE)
            .map(|i| {
                record(
                    &format!("ev-{file}-{i}"),
                    "GetObject",
                    "s3.amazonaws.com",
                    json!({"requestParameters": {"key": format!("k/{file}/{i}")}}),
                )
            })
            .collect();
        write(
            &archive.join(format!(
                "111122223333/CloudTrail/us-east-1/2026/11/01/f{file:04}.json.gz"
            )),
            &gzip(&trail_file(&records)),
        );
    }
    let index = dir.path().join("index");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("trailhound"))
        .arg("--index")
        .arg(&index)
        .args(["ingest", "--commit-every", "2000"])
        .arg(&archive)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Wait until at least one commit has landed, then kill the writer without warning.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut committed = 0;
    while Instant::now() < deadline {
        if index.join("meta.json").exists() {
            committed = count(&index, "*");
            if committed > 0 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let finished_early = child.try_wait().unwrap().is_some();
    child.kill().ok();
    child.wait().unwrap();
    assert!(committed > 0, "no commit was observed");
    let after_kill = count(&index, "*");
    assert!(after_kill >= committed);
    if !finished_early {
        assert!(
            after_kill < (FILES * PER_FILE) as u64,
            "the kill landed mid-ingest"
        );
    }

    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    assert_eq!(count(&index, "*"), (FILES * PER_FILE) as u64);
    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success()
        .stdout(predicates::str::contains("new 0,"));
    assert_eq!(count(&index, "*"), (FILES * PER_FILE) as u64);
}
