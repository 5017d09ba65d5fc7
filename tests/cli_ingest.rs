//! The CLI contract for `ingest`: every input shape, every kind of damage, dedupe, locking and
//! crash safety, checked through the real binary and the real on-disk index.
mod support;

use predicates::prelude::*;
use serde_json::json;
use support::{count, gzip, record, stdout_lines, trail_file, trailhound, write};

fn summary_field(stdout: &str, field: &str) -> u64 {
    stdout
        .split(", ")
        .find_map(|part| {
            part.trim()
                .strip_prefix(field)
                .map(|n| n.trim().parse().unwrap())
        })
        .unwrap_or_else(|| panic!("no {field} in {stdout}"))
}

#[test]
fn every_input_shape_is_recognised_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    let layout = "AWSLogs/o-abc123/111122223333/CloudTrail/us-east-1/2026/11/01";
    write(
        &root
            .join(layout)
            .join("111122223333_CloudTrail_us-east-1_20261101T0800Z_a.json.gz"),
        &gzip(&trail_file(&[
            record("gz-1", "ListBuckets", "s3.amazonaws.com", json!({})),
            record("gz-2", "GetObject", "s3.amazonaws.com", json!({})),
        ])),
    );
    write(
        &root.join(layout).join("plain_named.json.gz"),
        &trail_file(&[record(
            "plain-1",
            "ListUsers",
            "iam.amazonaws.com",
            json!({}),
        )]),
    );
    write(
        &root.join("AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2026/11/01/i.json.gz"),
        &gzip(&trail_file(&[
            json!({"eventVersion": "1.08", "eventTime": "2026-11-01T08:00:00Z", "awsRegion": "us-east-1", "eventID": "insight-1",
            "eventType": "AwsCloudTrailInsight", "recipientAccountId": "111122223333", "sharedEventID": "s1", "eventCategory": "Insight",
            "insightDetails": {"state": "Start", "eventSource": "iam.amazonaws.com", "eventName": "ListUsers", "insightType": "ApiCallRateInsight"}}),
        ])),
    );
    write(&root.join("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/01/d.json.gz"),
        &gzip(br#"{"awsAccountId":"111122223333","digestStartTime":"2026-11-01T07:00:00Z","logFiles":[]}"#));
    let lines = format!(
        "{}\n{}\n",
        record("jl-1", "DescribeInstances", "ec2.amazonaws.com", json!({})),
        record("jl-2", "RunInstances", "ec2.amazonaws.com", json!({}))
    );
    write(&root.join("exports/athena.jsonl"), lines.as_bytes());
    write(
        &root.join("exports/array.json"),
        serde_json::to_string(&vec![record(
            "arr-1",
            "GetSecretValue",
            "secretsmanager.amazonaws.com",
            json!({}),
        )])
        .unwrap()
        .as_bytes(),
    );
    let inner =
        |id: &str| record(id, "ConsoleLogin", "signin.amazonaws.com", json!({})).to_string();
    write(
        &root.join("exports/cli-v2.json"),
        json!({"Events": [{"EventId": "cli2-1", "EventName": "ConsoleLogin", "ReadOnly": "false",
        "EventTime": "2026-11-01T09:00:00+01:00", "CloudTrailEvent": inner("cli2-1")}]})
        .to_string()
        .as_bytes(),
    );
    write(&root.join("exports/cli-v1.json"), json!({"Events": [{"EventId": "cli1-1", "EventTime": 1761984000.0, "CloudTrailEvent": inner("cli1-1")}]}).to_string().as_bytes());
    write(&root.join("notes/README.txt"), b"not an archive");

    let index = dir.path().join("index");
    let output = trailhound(&index)
        .args(["ingest"])
        .arg(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(summary_field(&stdout, "new"), 9, "{stdout}");
    assert_eq!(
        summary_field(&stdout, "skipped"),
        2,
        "digest + README: {stdout}"
    );
    assert_eq!(summary_field(&stdout, "rejected"), 0);
    assert_eq!(count(&index, "*"), 9);
    assert_eq!(count(&index, "eventType:AwsCloudTrailInsight"), 1);

    let stdin_index = dir.path().join("stdin-index");
    trailhound(&stdin_index)
        .args(["ingest", "-"])
        .write_stdin(gzip(&trail_file(&[record(
            "stdin-1",
            "ListRoles",
            "iam.amazonaws.com",
            json!({}),
        )])))
        .assert()
        .success()
        .stdout(predicate::str::contains("new 1"));
    let info = trailhound(&stdin_index).arg("info").output().unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("source    stdin"));
}

#[test]
fn damaged_input_costs_only_the_damaged_records() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    let good: Vec<_> = (0..50)
        .map(|i| {
            record(
                &format!("ok-{i}"),
                "ListBuckets",
                "s3.amazonaws.com",
                json!({"requestParameters": {"pad": (0..400).map(|j| (b'a' + ((i * 31 + j * j * 7) % 26) as u8) as char).collect::<String>()}}),
            )
        })
        .collect();
    let whole = gzip(&trail_file(&good));
    write(
        &root.join("truncated.json.gz"),
        &whole[..whole.len() * 2 / 3],
    );
    write(
        &root.join("invalid.json"),
        br#"{"Records":[{"eventID":"inv-1","eventName":"X"},{"eventID": oops},{"eventID":"inv-3","eventName":"X"},17,"text"]}"#,
    );
    write(
        &root.join("no-id.jsonl"),
        b"{\"eventName\":\"NoId\",\"eventTime\":\"2026-11-01T08:00:00Z\"}\n",
    );
    let huge = record(
        "huge-1",
        "PutBucketPolicy",
        "s3.amazonaws.com",
        json!({"requestParameters": {"policy": "A".repeat(10 * 1024 * 1024)}}),
    );
    write(&root.join("huge.json"), &trail_file(&[huge]));
    write(
        &root.join("latin1.jsonl"),
        b"{\"eventID\":\"bytes-1\",\"eventName\":\"X\",\"userAgent\":\"caf\xe9\"}\n{\"eventID\":\"bytes-2\",\"eventName\":\"X\"}\n",
    );
    // Some other JSON beside the trail: not an event with no time.
    write(&root.join("labels.json"), br#"{"seed":2026,"events":3000}"#);
    std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
    std::os::unix::fs::symlink(root.join("missing-target"), root.join("dangling.json")).unwrap();

    let index = dir.path().join("index");
    let output = trailhound(&index)
        .args(["ingest"])
        .arg(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(
        output.status.code(),
        Some(3),
        "some input was rejected: {stdout}{stderr}"
    );
    assert!(
        stderr.contains("truncated.json.gz: gzip stream is corrupt or truncated"),
        "{stderr}"
    );
    assert!(
        stderr.contains("invalid.json: record 2: invalid JSON"),
        "{stderr}"
    );
    assert!(
        stderr.contains("invalid.json: record 4: not a JSON object (found a number)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("invalid.json: record 5: not a JSON object (found a string)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no-id.jsonl: record 1: no eventID; using the stable id trailhound-"),
        "{stderr}"
    );
    assert!(
        stderr.contains("latin1.jsonl: record 1: invalid UTF-8 bytes replaced"),
        "{stderr}"
    );
    assert!(
        stderr.contains("labels.json: record 1: not a CloudTrail record"),
        "{stderr}"
    );
    assert!(stderr.contains("symlink loop"), "{stderr}");
    assert!(stderr.contains("dangling.json"), "{stderr}");

    let truncated_kept = count(&index, "eventName:ListBuckets");
    assert!(
        truncated_kept > 0 && truncated_kept < 50,
        "complete records before the damage land: {truncated_kept}"
    );
    assert_eq!(
        count(&index, "eventID.keyword:inv-1 OR eventID.keyword:inv-3"),
        2
    );
    assert_eq!(count(&index, "eventName:NoId"), 1);
    assert_eq!(count(&index, "eventID.keyword:huge-1"), 1);
    assert_eq!(
        count(&index, "eventID:\"bytes-1\" OR eventID:\"bytes-2\""),
        2
    );
    let huge = trailhound(&index)
        .args(["show", "huge-1"])
        .output()
        .unwrap();
    assert!(huge.status.success() && huge.stdout.len() > 10 * 1024 * 1024);

    // Ingesting the same damaged tree again adds nothing and loses nothing.
    let again = trailhound(&index)
        .args(["ingest"])
        .arg(&root)
        .output()
        .unwrap();
    let again_stdout = String::from_utf8_lossy(&again.stdout).to_string();
    assert_eq!(summary_field(&again_stdout, "new"), 0, "{again_stdout}");
    assert_eq!(count(&index, "*"), summary_field(&stdout, "new"));
}

#[test]
fn dedupe_by_event_id_across_runs_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<_> = (0..20)
        .map(|i| {
            record(
                &format!("e-{i}"),
                "ListUsers",
                "iam.amazonaws.com",
                json!({}),
            )
        })
        .collect();
    let gz = write(
        &dir.path().join("a/trail.json.gz"),
        &gzip(&trail_file(&records)),
    );
    let lines: String = records[10..]
        .iter()
        .chain(std::iter::once(&records[0]))
        .map(|r| format!("{r}\n"))
        .collect();
    let jsonl = write(&dir.path().join("b/export.jsonl"), lines.as_bytes());
    let index = dir.path().join("index");
    trailhound(&index)
        .arg("ingest")
        .arg(&gz)
        .assert()
        .success()
        .stdout(predicate::str::contains("new 20, duplicates 0"));
    trailhound(&index)
        .arg("ingest")
        .arg(&gz)
        .assert()
        .success()
        .stdout(predicate::str::contains("new 0, duplicates 20"));
    trailhound(&index)
        .arg("ingest")
        .arg(&jsonl)
        .arg(&gz)
        .assert()
        .success()
        .stdout(predicate::str::contains("new 0, duplicates 31"));
    assert_eq!(count(&index, "*"), 20);
}

#[test]
fn search_show_top_info_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let records = vec![
        record(
            "first",
            "ListUsers",
            "iam.amazonaws.com",
            json!({"eventTime": "2026-11-01T08:00:00Z", "sourceIPAddress": "203.0.113.5"}),
        ),
        record(
            "second",
            "StopLogging",
            "cloudtrail.amazonaws.com",
            json!({"eventTime": "2026-11-01T09:00:00Z", "sourceIPAddress": "203.0.113.5",
            "userAgent": "evil\u{1b}]0;owned\u{7}\u{1b}[2J"}),
        ),
        record(
            "third",
            "ListUsers",
            "iam.amazonaws.com",
            json!({"eventTime": "2026-11-01T10:00:00Z", "sourceIPAddress": "198.51.100.1"}),
        ),
    ];
    let file = write(&dir.path().join("t.json"), &trail_file(&records));
    let index = dir.path().join("index");
    trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .assert()
        .success();

    let table = trailhound(&index)
        .args(["search", "eventName:ListUsers"])
        .output()
        .unwrap();
    let lines = stdout_lines(&table);
    assert!(lines[0].starts_with("TIME"));
    assert!(
        lines[1].contains("2026-11-01T10:00:00Z") && lines[2].contains("2026-11-01T08:00:00Z"),
        "newest first: {lines:?}"
    );

    let jsonl = trailhound(&index)
        .args(["search", "", "--format", "jsonl"])
        .output()
        .unwrap();
    let jsonl_lines = stdout_lines(&jsonl);
    assert_eq!(jsonl_lines.len(), 3);
    assert!(jsonl_lines
        .iter()
        .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()));
    assert!(
        !jsonl.stdout.contains(&0x1b),
        "escape sequences never reach the terminal raw"
    );

    let table_all = trailhound(&index)
        .args(["search", "--limit", "1", "--format", "csv", "*"])
        .output()
        .unwrap();
    let csv_text = String::from_utf8_lossy(&table_all.stdout).to_string();
    assert!(csv_text.starts_with("event_time,event_id"), "{csv_text}");
    assert_eq!(csv_text.lines().count(), 2);

    trailhound(&index)
        .args(["search", "--count", "ip:203.0.113.0/24"])
        .assert()
        .success()
        .stdout("2\n");
    trailhound(&index)
        .args([
            "search",
            "--count",
            "--since",
            "2026-11-01T08:30:00Z",
            "--until",
            "2026-11-01T09:30:00Z",
        ])
        .assert()
        .success()
        .stdout("1\n");

    let show = trailhound(&index)
        .args(["show", "second"])
        .output()
        .unwrap();
    assert!(show.status.success());
    let shown: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown, records[1], "show returns the original record");
    assert!(!show.stdout.contains(&0x1b) && !show.stdout.contains(&0x07));
    trailhound(&index)
        .args(["show", "nope"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no event with id nope"));

    trailhound(&index)
        .args(["top", "sourceIPAddress"])
        .assert()
        .success()
        .stdout("2  203.0.113.5\n1  198.51.100.1\n");
    trailhound(&index)
        .args(["top", "ip", "eventName:ListUsers"])
        .assert()
        .success()
        .stdout("1  198.51.100.1\n1  203.0.113.5\n");
    trailhound(&index)
        .args(["top", "eventName", "--limit", "1"])
        .assert()
        .success()
        .stdout("2  ListUsers\n");

    trailhound(&index).arg("info").assert().success().stdout(
        predicate::str::contains("events    3").and(predicate::str::contains("111122223333 (3)")),
    );

    trailhound(&index)
        .args(["search", "eventName:("])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("column"));
    trailhound(&index)
        .args(["search", "--bogus"])
        .assert()
        .code(2);
    trailhound(&index)
        .args(["search", "x", "--since", "yesterdayish"])
        .assert()
        .code(2);
    trailhound(&dir.path().join("nothing-here"))
        .args(["search", "x"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ingest something first"));
    trailhound(&index)
        .args(["ingest"])
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(3);
    // Global options work after the subcommand too.
    assert_cmd::Command::cargo_bin("trailhound")
        .unwrap()
        .args(["search", "--count", "*", "--index"])
        .arg(&index)
        .assert()
        .success()
        .stdout("3\n");
    assert_cmd::Command::cargo_bin("trailhound")
        .unwrap()
        .env("TRAILHOUND_INDEX", &index)
        .args(["search", "--count"])
        .assert()
        .success()
        .stdout("3\n");
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let mut first = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailhound"))
        .arg("--index")
        .arg(&index)
        .args(["ingest", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The first ingest holds the writer lock while it waits for stdin.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !index.join(".tantivy-writer.lock").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let file = write(
        &dir.path().join("t.json"),
        &trail_file(&[record("x", "ListUsers", "iam.amazonaws.com", json!({}))]),
    );
    let second = trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&second.stderr)
        .contains("being written by another trailhound process"));

    use std::io::Write as _;
    first
        .stdin
        .take()
        .unwrap()
        .write_all(&trail_file(&[record(
            "y",
            "ListUsers",
            "iam.amazonaws.com",
            json!({}),
        )]))
        .unwrap();
    assert!(first.wait().unwrap().success());
    trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(count(&index, "*"), 2);
}
