//! The evidence `verify` kept, as alerts: modified, deleted and unlisted log files, bad digests
//! and hours without a digest are defence evasion even when the API calls that did it are gone.
//! One alert per kind of evidence and chain (account and region), built when the feed is read,
//! so that a later `verify` that finds a file intact again takes its alert away.
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::chain::{Finding, Status};
use super::digest::archive_key;
use crate::detect::alerts::Alert;
use crate::s3::layout::delivered;

/// Impair Defenses: Disable or Modify Cloud Logs; Indicator Removal.
const MITRE: [&str; 2] = ["T1562.008", "T1070"];
/// How many findings an alert's text names.
const NAMED: usize = 3;

struct Rule {
    id: &'static str,
    title: &'static str,
    severity: &'static str,
    why: &'static str,
    /// `@integrity:` word whose events the alert lists; else the events around the findings.
    verdict: Option<&'static str>,
}

fn rule_of(finding: &Finding) -> Rule {
    match finding.status {
        Status::Modified => Rule {
            id: "INT-01",
            title: "Log files changed after CloudTrail delivered them",
            severity: "high",
            why: "their SHA-256 differs from the one the signed digest recorded at delivery: someone with write access to the trail edited what it says",
            verdict: Some("modified"),
        },
        Status::Missing => Rule {
            id: "INT-02",
            title: "Log files deleted from the trail",
            severity: "high",
            why: "a signed digest lists them and they are gone: the events they held are missing from every copy made since",
            verdict: None,
        },
        Status::Unlisted => Rule {
            id: "INT-03",
            title: "Log files no digest lists (possibly injected)",
            severity: "medium",
            why: "digests cover their hour and none lists them: they were not delivered by CloudTrail, or their digest was replaced",
            verdict: Some("unlisted"),
        },
        Status::DigestInvalid => Rule {
            id: "INT-04",
            title: "Digest files that fail their check (bad signature, edited or moved)",
            severity: "high",
            why: "a digest whose signature or place does not hold cannot vouch for its files: it may have been forged to hide a change",
            verdict: None,
        },
        _ if finding.detail.contains("and no digest") => Rule {
            id: "INT-06",
            title: "Log files without any digest (validation off, or digests not copied)",
            severity: "low",
            why: "nothing can vouch for these files: log file validation was off, or the digest files were not copied with them",
            verdict: None,
        },
        _ => Rule {
            id: "INT-05",
            title: "Hours without a digest: logging or validation turned off, or digests deleted",
            severity: "high",
            why: "CloudTrail writes a digest every hour while logging with validation is on: a hole in the chain is when it was off, or when its digests were deleted",
            verdict: None,
        },
    }
}

/// When a finding happened: a file's delivery time, or a gap's hours (`A .. B`).
fn times_of(finding: &Finding) -> Vec<DateTime<Utc>> {
    if let Some((from, to)) = finding.path.split_once(" .. ") {
        let parse = |text: &str| {
            NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M:%SZ")
                .ok()
                .map(|t| t.and_utc())
        };
        return [parse(from), parse(to)].into_iter().flatten().collect();
    }
    delivered(archive_key(&finding.path).unwrap_or(&finding.path))
        .into_iter()
        .collect()
}

/// Only what a query can carry: account IDs and region names are never quoted text.
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

/// The alerts the kept `findings` make.
pub fn tamper_alerts(findings: &[Finding]) -> Vec<Alert> {
    let mut groups: BTreeMap<(&'static str, &str, &str), Vec<&Finding>> = BTreeMap::new();
    for finding in findings.iter().filter(|f| f.status.is_failure()) {
        let rule = rule_of(finding);
        groups
            .entry((rule.id, &finding.account, &finding.region))
            .or_default()
            .push(finding);
    }
    groups
        .into_iter()
        .map(|((_, account, region), found)| {
            let rule = rule_of(found[0]);
            let times: Vec<DateTime<Utc>> = found.iter().flat_map(|f| times_of(f)).collect();
            let (first, last) = (times.iter().min().copied(), times.iter().max().copied());
            let key = format!("integrity/{}/{account}/{region}", rule.id);
            let chain = format!("{} {}", plain(account), plain(region));
            let named: Vec<String> = found
                .iter()
                .take(NAMED)
                .map(|f| format!("{} ({})", f.path, f.detail))
                .collect();
            let more = match found.len() > NAMED {
                true => format!(" and {} more", found.len() - NAMED),
                false => String::new(),
            };
            // By the files the chain delivered, not the records' own account and region: an
            // anonymised or re-homed copy can name another account in its records.
            let scope = format!("@chain:{}/{}", plain(account), plain(region));
            let query = match (rule.verdict, first, last) {
                (Some(word), _, _) => format!("@integrity:{word} AND {scope}"),
                (None, Some(first), Some(last)) => format!(
                    "{scope} AND eventTime:[{} TO {}]",
                    (first - Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ"),
                    (last + Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ")
                ),
                (None, _, _) => scope,
            };
            Alert {
                id: String::new(),
                key,
                rule_id: rule.id.to_owned(),
                title: rule.title.to_owned(),
                severity: rule.severity.to_owned(),
                count: found.len() as u64,
                first_time: first,
                last_time: last,
                principal: String::new(),
                group: chain.clone(),
                event_ids: Vec::new(),
                mitre: MITRE.iter().map(|m| m.to_string()).collect(),
                why: format!("{chain}: {}. {}{more}", rule.why, named.join("; ")),
                next: format!(
                    "`trailhound verify` lists each one; Enter lists the events {}",
                    match rule.verdict {
                        Some(word) => format!("read from {word} files"),
                        None => "of the hours around them (what is left)".to_owned(),
                    }
                ),
                baseline: None,
                acknowledged: false,
                suppressed: false,
                query: Some(query),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::chain::FindingKind;

    fn finding(kind: FindingKind, status: Status, path: &str, detail: &str) -> Finding {
        Finding {
            kind,
            status,
            account: "111122223333".into(),
            region: "eu-west-1".into(),
            path: path.into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn one_alert_per_kind_of_evidence_and_chain_with_the_query_that_lists_its_events() {
        let log = "/c/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01/111122223333_CloudTrail_eu-west-1_20261101T0805Z_a.json.gz";
        let gone = log.replace("0805Z_a", "0910Z_b");
        let findings = [
            finding(FindingKind::Log, Status::Modified, log, "hash differs"),
            finding(FindingKind::Log, Status::Missing, &gone, "listed, absent"),
            finding(
                FindingKind::Gap,
                Status::Gap,
                "2026-11-01T10:00:00Z .. 2026-11-01T13:00:00Z",
                "no digest covers these hours",
            ),
            finding(FindingKind::Log, Status::Valid, log, ""),
        ];
        let alerts = tamper_alerts(&findings);
        let ids: Vec<&str> = alerts.iter().map(|a| a.rule_id.as_str()).collect();
        assert_eq!(ids, ["INT-01", "INT-02", "INT-05"]);
        assert_eq!(
            alerts[0].query.as_deref(),
            Some("@integrity:modified AND @chain:111122223333/eu-west-1")
        );
        assert_eq!(
            alerts[2].query.as_deref(),
            Some("@chain:111122223333/eu-west-1 AND eventTime:[2026-11-01T09:00:00Z TO 2026-11-01T14:00:00Z]")
        );
        assert_eq!(alerts[1].first_time, delivered(&gone));
        assert!(alerts.iter().all(|a| a.key.starts_with("integrity/")));
        assert!(alerts[0].why.contains("hash differs"), "{}", alerts[0].why);
    }

    #[test]
    fn a_hostile_account_or_region_cannot_reach_the_query() {
        let mut hostile = finding(
            FindingKind::Gap,
            Status::Gap,
            "x",
            "3 log files and no digest",
        );
        hostile.account = "1\" OR *:* \u{1b}]0;".into();
        let alerts = tamper_alerts(&[hostile]);
        assert_eq!(alerts[0].rule_id, "INT-06");
        let query = alerts[0].query.as_deref().unwrap();
        assert!(!query.contains('"') && !query.contains('\u{1b}'), "{query}");
    }
}
