//! CloudTrail records exported by SQL engines (Athena, Snowflake, and SIEMs built on them) come
//! with their keys folded to one case (`eventname`, `useridentity.sessioncontext`) and the
//! free-form members (`requestparameters`) as JSON text. This maps such a record back to
//! CloudTrail's own names so that it is indexed, detected and shown like any other; the text
//! of the record is kept as it came.
use serde_json::{Map, Value};

/// The keys CloudTrail itself defines (the record, `userIdentity`, `resources`, `tlsDetails`,
/// ...). Keys inside `requestParameters` and the like belong to each service and are left as
/// they are.
const CLOUDTRAIL_KEYS: &[&str] = &[
    "eventVersion",
    "userIdentity",
    "type",
    "principalId",
    "arn",
    "ARN",
    "accountId",
    "accessKeyId",
    "userName",
    "invokedBy",
    "identityProvider",
    "sessionContext",
    "attributes",
    "creationDate",
    "mfaAuthenticated",
    "sessionIssuer",
    "webIdFederationData",
    "federatedProvider",
    "sourceIdentity",
    "ec2RoleDelivery",
    "assumedRoot",
    "onBehalfOf",
    "userId",
    "identityStoreArn",
    "credentialId",
    "inScopeOf",
    "issuerType",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "errorCode",
    "errorMessage",
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "requestID",
    "eventID",
    "readOnly",
    "resources",
    "eventType",
    "apiVersion",
    "managementEvent",
    "recipientAccountId",
    "serviceEventDetails",
    "sharedEventID",
    "vpcEndpointId",
    "vpcEndpointAccountId",
    "eventCategory",
    "tlsDetails",
    "tlsVersion",
    "cipherSuite",
    "clientProvidedHostHeader",
    "sessionCredentialFromConsole",
    "edgeDeviceDetails",
    "insightDetails",
    "addendum",
    "reason",
    "updatedFields",
    "originalRequestID",
    "originalEventID",
];

/// Members whose content is the service's own JSON; an export may carry it as text.
const FREE_FORM_KEYS: &[&str] = &[
    "requestParameters",
    "responseElements",
    "additionalEventData",
    "serviceEventDetails",
];

/// The keys that say "this is a CloudTrail record".
const DEFINING_KEYS: [&str; 3] = ["eventTime", "eventName", "eventSource"];

/// What a file is told once when its records were read this way.
pub const RESTORED_NOTE: &str =
    "keys in another case (an Athena/SQL export) were read as CloudTrail's names (eventname -> eventName); the records are kept as written";

fn canonical(key: &str) -> Option<&'static str> {
    CLOUDTRAIL_KEYS
        .iter()
        .find(|name| name.eq_ignore_ascii_case(key))
        .copied()
}

/// Whether `record` names none of CloudTrail's defining keys as CloudTrail writes them, but
/// names one in another case.
pub fn has_folded_keys(record: &Value) -> bool {
    let Value::Object(map) = record else {
        return false;
    };
    let present = |name: &str| map.get(name).is_some_and(|v| !v.is_null());
    !DEFINING_KEYS.iter().any(|name| present(name))
        && map.iter().any(|(key, value)| {
            !value.is_null()
                && DEFINING_KEYS
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(key))
        })
}

/// Renames `record`'s keys to CloudTrail's, and parses free-form members given as JSON text.
/// Returns whether anything changed. A record already in CloudTrail's case is left alone.
pub fn restore_key_case(record: &mut Value) -> bool {
    if !has_folded_keys(record) {
        return false;
    }
    if let Value::Object(map) = record {
        restore_object(map, true);
    }
    true
}

fn restore_object(map: &mut Map<String, Value>, top: bool) {
    let entries = std::mem::take(map);
    for (key, mut value) in entries {
        let name = canonical(&key).map_or(key, str::to_owned);
        if top && FREE_FORM_KEYS.contains(&name.as_str()) {
            if let Value::String(text) = &value {
                if let Ok(parsed @ (Value::Object(_) | Value::Array(_))) =
                    serde_json::from_str::<Value>(text)
                {
                    value = parsed;
                }
            }
        } else {
            restore_value(&mut value);
        }
        if name == "resources" {
            // Resources name their ARN in capitals, unlike userIdentity's `arn`.
            if let Value::Array(items) = &mut value {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    if let Some(arn) = item.remove("arn") {
                        item.entry("ARN").or_insert(arn);
                    }
                }
            }
        }
        // A key present in both cases keeps the one CloudTrail wrote.
        if !map.contains_key(&name) {
            map.insert(name, value);
        }
    }
}

fn restore_value(value: &mut Value) {
    match value {
        Value::Object(map) => restore_object(map, false),
        Value::Array(items) => items.iter_mut().for_each(restore_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_athena_row_reads_as_the_cloudtrail_record() {
        let mut record = json!({
            "eventversion": "1.08",
            "useridentity": {"type": "IAMUser", "principalid": "AIDAX", "arn": "arn:aws:iam::1:user/a",
                "accountid": "1", "accesskeyid": "AKIAX", "username": "a",
                "sessioncontext": {"attributes": {"mfaauthenticated": "false", "creationdate": "2026-11-01T00:00:00Z"},
                    "sessionissuer": {"type": "Role", "username": "r"}}},
            "eventtime": "2026-11-01T08:00:00Z",
            "eventsource": "cloudtrail.amazonaws.com",
            "eventname": "StopLogging",
            "awsregion": "us-east-1",
            "sourceipaddress": "192.168.10.20",
            "requestparameters": "{\"name\":\"mgmt\",\"BucketName\":\"x\"}",
            "responseelements": null,
            "resources": [{"arn": "arn:aws:cloudtrail:us-east-1:1:trail/mgmt", "accountid": "1", "type": "AWS::CloudTrail::Trail"}],
            "eventid": "e1",
            "tlsdetails": {"tlsversion": "TLSv1.3"}
        });
        assert!(restore_key_case(&mut record));
        assert_eq!(record["eventName"], "StopLogging");
        assert_eq!(record["sourceIPAddress"], "192.168.10.20");
        assert_eq!(record["userIdentity"]["principalId"], "AIDAX");
        assert_eq!(
            record["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"],
            "r"
        );
        assert_eq!(
            record["userIdentity"]["sessionContext"]["attributes"]["mfaAuthenticated"],
            "false"
        );
        assert_eq!(
            record["requestParameters"]["BucketName"], "x",
            "the service's own keys stay"
        );
        assert_eq!(
            record["resources"][0]["ARN"],
            "arn:aws:cloudtrail:us-east-1:1:trail/mgmt"
        );
        assert_eq!(record["tlsDetails"]["tlsVersion"], "TLSv1.3");
        assert_eq!(record["eventID"], "e1");
        assert!(record.get("eventname").is_none());
    }

    #[test]
    fn upper_case_exports_are_read_too_and_cloudtrail_records_are_left_alone() {
        let mut upper = json!({"EVENTNAME": "GetObject", "EVENTTIME": "2026-11-01T08:00:00Z"});
        assert!(restore_key_case(&mut upper));
        assert_eq!(upper["eventName"], "GetObject");
        let mut plain = json!({"eventName": "X", "requestParameters": {"eventname": "kept"}});
        let before = plain.clone();
        assert!(!restore_key_case(&mut plain));
        assert_eq!(plain, before);
        let mut other = json!({"seed": 1});
        assert!(!restore_key_case(&mut other));
    }
}
