//! The API catalog: which calls exist, who makes them, how often, and what they carry.

mod compute_rows;
mod data_rows;
pub mod errors;
mod identity_rows;
mod ops_rows;
pub mod params;
pub mod params_compute;
pub mod params_data;
mod params_identity;
mod params_ops;
pub mod services;

use rand::Rng;

use super::weighted::Weighted;
pub use params::{payload, CallContext, Payload};
use services::Service;

pub const READ: bool = true;
pub const WRITE: bool = false;

/// Who makes a call: each actor has one of these bits, each catalog row a set of them.
pub const HUM: u16 = 1 << 0; // people at the console or CLI
pub const CI: u16 = 1 << 1; // pipelines and infrastructure as code
pub const APP: u16 = 1 << 2; // workloads: Lambda, ECS and EKS roles
pub const HOST: u16 = 1 << 3; // agents on EC2 instances
pub const SVC: u16 = 1 << 4; // AWS service principals (type AWSService)
pub const AUD: u16 = 1 << 5; // service-linked roles that inventory resources
pub const SLR: u16 = 1 << 6; // service-linked roles that operate resources
pub const XAC: u16 = 1 << 7; // principals of other accounts (type AWSAccount)
pub const ROOT: u16 = 1 << 8;
pub const FED: u16 = 1 << 9; // federation-token users
pub const SAML: u16 = 1 << 10;
pub const OIDC: u16 = 1 << 11;
pub const OPS: u16 = HUM | CI | AUD;
const CALLER_KINDS: usize = 12;

#[derive(Debug)]
pub struct Api {
    pub name: &'static str,
    pub service: &'static Service,
    pub read_only: bool,
    /// Relative popularity among the callers allowed to make it.
    pub weight: f64,
    pub callers: u16,
}

pub const fn api(
    name: &'static str,
    service: &'static Service,
    read_only: bool,
    weight: f64,
    callers: u16,
) -> Api {
    Api {
        name,
        service,
        read_only,
        weight,
        callers,
    }
}

impl Api {
    /// The IAM action: Lambda's event names carry an API version (`GetFunction20150331v2`).
    pub fn action(&self) -> &'static str {
        match self.name.find("20") {
            Some(at) if self.service.prefix == "lambda" => &self.name[..at],
            _ => self.name,
        }
    }
}

pub fn all_rows() -> impl Iterator<Item = &'static Api> {
    identity_rows::ROWS
        .iter()
        .chain(compute_rows::ROWS)
        .chain(data_rows::ROWS)
        .chain(ops_rows::ROWS)
}

struct Sampler {
    rows: Vec<&'static Api>,
    weights: Weighted,
}

impl Sampler {
    fn new(rows: Vec<&'static Api>) -> Self {
        let weights = Weighted::new(rows.iter().map(|api| api.weight));
        Sampler { rows, weights }
    }
}

/// Picks calls for a kind of caller. Global services are only offered in us-east-1.
pub struct Catalog {
    /// Indexed by caller bit, then 0 = us-east-1, 1 = any other region.
    samplers: Vec<[Sampler; 2]>,
}

impl Catalog {
    pub fn new() -> Self {
        let samplers = (0..CALLER_KINDS)
            .map(|bit| {
                let for_caller = |home: bool| {
                    Sampler::new(
                        all_rows()
                            .filter(|api| api.callers & (1 << bit) != 0)
                            .filter(|api| home || !api.service.global)
                            .collect(),
                    )
                };
                [for_caller(true), for_caller(false)]
            })
            .collect();
        Catalog { samplers }
    }

    fn sampler(&self, caller: u16, region: &str) -> &Sampler {
        let bit = (caller.trailing_zeros() as usize).min(CALLER_KINDS - 1);
        &self.samplers[bit][usize::from(region != "us-east-1")]
    }

    /// Whether a caller of this kind has anything to do in `region`.
    pub fn serves(&self, caller: u16, region: &str) -> bool {
        !self.sampler(caller, region).rows.is_empty()
    }

    pub fn pick(&self, caller: u16, region: &str, rng: &mut impl Rng) -> Option<&'static Api> {
        let sampler = self.sampler(caller, region);
        if sampler.rows.is_empty() {
            return None;
        }
        Some(sampler.rows[sampler.weights.sample(rng)])
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

/// The catalog row for `name` at `source` (used by the scripted incident).
pub fn lookup(name: &str, source: &str) -> Option<&'static Api> {
    all_rows().find(|api| api.name == name && api.service.source == source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn rows_are_unique_and_sane() {
        let mut seen = HashSet::new();
        for api in all_rows() {
            assert!(
                seen.insert((api.name, api.service.source)),
                "duplicate {}",
                api.name
            );
            assert!(api.weight > 0.0 && api.callers != 0, "{}", api.name);
            let reads = ["Describe", "List", "Get"];
            if reads.iter().any(|p| api.name.starts_with(p)) {
                assert!(api.read_only, "{} should be read-only", api.name);
            }
        }
        let names: HashSet<_> = all_rows().map(|api| api.name).collect();
        assert!(names.len() >= 300, "{}", names.len());
    }

    #[test]
    fn global_services_stay_home() {
        let catalog = Catalog::new();
        let mut rng = crate::gen::ids::stable_rng(1, &["catalog"]);
        for _ in 0..2000 {
            let api = catalog.pick(HUM, "eu-west-1", &mut rng).unwrap();
            assert!(!api.service.global, "{}", api.name);
        }
        assert!(catalog.serves(ROOT, "us-east-1"));
        assert!(!catalog.serves(ROOT, "eu-west-1"));
    }

    #[test]
    fn lambda_actions_drop_the_version() {
        assert_eq!(
            lookup("GetFunction20150331v2", "lambda.amazonaws.com")
                .unwrap()
                .action(),
            "GetFunction"
        );
        assert_eq!(
            lookup("GetRole", "iam.amazonaws.com").unwrap().action(),
            "GetRole"
        );
    }
}
