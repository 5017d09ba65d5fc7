//! An S3 client for a trail bucket: the shared SDK configuration, the bucket's own region, and
//! what works with S3-compatible servers; and what an S3 error means, in one line.
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{Region, SdkConfig};
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::BucketUrl;

/// Attempts per request: the SDK backs off between them on `503 SlowDown` and broken connections.
const MAX_ATTEMPTS: u32 = 6;

/// A client for `region`. With an endpoint override (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`)
/// the server is S3-compatible: path-style addressing (a host name such as `localhost` cannot
/// take the bucket as a sub-domain), and checksums only where the API requires them (older
/// servers reject the CRCs the SDK adds by default).
pub fn client(config: &SdkConfig, region: &str) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(config)
        .region(Region::new(region.to_owned()))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(200)),
        );
    if endpoint_override().is_some() {
        builder = builder
            .force_path_style(true)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// A client for `url`'s bucket in the bucket's own region, on the standard credential chain
/// (or `profile`): asked once with HeadBucket, which also says plainly when the bucket is
/// missing or closed to these credentials.
pub async fn connect(
    url: &BucketUrl,
    profile: Option<&str>,
) -> Result<aws_sdk_s3::Client, Failure> {
    let region = crate::pull::aws::configured_region(profile)
        .await
        .unwrap_or_else(|| "us-east-1".to_owned());
    let config = crate::pull::aws::load(
        &crate::pull::aws::AwsOptions {
            profile: profile.map(str::to_owned),
            request_timeout: Duration::from_secs(60),
        },
        &region,
    )
    .await;
    let first = client(&config, &region);
    match first.head_bucket().bucket(&url.bucket).send().await {
        Ok(head) => match head.bucket_region() {
            Some(home) if home != region => Ok(client(&config, home)),
            _ => Ok(first),
        },
        Err(e) => match classify(&e, None) {
            Failure::Moved(home) => Ok(client(&config, &home)),
            other => Err(other),
        },
    }
}

fn endpoint_override() -> Option<String> {
    ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// What went wrong with one request, said so that the user knows what to do. Messages never name
/// the bucket or object: the problem line they go into does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The bucket lives in another region: ask again there.
    Moved(String),
    /// Worth another try later (the SDK already retried).
    Transient(String),
    /// Will stay wrong: a missing bucket or key, access denied.
    Final(String),
}

impl Failure {
    pub fn message(&self) -> String {
        match self {
            Failure::Moved(region) => format!("the bucket is in {region}; asked elsewhere"),
            Failure::Transient(message) | Failure::Final(message) => message.clone(),
        }
    }
}

/// Classifies a failed request about `object` (a key), or about the bucket itself.
pub fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    error: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    object: Option<&str>,
) -> Failure {
    let safe = |text: &str| crate::event::terminal_safe(text).into_owned();
    let detail = DisplayErrorContext(error).to_string();
    let first_line = safe(detail.lines().next().unwrap_or_default());
    match error {
        SdkError::ServiceError(service) => {
            let raw = service.raw();
            let status = raw.status().as_u16();
            if let Some(region) = raw.headers().get("x-amz-bucket-region") {
                if matches!(status, 301 | 307 | 400) {
                    return Failure::Moved(region.to_owned());
                }
            }
            let code = service.err().code().unwrap_or_default();
            let message = safe(service.err().message().unwrap_or_default());
            match (status, code) {
                (_, "NoSuchBucket") | (404, _) if object.is_none() => Failure::Final(
                    "no such bucket (check the name, and that the credentials are for the account that owns it)".to_owned(),
                ),
                (_, "NoSuchKey") | (404, _) => Failure::Final("no longer in the bucket".to_owned()),
                (403, _) | (_, "AccessDenied") => Failure::Final(access_denied(object, &message)),
                (_, "SlowDown") | (500.., _) => Failure::Transient(format!(
                    "HTTP {status} {code} (retried {MAX_ATTEMPTS} times)"
                )),
                _ => Failure::Final(format!("HTTP {status} {code}: {message}")),
            }
        }
        SdkError::DispatchFailure(failure) if !failure.is_io() && !failure.is_timeout() => {
            let lower = detail.to_ascii_lowercase();
            if lower.contains("credential") || lower.contains("identity") {
                Failure::Final(
                    "no usable AWS credentials (environment, profile, SSO and instance metadata were tried): set AWS_PROFILE or pass --profile".to_owned(),
                )
            } else {
                Failure::Final(first_line)
            }
        }
        _ => Failure::Transient(first_line),
    }
}

/// Access denied, naming the KMS key when the object is encrypted with one the caller cannot use.
fn access_denied(object: Option<&str>, message: &str) -> String {
    let kms_key = message
        .split_whitespace()
        .find(|word| word.starts_with("arn:aws:kms:"))
        .map(|arn| arn.trim_end_matches(['.', ',', ';']));
    let detail = if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    };
    match (kms_key, object) {
        (Some(key), _) => format!(
            "access denied: the object is encrypted with KMS key {key}, and these credentials lack kms:Decrypt on it"
        ),
        (None, _) if message.to_ascii_lowercase().contains("kms") => format!(
            "access denied by KMS (these credentials lack kms:Decrypt on the object's key){detail}"
        ),
        (None, None) => format!(
            "access denied (the credentials need s3:ListBucket on the bucket and s3:GetObject on its objects){detail}"
        ),
        (None, Some(_)) => format!("access denied (s3:GetObject){detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kms_denial_names_the_key() {
        let line = access_denied(
            Some("AWSLogs/x.json.gz"),
            "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd.",
        );
        assert!(
            line.contains("KMS key arn:aws:kms:us-east-1:111122223333:key/1234abcd, and these"),
            "{line}"
        );
        let bucket = access_denied(None, "");
        assert!(
            bucket.starts_with("access denied (the credentials need s3:ListBucket"),
            "{bucket}"
        );
    }
}
