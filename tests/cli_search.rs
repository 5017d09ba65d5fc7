//! `trailhound search` as scripts use it: every match where a program reads the output, in
//! order, however many there are; time bounds as the help offers them; and a word when a time
//! window misses the index entirely.
mod support;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{json, Value};
use support::{record, stdout_lines, trailhound, write};

/// `events` records with the same `eventTime` second (a burst), then `spread` records one a
/// day from 2024 on, then `untimed` records without an `eventTime`.
fn bursty_archive(dir: &Path, burst: usize, spread: usize, untimed: usize) -> std::path::PathBuf {
    let mut lines = String::new();
    for i in 0..burst {
        let r = record(
            &format!("burst-{i}"),
            "GetObject",
            "s3.amazonaws.com",
            json!({"eventTime": "2026-11-01T08:00:00Z", "errorCode": "AccessDenied"}),
        );
        lines.push_str(&r.to_string());
        lines.push('\n');
    }
    for i in 0..spread {
        let time = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap()
            + chrono::Duration::hours(i as i64 * 7);
        let r = record(
            &format!("spread-{i}"),
            "GetObject",
            "s3.amazonaws.com",
            json!({"eventTime": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true), "errorCode": "AccessDenied"}),
        );
        lines.push_str(&r.to_string());
        lines.push('\n');
    }
    for i in 0..untimed {
        let mut r = record(
            &format!("untimed-{i}"),
            "GetObject",
            "s3.amazonaws.com",
            json!({"errorCode": "AccessDenied"}),
        );
        r.as_object_mut().unwrap().remove("eventTime");
        lines.push_str(&r.to_string());
        lines.push('\n');
    }
    write(&dir.join("export.jsonl"), lines.as_bytes())
}

fn ingest(index: &Path, path: &Path) {
    trailhound(index)
        .args(["ingest", "--no-rules"])
        .arg(path)
        .assert()
        .code(predicates::ord::lt(4));
}

fn times_of(lines: &[String]) -> Vec<Option<String>> {
    lines
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap();
            value["eventTime"].as_str().map(str::to_owned)
        })
        .collect()
}

#[test]
fn jsonl_to_a_program_gets_every_match_in_order_with_bursts_and_untimed_events() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let archive = bursty_archive(dir.path(), 2_500, 3_000, 3);
    ingest(&index, &archive);
    let total = 2_500 + 3_000 + 3;
    assert_eq!(
        support::count(&index, "errorCode:accessdenied"),
        total as u64
    );

    for (order, newest_first) in [(None, true), (Some("--oldest-first"), false)] {
        let mut command = trailhound(&index);
        command.args(["search", "errorCode:accessdenied", "--format", "jsonl"]);
        if let Some(flag) = order {
            command.arg(flag);
        }
        let output = command.output().unwrap();
        assert!(output.status.success());
        assert!(
            output.stderr.is_empty(),
            "nothing dropped, nothing to say: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let lines = stdout_lines(&output);
        assert_eq!(lines.len(), total, "every match, not a first page");
        let ids: BTreeSet<String> = lines
            .iter()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["eventID"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(ids.len(), total, "no event twice");
        let times = times_of(&lines);
        let timed: Vec<&String> = times.iter().flatten().collect();
        assert_eq!(timed.len(), total - 3);
        assert!(
            times[total - 3..].iter().all(Option::is_none),
            "untimed last"
        );
        let sorted = timed.windows(2).all(|pair| {
            if newest_first {
                pair[0] >= pair[1]
            } else {
                pair[0] <= pair[1]
            }
        });
        assert!(sorted, "in time order");
    }
}

#[test]
fn csv_and_a_piped_table_are_complete_and_limit_zero_means_no_limit() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let archive = bursty_archive(dir.path(), 30, 100, 0);
    ingest(&index, &archive);

    let csv = trailhound(&index)
        .args(["search", "errorCode:accessdenied", "--format", "csv"])
        .output()
        .unwrap();
    assert_eq!(stdout_lines(&csv).len(), 1 + 130, "header and every row");

    let table = trailhound(&index)
        .args(["search", "errorCode:accessdenied"])
        .output()
        .unwrap();
    assert_eq!(
        stdout_lines(&table).len(),
        1 + 130,
        "stdout is not a terminal"
    );

    let unlimited = trailhound(&index)
        .args(["search", "--limit", "0", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(stdout_lines(&unlimited).len(), 130);

    let limited = trailhound(&index)
        .args(["search", "--limit", "7", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(stdout_lines(&limited).len(), 7);
    let note = String::from_utf8_lossy(&limited.stderr);
    assert!(
        note.contains("showing 7 of 130") && note.contains("123 more with --limit 0"),
        "{note}"
    );
}

#[test]
fn since_and_until_take_a_date_and_an_empty_window_says_where_the_index_lies() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let archive = bursty_archive(dir.path(), 5, 100, 0);
    ingest(&index, &archive);

    let since = trailhound(&index)
        .args(["search", "--since", "2026-11-01", "--format", "jsonl"])
        .output()
        .unwrap();
    assert!(
        since.status.success(),
        "{}",
        String::from_utf8_lossy(&since.stderr)
    );
    assert_eq!(stdout_lines(&since).len(), 5, "the burst on that day");

    // An until date reaches the end of its day: 2024-01-01 holds the spread's first 4 events.
    let until = trailhound(&index)
        .args(["search", "--until", "2024-01-01", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(stdout_lines(&until).len(), 4);

    // An archive older than the window: nothing, and where the events are.
    let recent = trailhound(&index)
        .args(["search", "--since", "24h"])
        .output()
        .unwrap();
    assert!(recent.status.success());
    let note = String::from_utf8_lossy(&recent.stderr);
    assert!(
        note.contains("no indexed event falls in")
            && note.contains("the index spans 2024-01-01T00:00:00Z to 2026-11-01T08:00:00Z"),
        "{note}"
    );
    trailhound(&index)
        .args(["search", "--count", "--since", "24h"])
        .assert()
        .success()
        .stdout("0\n")
        .stderr(predicates::str::contains("the index spans"));
}

#[test]
fn the_readme_example_on_the_demo_and_a_real_corpus_prints_every_match() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    trailhound::cli::demo::extract_demo_archive(&dir.path().join("archive")).unwrap();
    ingest(&demo, &dir.path().join("archive"));
    let mut indexes = vec![demo];
    if let Some(corpus) = support::shared_data("invictus-aws-dataset/CloudTrail") {
        let invictus = dir.path().join("invictus");
        ingest(&invictus, &corpus);
        indexes.push(invictus);
    }
    for index in &indexes {
        let total = support::count(index, "errorCode:*");
        assert!(total > 50, "more failed calls than a first page: {total}");
        let output = trailhound(index)
            .args(["search", "errorCode:*", "--format", "jsonl"])
            .output()
            .unwrap();
        assert_eq!(stdout_lines(&output).len() as u64, total);
    }
}
