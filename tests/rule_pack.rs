//! The built-in detection pack (assets/rules): every file loads, every rule documents itself and
//! ships samples that match as labelled, and the pack fires on real attack events from
//! ../shared/data (skipped with a message when that folder is absent).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use trailhound::detect::pack::{
    builtin_rules_dir, load_pack_dir, PackDocument, PackKind, PackRule, RuleFormat,
};
use trailhound::detect::sigma::{RuleKind, SigmaRule};

/// Techniques of the Stratus table that must fire at least one rule on single events.
const STRATUS_SINGLE_EVENT_TARGET: usize = 30;
/// With correlations and first-seen baselines evaluated as ingest does, on shipped defaults.
const STRATUS_FULL_TARGET: usize = 35;

fn pack() -> Vec<PackRule> {
    let (rules, errors) = load_pack_dir(&builtin_rules_dir());
    let report: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(report.is_empty(), "pack errors:\n{}", report.join("\n"));
    rules
}

fn data_dir(relative: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(relative);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: test corpora not found at {}", dir.display());
        None
    }
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "json")
        })
        .collect();
    files.sort();
    files
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn is_detection(rule: &SigmaRule) -> bool {
    matches!(rule.kind, RuleKind::Detection(_))
}

/// A first-seen document that pins no event name matches any call: it describes the population a
/// baseline is built from, not a technique, so it says nothing in the single-event tables.
fn is_baseline_population(sigma: &SigmaRule, document: &PackDocument) -> bool {
    document.kind == PackKind::FirstSeen
        && matches!(&sigma.kind, RuleKind::Detection(detection) if detection.required_event_names().is_none())
}

/// Detection documents that can run on single events with the shipped defaults.
fn single_event_documents(rule: &PackRule) -> impl Iterator<Item = (&SigmaRule, &PackDocument)> {
    rule.documents().filter(|(sigma, document)| {
        is_detection(sigma)
            && document.requires.is_empty()
            && !is_baseline_population(sigma, document)
    })
}

fn where_(rule: &PackRule, sigma: &SigmaRule) -> String {
    format!(
        "{} ({}, document {})",
        rule.rule_id,
        rule.origin.display(),
        sigma.document
    )
}

#[test]
fn every_shipped_rule_file_loads() {
    let rules = pack();
    assert!(rules.len() >= 60, "only {} rules", rules.len());
    let files = walk_yaml(&builtin_rules_dir());
    assert_eq!(files.len(), rules.len(), "one rule per file");
}

fn walk_yaml(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .unwrap_or_else(|error| panic!("{}: {error}", current.display()));
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "yml") {
                found.push(path);
            }
        }
    }
    found
}

#[test]
fn rule_ids_are_unique_and_name_their_files() {
    let rules = pack();
    let mut ids = BTreeSet::new();
    let mut sigma_ids = BTreeSet::new();
    for rule in &rules {
        assert!(
            ids.insert(rule.rule_id.clone()),
            "duplicate id {}",
            rule.rule_id
        );
        let file = rule
            .origin
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        assert!(
            file.starts_with(&format!("{}-", rule.rule_id)),
            "{file} does not start with its id {}",
            rule.rule_id
        );
        for sigma in &rule.sigma {
            assert!(
                sigma_ids.insert(sigma.id.clone()),
                "{}: Sigma id {} is used twice in the pack",
                where_(rule, sigma),
                sigma.id
            );
            assert!(
                is_uuid(&sigma.id),
                "{}: Sigma id {} is not a UUID",
                where_(rule, sigma),
                sigma.id
            );
        }
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|group| group.chars().all(|character| character.is_ascii_hexdigit()))
}

#[test]
fn every_rule_explains_itself_and_carries_samples() {
    for rule in pack() {
        assert!(
            !rule.why.is_empty() && !rule.next.is_empty(),
            "{}",
            rule.rule_id
        );
        assert_eq!(
            rule.sigma[0].author.as_deref(),
            Some("trailhound"),
            "{}",
            rule.rule_id
        );
        for (sigma, document) in rule.documents().filter(|(_, document)| document.alerts) {
            let here = where_(&rule, sigma);
            assert!(
                sigma.tags.iter().any(|tag| is_attack_technique(tag)),
                "{here}: no ATT&CK technique tag in {:?}",
                sigma.tags
            );
            let samples = &document.samples;
            if is_detection(sigma) && document.kind == PackKind::Event {
                assert!(!samples.must_match.is_empty(), "{here}: no match sample");
                assert!(
                    !samples.must_not_match.is_empty(),
                    "{here}: no no_match sample"
                );
            } else {
                assert!(
                    !samples.match_sequence.is_empty(),
                    "{here}: no match_sequence"
                );
                assert!(
                    !samples.no_match_sequence.is_empty(),
                    "{here}: no no_match_sequence"
                );
            }
        }
    }
}

fn is_attack_technique(tag: &str) -> bool {
    tag.strip_prefix("attack.t")
        .is_some_and(|rest| rest.len() >= 4 && rest[..4].chars().all(|c| c.is_ascii_digit()))
}

#[test]
fn event_samples_match_as_labelled() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in pack() {
        for (sigma, document) in rule.documents() {
            if !is_detection(sigma) || document.kind != PackKind::Event {
                continue;
            }
            for (position, record) in document.samples.must_match.iter().enumerate() {
                checked += 1;
                if !sigma.matches(record) {
                    failures.push(format!(
                        "{}: match[{position}] does not fire",
                        where_(&rule, sigma)
                    ));
                }
            }
            for (position, record) in document.samples.must_not_match.iter().enumerate() {
                checked += 1;
                if sigma.matches(record) {
                    failures.push(format!(
                        "{}: no_match[{position}] fires",
                        where_(&rule, sigma)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 100, "only {checked} samples checked");
}

/// Every sample of every shipped rule, run the way ingest evaluates events: single events through
/// the Sigma matcher; threshold and sequence samples through the real `Detector` and
/// `Correlator`; first-seen samples through the baselines (where a look-alike is a sequence that
/// shows the value in the baseline first). Each document's `overrides` are applied first.
#[test]
fn every_sample_fires_as_labelled_through_the_real_evaluators() {
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut sequences = BTreeMap::<&str, usize>::new();
    let rules = pack();
    for rule in &rules {
        let report = trailhound::detect::samples::run_samples(rule);
        checked += report.checked;
        failures.extend(report.failures.iter().map(ToString::to_string));
        for document in rule.documents.iter().filter(|document| document.alerts) {
            if !document.samples.match_sequence.is_empty() {
                *sequences.entry(document.kind.as_str()).or_default() += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 200, "only {checked} samples checked");
    eprintln!("documents with sequence samples, by kind: {sequences:?}");
    assert!(sequences.get("threshold").copied().unwrap_or(0) >= 8);
    assert!(sequences.get("sequence").copied().unwrap_or(0) >= 2);
    assert!(sequences.get("first_seen").copied().unwrap_or(0) >= 5);
}

/// A sample runner that cannot tell its labels apart proves nothing: swapping a correlation's
/// match and look-alike sequences must fail, through the correlator as through the baselines.
#[test]
fn swapped_sequence_labels_fail() {
    for id in ["AUTH-04", "AUTH-05", "API-03"] {
        let rule = pack()
            .into_iter()
            .find(|rule| rule.rule_id == id)
            .expect("rule in the pack");
        let mut swapped = rule.clone();
        for document in &mut swapped.documents {
            let samples = &mut document.samples;
            std::mem::swap(&mut samples.match_sequence, &mut samples.no_match_sequence);
        }
        let report = trailhound::detect::samples::run_samples(&swapped);
        assert!(!report.failures.is_empty(), "{id}: swapped labels pass");
    }
}

/// Sequence samples are records in time order, as the evaluators will read them.
#[test]
fn sequence_samples_are_in_time_order() {
    for rule in pack() {
        for (sigma, document) in rule.documents() {
            let samples = &document.samples;
            for (label, sequence) in [
                ("match_sequence", &samples.match_sequence),
                ("no_match_sequence", &samples.no_match_sequence),
            ] {
                let times: Vec<&str> = sequence
                    .iter()
                    .map(|record| {
                        record
                            .get("eventTime")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                    })
                    .collect();
                assert!(
                    times.windows(2).all(|pair| pair[0] <= pair[1]),
                    "{}: {label} is not in time order: {times:?}",
                    where_(&rule, sigma)
                );
            }
        }
    }
}

/// Every configurable value has a default in params, which the config file can set (its
/// param_fields note says where it goes), and what a document requires is either a GeoIP
/// database or one of those params.
#[test]
fn params_requirements_and_field_notes_agree() {
    for rule in pack() {
        for key in rule.param_fields.keys() {
            assert!(
                rule.params.contains_key(key),
                "{}: param_fields names '{key}', which has no default in params",
                rule.rule_id
            );
        }
        for (name, default) in &rule.params {
            let changes = serde_json::Map::from_iter([(name.clone(), default.clone())]);
            if let Err(error) = rule.tuned(&changes, &BTreeSet::new()) {
                panic!("{}: param '{name}' cannot be set: {error}", rule.rule_id);
            }
        }
        for (sigma, document) in rule.documents() {
            for requirement in &document.requires {
                assert!(
                    requirement == "geoip" || rule.params.contains_key(requirement),
                    "{}: requires '{requirement}', which is neither geoip nor a param",
                    where_(&rule, sigma)
                );
            }
        }
    }
}

/// Rules must catch techniques, not the tool that ran them.
#[test]
fn detections_do_not_key_on_the_attack_tool() {
    for rule in pack() {
        let text = std::fs::read_to_string(&rule.origin).unwrap_or_default();
        for document in yaml_serde::Deserializer::from_str(&text) {
            let value: yaml_serde::Value =
                serde::Deserialize::deserialize(document).unwrap_or(yaml_serde::Value::Null);
            let detection = value
                .get("detection")
                .map(|detection| yaml_serde::to_string(detection).unwrap_or_default())
                .unwrap_or_default()
                .to_lowercase();
            assert!(
                !detection.contains("stratus"),
                "{}: the detection mentions stratus",
                rule.rule_id
            );
        }
    }
}

#[test]
fn stratus_techniques_fire_the_pack() {
    let Some(dir) = data_dir("stratus-detonation-logs") else {
        return;
    };
    let rules = pack();
    let mut fired_techniques = 0;
    let mut misses = Vec::new();
    let mut table = Vec::new();
    let files = json_files(&dir);
    for path in &files {
        let technique = path
            .file_stem()
            .map(|stem| {
                stem.to_string_lossy()
                    .trim_start_matches("aws.")
                    .to_string()
            })
            .unwrap_or_default();
        let records = match read_json(path) {
            Value::Array(records) => records,
            _ => panic!("{}: expected a JSON array", path.display()),
        };
        let fired: Vec<&str> = rules
            .iter()
            .filter(|rule| {
                single_event_documents(rule)
                    .any(|(sigma, _)| records.iter().any(|record| sigma.matches(record)))
            })
            .map(|rule| rule.rule_id.as_str())
            .collect();
        if fired.is_empty() {
            misses.push(technique.clone());
        } else {
            fired_techniques += 1;
        }
        table.push(format!("{technique:<58} {}", fired.join(", ")));
    }
    eprintln!("Stratus technique -> rules firing on at least one of its events (single events):");
    for line in &table {
        eprintln!("  {line}");
    }
    eprintln!(
        "{fired_techniques} of {} techniques fire; misses: {misses:?}",
        files.len()
    );
    assert_eq!(files.len(), 35, "the corpus has 35 techniques");
    // None of these techniques copies objects out, writes notes, goes through an endpoint or
    // opens a Cognito pool: the rules for those stay quiet on their events.
    for quiet in ["S3-07", "S3-08", "NET-11", "IAM-14"] {
        assert!(
            !table
                .iter()
                .any(|line| line.split([' ', ',']).any(|id| id == quiet)),
            "{quiet} fires on a Stratus technique it does not describe"
        );
    }
    assert!(
        fired_techniques >= STRATUS_SINGLE_EVENT_TARGET,
        "only {fired_techniques} techniques fire; misses: {misses:?}"
    );
}

/// The same techniques through everything ingest evaluates: single events, correlations and
/// first-seen baselines, each technique's events in time order from an empty state.
#[test]
fn stratus_techniques_fire_the_whole_detector() {
    let Some(dir) = data_dir("stratus-detonation-logs") else {
        return;
    };
    let rules = pack();
    let detector = trailhound::detect::Detector::new(&rules);
    let mut fired_techniques = 0;
    let mut misses = Vec::new();
    let mut table = Vec::new();
    for path in json_files(&dir) {
        let mut records = match read_json(&path) {
            Value::Array(records) => records,
            _ => panic!("{}: expected a JSON array", path.display()),
        };
        records.sort_by(|a, b| {
            let time = |r: &Value| {
                r.get("eventTime")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            time(a).cmp(&time(b))
        });
        let technique = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .trim_start_matches("aws.")
            .to_owned();
        let fired: BTreeSet<&str> =
            trailhound::detect::samples::fired_documents(&detector, &records)
                .into_iter()
                .map(|(rule, _)| rules[rule].rule_id.as_str())
                .collect();
        if fired.is_empty() {
            misses.push(technique.clone());
        } else {
            fired_techniques += 1;
        }
        let fired: Vec<&str> = fired.into_iter().collect();
        table.push(format!("{technique:<58} {}", fired.join(", ")));
    }
    eprintln!("Stratus technique -> rules raising an alert on its events (whole detector):");
    for line in &table {
        eprintln!("  {line}");
    }
    eprintln!("whole detector: {fired_techniques} techniques fire; misses: {misses:?}");
    assert!(
        fired_techniques >= STRATUS_FULL_TARGET,
        "only {fired_techniques} techniques fire; misses: {misses:?}"
    );
}

#[test]
fn the_pack_runs_over_the_invictus_dataset() {
    let Some(dir) = data_dir("invictus-aws-dataset/CloudTrail") else {
        return;
    };
    let mut records = Vec::new();
    for path in json_files(&dir) {
        match read_json(&path) {
            Value::Object(mut trail) => match trail.remove("Records") {
                Some(Value::Array(batch)) => records.extend(batch),
                _ => panic!("{}: no Records array", path.display()),
            },
            _ => panic!("{}: expected a trail file", path.display()),
        }
    }
    // Per rule: records that raise a single-event alert, and records its threshold, sequence
    // and first-seen documents take in.
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for rule in pack() {
        let (alerting, feeding): (Vec<_>, Vec<_>) = single_event_documents(&rule)
            .partition(|(_, document)| document.alerts && document.kind == PackKind::Event);
        let count = |documents: &[(&SigmaRule, &PackDocument)]| {
            records
                .iter()
                .filter(|record| documents.iter().any(|(sigma, _)| sigma.matches(record)))
                .count()
        };
        counts.insert(rule.rule_id.clone(), (count(&alerting), count(&feeding)));
    }
    eprintln!(
        "invictus: {} records; per rule, records matched by single-event alerts / by base detections:",
        records.len()
    );
    for (rule_id, (alerting, feeding)) in &counts {
        eprintln!("  {rule_id:<8} {alerting:>4} / {feeding:>4}");
    }
    assert_eq!(records.len(), 2900);
    // A real account's bucket policies read statement by statement: of its three PutBucketPolicy
    // calls, only Stratus's backdoor (another account's root) shares; the two CloudTrail bucket
    // policies (service principals, one with a condition) do not. The rules written for
    // techniques this account never saw raise nothing on it.
    let s3_02 = pack()
        .into_iter()
        .find(|rule| rule.rule_id == "S3-02")
        .expect("S3-02");
    let shared: Vec<&str> = records
        .iter()
        .filter(|record| record["eventName"] == "PutBucketPolicy")
        .filter(|record| {
            single_event_documents(&s3_02)
                .any(|(sigma, document)| document.alerts && sigma.matches(record))
        })
        .filter_map(|record| record["eventID"].as_str())
        .collect();
    assert_eq!(shared, ["d58cf935-0194-41d0-baa0-9efc030ce2e6"]);
    for quiet in ["RES-01", "S3-07", "S3-08", "NET-11", "IAM-14"] {
        assert_eq!(counts[quiet], (0, 0), "{quiet} on a real account's history");
    }
}

/// SigmaHQ's CloudTrail rules load as plain Sigma (`--rules DIR`): severity from level, the Sigma
/// id as rule id.
#[test]
fn community_sigma_rules_load_as_plain_sigma() {
    let Some(dir) = data_dir("sigma-cloudtrail") else {
        return;
    };
    let (rules, errors) = load_pack_dir(&dir);
    let report: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
    assert_eq!(rules.len(), 57);
    for rule in &rules {
        assert_eq!(rule.format, RuleFormat::Sigma, "{}", rule.origin.display());
        assert_eq!(rule.rule_id, rule.sigma[0].id);
        let level = rule.sigma[0].level.as_deref().unwrap_or("medium");
        assert_eq!(
            rule.severity.sigma_level(),
            level,
            "{}",
            rule.origin.display()
        );
        assert_eq!(rule.kind, PackKind::Event);
    }
}

/// The shared `[detection]` values of config.toml change what the rules that use them match.
#[test]
fn shared_settings_change_what_rules_match() {
    use serde_json::json;
    use trailhound::detect::settings::Settings;

    let settings = Settings::parse(
        "[detection]\ntrusted_accounts = [\"444455556666\"]\nadmin_group_pattern = \"(?i)^ops-root$\"\nsuspicious_user_agents = [\"evil-scanner\"]\n",
        Path::new("config.toml"),
    )
    .expect("valid config");
    let (tuned, warnings) = settings
        .apply(pack(), &BTreeSet::new())
        .expect("settings apply");
    assert!(warnings.is_empty(), "{warnings:?}");
    let matches = |id: &str, record: &Value| -> bool {
        let (rule, _) = tuned
            .iter()
            .find(|(rule, _)| rule.rule_id == id)
            .expect("rule");
        rule.documents()
            .any(|(sigma, document)| document.alerts && sigma.matches(record))
    };
    let default = |id: &str, record: &Value| -> bool {
        pack()
            .iter()
            .find(|rule| rule.rule_id == id)
            .expect("rule")
            .documents()
            .any(|(sigma, document)| document.alerts && sigma.matches(record))
    };

    let assume = |account: &str| {
        json!({"eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
               "userIdentity": {"type": "AWSAccount", "accountId": account},
               "recipientAccountId": "111122223333"})
    };
    assert!(default("IAM-10", &assume("444455556666")));
    assert!(
        !matches("IAM-10", &assume("444455556666")),
        "a trusted account"
    );
    assert!(
        matches("IAM-10", &assume("999988887777")),
        "any other account"
    );

    let added = |group: &str| {
        json!({"eventSource": "iam.amazonaws.com", "eventName": "AddUserToGroup",
               "requestParameters": {"groupName": group, "userName": "eve"}})
    };
    assert!(default("IAM-03", &added("Admins")));
    assert!(!matches("IAM-03", &added("Admins")));
    assert!(matches("IAM-03", &added("OPS-ROOT")));

    // S3-07's trust goes to two places: copies' destination owners and replication accounts.
    let copy = |owner: &str| {
        json!({"eventSource": "s3.amazonaws.com", "eventName": "CopyObject",
               "requestParameters": {"bucketName": "dest"},
               "resources": [{"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::dest", "accountId": owner}],
               "recipientAccountId": "111122223333"})
    };
    let replicate = |account: &str| {
        json!({"eventSource": "s3.amazonaws.com", "eventName": "PutBucketReplication",
               "requestParameters": {"ReplicationConfiguration": {"Rule": [
                   {"Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::dr", "Account": account}}]}},
               "recipientAccountId": "111122223333"})
    };
    for (record, other) in [
        (copy("444455556666"), copy("999988887777")),
        (replicate("444455556666"), replicate("999988887777")),
    ] {
        assert!(default("S3-07", &record), "{record}");
        assert!(!matches("S3-07", &record), "a trusted account: {record}");
        assert!(matches("S3-07", &other), "any other account: {other}");
    }
    // S3-02 reads the trusted accounts per policy statement.
    let policy = |principals: Value| {
        json!({"eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy",
               "requestParameters": {"bucketPolicy": {"Statement": principals}},
               "recipientAccountId": "111122223333"})
    };
    let statement = |account: &str| json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}});
    assert!(default(
        "S3-02",
        &policy(json!([statement("444455556666")]))
    ));
    assert!(!matches(
        "S3-02",
        &policy(json!([statement("444455556666")]))
    ));
    assert!(matches(
        "S3-02",
        &policy(json!([
            statement("444455556666"),
            statement("999988887777")
        ]))
    ));

    let agent = |agent: &str| json!({"eventName": "GetCallerIdentity", "userAgent": agent});
    assert!(default("API-02", &agent("TruffleHog")));
    assert!(!matches("API-02", &agent("TruffleHog")));
    assert!(matches("API-02", &agent("evil-scanner/1.0")));
}

/// A rule file's documents catch different things: each document's alerts carry its own title,
/// why, next and window (IAM-06's low document is the reset that forces a new password).
#[test]
fn each_documents_alerts_say_what_that_document_caught() {
    use trailhound::detect::{AlertSet, Detector};
    use trailhound::event::EventSummary;
    let rules = pack();
    let rule = rules
        .iter()
        .find(|r| r.rule_id == "IAM-06")
        .expect("IAM-06 ships");
    let detector = Detector::new(&rules);
    let dir = tempfile::tempdir().unwrap();
    for (position, (sigma, document)) in rule.documents().enumerate() {
        let record = &document.samples.must_match[0];
        let summary = EventSummary::from_record(record, format!("sample-{position}"));
        let matches = detector.evaluate(record, &summary);
        let mut alerts = AlertSet::empty(dir.path());
        alerts.add(&detector, &summary, &matches.alerts);
        let listed = alerts.listed().unwrap();
        let alert = listed
            .iter()
            .find(|a| a.rule_id == "IAM-06")
            .expect("the sample fires IAM-06");
        assert_eq!(alert.title, sigma.title, "document {position}");
        assert_eq!(
            Some(&alert.why),
            document.why.as_ref().or(Some(&rule.why)),
            "document {position}"
        );
        assert_eq!(
            alert.severity,
            document.severity.to_string(),
            "document {position}"
        );
    }
    let low = &rule.documents[1];
    assert!(low.why.as_deref().is_some_and(|why| why.contains("reset")));
}
