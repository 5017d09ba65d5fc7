//! Small contracts of the commands: ids by a unique start, the demo's index, what ingest refuses,
//! and a broken config file said by every command that reads it.
mod support;

use predicates::str::contains;
use serde_json::json;
use support::{record, trailhound, write};

fn jsonl(records: &[serde_json::Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

#[test]
fn show_takes_a_unique_start_of_an_event_id() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let file = write(
        &dir.path().join("e.jsonl"),
        jsonl(&[
            record(
                "3c1b7b0a-1111-4c2e-9d1a-000000000001",
                "StopLogging",
                "cloudtrail.amazonaws.com",
                json!({}),
            ),
            record(
                "3c1b9999-2222-4c2e-9d1a-000000000002",
                "DeleteTrail",
                "cloudtrail.amazonaws.com",
                json!({}),
            ),
            record(
                "77aa0000-3333-4c2e-9d1a-000000000003",
                "GetObject",
                "s3.amazonaws.com",
                json!({}),
            ),
        ])
        .as_bytes(),
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .assert()
        .success();
    trailhound(&index)
        .args(["show", "3c1b7b"])
        .assert()
        .success()
        .stdout(contains("\"eventName\": \"StopLogging\""));
    trailhound(&index)
        .args(["show", "77aa"])
        .assert()
        .success()
        .stdout(contains("GetObject"));
    trailhound(&index)
        .args(["show", "3c1b"])
        .assert()
        .failure()
        .stderr(contains("is the start of 2 event ids"))
        .stderr(contains("3c1b7b0a-1111-4c2e-9d1a-000000000001"));
    trailhound(&index)
        .args(["show", "3c1"])
        .assert()
        .failure()
        .stderr(contains("no event with id 3c1"));
    trailhound(&index)
        .args(["show", "ffff"])
        .assert()
        .failure()
        .stderr(contains("no event with id ffff"));
}

#[test]
fn demo_honours_index() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("kept");
    trailhound(&index)
        .args(["demo", "--print"])
        .assert()
        .success()
        .stdout(contains("Who turned off logging?"));
    assert_eq!(
        support::count(&index, "*"),
        3000,
        "the demo is in the index given"
    );
    // Again: nothing twice.
    trailhound(&index)
        .args(["demo", "--print"])
        .assert()
        .success();
    assert_eq!(support::count(&index, "*"), 3000);
}

#[test]
fn ingest_refuses_a_bad_bucket_url_and_bucket_options_without_a_bucket_before_touching_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    trailhound(&index)
        .args(["ingest", "s3://Acme_Trail/AWSLogs/"])
        .assert()
        .code(2)
        .stderr(contains("`Acme_Trail` is not an S3 bucket name"));
    let file = write(&dir.path().join("e.jsonl"), b"{}");
    trailhound(&index)
        .args(["ingest", "--since", "3d"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(contains("select what is read from an s3:// bucket"));
    assert!(!index.exists(), "no empty index left behind");
}

#[test]
fn a_broken_config_file_is_said_by_search_and_alerts_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let file = write(
        &dir.path().join("e.jsonl"),
        jsonl(&[record(
            "e1",
            "StopLogging",
            "cloudtrail.amazonaws.com",
            json!({}),
        )])
        .as_bytes(),
    );
    trailhound(&index)
        .arg("ingest")
        .arg(&file)
        .assert()
        .success();
    let config = write(
        &dir.path().join("config.toml"),
        b"[rules]\ndisabled = [\"TAG-01\"]\n\n[ui]\nthem = \"light\"\n",
    );
    let shown = config.display().to_string();
    for args in [
        vec!["search", "*"],
        vec!["alerts"],
        vec!["search", "--count", "*"],
    ] {
        trailhound(&index)
            .arg("--config")
            .arg(&config)
            .args(&args)
            .assert()
            .success()
            .stderr(contains(format!("{shown}:5")))
            .stderr(contains("not used until it is fixed"));
    }
    // A good file with the UI's settings is accepted by the same commands.
    let good = write(
        &dir.path().join("good.toml"),
        b"[ui]\ntheme = \"light\"\nkeymap = \"vim\"\n",
    );
    trailhound(&index)
        .arg("--config")
        .arg(&good)
        .args(["search", "--count", "*"])
        .assert()
        .success()
        .stderr("");
}
