//! CloudTrail-Digest files: hourly, per account and region, listing the log files delivered in the
//! hour and chaining to the previous digest.

use std::path::Path;

use serde::Serialize;

use super::ids;
use super::layout::{account_prefix, content_hash, digest_key, write_gz, Written};
use super::time::IsoTime;

/// Digests written per account: enough to show the chain, not a full validation set.
const HOURS_PER_ACCOUNT: usize = 3;
const DIGEST_REGION: &str = "us-east-1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Digest<'a> {
    aws_account_id: &'a str,
    digest_start_time: IsoTime,
    digest_end_time: IsoTime,
    digest_s3_bucket: &'a str,
    digest_s3_object: &'a str,
    digest_public_key_fingerprint: &'a str,
    digest_signature_algorithm: &'static str,
    newest_event_time: Option<IsoTime>,
    oldest_event_time: Option<IsoTime>,
    previous_digest_s3_bucket: Option<&'a str>,
    previous_digest_s3_object: Option<&'a str>,
    previous_digest_hash_value: Option<&'a str>,
    previous_digest_hash_algorithm: Option<&'static str>,
    previous_digest_signature: Option<&'a str>,
    log_files: Vec<LogFile<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogFile<'a> {
    s3_bucket: &'a str,
    s3_object: &'a str,
    hash_value: &'a str,
    hash_algorithm: &'static str,
    newest_event_time: IsoTime,
    oldest_event_time: IsoTime,
}

/// The account's trail: its bucket and name.
pub struct Trail<'a> {
    pub account_id: &'a str,
    pub bucket: &'a str,
    pub name: &'a str,
}

/// Writes the digests of the first hours of `account`'s logs in us-east-1; returns how many.
pub fn write_digests(
    out: &Path,
    org_id: Option<&str>,
    seed: u64,
    account: usize,
    trail: &Trail,
    logs: &[Written],
) -> anyhow::Result<usize> {
    let mut rng = ids::stable_rng(seed, &["digest", trail.account_id]);
    let fingerprint = ids::hex(&mut rng, 32);
    let prefix = account_prefix(org_id, trail.account_id);
    let mine: Vec<&Written> = logs
        .iter()
        .filter(|w| w.account == account && w.region == DIGEST_REGION)
        .collect();
    let mut hours: Vec<i64> = mine.iter().map(|w| w.delivered.div_euclid(3600)).collect();
    hours.dedup();
    hours.truncate(HOURS_PER_ACCOUNT);

    let mut previous: Option<(String, String, String)> = None;
    for hour in &hours {
        let (start, end) = (hour * 3600, (hour + 1) * 3600);
        let files: Vec<&Written> = mine
            .iter()
            .copied()
            .filter(|w| w.delivered.div_euclid(3600) == *hour)
            .collect();
        let key = digest_key(&prefix, trail.account_id, DIGEST_REGION, trail.name, end);
        let digest = Digest {
            aws_account_id: trail.account_id,
            digest_start_time: IsoTime::new(start),
            digest_end_time: IsoTime::new(end),
            digest_s3_bucket: trail.bucket,
            digest_s3_object: &key,
            digest_public_key_fingerprint: &fingerprint,
            digest_signature_algorithm: "SHA256withRSA",
            newest_event_time: files.iter().map(|w| w.newest).max().map(IsoTime::new),
            oldest_event_time: files.iter().map(|w| w.oldest).min().map(IsoTime::new),
            previous_digest_s3_bucket: previous.as_ref().map(|_| trail.bucket),
            previous_digest_s3_object: previous.as_ref().map(|p| p.0.as_str()),
            previous_digest_hash_value: previous.as_ref().map(|p| p.1.as_str()),
            previous_digest_hash_algorithm: previous.as_ref().map(|_| "SHA-256"),
            previous_digest_signature: previous.as_ref().map(|p| p.2.as_str()),
            log_files: files
                .iter()
                .map(|w| LogFile {
                    s3_bucket: trail.bucket,
                    s3_object: &w.key,
                    hash_value: &w.hash,
                    hash_algorithm: "SHA-256",
                    newest_event_time: IsoTime::new(w.newest),
                    oldest_event_time: IsoTime::new(w.oldest),
                })
                .collect(),
        };
        let json = serde_json::to_vec(&digest)?;
        write_gz(out, &key, &json)?;
        let signature = ids::hex(&mut rng, 512);
        previous = Some((key, content_hash(&json), signature));
    }
    Ok(hours.len())
}
