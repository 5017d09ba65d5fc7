//! The verdicts: each digest's signature and place in its chain, each log file against the
//! digest that lists it, the log files no digest lists, and the hours no digest covers. Pure:
//! the caller finds and hashes the files.
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::digest::{archive_key, DigestFile, ListedLog};
use super::keyring::{Keyring, SignatureCheck};

/// A digest file found, hashed and parsed.
#[derive(Debug, Clone)]
pub struct FoundDigest {
    /// Where it was read, as the user names it (a path, an `s3://` URL).
    pub path: String,
    /// Its key from `AWSLogs/` on.
    pub key: String,
    pub account: String,
    pub region: String,
    /// SHA-256 of its decompressed bytes.
    pub hash: String,
    pub content: Result<DigestFile, String>,
    /// The `signature` S3 metadata, when it was read from the bucket.
    pub metadata_signature: Option<String>,
}

/// A log file found, and the SHA-256 of its decompressed bytes (or why it could not be read).
#[derive(Debug, Clone)]
pub struct FoundLog {
    pub path: String,
    pub key: String,
    pub account: String,
    pub region: String,
    /// Its delivery time, from its name.
    pub delivered: Option<DateTime<Utc>>,
    pub hash: Result<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    Log,
    Digest,
    Gap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    /// The log file's hash differs from the one its digest records.
    Modified,
    /// A digest lists the log file and it is absent.
    Missing,
    /// No digest lists the log file, though digests cover its hour: possibly injected.
    Unlisted,
    /// A chain names a previous digest that is absent.
    DigestMissing,
    /// Bad signature, bad format, moved, another account's, or out of place in its chain.
    DigestInvalid,
    /// Nothing can vouch either way: no key, no signature, no digest for its hour.
    Unverifiable,
    /// Hours no digest covers: logging or validation was off, or digests were deleted.
    Gap,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Modified => "modified",
            Status::Missing => "missing",
            Status::Unlisted => "unlisted",
            Status::DigestMissing => "digest_missing",
            Status::DigestInvalid => "digest_invalid",
            Status::Unverifiable => "unverifiable",
            Status::Gap => "gap",
        }
    }

    /// Evidence that something was changed, removed or added (exit status 1).
    pub fn is_failure(self) -> bool {
        !matches!(self, Status::Valid | Status::Unverifiable)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub status: Status,
    pub account: String,
    pub region: String,
    pub path: String,
    pub detail: String,
}

/// The times to judge: digests ending and log files delivered inside it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Window {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Window {
    fn contains(&self, time: DateTime<Utc>) -> bool {
        self.since.is_none_or(|since| time >= since) && self.until.is_none_or(|until| time <= until)
    }

    fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.since.is_none_or(|since| end >= since) && self.until.is_none_or(|until| start <= until)
    }
}

/// A log file is listed by the digest of the hour it was delivered in, which can end up to an
/// hour after the time its name carries.
const LISTING_DELAY: chrono::Duration = chrono::Duration::hours(1);

/// Every verdict for `digests` and `logs`, chain by chain (account and region).
pub fn verify_chains(
    digests: &[FoundDigest],
    logs: &[FoundLog],
    keyring: &Keyring,
    window: Window,
) -> Vec<Finding> {
    /// What was found of one chain: its digests and its log files.
    type Found<'a> = (Vec<&'a FoundDigest>, Vec<&'a FoundLog>);
    let mut chains: BTreeMap<(&str, &str), Found> = BTreeMap::new();
    for digest in digests {
        chains
            .entry((&digest.account, &digest.region))
            .or_default()
            .0
            .push(digest);
    }
    for log in logs {
        chains
            .entry((&log.account, &log.region))
            .or_default()
            .1
            .push(log);
    }
    let mut findings = Vec::new();
    for ((account, region), (digests, logs)) in chains {
        let chain = Chain {
            account,
            region,
            keyring,
            window,
            findings: Vec::new(),
        };
        findings.extend(chain.verify(&digests, &logs));
    }
    findings
}

/// A digest that can take part in its chain: parsed, in its place, of its account.
struct Linked<'a> {
    found: &'a FoundDigest,
    content: &'a DigestFile,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    status: Status,
    detail: String,
}

struct Chain<'a> {
    account: &'a str,
    region: &'a str,
    keyring: &'a Keyring,
    window: Window,
    findings: Vec<Finding>,
}

impl<'a> Chain<'a> {
    fn finding(&mut self, kind: FindingKind, status: Status, path: &str, detail: String) {
        self.findings.push(Finding {
            kind,
            status,
            account: self.account.to_owned(),
            region: self.region.to_owned(),
            path: path.to_owned(),
            detail,
        });
    }

    fn verify(mut self, digests: &[&'a FoundDigest], logs: &[&'a FoundLog]) -> Vec<Finding> {
        // Every digest takes part in the checks (the one after the window carries the signature
        // of the last one inside it); only what touches the window is reported.
        let mut linked = self.linked(digests);
        linked.sort_by_key(|d| (d.end, d.found.key.clone()));
        self.check_links(&mut linked);
        self.check_signatures(&mut linked);
        let window = self.window;
        for digest in linked.iter().filter(|d| window.overlaps(d.start, d.end)) {
            self.finding(
                FindingKind::Digest,
                digest.status,
                &digest.found.path,
                digest.detail.clone(),
            );
        }
        self.check_gaps(&linked, logs);
        self.check_logs(&linked, logs);
        self.findings
    }

    /// The digests that can be placed in the chain; the others are findings.
    fn linked(&mut self, digests: &[&'a FoundDigest]) -> Vec<Linked<'a>> {
        let mut linked = Vec::new();
        for found in digests {
            let content = match &found.content {
                Ok(content) => content,
                Err(message) => {
                    self.finding(
                        FindingKind::Digest,
                        Status::DigestInvalid,
                        &found.path,
                        message.clone(),
                    );
                    continue;
                }
            };
            let problem = if content.aws_account_id != found.account {
                Some(format!(
                    "a digest of account {} among account {}'s",
                    content.aws_account_id, found.account
                ))
            } else if archive_key(&content.digest_s3_object) != Some(found.key.as_str()) {
                Some(format!(
                    "moved: it says it was written to {}",
                    content.digest_s3_object
                ))
            } else {
                None
            };
            let times = content.span();
            let problem = problem.or_else(|| match times {
                Some((start, end)) if start < end => None,
                _ => Some(format!(
                    "its times {} .. {} are not a span",
                    content.digest_start_time, content.digest_end_time
                )),
            });
            match (problem, times) {
                (None, Some((start, end))) => linked.push(Linked {
                    found,
                    content,
                    start,
                    end,
                    status: Status::Valid,
                    detail: String::new(),
                }),
                (problem, _) => {
                    if times.is_none_or(|(start, end)| self.window.overlaps(start, end)) {
                        self.finding(
                            FindingKind::Digest,
                            Status::DigestInvalid,
                            &found.path,
                            problem.unwrap_or_default(),
                        );
                    }
                }
            }
        }
        linked
    }

    /// Each digest's previous one: present, older, and hashed as recorded; the absent ones
    /// inside the chain are findings.
    fn check_links(&mut self, linked: &mut [Linked<'a>]) {
        let by_key: HashMap<&str, usize> = linked
            .iter()
            .enumerate()
            .map(|(at, d)| (d.found.key.as_str(), at))
            .collect();
        let mut missing = Vec::new();
        for at in 0..linked.len() {
            let Some(previous) = linked[at]
                .content
                .previous_digest_s3_object
                .as_deref()
                .and_then(archive_key)
            else {
                continue;
            };
            match by_key.get(previous) {
                Some(&before) if linked[before].end >= linked[at].end => {
                    let detail = format!(
                        "its previous digest {previous} is not older: the chain loops or forks"
                    );
                    invalidate(&mut linked[at], detail);
                }
                Some(&before) => {
                    let recorded = linked[at].content.previous_digest_hash_value.as_deref();
                    if recorded
                        .is_some_and(|hash| !hash.eq_ignore_ascii_case(&linked[before].found.hash))
                    {
                        let detail = format!(
                            "its SHA-256 differs from the one {} records",
                            linked[at].found.key
                        );
                        invalidate(&mut linked[before], detail);
                    }
                }
                // Older digests are here, so this one was deleted (or never written).
                None if linked.iter().any(|d| d.end <= linked[at].start)
                    && self
                        .window
                        .overlaps(linked[at].start - LISTING_DELAY, linked[at].start) =>
                {
                    missing.push((previous.to_owned(), linked[at].found.key.clone()));
                }
                None => {}
            }
        }
        for (previous, next) in missing {
            self.finding(
                FindingKind::Digest,
                Status::DigestMissing,
                &previous,
                format!("{next} names it as the digest before it"),
            );
        }
    }

    /// Each digest's signature: from S3 metadata, else from the next digest in the chain.
    fn check_signatures(&mut self, linked: &mut [Linked<'a>]) {
        let mut from_next: HashMap<String, String> = HashMap::new();
        for digest in linked.iter() {
            if let (Some(previous), Some(signature)) = (
                digest
                    .content
                    .previous_digest_s3_object
                    .as_deref()
                    .and_then(archive_key),
                digest.content.previous_digest_signature.as_deref(),
            ) {
                from_next.insert(previous.to_owned(), signature.to_owned());
            }
        }
        for digest in linked.iter_mut() {
            if digest.status != Status::Valid {
                continue;
            }
            let signature = digest
                .found
                .metadata_signature
                .clone()
                .or_else(|| from_next.get(&digest.found.key).cloned());
            let Some(signature) = signature else {
                digest.status = Status::Unverifiable;
                digest.detail = "no signature: a digest's own signature is kept only in S3 \
                                 metadata, and no later digest here carries it"
                    .into();
                continue;
            };
            let fingerprint = digest
                .content
                .digest_public_key_fingerprint
                .clone()
                .unwrap_or_default();
            let message = digest.content.signing_string(&digest.found.hash);
            match self
                .keyring
                .check(&fingerprint, message.as_bytes(), &signature)
            {
                SignatureCheck::Valid => {}
                SignatureCheck::Invalid(reason) => invalidate(digest, reason),
                SignatureCheck::NoKey if self.keyring.complete_for.contains(self.region) => {
                    let detail = format!(
                        "signed with key {fingerprint}, which ListPublicKeys does not give for {}: not CloudTrail's",
                        self.region
                    );
                    invalidate(digest, detail);
                }
                SignatureCheck::NoKey => {
                    digest.status = Status::Unverifiable;
                    digest.detail = format!(
                        "no public key with fingerprint {fingerprint} (pass --public-keys)"
                    );
                }
            }
        }
    }

    /// Hours between consecutive digests that no digest covers, and log files with no digest
    /// at all.
    fn check_gaps(&mut self, linked: &[Linked<'a>], logs: &[&'a FoundLog]) {
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> =
            linked.iter().map(|d| (d.start, d.end)).collect();
        spans.sort();
        let mut covered_to: Option<DateTime<Utc>> = None;
        for (start, end) in spans {
            if let Some(to) = covered_to {
                if start > to && self.window.overlaps(to, start) {
                    self.finding(
                        FindingKind::Gap,
                        Status::Gap,
                        &format!("{} .. {}", to.format("%Y-%m-%dT%H:%M:%SZ"), start.format("%Y-%m-%dT%H:%M:%SZ")),
                        "no digest covers these hours: logging or log file validation was off, or digests were deleted".into(),
                    );
                }
            }
            covered_to = Some(covered_to.map_or(end, |to| to.max(end)));
        }
        let judged = logs
            .iter()
            .filter(|log| log.delivered.is_none_or(|t| self.window.contains(t)))
            .count();
        if linked.is_empty() && judged > 0 {
            self.finding(
                FindingKind::Gap,
                Status::Gap,
                &format!("{} {}", self.account, self.region),
                format!("{judged} log files and no digest: log file validation was off, or the digests were not copied"),
            );
        }
    }

    fn check_logs(&mut self, linked: &[Linked<'a>], logs: &[&'a FoundLog]) {
        // One key can be in two copies (a bucket and a local copy): each is judged.
        let mut by_key: HashMap<&str, Vec<&FoundLog>> = HashMap::new();
        for log in logs {
            by_key.entry(log.key.as_str()).or_default().push(log);
        }
        let mut listed: HashSet<&str> = HashSet::new();
        for digest in linked {
            let reported = self.window.overlaps(digest.start, digest.end);
            for entry in &digest.content.log_files {
                let key = archive_key(&entry.s3_object).unwrap_or(&entry.s3_object);
                listed.insert(key);
                if !reported {
                    continue;
                }
                let Some(copies) = by_key.get(key) else {
                    let (status, detail) = match digest.status {
                        Status::DigestInvalid => (
                            Status::Unverifiable,
                            format!(
                                "absent, and listed only by {}, which fails its check",
                                digest.found.key
                            ),
                        ),
                        _ => (Status::Missing, format!("{} lists it", digest.found.key)),
                    };
                    self.finding(FindingKind::Log, status, key, detail);
                    continue;
                };
                for log in copies {
                    let (status, detail) = judge(log, entry, digest);
                    self.finding(FindingKind::Log, status, &log.path, detail);
                }
            }
        }
        let covered = linked
            .first()
            .map(|d| d.start)
            .zip(linked.last().map(|d| d.end));
        for log in logs {
            if listed.contains(log.key.as_str())
                || log.delivered.is_some_and(|t| !self.window.contains(t))
            {
                continue;
            }
            let (status, detail) = match (covered, log.delivered) {
                (Some((first, last)), Some(delivered))
                    if first <= delivered && delivered + LISTING_DELAY <= last =>
                {
                    (
                        Status::Unlisted,
                        "no digest lists it, though digests cover its hour: it may have been added"
                            .into(),
                    )
                }
                (Some(_), None) => (
                    Status::Unlisted,
                    "its name carries no delivery time, and no digest lists it: it may have been added"
                        .into(),
                ),
                _ if linked.is_empty() => (
                    Status::Unverifiable,
                    "no digest for its account and region".into(),
                ),
                _ => (
                    Status::Unverifiable,
                    "no digest in this copy covers its hour yet".into(),
                ),
            };
            self.finding(FindingKind::Log, status, &log.path, detail);
        }
    }
}

/// One log file against the digest entry that lists it.
fn judge(log: &FoundLog, entry: &ListedLog, digest: &Linked<'_>) -> (Status, String) {
    match (&log.hash, digest.status) {
        // The digest records the hash of a file that decompresses whole: this one is not it.
        (Err(reason), _) if reason.starts_with("cannot decompress") => (
            Status::Modified,
            format!("{reason}: it is not the file {} records", digest.found.key),
        ),
        (Err(reason), _) => (Status::Unverifiable, reason.clone()),
        (_, Status::DigestInvalid) => (
            Status::Unverifiable,
            format!("listed by {}, which fails its check", digest.found.key),
        ),
        (Ok(hash), _) if !hash.eq_ignore_ascii_case(&entry.hash_value) => (
            Status::Modified,
            format!(
                "its SHA-256 is {hash}; {} records {}",
                digest.found.key, entry.hash_value
            ),
        ),
        (Ok(_), Status::Valid) => (Status::Valid, String::new()),
        (Ok(_), _) => (
            Status::Unverifiable,
            format!(
                "its SHA-256 matches {}, whose signature could not be checked",
                digest.found.key
            ),
        ),
    }
}

fn invalidate(digest: &mut Linked<'_>, detail: String) {
    if digest.status != Status::DigestInvalid {
        digest.status = Status::DigestInvalid;
        digest.detail = detail;
    }
}
