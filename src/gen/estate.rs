//! The resources each account owns: buckets, instances, keys, secrets... named once per seed so
//! every file (whichever thread writes it) talks about the same things.

use rand::seq::SliceRandom;
use rand::Rng;

use super::ids;

/// The workloads a company runs; each account hosts a few of them.
const WORKLOADS: &[&str] = &[
    "orders",
    "payments",
    "catalog",
    "checkout",
    "inventory",
    "notifications",
    "search",
    "reporting",
    "billing",
    "identity",
    "shipping",
    "analytics",
];

const ENVIRONMENTS: &[&str] = &["prod", "staging", "dev", "shared", "data", "sandbox"];

pub const COMPANIES: &[&str] = &[
    "northwind",
    "contoso",
    "initech",
    "globex",
    "hooli",
    "vandelay",
];

/// Public prefixes AWS uses for Elastic IPs (NAT gateways).
const EIP_FIRST_OCTETS: &[u8] = &[3, 18, 34, 35, 44, 52, 54];

pub struct Estate {
    pub index: usize,
    pub account_id: String,
    pub env: &'static str,
    pub company: &'static str,
    pub workloads: Vec<&'static str>,
    pub buckets: Vec<String>,
    pub instances: Vec<String>,
    pub images: Vec<String>,
    pub volumes: Vec<String>,
    pub snapshots: Vec<String>,
    pub security_groups: Vec<String>,
    pub vpc: String,
    pub subnets: Vec<String>,
    pub kms_keys: Vec<String>,
    pub secrets: Vec<String>,
    pub parameters: Vec<String>,
    pub functions: Vec<String>,
    pub log_groups: Vec<String>,
    pub tables: Vec<String>,
    pub queues: Vec<String>,
    pub topics: Vec<String>,
    pub repositories: Vec<String>,
    pub ecs_cluster: String,
    pub eks_cluster: String,
    pub stacks: Vec<String>,
    pub databases: Vec<String>,
    pub hosted_zone: String,
    pub domain: String,
    pub trail: String,
    pub trail_bucket: String,
    pub detector: String,
    pub vpc_endpoint: String,
    pub nat_ips: Vec<String>,
    pub policies: Vec<String>,
}

pub fn account_id(seed: u64, index: usize) -> String {
    ids::digits(
        &mut ids::stable_rng(seed, &["account", &index.to_string()]),
        12,
    )
}

pub fn company(seed: u64) -> &'static str {
    COMPANIES[(ids::stable(seed, &["company"]) % COMPANIES.len() as u64) as usize]
}

impl Estate {
    pub fn new(seed: u64, index: usize) -> Estate {
        let mut rng = ids::stable_rng(seed, &["estate", &index.to_string()]);
        let account_id = account_id(seed, index);
        let env = ENVIRONMENTS[index % ENVIRONMENTS.len()];
        let company = company(seed);
        let mut workloads = WORKLOADS.to_vec();
        workloads.shuffle(&mut rng);
        workloads.truncate(6);

        let per_workload = |f: &dyn Fn(&str) -> String| -> Vec<String> {
            workloads.iter().map(|w| f(w)).collect()
        };
        let mut buckets = per_workload(&|w| format!("{company}-{env}-{w}-data"));
        buckets.push(format!("{company}-{env}-cloudtrail-{account_id}"));
        buckets.push(format!("{company}-{env}-terraform-state"));
        buckets.push(format!("{company}-{env}-artifacts-{account_id}"));
        buckets.push(format!("{company}-{env}-access-logs"));
        let trail_bucket = buckets[workloads.len()].clone();

        let mut secrets = Vec::new();
        for w in &workloads {
            for what in [
                "db-password",
                "api-key",
                "oauth-client-secret",
                "signing-key",
            ] {
                secrets.push(format!("{env}/{w}/{what}-{}", ids::alnum(&mut rng, 6)));
            }
        }
        let mut parameters = Vec::new();
        for w in &workloads {
            for what in [
                "config/log-level",
                "config/feature-flags",
                "db/endpoint",
                "db/username",
            ] {
                parameters.push(format!("/{env}/{w}/{what}"));
            }
        }
        let mut log_groups = per_workload(&|w| format!("/aws/lambda/{env}-{w}-handler"));
        log_groups.extend(per_workload(&|w| format!("/ecs/{env}-{w}")));
        log_groups.push(format!("/aws/eks/{env}-platform/cluster"));
        log_groups.push("/var/log/messages".to_owned());

        let nat_ips = (0..3)
            .map(|_| {
                let first = EIP_FIRST_OCTETS[rng.random_range(0..EIP_FIRST_OCTETS.len())];
                format!(
                    "{first}.{}.{}.{}",
                    rng.random_range(0..256),
                    rng.random_range(0..256),
                    rng.random_range(1..255)
                )
            })
            .collect();

        Estate {
            index,
            env,
            company,
            buckets,
            trail_bucket,
            instances: (0..14).map(|_| ids::resource_id(&mut rng, "i-")).collect(),
            images: (0..4).map(|_| ids::resource_id(&mut rng, "ami-")).collect(),
            volumes: (0..16)
                .map(|_| ids::resource_id(&mut rng, "vol-"))
                .collect(),
            snapshots: (0..8)
                .map(|_| ids::resource_id(&mut rng, "snap-"))
                .collect(),
            security_groups: (0..8).map(|_| ids::resource_id(&mut rng, "sg-")).collect(),
            vpc: ids::resource_id(&mut rng, "vpc-"),
            subnets: (0..6)
                .map(|_| ids::resource_id(&mut rng, "subnet-"))
                .collect(),
            kms_keys: (0..5).map(|_| ids::uuid(&mut rng)).collect(),
            secrets,
            parameters,
            functions: per_workload(&|w| format!("{env}-{w}-handler")),
            log_groups,
            tables: per_workload(&|w| format!("{env}-{w}")),
            queues: per_workload(&|w| format!("{env}-{w}-events")),
            topics: per_workload(&|w| format!("{env}-{w}-alerts")),
            repositories: per_workload(&|w| format!("{company}/{w}")),
            ecs_cluster: format!("{env}-services"),
            eks_cluster: format!("{env}-platform"),
            stacks: per_workload(&|w| format!("{env}-{w}-stack")),
            databases: per_workload(&|w| format!("{env}-{w}-db")),
            hosted_zone: format!("Z0{}", ids::upper_alnum(&mut rng, 19)),
            domain: format!("{env}.{company}.example"),
            trail: format!("{company}-management-events"),
            detector: ids::hex(&mut rng, 32),
            vpc_endpoint: ids::resource_id(&mut rng, "vpce-"),
            nat_ips,
            policies: per_workload(&|w| format!("{env}-{w}-access")),
            workloads,
            account_id,
        }
    }

    pub fn bucket_arn(bucket: &str) -> String {
        format!("arn:aws:s3:::{bucket}")
    }

    pub fn key_arn(&self, region: &str, key: &str) -> String {
        format!("arn:aws:kms:{region}:{}:key/{key}", self.account_id)
    }

    pub fn secret_arn(&self, region: &str, secret: &str) -> String {
        format!(
            "arn:aws:secretsmanager:{region}:{}:secret:{secret}",
            self.account_id
        )
    }
}

/// A uniformly chosen element; lists in the estate are never empty.
pub fn pick<'a, T: AsRef<str>>(rng: &mut impl Rng, items: &'a [T]) -> &'a str {
    items[rng.random_range(0..items.len())].as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_per_seed_and_account() {
        let a = Estate::new(9, 0);
        let b = Estate::new(9, 0);
        let c = Estate::new(9, 1);
        assert_eq!(a.secrets, b.secrets);
        assert_ne!(a.account_id, c.account_id);
        assert!(a.secrets.len() >= 20);
        assert!(a.trail_bucket.contains("cloudtrail"));
    }
}
