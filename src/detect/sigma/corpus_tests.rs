//! The SigmaHQ CloudTrail rules against real attack events (../shared/data). Skipped with a
//! message when that folder is absent, as it is in a user's clone.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use super::*;

/// Fires on every AssumedRole event, so it says nothing about a technique (see the data README).
const ALWAYS_FIRING: &str = "aws_sts_assumerole_misuse";

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: test corpora not found at {}", dir.display());
        None
    }
}

fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|found| found == extension))
        .collect();
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The SigmaHQ rules, keyed by file stem.
fn sigmahq_rules(data: &Path) -> BTreeMap<String, SigmaRule> {
    files_with_extension(&data.join("sigma-cloudtrail"), "yml")
        .iter()
        .map(|path| {
            let mut rules = parse_rule_file(path).unwrap_or_else(|error| panic!("{error}"));
            assert_eq!(rules.len(), 1, "{}", path.display());
            (stem(path), rules.remove(0))
        })
        .collect()
}

/// Records of each Stratus Red Team technique (a bare JSON array per file), keyed by technique.
fn stratus_techniques(data: &Path) -> BTreeMap<String, Vec<Value>> {
    files_with_extension(&data.join("stratus-detonation-logs"), "json")
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("readable detonation log");
            let records: Vec<Value> = serde_json::from_str(&text).expect("a JSON array of records");
            let technique = stem(path);
            (
                technique
                    .strip_prefix("aws.")
                    .unwrap_or(&technique)
                    .to_string(),
                records,
            )
        })
        .collect()
}

fn invictus_records(data: &Path) -> Vec<Value> {
    files_with_extension(&data.join("invictus-aws-dataset/CloudTrail"), "json")
        .iter()
        .flat_map(|path| {
            let text = std::fs::read_to_string(path).expect("readable trail file");
            let mut trail: Value = serde_json::from_str(&text).expect("a trail file");
            match trail.get_mut("Records").map(Value::take) {
                Some(Value::Array(records)) => records,
                _ => panic!("{}: no Records array", path.display()),
            }
        })
        .collect()
}

#[test]
fn all_sigmahq_cloudtrail_rules_load() {
    let Some(data) = data_dir() else { return };
    let rules = sigmahq_rules(&data);
    assert_eq!(rules.len(), 57);
    for (name, rule) in &rules {
        assert!(matches!(rule.kind, RuleKind::Detection(_)), "{name}");
        assert!(!rule.id.is_empty() && !rule.title.is_empty(), "{name}");
        assert_eq!(rule.logsource.product.as_deref(), Some("aws"), "{name}");
        assert!(rule.level.is_some() && rule.author.is_some(), "{name}");
    }
}

#[test]
fn sigmahq_rules_on_stratus_techniques() {
    let Some(data) = data_dir() else { return };
    let rules = sigmahq_rules(&data);
    let techniques = stratus_techniques(&data);
    assert_eq!(techniques.len(), 35);

    let mut caught = BTreeSet::new();
    println!(
        "\n{:<62} SigmaHQ rules that fire ({ALWAYS_FIRING} left out)",
        "Stratus technique (events)"
    );
    for (technique, records) in &techniques {
        let fired: BTreeSet<&str> = rules
            .iter()
            .filter(|(name, rule)| {
                *name != ALWAYS_FIRING && records.iter().any(|record| rule.matches(record))
            })
            .map(|(name, _)| name.as_str())
            .collect();
        if !fired.is_empty() {
            caught.insert(technique.as_str());
        }
        let label = format!("{technique} ({})", records.len());
        let fired = fired.into_iter().collect::<Vec<_>>().join(", ");
        println!(
            "{label:<62} {}",
            if fired.is_empty() { "-" } else { &fired }
        );
    }
    println!(
        "caught: {} of {} techniques\n",
        caught.len(),
        techniques.len()
    );

    let expected = BTreeSet::from([
        "credential-access.ec2-steal-instance-credentials",
        "defense-evasion.cloudtrail-delete",
        "defense-evasion.cloudtrail-stop",
        "defense-evasion.vpc-remove-flow-logs",
        "execution.ssm-send-command",
        "exfiltration.ec2-security-group-open-port-22-ingress",
        "exfiltration.ec2-share-ebs-snapshot",
        "initial-access.console-login-without-mfa",
        "persistence.iam-backdoor-user",
        "persistence.iam-create-admin-user",
        "persistence.lambda-layer-extension",
        "privilege-escalation.iam-update-user-login-profile",
    ]);
    assert_eq!(caught, expected);
}

/// The defects the data README lists behave as described, so a later reader does not take
/// them for engine bugs.
#[test]
fn known_defective_sigmahq_rules_behave_as_documented() {
    let Some(data) = data_dir() else { return };
    let rules = sigmahq_rules(&data);
    let records: Vec<Value> = stratus_techniques(&data).into_values().flatten().collect();
    let event_name = |record: &Value| record["eventName"].as_str().unwrap_or_default().to_string();

    let assumed_role: Vec<&Value> = records
        .iter()
        .filter(|record| record["userIdentity"]["type"] == "AssumedRole")
        .collect();
    assert!(!assumed_role.is_empty());
    assert!(assumed_role
        .iter()
        .all(|record| rules[ALWAYS_FIRING].matches(record)));

    for (rule, event) in [
        ("aws_update_login_profile", "UpdateLoginProfile"),
        ("aws_iam_backdoor_users_keys", "CreateAccessKey"),
    ] {
        let calls: Vec<&Value> = records
            .iter()
            .filter(|record| event_name(record) == event)
            .collect();
        assert!(!calls.is_empty(), "{event}");
        assert!(
            calls.iter().all(|record| rules[rule].matches(record)),
            "{rule}"
        );
    }
    assert!(records
        .iter()
        .all(|record| !rules["aws_delete_saml_provider"].matches(record)));
}

/// Every record a rule matches has one of the rule's required event names, if it has any.
#[test]
fn required_event_names_never_hide_a_match() {
    let Some(data) = data_dir() else { return };
    let rules = sigmahq_rules(&data);
    let mut records: Vec<Value> = stratus_techniques(&data).into_values().flatten().collect();
    records.extend(invictus_records(&data));
    let mut pinned = 0;
    for (name, rule) in &rules {
        let RuleKind::Detection(detection) = &rule.kind else {
            continue;
        };
        let Some(names) = detection.required_event_names() else {
            continue;
        };
        pinned += 1;
        for record in records.iter().filter(|record| rule.matches(record)) {
            let event_name = record["eventName"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase();
            assert!(names.contains(&event_name), "{name} matched {event_name}");
        }
    }
    assert!(
        pinned >= 45,
        "only {pinned} of {} rules pin their event names",
        rules.len()
    );
}

/// `cargo test --release --lib detect::sigma -- --ignored --nocapture sigma_benchmark`
#[test]
#[ignore = "benchmark: run in release mode with --ignored --nocapture"]
fn sigma_benchmark() {
    let Some(data) = data_dir() else { return };
    let rules: Vec<SigmaRule> = sigmahq_rules(&data).into_values().collect();
    let mut records: Vec<Value> = stratus_techniques(&data).into_values().flatten().collect();
    records.extend(invictus_records(&data));

    let mut hits = 0usize;
    let mut rounds = 0usize;
    let started = Instant::now();
    while started.elapsed().as_secs_f64() < 2.0 {
        for record in &records {
            for rule in &rules {
                hits += usize::from(rule.matches(std::hint::black_box(record)));
            }
        }
        rounds += 1;
    }
    let evaluations = (rounds * records.len()) as f64;
    let per_event = started.elapsed().as_nanos() as f64 / evaluations;
    println!(
        "{} rules x {} events x {rounds} rounds: {per_event:.0} ns/event, {:.1} ns per rule and event, {} matches per round",
        rules.len(),
        records.len(),
        per_event / rules.len() as f64,
        hits / rounds.max(1),
    );
    let hits_rounds = rounds;

    // What a caller gains by indexing rules on their required event names.
    let mut by_event_name: HashMap<&str, Vec<&SigmaRule>> = HashMap::new();
    let mut unpinned: Vec<&SigmaRule> = Vec::new();
    for rule in &rules {
        match &rule.kind {
            RuleKind::Detection(detection) => match detection.required_event_names() {
                Some(names) => names
                    .iter()
                    .for_each(|name| by_event_name.entry(name.as_str()).or_default().push(rule)),
                None => unpinned.push(rule),
            },
            RuleKind::Correlation(_) => {}
        }
    }
    let mut indexed_hits = 0usize;
    let mut rounds = 0usize;
    let started = Instant::now();
    while started.elapsed().as_secs_f64() < 2.0 {
        for record in &records {
            let record = std::hint::black_box(record);
            let event_name = record["eventName"]
                .as_str()
                .unwrap_or_default()
                .to_lowercase();
            let candidates = by_event_name.get(event_name.as_str()).into_iter().flatten();
            for rule in candidates.chain(&unpinned) {
                indexed_hits += usize::from(rule.matches(record));
            }
        }
        rounds += 1;
    }
    let per_event = started.elapsed().as_nanos() as f64 / (rounds * records.len()) as f64;
    println!(
        "indexed by required event name ({} of {} rules always run): {per_event:.0} ns/event, {} matches per round",
        unpinned.len(),
        rules.len(),
        indexed_hits / rounds.max(1),
    );
    assert_eq!(indexed_hits / rounds.max(1), hits / hits_rounds.max(1));
}
