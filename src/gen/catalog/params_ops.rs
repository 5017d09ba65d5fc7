//! Payloads of CloudWatch, Logs, SSM, CloudFormation, CloudTrail, Config, GuardDuty, Route 53
//! and Health calls.

use rand::rngs::SmallRng;
use rand::Rng;
use serde_json::json;

use super::params::{resource, stamp, CallContext, Payload};
use super::Api;
use crate::gen::estate::pick;
use crate::gen::ids;
use crate::gen::time;

const SSM_DOCUMENTS: &[&str] = &[
    "AWS-GatherSoftwareInventory",
    "AWS-RunPatchBaseline",
    "AWS-UpdateSSMAgent",
    "AmazonCloudWatch-ManageAgent",
];
const FILTER_PATTERNS: &[&str] = &["ERROR", "\"Task timed out\"", "?Exception ?error"];
const METRICS: &[(&str, &str, &str)] = &[
    ("AWS/EC2", "CPUUtilization", "InstanceId"),
    ("AWS/Lambda", "Errors", "FunctionName"),
    ("AWS/Lambda", "Duration", "FunctionName"),
    ("AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer"),
    ("AWS/RDS", "DatabaseConnections", "DBInstanceIdentifier"),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName"),
];

pub fn build(api: &Api, ctx: &CallContext, rng: &mut SmallRng) -> Option<Payload> {
    let estate = ctx.estate();
    let account = ctx.account();
    let region = ctx.region;
    let instance = match ctx.actor.on_instance {
        true => ctx
            .actor
            .arn
            .as_deref()
            .and_then(|a| a.rsplit('/').next())
            .unwrap_or_default()
            .to_owned(),
        false => pick(rng, &estate.instances).to_owned(),
    };
    let log_group = own_log_group(ctx).unwrap_or_else(|| pick(rng, &estate.log_groups).to_owned());
    let payload = match api.name {
        "CreateLogStream" => {
            let stream = match ctx.actor.trusted_by {
                _ if ctx.actor.on_instance => instance.clone(),
                Some("ecs-tasks.amazonaws.com") => format!("ecs/app/{}", ids::hex(rng, 32)),
                _ => format!("{}/[$LATEST]{}", time::date_path(ctx.time), ids::hex(rng, 32)),
            };
            Payload::request(json!({"logGroupName": log_group, "logStreamName": stream}))
        }
        "DescribeLogStreams" => Payload::request(json!({"logGroupName": log_group, "orderBy": "LastEventTime", "descending": true, "limit": 50})),
        "DescribeLogGroups" => Payload::request(match rng.random_range(0..2) {
            0 => json!({"limit": 50}),
            _ => json!({"logGroupNamePrefix": "/aws/lambda/"}),
        }),
        "FilterLogEvents" => Payload::request(json!({
            "logGroupName": log_group,
            "startTime": (ctx.time - 3600) * 1000,
            "endTime": ctx.time * 1000,
            "filterPattern": FILTER_PATTERNS[rng.random_range(0..FILTER_PATTERNS.len())],
        })),
        "GetLogEvents" => Payload::request(json!({"logGroupName": log_group, "logStreamName": instance, "startFromHead": false})),
        "StartQuery" => Payload::request(json!({
            "logGroupNames": [log_group],
            "startTime": ctx.time - 3 * 3600,
            "endTime": ctx.time,
            "queryString": "fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc | limit 100",
        }))
        .with_response(json!({"queryId": ids::uuid(rng)})),
        "GetQueryResults" => Payload::request(json!({"queryId": ids::uuid(rng)})),
        "GetMetricData" | "GetMetricStatistics" => {
            let (namespace, metric, dimension) = METRICS[rng.random_range(0..METRICS.len())];
            let value = match dimension {
                "InstanceId" => instance.clone(),
                "FunctionName" => pick(rng, &estate.functions).to_owned(),
                "QueueName" => pick(rng, &estate.queues).to_owned(),
                "DBInstanceIdentifier" => pick(rng, &estate.databases).to_owned(),
                _ => format!("app/{}-{}/{}", estate.env, pick(rng, &estate.workloads), ids::hex(rng, 16)),
            };
            let metric = json!({"namespace": namespace, "metricName": metric, "dimensions": [{"name": dimension, "value": value}]});
            let (start, end) = (stamp(ctx.time - 3 * 3600), stamp(ctx.time));
            Payload::request(if api.name == "GetMetricData" {
                json!({"metricDataQueries": [{"id": "m1", "metricStat": {"metric": metric, "period": 300, "stat": "Average"}, "returnData": true}], "startTime": start, "endTime": end})
            } else {
                let mut request = metric;
                request["startTime"] = json!(start);
                request["endTime"] = json!(end);
                request["period"] = json!(300);
                request["statistics"] = json!(["Average", "Maximum"]);
                request
            })
        }
        "DescribeAlarms" => Payload::request(json!({"maxRecords": 100})),
        "ListMetrics" => Payload::request(json!({"namespace": METRICS[rng.random_range(0..METRICS.len())].0})),
        "UpdateInstanceInformation" => {
            let private_ip = match &ctx.actor.origin {
                crate::gen::clients::Origin::Vpc { address } => address.clone(),
                _ => "10.0.1.10".to_owned(),
            };
            Payload::request(json!({
                "instanceId": instance,
                "agentVersion": "3.3.1142.0",
                "agentStatus": "Active",
                "platformType": "Linux",
                "platformName": "Amazon Linux",
                "platformVersion": "2023",
                "iPAddress": private_ip,
                "computerName": format!("ip-{}.ec2.internal", private_ip.replace('.', "-")),
                "agentName": "amazon-ssm-agent",
                "availabilityZone": ctx.availability_zone(rng),
            }))
        }
        "ListInstanceAssociations" => Payload::request(json!({"instanceId": instance, "maxResults": 20})),
        "GetParameter" => Payload::request(json!({"name": pick(rng, &estate.parameters), "withDecryption": rng.random_range(0..2) == 0})),
        "GetParameters" => Payload::request(json!({
            "names": [pick(rng, &estate.parameters), pick(rng, &estate.parameters)],
            "withDecryption": true,
        })),
        "GetParametersByPath" => Payload::request(json!({
            "path": format!("/{}/{}/", estate.env, pick(rng, &estate.workloads)),
            "recursive": true,
            "withDecryption": true,
        })),
        "GetDocument" | "DescribeDocument" => Payload::request(json!({"name": SSM_DOCUMENTS[rng.random_range(0..SSM_DOCUMENTS.len())]})),
        "UpdateInstanceAssociationStatus" => Payload::request(json!({
            "associationId": ids::uuid(rng),
            "instanceId": instance,
            "executionResult": {"executionDate": stamp(ctx.time), "status": "Success", "executionSummary": "1 out of 1 plugin processed, 1 success, 0 failed, 0 timedout, 0 skipped.", "errorCode": ""},
        })),
        "PutInventory" => Payload::request(json!({"instanceId": instance, "items": "HIDDEN_DUE_TO_SECURITY_REASONS"})),
        "DescribeInstanceInformation" => Payload::request(json!({"maxResults": 50})),
        "SendCommand" => Payload::request(json!({
            "instanceIds": [instance],
            "documentName": "AWS-RunShellScript",
            "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS",
            "interactive": false,
        })),
        "StartSession" => Payload::request(json!({"target": instance}))
            .with_response(json!({"sessionId": format!("{}-{}", ctx.actor.user_name.as_deref().unwrap_or("session"), ids::hex(rng, 17))})),
        "DescribeStacks" | "DescribeStackEvents" | "ListStackResources" | "DescribeStackResources" => {
            Payload::request(json!({"stackName": pick(rng, &estate.stacks)}))
        }
        "GetTemplate" => Payload::request(json!({"stackName": pick(rng, &estate.stacks), "templateStage": "Original"})),
        "ListStacks" => Payload::request(json!({"stackStatusFilter": ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"]})),
        "DescribeTrails" => Payload::request(json!({"trailNameList": [], "includeShadowTrails": true})),
        "GetTrailStatus" | "GetEventSelectors" | "GetInsightSelectors" | "GetTrail" => {
            let trail = format!("arn:aws:cloudtrail:us-east-1:{account}:trail/{}", estate.trail);
            let key = if api.name == "GetTrailStatus" { "name" } else { "trailName" };
            Payload::request(json!({ key: trail }))
                .with_resources(resource("AWS::CloudTrail::Trail", trail.clone(), account))
        }
        "LookupEvents" => Payload::request(json!({
            "startTime": stamp(ctx.time - 86400),
            "endTime": stamp(ctx.time),
            "maxResults": 50,
        })),
        "PutEvaluations" => Payload::request(json!({
            "evaluations": [{
                "complianceResourceType": "AWS::EC2::Instance",
                "complianceResourceId": instance,
                "complianceType": if rng.random_range(0..5) == 0 { "NON_COMPLIANT" } else { "COMPLIANT" },
                "orderingTimestamp": stamp(ctx.time - 60),
            }],
            "resultToken": "HIDDEN_DUE_TO_SECURITY_REASONS",
            "testMode": false,
        })),
        "GetDetector" | "ListFindings" | "GetFindingsStatistics" | "ListIPSets" | "ListFilters"
            if api.service.prefix == "guardduty" =>
        {
            Payload::request(json!({"detectorId": estate.detector}))
        }
        "GetFindings" if api.service.prefix == "guardduty" => Payload::request(json!({
            "detectorId": estate.detector,
            "findingIds": [ids::hex(rng, 32)],
        })),
        "ListResourceRecordSets" | "GetHostedZone" => Payload::request(json!({"hostedZoneId": estate.hosted_zone})),
        "ListHostedZonesByName" => Payload::request(json!({"dNSName": format!("{}.", estate.domain)})),
        "GetChange" => Payload::request(json!({"id": format!("C0{}", ids::upper_alnum(rng, 19))})),
        "ChangeResourceRecordSets" => Payload::request(json!({
            "hostedZoneId": estate.hosted_zone,
            "changeBatch": {"changes": [{"action": "UPSERT", "resourceRecordSet": {
                "name": format!("{}.{}", pick(rng, &estate.workloads), estate.domain),
                "type": "TXT",
                "tTL": 300,
                "resourceRecords": [{"value": "\"heritage=external-dns,external-dns/owner=default\""}],
            }}]},
        }))
        .with_response(json!({"changeInfo": {"id": format!("/change/C0{}", ids::upper_alnum(rng, 19)), "status": "PENDING", "submittedAt": stamp(ctx.time)}})),
        "DescribeEventAggregates" => Payload::request(json!({
            "aggregateField": "eventTypeCategory",
            "filter": {"eventStatusCodes": ["open", "upcoming"], "startTimes": [{"from": stamp(ctx.time - 7 * 86400)}]},
        })),
        "GetCostAndUsage" => Payload::request(json!({
            "timePeriod": {"start": time::date_path(ctx.time - 30 * 86400).replace('/', "-"), "end": time::date_path(ctx.time).replace('/', "-")},
            "granularity": "DAILY",
            "metrics": ["UnblendedCost"],
        })),
        "BatchImportFindings" => Payload::request(json!({"findings": [{"id": ids::uuid(rng), "productArn": format!("arn:aws:securityhub:{region}::product/aws/guardduty")}]})),
        _ => return None,
    };
    Some(payload)
}

/// The log group a workload writes to: its function's, its service's, or the host's syslog.
fn own_log_group(ctx: &CallContext) -> Option<String> {
    let env = ctx.estate().env;
    let session = ctx.actor.arn.as_deref()?.rsplit('/').next()?;
    let role = ctx.actor.issuer.as_ref()?.user_name.as_str();
    match ctx.actor.trusted_by? {
        "lambda.amazonaws.com" => Some(format!("/aws/lambda/{session}")),
        "ecs-tasks.amazonaws.com" => Some(format!(
            "/ecs/{}",
            role.strip_suffix("-task-role").unwrap_or(role)
        )),
        "ec2.amazonaws.com" if role.contains("eks") => {
            Some(format!("/aws/eks/{env}-platform/cluster"))
        }
        "ec2.amazonaws.com" => Some("/var/log/messages".to_owned()),
        _ => None,
    }
}
