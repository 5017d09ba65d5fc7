//! Failed calls: which error code a service returns and the message CloudTrail keeps.

use rand::Rng;

use super::services::Protocol;
use super::Api;
use crate::gen::ids;

pub struct Failure {
    pub code: &'static str,
    pub message: String,
}

/// S3 bucket settings that are usually absent, and the error asking for them returns.
const S3_ABSENT: &[(&str, &str, &str)] = &[
    (
        "GetBucketPolicy",
        "NoSuchBucketPolicy",
        "The bucket policy does not exist",
    ),
    (
        "GetBucketPolicyStatus",
        "NoSuchBucketPolicy",
        "The bucket policy does not exist",
    ),
    (
        "GetBucketTagging",
        "NoSuchTagSet",
        "The TagSet does not exist",
    ),
    (
        "GetBucketCors",
        "NoSuchCORSConfiguration",
        "The CORS configuration does not exist",
    ),
    (
        "GetBucketLifecycle",
        "NoSuchLifecycleConfiguration",
        "The lifecycle configuration does not exist",
    ),
    (
        "GetBucketWebsite",
        "NoSuchWebsiteConfiguration",
        "The specified bucket does not have a website configuration",
    ),
    (
        "GetBucketReplication",
        "ReplicationConfigurationNotFoundError",
        "The replication configuration was not found",
    ),
    (
        "GetBucketObjectLockConfiguration",
        "ObjectLockConfigurationNotFoundError",
        "Object Lock configuration does not exist for this bucket",
    ),
    (
        "GetBucketOwnershipControls",
        "OwnershipControlsNotFoundError",
        "The bucket ownership controls were not found",
    ),
    (
        "GetBucketPublicAccessBlock",
        "NoSuchPublicAccessBlockConfiguration",
        "The public access block configuration was not found",
    ),
];

/// Whether a call fails, and how. `rate` is the caller's usual failure rate.
pub fn failure(api: &Api, caller_arn: &str, rate: f64, rng: &mut impl Rng) -> Option<Failure> {
    if let Some(&(_, code, message)) = S3_ABSENT.iter().find(|(name, _, _)| *name == api.name) {
        if rng.random_bool(0.3) {
            return Some(Failure {
                code,
                message: message.to_owned(),
            });
        }
    }
    if !rng.random_bool(rate.clamp(0.0, 1.0)) {
        return None;
    }
    Some(match rng.random_range(0..20) {
        0..=8 => access_denied(api, caller_arn, rng),
        9..=13 => not_found(api, rng),
        14..=17 => throttled(api),
        _ => invalid(api),
    })
}

/// The error a principal gets when its policies do not allow the call.
pub fn access_denied(api: &Api, caller_arn: &str, rng: &mut impl Rng) -> Failure {
    let action = format!("{}:{}", api.service.prefix, api.action());
    let because = format!("because no identity-based policy allows the {action} action");
    match api.service.protocol {
        Protocol::Ec2 => Failure {
            code: "Client.UnauthorizedOperation",
            message: format!(
                "You are not authorized to perform this operation. User: {caller_arn} is not authorized to perform: {action} {because}. Encoded authorization failure message: {}",
                ids::base64(rng, 320).replace(['+', '/'], "-")
            ),
        },
        Protocol::Json => Failure {
            code: "AccessDeniedException",
            message: format!("User: {caller_arn} is not authorized to perform: {action} on resource: * {because}"),
        },
        Protocol::Query | Protocol::RestXml => Failure {
            code: "AccessDenied",
            message: format!("User: {caller_arn} is not authorized to perform: {action} on resource: * {because}"),
        },
    }
}

fn not_found(api: &Api, rng: &mut impl Rng) -> Failure {
    let (code, message): (&'static str, String) = match api.service.prefix {
        "iam" => (
            "NoSuchEntityException",
            "The role with name svc-legacy cannot be found.".to_owned(),
        ),
        "ec2" => (
            "Client.InvalidInstanceID.NotFound",
            format!(
                "The instance ID '{}' does not exist",
                ids::resource_id(rng, "i-")
            ),
        ),
        "s3" => (
            "NoSuchBucket",
            "The specified bucket does not exist".to_owned(),
        ),
        "ssm" => ("ParameterNotFound", String::new()),
        "secretsmanager" => (
            "ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.".to_owned(),
        ),
        "kms" => ("NotFoundException", "Alias is not found.".to_owned()),
        "logs" => (
            "ResourceNotFoundException",
            "The specified log group does not exist.".to_owned(),
        ),
        "dynamodb" => (
            "ResourceNotFoundException",
            "Requested resource not found".to_owned(),
        ),
        "ecr" => (
            "RepositoryNotFoundException",
            "The repository does not exist in the registry.".to_owned(),
        ),
        "ecs" => ("ClusterNotFoundException", "Cluster not found.".to_owned()),
        "rds" => (
            "DBInstanceNotFoundFault",
            "DBInstance not found.".to_owned(),
        ),
        "cloudformation" | "autoscaling" => (
            "ValidationError",
            "Stack with id legacy-stack does not exist".to_owned(),
        ),
        _ => ("ResourceNotFoundException", String::new()),
    };
    Failure { code, message }
}

fn throttled(api: &Api) -> Failure {
    let (code, message) = match api.service.protocol {
        Protocol::Ec2 => ("Client.RequestLimitExceeded", "Request limit exceeded."),
        Protocol::RestXml if api.service.prefix == "s3" => {
            ("SlowDown", "Please reduce your request rate.")
        }
        Protocol::Query | Protocol::RestXml => ("Throttling", "Rate exceeded"),
        Protocol::Json => ("ThrottlingException", "Rate exceeded"),
    };
    Failure {
        code,
        message: message.to_owned(),
    }
}

fn invalid(api: &Api) -> Failure {
    let (code, message) = match api.service.protocol {
        Protocol::Ec2 => (
            "Client.DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        ),
        Protocol::Json => (
            "ValidationException",
            "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint",
        ),
        Protocol::Query => ("ValidationError", "1 validation error detected"),
        Protocol::RestXml => ("InvalidRequest", "Invalid request"),
    };
    Failure {
        code,
        message: message.to_owned(),
    }
}
