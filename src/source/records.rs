use std::borrow::Cow;

use serde_json::Value;

use super::key_case::{restore_key_case, RESTORED_NOTE};
use super::problem::{Problem, Severity};
use crate::event::derived_event_id;

/// One CloudTrail record read from a source.
#[derive(Debug)]
pub struct SourceRecord<'a> {
    /// 1-based position in its file.
    pub number: usize,
    /// The record exactly as written (the inner JSON of a LookupEvents `CloudTrailEvent`).
    pub raw: Cow<'a, str>,
    pub value: Value,
    pub event_id: String,
}

/// serde's message with its position said relative to the record (its line 1 is not the file's).
fn json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let message = text
        .rfind(" at line ")
        .map_or(text.as_str(), |at| &text[..at]);
    match error.line() {
        0 => message.to_owned(),
        1 => format!("{message} at column {}", error.column()),
        line => format!(
            "{message} at line {line} of the record, column {}",
            error.column()
        ),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Makes a parsed record read as CloudTrail writes it, for indexing and evaluation (its text is
/// kept as written): keys in another case restored (SQL exports), and an empty `errorCode` or
/// `errorMessage` (some exports write `""` for a call that succeeded) removed. Returns whether
/// the keys were restored.
pub fn as_cloudtrail(record: &mut Value) -> bool {
    let restored = restore_key_case(record);
    if let Value::Object(map) = record {
        for key in ["errorCode", "errorMessage"] {
            if map.get(key).and_then(Value::as_str) == Some("") {
                map.remove(key);
            }
        }
    }
    restored
}

/// Parses the bytes of one record. Problems are pushed to `problems`; `None` means rejected.
pub fn parse_record<'a>(
    bytes: &'a [u8],
    number: usize,
    file: &str,
    problems: &mut Vec<Problem>,
) -> Option<SourceRecord<'a>> {
    let raw = match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            problems.push(Problem::record(
                Severity::Warning,
                file,
                number,
                "invalid UTF-8 bytes replaced with U+FFFD",
            ));
            Cow::Owned(String::from_utf8_lossy(bytes).into_owned())
        }
    };
    let reject = |problems: &mut Vec<Problem>, message: String| {
        problems.push(Problem::record(Severity::Rejected, file, number, message));
        None
    };
    let value: Value = match serde_json::from_str(&raw) {
        Ok(value) => value,
        Err(e) => return reject(problems, format!("invalid JSON: {}", json_error(&e))),
    };
    let (raw, mut value) = match value.get("CloudTrailEvent") {
        Some(Value::String(inner)) => match serde_json::from_str::<Value>(inner) {
            Ok(inner_value) => (Cow::Owned(inner.clone()), inner_value),
            Err(e) => return reject(problems, format!("CloudTrailEvent is not JSON: {e}")),
        },
        Some(other) => {
            return reject(
                problems,
                format!("CloudTrailEvent is {}, not a JSON string", kind_of(other)),
            )
        }
        None => (raw, value),
    };
    if !value.is_object() {
        return reject(
            problems,
            format!("not a JSON object (found {})", kind_of(&value)),
        );
    }
    if as_cloudtrail(&mut value)
        && !problems
            .iter()
            .rev()
            .any(|p| p.record.is_none() && p.file == file && p.message == RESTORED_NOTE)
    {
        problems.push(Problem::file(Severity::Warning, file, RESTORED_NOTE));
    }
    // Every CloudTrail record says when, what and where; an object with none of them is some
    // other JSON (a manifest, a label file) and would be an event with no time.
    let defining = ["eventTime", "eventName", "eventSource"];
    if defining
        .iter()
        .all(|key| value.get(key).is_none_or(Value::is_null))
    {
        return reject(
            problems,
            "not a CloudTrail record: it has no eventTime, eventName or eventSource".to_owned(),
        );
    }
    let event_id = match value.get("eventID") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        _ => {
            let id = derived_event_id(&raw);
            problems.push(Problem::record(
                Severity::Warning,
                file,
                number,
                format!("no eventID; using the stable id {id} derived from its content"),
            ));
            id
        }
    };
    Some(SourceRecord {
        number,
        raw,
        value,
        event_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(bytes: &[u8]) -> (Option<SourceRecord<'_>>, Vec<Problem>) {
        let mut problems = Vec::new();
        let record = parse_record(bytes, 3, "f.json", &mut problems);
        (record, problems)
    }

    #[test]
    fn a_plain_record_is_kept_verbatim() {
        let (record, problems) = parse(br#"{"eventID":"e1", "eventName":"X"}"#);
        let record = record.unwrap();
        assert_eq!(record.raw, r#"{"eventID":"e1", "eventName":"X"}"#);
        assert_eq!(record.event_id, "e1");
        assert!(problems.is_empty());
    }

    #[test]
    fn lookup_events_are_unwrapped_and_bad_inner_json_rejected() {
        let (record, _) = parse(
            br#"{"EventId":"e2","CloudTrailEvent":"{\"eventID\":\"e2\",\"eventName\":\"X\"}"}"#,
        );
        assert_eq!(record.unwrap().raw, r#"{"eventID":"e2","eventName":"X"}"#);
        let (record, problems) = parse(br#"{"EventId":"e3","CloudTrailEvent":"not json"}"#);
        assert!(record.is_none());
        assert!(problems[0]
            .message
            .starts_with("CloudTrailEvent is not JSON"));
    }

    #[test]
    fn non_objects_and_broken_json_are_rejected_with_the_record_number() {
        let (record, problems) = parse(b"42");
        assert!(record.is_none());
        assert_eq!(
            problems[0].to_string(),
            "rejected: f.json: record 3: not a JSON object (found a number)"
        );
        let (_, problems) = parse(b"{\"a\":");
        assert_eq!(
            problems[0].message,
            "invalid JSON: EOF while parsing a value at column 5"
        );
        let (_, problems) = parse(b"{\n \"a\": nope}");
        assert_eq!(
            problems[0].message,
            "invalid JSON: expected ident at line 2 of the record, column 8"
        );
    }

    #[test]
    fn json_that_is_not_a_cloudtrail_record_is_rejected() {
        let (record, problems) = parse(br#"{"seed":2026,"events":3000}"#);
        assert!(record.is_none());
        assert_eq!(
            problems[0].to_string(),
            "rejected: f.json: record 3: not a CloudTrail record: it has no eventTime, eventName or eventSource"
        );
    }

    #[test]
    fn missing_event_id_gets_a_stable_derived_id_and_a_warning() {
        let (record, problems) = parse(br#"{"eventName":"X"}"#);
        let id = record.unwrap().event_id;
        assert!(id.starts_with("trailhound-"));
        assert_eq!(problems[0].severity, Severity::Warning);
        let (again, _) = parse(br#"{"eventName":"X"}"#);
        assert_eq!(again.unwrap().event_id, id);
    }

    #[test]
    fn a_lower_cased_export_is_read_once_noted_and_kept_as_written() {
        let line = br#"{"eventversion":"1.08","useridentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"},"eventtime":"2026-11-01T08:00:00Z","eventsource":"cloudtrail.amazonaws.com","eventname":"StopLogging","eventid":"e9","errorcode":""}"#;
        let mut problems = Vec::new();
        let first = parse_record(line, 1, "athena.jsonl", &mut problems).unwrap();
        assert_eq!(first.value["eventName"], "StopLogging");
        assert_eq!(first.value["userIdentity"]["arn"], "arn:aws:iam::1:user/a");
        assert!(
            first.value.get("errorCode").is_none(),
            "an empty errorCode is no error"
        );
        assert_eq!(first.event_id, "e9");
        assert_eq!(
            first.raw,
            std::str::from_utf8(line).unwrap(),
            "the text as it came"
        );
        let second = parse_record(line, 2, "athena.jsonl", &mut problems);
        assert!(second.is_some());
        assert_eq!(problems.len(), 1, "said once per file: {problems:?}");
        assert_eq!(problems[0].severity, Severity::Warning);
        assert!(problems[0].to_string().contains("athena.jsonl"));
        parse_record(line, 1, "other.jsonl", &mut problems).unwrap();
        assert_eq!(problems.len(), 2);
    }

    #[test]
    fn an_empty_error_code_is_dropped_from_what_is_indexed_only() {
        let (record, problems) = parse(
            br#"{"eventID":"e5","eventName":"RunInstances","errorCode":"","errorMessage":""}"#,
        );
        let record = record.unwrap();
        assert!(record.value.get("errorCode").is_none());
        assert!(record.value.get("errorMessage").is_none());
        assert!(record.raw.contains(r#""errorCode":"""#));
        assert!(problems.is_empty());
    }

    #[test]
    fn invalid_utf8_is_replaced_and_kept() {
        let (record, problems) =
            parse(b"{\"eventID\":\"e4\",\"eventName\":\"X\",\"userAgent\":\"a\xffb\"}");
        assert_eq!(record.unwrap().value["userAgent"], "a\u{fffd}b");
        assert_eq!(problems[0].severity, Severity::Warning);
    }
}
