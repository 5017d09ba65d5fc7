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

fn lines_of(records: impl Iterator<Item = serde_json::Value>) -> Vec<u8> {
    let mut out = Vec::new();
    for record in records {
        serde_json::to_writer(&mut out, &record).unwrap();
        out.push(b'\n');
    }
    out
}

/// A stream is committed as it is read: events are searchable while standard input is still
/// open, long before the input ends.
#[test]
fn a_long_stream_is_committed_as_it_is_read() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailhound"))
        .arg("--index")
        .arg(&index)
        .args(["ingest", "--commit-every", "100", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let first = lines_of((0..2000).map(|i| {
        record(
            &format!("s-{i}"),
            "GetObject",
            "s3.amazonaws.com",
            json!({}),
        )
    }));
    stdin.write_all(&first).unwrap();
    stdin.flush().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut committed = 0;
    while std::time::Instant::now() < deadline {
        if index.join("meta.json").exists() {
            committed = count(&index, "*");
            if committed > 0 {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "still reading standard input"
    );
    assert!(
        committed > 0,
        "nothing was committed before the input ended"
    );
    let rest = lines_of((2000..2500).map(|i| {
        record(
            &format!("s-{i}"),
            "GetObject",
            "s3.amazonaws.com",
            json!({}),
        )
    }));
    stdin.write_all(&rest).unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(count(&index, "*"), 2500);
}

/// An endless stream that is not JSON is refused at once rather than read into memory.
#[test]
fn an_endless_stream_that_is_not_json_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailhound"))
        .arg("--index")
        .arg(&index)
        .args(["ingest", "/dev/zero"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    if child.try_wait().unwrap().is_none() {
        child.kill().ok();
        child.wait().unwrap();
        panic!("ingest /dev/zero was still reading after 30 s");
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("rejected: /dev/zero: not CloudTrail JSON"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A record over the size limit is refused with a line naming it; the records around it load.
#[test]
fn a_record_over_the_size_limit_is_refused_and_the_rest_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let huge = record(
        "too-big",
        "PutBucketPolicy",
        "s3.amazonaws.com",
        json!({"requestParameters": {"policy": "A".repeat(17 * 1024 * 1024)}}),
    );
    let lines = lines_of(
        [
            record("before", "ListBuckets", "s3.amazonaws.com", json!({})),
            huge.clone(),
            record("after", "ListBuckets", "s3.amazonaws.com", json!({})),
        ]
        .into_iter(),
    );
    let jsonl = write(&dir.path().join("big.jsonl"), &lines);
    let trail = write(
        &dir.path().join("big-trail.json.gz"),
        &gzip(&trail_file(&[
            record("t-before", "ListBuckets", "s3.amazonaws.com", json!({})),
            huge,
            record("t-after", "ListBuckets", "s3.amazonaws.com", json!({})),
        ])),
    );
    let index = dir.path().join("index");
    let output = trailhound(&index)
        .arg("ingest")
        .arg(&jsonl)
        .arg(&trail)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    for file in ["big.jsonl", "big-trail.json.gz"] {
        assert!(
            stderr.contains(&format!(
                "{file}: record 2: larger than the 16 MiB limit for one record; skipped"
            )),
            "{stderr}"
        );
    }
    assert_eq!(count(&index, "*"), 4);
    assert_eq!(count(&index, "eventID:\"too-big\""), 0);
}

/// PowerShell 5.1's `>` writes UTF-16 with a byte order mark; both byte orders are read.
#[test]
fn utf16_files_with_a_byte_order_mark_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = String::from_utf8(trail_file(&[record(
        "u16-1",
        "ListUsers",
        "iam.amazonaws.com",
        json!({"userAgent": "PowerShell ünïcode"}),
    )]))
    .unwrap();
    let mut le = vec![0xff, 0xfe];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let lines = format!(
        "{}\r\n",
        record("u16-2", "ListUsers", "iam.amazonaws.com", json!({}))
    );
    let mut be = vec![0xfe, 0xff];
    be.extend(lines.encode_utf16().flat_map(u16::to_be_bytes));
    let root = dir.path().join("in");
    write(&root.join("le.json"), &le);
    write(&root.join("be.jsonl.gz"), &gzip(&be));
    let index = dir.path().join("index");
    let output = trailhound(&index)
        .arg("ingest")
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
    assert_eq!(summary_field(&stdout, "new"), 2, "{stdout}");
    assert_eq!(count(&index, "userAgent:ünïcode"), 1);
}

/// `cat a.gz b.gz c.gz` with b damaged in the middle: a and c are kept, the damage is named.
#[test]
fn a_corrupt_middle_gzip_member_costs_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let member = |from: usize, to: usize| {
        gzip(&lines_of((from..to).map(|i| {
            record(
                &format!("m-{i}"),
                "GetObject",
                "s3.amazonaws.com",
                json!({"requestParameters": {"key": format!("k/{i}/{}", i * 7919 % 1013)}}),
            )
        })))
    };
    let mut input = member(0, 100);
    let damaged_from = input.len();
    let mut middle = member(100, 200);
    let cut = middle.len() / 2;
    middle[cut..cut + 200].fill(0x55);
    input.extend(&middle);
    input.extend(member(200, 300));
    let file = write(&dir.path().join("members.jsonl.gz"), &input);
    let index = dir.path().join("index");
    let output = trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("members.jsonl.gz: gzip stream is corrupt or truncated")
            && stderr.contains(&format!("in compressed bytes {damaged_from}..")),
        "{stderr}"
    );
    let ids = |from: usize, to: usize| {
        (from..to)
            .filter(|i| count(&index, &format!("eventID:\"m-{i}\"")) == 1)
            .count()
    };
    assert_eq!(ids(0, 10), 10, "the first member is kept");
    assert_eq!(ids(290, 300), 10, "the member after the damage is kept");
    let kept = count(&index, "*");
    assert!((200..=300).contains(&kept), "{kept}");
}

/// A duplicate `"Records"` key does not hide the records of either array.
#[test]
fn a_duplicate_records_key_loses_neither_array() {
    let dir = tempfile::tempdir().unwrap();
    let a = record("dup-a", "ListUsers", "iam.amazonaws.com", json!({}));
    let b = record("dup-b", "ListUsers", "iam.amazonaws.com", json!({}));
    let file = write(
        &dir.path().join("dup.json"),
        format!(r#"{{"Records":[{a}],"Records":[{b}]}}"#).as_bytes(),
    );
    let index = dir.path().join("index");
    let output = trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("dup.json: the document has more than one \"Records\" key"),
        "{stderr}"
    );
    assert_eq!(count(&index, "*"), 2);
}

/// An event without a usable time is kept but said, since no time filter will find it.
#[test]
fn a_missing_or_invalid_event_time_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let mut no_time = record("t-none", "ListUsers", "iam.amazonaws.com", json!({}));
    no_time.as_object_mut().unwrap().remove("eventTime");
    let lines = lines_of(
        [
            record("t-ok", "ListUsers", "iam.amazonaws.com", json!({})),
            no_time,
            record(
                "t-bad",
                "ListUsers",
                "iam.amazonaws.com",
                json!({"eventTime": "yesterday"}),
            ),
        ]
        .into_iter(),
    );
    let file = write(&dir.path().join("times.jsonl"), &lines);
    let index = dir.path().join("index");
    let output = trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        stderr.contains("warning: ") && stderr.contains("times.jsonl: record 2: no eventTime"),
        "{stderr}"
    );
    assert!(
        stderr.contains("times.jsonl: record 3: eventTime \"yesterday\" is not a valid time"),
        "{stderr}"
    );
    assert_eq!(summary_field(&stdout, "warnings"), 2, "{stdout}");
    assert_eq!(count(&index, "*"), 3);
}

/// A record's own top-level `@file` / `@principal` keys cannot pass for trailhound's derived
/// fields; they stay searchable under `@@…`, and the raw record is kept verbatim.
#[test]
fn record_keys_cannot_spoof_derived_fields() {
    let dir = tempfile::tempdir().unwrap();
    let spoof = record(
        "spoof-1",
        "ListUsers",
        "iam.amazonaws.com",
        json!({"@file": "/etc/passwd", "@principal": "arn:aws:iam::111122223333:root"}),
    );
    let file = write(
        &dir.path().join("spoof.jsonl"),
        &lines_of([spoof].into_iter()),
    );
    let index = dir.path().join("index");
    trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(count(&index, "@file:\"/etc/passwd\""), 0);
    assert_eq!(
        count(&index, "@principal:\"arn:aws:iam::111122223333:root\""),
        0
    );
    let path = std::fs::canonicalize(&file).unwrap();
    assert_eq!(count(&index, &format!("@file:\"{}\"", path.display())), 1);
    assert_eq!(count(&index, "@@file:\"/etc/passwd\""), 1);
    let shown = trailhound(&index)
        .args(["show", "spoof-1"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains("/etc/passwd"));
}

/// Mounts a small tmpfs at `at` for as long as it lives; `None` (with a note) where that is not
/// possible (not root, or no mount permission).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(at: &std::path::Path, size: &str) -> Option<SmallDisk> {
        std::fs::create_dir_all(at).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!(
                "skipping: cannot mount a small tmpfs here (needs root and mount permission)"
            );
            return None;
        }
        Some(SmallDisk(at.to_owned()))
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// A full disk is said plainly, naming the index, and leaves no temporary files behind: whether
/// the index writer or the alert files beside it hit it first.
#[test]
fn a_full_disk_is_said_plainly_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let records = lines_of((0..20_000).map(|i| {
        record(
            &format!("full-{i}"),
            "GetObject",
            "s3.amazonaws.com",
            json!({"requestParameters": {"key": format!("{i:x}/{}", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15))}}),
        )
    }));
    let file = write(&dir.path().join("many.jsonl"), &records);
    for rules in [&[][..], &["--no-rules"][..]] {
        let index = dir.path().join(format!("index{}", rules.len()));
        let Some(_disk) = SmallDisk::mount(&index, "2m") else {
            return;
        };
        let output = trailhound(&index)
            .args(["ingest", "--commit-every", "2000"])
            .args(rules)
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{rules:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "the disk holding the index at {} is full (no space left on device)",
                index.display()
            )),
            "{rules:?}: {stderr}"
        );
        assert!(!stderr.contains("killed"), "{stderr}");
        let leftovers: Vec<_> = std::fs::read_dir(&index)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
}
