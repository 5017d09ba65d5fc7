//! Who an identity without an ARN is. A failed console sign-in, and some other calls, name the
//! caller only by `principalId` and `userName`; other events of the same caller carry the same
//! `principalId` (and, for an IAM user, the same account and user name) together with an ARN.
//! The map learns those links from every record that has both, and answers for the records that
//! lack the ARN. It depends on nothing but what has been seen, never on the order it was seen in:
//! of two different answers for one key, the smaller is kept.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// CloudTrail's stand-in for the user name of a failed sign-in to a user that may not exist.
pub const HIDDEN_USER_NAME: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Principal types whose records may lack the ARN (sign-ins, MFA checks) and whose `principalId`
/// names one principal for good. An assumed role's principalId changes with every session name
/// and its records name the role through the session issuer: learning them would only grow the
/// map.
const LINKABLE_TYPES: &[&str] = &["IAMUser", "Root"];

/// What one record with an ARN says about the identifiers that name its principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityLink {
    pub principal: String,
    pub principal_id: Option<String>,
    /// `account:userName` of an IAM user.
    pub user: Option<String>,
}

/// principalId -> principal, and IAM user (`account:userName`) -> principal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityMap {
    #[serde(default)]
    by_principal_id: BTreeMap<String, String>,
    #[serde(default)]
    by_user: BTreeMap<String, String>,
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn user_key(record: &Value, identity: &Value) -> Option<String> {
    let name = text(identity, "userName").filter(|name| *name != HIDDEN_USER_NAME)?;
    let account = text(identity, "accountId").or_else(|| text(record, "recipientAccountId"))?;
    Some(format!("{account}:{name}"))
}

fn is_iam_user(identity: &Value) -> bool {
    text(identity, "type").is_none_or(|kind| kind == "IAMUser")
}

/// The link a record carries, when its principal was derived from an ARN (`principal` is that
/// derived id).
pub fn identity_link(record: &Value, principal: &str) -> Option<IdentityLink> {
    let identity = record.get("userIdentity")?;
    let kind = text(identity, "type")?;
    if !LINKABLE_TYPES.contains(&kind) || text(identity, "arn").is_none() {
        return None;
    }
    let link = IdentityLink {
        principal: principal.to_owned(),
        principal_id: text(identity, "principalId").map(str::to_owned),
        user: (kind == "IAMUser")
            .then(|| user_key(record, identity))
            .flatten(),
    };
    (link.principal_id.is_some() || link.user.is_some()).then_some(link)
}

/// Keeps the smaller of two answers, so the map does not depend on the order it learned in.
fn learn_one(map: &mut BTreeMap<String, String>, key: &str, principal: &str) -> bool {
    match map.get_mut(key) {
        Some(known) if known.as_str() <= principal => false,
        Some(known) => {
            *known = principal.to_owned();
            true
        }
        None => {
            map.insert(key.to_owned(), principal.to_owned());
            true
        }
    }
}

impl IdentityMap {
    pub fn is_empty(&self) -> bool {
        self.by_principal_id.is_empty() && self.by_user.is_empty()
    }

    /// Learns `link`; returns the raw identifiers (as an unresolved event's principal reads:
    /// its principalId, or its user name) whose events now resolve differently.
    pub fn learn(&mut self, link: &IdentityLink) -> Vec<String> {
        let mut changed = Vec::new();
        if let Some(id) = &link.principal_id {
            if learn_one(&mut self.by_principal_id, id, &link.principal) {
                changed.push(id.clone());
            }
        }
        if let Some(user) = &link.user {
            if learn_one(&mut self.by_user, user, &link.principal) {
                let name = user.split_once(':').map_or(user.as_str(), |(_, name)| name);
                changed.push(name.to_owned());
            }
        }
        changed
    }

    /// The principal of a record whose identity has no ARN: by its principalId, else (an IAM
    /// user) by its account and user name. A hidden user name resolves only by principalId.
    pub fn resolve(&self, record: &Value) -> Option<&str> {
        let identity = record.get("userIdentity")?;
        if let Some(found) =
            text(identity, "principalId").and_then(|id| self.by_principal_id.get(id))
        {
            return Some(found);
        }
        if !is_iam_user(identity) {
            return None;
        }
        self.by_user
            .get(&user_key(record, identity)?)
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:iam::111122223333:user/noah";

    fn with_arn() -> Value {
        json!({"userIdentity": {"type": "IAMUser", "principalId": "AIDANOAH", "arn": ARN,
            "accountId": "111122223333", "userName": "noah"}})
    }

    #[test]
    fn a_record_with_an_arn_links_its_principal_id_and_user_name() {
        let link = identity_link(&with_arn(), ARN).unwrap();
        assert_eq!(link.principal_id.as_deref(), Some("AIDANOAH"));
        assert_eq!(link.user.as_deref(), Some("111122223333:noah"));
        let mut map = IdentityMap::default();
        assert_eq!(map.learn(&link), vec!["AIDANOAH", "noah"]);
        assert!(
            map.learn(&link).is_empty(),
            "learning it again changes nothing"
        );

        let failed = json!({"userIdentity": {"type": "IAMUser", "principalId": "AIDANOAH",
            "accountId": "111122223333", "accessKeyId": "", "userName": "noah"}});
        assert_eq!(map.resolve(&failed), Some(ARN));
        let by_name = json!({"userIdentity": {"type": "IAMUser", "accountId": "111122223333",
            "userName": "noah"}});
        assert_eq!(map.resolve(&by_name), Some(ARN));
        let other_account = json!({"userIdentity": {"type": "IAMUser", "accountId": "999",
            "userName": "noah"}});
        assert_eq!(map.resolve(&other_account), None);
    }

    #[test]
    fn a_hidden_user_name_resolves_only_by_principal_id() {
        let mut map = IdentityMap::default();
        map.learn(&identity_link(&with_arn(), ARN).unwrap());
        let hidden = json!({"userIdentity": {"type": "IAMUser", "principalId": "",
            "accountId": "111122223333", "userName": HIDDEN_USER_NAME}});
        assert_eq!(map.resolve(&hidden), None);
        let hidden_known = json!({"userIdentity": {"type": "IAMUser", "principalId": "AIDANOAH",
            "accountId": "111122223333", "userName": HIDDEN_USER_NAME}});
        assert_eq!(map.resolve(&hidden_known), Some(ARN));
    }

    #[test]
    fn records_without_an_arn_or_of_other_types_teach_nothing() {
        let no_arn = json!({"userIdentity": {"type": "IAMUser", "principalId": "AIDA"}});
        assert_eq!(identity_link(&no_arn, "AIDA"), None);
        let account = json!({"userIdentity": {"type": "AWSAccount", "principalId": "AIDA",
            "arn": "x", "accountId": "1"}});
        assert_eq!(identity_link(&account, "account:1"), None);
    }

    #[test]
    fn conflicting_answers_keep_the_smaller_whatever_the_order() {
        let a = IdentityLink {
            principal: "a".into(),
            principal_id: Some("P".into()),
            user: None,
        };
        let b = IdentityLink {
            principal: "b".into(),
            ..a.clone()
        };
        let (mut first, mut second) = (IdentityMap::default(), IdentityMap::default());
        first.learn(&a);
        first.learn(&b);
        second.learn(&b);
        second.learn(&a);
        assert_eq!(first, second);
    }
}
