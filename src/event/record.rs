use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{derive_principal_resolved, IdentityMap, Principal};

/// The handful of fields every view of an event needs, read once from the record.
#[derive(Debug, Clone)]
pub struct EventSummary {
    pub event_id: String,
    pub time: Option<DateTime<Utc>>,
    pub event_name: String,
    pub event_source: String,
    pub region: String,
    pub source_ip: String,
    pub error_code: String,
    /// What went wrong, for lists: the errorCode, else the errorMessage (a failed ConsoleLogin
    /// has only `"errorMessage": "Failed authentication"`).
    pub error: String,
    pub user_agent: String,
    pub account: String,
    pub principal: Principal,
}

fn field(record: &Value, key: &str) -> String {
    match record.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl EventSummary {
    /// Reads the summary of a record's raw JSON text (an unreadable record gives empty fields).
    pub fn from_raw(raw: &str) -> EventSummary {
        let mut value: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
        crate::source::as_cloudtrail(&mut value);
        EventSummary::from_record(&value, event_id_of(&value, raw))
    }

    /// Reads the summary of a record; `event_id` is the record's eventID or the id derived for it.
    pub fn from_record(record: &Value, event_id: String) -> EventSummary {
        EventSummary::from_record_resolved(record, event_id, None)
    }

    /// Like [`EventSummary::from_record`], resolving an identity without an ARN through
    /// `identities`.
    pub fn from_record_resolved(
        record: &Value,
        event_id: String,
        identities: Option<&IdentityMap>,
    ) -> EventSummary {
        let account = match record.get("recipientAccountId").and_then(Value::as_str) {
            Some(account) => account.to_owned(),
            None => record
                .pointer("/userIdentity/accountId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        };
        EventSummary {
            event_id,
            time: record
                .get("eventTime")
                .and_then(Value::as_str)
                .and_then(parse_event_time),
            event_name: field(record, "eventName"),
            event_source: field(record, "eventSource"),
            region: field(record, "awsRegion"),
            source_ip: field(record, "sourceIPAddress"),
            error_code: field(record, "errorCode"),
            error: match field(record, "errorCode") {
                code if code.is_empty() => field(record, "errorMessage"),
                code => code,
            },
            user_agent: field(record, "userAgent"),
            account,
            principal: derive_principal_resolved(record, identities),
        }
    }
}

/// The record's eventID, or the id derived from its text when it has none (as sources do).
pub fn event_id_of(record: &Value, raw: &str) -> String {
    match record.get("eventID") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => derived_event_id(raw),
    }
}

/// Parses CloudTrail's `eventTime` (RFC 3339, normally `2026-11-01T08:00:00Z`).
pub fn parse_event_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A stable id for a record that has no eventID: the same bytes always give the same id.
pub fn derived_event_id(raw: &str) -> String {
    format!(
        "trailhound-{:032x}",
        xxhash_rust::xxh3::xxh3_128(raw.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summary_reads_the_common_fields() {
        let record = json!({"eventTime": "2026-11-01T08:00:00Z", "eventName": "ListBuckets",
            "eventSource": "s3.amazonaws.com", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9",
            "errorCode": "AccessDenied", "recipientAccountId": "111122223333",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"}});
        let s = EventSummary::from_record(&record, "e1".into());
        assert_eq!(s.time.unwrap().to_rfc3339(), "2026-11-01T08:00:00+00:00");
        assert_eq!(s.event_name, "ListBuckets");
        assert_eq!(s.account, "111122223333");
        assert_eq!(s.principal.short_name(), "alice");
        assert_eq!(
            (s.error_code.as_str(), s.error.as_str()),
            ("AccessDenied", "AccessDenied")
        );
    }

    #[test]
    fn a_failed_console_login_reads_as_an_error_without_an_error_code() {
        let record = json!({"eventName": "ConsoleLogin", "errorMessage": "Failed authentication",
            "responseElements": {"ConsoleLogin": "Failure"}});
        let s = EventSummary::from_record(&record, "e1".into());
        assert_eq!(s.error_code, "");
        assert_eq!(s.error, "Failed authentication");
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(derived_event_id("{\"a\":1}"), derived_event_id("{\"a\":1}"));
        assert_ne!(derived_event_id("{\"a\":1}"), derived_event_id("{\"a\":2}"));
    }
}
