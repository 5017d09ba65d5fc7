//! The AWS side of a pull: one SDK configuration (credential chain, profile, endpoint
//! overrides), the caller's account, per-region clients, and what an SDK error means for us.
use std::time::Duration;

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudtrail::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudtrail::operation::lookup_events::LookupEventsError;

/// Commercial regions, for `--all-regions`. A region the account has not enabled answers with
/// an error of its own and is reported and skipped.
pub const COMMERCIAL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
];

/// How the SDK is set up for a pull.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    pub profile: Option<String>,
    /// Per attempt; real LookupEvents calls have been seen taking 35 s.
    pub request_timeout: Duration,
}

/// The region from `AWS_REGION`/`AWS_DEFAULT_REGION` or the profile, never from instance
/// metadata (which can stall for seconds off EC2).
pub async fn configured_region(profile: Option<&str>) -> Option<String> {
    let mut from_profile = ProfileFileRegionProvider::builder();
    if let Some(profile) = profile {
        from_profile = from_profile.profile_name(profile);
    }
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(from_profile.build())
        .region()
        .await
        .map(|r| r.as_ref().to_owned())
}

/// Loads the SDK configuration once: credentials chain, profile, endpoint overrides
/// (`AWS_ENDPOINT_URL_CLOUDTRAIL`, `AWS_ENDPOINT_URL`), timeouts. The SDK's standard retries
/// serve STS and the credential providers; LookupEvents clients turn them off (see
/// `cloudtrail_client`).
pub async fn load(options: &AwsOptions, home_region: &str) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(home_region.to_owned()))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(options.request_timeout)
                .build(),
        );
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    loader.load().await
}

/// A LookupEvents client for `region` that never retries on its own: a retry the SDK sent
/// would leave outside the region's pacer and could break the quota. `fetch` retries every
/// failed call itself, through the pacer.
pub fn cloudtrail_client(config: &SdkConfig, region: &str) -> aws_sdk_cloudtrail::Client {
    let config = aws_sdk_cloudtrail::config::Builder::from(config)
        .region(Region::new(region.to_owned()))
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_cloudtrail::Client::from_conf(config)
}

/// Why the caller's account could not be learned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// The credentials are missing, expired or rejected: nothing can be pulled.
    Credentials(String),
    /// STS could not be reached (a network that only reaches the CloudTrail endpoint, say).
    Unreachable(String),
}

/// The account the credentials belong to (checkpoints are kept per account).
pub async fn caller_account(
    config: &SdkConfig,
    profile: Option<&str>,
) -> Result<String, IdentityError> {
    let sts = aws_sdk_sts::Client::new(config);
    match sts.get_caller_identity().send().await {
        Ok(identity) => identity
            .account()
            .map(str::to_owned)
            .ok_or_else(|| IdentityError::Unreachable("STS returned no account".to_owned())),
        Err(e) => {
            let code = e.code().map(str::to_owned);
            let detail = DisplayErrorContext(&e).to_string();
            let unreachable = matches!(&e, SdkError::TimeoutError(_))
                || matches!(&e, SdkError::DispatchFailure(f) if f.is_io() || f.is_timeout());
            if unreachable {
                Err(IdentityError::Unreachable(first_line(&detail)))
            } else {
                Err(IdentityError::Credentials(credentials_problem(
                    code.as_deref(),
                    &detail,
                    profile,
                )))
            }
        }
    }
}

fn profile_flag(profile: Option<&str>) -> String {
    profile
        .map(|p| format!(" --profile {p}"))
        .unwrap_or_default()
}

/// One line telling the user what is wrong with their credentials and what to run.
fn credentials_problem(code: Option<&str>, detail: &str, profile: Option<&str>) -> String {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("sso") {
        return format!(
            "the AWS SSO session{} has expired or was never started: run `aws sso login{} --use-device-code --no-browser`, then pull again",
            profile.map(|p| format!(" for profile {p}")).unwrap_or_default(),
            profile_flag(profile),
        );
    }
    match code {
        Some("ExpiredToken" | "ExpiredTokenException" | "RequestExpired") => {
            return "the AWS credentials have expired: refresh them (e.g. `aws sso login`, or new temporary keys), then pull again".to_owned()
        }
        Some("InvalidClientTokenId" | "SignatureDoesNotMatch" | "UnrecognizedClientException") => {
            return format!(
                "the AWS credentials were rejected ({}): check the access key and secret{}",
                code.unwrap_or_default(),
                profile
                    .map(|p| format!(" of profile {p}"))
                    .unwrap_or_default()
            )
        }
        _ => {}
    }
    if lower.contains("credential") || lower.contains("identity") {
        return format!(
            "no AWS credentials found (environment, shared config and credentials files, SSO, container and instance metadata were tried): set AWS_PROFILE or pass --profile, or run `aws configure`{}",
            profile.map(|p| format!(" (profile {p} was asked for)")).unwrap_or_default()
        );
    }
    format!(
        "cannot confirm the AWS identity with STS GetCallerIdentity: {}",
        first_line(detail)
    )
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    crate::event::terminal_safe(line).into_owned()
}

/// What to do about a failed LookupEvents call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFailure {
    /// Rate exceeded: slow the whole region down, then retry the same page.
    Throttled,
    /// A server error, timeout, broken connection or garbled body: retry the same page.
    Transient(String),
    /// The saved token no longer works with these parameters.
    StaleToken,
    /// This region cannot be paged at all (access denied, region not enabled, credentials).
    Region(String),
    /// This request is wrong and will stay wrong.
    Invalid(String),
}

pub fn classify(
    error: &SdkError<LookupEventsError>,
    region: &str,
    profile: Option<&str>,
) -> CallFailure {
    let detail = DisplayErrorContext(error).to_string();
    match error {
        SdkError::TimeoutError(_) => CallFailure::Transient("request timed out".into()),
        SdkError::ResponseError(_) => {
            CallFailure::Transient(format!("unreadable response: {}", first_line(&detail)))
        }
        SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
            CallFailure::Transient(format!("connection failed: {}", first_line(&detail)))
        }
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) => {
            let lower = detail.to_ascii_lowercase();
            if lower.contains("credential") || lower.contains("identity") || lower.contains("sso") {
                CallFailure::Region(credentials_problem(None, &detail, profile))
            } else {
                CallFailure::Transient(format!("request failed: {}", first_line(&detail)))
            }
        }
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or_default();
            let message = crate::event::terminal_safe(service.err().message().unwrap_or_default())
                .into_owned();
            match code {
                "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded" => {
                    CallFailure::Throttled
                }
                "InvalidNextTokenException" => CallFailure::StaleToken,
                "AccessDeniedException" | "AccessDenied" => CallFailure::Region(format!(
                    "access denied to cloudtrail:LookupEvents in {region}: {message}"
                )),
                "UnrecognizedClientException" | "InvalidClientTokenId" => CallFailure::Region(format!(
                    "{region} does not accept these credentials: if it is an opt-in region, it is not enabled for this account ({code})"
                )),
                "ExpiredTokenException" | "ExpiredToken" => {
                    CallFailure::Region(credentials_problem(Some("ExpiredToken"), &detail, profile))
                }
                _ if status >= 500 => CallFailure::Transient(format!("HTTP {status} {code}")),
                _ if code.is_empty() => {
                    CallFailure::Transient(format!("HTTP {status}: {}", first_line(&detail)))
                }
                _ => CallFailure::Invalid(format!("{code}: {message}")),
            }
        }
        _ => CallFailure::Transient(first_line(&detail)),
    }
}
