//! What to ask LookupEvents for to load one principal's history.
use serde_json::Value;

/// The LookupEvents `Username` of the identity that made `record`: the IAM user's name, `root`,
/// or for a role the session name (what the console and the CLI show as User name).
pub fn lookup_username(record: &Value) -> Option<String> {
    let identity = record.get("userIdentity")?;
    let text = |key: &str| {
        identity
            .get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    let name = match text("type") {
        Some("Root") => Some("root"),
        Some("AssumedRole") | Some("FederatedUser") => text("arn")
            .and_then(|arn| arn.rsplit('/').next())
            .or_else(|| text("userName")),
        _ => text("userName"),
    };
    name.filter(|n| *n != "HIDDEN_DUE_TO_SECURITY_REASONS")
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn users_roles_and_root_map_to_their_lookup_username() {
        let user = json!({"userIdentity": {"type": "IAMUser", "userName": "alice"}});
        assert_eq!(lookup_username(&user).as_deref(), Some("alice"));
        let role = json!({"userIdentity": {"type": "AssumedRole",
            "arn": "arn:aws:sts::1:assumed-role/Deploy/ci-run-42"}});
        assert_eq!(lookup_username(&role).as_deref(), Some("ci-run-42"));
        let root = json!({"userIdentity": {"type": "Root", "arn": "arn:aws:iam::1:root"}});
        assert_eq!(lookup_username(&root).as_deref(), Some("root"));
        let hidden = json!({"userIdentity": {"type": "IAMUser",
            "userName": "HIDDEN_DUE_TO_SECURITY_REASONS"}});
        assert_eq!(lookup_username(&hidden), None);
        assert_eq!(lookup_username(&json!({})), None);
    }
}
