//! Which accounts a pull covers and the credentials for each: the default chain or a profile
//! (`--profile`, repeatable), or a role assumed in other accounts from the base credentials
//! (`--account ID --role-name NAME`). Each account that cannot be reached is one line; the
//! others carry on.
use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_sdk_sts::config::SharedCredentialsProvider;
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata};

use super::aws::{self, AwsOptions, IdentityError};
use crate::event::terminal_safe;
use crate::index::coverage::PullAccess;

/// What the assumed sessions are called in the accounts' own CloudTrail.
const SESSION_NAME: &str = "trailhound-pull";

/// Where one account's credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSource {
    /// The default chain (`None`) or a named profile.
    Profile(Option<String>),
    /// `arn:aws:iam::{account}:role/{role_name}`, assumed through STS from the base credentials.
    AssumeRole { account: String, role_name: String },
}

impl AccountSource {
    /// How the user named this account, for messages.
    pub fn describe(&self) -> String {
        match self {
            AccountSource::Profile(None) => "the default credentials".to_owned(),
            AccountSource::Profile(Some(profile)) => format!("profile {profile}"),
            AccountSource::AssumeRole { account, .. } => format!("account {account}"),
        }
    }
}

/// One account ready to pull.
pub struct Account {
    /// The account ID (or `profile:NAME` when STS could not be reached to learn it).
    pub id: String,
    pub config: SdkConfig,
    /// The profile the credentials come from, and the role assumed with them.
    pub access: PullAccess,
}

/// Why an account is left out, as one line.
pub struct AccountFailure {
    pub source: String,
    pub reason: String,
}

fn role_arn(account: &str, role_name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{role_name}")
}

/// The configuration and account ID of `source`; `base` holds the base credentials.
pub async fn connect(
    source: &AccountSource,
    options: &AwsOptions,
    base: &SdkConfig,
    home_region: &str,
    problems: &crossbeam_channel::Sender<String>,
) -> Result<Account, AccountFailure> {
    let failure = |reason: String| AccountFailure {
        source: source.describe(),
        reason,
    };
    match source {
        AccountSource::Profile(profile) => {
            let config = if *profile == options.profile {
                base.clone()
            } else {
                let options = AwsOptions {
                    profile: profile.clone(),
                    ..options.clone()
                };
                aws::load(&options, home_region).await
            };
            let id = match aws::caller_account(&config, profile.as_deref()).await {
                Ok(id) => id,
                Err(IdentityError::Credentials(reason)) => return Err(failure(reason)),
                Err(IdentityError::Unreachable(reason)) => {
                    let label = format!("profile:{}", profile.as_deref().unwrap_or("default"));
                    let _ = problems.send(format!(
                        "cannot reach STS to learn the account ({reason}); checkpoints are kept under {label}"
                    ));
                    label
                }
            };
            Ok(Account {
                id,
                config,
                access: PullAccess {
                    profile: profile.clone(),
                    role_name: None,
                },
            })
        }
        AccountSource::AssumeRole { account, role_name } => {
            let arn = role_arn(account, role_name);
            // One call up front, for a clear line when the role cannot be assumed; the
            // provider below assumes it again and renews the credentials as they expire.
            let sts = aws_sdk_sts::Client::new(base);
            if let Err(error) = sts
                .assume_role()
                .role_arn(&arn)
                .role_session_name(SESSION_NAME)
                .send()
                .await
            {
                let reason = match (error.code(), error.message()) {
                    (Some(code), Some(message)) => format!("{code}: {message}"),
                    _ => DisplayErrorContext(&error).to_string(),
                };
                let reason = reason.lines().next().unwrap_or_default();
                return Err(failure(format!(
                    "cannot assume {arn}: {}",
                    terminal_safe(reason)
                )));
            }
            let provider = AssumeRoleProvider::builder(arn)
                .session_name(SESSION_NAME)
                .configure(base)
                .build()
                .await;
            let config = base
                .to_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
            Ok(Account {
                id: account.clone(),
                config,
                access: PullAccess {
                    profile: options.profile.clone(),
                    role_name: Some(role_name.clone()),
                },
            })
        }
    }
}
