//! CloudTrail Insights events: an unusual API call rate, opened by a Start event and closed by an
//! End event that share one `sharedEventID`.

use rand::Rng;
use serde_json::{json, Value};

use super::cast::AccountCast;
use super::ids;
use super::time::iso;

/// Calls whose rate spikes: (event source, event name).
const SPIKES: &[(&str, &str)] = &[
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("ssm.amazonaws.com", "GetParameter"),
    ("kms.amazonaws.com", "Decrypt"),
    ("iam.amazonaws.com", "GetRole"),
];

/// One anomaly: its Start and End events go to two files.
pub struct Anomaly {
    pub account: usize,
    pub region: &'static str,
    pub start: i64,
    pub end: i64,
    pub spike: (&'static str, &'static str),
}

/// How many anomalies a corpus of `events` has: none for small ones, a few for big ones.
pub fn anomaly_count(events: usize) -> usize {
    match events {
        0..1_000 => 0,
        1_000..10_000 => 1,
        10_000..500_000 => 2,
        _ => 3,
    }
}

pub fn plan(seed: u64, count: usize, start: i64, days: u32) -> Vec<Anomaly> {
    let mut rng = ids::stable_rng(seed, &["insights"]);
    let span = i64::from(days.max(1)) * 86_400;
    (0..count)
        .map(|i| {
            let begin = start + rng.random_range(0..span - 4 * 3600) / 60 * 60;
            let spike = SPIKES[i % SPIKES.len()];
            Anomaly {
                account: 0,
                region: if spike.0 == "iam.amazonaws.com" || i.is_multiple_of(2) {
                    "us-east-1"
                } else {
                    "eu-west-1"
                },
                start: begin,
                end: begin + rng.random_range(2..12) * 600,
                spike,
            }
        })
        .collect()
}

/// The Start and End events of `anomaly`.
pub fn events(anomaly: &Anomaly, cast: &AccountCast, rng: &mut impl Rng) -> [Value; 2] {
    let shared = ids::uuid(rng);
    let caller = cast
        .actors
        .iter()
        .filter(|a| a.kind == "AssumedRole" && a.invoked_by.is_none())
        .nth(rng.random_range(0..4))
        .and_then(|a| a.issuer.as_ref())
        .map_or_else(String::new, |i| i.arn.clone());
    let baseline = (rng.random_range(2..60) as f64) / 100.0;
    let insight = baseline * f64::from(rng.random_range(20..90));
    let minutes = (anomaly.end - anomaly.start) / 60;
    let attributions = json!([
        {"attribute": "userIdentityArn", "insight": [{"value": caller, "average": insight}], "baseline": [{"value": caller, "average": baseline}]},
        {"attribute": "userAgent", "insight": [{"value": "aws-sdk-go-v2/1.32.4", "average": insight}], "baseline": [{"value": "aws-sdk-go-v2/1.32.4", "average": baseline}]},
        {"attribute": "errorCode", "insight": [{"value": "null", "average": insight}], "baseline": [{"value": "null", "average": baseline}]},
    ]);
    let event_ids = [ids::uuid(rng), ids::uuid(rng)];
    let event = |state: &str, time: i64, statistics: Value, event_id: &str| {
        json!({
            "eventVersion": "1.08",
            "eventTime": iso(time),
            "awsRegion": anomaly.region,
            "eventID": event_id,
            "eventType": "AwsCloudTrailInsight",
            "recipientAccountId": cast.estate.account_id,
            "sharedEventID": shared,
            "insightDetails": {
                "state": state,
                "eventSource": anomaly.spike.0,
                "eventName": anomaly.spike.1,
                "insightType": "ApiCallRateInsight",
                "insightContext": {"statistics": statistics, "attributions": attributions},
            },
            "eventCategory": "Insight",
        })
    };
    let start = event(
        "Start",
        anomaly.start,
        json!({"baseline": {"average": baseline}, "insight": {"average": insight}, "baselineDuration": 10080}),
        &event_ids[0],
    );
    let end = event(
        "End",
        anomaly.end,
        json!({"baseline": {"average": baseline}, "insight": {"average": insight}, "insightDuration": minutes, "baselineDuration": 10080}),
        &event_ids[1],
    );
    [start, end]
}
