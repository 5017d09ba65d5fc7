//! CloudTrail's public keys from the ListPublicKeys API, for the regions and times the digests
//! need, on the same credential chain and endpoint settings as `pull`.
use std::time::Duration;

use aws_sdk_cloudtrail::error::DisplayErrorContext;
use aws_sdk_cloudtrail::primitives::DateTime as AwsDateTime;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};

use super::keyring::{Keyring, PublicKey};
use crate::pull::aws::{cloudtrail_client, load, AwsOptions};

/// The keys valid over `from..to` in each of `regions`, and a line for each region that failed
/// (the others' keys are kept).
pub fn fetch_public_keys(
    profile: Option<&str>,
    regions: &[String],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> (Keyring, Vec<String>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            return (
                Keyring::default(),
                vec![format!("cannot start the async runtime: {e}")],
            )
        }
    };
    runtime.block_on(async {
        let options = AwsOptions {
            profile: profile.map(str::to_owned),
            request_timeout: Duration::from_secs(20),
        };
        let mut keyring = Keyring::default();
        let mut failures = Vec::new();
        for region in regions {
            match fetch_region(&options, region, from, to, &mut keyring).await {
                Ok(()) => {
                    keyring.complete_for.insert(region.clone());
                }
                Err(failure) => failures.push(failure),
            }
        }
        (keyring, failures)
    })
}

async fn fetch_region(
    options: &AwsOptions,
    region: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    keyring: &mut Keyring,
) -> Result<(), String> {
    let config = load(options, region).await;
    let client = cloudtrail_client(&config, region);
    let mut token: Option<String> = None;
    loop {
        let answer = client
            .list_public_keys()
            .start_time(AwsDateTime::from_secs(from.timestamp()))
            .end_time(AwsDateTime::from_secs(to.timestamp()))
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| format!("{region}: {}", short(&DisplayErrorContext(&e).to_string())))?;
        keyring.merge(Keyring {
            keys: answer
                .public_key_list()
                .iter()
                .filter_map(public_key)
                .collect(),
            ..Keyring::default()
        });
        match answer.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_owned()),
            _ => return Ok(()),
        }
    }
}

fn public_key(key: &aws_sdk_cloudtrail::types::PublicKey) -> Option<PublicKey> {
    let time = |t: Option<&AwsDateTime>| {
        t.and_then(|t| DateTime::from_timestamp(t.secs(), 0))
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true).into())
    };
    Some(PublicKey {
        value: base64::engine::general_purpose::STANDARD.encode(key.value()?.as_ref()),
        fingerprint: key.fingerprint()?.to_owned(),
        validity_start: time(key.validity_start_time()),
        validity_end: time(key.validity_end_time()),
    })
}

/// The SDK's error chain without the debug dump that follows it, or what to do about missing
/// credentials.
fn short(detail: &str) -> String {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("loading credentials") || lower.contains("no credentials") {
        return "no AWS credentials found: set AWS_PROFILE or pass --profile, or run `aws configure`"
            .to_owned();
    }
    let line = detail.lines().next().unwrap_or_default();
    let cut = [
        " (DispatchFailure(",
        " (ServiceError(",
        " (TimeoutError(",
        " (ResponseError(",
        " (ConstructionFailure(",
    ]
    .iter()
    .filter_map(|marker| line.find(marker))
    .min()
    .unwrap_or(line.len());
    crate::event::terminal_safe(&line[..cut]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn an_sdk_error_is_said_without_its_debug_dump() {
        assert_eq!(
            short("dispatch failure: io error: Connection refused (os error 111) (DispatchFailure(DispatchFailure { x }))"),
            "dispatch failure: io error: Connection refused (os error 111)"
        );
        assert!(
            short("dispatch failure: an error occurred while loading credentials: x")
                .starts_with("no AWS credentials found")
        );
    }
}
