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

/// Alerts cite events by id; after a kill -9 at the moment the alert feed changes, every alert
/// it lists must cite events the index holds, and ingesting again completes the feed exactly.
#[test]
fn a_kill_never_leaves_alerts_ahead_of_their_events() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("AWSLogs");
    const FILES: usize = 200;
    const PER_FILE: usize = 100;
    for file in 0..FILES {
        let records: Vec<_> = (0..PER_FILE)
            .map(|i| {
                // One StopLogging per file, each by its own principal: one alert per file.
                let (name, source) = if i == 0 {
                    ("StopLogging", "cloudtrail.amazonaws.com")
                } else {
                    ("GetObject", "s3.amazonaws.com")
                };
                record(
                    &format!("ev-{file}-{i}"),
                    name,
                    source,
                    json!({"userIdentity": {
                        "arn": format!("arn:aws:iam::111122223333:user/u{file}"),
                        "principalId": format!("AIDA{file}"),
                        "userName": format!("u{file}")
                    }}),
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
    let alerts_file = index.join("alerts.json");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("trailhound"))
        .arg("--index")
        .arg(&index)
        .args(["ingest", "--commit-every", "1000"])
        .arg(&archive)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill the writer the moment the alert feed first appears.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !alerts_file.exists() && Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    child.kill().ok();
    child.wait().unwrap();

    let cited_but_missing = |index: &std::path::Path| -> (usize, Vec<String>) {
        let output = trailhound(index)
            .args(["alerts", "--format", "jsonl"])
            .output()
            .unwrap();
        assert!(output.status.success());
        let alerts: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let missing = alerts
            .iter()
            .flat_map(|a| a["event_ids"].as_array().unwrap().clone())
            .map(|id| id.as_str().unwrap().to_owned())
            .filter(|id| count(index, &format!("eventID:\"{id}\"")) == 0)
            .collect();
        (alerts.len(), missing)
    };
    let (listed, missing) = cited_but_missing(&index);
    assert!(
        missing.is_empty(),
        "{} of the alerts listed after the kill cite events the index does not hold: {missing:?}",
        listed
    );

    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    assert_eq!(count(&index, "*"), (FILES * PER_FILE) as u64);
    let (listed, missing) = cited_but_missing(&index);
    assert!(missing.is_empty(), "{missing:?}");
    let log_01 = trailhound(&index)
        .args(["alerts", "--format", "jsonl"])
        .output()
        .unwrap();
    let stops = String::from_utf8_lossy(&log_01.stdout)
        .lines()
        .filter(|l| l.contains("\"LOG-01\""))
        .count();
    assert_eq!(
        stops, FILES,
        "one alert per principal, none lost ({listed} listed)"
    );
}
