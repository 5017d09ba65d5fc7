//! The `pull` arguments the UI's keys build for the accounts an index holds: how to reach one
//! account again (`H`), and every account and region earlier pulls covered (`L`, `F`), from how
//! those pulls reached them.
use std::collections::{BTreeMap, BTreeSet};

use crate::index::coverage::{KnownAccount, PullAccess};

/// How `H` can reach an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// With these arguments (none: the default credentials).
    Args(Vec<String>),
    /// Other accounts were pulled through profiles and none through a role: only the user knows
    /// which profile reaches this one.
    Ask,
}

/// A 12-digit account ID, the only kind `pull` can be told to reach.
fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The role most accounts were reached through, with its base profile.
fn common_role(accounts: &BTreeMap<String, KnownAccount>) -> Option<PullAccess> {
    let mut counts: BTreeMap<&PullAccess, usize> = BTreeMap::new();
    for access in accounts.values().filter_map(|a| a.access.as_ref()) {
        if access.role_name.is_some() {
            *counts.entry(access).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|(access, count)| (*count, std::cmp::Reverse(*access)))
        .map(|(access, _)| access.clone())
}

/// How to reach `account`: as the last pull of it did; else through the role other accounts
/// were reached by (an organisation's accounts share one); else the default credentials when no
/// pull has named any.
pub fn reach(account: &str, accounts: &BTreeMap<String, KnownAccount>) -> Reach {
    if !is_account_id(account) {
        return Reach::Args(Vec::new());
    }
    if let Some(access) = accounts.get(account).and_then(|a| a.access.as_ref()) {
        return Reach::Args(access.args(account));
    }
    if let Some(role) = common_role(accounts) {
        return Reach::Args(role.args(account));
    }
    match accounts.values().any(|a| a.access.is_some()) {
        true => Reach::Ask,
        false => Reach::Args(Vec::new()),
    }
}

/// The arguments that pull again what earlier pulls covered: the accounts reached through the
/// most common role (one command assumes one role name), else the profiles; and their regions.
/// Empty when no pull has recorded how it reached an account.
pub fn every_pulled(accounts: &BTreeMap<String, KnownAccount>) -> Vec<String> {
    let mut args = Vec::new();
    let mut regions = BTreeSet::new();
    if let Some(role) = common_role(accounts) {
        let reached: Vec<(&String, &KnownAccount)> = accounts
            .iter()
            .filter(|(id, a)| a.access.as_ref() == Some(&role) && is_account_id(id))
            .collect();
        if let Some(profile) = &role.profile {
            args.extend(["--profile".to_owned(), profile.clone()]);
        }
        for (id, account) in reached {
            args.extend(["--account".to_owned(), id.clone()]);
            regions.extend(account.pulled_regions.iter().cloned());
        }
        args.extend(["--role-name".to_owned(), role.role_name.unwrap_or_default()]);
    } else {
        let mut profiles = BTreeSet::new();
        for account in accounts.values() {
            if let Some(access) = &account.access {
                profiles.insert(access.profile.clone());
                regions.extend(account.pulled_regions.iter().cloned());
            }
        }
        // The default chain has no name to repeat next to other profiles.
        for profile in profiles.into_iter().flatten() {
            args.extend(["--profile".to_owned(), profile]);
        }
    }
    for region in regions {
        args.extend(["--region".to_owned(), region]);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(profile: Option<&str>, role: Option<&str>, regions: &[&str]) -> KnownAccount {
        KnownAccount {
            events: 1,
            access: Some(PullAccess {
                profile: profile.map(str::to_owned),
                role_name: role.map(str::to_owned),
            }),
            pulled_regions: regions.iter().map(|r| r.to_string()).collect(),
        }
    }

    fn archived() -> KnownAccount {
        KnownAccount {
            events: 5,
            ..KnownAccount::default()
        }
    }

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn an_account_is_reached_as_it_was_last_pulled() {
        let accounts = BTreeMap::from([
            ("111111111111".to_owned(), known(Some("prod"), None, &[])),
            (
                "222222222222".to_owned(),
                known(Some("base"), Some("Audit"), &[]),
            ),
        ]);
        assert_eq!(
            reach("111111111111", &accounts),
            Reach::Args(strings(&["--profile", "prod"]))
        );
        assert_eq!(
            reach("222222222222", &accounts),
            Reach::Args(strings(&[
                "--profile",
                "base",
                "--account",
                "222222222222",
                "--role-name",
                "Audit"
            ]))
        );
    }

    #[test]
    fn an_account_never_pulled_is_reached_through_the_organisations_role() {
        let accounts = BTreeMap::from([
            ("111111111111".to_owned(), known(None, Some("OrgRole"), &[])),
            ("222222222222".to_owned(), known(None, Some("OrgRole"), &[])),
            ("333333333333".to_owned(), known(None, Some("Other"), &[])),
            ("444444444444".to_owned(), archived()),
        ]);
        assert_eq!(
            reach("444444444444", &accounts),
            Reach::Args(strings(&[
                "--account",
                "444444444444",
                "--role-name",
                "OrgRole"
            ]))
        );
    }

    #[test]
    fn without_a_role_to_go_by_the_user_is_asked_unless_nothing_was_ever_pulled() {
        let profiles = BTreeMap::from([
            ("111111111111".to_owned(), known(Some("prod"), None, &[])),
            ("444444444444".to_owned(), archived()),
        ]);
        assert_eq!(reach("444444444444", &profiles), Reach::Ask);
        let archives = BTreeMap::from([("444444444444".to_owned(), archived())]);
        assert_eq!(reach("444444444444", &archives), Reach::Args(Vec::new()));
        assert_eq!(
            reach("not-an-account", &profiles),
            Reach::Args(Vec::new()),
            "an event without an account ID goes to the default credentials"
        );
    }

    #[test]
    fn every_pulled_account_and_region_once() {
        let roles = BTreeMap::from([
            (
                "111111111111".to_owned(),
                known(Some("base"), Some("OrgRole"), &["us-east-1"]),
            ),
            (
                "222222222222".to_owned(),
                known(Some("base"), Some("OrgRole"), &["eu-west-1", "us-east-1"]),
            ),
            ("444444444444".to_owned(), archived()),
        ]);
        assert_eq!(
            every_pulled(&roles),
            strings(&[
                "--profile",
                "base",
                "--account",
                "111111111111",
                "--account",
                "222222222222",
                "--role-name",
                "OrgRole",
                "--region",
                "eu-west-1",
                "--region",
                "us-east-1"
            ])
        );
        let profiles = BTreeMap::from([
            (
                "111111111111".to_owned(),
                known(Some("a"), None, &["us-east-1"]),
            ),
            (
                "222222222222".to_owned(),
                known(Some("b"), None, &["us-east-1"]),
            ),
        ]);
        assert_eq!(
            every_pulled(&profiles),
            strings(&["--profile", "a", "--profile", "b", "--region", "us-east-1"])
        );
        assert!(every_pulled(&BTreeMap::from([("4".to_owned(), archived())])).is_empty());
    }
}
