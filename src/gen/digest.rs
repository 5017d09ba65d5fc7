//! CloudTrail-Digest files: one per account, region and hour (also for an hour with no log
//! files), listing the SHA-256 of each log file delivered in the hour, chained to the previous
//! digest and signed as CloudTrail signs them. Their signatures, which S3 keeps as object
//! metadata, are returned for the caller to write beside the archive.
use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;
use serde::Serialize;

use super::layout::{account_prefix, digest_key, write_gz, Written};
use super::signing::Signer;
use super::time::IsoTime;
use crate::integrity::digest::{sha256_hex, signing_string};

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
    pub account: usize,
    pub account_id: &'a str,
    pub bucket: &'a str,
    pub name: &'a str,
}

/// Which digests to write.
pub struct DigestPlan<'a> {
    pub out: &'a Path,
    pub org_id: Option<&'a str>,
    pub regions: &'a [String],
    /// Every hour from the first to the last delivery, as `hour * 3600` seconds.
    pub first_hour: i64,
    pub last_hour: i64,
    /// Only the first hours of each chain, when set.
    pub hours: Option<usize>,
    pub signer: &'a Signer,
}

/// Writes every digest of `trail`; returns each digest's key and signature.
pub fn write_digests(
    plan: &DigestPlan,
    trail: &Trail,
    logs: &[Written],
) -> anyhow::Result<BTreeMap<String, String>> {
    let chains: Vec<BTreeMap<String, String>> = plan
        .regions
        .par_iter()
        .map(|region| write_chain(plan, trail, region, logs))
        .collect::<anyhow::Result<_>>()?;
    Ok(chains.into_iter().flatten().collect())
}

fn write_chain(
    plan: &DigestPlan,
    trail: &Trail,
    region: &str,
    logs: &[Written],
) -> anyhow::Result<BTreeMap<String, String>> {
    let prefix = account_prefix(plan.org_id, trail.account_id);
    let mine: Vec<&Written> = logs
        .iter()
        .filter(|w| w.account == trail.account && w.region == region)
        .collect();
    let hours = (plan.last_hour - plan.first_hour + 1).max(0) as usize;
    let hours = plan.hours.map_or(hours, |limit| limit.min(hours));
    let mut signatures = BTreeMap::new();
    let mut previous: Option<(String, String, String)> = None;
    for hour in (plan.first_hour..).take(hours) {
        let (start, end) = (hour * 3600, (hour + 1) * 3600);
        let files: Vec<&Written> = mine
            .iter()
            .copied()
            .filter(|w| w.delivered.div_euclid(3600) == hour)
            .collect();
        let key = digest_key(&prefix, trail.account_id, region, trail.name, end);
        let digest = Digest {
            aws_account_id: trail.account_id,
            digest_start_time: IsoTime::new(start),
            digest_end_time: IsoTime::new(end),
            digest_s3_bucket: trail.bucket,
            digest_s3_object: &key,
            digest_public_key_fingerprint: &plan.signer.fingerprint,
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
        write_gz(plan.out, &key, &json)?;
        let hash = sha256_hex(&json);
        let signed = signing_string(
            IsoTime::new(end).as_str(),
            trail.bucket,
            &key,
            &hash,
            previous.as_ref().map(|p| p.2.as_str()),
        );
        let signature = plan.signer.sign(signed.as_bytes())?;
        signatures.insert(key.clone(), signature.clone());
        previous = Some((key, hash, signature));
    }
    Ok(signatures)
}
