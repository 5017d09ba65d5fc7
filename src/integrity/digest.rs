//! One CloudTrail digest file, the string its signature covers, and the SHA-256 both use.
use aws_lc_rs::digest::{Context, SHA256};
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// The fields of a digest file that verification reads. Everything the signature covers is the
/// file's bytes, hashed whole, so nothing else needs a field here.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DigestFile {
    pub aws_account_id: String,
    pub digest_start_time: String,
    pub digest_end_time: String,
    pub digest_s3_bucket: String,
    pub digest_s3_object: String,
    #[serde(default)]
    pub digest_public_key_fingerprint: Option<String>,
    #[serde(default)]
    pub digest_signature_algorithm: Option<String>,
    #[serde(default)]
    pub previous_digest_s3_object: Option<String>,
    #[serde(default)]
    pub previous_digest_hash_value: Option<String>,
    #[serde(default)]
    pub previous_digest_signature: Option<String>,
    #[serde(default)]
    pub log_files: Vec<ListedLog>,
}

/// A log file as a digest lists it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ListedLog {
    pub s3_object: String,
    pub hash_value: String,
}

impl DigestFile {
    /// Parses a digest's decompressed bytes; the message says what is wrong with a file that
    /// is not one.
    pub fn parse(bytes: &[u8]) -> Result<DigestFile, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("not a CloudTrail digest: {e}"))
    }

    /// The hour the digest covers, when its times are times.
    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let time = |text: &str| DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc());
        time(&self.digest_start_time).zip(time(&self.digest_end_time))
    }

    /// What CloudTrail signs: the end time, where the digest was written, the SHA-256 of its
    /// bytes, and the previous digest's signature (`null` for the first of a chain).
    pub fn signing_string(&self, hash_hex: &str) -> String {
        signing_string(
            &self.digest_end_time,
            &self.digest_s3_bucket,
            &self.digest_s3_object,
            hash_hex,
            self.previous_digest_signature.as_deref(),
        )
    }
}

/// The string a digest's signature covers.
pub fn signing_string(
    end_time: &str,
    bucket: &str,
    key: &str,
    hash_hex: &str,
    previous_signature: Option<&str>,
) -> String {
    format!(
        "{end_time}\n{bucket}/{key}\n{hash_hex}\n{}",
        previous_signature.unwrap_or("null")
    )
}

/// The part of an S3 key from `AWSLogs/` on: where a file sits whatever prefix or local
/// folder holds the archive.
pub fn archive_key(key: &str) -> Option<&str> {
    if key.starts_with("AWSLogs/") {
        return Some(key);
    }
    key.find("/AWSLogs/").map(|at| &key[at + 1..])
}

/// Lower-case hex SHA-256, fed as the bytes arrive.
#[derive(Clone)]
pub struct Sha256(Context);

impl Default for Sha256 {
    fn default() -> Sha256 {
        Sha256(Context::new(&SHA256))
    }
}

impl Sha256 {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn hex(self) -> String {
        hex::encode(self.0.finish().as_ref())
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut hash = Sha256::default();
    hash.update(bytes);
    hash.hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signing_string_is_end_time_location_hash_and_previous_signature() {
        let digest = DigestFile::parse(
            br#"{"awsAccountId":"111122223333","digestStartTime":"2026-11-01T07:00:00Z",
                "digestEndTime":"2026-11-01T08:00:00Z","digestS3Bucket":"trail",
                "digestS3Object":"AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/01/d.json.gz",
                "previousDigestSignature":null,"logFiles":[]}"#,
        )
        .unwrap();
        assert_eq!(
            digest.signing_string("ab12"),
            "2026-11-01T08:00:00Z\ntrail/AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/01/d.json.gz\nab12\nnull"
        );
        assert!(DigestFile::parse(b"{\"Records\":[]}")
            .unwrap_err()
            .starts_with("not a CloudTrail digest"));
    }

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn an_archive_key_starts_at_awslogs() {
        assert_eq!(archive_key("p/AWSLogs/1/x"), Some("AWSLogs/1/x"));
        assert_eq!(archive_key("AWSLogs/1/x"), Some("AWSLogs/1/x"));
        assert_eq!(archive_key("/tmp/copy/AWSLogs/1/x"), Some("AWSLogs/1/x"));
        assert_eq!(archive_key("elsewhere/x"), None);
    }
}
