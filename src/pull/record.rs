//! One LookupEvents event, the CloudTrail record it carries, and a page of them as a delivery
//! to the writer.
use std::borrow::Cow;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::event::derived_event_id;
use crate::index::coverage::SliceMark;
use crate::source::{Delivery, Problem, Severity, SourceRecord};

/// The fields of a LookupEvents event that trailhound keeps, free of SDK types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LookupEvent {
    pub event_id: Option<String>,
    pub time: Option<DateTime<Utc>>,
    pub name: Option<String>,
    pub source: Option<String>,
    pub username: Option<String>,
    pub access_key_id: Option<String>,
    pub read_only: Option<String>,
    pub resources: Vec<(Option<String>, Option<String>)>,
    pub cloudtrail_event: Option<String>,
}

impl LookupEvent {
    pub fn from_sdk(event: &aws_sdk_cloudtrail::types::Event) -> LookupEvent {
        LookupEvent {
            event_id: event.event_id().map(str::to_owned),
            time: event
                .event_time()
                .and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())),
            name: event.event_name().map(str::to_owned),
            source: event.event_source().map(str::to_owned),
            username: event.username().map(str::to_owned),
            access_key_id: event.access_key_id().map(str::to_owned),
            read_only: event.read_only().map(str::to_owned),
            resources: event
                .resources()
                .iter()
                .map(|r| {
                    (
                        r.resource_type().map(str::to_owned),
                        r.resource_name().map(str::to_owned),
                    )
                })
                .collect(),
            cloudtrail_event: event.cloud_trail_event().map(str::to_owned),
        }
    }
}

/// A record ready to index: its raw JSON text, parsed value and event id.
#[derive(Debug)]
pub struct PulledRecord {
    pub raw: String,
    pub value: Value,
    pub event_id: String,
}

/// Where pulled events say they came from, in `@source` and `info`.
pub fn source_name(account: &str, region: &str) -> String {
    format!("LookupEvents {account} {region}")
}

/// A page of events with the checkpoint it advances; an event whose CloudTrailEvent could not
/// be used is rebuilt (see [`record_of`]) and a warning says so.
pub fn delivery_of(events: &[LookupEvent], mark: SliceMark, arrived: Instant) -> Delivery {
    let key = &mark.key;
    let name = format!("LookupEvents {} {}", key.region, key.category);
    let mut records = Vec::with_capacity(events.len());
    let mut problems = Vec::new();
    for (at, event) in events.iter().enumerate() {
        let (record, problem) = record_of(event, &key.account, &key.region);
        if let Some(problem) = problem {
            problems.push(Problem::record(
                Severity::Warning,
                &name,
                at + 1,
                format!("event {}: {problem}", record.event_id),
            ));
        }
        records.push(SourceRecord {
            number: at + 1,
            raw: Cow::Owned(record.raw),
            value: record.value,
            event_id: record.event_id,
        });
    }
    Delivery {
        source: source_name(&key.account, &key.region).into(),
        name: name.into(),
        records,
        problems,
        checkpoint: crate::index::coverage::Checkpoint::Slice(mark),
        arrived,
    }
}

/// The event's CloudTrail record. When CloudTrailEvent is missing or not a JSON object, the
/// record is rebuilt from the LookupEvents fields with the original text kept under
/// `trailhoundUnparsedCloudTrailEvent`, so the event is still indexed, found and deduped; the
/// returned message says what was wrong.
pub fn record_of(
    event: &LookupEvent,
    account: &str,
    region: &str,
) -> (PulledRecord, Option<String>) {
    let parsed = event
        .cloudtrail_event
        .as_deref()
        .map(serde_json::from_str::<Value>);
    let problem = match parsed {
        Some(Ok(value)) if value.is_object() => {
            let raw = event.cloudtrail_event.clone().unwrap_or_default();
            let event_id = match value.get("eventID").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.to_owned(),
                _ => event
                    .event_id
                    .clone()
                    .unwrap_or_else(|| derived_event_id(&raw)),
            };
            return (
                PulledRecord {
                    raw,
                    value,
                    event_id,
                },
                None,
            );
        }
        Some(Ok(_)) => "CloudTrailEvent is not a JSON object".to_owned(),
        Some(Err(e)) => format!("CloudTrailEvent is not JSON ({e})"),
        None => "the event has no CloudTrailEvent".to_owned(),
    };
    let value = rebuilt_record(event, account, region);
    let raw = value.to_string();
    let event_id = event
        .event_id
        .clone()
        .unwrap_or_else(|| derived_event_id(&raw));
    (
        PulledRecord {
            raw,
            value,
            event_id,
        },
        Some(format!("{problem}; indexed from its LookupEvents fields")),
    )
}

fn rebuilt_record(event: &LookupEvent, account: &str, region: &str) -> Value {
    let resources: Vec<Value> = event
        .resources
        .iter()
        .map(|(kind, name)| json!({"type": kind, "ARN": name}))
        .collect();
    json!({
        "eventVersion": null,
        "eventID": event.event_id,
        "eventTime": event.time.map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        "eventName": event.name,
        "eventSource": event.source,
        "awsRegion": region,
        "recipientAccountId": account,
        "readOnly": event.read_only.as_deref().map(|r| r == "true"),
        "userIdentity": {"userName": event.username, "accessKeyId": event.access_key_id},
        "resources": resources,
        "trailhoundUnparsedCloudTrailEvent": event.cloudtrail_event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(cloudtrail_event: Option<&str>) -> LookupEvent {
        LookupEvent {
            event_id: Some("e-1".into()),
            time: DateTime::from_timestamp(1_700_000_000, 0),
            name: Some("RunInstances".into()),
            source: Some("ec2.amazonaws.com".into()),
            username: Some("alice".into()),
            access_key_id: Some("AKIA1".into()),
            read_only: Some("false".into()),
            resources: vec![],
            cloudtrail_event: cloudtrail_event.map(str::to_owned),
        }
    }

    #[test]
    fn the_cloudtrail_event_text_is_the_record_verbatim() {
        let text = r#"{"eventID":"e-1","eventName":"RunInstances"}"#;
        let (record, problem) = record_of(&event(Some(text)), "1", "us-east-1");
        assert_eq!(record.raw, text);
        assert_eq!(record.event_id, "e-1");
        assert_eq!(problem, None);
    }

    #[test]
    fn a_broken_cloudtrail_event_is_rebuilt_and_kept_not_dropped() {
        let (record, problem) = record_of(&event(Some("{\"eventID\": trunc")), "111", "eu-west-1");
        assert!(problem.unwrap().contains("not JSON"));
        assert_eq!(record.event_id, "e-1");
        assert_eq!(record.value["eventName"], "RunInstances");
        assert_eq!(record.value["awsRegion"], "eu-west-1");
        assert_eq!(record.value["eventTime"], "2023-11-14T22:13:20Z");
        assert_eq!(
            record.value["trailhoundUnparsedCloudTrailEvent"],
            "{\"eventID\": trunc"
        );
    }
}
