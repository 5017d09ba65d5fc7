//! Payloads of S3, DynamoDB, RDS, SQS, SNS, Athena and Glue calls.

use rand::rngs::SmallRng;
use rand::Rng;
use serde_json::{json, Value};

use super::params::{resource, CallContext, Payload};
use super::Api;
use crate::gen::estate::{pick, Estate};
use crate::gen::ids;

/// The S3 sub-resource each bucket call names in its request (`?acl`, `?policy`, ...).
const BUCKET_SUBRESOURCES: &[(&str, &str)] = &[
    ("GetBucketAcl", "acl"),
    ("GetBucketLocation", "location"),
    ("GetBucketPolicy", "policy"),
    ("GetBucketPolicyStatus", "policyStatus"),
    ("GetBucketVersioning", "versioning"),
    ("GetBucketEncryption", "encryption"),
    ("GetBucketPublicAccessBlock", "publicAccessBlock"),
    ("GetBucketTagging", "tagging"),
    ("GetBucketLogging", "logging"),
    ("GetBucketNotification", "notification"),
    ("GetBucketCors", "cors"),
    ("GetBucketLifecycle", "lifecycle"),
    ("GetBucketReplication", "replication"),
    ("GetBucketWebsite", "website"),
    ("GetBucketOwnershipControls", "ownershipControls"),
    ("GetBucketObjectLockConfiguration", "object-lock"),
    ("GetAccelerateConfiguration", "accelerate"),
    ("GetBucketRequestPayment", "requestPayment"),
    ("PutBucketTagging", "tagging"),
    ("PutBucketEncryption", "encryption"),
    ("PutBucketVersioning", "versioning"),
    ("PutBucketPublicAccessBlock", "publicAccessBlock"),
    ("PutBucketLifecycle", "lifecycle"),
    ("PutBucketNotification", "notification"),
];

pub fn build(api: &Api, ctx: &CallContext, rng: &mut SmallRng) -> Option<Payload> {
    let estate = ctx.estate();
    let account = ctx.account();
    let region = ctx.region;
    if api.service.prefix == "s3" {
        return Some(s3(api, ctx, rng));
    }
    let table = pick(rng, &estate.tables);
    let table_arn = format!("arn:aws:dynamodb:{region}:{account}:table/{table}");
    let payload = match api.name {
        "DescribeTable" | "DescribeContinuousBackups" | "DescribeTimeToLive" => Payload::request(
            json!({"tableName": table}),
        )
        .with_resources(resource("AWS::DynamoDB::Table", table_arn, account)),
        "ListTagsOfResource" => Payload::request(json!({"resourceArn": table_arn})),
        "ListTables" => Payload::request(json!({"limit": 100})),
        "DescribeEndpoints" => Payload::default(),
        "DescribeDBInstances" => Payload::request(match rng.random_range(0..2) {
            0 => json!({"dBInstanceIdentifier": pick(rng, &estate.databases)}),
            _ => json!({"maxRecords": 100}),
        }),
        "DescribeDBClusters" => Payload::request(json!({"includeShared": false})),
        "DescribeDBSnapshots" => Payload::request(json!({
            "dBInstanceIdentifier": pick(rng, &estate.databases),
            "snapshotType": "automated",
            "includeShared": false,
            "includePublic": false,
        })),
        "DescribeDBLogFiles" | "DescribePendingMaintenanceActions" => {
            Payload::request(json!({"dBInstanceIdentifier": pick(rng, &estate.databases)}))
        }
        "ListQueueTags" => Payload::request(json!({"queueUrl": queue_url(ctx, rng)})),
        "ListQueues" => Payload::request(json!({"queueNamePrefix": format!("{}-", estate.env)})),
        "GetTopicAttributes" | "ListSubscriptionsByTopic" => Payload::request(json!({
            "topicArn": format!("arn:aws:sns:{region}:{account}:{}", pick(rng, &estate.topics)),
        })),
        "ListTopics" => Payload::default(),
        "StartQueryExecution" => {
            let id = ids::uuid(rng);
            Payload::request(json!({
                "queryString": format!("SELECT * FROM \"{}\".\"events\" WHERE dt = '{}' LIMIT 100", estate.env, crate::gen::time::date_path(ctx.time).replace('/', "-")),
                "clientRequestToken": ids::uuid(rng),
                "queryExecutionContext": {"database": estate.env, "catalog": "AwsDataCatalog"},
                "workGroup": "primary",
            }))
            .with_response(json!({"queryExecutionId": id}))
        }
        "GetQueryExecution" | "GetQueryResults" => {
            Payload::request(json!({"queryExecutionId": ids::uuid(rng)}))
        }
        "GetTable" => Payload::request(
            json!({"databaseName": estate.env, "name": pick(rng, &estate.workloads)}),
        ),
        "GetPartitions" => Payload::request(json!({
            "databaseName": estate.env,
            "tableName": pick(rng, &estate.workloads),
            "expression": format!("dt = '{}'", crate::gen::time::date_path(ctx.time).replace('/', "-")),
        })),
        _ => return None,
    };
    Some(payload)
}

fn queue_url(ctx: &CallContext, rng: &mut impl Rng) -> String {
    format!(
        "https://sqs.{}.amazonaws.com/{}/{}",
        ctx.region,
        ctx.account(),
        pick(rng, &ctx.estate().queues)
    )
}

pub fn s3_host(bucket: &str, region: &str) -> String {
    format!("{bucket}.s3.{region}.amazonaws.com")
}

/// What S3 adds to every management call.
pub fn s3_additional(rng: &mut impl Rng, bytes_out: u32) -> Value {
    json!({
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": 0,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": ids::base64(rng, 76),
        "bytesTransferredOut": bytes_out,
    })
}

fn s3(api: &Api, ctx: &CallContext, rng: &mut SmallRng) -> Payload {
    let estate = ctx.estate();
    let bucket = pick(rng, &estate.buckets).to_owned();
    let host = s3_host(&bucket, ctx.region);
    let bucket_resource = json!([{"accountId": ctx.account(), "type": "AWS::S3::Bucket", "ARN": Estate::bucket_arn(&bucket)}]);
    if api.name == "ListBuckets" {
        let listed = rng.random_range(2_000..9_000);
        return Payload::request(json!({"Host": format!("s3.{}.amazonaws.com", ctx.region)}))
            .with_additional(s3_additional(rng, listed));
    }
    if api.name == "PutBucketPolicy" {
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [Estate::bucket_arn(&bucket), format!("{}/*", Estate::bucket_arn(&bucket))],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }]
        });
        return put_bucket_policy(ctx, &bucket, policy, rng);
    }
    let mut request = json!({"bucketName": bucket, "Host": host});
    if let Some((_, sub)) = BUCKET_SUBRESOURCES
        .iter()
        .find(|(name, _)| *name == api.name)
    {
        request[*sub] = json!("");
    }
    let bytes_out = if api.read_only {
        rng.random_range(100..1_200)
    } else {
        0
    };
    Payload::request(request)
        .with_resources(bucket_resource)
        .with_additional(s3_additional(rng, bytes_out))
}

/// `PutBucketPolicy` with `policy` as S3 logs it (the document as an object).
pub fn put_bucket_policy(
    ctx: &CallContext,
    bucket: &str,
    policy: Value,
    rng: &mut impl Rng,
) -> Payload {
    Payload::request(json!({
        "bucketName": bucket,
        "Host": s3_host(bucket, ctx.region),
        "bucketPolicy": policy,
        "policy": "",
    }))
    .with_resources(json!([{"accountId": ctx.account(), "type": "AWS::S3::Bucket", "ARN": Estate::bucket_arn(bucket)}]))
    .with_additional(s3_additional(rng, 0))
}
