//! `trailhound verify`: can these logs be trusted? Walks the digest chains of local trail
//! archives and prints a verdict per log file, digest and gap.
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::exit;
use crate::event::terminal_safe;
use crate::index::TrailIndex;
use crate::ingest::LocalHashes;
use crate::integrity::chain::FoundDigest;
use crate::integrity::chain::{FindingKind, Window};
use crate::integrity::keyring::SAVED_KEYRING;
use crate::integrity::local::scan;
use crate::integrity::public_keys::fetch_public_keys;
use crate::integrity::verdicts::Verdicts;
use crate::integrity::{verify_chains, Finding, Keyring, Status};
use crate::s3::verify::scan_bucket;
use crate::s3::{BucketUrl, S3Options, Selection};
use crate::units::thousands;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Trail buckets (s3://BUCKET[/PREFIX]) and local copies of a trail (folders or files
    /// under an `AWSLogs/` layout)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The AWS profile for buckets (default: the standard credential chain)
    #[arg(long)]
    pub profile: Option<String>,
    /// GETs in flight at once per bucket
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub s3_requests: u16,
    /// CloudTrail's public keys: the JSON `aws cloudtrail list-public-keys` prints (default: the
    /// keys saved beside the index, and those missing fetched with ListPublicKeys and saved)
    #[arg(long)]
    pub public_keys: Option<PathBuf>,
    /// Never ask AWS for public keys
    #[arg(long)]
    pub offline: bool,
    /// Only this account (repeatable)
    #[arg(long)]
    pub account: Vec<String>,
    /// Only this region (repeatable)
    #[arg(long)]
    pub region: Vec<String>,
    /// Only digests and log files from this time on (24h, 7d, 2026-11-01T08:00:00Z)
    #[arg(long, value_parser = super::parse_time_arg)]
    pub since: Option<DateTime<Utc>>,
    /// Only digests and log files until this time
    #[arg(long, value_parser = super::parse_until_arg)]
    pub until: Option<DateTime<Utc>>,
    #[arg(long, value_enum, default_value_t = VerifyFormat::Table)]
    pub format: VerifyFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// One line per finding that is not valid, then a summary
    Table,
    /// One JSON object per log file, digest and gap
    Jsonl,
}

pub fn run(index_dir: &Path, args: &VerifyArgs) -> anyhow::Result<i32> {
    let mut buckets = Vec::new();
    let mut paths = Vec::new();
    for path in &args.paths {
        match BucketUrl::parse(&path.to_string_lossy()) {
            Some(Ok(url)) => buckets.push(url),
            Some(Err(message)) => {
                eprintln!("trailhound: verify: {}", terminal_safe(&message));
                return Ok(exit::USAGE);
            }
            None => paths.push(path.clone()),
        }
    }
    let keyring = match load_keyring(index_dir, args.public_keys.as_deref()) {
        Ok(keyring) => keyring,
        Err(message) => {
            eprintln!("trailhound: verify: {}", terminal_safe(&message));
            return Ok(exit::USAGE);
        }
    };
    let mut archive = scan(&paths, &args.account, &args.region, &LocalHashes::new());
    let mut unreadable = false;
    for url in &buckets {
        let options = S3Options {
            profile: args.profile.clone(),
            selection: Selection {
                accounts: args.account.clone(),
                regions: args.region.clone(),
                since: args.since,
                until: args.until,
            },
            requests: usize::from(args.s3_requests),
            relist: false,
            follow: None,
            hash_logs: false,
        };
        match scan_bucket(url, &options) {
            Ok(bucket) => {
                for problem in &bucket.problems {
                    eprintln!("trailhound: verify: {}", terminal_safe(problem));
                }
                unreadable |= !bucket.problems.is_empty();
                eprintln!(
                    "{}: {} digests and {} log files; {} LIST and {} GET requests",
                    terminal_safe(&url.label()),
                    thousands(bucket.digests.len() as u64),
                    thousands(bucket.logs.len() as u64),
                    thousands(bucket.list_calls),
                    thousands(bucket.get_calls)
                );
                archive.digests.extend(bucket.digests);
                archive.logs.extend(bucket.logs);
            }
            Err(message) => {
                eprintln!("trailhound: verify: {}", terminal_safe(&message));
                unreadable = true;
            }
        }
    }
    if archive.digests.is_empty() && archive.logs.is_empty() {
        eprintln!(
            "trailhound: verify: no CloudTrail log or digest files under the paths given \
             (they are found by their AWSLogs/ACCOUNT/CloudTrail*/REGION/ folders)"
        );
        return Ok(exit::FAILURE);
    }
    let mut keyring = keyring;
    if args.public_keys.is_none() && !args.offline {
        fetch_missing_keys(
            index_dir,
            &mut keyring,
            &archive.digests,
            args.profile.as_deref(),
        );
    }
    let window = Window {
        since: args.since,
        until: args.until,
    };
    let findings = verify_chains(&archive.digests, &archive.logs, &keyring, window);
    let mut out = std::io::stdout().lock();
    match args.format {
        VerifyFormat::Jsonl => {
            for finding in &findings {
                writeln!(
                    out,
                    "{}",
                    crate::event::json_terminal_safe(&serde_json::to_string(finding)?)
                )?;
            }
        }
        VerifyFormat::Table => {
            for finding in findings.iter().filter(|f| f.status != Status::Valid) {
                writeln!(out, "{}", table_line(finding))?;
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{}",
        summary(&findings, archive.insight_files, keyring.is_empty())
    );
    record_verdicts(index_dir, &findings);
    let failed = unreadable || findings.iter().any(|f| f.status.is_failure());
    Ok(if failed { exit::FAILURE } else { exit::OK })
}

pub(super) fn load_keyring(index_dir: &Path, named: Option<&Path>) -> Result<Keyring, String> {
    if let Some(path) = named {
        return Keyring::load(path);
    }
    let saved = index_dir.join(SAVED_KEYRING);
    if saved.exists() {
        return Keyring::load(&saved);
    }
    Ok(Keyring::default())
}

/// Asks ListPublicKeys for the keys the digests name and the keyring lacks, in the digests'
/// regions and times, and saves what it learns beside the index; without AWS it says so and
/// the digests those keys signed stay unverifiable.
pub(super) fn fetch_missing_keys(
    index_dir: &Path,
    keyring: &mut Keyring,
    digests: &[FoundDigest],
    profile: Option<&str>,
) {
    let known: BTreeSet<&str> = keyring
        .keys
        .iter()
        .map(|k| k.fingerprint.as_str())
        .collect();
    let mut regions = BTreeSet::new();
    let (mut from, mut to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
    for digest in digests {
        let Ok(content) = &digest.content else {
            continue;
        };
        let fingerprint = content
            .digest_public_key_fingerprint
            .as_deref()
            .unwrap_or_default();
        if known.contains(fingerprint) {
            continue;
        }
        if is_region_name(&digest.region) {
            regions.insert(digest.region.clone());
        }
        if let Some((start, end)) = content.span() {
            from = Some(from.map_or(start, |f| f.min(start)));
            to = Some(to.map_or(end, |t| t.max(end)));
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        return;
    };
    let regions: Vec<String> = regions.into_iter().collect();
    let (fetched, failures) = fetch_public_keys(profile, &regions, from, to);
    for failure in &failures {
        eprintln!(
            "trailhound: verify: cannot fetch public keys with ListPublicKeys: {}; digests signed by keys not at hand stay unverifiable (pass --public-keys FILE, or --offline)",
            terminal_safe(failure)
        );
    }
    match fetched {
        fetched if !fetched.is_empty() => {
            let count = fetched.keys.len();
            keyring.merge(fetched);
            let saved = index_dir.join(SAVED_KEYRING);
            let written = std::fs::create_dir_all(index_dir)
                .and_then(|()| crate::state_file::write_json(&saved, keyring));
            match written {
                Ok(()) => eprintln!(
                    "fetched {count} public keys with ListPublicKeys ({}); saved to {} for offline runs",
                    regions.join(", "),
                    terminal_safe(&saved.display().to_string())
                ),
                Err(e) => eprintln!("trailhound: verify: cannot save the public keys: {e}"),
            }
        }
        _ => {}
    }
}

/// `eu-west-1`, `us-gov-west-1`: what may be handed to the SDK as a region (folder names come
/// from the bucket, which anyone with write access shapes).
fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// Keeps the verdicts of the files the index holds beside it, for `@integrity:`.
fn record_verdicts(index_dir: &Path, findings: &[Finding]) {
    let Ok(index) = TrailIndex::open(index_dir) else {
        return;
    };
    match Verdicts::keep(&index, findings) {
        Ok(0) => {}
        Ok(recorded) => eprintln!(
            "verdicts kept for {} ingested files: search @integrity:modified (valid, unlisted, missing, unverified) for their events",
            thousands(recorded as u64)
        ),
        Err(e) => eprintln!("trailhound: verify: {}", terminal_safe(&e)),
    }
}

fn table_line(finding: &Finding) -> String {
    let kind = match finding.kind {
        FindingKind::Log => "log",
        FindingKind::Digest => "digest",
        FindingKind::Gap => "gap",
    };
    format!(
        "{:<14} {:<6} {} {} {}: {}",
        finding.status.as_str(),
        kind,
        terminal_safe(&finding.account),
        terminal_safe(&finding.region),
        terminal_safe(&finding.path),
        terminal_safe(&finding.detail)
    )
}

/// `verified 12 digests and 340 log files in 3 chains: 338 valid, 1 modified, 1 unlisted; ...`
fn summary(findings: &[Finding], insight_files: usize, no_keys: bool) -> String {
    let count = |kind| findings.iter().filter(|f| f.kind == kind).count() as u64;
    let chains: std::collections::BTreeSet<(&str, &str)> = findings
        .iter()
        .map(|f| (f.account.as_str(), f.region.as_str()))
        .collect();
    let mut statuses: BTreeMap<Status, u64> = BTreeMap::new();
    for finding in findings {
        *statuses.entry(finding.status).or_default() += 1;
    }
    let each: Vec<String> = statuses
        .iter()
        .map(|(status, n)| format!("{} {}", thousands(*n), status.as_str()))
        .collect();
    let mut line = format!(
        "verified {} digests and {} log files in {} chains: {}",
        thousands(count(FindingKind::Digest)),
        thousands(count(FindingKind::Log)),
        chains.len(),
        each.join(", ")
    );
    if insight_files > 0 {
        line.push_str(&format!(
            "; {} Insights files passed over (no digest lists them)",
            thousands(insight_files as u64)
        ));
    }
    if no_keys {
        line.push_str(
            "; no public keys: pass --public-keys FILE (aws cloudtrail list-public-keys > FILE)",
        );
    }
    let failed = findings.iter().filter(|f| f.status.is_failure()).count() as u64;
    let unchecked = statuses.get(&Status::Unverifiable).copied().unwrap_or(0);
    line.push_str(&match (failed, unchecked) {
        (0, 0) => "; everything checked is intact".to_owned(),
        (0, n) => format!(
            "; nothing checked was changed, removed or added, but {} could not be checked",
            thousands(n)
        ),
        (n, _) => format!(
            "; {} findings show changes, removals or additions",
            thousands(n)
        ),
    });
    line
}
