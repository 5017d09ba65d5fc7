//! CloudTrail as other tools export it: SQL engines (Athena, Snowflake) fold the keys to lower
//! case and carry the free-form members as JSON text; some write `"errorCode": ""` for a call
//! that succeeded. Each must read as the CloudTrail record it came from.
mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};
use support::{shared_data, stdout_lines, trailhound, write};

/// The keys an Athena table over CloudTrail lower-cases: every key but those inside the
/// service's own members, which become JSON text.
fn as_athena_row(record: &Value) -> Value {
    fn fold(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.to_lowercase(), fold(v)))
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(fold).collect()),
            other => other.clone(),
        }
    }
    let mut row = Map::new();
    for (key, value) in record.as_object().expect("a record") {
        let folded = match key.as_str() {
            "requestParameters" | "responseElements" | "additionalEventData" => match value {
                Value::Null => Value::Null,
                other => Value::String(other.to_string()),
            },
            _ => fold(value),
        };
        row.insert(key.to_lowercase(), folded);
    }
    row.entry("errorcode")
        .or_insert(Value::String(String::new()));
    Value::Object(row)
}

fn records_of(file: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(file).expect("read");
    match serde_json::from_str::<Value>(&text).expect("json") {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("Records") {
            Some(Value::Array(items)) => items,
            _ => panic!("no records"),
        },
        _ => panic!("not records"),
    }
}

fn jsonl(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

fn count(index: &Path, query: &str) -> u64 {
    support::count(index, query)
}

/// (rule id, principal) of every alert.
fn alerts(index: &Path) -> BTreeSet<(String, String)> {
    let output = trailhound(index)
        .args(["alerts", "--format", "jsonl"])
        .output()
        .expect("alerts");
    stdout_lines(&output)
        .iter()
        .map(|line| {
            let alert: Value = serde_json::from_str(line).expect("alert");
            (
                alert["rule_id"].as_str().unwrap_or_default().to_owned(),
                alert["principal"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn an_athena_export_of_a_real_detonation_reads_as_the_original() {
    let Some(dir) = shared_data("stratus-detonation-logs") else {
        return;
    };
    let work = tempfile::tempdir().expect("dir");
    let mut originals = Vec::new();
    for name in [
        "aws.defense-evasion.cloudtrail-stop.json",
        "aws.persistence.iam-create-admin-user.json",
        "aws.credential-access.secretsmanager-retrieve-secrets.json",
    ] {
        originals.extend(records_of(&dir.join(name)));
    }
    let original = write(
        &work.path().join("original.jsonl"),
        jsonl(&originals).as_bytes(),
    );
    let rows: Vec<Value> = originals.iter().map(as_athena_row).collect();
    assert!(rows[0].get("eventname").is_some() && rows[0].get("eventName").is_none());
    let athena = write(&work.path().join("athena.jsonl"), jsonl(&rows).as_bytes());

    let (plain_index, athena_index) = (work.path().join("plain"), work.path().join("athena"));
    trailhound(&plain_index)
        .arg("ingest")
        .arg(&original)
        .assert()
        .success();
    let ingested = trailhound(&athena_index)
        .arg("ingest")
        .arg(&athena)
        .output()
        .expect("ingest");
    let stdout = String::from_utf8_lossy(&ingested.stdout);
    let stderr = String::from_utf8_lossy(&ingested.stderr);
    assert!(stdout.contains("rejected 0"), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.matches("keys in another case").count(),
        1,
        "said once for the file: {stderr}"
    );
    assert!(stderr.contains("athena.jsonl"), "{stderr}");

    for query in [
        "*",
        "eventName:StopLogging",
        "eventName:StopLogging AND sourceIPAddress:*",
        "userIdentity.type:IAMUser",
        "requestParameters.name:*",
        "_exists_:errorCode",
        "errorCode:*",
        "@principal:*",
    ] {
        assert_eq!(
            count(&athena_index, query),
            count(&plain_index, query),
            "{query}"
        );
    }
    assert!(count(&athena_index, "eventName:StopLogging") > 0);
    assert_eq!(alerts(&athena_index), alerts(&plain_index));
    assert!(!alerts(&athena_index).is_empty());

    // The record is kept as it came; the table reads it by CloudTrail's names.
    let table = trailhound(&athena_index)
        .args(["search", "eventName:StopLogging"])
        .output()
        .expect("search");
    assert!(String::from_utf8_lossy(&table.stdout).contains("StopLogging"));
    let raw = trailhound(&athena_index)
        .args(["search", "eventName:StopLogging", "--format", "jsonl"])
        .output()
        .expect("search");
    let first: Value = serde_json::from_str(&stdout_lines(&raw)[0]).expect("json");
    assert!(first.get("eventname").is_some(), "as written: {first}");
}

#[test]
fn an_empty_error_code_is_a_successful_call() {
    let work = tempfile::tempdir().expect("dir");
    let index = work.path().join("index");
    let ok = support::record(
        "ok-1",
        "ModifyInstanceAttribute",
        "ec2.amazonaws.com",
        serde_json::json!({"errorCode": "", "errorMessage": "",
            "requestParameters": {"instanceId": "i-0abc", "userData": "<sensitiveDataRemoved>", "attribute": "userData"}}),
    );
    let failed = support::record(
        "failed-1",
        "ModifyInstanceAttribute",
        "ec2.amazonaws.com",
        serde_json::json!({"errorCode": "Client.UnauthorizedOperation",
            "requestParameters": {"instanceId": "i-0abc", "userData": "<sensitiveDataRemoved>", "attribute": "userData"}}),
    );
    let file = write(
        &work.path().join("export.jsonl"),
        jsonl(&[ok, failed]).as_bytes(),
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(count(&index, "_exists_:errorCode"), 1);
    assert_eq!(count(&index, "errorCode:*"), 1);
    // EC2-03 leaves failed calls out with `errorCode|exists`: the successful one fires it.
    let fired = alerts(&index);
    assert!(fired.iter().any(|(rule, _)| rule == "EC2-03"), "{fired:?}");
    let table = trailhound(&index)
        .args(["search", "eventID:ok-1", "--format", "csv"])
        .output()
        .expect("search");
    let row = &stdout_lines(&table)[1];
    assert!(
        row.contains(",198.51.100.10,,aws-cli/2.15.0,"),
        "no error: {row}"
    );
}
