//! The query-language tests' events: one per seed-article query and per construct, shared by
//! the local index's tests and the Athena translation's.
use serde_json::json;

use super::record;

pub fn fixture_records() -> Vec<serde_json::Value> {
    vec![
        record(
            "root-login",
            "ConsoleLogin",
            "signin.amazonaws.com",
            json!({
            "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "principalId": "111122223333", "userName": null, "accessKeyId": ""},
            "eventType": "AwsConsoleSignIn", "additionalEventData": {"MFAUsed": "No"}, "responseElements": {"ConsoleLogin": "Success"}}),
        ),
        record(
            "root-by-service",
            "GetBucketAcl",
            "s3.amazonaws.com",
            json!({
            "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root", "invokedBy": "cloudtrail.amazonaws.com"}}),
        ),
        record(
            "root-service-event",
            "SharedSnapshotCopyInitiated",
            "ec2.amazonaws.com",
            json!({
            "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}, "eventType": "AwsServiceEvent"}),
        ),
        record(
            "bucket-policy",
            "PutBucketPolicy",
            "s3.amazonaws.com",
            json!({"requestParameters": {"bucketName": "logs"}}),
        ),
        record(
            "bucket-acl-denied",
            "PutBucketAcl",
            "s3.amazonaws.com",
            json!({"errorCode": "AccessDenied", "errorMessage": "Access Denied"}),
        ),
        record(
            "export-cert",
            "ExportCertificate",
            "acm.amazonaws.com",
            json!({}),
        ),
        record(
            "update-cert-options",
            "UpdateCertificateOptions",
            "acm.amazonaws.com",
            json!({}),
        ),
        record(
            "public-db",
            "CreateDBInstance",
            "rds.amazonaws.com",
            json!({"requestParameters": {"publiclyAccessible": true, "dBInstanceIdentifier": "db1"}}),
        ),
        record(
            "create-distribution",
            "CreateDistribution",
            "cloudfront.amazonaws.com",
            json!({}),
        ),
        record(
            "update-distribution",
            "UpdateDistribution",
            "cloudfront.amazonaws.com",
            json!({}),
        ),
        record(
            "add-admin",
            "AddUserToGroup",
            "iam.amazonaws.com",
            json!({"requestParameters": {"groupName": "Admins", "userName": "mallory"}}),
        ),
        record(
            "add-dev",
            "AddUserToGroup",
            "iam.amazonaws.com",
            json!({"requestParameters": {"groupName": "developers", "userName": "bob"}}),
        ),
        record(
            "attach-admin",
            "AttachUserPolicy",
            "iam.amazonaws.com",
            json!({"requestParameters": {"userName": "mallory", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}}),
        ),
        record(
            "attach-readonly",
            "AttachUserPolicy",
            "iam.amazonaws.com",
            json!({"requestParameters": {"userName": "bob", "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}),
        ),
        record("disable-key", "DisableKey", "kms.amazonaws.com", json!({})),
        record(
            "stop-recorder",
            "StopConfigurationRecorder",
            "config.amazonaws.com",
            json!({}),
        ),
        record(
            "stop-logging",
            "StopLogging",
            "cloudtrail.amazonaws.com",
            json!({}),
        ),
        record(
            "put-role-policy",
            "PutRolePolicy",
            "iam.amazonaws.com",
            json!({}),
        ),
        record(
            "create-policy-version",
            "CreatePolicyVersion",
            "iam.amazonaws.com",
            json!({}),
        ),
        record(
            "sg-ingress",
            "AuthorizeSecurityGroupIngress",
            "ec2.amazonaws.com",
            json!({}),
        ),
        record(
            "acl-entry",
            "CreateNetworkAclEntry",
            "ec2.amazonaws.com",
            json!({}),
        ),
        record(
            "delete-gateway",
            "DeleteGateway",
            "storagegateway.amazonaws.com",
            json!({}),
        ),
        record(
            "attach-igw",
            "AttachInternetGateway",
            "ec2.amazonaws.com",
            json!({}),
        ),
        record(
            "create-route",
            "CreateRoute",
            "ec2.amazonaws.com",
            json!({}),
        ),
        record(
            "replace-assoc",
            "ReplaceRouteTableAssociation",
            "ec2.amazonaws.com",
            json!({}),
        ),
        record(
            "vpc-peering",
            "CreateVpcPeeringConnection",
            "ec2.amazonaws.com",
            json!({}),
        ),
        record(
            "vpc-attribute",
            "ModifyVpcAttribute",
            "ec2.amazonaws.com",
            json!({}),
        ),
        record(
            "describe-from-doc-range",
            "DescribeInstances",
            "ec2.amazonaws.com",
            json!({
            "eventTime": "2026-11-01T08:03:00Z", "sourceIPAddress": "203.0.113.77", "readOnly": true, "awsRegion": "eu-west-1",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::444455556666:assumed-role/Deploy/ci-42", "accountId": "444455556666",
                "accessKeyId": "ASIADEPLOY", "userName": null,
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::444455556666:role/Deploy", "userName": "Deploy"}}},
            "recipientAccountId": "444455556666"}),
        ),
        record(
            "late-ipv6",
            "ListBuckets",
            "s3.amazonaws.com",
            json!({"eventTime": "2026-11-01T09:00:00Z", "sourceIPAddress": "2001:db8::5", "readOnly": true}),
        ),
        record(
            "service-host",
            "AssumeRole",
            "sts.amazonaws.com",
            json!({"eventTime": "2026-11-01T07:00:00Z", "sourceIPAddress": "ec2.amazonaws.com",
            "userIdentity": {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}}),
        ),
    ]
}
