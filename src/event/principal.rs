use serde_json::Value;

use super::identity::IdentityMap;

/// Who acted, keyed on the issuer so that one role's many sessions share a timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub id: String,
    pub session: Option<String>,
}

impl Principal {
    /// The last path segment of the principal (a user, role or service name), for short matches.
    pub fn short_name(&self) -> &str {
        let tail = self.id.rsplit('/').next().unwrap_or(&self.id);
        tail.rsplit(':').next().unwrap_or(tail)
    }
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut current = value;
    for key in path {
        current = current.get(key)?;
    }
    current.as_str().filter(|s| !s.is_empty())
}

fn last_segment(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Derives the principal and session of a record per the table in cloudtrail-facts.md.
pub fn derive_principal(record: &Value) -> Principal {
    derive_principal_resolved(record, None)
}

/// Like [`derive_principal`]; an identity without an ARN is first looked up in `identities`
/// (the principal other events with the same principalId or IAM user name carry).
pub fn derive_principal_resolved(record: &Value, identities: Option<&IdentityMap>) -> Principal {
    let (id, session) = principal_from_arn(record);
    let id = id.or_else(|| {
        identities
            .and_then(|map| map.resolve(record))
            .map(str::to_owned)
    });
    let identity = record.get("userIdentity").unwrap_or(&Value::Null);
    let get = |path: &[&str]| text(identity, path).map(str::to_owned);
    let id = id
        .or_else(|| get(&["principalId"]))
        .or_else(|| get(&["userName"]))
        .or_else(|| get(&["invokedBy"]).map(|service| format!("service:{service}")))
        .unwrap_or_else(|| "unknown".to_owned());
    Principal { id, session }
}

/// The principal as the record's own identity names it (an ARN or another qualified name), and
/// its session; `None` when it names the caller only by raw identifiers.
pub fn principal_from_arn(record: &Value) -> (Option<String>, Option<String>) {
    let identity = record.get("userIdentity").unwrap_or(&Value::Null);
    let get = |path: &[&str]| text(identity, path).map(str::to_owned);
    let kind = text(identity, &["type"]).unwrap_or("");
    let on_behalf_of = identity.get("onBehalfOf").filter(|v| v.is_object());

    match kind {
        "AssumedRole" => {
            let id = get(&["sessionContext", "sessionIssuer", "arn"]).or_else(|| get(&["arn"]));
            let session = get(&["sessionContext", "sourceIdentity"])
                .or_else(|| text(identity, &["arn"]).map(|arn| last_segment(arn).to_owned()));
            (id, session)
        }
        "IAMUser" | "Root" => (get(&["arn"]), get(&["accessKeyId"])),
        "FederatedUser" => (
            get(&["arn"]),
            get(&["sessionContext", "sessionIssuer", "arn"]),
        ),
        "IdentityCenterUser" | "Unknown" if on_behalf_of.is_some() => {
            let behalf = on_behalf_of.unwrap_or(&Value::Null);
            let id = match (
                text(behalf, &["identityStoreArn"]),
                text(behalf, &["userId"]),
            ) {
                (Some(store), Some(user)) => Some(format!("idc:{store}/{user}")),
                (None, Some(user)) => Some(format!("idc:{user}")),
                _ => None,
            };
            (id, get(&["accessKeyId"]))
        }
        "SAMLUser" | "WebIdentityUser" => {
            let id = match (
                text(identity, &["identityProvider"]),
                text(identity, &["userName"]),
            ) {
                (Some(provider), Some(user)) => Some(format!("{provider}:{user}")),
                (None, Some(user)) => Some(user.to_owned()),
                _ => None,
            };
            (id, get(&["principalId"]))
        }
        "AWSService" => (
            text(identity, &["invokedBy"])
                .or_else(|| text(record, &["sourceIPAddress"]))
                .map(|service| format!("service:{service}")),
            None,
        ),
        "AWSAccount" => (
            text(identity, &["accountId"]).map(|account| format!("account:{account}")),
            get(&["principalId"]),
        ),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn principal_of(identity: Value) -> Principal {
        derive_principal(&json!({ "userIdentity": identity, "sourceIPAddress": "1.2.3.4" }))
    }

    #[test]
    fn assumed_role_is_keyed_on_the_role_with_the_session_name() {
        let p = principal_of(json!({
            "type": "AssumedRole",
            "arn": "arn:aws:sts::111122223333:assumed-role/Deploy/ci-run-42",
            "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::111122223333:role/Deploy"}}
        }));
        assert_eq!(p.id, "arn:aws:iam::111122223333:role/Deploy");
        assert_eq!(p.session.as_deref(), Some("ci-run-42"));
        assert_eq!(p.short_name(), "Deploy");
    }

    #[test]
    fn assumed_role_prefers_source_identity() {
        let p = principal_of(json!({
            "type": "AssumedRole",
            "arn": "arn:aws:sts::1:assumed-role/R/s",
            "sessionContext": {"sourceIdentity": "alice", "sessionIssuer": {"arn": "arn:aws:iam::1:role/R"}}
        }));
        assert_eq!(p.session.as_deref(), Some("alice"));
    }

    #[test]
    fn users_and_root_use_arn_and_access_key() {
        let p = principal_of(
            json!({"type": "IAMUser", "arn": "arn:aws:iam::1:user/bob", "accessKeyId": "AKIA1"}),
        );
        assert_eq!(p.id, "arn:aws:iam::1:user/bob");
        assert_eq!(p.session.as_deref(), Some("AKIA1"));
        assert_eq!(p.short_name(), "bob");
        let root = principal_of(json!({"type": "Root", "arn": "arn:aws:iam::1:root"}));
        assert_eq!(root.id, "arn:aws:iam::1:root");
        assert_eq!(root.short_name(), "root");
    }

    #[test]
    fn federated_identity_center_saml_service_account() {
        let fed = principal_of(
            json!({"type": "FederatedUser", "arn": "arn:aws:sts::1:federated-user/f",
            "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::1:user/issuer"}}}),
        );
        assert_eq!(fed.session.as_deref(), Some("arn:aws:iam::1:user/issuer"));
        let idc = principal_of(json!({"type": "IdentityCenterUser",
            "onBehalfOf": {"userId": "u-1", "identityStoreArn": "arn:aws:identitystore::1:identitystore/d-1"}}));
        assert_eq!(idc.id, "idc:arn:aws:identitystore::1:identitystore/d-1/u-1");
        let unknown = principal_of(json!({"type": "Unknown", "onBehalfOf": {"userId": "u-2"}}));
        assert_eq!(unknown.id, "idc:u-2");
        let saml = principal_of(
            json!({"type": "SAMLUser", "identityProvider": "okta", "userName": "carol", "principalId": "P"}),
        );
        assert_eq!(
            saml,
            Principal {
                id: "okta:carol".into(),
                session: Some("P".into())
            }
        );
        let service =
            principal_of(json!({"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}));
        assert_eq!(service.id, "service:cloudtrail.amazonaws.com");
        let account =
            principal_of(json!({"type": "AWSAccount", "accountId": "999", "principalId": "AID"}));
        assert_eq!(
            account,
            Principal {
                id: "account:999".into(),
                session: Some("AID".into())
            }
        );
    }

    #[test]
    fn anything_else_falls_back_to_principal_id_then_user_name_then_unknown() {
        assert_eq!(
            principal_of(json!({"type": "Directory", "principalId": "D1"})).id,
            "D1"
        );
        assert_eq!(
            principal_of(json!({"type": "Unknown", "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"}))
                .id,
            "HIDDEN_DUE_TO_SECURITY_REASONS"
        );
        assert_eq!(derive_principal(&json!({"eventName": "X"})).id, "unknown");
        // Service events often carry only the invoking service.
        let untyped =
            principal_of(json!({"accountId": "1", "invokedBy": "secretsmanager.amazonaws.com"}));
        assert_eq!(untyped.id, "service:secretsmanager.amazonaws.com");
    }
}
