//! Whole-corpus tests: layout, record shape, labels, variety, determinism.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use flate2::read::GzDecoder;
use serde_json::Value;

use super::{generate, GenOptions, GenReport};

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .map(|entry| entry.expect("walk"))
        .filter(|entry| entry.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    out.sort();
    out
}

fn gunzip(path: &Path) -> Value {
    let mut text = String::new();
    GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

struct Corpus {
    _dir: tempfile::TempDir,
    root: PathBuf,
    report: GenReport,
    /// Log and Insights records, with the file each came from.
    records: Vec<(PathBuf, Value)>,
}

fn corpus(events: usize, seed: u64) -> Corpus {
    let dir = tempfile::tempdir().unwrap();
    let options = GenOptions {
        events,
        seed,
        out: dir.path().to_path_buf(),
        ..GenOptions::default()
    };
    let report = generate(&options).unwrap();
    let mut records = Vec::new();
    for path in files_under(&dir.path().join("AWSLogs")) {
        if path.to_string_lossy().contains("CloudTrail-Digest") {
            continue;
        }
        let body = gunzip(&path);
        for record in body["Records"].as_array().unwrap() {
            records.push((path.clone(), record.clone()));
        }
    }
    Corpus {
        root: dir.path().to_path_buf(),
        _dir: dir,
        report,
        records,
    }
}

fn fifty_thousand() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| corpus(50_000, 7))
}

#[test]
fn same_seed_same_bytes() {
    let read_all = |root: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        files_under(root)
            .into_iter()
            .map(|p| {
                (
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                )
            })
            .collect()
    };
    let a = corpus(3_000, 11);
    let b = corpus(3_000, 11);
    assert_eq!(a.report, b.report);
    assert_eq!(read_all(&a.root), read_all(&b.root));
    let c = corpus(3_000, 12);
    assert_ne!(
        read_all(&a.root).keys().collect::<Vec<_>>(),
        read_all(&c.root).keys().collect::<Vec<_>>()
    );
}

#[test]
fn counts_add_up() {
    let corpus = fifty_thousand();
    assert_eq!(corpus.report.events, 50_000);
    assert_eq!(corpus.records.len(), 50_000);
    assert!(corpus.report.attack_events >= 50);
    assert!(corpus.report.digest_files >= 2 && corpus.report.insight_files >= 2);
    let per_event = corpus.report.json_bytes as f64 / 50_000.0;
    assert!(
        (1000.0..1800.0).contains(&per_event),
        "{per_event} bytes per event"
    );
}

#[test]
fn every_record_has_the_required_fields() {
    let required = [
        "eventVersion",
        "eventTime",
        "awsRegion",
        "eventID",
        "eventType",
        "recipientAccountId",
        "eventCategory",
    ];
    for (path, record) in &fifty_thousand().records {
        for field in required {
            assert!(
                record.get(field).is_some_and(|v| !v.is_null()),
                "{field} missing in {record} ({})",
                path.display()
            );
        }
        if record["eventType"] == "AwsCloudTrailInsight" {
            assert!(record.get("userIdentity").is_none());
            assert!(record["insightDetails"]["state"].is_string());
            assert!(record["insightDetails"]["eventName"].is_string());
            continue;
        }
        assert!(
            record["eventSource"].is_string() && record["eventName"].is_string(),
            "{record}"
        );
        for field in [
            "userIdentity",
            "sourceIPAddress",
            "userAgent",
            "readOnly",
            "managementEvent",
        ] {
            assert!(record.get(field).is_some(), "{field} missing in {record}");
        }
        assert!(
            record.get("requestParameters").is_some() && record.get("responseElements").is_some(),
            "{record}"
        );
        let time = record["eventTime"].as_str().unwrap();
        assert_eq!(time.len(), 20, "{time}");
        assert!(
            time.starts_with("2026-11-0") && time.ends_with('Z'),
            "{time}"
        );
        let region = path
            .to_string_lossy()
            .split("/CloudTrail/")
            .nth(1)
            .map(|rest| rest.split('/').next().unwrap_or_default().to_owned());
        assert_eq!(
            region.as_deref(),
            record["awsRegion"].as_str(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn file_names_follow_the_layout() {
    let corpus = fifty_thousand();
    let files = files_under(&corpus.root.join("AWSLogs"));
    assert_eq!(files.len(), corpus.report.files);
    for path in files {
        let relative = path
            .strip_prefix(&corpus.root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let parts: Vec<&str> = relative.split('/').collect();
        assert_eq!(parts.len(), 8, "{relative}");
        let (account, kind, region, file) = (parts[1], parts[2], parts[3], parts[7]);
        assert!(
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()),
            "{relative}"
        );
        assert!(
            parts[4].len() == 4 && parts[5].len() == 2 && parts[6].len() == 2,
            "{relative}"
        );
        let stem = file
            .strip_suffix(".json.gz")
            .unwrap_or_else(|| panic!("{relative}"));
        let fields: Vec<&str> = stem.split('_').collect();
        assert_eq!(fields[0], account);
        assert_eq!(fields[1], kind);
        assert_eq!(fields[2], region);
        match kind {
            "CloudTrail" | "CloudTrail-Insight" => {
                assert_eq!(fields.len(), 5, "{relative}");
                assert!(
                    fields[3].len() == 14 && fields[3].ends_with('Z'),
                    "{relative}"
                );
                assert!(
                    fields[3].starts_with(&format!("{}{}{}T", parts[4], parts[5], parts[6])),
                    "{relative}"
                );
                assert!(
                    fields[4].len() == 16 && fields[4].bytes().all(|b| b.is_ascii_alphanumeric()),
                    "{relative}"
                );
            }
            "CloudTrail-Digest" => {
                assert_eq!(fields.len(), 6, "{relative}");
                assert_eq!(fields[4], region);
                assert!(
                    fields[5].len() == 16 && fields[5].ends_with('Z'),
                    "{relative}"
                );
                let digest = gunzip(&path);
                assert_eq!(digest["awsAccountId"], account);
                assert_eq!(digest["digestS3Object"], relative.as_str());
                assert!(digest["logFiles"].is_array(), "{relative}");
            }
            other => panic!("unexpected folder {other} in {relative}"),
        }
    }
}

#[test]
fn labels_point_at_real_events() {
    let corpus = fifty_thousand();
    let text = std::fs::read_to_string(corpus.root.join("labels.json")).unwrap();
    let labels: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(labels["seed"], 7);
    let by_id: HashMap<&str, &Value> = corpus
        .records
        .iter()
        .map(|(_, r)| (r["eventID"].as_str().unwrap(), r))
        .collect();
    let attack = labels["attack_events"].as_array().unwrap();
    assert_eq!(attack.len(), corpus.report.attack_events);
    let mut names = HashSet::new();
    for label in attack {
        let record = by_id
            .get(label["event_id"].as_str().unwrap())
            .expect("labelled event exists");
        assert_eq!(record["eventName"], label["event_name"]);
        assert!(label["technique"].as_str().unwrap().starts_with('T'));
        assert!(!record["userAgent"].as_str().unwrap().contains("stratus"));
        names.insert(label["event_name"].as_str().unwrap());
    }
    for name in [
        "GetCallerIdentity",
        "CreateUser",
        "AttachUserPolicy",
        "CreateAccessKey",
        "CreateLoginProfile",
        "ConsoleLogin",
        "StopLogging",
        "DeleteTrail",
        "PutBucketPolicy",
        "AuthorizeSecurityGroupIngress",
        "ModifySnapshotAttribute",
        "RunInstances",
        "GetSecretValue",
    ] {
        assert!(names.contains(name), "{name}");
    }
    let secrets: HashSet<_> = attack
        .iter()
        .filter(|l| l["event_name"] == "GetSecretValue")
        .map(|l| {
            by_id[l["event_id"].as_str().unwrap()]["requestParameters"]["secretId"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(secrets.len() >= 20);
    let failed_logins = attack
        .iter()
        .filter(|l| {
            by_id[l["event_id"].as_str().unwrap()]["errorMessage"] == "Failed authentication"
        })
        .count();
    assert!(failed_logins >= 5);
}

#[test]
fn wide_and_heavy_tailed_api_mix() {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (_, record) in &fifty_thousand().records {
        if let Some(name) = record["eventName"].as_str() {
            *counts.entry(name).or_default() += 1;
        }
    }
    assert!(counts.len() >= 250, "{} distinct APIs", counts.len());
    let mut sorted: Vec<usize> = counts.values().copied().collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let top_ten: usize = sorted.iter().take(10).sum();
    assert!(top_ten > 50_000 / 4, "the head should dominate: {top_ten}");
    let reads = fifty_thousand()
        .records
        .iter()
        .filter(|(_, r)| r["readOnly"] == true)
        .count();
    assert!(reads > 50_000 / 2, "{reads} reads");
}

#[test]
fn a_small_run_has_the_usual_principals_and_some_errors() {
    let corpus = corpus(1_000, 3);
    let kinds: HashSet<&str> = corpus
        .records
        .iter()
        .filter_map(|(_, r)| r["userIdentity"]["type"].as_str())
        .collect();
    for kind in ["Root", "AssumedRole", "IAMUser", "AWSService"] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    let errors = corpus
        .records
        .iter()
        .filter(|(_, r)| r.get("errorCode").is_some())
        .count();
    assert!((20..150).contains(&errors), "{errors} errors");
}

#[test]
fn organization_layout_and_no_incident() {
    let dir = tempfile::tempdir().unwrap();
    let options = GenOptions {
        events: 500,
        out: dir.path().to_path_buf(),
        attacks: false,
        org_id: Some("o-abc123xyz0".to_owned()),
        ..GenOptions::default()
    };
    let report = generate(&options).unwrap();
    assert_eq!((report.events, report.attack_events), (500, 0));
    let files = files_under(&dir.path().join("AWSLogs/o-abc123xyz0"));
    assert_eq!(files.len(), report.files);
}

/// `TRAILHOUND_GEN_OUT=/tmp/x TRAILHOUND_GEN_EVENTS=100000 cargo test --release --lib gen::tests::timed_run -- --ignored --nocapture`
#[test]
#[ignore = "writes a large corpus; run by hand for timing"]
fn timed_run() {
    let out = PathBuf::from(
        std::env::var("TRAILHOUND_GEN_OUT").unwrap_or_else(|_| "/tmp/trailhound-gen".to_owned()),
    );
    let events = std::env::var("TRAILHOUND_GEN_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let started = std::time::Instant::now();
    let report = generate(&GenOptions {
        events,
        out,
        ..GenOptions::default()
    })
    .unwrap();
    println!("{report:?} in {:?}", started.elapsed());
    println!(
        "json bytes/event {:.0}, gz bytes/event {:.0}",
        report.json_bytes as f64 / events as f64,
        report.gz_bytes as f64 / events as f64
    );
}
