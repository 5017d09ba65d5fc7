//! How the UI's entry points behave when there is no terminal: scripts keep working.
use assert_cmd::Command;
use predicates::str::contains;

#[test]
fn demo_prints_its_walk_when_stdout_is_not_a_terminal() {
    Command::cargo_bin("trailhound")
        .expect("binary")
        .arg("demo")
        .assert()
        .success()
        .stdout(contains("Who turned off logging?: 2 events"));
    Command::cargo_bin("trailhound")
        .expect("binary")
        .args(["demo", "--print"])
        .assert()
        .success()
        .stdout(contains("demo archive ingested"));
}

#[test]
fn the_ui_without_a_terminal_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    let index = dir.path().join("index");
    trailhound::index::TrailIndex::open_or_create(&index).expect("index");
    Command::cargo_bin("trailhound")
        .expect("binary")
        .arg("--index")
        .arg(&index)
        .arg("tui")
        .assert()
        .failure()
        .stderr(contains("needs a terminal"));
    Command::cargo_bin("trailhound")
        .expect("binary")
        .arg("--index")
        .arg(&index)
        .assert()
        .code(2)
        .stdout(contains("Usage"));
}

#[test]
fn the_ui_on_a_missing_index_says_how_to_make_one() {
    let dir = tempfile::tempdir().expect("dir");
    Command::cargo_bin("trailhound")
        .expect("binary")
        .arg("--index")
        .arg(dir.path().join("none"))
        .arg("tui")
        .assert()
        .failure()
        .stderr(contains("none"));
}

#[test]
fn ingest_leaves_a_finished_activity_report_for_readers() {
    let dir = tempfile::tempdir().expect("dir");
    let records = dir.path().join("records.jsonl");
    std::fs::write(
        &records,
        "{\"eventTime\":\"2026-11-01T08:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"ListBuckets\",\"awsRegion\":\"us-east-1\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/bob\"},\"eventID\":\"a-1\"}\n",
    )
    .expect("write");
    let index = dir.path().join("index");
    Command::cargo_bin("trailhound")
        .expect("binary")
        .arg("--index")
        .arg(&index)
        .args(["ingest", "-q"])
        .arg(&records)
        .env_remove("TRAILHOUND_INDEX")
        .assert()
        .success();
    let report = trailhound::index::activity::read(&index).expect("an activity report");
    assert_eq!(report.kind, "ingest");
    assert!(report.finished);
    assert_eq!(report.summary, "ingest: done, 1 new events");
}
