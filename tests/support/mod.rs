//! Shared helpers for integration tests: fixture records, temp archives and indexes, the binary.
#![allow(dead_code)]
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

pub mod case_fixture;
pub mod duckdb;
pub mod query_fixture;

/// A realistic CloudTrail record; `extra` fields are merged over the defaults.
pub fn record(id: &str, event_name: &str, event_source: &str, extra: Value) -> Value {
    let mut record = json!({
        "eventVersion": "1.09",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLE",
            "arn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333",
            "accessKeyId": "AKIAALICE",
            "userName": "alice"
        },
        "eventTime": "2026-11-01T08:00:00Z",
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.10",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "eventID": id,
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management"
    });
    merge(&mut record, extra);
    record
}

fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in b {
                match a.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        a.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

pub fn trail_file(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "Records": records })).unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
    path.to_owned()
}

/// The trailhound binary with its index in `index`.
pub fn trailhound(index: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("trailhound").unwrap();
    command
        .arg("--index")
        .arg(index)
        .env_remove("TRAILHOUND_INDEX");
    command
}

/// `trailhound --index INDEX` with `home` as its home and no AWS configuration taken from the
/// environment (profiles, regions, endpoints, session and container credentials): the fake
/// service's test sets the endpoint, keys and region it needs.
pub fn isolated_aws_command(index: &Path, home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailhound"));
    for variable in [
        "TRAILHOUND_INDEX",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_CLOUDTRAIL",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_S3",
        "AWS_ENDPOINT_URL_ATHENA",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ] {
        command.env_remove(variable);
    }
    command
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .arg("--index")
        .arg(index);
    command
}

/// `../shared/data/<name>`, or `None` (with a note) when the shared corpora are not beside the repo.
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(name);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "skipping: {} is not present (the shared test corpora live beside the repository)",
            path.display()
        );
        None
    }
}

/// `trailhound search --count QUERY` on `index`.
pub fn count(index: &Path, query: &str) -> u64 {
    let output = trailhound(index)
        .args(["search", "--count", query])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap()
}

pub fn stdout_lines(output: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The eventIDs of the events `query` finds on `index` (an event without one as "").
pub fn event_ids(index: &Path, query: &str) -> Vec<String> {
    let output = trailhound(index)
        .args(["search", "--format", "jsonl", "--limit", "1000000", query])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let hit: serde_json::Value = serde_json::from_str(line).unwrap();
            hit["eventID"].as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

/// `index` holds each of `expected` (records with an eventID) exactly once, and nothing else.
pub fn assert_exactly_once(index: &Path, expected: &[serde_json::Value]) {
    let ids = event_ids(index, "*");
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an event was indexed twice");
    let wanted: std::collections::HashSet<String> = expected
        .iter()
        .map(|r| r["eventID"].as_str().unwrap().to_owned())
        .collect();
    let got: std::collections::HashSet<String> = ids.into_iter().collect();
    let missing: Vec<_> = wanted.difference(&got).take(5).collect();
    assert!(missing.is_empty(), "events lost, e.g. {missing:?}");
    assert_eq!(got.len(), wanted.len());
}

/// `trailhound alerts --format jsonl EXTRA...` on `index`, each line parsed.
pub fn alerts_jsonl(index: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
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

/// Runs `python3 ARGS` with `input` on its stdin and gives its stdout; a failure panics with
/// `context` and Python's stderr.
pub fn python(args: &[&str], input: &[u8], context: &str) -> Vec<u8> {
    use std::process::Stdio;
    let mut child = std::process::Command::new("python3")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{context}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}
