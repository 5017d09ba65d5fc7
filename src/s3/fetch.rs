//! One object's bytes, as stored (still compressed): fetched whole so that a download that breaks
//! halfway is simply fetched again, never half-read. Trail objects are small (KBs to a few MB);
//! memory is bounded by the GETs in flight times the object limit.
use std::time::Duration;

use bytes::Bytes;

use super::client::{classify, Failure};
use super::BucketUrl;

/// Objects larger than this are refused: no trail writes them, and a reader holds each whole.
pub const MAX_OBJECT_BYTES: i64 = 512 * 1024 * 1024;
/// Tries for one object whose body breaks off (the SDK retries failed requests by itself).
const BODY_ATTEMPTS: u32 = 4;

pub async fn fetch(
    client: &aws_sdk_s3::Client,
    url: &BucketUrl,
    key: &str,
) -> Result<Bytes, Failure> {
    Ok(fetch_signed(client, url, key).await?.0)
}

/// The object's bytes and its `signature` metadata (a digest's, which a download loses).
pub async fn fetch_signed(
    client: &aws_sdk_s3::Client,
    url: &BucketUrl,
    key: &str,
) -> Result<(Bytes, Option<String>), Failure> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let response = client
            .get_object()
            .bucket(&url.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| classify(&e, Some(key)))?;
        if response.content_length().unwrap_or_default() > MAX_OBJECT_BYTES {
            return Err(Failure::Final(format!(
                "{} bytes, over the {} MiB a trail object can be; not read",
                response.content_length().unwrap_or_default(),
                MAX_OBJECT_BYTES >> 20
            )));
        }
        let expected = response.content_length();
        let signature = response
            .metadata()
            .and_then(|metadata| metadata.get("signature"))
            .cloned();
        match response.body.collect().await {
            Ok(body) => {
                let bytes = body.into_bytes();
                if expected.is_none_or(|length| length == bytes.len() as i64) {
                    return Ok((bytes, signature));
                }
                if attempt >= BODY_ATTEMPTS {
                    return Err(Failure::Transient(format!(
                        "the download ended after {} of {} bytes, {attempt} times",
                        bytes.len(),
                        expected.unwrap_or_default()
                    )));
                }
            }
            Err(e) if attempt >= BODY_ATTEMPTS => {
                return Err(Failure::Transient(format!(
                    "the download broke off {attempt} times: {}",
                    crate::event::terminal_safe(&e.to_string())
                )));
            }
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
    }
}

/// The metadata a digest file carries in S3 and loses in a download: its signature.
pub async fn digest_signature(
    client: &aws_sdk_s3::Client,
    url: &BucketUrl,
    key: &str,
) -> Result<(Option<String>, Option<String>), Failure> {
    let head = client
        .head_object()
        .bucket(&url.bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| classify(&e, Some(key)))?;
    let metadata = head.metadata();
    let get = |name: &str| metadata.and_then(|m| m.get(name)).cloned();
    Ok((get("signature"), get("signature-algorithm")))
}
