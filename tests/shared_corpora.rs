//! The real corpora beside the repository (../shared/data): every record lands, none is rejected,
//! and what investigators look for is there. Skips cleanly when the corpora are absent.
mod support;

use support::{count, shared_data, trailhound};

#[test]
fn invictus_trail_files_ingest_completely() {
    let Some(data) = shared_data("invictus-aws-dataset/CloudTrail") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    trailhound(&index)
        .arg("ingest")
        .arg(&data)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "files 55, records 2900, new 2900, duplicates 0, skipped 0, rejected 0",
        ));
    assert_eq!(count(&index, "*"), 2900);
    assert!(count(&index, "userAgent:stratus*") > 0);
    assert!(count(&index, "eventName:StopLogging") > 0);
    assert_eq!(
        count(&index, "user:unknown"),
        0,
        "every record gets a principal"
    );
    // bert-jan's CheckMfa names him by principalId only; his other calls carry the ARN.
    assert_eq!(
        count(
            &index,
            "eventName:CheckMfa AND @principal:\"arn:aws:iam::123837392027:user/bert-jan\""
        ),
        1
    );
    assert_eq!(count(&index, "@principal:AIDATFQR7NSC5AU2ZV3IE"), 0);
    let alert_keys = |extra: &[&str]| {
        let output = trailhound(&index)
            .args(["alerts", "--format", "jsonl"])
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success());
        let mut keys: Vec<String> = support::stdout_lines(&output)
            .iter()
            .map(|line| {
                let alert: serde_json::Value = serde_json::from_str(line).unwrap();
                format!("{} {}", alert["key"], alert["count"])
            })
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(
        alert_keys(&[]),
        alert_keys(&["--recompute"]),
        "the ingest's alerts are those recompute raises"
    );
}

#[test]
fn stratus_detonation_arrays_ingest_completely() {
    let Some(data) = shared_data("stratus-detonation-logs") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    // The LICENSE file in the folder is not CloudTrail: skipped, not rejected.
    trailhound(&index)
        .arg("ingest")
        .arg(&data)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "files 35, records 310, new 310, duplicates 0, skipped 1, rejected 0",
        ));
    assert_eq!(
        count(&index, "eventName:GetPasswordData"),
        count(&index, "event:GetPasswordData")
    );
}
