//! What a call carries: request parameters, response elements, resources and additional data.
//! Realistic shapes for the common calls (in the `params_*` files); a small generic object or
//! null for the rest.

use rand::rngs::SmallRng;
use rand::Rng;
use serde_json::{json, Value};

use super::{params_compute, params_data, params_identity, params_ops, Api};
use crate::gen::cast::AccountCast;
use crate::gen::estate::Estate;
use crate::gen::identities::Actor;
use crate::gen::ids;
use crate::gen::time;

/// Everything a builder may look at to fill in one call.
pub struct CallContext<'a> {
    pub seed: u64,
    pub cast: &'a AccountCast,
    pub actor: &'a Actor,
    pub region: &'a str,
    pub time: i64,
}

impl CallContext<'_> {
    pub fn estate(&self) -> &Estate {
        &self.cast.estate
    }

    pub fn account(&self) -> &str {
        &self.cast.estate.account_id
    }

    /// The caller's own user name, when it is an IAM user.
    pub fn own_user_name(&self) -> Option<&str> {
        (self.actor.kind == "IAMUser")
            .then_some(self.actor.user_name.as_deref())
            .flatten()
    }

    /// An IAM role of the account, by name.
    pub fn some_role(&self, rng: &mut impl Rng) -> &str {
        let roles: Vec<&str> = self
            .cast
            .actors
            .iter()
            .filter_map(|a| a.issuer.as_ref())
            .filter(|i| i.kind == "Role")
            .map(|i| i.user_name.as_str())
            .collect();
        roles
            .get(rng.random_range(0..roles.len().max(1)))
            .copied()
            .unwrap_or("OrganizationAccountAccessRole")
    }

    /// An IAM user of the account, by name.
    pub fn some_user(&self, rng: &mut impl Rng) -> &str {
        let users: Vec<&str> = self
            .cast
            .actors
            .iter()
            .filter(|a| a.kind == "IAMUser")
            .filter_map(|a| a.user_name.as_deref())
            .collect();
        users
            .get(rng.random_range(0..users.len().max(1)))
            .copied()
            .unwrap_or("terraform-ci")
    }

    pub fn availability_zone(&self, rng: &mut impl Rng) -> String {
        format!("{}{}", self.region, ['a', 'b', 'c'][rng.random_range(0..3)])
    }
}

/// The payload of one call. `response` is dropped when the call fails.
#[derive(Default)]
pub struct Payload {
    pub request: Option<Value>,
    pub response: Option<Value>,
    pub resources: Option<Value>,
    pub additional: Option<Value>,
}

impl Payload {
    pub fn request(request: Value) -> Payload {
        Payload {
            request: Some(request),
            ..Payload::default()
        }
    }

    pub fn with_response(mut self, response: Value) -> Payload {
        self.response = Some(response);
        self
    }

    pub fn with_resources(mut self, resources: Value) -> Payload {
        self.resources = Some(resources);
        self
    }

    pub fn with_additional(mut self, additional: Value) -> Payload {
        self.additional = Some(additional);
        self
    }
}

pub fn payload(api: &Api, ctx: &CallContext, rng: &mut SmallRng) -> Payload {
    let built = match api.service.prefix {
        "sts" | "iam" | "kms" | "secretsmanager" | "sso" | "organizations" => {
            params_identity::build(api, ctx, rng)
        }
        "ec2" | "autoscaling" | "elbv2" | "lambda" | "ecr" | "ecs" | "eks" => {
            params_compute::build(api, ctx, rng)
        }
        "s3" | "dynamodb" | "rds" | "sqs" | "sns" | "athena" | "glue" => {
            params_data::build(api, ctx, rng)
        }
        _ => params_ops::build(api, ctx, rng),
    };
    built.unwrap_or_else(|| generic(api, rng))
}

/// What the long tail carries: often nothing, otherwise a paging hint.
fn generic(api: &Api, rng: &mut impl Rng) -> Payload {
    let name = api.name;
    let request = if rng.random_range(0..3) == 0 {
        None
    } else if name.starts_with("List") || name.starts_with("Describe") {
        Some(match api.service.protocol {
            super::services::Protocol::Query => json!({"maxRecords": 100}),
            _ => json!({"maxResults": 100}),
        })
    } else if api.read_only {
        None
    } else {
        Some(json!({"clientToken": ids::uuid(rng)}))
    };
    Payload {
        request,
        ..Payload::default()
    }
}

/// EC2's list wrapper: `{"items": [...]}`.
pub fn items(values: Vec<Value>) -> Value {
    json!({ "items": values })
}

/// EC2's filter set with one filter.
pub fn filter(name: &str, value: &str) -> Value {
    json!({"items": [{"name": name, "valueSet": {"items": [{"value": value}]}}]})
}

pub fn resource(kind: &str, arn: String, account: &str) -> Value {
    json!([{"accountId": account, "type": kind, "ARN": arn}])
}

/// A session token as STS returns it: long base64 starting with `IQoJb3JpZ2luX2Vj`.
pub fn session_token(rng: &mut impl Rng) -> String {
    let mut token = String::from("IQoJb3JpZ2luX2Vj");
    let length = 420 + rng.random_range(0..160);
    token.push_str(&ids::base64(rng, length));
    token
}

/// STS credentials for `role`'s session at `time` (so later calls by that session chain to it).
pub fn credentials(ctx: &CallContext, role: &Actor, hours: i64, rng: &mut impl Rng) -> Value {
    let session = role.session(ctx.seed, ctx.time);
    json!({
        "accessKeyId": session.access_key,
        "sessionToken": session_token(rng),
        "expiration": time::sts_expiration(ctx.time + hours * 3600),
    })
}

pub fn assumed_role_user(role: &Actor) -> Value {
    json!({
        "assumedRoleId": role.principal_id,
        "arn": role.arn.as_deref().unwrap_or_default(),
    })
}

/// `Nov 1, 2026, 8:25:12 AM`: how CloudTrail prints timestamps inside many requests.
pub fn stamp(secs: i64) -> String {
    time::sts_expiration(secs)
}
