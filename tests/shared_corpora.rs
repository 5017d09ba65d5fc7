//! The real corpora beside the repository (../shared/data): every record lands, none is rejected,
//! and what investigators look for is there. Skips cleanly when the corpora are absent.
mod support;

use support::{count, shared_data, trailhound};

#[test]
fn invictus_trail_files_ingest_completely() {
    let Some(data) = shared_data("invictus-aws-dataset/CloudTrail") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    trailhound(&index)
        .arg("ingest")
        .arg(&data)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "files 55, records 2900, new 2900, duplicates 0, skipped 0, rejected 0",
        ));
    assert_eq!(count(&index, "*"), 2900);
    assert!(count(&index, "userAgent:stratus*") > 0);
    assert!(count(&index, "eventName:StopLogging") > 0);
    assert_eq!(
        count(&index, "user:unknown"),
        0,
        "every record gets a principal"
    );
    // bert-jan's CheckMfa names him by principalId only; his other calls carry the ARN.
    assert_eq!(
        count(
            &index,
            "eventName:CheckMfa AND @principal:\"arn:aws:iam::123837392027:user/bert-jan\""
        ),
        1
    );
    assert_eq!(count(&index, "@principal:AIDATFQR7NSC5AU2ZV3IE"), 0);
    let alert_keys = |extra: &[&str]| {
        let output = trailhound(&index)
            .args(["alerts", "--format", "jsonl"])
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success());
        let mut keys: Vec<String> = support::stdout_lines(&output)
            .iter()
            .map(|line| {
                let alert: serde_json::Value = serde_json::from_str(line).unwrap();
                format!("{} {}", alert["key"], alert["count"])
            })
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(
        alert_keys(&[]),
        alert_keys(&["--recompute"]),
        "the ingest's alerts are those recompute raises"
    );
}

#[test]
fn stratus_detonation_arrays_ingest_completely() {
    let Some(data) = shared_data("stratus-detonation-logs") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    // The LICENSE file in the folder is not CloudTrail: skipped, not rejected.
    trailhound(&index)
        .arg("ingest")
        .arg(&data)
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "files 35, records 310, new 310, duplicates 0, skipped 1, rejected 0",
        ));
    assert_eq!(
        count(&index, "eventName:GetPasswordData"),
        count(&index, "event:GetPasswordData")
    );
}

/// The words of repeated values (user agents, API names, issuers' ARNs) are read from the values at
/// query time: on a real account's trail, every path's most and least common word, a phrase, and
/// `_exists_` must find exactly the events whose records say so.
#[test]
fn invictus_words_of_repeated_values_match_the_records() {
    use std::collections::BTreeMap;
    let Some(data) = shared_data("invictus-aws-dataset/CloudTrail") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    trailhound(&index)
        .args(["ingest", "--no-rules", "--no-verify"])
        .arg(&data)
        .assert()
        .success();
    let output = trailhound(&index)
        .args(["search", "--format", "jsonl", "--limit", "0", "*"])
        .output()
        .unwrap();
    let records: Vec<serde_json::Value> = support::stdout_lines(&output)
        .iter()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), 2900);
    for path in [
        "userAgent",
        "eventSource",
        "eventName",
        "awsRegion",
        "userIdentity.sessionContext.sessionIssuer.arn",
        "tlsDetails.clientProvidedHostHeader",
    ] {
        let values: Vec<&str> = records
            .iter()
            .filter_map(|r| path.split('.').try_fold(r, |v, k| v.get(k))?.as_str())
            .collect();
        assert_eq!(
            count(&index, &format!("_exists_:{path}")),
            values.len() as u64,
            "{path}"
        );
        let words: Vec<Vec<String>> = values
            .iter()
            .map(|v| trailhound::index::tokenizer::analyse(v))
            .collect();
        let mut events_with: BTreeMap<&str, u64> = BTreeMap::new();
        for value_words in &words {
            let mut distinct: Vec<&str> = value_words.iter().map(String::as_str).collect();
            distinct.sort();
            distinct.dedup();
            for word in distinct {
                *events_with.entry(word).or_default() += 1;
            }
        }
        let most = events_with.iter().max_by_key(|(_, n)| **n).unwrap();
        let least = events_with.iter().min_by_key(|(_, n)| **n).unwrap();
        for (word, expected) in [most, least] {
            let query = format!("{path}:\"{word}\"");
            assert_eq!(count(&index, &query), *expected, "{query}");
        }
        // A phrase of a value's first two words, where values have two.
        if let Some(first) = words.iter().find(|w| w.len() >= 2) {
            let phrase = &first[..2];
            let expected = words
                .iter()
                .filter(|w| phrase.iter().all(|p| w.contains(p)))
                .count() as u64;
            let query = format!("{path}:\"{} {}\"", phrase[0], phrase[1]);
            assert_eq!(count(&index, &query), expected, "{query}");
        }
    }
}
