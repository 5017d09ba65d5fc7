//! After an ingest: the files it read checked against the digests beside them, and each file's
//! verdict kept for `@integrity:` (the same check `verify` makes, over what was read).
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};

use super::verify::{fetch_missing_keys, load_keyring};
use crate::event::terminal_safe;
use crate::index::TrailIndex;
use crate::ingest::LocalHashes;
use crate::integrity::chain::{Finding, Status, Window};
use crate::integrity::digest::archive_key;
use crate::integrity::verdicts::Verdicts;
use crate::integrity::verify_chains;
use crate::s3::layout::{delivered, Kind, RegionFolder};
use crate::s3::verify::check_listed;
use crate::s3::{BucketReport, BucketUrl, S3Options};
use crate::units::thousands;

/// Local files, offline, with the keys kept beside the index: the log files the ingest hashed as
/// it read them (`hashed`) are not read again.
pub fn keep_local(index: &TrailIndex, paths: &[PathBuf], hashed: &LocalHashes, quiet: bool) {
    let archive = crate::integrity::local::scan(paths, &[], &[], hashed);
    if archive.digests.is_empty() {
        return;
    }
    let keyring = load_keyring(index.dir(), None).unwrap_or_default();
    let findings = verify_chains(&archive.digests, &archive.logs, &keyring, Window::default());
    keep(index, &findings, quiet);
}

/// What a bucket ingest listed (`report.listed`), as `verify` judges it, with nothing listed
/// again: the log files it hashed as it read them are not fetched again (only those an earlier
/// run read), each digest is fetched with the signature in its metadata, and keys missing from
/// those kept beside the index are asked of ListPublicKeys (the ingest is online anyway).
pub fn keep_bucket(
    index: &TrailIndex,
    url: &BucketUrl,
    options: &S3Options,
    report: &BucketReport,
    quiet: bool,
) {
    let listed: BTreeSet<&(RegionFolder, String)> = report.listed.iter().collect();
    let listed: Vec<(RegionFolder, String)> = listed.into_iter().cloned().collect();
    if !listed.iter().any(|(folder, _)| folder.kind == Kind::Digest) {
        return;
    }
    let scan = match check_listed(url, options, &listed, &report.hashes) {
        Ok(scan) => scan,
        Err(message) => {
            eprintln!(
                "trailhound: ingest: integrity not checked: {}",
                terminal_safe(&message)
            );
            return;
        }
    };
    for problem in &scan.problems {
        eprintln!("trailhound: ingest: integrity: {}", terminal_safe(problem));
    }
    let mut keyring = load_keyring(index.dir(), None).unwrap_or_default();
    fetch_missing_keys(
        index.dir(),
        &mut keyring,
        &scan.digests,
        options.profile.as_deref(),
    );
    let window = Window {
        since: options.selection.since,
        until: options.selection.until,
    };
    let findings = verify_chains(&scan.digests, &scan.logs, &keyring, window);
    let findings = without_unlisted_edges(findings, &listed);
    if !quiet {
        eprintln!(
            "{}: integrity checked with {} more GET requests (the digests, and files an earlier run read)",
            terminal_safe(&url.label()),
            thousands(scan.get_calls)
        );
    }
    keep(index, &findings, quiet);
}

/// Drops what is only an edge of the listing: a digest "missing" before the first day folder an
/// ingest listed of its chain (earlier days were read to their end by earlier runs and are not
/// listed again, so the digest the first listed one names lies there).
fn without_unlisted_edges(
    findings: Vec<Finding>,
    listed: &[(RegionFolder, String)],
) -> Vec<Finding> {
    let mut first: BTreeMap<(&str, &str), DateTime<Utc>> = BTreeMap::new();
    for (folder, key) in listed {
        let Some(day) = day_of(key) else { continue };
        let entry = first
            .entry((folder.account.as_str(), folder.region.as_str()))
            .or_insert(day);
        *entry = (*entry).min(day);
    }
    findings
        .into_iter()
        .filter(|finding| {
            if finding.status != Status::DigestMissing {
                return true;
            }
            let start = first.get(&(finding.account.as_str(), finding.region.as_str()));
            match (
                start,
                delivered(archive_key(&finding.path).unwrap_or(&finding.path)),
            ) {
                (Some(start), Some(written)) => written >= *start,
                _ => true,
            }
        })
        .collect()
}

/// The start of the day folder a key lies in (`…/YYYY/MM/DD/name`).
fn day_of(key: &str) -> Option<DateTime<Utc>> {
    let parts: Vec<&str> = key.rsplitn(5, '/').collect();
    let text = format!("{}/{}/{}", parts.get(3)?, parts.get(2)?, parts.get(1)?);
    NaiveDate::parse_from_str(&text, "%Y/%m/%d")
        .ok()
        .and_then(|day| day.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc())
}

fn keep(index: &TrailIndex, findings: &[Finding], quiet: bool) {
    match Verdicts::keep(index, findings) {
        Ok(recorded) if !quiet => {
            let changed = findings.iter().filter(|f| f.status.is_failure()).count();
            eprintln!(
                "integrity: {} files checked against their digests, {} findings of change, removal or addition (trailhound verify for each; @integrity:WORD finds their events)",
                thousands(recorded as u64),
                thousands(changed as u64)
            );
        }
        Ok(_) => {}
        Err(e) => eprintln!("trailhound: ingest: {}", terminal_safe(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::integrity::chain::FindingKind;

    #[test]
    fn a_digest_missing_before_the_first_listed_day_is_an_edge_not_a_finding() {
        let folder = RegionFolder {
            prefix: "AWSLogs/1/CloudTrail-Digest/r/".into(),
            account: "1".into(),
            kind: Kind::Digest,
            region: "r".into(),
        };
        let listed = [(
            folder,
            "AWSLogs/1/CloudTrail-Digest/r/2026/11/05/1_CloudTrail-Digest_r_t_us-east-1_20261105T010000Z.json.gz".to_owned(),
        )];
        let missing = |day: &str| {
            let name = format!("1_CloudTrail-Digest_r_t_us-east-1_202611{day}T230000Z.json.gz");
            Finding {
                kind: FindingKind::Digest,
                status: Status::DigestMissing,
                account: "1".into(),
                region: "r".into(),
                path: format!("AWSLogs/1/CloudTrail-Digest/r/2026/11/{day}/{name}"),
                detail: String::new(),
            }
        };
        let kept = without_unlisted_edges(vec![missing("04"), missing("05")], &listed);
        assert_eq!(kept, [missing("05")]);
        assert_eq!(
            day_of(&listed[0].1),
            Some("2026-11-05T00:00:00Z".parse().unwrap())
        );
    }
}
