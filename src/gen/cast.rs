//! Who works in each account: people, pipelines, workloads, instances and AWS services.

use rand::rngs::SmallRng;
use rand::Rng;

use super::catalog::{APP, AUD, CI, FED, HOST, HUM, OIDC, ROOT, SAML, SLR, SVC, XAC};
use super::clients::{office_address, private_address, Client, Origin};
use super::estate::Estate;
use super::identities::{Actor, Issuer};
use super::ids;

const PEOPLE: &[&str] = &[
    "maria.garcia",
    "james.chen",
    "aisha.khan",
    "lukas.meyer",
    "sofia.rossi",
    "daniel.okafor",
    "emma.johansson",
    "noah.williams",
    "priya.patel",
    "tomasz.nowak",
    "chloe.martin",
    "kenji.tanaka",
    "laura.schmidt",
    "omar.haddad",
    "ines.moreau",
    "ben.carter",
];

const PERMISSION_SETS: &[&str] = &[
    "AdministratorAccess",
    "PowerUserAccess",
    "DeveloperAccess",
    "DeveloperAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
];

/// AWS services that act in the account with their own authority (`type: AWSService`).
const SERVICE_PRINCIPALS: &[(&str, f64)] = &[
    ("lambda.amazonaws.com", 4.0),
    ("ecs-tasks.amazonaws.com", 2.5),
    ("ec2.amazonaws.com", 2.0),
    ("cloudtrail.amazonaws.com", 1.5),
    ("events.amazonaws.com", 1.0),
    ("securityhub.amazonaws.com", 1.0),
];

/// Service-linked roles: (role, session name, service, caller kind, weight).
const SERVICE_LINKED: &[(&str, &str, &str, u16, f64)] = &[
    (
        "AWSServiceRoleForConfig",
        "AWSConfig-Describe",
        "config.amazonaws.com",
        AUD,
        5.0,
    ),
    (
        "AWSServiceRoleForSecurityHub",
        "securityhub",
        "securityhub.amazonaws.com",
        AUD,
        2.0,
    ),
    (
        "AWSServiceRoleForAccessAnalyzer",
        "access-analyzer",
        "access-analyzer.amazonaws.com",
        AUD,
        1.0,
    ),
    (
        "AWSServiceRoleForAutoScaling",
        "AutoScaling",
        "autoscaling.amazonaws.com",
        SLR,
        1.5,
    ),
    (
        "AWSServiceRoleForElasticLoadBalancing",
        "ElasticLoadBalancing",
        "elasticloadbalancing.amazonaws.com",
        SLR,
        1.0,
    ),
    (
        "AWSServiceRoleForBackup",
        "AWSBackup-AWSServiceRoleForBackup",
        "backup.amazonaws.com",
        SLR,
        0.8,
    ),
    (
        "AWSServiceRoleForAmazonEKS",
        "AmazonEKS",
        "eks.amazonaws.com",
        SLR,
        0.7,
    ),
];

/// The principals of one account, with the resources they work on.
pub struct AccountCast {
    pub estate: Estate,
    pub actors: Vec<Actor>,
}

/// The Linux build of the CLI in [`crate::gen::clients`], as CI runners have.
const LINUX_CLI: usize = 1;

/// The CI user whose long-term key leaks in the scripted incident.
pub const LEAKED_USER: &str = "ci-deploy";

impl AccountCast {
    pub fn new(seed: u64, estate: Estate, partner_account: &str) -> AccountCast {
        let mut rng = ids::stable_rng(seed, &["cast", &estate.index.to_string()]);
        let mut cast = Builder {
            rng: &mut rng,
            estate: &estate,
            actors: Vec::new(),
        };
        cast.people();
        cast.pipelines();
        cast.workloads();
        cast.instances();
        cast.services();
        cast.outsiders(partner_account);
        let actors = cast.actors;
        AccountCast { estate, actors }
    }

    pub fn actor(&self, key_suffix: &str) -> Option<&Actor> {
        self.actors.iter().find(|a| a.key.ends_with(key_suffix))
    }

    /// Roles the caller may assume: those trusting its service, or any workload role.
    pub fn assumable_by<'a>(&'a self, caller: &Actor) -> Vec<&'a Actor> {
        let trusted = match (caller.kind, caller.invoked_by) {
            ("AWSService", Some(host)) => host,
            ("WebIdentityUser", _)
                if caller
                    .identity_provider
                    .as_deref()
                    .is_some_and(|p| p.contains("oidc.eks")) =>
            {
                "eks-oidc"
            }
            ("WebIdentityUser", _) => "oidc",
            ("SAMLUser", _) => "saml",
            _ => "account",
        };
        let roles: Vec<&Actor> = self
            .actors
            .iter()
            .filter(|a| a.trusted_by == Some(trusted))
            .collect();
        if roles.is_empty() {
            self.actors
                .iter()
                .filter(|a| a.trusted_by.is_some())
                .collect()
        } else {
            roles
        }
    }
}

struct Builder<'a> {
    rng: &'a mut SmallRng,
    estate: &'a Estate,
    actors: Vec<Actor>,
}

impl Builder<'_> {
    fn account(&self) -> &str {
        &self.estate.account_id
    }

    fn blank(
        &mut self,
        key: String,
        kind: &'static str,
        caller: u16,
        weight: f64,
        origin: Origin,
    ) -> Actor {
        Actor {
            key: format!("{}/{key}", self.estate.account_id),
            caller,
            weight,
            human: false,
            kind,
            principal_id: String::new(),
            arn: None,
            account_id: self.estate.account_id.clone(),
            user_name: None,
            issuer: None,
            long_term_key: None,
            invoked_by: None,
            identity_provider: None,
            mfa: false,
            on_instance: false,
            clients: vec![(Client::Cli, 1)],
            flavor: self.rng.random_range(0..16),
            origin,
            trusted_by: None,
            session_secs: 3600,
        }
    }

    /// A session of `role` named `session`; the role id is stable per account and role name.
    #[allow(clippy::too_many_arguments)]
    fn role(
        &mut self,
        path: &str,
        role: &str,
        session: &str,
        caller: u16,
        weight: f64,
        clients: Vec<(Client, u32)>,
        origin: Origin,
        trusted_by: Option<&'static str>,
    ) -> &mut Actor {
        let role_id = ids::principal_id(&mut ids::stable_rng(0, &[self.account(), role]), "AROA");
        let account = self.account().to_owned();
        let mut actor = self.blank(
            format!("role/{role}/{session}"),
            "AssumedRole",
            caller,
            weight,
            origin,
        );
        actor.principal_id = format!("{role_id}:{session}");
        actor.arn = Some(format!(
            "arn:aws:sts::{account}:assumed-role/{role}/{session}"
        ));
        actor.issuer = Some(Issuer {
            kind: "Role",
            principal_id: role_id,
            arn: format!("arn:aws:iam::{account}:role{path}{role}"),
            account_id: account,
            user_name: role.to_owned(),
        });
        actor.clients = clients;
        actor.trusted_by = trusted_by;
        self.actors.push(actor);
        self.actors.last_mut().expect("just pushed")
    }

    fn user(
        &mut self,
        name: &str,
        caller: u16,
        weight: f64,
        clients: Vec<(Client, u32)>,
        origin: Origin,
    ) -> &mut Actor {
        let mut actor = Actor::iam_user(&self.estate.account_id, name, caller, origin, self.rng);
        actor.weight = weight;
        actor.clients = clients;
        self.actors.push(actor);
        self.actors.last_mut().expect("just pushed")
    }

    fn office(&mut self) -> Origin {
        Origin::Office {
            usual: office_address(self.rng),
            other: office_address(self.rng),
        }
    }

    fn people(&mut self) {
        let start = self.estate.index * 3;
        let company = self.estate.company;
        for (i, set) in PERMISSION_SETS.iter().enumerate() {
            let person = PEOPLE[(start + i) % PEOPLE.len()];
            let role = format!(
                "AWSReservedSSO_{set}_{}",
                ids::hex(&mut ids::stable_rng(0, &[company, set]), 16)
            );
            let origin = self.office();
            let actor = self.role(
                "/aws-reserved/sso.amazonaws.com/",
                &role,
                &format!("{person}@{company}.example"),
                HUM,
                12.0 / PERMISSION_SETS.len() as f64,
                vec![(Client::Console, 55), (Client::Cli, 45)],
                origin,
                None,
            );
            actor.human = true;
            actor.session_secs = 8 * 3600;
        }
        for i in 0..2 {
            let person = PEOPLE[(start + PERMISSION_SETS.len() + i) % PEOPLE.len()];
            let origin = self.office();
            let actor = self.user(
                person,
                HUM,
                1.25,
                vec![(Client::Console, 50), (Client::Cli, 50)],
                origin,
            );
            actor.human = true;
            actor.mfa = true;
        }
        let origin = self.office();
        let account = self.account().to_owned();
        let root = self.blank("root".to_owned(), "Root", ROOT, 0.15, origin);
        self.actors.push(Actor {
            principal_id: account.clone(),
            arn: Some(format!("arn:aws:iam::{account}:root")),
            human: true,
            mfa: true,
            clients: vec![(Client::Console, 1)],
            ..root
        });
    }

    fn pipelines(&mut self) {
        self.user(
            "terraform-ci",
            CI,
            2.0,
            vec![(Client::Terraform, 80), (Client::Cli, 20)],
            Origin::Runner,
        )
        .flavor = LINUX_CLI;
        self.user(
            LEAKED_USER,
            CI,
            1.5,
            vec![(Client::Cli, 60), (Client::Terraform, 40)],
            Origin::Runner,
        )
        .flavor = LINUX_CLI;
        let origin = self.office();
        self.user("backup-sync", CI, 0.5, vec![(Client::Cli, 1)], origin);
        let clients = vec![(Client::Terraform, 70), (Client::Cli, 30)];
        self.role(
            "/",
            "github-actions-deploy",
            "GitHubActions",
            CI,
            6.0,
            clients,
            Origin::Runner,
            Some("oidc"),
        )
        .flavor = LINUX_CLI;

        let account = self.account().to_owned();
        let company = self.estate.company;
        let github =
            format!("arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com");
        let subject = format!("repo:{company}/infrastructure:ref:refs/heads/main");
        let mut web = self.blank(
            "oidc/github".to_owned(),
            "WebIdentityUser",
            OIDC,
            1.2,
            Origin::Runner,
        );
        web.principal_id = format!("{github}:sts.amazonaws.com:{subject}");
        web.user_name = Some(subject);
        web.identity_provider = Some(github);
        web.flavor = LINUX_CLI;
        self.actors.push(web);

        let saml_issuer = ids::base64(&mut ids::stable_rng(0, &[company, "saml"]), 27) + "=";
        let person = PEOPLE[(self.estate.index * 5 + 3) % PEOPLE.len()];
        let origin = self.office();
        let mut saml = self.blank("saml".to_owned(), "SAMLUser", SAML, 0.4, origin);
        saml.principal_id = format!("{saml_issuer}:{person}@{company}.example");
        saml.user_name = Some(format!("{person}@{company}.example"));
        saml.identity_provider = Some(saml_issuer);
        saml.human = true;
        self.actors.push(saml);
        let origin = self.office();
        let role = format!("{company}-saml-readonly");
        let session = format!("{person}@{company}.example");
        self.role(
            "/",
            &role,
            &session,
            HUM,
            0.6,
            vec![(Client::Console, 1)],
            origin,
            Some("saml"),
        )
        .human = true;

        let mut fed = self.blank(
            "federated".to_owned(),
            "FederatedUser",
            FED,
            0.4,
            Origin::Runner,
        );
        fed.principal_id = format!("{account}:report-viewer");
        fed.arn = Some(format!(
            "arn:aws:sts::{account}:federated-user/report-viewer"
        ));
        fed.issuer = Some(Issuer {
            kind: "IAMUser",
            principal_id: ids::principal_id(self.rng, "AIDA"),
            arn: format!("arn:aws:iam::{account}:user/terraform-ci"),
            account_id: account,
            user_name: "terraform-ci".to_owned(),
        });
        fed.clients = vec![(Client::Console, 1)];
        self.actors.push(fed);
    }

    fn workloads(&mut self) {
        let env = self.estate.env;
        let workloads = self.estate.workloads.clone();
        for (i, w) in workloads.iter().enumerate() {
            let client = if i.is_multiple_of(2) {
                Client::Boto3Lambda
            } else {
                Client::NodeLambda
            };
            let session = format!("{env}-{w}-handler");
            self.role(
                "/service-role/",
                &format!("{env}-{w}-lambda-role"),
                &session,
                APP,
                3.0,
                vec![(client, 1)],
                Origin::Nat,
                Some("lambda.amazonaws.com"),
            );
        }
        for w in workloads.iter().take(3) {
            let task = ids::hex(self.rng, 32);
            self.role(
                "/",
                &format!("{env}-{w}-task-role"),
                &task,
                APP,
                8.0 / 3.0,
                vec![(Client::JavaEcs, 1)],
                Origin::Nat,
                Some("ecs-tasks.amazonaws.com"),
            );
        }
        let cluster = self.estate.eks_cluster.clone();
        for controller in [
            "aws-load-balancer-controller",
            "external-dns",
            "cluster-autoscaler",
            "aws-node",
        ] {
            let session = format!(
                "{}",
                1_700_000_000_000_000_000u64 + self.rng.random_range(0..10_000_000_000_000_000u64)
            );
            self.role(
                "/",
                &format!("{cluster}-{controller}"),
                &session,
                APP,
                1.5,
                vec![(Client::GoEks, 1)],
                Origin::Nat,
                Some("eks-oidc"),
            );
        }
        let account = self.account().to_owned();
        let region = if self.estate.index.is_multiple_of(2) {
            "us-east-1"
        } else {
            "eu-west-1"
        };
        let issuer = ids::upper_alnum(&mut ids::stable_rng(0, &[&account, "eks-oidc"]), 32);
        let provider = format!(
            "arn:aws:iam::{account}:oidc-provider/oidc.eks.{region}.amazonaws.com/id/{issuer}"
        );
        let subject = "system:serviceaccount:kube-system:aws-load-balancer-controller".to_owned();
        let mut pods = self.blank(
            "oidc/eks".to_owned(),
            "WebIdentityUser",
            OIDC,
            0.8,
            Origin::Nat,
        );
        pods.principal_id = format!("{provider}:sts.amazonaws.com:{subject}");
        pods.user_name = Some(subject);
        pods.identity_provider = Some(provider);
        pods.clients = vec![(Client::GoEks, 1)];
        self.actors.push(pods);
    }

    fn instances(&mut self) {
        let env = self.estate.env;
        let instances = self.estate.instances.clone();
        for (i, instance) in instances.iter().take(6).enumerate() {
            let role = if i < 3 {
                format!("{env}-app-instance-role")
            } else {
                format!("{env}-eks-node-role")
            };
            let origin = Origin::Vpc {
                address: private_address(self.rng),
            };
            let actor = self.role(
                "/",
                &role,
                instance,
                HOST,
                14.0 / 6.0,
                vec![(Client::HostAgent, 1)],
                origin,
                Some("ec2.amazonaws.com"),
            );
            actor.on_instance = true;
        }
    }

    fn services(&mut self) {
        for &(host, weight) in SERVICE_PRINCIPALS {
            let mut actor = self.blank(
                format!("service/{host}"),
                "AWSService",
                SVC,
                weight,
                Origin::Service(host),
            );
            actor.invoked_by = Some(host);
            actor.clients = vec![(Client::Service, 1)];
            self.actors.push(actor);
        }
        for &(role, session, host, caller, weight) in SERVICE_LINKED {
            let path = format!("/aws-service-role/{host}/");
            let actor = self.role(
                &path,
                role,
                session,
                caller,
                weight,
                vec![(Client::Service, 1)],
                Origin::Service(host),
                None,
            );
            actor.invoked_by = Some(host);
        }
    }

    fn outsiders(&mut self, partner_account: &str) {
        let address = format!(
            "52.{}.{}.{}",
            self.rng.random_range(0..256),
            self.rng.random_range(0..256),
            self.rng.random_range(1..255)
        );
        let mut partner = self.blank(
            "partner".to_owned(),
            "AWSAccount",
            XAC,
            2.0,
            Origin::Partner { address },
        );
        partner.principal_id = format!(
            "{}:{}",
            ids::principal_id(self.rng, "AROA"),
            "cross-account-audit"
        );
        partner.account_id = partner_account.to_owned();
        partner.clients = vec![(Client::Cli, 1)];
        self.actors.push(partner);
        let origin = self.office();
        self.role(
            "/",
            "OrganizationAccountAccessRole",
            "platform-admin",
            HUM,
            0.5,
            vec![(Client::Cli, 1)],
            origin,
            Some("account"),
        )
        .human = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_principal_is_cast() {
        let cast = AccountCast::new(3, Estate::new(3, 0), "999988887777");
        let kinds: std::collections::HashSet<_> = cast.actors.iter().map(|a| a.kind).collect();
        for kind in [
            "AssumedRole",
            "IAMUser",
            "AWSService",
            "Root",
            "FederatedUser",
            "SAMLUser",
            "WebIdentityUser",
            "AWSAccount",
        ] {
            assert!(kinds.contains(kind), "{kind}");
        }
        assert!(cast.actor(&format!("user/{LEAKED_USER}")).is_some());
        let lambda = cast
            .actors
            .iter()
            .find(|a| a.invoked_by == Some("lambda.amazonaws.com"))
            .unwrap();
        assert!(cast
            .assumable_by(lambda)
            .iter()
            .all(|r| r.trusted_by == Some("lambda.amazonaws.com")));
    }
}
