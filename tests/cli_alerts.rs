//! Alerts raised during ingest, listed by `trailhound alerts`, and the `rules` commands.
mod support;

use predicates::prelude::*;
use serde_json::Value;
use support::{alerts_jsonl, shared_data, trailhound, write};

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

/// `days` days of alice's read calls in us-east-1 (four a day from 2026-10-01), then `extra`.
fn history(days: i64, extra: &[(&str, &str)]) -> Vec<Value> {
    let start = chrono::DateTime::parse_from_rfc3339("2026-10-01T08:00:00Z").unwrap();
    let mut records = Vec::new();
    for n in 0..days * 4 {
        let time = start + chrono::Duration::hours(6 * n);
        records.push(support::record(
            &format!("base-{n}"),
            "DescribeInstances",
            "ec2.amazonaws.com",
            serde_json::json!({"eventTime": time.to_rfc3339(), "readOnly": true}),
        ));
    }
    for (n, (time, region)) in extra.iter().enumerate() {
        records.push(support::record(
            &format!("new-{n}"),
            "DescribeInstances",
            "ec2.amazonaws.com",
            serde_json::json!({"eventTime": time, "readOnly": true, "awsRegion": region}),
        ));
    }
    records
}

fn first_seen_alerts(alerts: &[Value]) -> Vec<&Value> {
    alerts.iter().filter(|a| a["rule_id"] == "API-03").collect()
}

#[test]
fn first_seen_regions_fire_against_a_baseline_and_say_which() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let first = write(
        &dir.path().join("a/first.json"),
        &support::trail_file(&history(20, &[("2026-10-21T09:00:00Z", "sa-east-1")])),
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&first)
        .assert()
        .success();
    let alerts = alerts_jsonl(&index, &[]);
    let found = first_seen_alerts(&alerts);
    assert_eq!(found.len(), 1, "{alerts:#?}");
    // The README shows this text.
    assert_eq!(
        found[0]["baseline"],
        "`sa-east-1` first seen: not in the baseline of 14 d \
         (2026-10-07T09:00:00Z to 2026-10-21T09:00:00Z, 57 events)"
    );
    assert_eq!(found[0]["event_ids"][0], "new-0");

    // A later ingest continues from the stored baseline: us-east-1 is old, ap-south-1 is new.
    let second = write(
        &dir.path().join("b/second.json"),
        &support::trail_file(&history(
            0,
            &[
                ("2026-10-22T09:00:00Z", "us-east-1"),
                ("2026-10-22T10:00:00Z", "ap-south-1"),
                ("2026-10-22T11:00:00Z", "sa-east-1"),
            ],
        )),
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&second)
        .assert()
        .success();
    let alerts = alerts_jsonl(&index, &[]);
    let mut regions: Vec<&str> = first_seen_alerts(&alerts)
        .iter()
        .map(|a| a["group"].as_str().unwrap().rsplit('|').next().unwrap())
        .collect();
    regions.sort();
    assert_eq!(regions, ["ap-south-1", "sa-east-1"]);
    let recomputed = alerts_jsonl(&index, &["--recompute"]);
    assert_eq!(first_seen_alerts(&recomputed).len(), 2);
}

#[test]
fn a_young_index_does_not_flood_with_first_sightings() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    // Five days of history, busy enough for the per-principal minimum, shorter than the baseline.
    let archive = write(
        &dir.path().join("a/young.json"),
        &support::trail_file(&history(
            5,
            &[
                ("2026-10-06T09:00:00Z", "sa-east-1"),
                ("2026-10-06T09:10:00Z", "eu-west-3"),
            ],
        )),
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    assert!(first_seen_alerts(&alerts_jsonl(&index, &[])).is_empty());
}

fn config(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    write(&dir.join("config/config.toml"), text.as_bytes())
}

fn rule_ids(alerts: &[Value]) -> Vec<String> {
    alerts
        .iter()
        .map(|a| a["rule_id"].as_str().unwrap().to_owned())
        .collect()
}

/// Ingests `records` into a fresh index under `dir` with the given config file (or none).
fn ingest_with_config(
    dir: &std::path::Path,
    name: &str,
    records: &[Value],
    config: Option<&std::path::Path>,
) -> Vec<Value> {
    let index = dir.join(name);
    let archive = write(
        &dir.join(format!("{name}-archive/trail.json")),
        &support::trail_file(records),
    );
    let mut command = trailhound(&index);
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command.arg("ingest").arg(&archive).assert().success();
    alerts_jsonl(&index, &[])
}

#[test]
fn config_disables_a_rule_and_rules_list_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path(), "[rules]\ndisabled = [\"LOG-01\"]\n");
    let stop = [support::record(
        "stop-1",
        "StopLogging",
        "cloudtrail.amazonaws.com",
        serde_json::json!({"requestParameters": {"name": "main"}}),
    )];
    assert!(
        rule_ids(&ingest_with_config(dir.path(), "plain", &stop, None)).contains(&"LOG-01".into())
    );
    assert!(
        !rule_ids(&ingest_with_config(dir.path(), "tuned", &stop, Some(&file)))
            .contains(&"LOG-01".into())
    );
    let listed = trailhound(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["rules", "list"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&listed.stdout);
    let line = text.lines().find(|l| l.starts_with("LOG-01")).unwrap();
    assert!(
        line.contains(" no ") && line.contains("disabled in the config"),
        "{line}"
    );
    let line = text.lines().find(|l| l.starts_with("LOG-02")).unwrap();
    assert!(line.contains(" yes "), "{line}");
}

#[test]
fn config_threshold_override_changes_when_a_correlation_fires() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(
        dir.path(),
        "[rules.overrides.\"AUTH-04\"]\nthreshold = 3\nwindow = \"10m\"\n",
    );
    let failures: Vec<Value> = (0..3)
        .map(|n| {
            support::record(
                &format!("fail-{n}"),
                "ConsoleLogin",
                "signin.amazonaws.com",
                serde_json::json!({
                    "eventTime": format!("2026-11-01T08:0{n}:00Z"),
                    "eventType": "AwsConsoleSignIn",
                    "responseElements": {"ConsoleLogin": "Failure"},
                    "errorMessage": "Failed authentication",
                }),
            )
        })
        .collect();
    assert!(
        !rule_ids(&ingest_with_config(dir.path(), "plain", &failures, None))
            .contains(&"AUTH-04".into())
    );
    let tuned = ingest_with_config(dir.path(), "tuned", &failures, Some(&file));
    let brute: Vec<&Value> = tuned.iter().filter(|a| a["rule_id"] == "AUTH-04").collect();
    assert_eq!(brute.len(), 1, "{tuned:#?}");
    assert_eq!(brute[0]["count"], 3);
}

#[test]
fn config_home_regions_replace_the_first_seen_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let launch = |region: &str| {
        [support::record(
            "run-1",
            "RunInstances",
            "ec2.amazonaws.com",
            serde_json::json!({
                "awsRegion": region,
                "requestParameters": {"instancesSet": {"items": [{"imageId": "ami-1", "maxCount": 1}]}, "instanceType": "t3.micro"},
            }),
        )]
    };
    // Without home regions only the first-seen fallback runs, and one launch has no baseline.
    assert!(!rule_ids(&ingest_with_config(
        dir.path(),
        "plain",
        &launch("ap-east-1"),
        None
    ))
    .contains(&"EC2-01".into()));
    let file = config(
        dir.path(),
        "[detection]\nhome_regions = [\"eu-west-1\", \"eu-central-1\"]\n",
    );
    let away = ingest_with_config(dir.path(), "away", &launch("ap-east-1"), Some(&file));
    assert!(rule_ids(&away).contains(&"EC2-01".into()), "{away:#?}");
    let home = ingest_with_config(dir.path(), "home", &launch("eu-west-1"), Some(&file));
    assert!(!rule_ids(&home).contains(&"EC2-01".into()), "{home:#?}");
}

#[test]
fn a_broken_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(
        dir.path(),
        "[rules]\ndisabled = []\n\n[rules.overrides.\"API-01\"]\nthreshold = \"many\"\n",
    );
    trailhound(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["rules", "list"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("config.toml:5: key `rules.overrides.\"API-01\".threshold`")
                .and(predicate::str::contains("whole number")),
        );
    let file = config(dir.path(), "[detection]\nhome_region = [\"eu-west-1\"]\n");
    trailhound(dir.path())
        .env("TRAILHOUND_CONFIG", &file)
        .args(["rules", "list"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "config.toml:2: key `home_region`: unknown field",
        ));
}

#[test]
fn the_rules_folder_beside_the_config_file_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let file = config(dir.path(), "");
    write(
        &dir.path().join("config/rules/mine.yml"),
        b"title: My own rule\nid: 5f1d4a52-0000-4000-8000-000000000002\nlevel: low\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel:\n    eventName: GetCallerIdentity\n  condition: sel\n",
    );
    trailhound(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["rules", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("My own rule"));
}

#[test]
fn alerts_are_acknowledged_and_suppressed_by_id_and_stay_so() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let archive = write(
        &dir.path().join("archive/trail.json"),
        &support::trail_file(&[
            support::record(
                "stop-1",
                "StopLogging",
                "cloudtrail.amazonaws.com",
                serde_json::json!({"requestParameters": {"name": "main"}}),
            ),
            support::record(
                "mfa-1",
                "DeactivateMFADevice",
                "iam.amazonaws.com",
                serde_json::json!({"requestParameters": {"userName": "bob", "serialNumber": "arn:aws:iam::111122223333:mfa/bob"}}),
            ),
        ]),
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    let alerts = alerts_jsonl(&index, &[]);
    let id_of = |rule: &str| -> String {
        alerts
            .iter()
            .find(|a| a["rule_id"] == rule)
            .unwrap_or_else(|| panic!("no {rule} alert in {alerts:#?}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (stop, mfa) = (id_of("LOG-01"), id_of("AUTH-07"));
    assert_eq!(stop.len(), 10);
    trailhound(&index)
        .arg("alerts")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ID ").and(predicate::str::contains(&stop)));

    trailhound(&index)
        .args(["alerts", "ack", &stop])
        .assert()
        .success()
        .stdout(predicate::str::contains("acknowledged"));
    trailhound(&index)
        .args(["alerts", "suppress", &mfa[..6]])
        .assert()
        .success();
    let state = |index: &std::path::Path, extra: &[&str]| -> Vec<(String, bool)> {
        alerts_jsonl(index, extra)
            .iter()
            .filter(|a| a["rule_id"] == "LOG-01" || a["rule_id"] == "AUTH-07")
            .map(|a| {
                (
                    a["rule_id"].as_str().unwrap().to_owned(),
                    a["acknowledged"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(state(&index, &[]), [("LOG-01".to_owned(), true)]);
    assert!(state(&index, &["--hide-acknowledged"]).is_empty());
    let all = alerts_jsonl(&index, &["--show-suppressed"]);
    let hidden = all.iter().find(|a| a["rule_id"] == "AUTH-07").unwrap();
    assert_eq!(hidden["suppressed"], true);
    trailhound(&index)
        .arg("alerts")
        .assert()
        .success()
        .stdout(predicate::str::contains("(acknowledged)"));

    // What the investigator did survives recomputing and another ingest (a restart).
    assert_eq!(
        state(&index, &["--recompute"]),
        [("LOG-01".to_owned(), true)]
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    assert_eq!(state(&index, &[]), [("LOG-01".to_owned(), true)]);

    trailhound(&index)
        .args(["alerts", "unack", &stop])
        .assert()
        .success();
    trailhound(&index)
        .args(["alerts", "unsuppress", &mfa])
        .assert()
        .success();
    let mut restored = state(&index, &[]);
    restored.sort();
    assert_eq!(
        restored,
        [("AUTH-07".to_owned(), false), ("LOG-01".to_owned(), false)]
    );

    trailhound(&index)
        .args(["alerts", "ack", "0000000000", &stop])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no alert has the id `0000000000`"));
    assert_eq!(
        state(&index, &[]).iter().filter(|(_, ack)| *ack).count(),
        0,
        "nothing marked"
    );
}

const NOAH: &str = "arn:aws:iam::111122223333:user/noah.williams";

/// A console sign-in of noah.williams at `time`; a failure names him as CloudTrail does, by
/// principalId and userName only (no ARN), unless `hidden` (a name CloudTrail will not show).
fn console_login(id: &str, time: &str, success: bool, hidden: bool) -> Value {
    let mut record = support::record(
        id,
        "ConsoleLogin",
        "signin.amazonaws.com",
        serde_json::json!({
            "eventTime": time,
            "sourceIPAddress": "193.142.146.35",
            "eventType": "AwsConsoleSignIn",
            "readOnly": false,
            "responseElements": {"ConsoleLogin": if success { "Success" } else { "Failure" }},
            "additionalEventData": {"MFAUsed": "No", "MobileVersion": "No"},
        }),
    );
    record["userIdentity"] = if success {
        serde_json::json!({"type": "IAMUser", "principalId": "AIDANOAHEXAMPLE00001", "arn": NOAH,
            "accountId": "111122223333", "userName": "noah.williams"})
    } else if hidden {
        serde_json::json!({"type": "IAMUser", "principalId": "", "accountId": "111122223333",
            "accessKeyId": "", "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"})
    } else {
        serde_json::json!({"type": "IAMUser", "principalId": "AIDANOAHEXAMPLE00001",
            "accountId": "111122223333", "accessKeyId": "", "userName": "noah.williams"})
    };
    if !success {
        record["errorMessage"] = "Failed authentication".into();
    }
    record
}

/// Five failures (no ARN) and one hidden-name failure, in one file; the success (with the ARN)
/// in another: shaped like the demo's incident.
fn sign_in_files(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut failures: Vec<Value> = (0..5)
        .map(|n| {
            let time = format!("2026-11-02T02:4{n}:10Z");
            console_login(&format!("fail-{n}"), &time, false, false)
        })
        .collect();
    failures.push(console_login(
        "fail-hidden",
        "2026-11-02T02:40:00Z",
        false,
        true,
    ));
    let failed = write(
        &dir.join("failures/failures.json"),
        &support::trail_file(&failures),
    );
    let success = write(
        &dir.join("success/success.json"),
        &support::trail_file(&[console_login(
            "success",
            "2026-11-02T02:46:00Z",
            true,
            false,
        )]),
    );
    (failed, success)
}

fn assert_noah_is_credited(index: &std::path::Path, order: &str) {
    let noah = format!("@principal:\"{NOAH}\"");
    assert_eq!(
        support::count(index, &noah),
        6,
        "{order}: every sign-in is noah's"
    );
    assert_eq!(
        support::count(index, "@principal:AIDANOAHEXAMPLE00001"),
        0,
        "{order}: no event is left under the raw principalId"
    );
    assert_eq!(
        support::count(index, "@principal:HIDDEN_DUE_TO_SECURITY_REASONS"),
        1,
        "{order}: a hidden name with no principalId stays unattributed"
    );
    let alerts = alerts_jsonl(index, &[]);
    for rule in ["AUTH-04", "AUTH-05"] {
        let found: Vec<&Value> = alerts.iter().filter(|a| a["rule_id"] == rule).collect();
        assert_eq!(found.len(), 1, "{order}: one {rule} alert: {alerts:#?}");
        assert_eq!(found[0]["principal"], NOAH, "{order}: {rule} names noah");
    }
    let auth05 = alerts.iter().find(|a| a["rule_id"] == "AUTH-05").unwrap();
    assert_eq!(auth05["severity"], "high");
    let ids = auth05["event_ids"].to_string();
    assert!(
        ids.contains("fail-0") && ids.contains("success"),
        "{order}: {ids}"
    );
    let keys = |alerts: &[Value]| {
        let mut keys: Vec<String> = alerts
            .iter()
            .map(|a| format!("{} {} {}", a["key"], a["count"], a["principal"]))
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(&alerts),
        keys(&alerts_jsonl(index, &["--recompute"])),
        "{order}: the ingest's alerts are recompute's"
    );
}

#[test]
fn sign_ins_without_an_arn_are_credited_to_the_user_whichever_file_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    let (failed, success) = sign_in_files(dir.path());
    for (order, files) in [
        ("failures, then the ARN", [&failed, &success]),
        ("the ARN, then failures", [&success, &failed]),
    ] {
        let index = dir.path().join(order.replace([',', ' '], "-"));
        for file in files {
            trailhound(&index)
                .arg("ingest")
                .arg(file)
                .assert()
                .success();
        }
        assert_noah_is_credited(&index, order);
    }
    let together = dir.path().join("together");
    trailhound(&together)
        .arg("ingest")
        .arg(&failed)
        .arg(&success)
        .assert()
        .success();
    assert_noah_is_credited(&together, "one ingest");
}

/// The ARN arrives first and is committed before the failures reach the writer (a whole batch
/// of other events lies between): the failures were prepared with the identities known when the
/// ingest began, and are re-credited all the same.
#[test]
fn sign_ins_read_after_their_arn_was_committed_in_the_same_ingest_are_credited() {
    let dir = tempfile::tempdir().unwrap();
    let mut records = vec![console_login(
        "success",
        "2026-11-02T02:46:00Z",
        true,
        false,
    )];
    records.extend((0..600).map(|n| {
        support::record(
            &format!("other-{n}"),
            "DescribeInstances",
            "ec2.amazonaws.com",
            serde_json::json!({}),
        )
    }));
    records.extend((0..5).map(|n| {
        console_login(
            &format!("fail-{n}"),
            &format!("2026-11-02T02:4{n}:10Z"),
            false,
            false,
        )
    }));
    records.push(console_login(
        "fail-hidden",
        "2026-11-02T02:40:00Z",
        false,
        true,
    ));
    let file = write(
        &dir.path().join("arn-first.json"),
        &support::trail_file(&records),
    );
    let index = dir.path().join("index");
    trailhound(&index)
        .args(["ingest", "--commit-every", "1"])
        .arg(&file)
        .assert()
        .success();
    assert_noah_is_credited(&index, "the ARN committed first");
}

#[test]
fn the_demo_credits_its_failed_sign_ins_to_noah_and_raises_auth_05() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("demo");
    trailhound::cli::demo::extract_demo_archive(&archive).unwrap();
    let index = dir.path().join("index");
    trailhound(&index)
        .arg("ingest")
        .arg(archive.join("AWSLogs"))
        .assert()
        .success();
    let noah = "arn:aws:iam::782619047081:user/noah.williams";
    assert_eq!(
        support::count(&index, &format!("@principal:\"{noah}\"")),
        support::count(&index, "userIdentity.userName:\"noah.williams\""),
    );
    assert_eq!(
        support::count(&index, "@principal:AIDAKSGPPYJ6O2A5MFJ6Z"),
        0
    );
    let alerts = alerts_jsonl(&index, &[]);
    let auth05 = alerts
        .iter()
        .find(|a| a["rule_id"] == "AUTH-05")
        .unwrap_or_else(|| panic!("AUTH-05 fires on the demo: {alerts:#?}"));
    assert_eq!(auth05["principal"], noah);
    assert!(
        alerts
            .iter()
            .all(|a| !a["principal"].as_str().unwrap().starts_with("AIDA")),
        "no alert names a raw principalId"
    );
}

/// The alerts a feed holds, as comparable lines (key, count, events).
fn feed(alerts: &[Value]) -> Vec<String> {
    let mut lines: Vec<String> = alerts
        .iter()
        .map(|a| {
            let mut ids: Vec<&str> = a["event_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_str().unwrap())
                .collect();
            ids.sort();
            format!("{} ×{} {}", a["key"], a["count"], ids.join(","))
        })
        .collect();
    lines.sort();
    lines
}

/// Twenty days of alice in us-east-1, a first call in ap-south-1 and in sa-east-1: laid out as
/// the S3 layout is (a folder per region, walked alphabetically: ap-south-1 first).
fn regional_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let records = history(
        20,
        &[
            ("2026-10-21T09:00:00Z", "ap-south-1"),
            ("2026-10-21T10:00:00Z", "sa-east-1"),
        ],
    );
    let mut by_region: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for record in records {
        let region = record["awsRegion"].as_str().unwrap().to_owned();
        by_region.entry(region).or_default().push(record);
    }
    by_region
        .into_iter()
        .map(|(region, records)| {
            write(
                &dir.join(format!(
                    "AWSLogs/111122223333/CloudTrail/{region}/2026/10/01/trail.json"
                )),
                &support::trail_file(&records),
            )
        })
        .collect()
}

#[test]
fn first_seen_alerts_do_not_depend_on_the_order_events_arrive_in() {
    let dir = tempfile::tempdir().unwrap();
    let files = regional_files(dir.path());
    let reference = dir.path().join("reference");
    trailhound(&reference)
        .arg("ingest")
        .arg(dir.path().join("AWSLogs"))
        .assert()
        .success();
    let expected = feed(&alerts_jsonl(&reference, &["--recompute"]));
    assert_eq!(
        expected
            .iter()
            .filter(|line| line.contains("API-03"))
            .count(),
        2,
        "both new regions are first sightings: {expected:#?}"
    );
    assert_eq!(
        feed(&alerts_jsonl(&reference, &[])),
        expected,
        "one ingest of the S3 layout (ap-south-1 read first) raises what recompute raises"
    );

    // The same events split across ingests, in both orders.
    let mut orders = vec![files.clone()];
    orders.push(files.iter().rev().cloned().collect());
    for (n, order) in orders.iter().enumerate() {
        let index = dir.path().join(format!("split-{n}"));
        for file in order {
            trailhound(&index)
                .arg("ingest")
                .arg(file)
                .assert()
                .success();
        }
        assert_eq!(
            feed(&alerts_jsonl(&index, &[])),
            expected,
            "ingests in order {order:?}"
        );
    }

    // Newest first, one event per file, as a LookupEvents pull delivers them.
    let mut records: Vec<Value> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read(file).unwrap();
            let parsed: Value = serde_json::from_slice(&text).unwrap();
            parsed["Records"].as_array().unwrap().clone()
        })
        .collect();
    records.sort_by(|a, b| b["eventTime"].as_str().cmp(&a["eventTime"].as_str()));
    let newest_first = dir.path().join("newest-first");
    let index = dir.path().join("newest-first-index");
    for chunk in records.chunks(20) {
        let file = write(
            &newest_first.join(format!("{}.json", chunk[0]["eventID"].as_str().unwrap())),
            &support::trail_file(chunk),
        );
        trailhound(&index)
            .arg("ingest")
            .arg(&file)
            .assert()
            .success();
    }
    assert_eq!(feed(&alerts_jsonl(&index, &[])), expected, "newest first");
}
