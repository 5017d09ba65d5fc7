//! The AWS services the catalog calls: where their events come from and how their errors look.

/// The wire protocol decides how a service names its errors.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Protocol {
    /// Query APIs (IAM, STS, RDS, SNS, ...): `AccessDenied`.
    Query,
    /// JSON APIs (KMS, SSM, DynamoDB, ...): `AccessDeniedException`.
    Json,
    /// REST/XML APIs (S3, Route 53, CloudFront).
    RestXml,
    /// EC2's own dialect: `Client.UnauthorizedOperation`.
    Ec2,
}

#[derive(Debug)]
pub struct Service {
    /// The IAM action prefix and CLI command name: `ec2`, `cloudwatch`.
    pub prefix: &'static str,
    /// `eventSource`.
    pub source: &'static str,
    /// First label of the endpoint host: `monitoring` for CloudWatch.
    pub endpoint: &'static str,
    /// Global services log every call to us-east-1.
    pub global: bool,
    pub protocol: Protocol,
    pub event_version: &'static str,
}

const fn service(
    prefix: &'static str,
    source: &'static str,
    endpoint: &'static str,
    global: bool,
    protocol: Protocol,
    event_version: &'static str,
) -> Service {
    Service {
        prefix,
        source,
        endpoint,
        global,
        protocol,
        event_version,
    }
}

use Protocol::{Ec2, Json, Query, RestXml};

#[rustfmt::skip]
mod table {
    use super::*;
    pub const STS: Service = service("sts", "sts.amazonaws.com", "sts", false, Query, "1.08");
    pub const IAM: Service = service("iam", "iam.amazonaws.com", "iam", true, Query, "1.09");
    pub const S3: Service = service("s3", "s3.amazonaws.com", "s3", false, RestXml, "1.09");
    pub const EC2: Service = service("ec2", "ec2.amazonaws.com", "ec2", false, Ec2, "1.10");
    pub const EC2_CONNECT: Service = service("ec2-instance-connect", "ec2-instance-connect.amazonaws.com", "ec2-instance-connect", false, Json, "1.08");
    pub const LAMBDA: Service = service("lambda", "lambda.amazonaws.com", "lambda", false, Json, "1.08");
    pub const KMS: Service = service("kms", "kms.amazonaws.com", "kms", false, Json, "1.08");
    pub const LOGS: Service = service("logs", "logs.amazonaws.com", "logs", false, Json, "1.08");
    pub const CLOUDWATCH: Service = service("cloudwatch", "monitoring.amazonaws.com", "monitoring", false, Query, "1.08");
    pub const DYNAMODB: Service = service("dynamodb", "dynamodb.amazonaws.com", "dynamodb", false, Json, "1.08");
    pub const RDS: Service = service("rds", "rds.amazonaws.com", "rds", false, Query, "1.08");
    pub const SSM: Service = service("ssm", "ssm.amazonaws.com", "ssm", false, Json, "1.08");
    pub const SECRETS: Service = service("secretsmanager", "secretsmanager.amazonaws.com", "secretsmanager", false, Json, "1.09");
    pub const SQS: Service = service("sqs", "sqs.amazonaws.com", "sqs", false, Json, "1.09");
    pub const SNS: Service = service("sns", "sns.amazonaws.com", "sns", false, Query, "1.09");
    pub const CLOUDFORMATION: Service = service("cloudformation", "cloudformation.amazonaws.com", "cloudformation", false, Query, "1.08");
    pub const AUTOSCALING: Service = service("autoscaling", "autoscaling.amazonaws.com", "autoscaling", false, Query, "1.08");
    pub const ELB: Service = service("elbv2", "elasticloadbalancing.amazonaws.com", "elasticloadbalancing", false, Query, "1.08");
    pub const ECR: Service = service("ecr", "ecr.amazonaws.com", "api.ecr", false, Json, "1.08");
    pub const ECS: Service = service("ecs", "ecs.amazonaws.com", "ecs", false, Json, "1.08");
    pub const EKS: Service = service("eks", "eks.amazonaws.com", "eks", false, Json, "1.08");
    pub const ROUTE53: Service = service("route53", "route53.amazonaws.com", "route53", true, RestXml, "1.08");
    pub const CLOUDTRAIL: Service = service("cloudtrail", "cloudtrail.amazonaws.com", "cloudtrail", false, Json, "1.09");
    pub const CONFIG: Service = service("configservice", "config.amazonaws.com", "config", false, Json, "1.08");
    pub const GUARDDUTY: Service = service("guardduty", "guardduty.amazonaws.com", "guardduty", false, Json, "1.08");
    pub const ORGANIZATIONS: Service = service("organizations", "organizations.amazonaws.com", "organizations", true, Json, "1.09");
    pub const SSO: Service = service("sso", "sso.amazonaws.com", "portal.sso", true, Json, "1.08");
    pub const SSO_OAUTH: Service = service("sso-oidc", "sso-oauth.amazonaws.com", "oidc", true, Json, "1.08");
    pub const SIGNIN: Service = service("signin", "signin.amazonaws.com", "signin", true, Json, "1.08");
    pub const HEALTH: Service = service("health", "health.amazonaws.com", "health", true, Json, "1.08");
    pub const COST: Service = service("ce", "ce.amazonaws.com", "ce", true, Json, "1.08");
    pub const CLOUDFRONT: Service = service("cloudfront", "cloudfront.amazonaws.com", "cloudfront", true, RestXml, "1.08");
    pub const ACM: Service = service("acm", "acm.amazonaws.com", "acm", false, Json, "1.08");
    pub const ELASTICACHE: Service = service("elasticache", "elasticache.amazonaws.com", "elasticache", false, Query, "1.08");
    pub const ATHENA: Service = service("athena", "athena.amazonaws.com", "athena", false, Json, "1.08");
    pub const GLUE: Service = service("glue", "glue.amazonaws.com", "glue", false, Json, "1.08");
    pub const EVENTS: Service = service("events", "events.amazonaws.com", "events", false, Json, "1.08");
    pub const STATES: Service = service("stepfunctions", "states.amazonaws.com", "states", false, Json, "1.08");
    pub const APIGATEWAY: Service = service("apigateway", "apigateway.amazonaws.com", "apigateway", false, Json, "1.08");
    pub const COGNITO: Service = service("cognito-idp", "cognito-idp.amazonaws.com", "cognito-idp", false, Json, "1.08");
    pub const WAF: Service = service("wafv2", "wafv2.amazonaws.com", "wafv2", false, Json, "1.08");
    pub const SECURITYHUB: Service = service("securityhub", "securityhub.amazonaws.com", "securityhub", false, Json, "1.08");
    pub const ACCESS_ANALYZER: Service = service("accessanalyzer", "access-analyzer.amazonaws.com", "access-analyzer", false, Json, "1.08");
    pub const BACKUP: Service = service("backup", "backup.amazonaws.com", "backup", false, Json, "1.08");
    pub const TAGGING: Service = service("resourcegroupstaggingapi", "tagging.amazonaws.com", "tagging", false, Json, "1.08");
    pub const CODEBUILD: Service = service("codebuild", "codebuild.amazonaws.com", "codebuild", false, Json, "1.08");
    pub const KINESIS: Service = service("kinesis", "kinesis.amazonaws.com", "kinesis", false, Json, "1.08");
    pub const EFS: Service = service("efs", "elasticfilesystem.amazonaws.com", "elasticfilesystem", false, Json, "1.08");
    pub const INSPECTOR: Service = service("inspector2", "inspector2.amazonaws.com", "inspector2", false, Json, "1.08");
}

pub use table::*;
