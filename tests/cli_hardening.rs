//! Hostile arguments and hostile event text at the command line: times too far back, invisible
//! characters, spreadsheet formulas in CSV cells.
#[path = "support/fake_cloudtrail.rs"]
mod fake_cloudtrail;
mod support;

use std::time::Duration;

use serde_json::json;
use support::{record, trail_file, trailhound, write};

#[test]
fn a_since_too_far_back_is_a_usage_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let commands: [&[&str]; 6] = [
        &["search", "--since", "300000y"],
        &["search", "--since", "now-300000y"],
        &["top", "eventName", "--since", "300000y"],
        &["alerts", "--since", "300000y"],
        &["pull", "--since", "300000y"],
        &["pull", "--start", "300000y"],
    ];
    for args in commands {
        let output = trailhound(&index).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "`{}`:\n{stderr}",
            args.join(" ")
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.contains("300000y"),
            "the error names the value: {stderr}"
        );
    }
}

#[test]
fn a_query_time_too_far_back_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let archive = write(
        &dir.path().join("trail.json"),
        &trail_file(&[record("e-1", "ListBuckets", "s3.amazonaws.com", json!({}))]),
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    let output = trailhound(&index)
        .args(["search", "eventTime:[now-300000y TO now]"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101), "{stderr}");
}

/// An index holding one event whose user name and user agent carry `text`.
fn index_with_text(dir: &std::path::Path, user: &str, agent: &str) -> std::path::PathBuf {
    let index = dir.join("index");
    let event = record(
        "evil-1",
        "GetObject",
        "s3.amazonaws.com",
        json!({
            "userIdentity": {
                "arn": format!("arn:aws:iam::111122223333:user/{user}"),
                "userName": user,
            },
            "userAgent": agent,
        }),
    );
    let archive = write(&dir.join("trail.json"), &trail_file(&[event]));
    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    index
}

const INVISIBLE: [char; 12] = [
    '\u{200b}',
    '\u{200c}',
    '\u{200d}',
    '\u{feff}',
    '\u{ad}',
    '\u{2060}',
    '\u{2064}',
    '\u{202a}',
    '\u{202e}',
    '\u{2066}',
    '\u{2069}',
    '\u{e0041}',
];

#[test]
fn invisible_characters_are_shown_escaped_everywhere_the_cli_prints_text() {
    let dir = tempfile::tempdir().unwrap();
    let hidden: String = INVISIBLE.iter().collect();
    let user = format!("ro{hidden}ot");
    let index = index_with_text(dir.path(), &user, &format!("curl{hidden}/8"));
    let runs: [&[&str]; 5] = [
        &["search"],
        &["search", "--format", "jsonl"],
        &["search", "--format", "csv"],
        &["show", "evil-1"],
        &["top", "user"],
    ];
    for args in runs {
        let output = trailhound(&index).args(args).output().unwrap();
        assert!(output.status.success(), "`{}`", args.join(" "));
        let stdout = String::from_utf8_lossy(&output.stdout);
        for c in INVISIBLE {
            assert!(
                !stdout.contains(c),
                "`{}` printed U+{:04X} raw:\n{stdout}",
                args.join(" "),
                c as u32
            );
        }
        // The table clips long cells: the first escape is always there.
        assert!(
            stdout.contains("200b"),
            "`{}` does not show the escapes:\n{stdout}",
            args.join(" ")
        );
    }
    // The JSON stays the same JSON.
    let output = trailhound(&index)
        .args(["search", "--format", "jsonl"])
        .output()
        .unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(parsed["userIdentity"]["userName"], user.as_str());
}

#[test]
fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let hostile = [
        "=HYPERLINK(\"http://evil.example/\",\"click\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
    ];
    let events: Vec<_> = hostile
        .iter()
        .enumerate()
        .map(|(n, text)| {
            record(
                &format!("csv-{n}"),
                text,
                "s3.amazonaws.com",
                json!({
                    "userAgent": text,
                    "userIdentity": {"arn": format!("arn:aws:iam::111122223333:user/{text}")},
                    "errorCode": text,
                }),
            )
        })
        .collect();
    let archive = write(&dir.path().join("trail.json"), &trail_file(&events));
    trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();

    let output = trailhound(&index)
        .args(["search", "--format", "csv"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let mut rows = 0;
    let mut agents = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        rows += 1;
        for (name, cell) in headers.iter().zip(row.iter()) {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "column {name} holds a live formula: {cell:?}"
            );
        }
        agents.push(row.get(9).unwrap().to_owned());
    }
    assert_eq!(rows, hostile.len());
    assert!(
        agents.contains(&"'=HYPERLINK(\"http://evil.example/\",\"click\")".to_owned()),
        "the value is kept, behind a quote: {agents:?}"
    );
}

/// A LookupEvents endpoint that does not answer in time: each retry is told as it happens
/// (region, reason, when the pull gives up), not only in one line at the end.
#[test]
fn a_pull_to_an_endpoint_that_does_not_answer_shows_each_retry() {
    use fake_cloudtrail::{FakeCloudTrail, Fault};
    let fake = FakeCloudTrail::start();
    fake.inject(
        Some("us-east-1"),
        Fault::Slow(Duration::from_secs(30)),
        1000,
    );
    let dir = tempfile::tempdir().unwrap();
    let output = fake
        .command(&dir.path().join("index"), dir.path())
        .args([
            "pull",
            "--no-rules",
            "--region",
            "us-east-1",
            "--since",
            "1h",
        ])
        .args([
            "--request-timeout",
            "0.2",
            "--backoff-ms",
            "10",
            "--chains",
            "1",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let retries: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("us-east-1") && line.contains("retry"))
        .collect();
    assert!(
        retries.len() >= 3,
        "the retries were not shown as they happened:\n{stderr}"
    );
    for line in &retries {
        assert!(line.contains("timed out"), "no reason in {line:?}");
        assert!(line.contains("gives up"), "no bound in {line:?}");
    }
    assert!(stderr.contains("pull again"), "{stderr}");
}
