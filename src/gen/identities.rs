//! Principals: what CloudTrail prints in `userIdentity` for each kind of caller, and their sessions.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use super::clients::{Client, Origin};
use super::ids;
use super::time::IsoTime;

/// The role or user a session was issued from.
pub struct Issuer {
    pub kind: &'static str,
    pub principal_id: String,
    pub arn: String,
    pub account_id: String,
    pub user_name: String,
}

/// One principal of the cast: a person, a pipeline, a workload, an instance, a service.
pub struct Actor {
    /// Unique within the corpus; seeds the actor's sessions.
    pub key: String,
    /// The catalog caller bit ([`crate::gen::catalog::HUM`], ...).
    pub caller: u16,
    /// Relative share of its account's calls.
    pub weight: f64,
    /// People work office hours; machines do not.
    pub human: bool,
    /// `userIdentity.type`.
    pub kind: &'static str,
    pub principal_id: String,
    pub arn: Option<String>,
    pub account_id: String,
    pub user_name: Option<String>,
    pub issuer: Option<Issuer>,
    /// An IAM user's long-term `AKIA` key, used outside the console.
    pub long_term_key: Option<String>,
    pub invoked_by: Option<&'static str>,
    pub identity_provider: Option<String>,
    pub mfa: bool,
    pub on_instance: bool,
    pub clients: Vec<(Client, u32)>,
    /// Picks the actor's laptop/browser among the client variants.
    pub flavor: usize,
    pub origin: Origin,
    /// For roles: the principal that assumes them (`lambda.amazonaws.com`, `oidc`, ...).
    pub trusted_by: Option<&'static str>,
    pub session_secs: i64,
}

/// Temporary credentials of one session.
pub struct Session {
    pub access_key: String,
    pub created: i64,
}

impl Actor {
    /// An IAM user with a long-term key, calling from `origin`.
    pub fn iam_user(
        account_id: &str,
        name: &str,
        caller: u16,
        origin: Origin,
        rng: &mut impl Rng,
    ) -> Actor {
        Actor {
            key: format!("{account_id}/user/{name}"),
            caller,
            weight: 1.0,
            human: false,
            kind: "IAMUser",
            principal_id: ids::principal_id(rng, "AIDA"),
            arn: Some(format!("arn:aws:iam::{account_id}:user/{name}")),
            account_id: account_id.to_owned(),
            user_name: Some(name.to_owned()),
            issuer: None,
            long_term_key: Some(ids::access_key(rng, "AKIA")),
            invoked_by: None,
            identity_provider: None,
            mfa: false,
            on_instance: false,
            clients: vec![(Client::Cli, 1)],
            flavor: rng.random_range(0..16),
            origin,
            trusted_by: None,
            session_secs: 12 * 3600,
        }
    }

    /// Whether a call through `client` runs on temporary credentials (`ASIA...`, a session
    /// context) rather than a long-term key or a service's own authority.
    pub fn uses_session(&self, client: Client) -> bool {
        match self.kind {
            "AssumedRole" | "FederatedUser" => true,
            "IAMUser" | "Root" => client == Client::Console,
            _ => false,
        }
    }

    /// The session live at `time`: the same for every call in the same period, in any file.
    pub fn session(&self, seed: u64, time: i64) -> Session {
        let period = time.div_euclid(self.session_secs.max(1));
        let mixed = seed ^ (period as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut rng = SmallRng::seed_from_u64(ids::stable(mixed, &[&self.key]));
        Session {
            access_key: ids::access_key(&mut rng, "ASIA"),
            created: period * self.session_secs - rng.random_range(0..900),
        }
    }

    pub fn pick_client(&self, rng: &mut impl Rng) -> Client {
        let total: u32 = self.clients.iter().map(|(_, w)| w).sum();
        let mut x = rng.random_range(0..total.max(1));
        for &(client, weight) in &self.clients {
            if x < weight {
                return client;
            }
            x -= weight;
        }
        self.clients.first().map_or(Client::Cli, |c| c.0)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_context: Option<SessionContext<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity_provider: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext<'a> {
    pub session_issuer: IssuerView<'a>,
    pub web_id_federation_data: Empty,
    pub attributes: SessionAttributes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ec2_role_delivery: Option<&'static str>,
}

#[derive(Serialize)]
pub struct Empty {}

/// `sessionIssuer`: empty for IAM users' and root's console sessions.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuerView<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes {
    pub creation_date: IsoTime,
    pub mfa_authenticated: &'static str,
}

impl<'a> UserIdentity<'a> {
    /// A service's own event in the account: no principal, only who invoked it.
    pub fn service_event(account_id: &'a str, service: &'a str) -> UserIdentity<'a> {
        UserIdentity {
            kind: None,
            principal_id: None,
            arn: None,
            account_id: Some(account_id),
            access_key_id: None,
            user_name: None,
            session_context: None,
            invoked_by: Some(service),
            identity_provider: None,
        }
    }

    /// The identity as printed on one call; `session` is None for long-term keys and services.
    pub fn of(actor: &'a Actor, session: Option<&'a Session>) -> UserIdentity<'a> {
        let session_context = session.map(|s| SessionContext {
            session_issuer: match &actor.issuer {
                Some(issuer) => IssuerView {
                    kind: Some(issuer.kind),
                    principal_id: Some(&issuer.principal_id),
                    arn: Some(&issuer.arn),
                    account_id: Some(&issuer.account_id),
                    user_name: Some(&issuer.user_name),
                },
                None => IssuerView {
                    kind: None,
                    principal_id: None,
                    arn: None,
                    account_id: None,
                    user_name: None,
                },
            },
            web_id_federation_data: Empty {},
            attributes: SessionAttributes {
                creation_date: IsoTime::new(s.created),
                mfa_authenticated: if actor.mfa { "true" } else { "false" },
            },
            ec2_role_delivery: actor.on_instance.then_some("2.0"),
        });
        let access_key_id = match session {
            _ if actor.invoked_by.is_some() => None,
            Some(s) => Some(s.access_key.as_str()),
            None => actor.long_term_key.as_deref(),
        };
        UserIdentity {
            kind: Some(actor.kind),
            principal_id: (!actor.principal_id.is_empty()).then_some(actor.principal_id.as_str()),
            arn: actor.arn.as_deref(),
            account_id: (actor.kind != "AWSService").then_some(actor.account_id.as_str()),
            access_key_id,
            user_name: actor.user_name.as_deref(),
            session_context,
            invoked_by: actor.invoked_by,
            identity_provider: actor.identity_provider.as_deref(),
        }
    }
}
