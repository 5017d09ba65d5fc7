//! Payloads of STS, IAM, KMS, Secrets Manager, IAM Identity Center and Organizations calls.

use rand::rngs::SmallRng;
use rand::Rng;
use serde_json::{json, Value};

use super::params::{assumed_role_user, credentials, resource, CallContext, Payload};
use super::Api;
use crate::gen::estate::{pick, Estate};
use crate::gen::ids;
use crate::gen::time;

pub fn build(api: &Api, ctx: &CallContext, rng: &mut SmallRng) -> Option<Payload> {
    let account = ctx.account();
    let payload = match api.name {
        "AssumeRole" => assume_role(ctx, rng),
        "AssumeRoleWithWebIdentity" => assume_role_with_web_identity(ctx, rng),
        "AssumeRoleWithSAML" => assume_role_with_saml(ctx, rng),
        "GetCallerIdentity" => Payload::default(),
        "GetSessionToken" => {
            Payload::request(json!({"durationSeconds": 43200})).with_response(json!({
                "credentials": {
                    "accessKeyId": ids::access_key(rng, "ASIA"),
                    "sessionToken": super::params::session_token(rng),
                    "expiration": time::sts_expiration(ctx.time + 43200),
                }
            }))
        }
        "GetRole"
        | "ListAttachedRolePolicies"
        | "ListRolePolicies"
        | "ListInstanceProfilesForRole"
        | "ListRoleTags" => Payload::request(json!({"roleName": ctx.some_role(rng)})),
        "GetRolePolicy" => Payload::request(json!({
            "roleName": ctx.some_role(rng),
            "policyName": format!("{}-inline", pick(rng, &ctx.estate().workloads)),
        })),
        "GetUser" => match ctx.own_user_name() {
            Some(_) if rng.random_range(0..2) == 0 => Payload::default(),
            _ => Payload::request(json!({"userName": ctx.some_user(rng)})),
        },
        "ListAccessKeys"
        | "ListGroupsForUser"
        | "ListAttachedUserPolicies"
        | "ListUserPolicies"
        | "ListMFADevices"
        | "GetLoginProfile" => {
            let user = ctx.own_user_name().unwrap_or_else(|| ctx.some_user(rng));
            Payload::request(json!({"userName": user}))
        }
        "GetAccessKeyLastUsed" => {
            Payload::request(json!({"accessKeyId": ids::access_key(rng, "AKIA")}))
        }
        "ListRoles" | "ListUsers" => match rng.random_range(0..3) {
            0 => Payload::default(),
            _ => Payload::request(json!({"maxItems": 1000})),
        },
        "ListPolicies" => {
            Payload::request(json!({"scope": "Local", "onlyAttached": false, "maxItems": 1000}))
        }
        "GetPolicy" | "ListEntitiesForPolicy" | "ListPolicyVersions" => {
            Payload::request(json!({"policyArn": policy_arn(ctx, rng)}))
        }
        "GetPolicyVersion" => Payload::request(json!({
            "policyArn": policy_arn(ctx, rng),
            "versionId": format!("v{}", rng.random_range(1..6)),
        })),
        "TagRole" => Payload::request(json!({
            "roleName": ctx.some_role(rng),
            "tags": [{"key": "team", "value": pick(rng, &ctx.estate().workloads)}, {"key": "managed-by", "value": "terraform"}],
        })),
        "AttachRolePolicy" | "DetachRolePolicy" => Payload::request(json!({
            "roleName": ctx.some_role(rng),
            "policyArn": policy_arn(ctx, rng),
        })),
        "PutRolePolicy" => Payload::request(json!({
            "roleName": ctx.some_role(rng),
            "policyName": format!("{}-inline", pick(rng, &ctx.estate().workloads)),
            "policyDocument": scoped_policy(ctx, rng),
        })),
        "CreateRole" => create_role(ctx, rng),
        "Decrypt" | "GenerateDataKey" | "Encrypt" | "GenerateDataKeyWithoutPlaintext" => {
            kms_crypto(api, ctx, rng)
        }
        "DescribeKey" | "GetKeyRotationStatus" | "ListResourceTags" | "ListGrants" => {
            let key = pick(rng, &ctx.estate().kms_keys).to_owned();
            Payload::request(json!({"keyId": key})).with_resources(resource(
                "AWS::KMS::Key",
                ctx.estate().key_arn(ctx.region, &key),
                account,
            ))
        }
        "GetKeyPolicy" => {
            let key = pick(rng, &ctx.estate().kms_keys).to_owned();
            Payload::request(json!({"keyId": key, "policyName": "default"})).with_resources(
                resource(
                    "AWS::KMS::Key",
                    ctx.estate().key_arn(ctx.region, &key),
                    account,
                ),
            )
        }
        "RotateKey" => {
            let key = pick(rng, &ctx.estate().kms_keys).to_owned();
            Payload::default().with_resources(resource(
                "AWS::KMS::Key",
                ctx.estate().key_arn(ctx.region, &key),
                account,
            ))
        }
        "ListAliases" | "ListKeys" => Payload::request(json!({"limit": 100})),
        "CreateGrant" => {
            let key = ctx
                .estate()
                .key_arn(ctx.region, pick(rng, &ctx.estate().kms_keys));
            let volume = pick(rng, &ctx.estate().volumes);
            Payload::request(json!({
                "keyId": key,
                "granteePrincipal": format!("{}:{}", ctx.region, "ec2.amazonaws.com"),
                "operations": ["Decrypt"],
                "constraints": {"encryptionContextSubset": {"aws:ebs:id": volume}},
                "retiringPrincipal": format!("ec2.{}.amazonaws.com", ctx.region),
            }))
            .with_response(json!({"grantId": ids::hex(rng, 64)}))
            .with_resources(resource("AWS::KMS::Key", key, account))
        }
        "GetSecretValue" | "DescribeSecret" | "GetResourcePolicy" | "ListSecretVersionIds" => {
            let secret = pick(rng, &ctx.estate().secrets);
            let id = if rng.random_range(0..2) == 0 {
                ctx.estate().secret_arn(ctx.region, secret)
            } else {
                secret[..secret.len() - 7].to_owned()
            };
            Payload::request(json!({"secretId": id}))
        }
        "ListSecrets" => Payload::request(json!({"maxResults": 100})),
        "PutSecretValue" => {
            let secret = pick(rng, &ctx.estate().secrets);
            let arn = ctx.estate().secret_arn(ctx.region, secret);
            let token = ids::uuid(rng);
            Payload::request(json!({"secretId": arn, "clientRequestToken": token}))
                .with_response(json!({"arn": arn, "name": &secret[..secret.len() - 7], "versionId": token, "versionStages": ["AWSPENDING"]}))
        }
        "GetRoleCredentials" | "ListAccountRoles" => {
            let mut request = json!({"accountId": account});
            if api.name == "GetRoleCredentials" {
                let sets = ["AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess"];
                request["roleName"] = json!(sets[rng.random_range(0..sets.len())]);
            }
            Payload::request(request)
        }
        "DescribeAccount" => Payload::request(json!({"accountId": account})),
        _ => return None,
    };
    Some(payload)
}

fn policy_arn(ctx: &CallContext, rng: &mut impl Rng) -> String {
    if rng.random_range(0..3) == 0 {
        let managed = [
            "ReadOnlyAccess",
            "AmazonSSMManagedInstanceCore",
            "CloudWatchAgentServerPolicy",
            "AmazonEC2ContainerRegistryReadOnly",
        ];
        format!(
            "arn:aws:iam::aws:policy/{}",
            managed[rng.random_range(0..managed.len())]
        )
    } else {
        format!(
            "arn:aws:iam::{}:policy/{}",
            ctx.account(),
            pick(rng, &ctx.estate().policies)
        )
    }
}

/// A least-privilege policy document, as the JSON string IAM logs.
fn scoped_policy(ctx: &CallContext, rng: &mut impl Rng) -> String {
    let bucket = pick(rng, &ctx.estate().buckets);
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": format!("{}/*", Estate::bucket_arn(bucket)),
        }]
    })
    .to_string()
}

fn assume_role(ctx: &CallContext, rng: &mut SmallRng) -> Payload {
    let roles = ctx.cast.assumable_by(ctx.actor);
    let Some(role) = roles.get(rng.random_range(0..roles.len().max(1))).copied() else {
        return Payload::default();
    };
    let issuer = role.issuer.as_ref().map_or("", |i| i.arn.as_str());
    let session_name = role
        .arn
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or("session");
    let mut request = json!({"roleArn": issuer, "roleSessionName": session_name});
    if rng.random_range(0..2) == 0 {
        request["durationSeconds"] = json!(3600);
    }
    Payload::request(request)
        .with_response(json!({
            "credentials": credentials(ctx, role, 1, rng),
            "assumedRoleUser": assumed_role_user(role),
        }))
        .with_resources(resource("AWS::IAM::Role", issuer.to_owned(), ctx.account()))
}

fn assume_role_with_web_identity(ctx: &CallContext, rng: &mut SmallRng) -> Payload {
    let roles = ctx.cast.assumable_by(ctx.actor);
    let Some(role) = roles.get(rng.random_range(0..roles.len().max(1))).copied() else {
        return Payload::default();
    };
    let issuer = role.issuer.as_ref().map_or("", |i| i.arn.as_str());
    let session_name = role
        .arn
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .unwrap_or("session");
    Payload::request(
        json!({"roleArn": issuer, "roleSessionName": session_name, "durationSeconds": 3600}),
    )
    .with_response(json!({
        "credentials": credentials(ctx, role, 1, rng),
        "subjectFromWebIdentityToken": ctx.actor.user_name.as_deref().unwrap_or_default(),
        "assumedRoleUser": assumed_role_user(role),
        "provider": ctx.actor.identity_provider.as_deref().unwrap_or_default(),
        "audience": "sts.amazonaws.com",
    }))
    .with_resources(resource("AWS::IAM::Role", issuer.to_owned(), ctx.account()))
    .with_additional(json!({"identityProviderConnectionVerificationMethod": "IAMTrustStore"}))
}

fn assume_role_with_saml(ctx: &CallContext, rng: &mut SmallRng) -> Payload {
    let roles = ctx.cast.assumable_by(ctx.actor);
    let Some(role) = roles.get(rng.random_range(0..roles.len().max(1))).copied() else {
        return Payload::default();
    };
    let issuer = role.issuer.as_ref().map_or("", |i| i.arn.as_str());
    let provider = format!(
        "arn:aws:iam::{}:saml-provider/{}-idp",
        ctx.account(),
        ctx.estate().company
    );
    Payload::request(json!({"roleArn": issuer, "principalArn": provider, "durationSeconds": 3600}))
        .with_response(json!({
            "credentials": credentials(ctx, role, 1, rng),
            "assumedRoleUser": assumed_role_user(role),
            "subject": ctx.actor.user_name.as_deref().unwrap_or_default(),
            "subjectType": "persistent",
            "issuer": format!("https://idp.{}.example/saml", ctx.estate().company),
            "audience": "https://signin.aws.amazon.com/saml",
            "nameQualifier": ctx.actor.identity_provider.as_deref().unwrap_or_default(),
        }))
}

fn create_role(ctx: &CallContext, rng: &mut SmallRng) -> Payload {
    let name = format!(
        "{}-{}-role",
        ctx.estate().env,
        pick(rng, &ctx.estate().workloads)
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role_id = ids::principal_id(rng, "AROA");
    Payload::request(json!({"roleName": name, "path": "/", "assumeRolePolicyDocument": trust, "maxSessionDuration": 3600}))
        .with_response(json!({"role": {
            "path": "/",
            "roleName": name,
            "roleId": role_id,
            "arn": format!("arn:aws:iam::{}:role/{name}", ctx.account()),
            "createDate": time::iam_date(ctx.time),
            "assumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
        }}))
}

/// KMS crypto calls: the encryption context says which service the data key protects.
fn kms_crypto(api: &Api, ctx: &CallContext, rng: &mut SmallRng) -> Payload {
    let estate = ctx.estate();
    let key_arn = estate.key_arn(ctx.region, pick(rng, &estate.kms_keys));
    let context: Value = match (ctx.actor.invoked_by, rng.random_range(0..4)) {
        (Some("cloudtrail.amazonaws.com"), _) => json!({
            "aws:cloudtrail:arn": format!("arn:aws:cloudtrail:us-east-1:{}:trail/{}", ctx.account(), estate.trail),
            "aws:s3:arn": format!("arn:aws:s3:::{}/AWSLogs/{}/CloudTrail/{}/{}", estate.trail_bucket, ctx.account(), ctx.region, time::date_path(ctx.time)),
        }),
        (_, 0) => {
            json!({"aws:lambda:FunctionArn": format!("arn:aws:lambda:{}:{}:function:{}", ctx.region, ctx.account(), pick(rng, &estate.functions))})
        }
        (_, 1) => json!({
            "SecretARN": estate.secret_arn(ctx.region, pick(rng, &estate.secrets)),
            "SecretVersionId": ids::uuid_upper(rng),
        }),
        (_, 2) => {
            json!({"aws:s3:arn": format!("{}/{}", Estate::bucket_arn(pick(rng, &estate.buckets)), ids::hex(rng, 12))})
        }
        _ => json!({"aws:ebs:id": pick(rng, &estate.volumes)}),
    };
    let request = match api.name {
        "Decrypt" => {
            json!({"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": context})
        }
        "Encrypt" => {
            json!({"keyId": key_arn, "encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": context})
        }
        _ => json!({"keyId": key_arn, "keySpec": "AES_256", "encryptionContext": context}),
    };
    Payload::request(request).with_resources(resource("AWS::KMS::Key", key_arn, ctx.account()))
}
