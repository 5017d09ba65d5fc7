//! Hostile rule packs: files too big or nested too deep are refused with a line naming the file
//! (the rest still load and ingest goes on), a rule cannot take a built-in rule's id, and a rule
//! with tens of thousands of values loads and matches. The packs are generated here.
mod support;

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;
use support::{record, trail_file, trailhound, write};

const HEADER: &str =
    "title: Hostile pack\nlogsource: {product: aws, service: cloudtrail}\nlevel: high\n";

fn rule_file(dir: &Path, name: &str, id: &str, detection: &str) -> std::path::PathBuf {
    write(
        &dir.join(name),
        format!("{HEADER}id: {id}\ndetection:\n{detection}").as_bytes(),
    )
}

/// `count` distinct `userAgent|contains` values, `v000000x` to `v{count}x`.
fn many_contains(count: usize) -> String {
    let mut detection = String::from("  selection:\n    userAgent|contains:\n");
    for n in 0..count {
        let _ = writeln!(detection, "      - 'v{n:07}x'");
    }
    detection.push_str("  condition: selection\n");
    detection
}

fn check(file: &Path) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    trailhound(&dir.path().join("index"))
        .args(["rules", "check"])
        .arg(file)
        .output()
        .unwrap()
}

fn assert_refused(output: &std::process::Output, file: &Path, why: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let text = format!("{stdout}{stderr}");
    assert!(
        text.contains(&file.display().to_string()) && text.contains(why),
        "the error does not name the file and say `{why}`:\n{text}"
    );
}

#[test]
fn a_rule_file_nested_a_hundred_thousand_deep_is_refused_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let depth = 100_000;
    let flow = rule_file(
        dir.path(),
        "flow.yml",
        "7f9a3c1e-0000-4000-8000-000000000001",
        &format!(
            "  selection:\n    eventName: {}x{}\n  condition: selection\n",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
    );
    assert_refused(&check(&flow), &flow, "nests deeper than 64");
    let compact = rule_file(
        dir.path(),
        "compact.yml",
        "7f9a3c1e-0000-4000-8000-000000000002",
        &format!(
            "  selection:\n    eventName:\n      {}x\n  condition: selection\n",
            "- ".repeat(depth)
        ),
    );
    assert_refused(&check(&compact), &compact, "nests deeper than 64");
}

#[test]
fn a_rule_file_over_the_size_limit_is_refused_and_ingest_goes_on_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    let big = rule_file(
        &rules,
        "big.yml",
        "7f9a3c1e-0000-4000-8000-000000000003",
        &format!(
            "  selection:\n    userAgent|contains: '{}'\n  condition: selection\n",
            "a".repeat(3 * 1024 * 1024)
        ),
    );
    assert_refused(&check(&big), &big, "larger than 2 MiB");

    let index = dir.path().join("index");
    let archive = write(
        &dir.path().join("trail.json"),
        &trail_file(&[record("e-1", "ListBuckets", "s3.amazonaws.com", json!({}))]),
    );
    let output = trailhound(&index)
        .arg("--rules")
        .arg(&rules)
        .arg("ingest")
        .arg(&archive)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("rule skipped") && stderr.contains("big.yml"),
        "{stderr}"
    );
    assert_eq!(support::count(&index, ""), 1);
}

#[test]
fn an_item_with_too_many_values_is_refused_with_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let file = rule_file(
        dir.path(),
        "values.yml",
        "7f9a3c1e-0000-4000-8000-000000000004",
        &many_contains(60_000),
    );
    assert_refused(&check(&file), &file, "at most 50000");
    let text = String::from_utf8_lossy(&check(&file).stdout).into_owned();
    assert!(text.contains("userAgent|contains"), "{text}");
}

#[test]
fn a_rule_with_forty_thousand_values_loads_and_matches_exactly_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    rule_file(
        &rules,
        "many.yml",
        "7f9a3c1e-0000-4000-8000-000000000005",
        &many_contains(40_000),
    );
    let events = [
        ("hit-first", "curl v0000000x"),
        ("hit-last", "V0039999X/python"),
        ("miss-near", "v0040000x"),
        ("miss", "aws-cli/2.15"),
    ];
    let records: Vec<_> = events
        .iter()
        .map(|(id, agent)| {
            record(
                id,
                "ListBuckets",
                "s3.amazonaws.com",
                json!({"userAgent": agent}),
            )
        })
        .collect();
    let archive = write(&dir.path().join("trail.json"), &trail_file(&records));
    let index = dir.path().join("index");
    trailhound(&index)
        .arg("--rules")
        .arg(&rules)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    let output = trailhound(&index)
        .args(["alerts", "--format", "jsonl"])
        .output()
        .unwrap();
    let mut matched: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|alert| alert["rule_id"] == "7f9a3c1e-0000-4000-8000-000000000005")
        .flat_map(|alert| {
            alert["event_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| id.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    matched.sort();
    assert_eq!(matched, ["hit-first", "hit-last"]);
}

#[test]
fn a_rule_cannot_take_a_built_in_rules_id() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    let impostor = write(
        &rules.join("impostor.yml"),
        b"title: Not the real LOG-01\nid: 7f9a3c1e-0000-4000-8000-000000000006\nlogsource: {product: aws, service: cloudtrail}\nlevel: low\ndetection:\n  selection:\n    eventName: ListBuckets\n  condition: selection\ntrailhound:\n  id: LOG-01\n  severity: low\n  kind: event\n  why: x\n  next: y\n  group_by: [principal]\n  window: 1h\n",
    );
    let output = trailhound(&dir.path().join("index"))
        .arg("--rules")
        .arg(&rules)
        .args(["rules", "list"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains(&impostor.display().to_string())
            && stderr.contains("'LOG-01' is already used by the built-in rule"),
        "{stderr}"
    );
    assert!(
        !stdout.contains("Not the real LOG-01"),
        "the impostor replaced the built-in rule:\n{stdout}"
    );
}
