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
