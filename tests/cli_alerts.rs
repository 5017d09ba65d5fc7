//! Alerts raised during ingest, listed by `trailhound alerts`, and the `rules` commands.
mod support;

use predicates::prelude::*;
use serde_json::Value;
use support::{shared_data, trailhound, write};

fn alerts_jsonl(index: &std::path::Path, extra: &[&str]) -> Vec<Value> {
    let output = trailhound(index)
        .args(["alerts", "--format", "jsonl"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn ingest_raises_grouped_alerts_that_survive_reingest_and_recompute() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("demo");
    trailhound::cli::demo::extract_demo_archive(&archive).unwrap();
    let index = dir.path().join("index");
    trailhound(&index)
        .args(["ingest"])
        .arg(archive.join("AWSLogs"))
        .assert()
        .success();

    let alerts = alerts_jsonl(&index, &[]);
    assert!(!alerts.is_empty());
    for field in [
        "rule_id",
        "title",
        "severity",
        "count",
        "first_time",
        "last_time",
        "principal",
        "event_ids",
        "mitre",
    ] {
        assert!(
            alerts[0].get(field).is_some(),
            "alert lacks {field}: {}",
            alerts[0]
        );
    }
    let rule_ids: Vec<&str> = alerts
        .iter()
        .map(|a| a["rule_id"].as_str().unwrap())
        .collect();
    assert!(
        rule_ids.contains(&"LOG-01"),
        "the demo incident stops CloudTrail: {rule_ids:?}"
    );
    let stop = alerts.iter().find(|a| a["rule_id"] == "LOG-01").unwrap();
    let event_id = stop["event_ids"][0].as_str().unwrap();
    trailhound(&index)
        .args(["show", event_id])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("StopLogging").or(predicate::str::contains("DeleteTrail")),
        );

    let severities: Vec<&str> = alerts
        .iter()
        .map(|a| a["severity"].as_str().unwrap())
        .collect();
    let high = alerts_jsonl(&index, &["--min-severity", "high"]);
    assert_eq!(
        high.len(),
        severities
            .iter()
            .filter(|s| matches!(**s, "high" | "critical"))
            .count()
    );

    trailhound(&index)
        .args(["ingest"])
        .arg(archive.join("AWSLogs"))
        .assert()
        .success();
    assert!(
        alerts_jsonl(&index, &[]) == alerts,
        "re-ingesting adds no alert and counts nothing twice"
    );
    let counts = |alerts: &[Value]| -> Vec<(String, u64)> {
        let mut counts: Vec<_> = alerts
            .iter()
            .map(|a| {
                (
                    a["key"].as_str().unwrap().to_owned(),
                    a["count"].as_u64().unwrap(),
                )
            })
            .collect();
        counts.sort();
        counts
    };
    assert!(
        counts(&alerts_jsonl(&index, &["--recompute"])) == counts(&alerts),
        "recomputing from the index gives the same feed"
    );
    trailhound(&index)
        .arg("alerts")
        .assert()
        .success()
        .stdout(predicate::str::contains("LOG-01"));
}

#[test]
fn rules_list_check_and_test() {
    let dir = tempfile::tempdir().unwrap();
    trailhound(dir.path())
        .args(["rules", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("LOG-01"));
    trailhound(dir.path())
        .args(["rules", "test"])
        .assert()
        .success()
        .stdout(predicate::str::contains(" 0 failed"));
    let broken = write(&dir.path().join("bad/broken.yml"), b"title: x\nid: 5f1d4a52-0000-4000-8000-000000000001\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel:\n    eventName|nope: X\n  condition: sel\n");
    trailhound(dir.path())
        .args(["rules", "check"])
        .arg(&broken)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("broken.yml").and(predicate::str::contains("nope")));
    if let Some(sigma) = shared_data("sigma-cloudtrail") {
        trailhound(dir.path())
            .args(["rules", "check"])
            .arg(&sigma)
            .assert()
            .success();
    }
}
