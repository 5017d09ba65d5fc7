//! Where files go in the archive and how they are written: names, folders, gzip.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use flate2::write::GzEncoder;
use flate2::Compression;

use super::time;

/// What was written for one events file; digests list these.
pub struct Written {
    /// Path under the output folder, which is also the S3 object key.
    pub key: String,
    pub account: usize,
    pub region: String,
    pub delivered: i64,
    pub oldest: i64,
    pub newest: i64,
    pub events: usize,
    pub json_bytes: u64,
    pub gz_bytes: u64,
    pub hash: String,
}

/// `AWSLogs/<account>` or, for an organization trail, `AWSLogs/<org>/<account>`.
pub fn account_prefix(org_id: Option<&str>, account: &str) -> String {
    match org_id {
        Some(org) => format!("AWSLogs/{org}/{account}"),
        None => format!("AWSLogs/{account}"),
    }
}

/// `.../CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<suffix>.json.gz`;
/// `kind` is `CloudTrail` or `CloudTrail-Insight`.
pub fn log_key(
    prefix: &str,
    kind: &str,
    account: &str,
    region: &str,
    delivered: i64,
    suffix: &str,
) -> String {
    format!(
        "{prefix}/{kind}/{region}/{}/{account}_{kind}_{region}_{}_{suffix}.json.gz",
        time::date_path(delivered),
        time::stamp_minute(delivered),
    )
}

/// `.../CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<region>_<YYYYMMDDTHHmmssZ>.json.gz`.
pub fn digest_key(prefix: &str, account: &str, region: &str, trail: &str, end: i64) -> String {
    format!(
        "{prefix}/CloudTrail-Digest/{region}/{}/{account}_CloudTrail-Digest_{region}_{trail}_{region}_{}.json.gz",
        time::date_path(end),
        time::stamp_second(end),
    )
}

/// Compresses `json` (gzip level 6, fixed header) into `out/key`; returns the compressed size.
pub fn write_gz(out: &Path, key: &str, json: &[u8]) -> anyhow::Result<u64> {
    let path = out.join(key);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut encoder = GzEncoder::new(Vec::with_capacity(json.len() / 6 + 64), Compression::new(6));
    encoder
        .write_all(json)
        .and_then(|()| encoder.try_finish())
        .with_context(|| format!("compressing {}", path.display()))?;
    let gz = encoder.get_ref();
    fs::write(&path, gz).with_context(|| format!("writing {}", path.display()))?;
    Ok(gz.len() as u64)
}

/// The SHA-256 a digest records for a log file: of its decompressed bytes.
pub fn content_hash(bytes: &[u8]) -> String {
    crate::integrity::digest::sha256_hex(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_archive_layout() {
        let t = 1_793_521_800; // 2026-11-01T08:30:00Z
        let prefix = account_prefix(Some("o-abc123xyz0"), "111122223333");
        assert_eq!(
            log_key(&prefix, "CloudTrail", "111122223333", "eu-west-1", t, "AbCdEfGh12345678"),
            "AWSLogs/o-abc123xyz0/111122223333/CloudTrail/eu-west-1/2026/11/01/111122223333_CloudTrail_eu-west-1_20261101T0830Z_AbCdEfGh12345678.json.gz"
        );
        assert_eq!(
            digest_key(&account_prefix(None, "111122223333"), "111122223333", "us-east-1", "main", t),
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/01/111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20261101T083000Z.json.gz"
        );
        assert_eq!(content_hash(b"x").len(), 64);
    }
}
