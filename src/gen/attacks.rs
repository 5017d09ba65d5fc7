//! The labelled incident: a leaked CI access key, used from an unfamiliar address, escalates to a
//! backdoor administrator, blinds CloudTrail, exposes data, and raids secrets, in about an hour.

use std::borrow::Cow;

use anyhow::Context;
use rand::rngs::SmallRng;
use rand::Rng;
use serde_json::json;

use super::cast::{AccountCast, LEAKED_USER};
use super::catalog::errors::access_denied;
use super::catalog::params_compute::{authorize_ingress, run_instances};
use super::catalog::params_data::put_bucket_policy;
use super::catalog::services::{CLOUDTRAIL, EC2, IAM};
use super::catalog::{api, lookup, Api, CallContext, Payload, HUM, WRITE};
use super::clients::{kebab, Client, Origin};
use super::estate::Estate;
use super::identities::Actor;
use super::ids;
use super::record::{sign_in, successful_call, Call};
use super::time;

static CREATE_USER: Api = api("CreateUser", &IAM, WRITE, 0.0, 0);
static ATTACH_USER_POLICY: Api = api("AttachUserPolicy", &IAM, WRITE, 0.0, 0);
static CREATE_LOGIN_PROFILE: Api = api("CreateLoginProfile", &IAM, WRITE, 0.0, 0);
static STOP_LOGGING: Api = api("StopLogging", &CLOUDTRAIL, WRITE, 0.0, 0);
static DELETE_TRAIL: Api = api("DeleteTrail", &CLOUDTRAIL, WRITE, 0.0, 0);
static MODIFY_SNAPSHOT_ATTRIBUTE: Api = api("ModifySnapshotAttribute", &EC2, WRITE, 0.0, 0);

/// Hosting and anonymising networks, far from the corporate egress ranges.
const ATTACKER_ADDRESSES: &[&str] = &[
    "185.220.101.47",
    "45.155.205.233",
    "91.240.118.172",
    "193.142.146.35",
];
const KALI_CLI: &str = "aws-cli/2.15.10 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#kali.2024 md/prompt#off";
const SCRIPT_BOTO3: &str = "Boto3/1.34.19 md/Botocore#1.34.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.19";
const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
const DENIED_PROBES: &[(&str, &str)] = &[
    ("DescribeDBInstances", "rds.amazonaws.com"),
    ("ListSecrets", "secretsmanager.amazonaws.com"),
    ("ListFunctions20150331", "lambda.amazonaws.com"),
    ("DescribeOrganization", "organizations.amazonaws.com"),
    ("ListDetectors", "guardduty.amazonaws.com"),
    ("GetBucketPolicy", "s3.amazonaws.com"),
    ("ListKeys", "kms.amazonaws.com"),
    ("DescribeSecurityGroups", "ec2.amazonaws.com"),
];
const SECRETS_TAKEN: usize = 22;
const BRUTE_FORCE_FAILURES: usize = 6;

/// One event of the incident and what it is evidence of.
pub struct LabelledCall<'a> {
    pub call: Call<'a>,
    pub technique: &'static str,
    pub step: &'static str,
}

/// The principals and address the intruder brings: not part of the account's usual cast.
pub struct Intruders {
    pub backdoor: Actor,
    pub address: &'static str,
    pub foreign_account: String,
}

impl Intruders {
    pub fn new(seed: u64, cast: &AccountCast) -> Intruders {
        let mut rng = ids::stable_rng(seed, &["intruders"]);
        let address = ATTACKER_ADDRESSES[rng.random_range(0..ATTACKER_ADDRESSES.len())];
        let origin = Origin::Partner {
            address: address.to_owned(),
        };
        let backdoor = Actor::iam_user(
            &cast.estate.account_id,
            "aws-support-ops",
            HUM,
            origin,
            &mut rng,
        );
        Intruders {
            backdoor,
            address,
            foreign_account: ids::digits(&mut rng, 12),
        }
    }
}

struct Script<'a> {
    seed: u64,
    cast: &'a AccountCast,
    intruders: &'a Intruders,
    rng: SmallRng,
    time: i64,
    calls: Vec<LabelledCall<'a>>,
}

fn catalog_api(name: &str, source: &str) -> anyhow::Result<&'static Api> {
    lookup(name, source).with_context(|| format!("{name} ({source}) is missing from the catalog"))
}

impl<'a> Script<'a> {
    fn wait(&mut self, min: i64, max: i64) {
        self.time += self.rng.random_range(min..=max);
    }

    fn context(&self, actor: &'a Actor, region: &'a str) -> CallContext<'a> {
        CallContext {
            seed: self.seed,
            cast: self.cast,
            actor,
            region,
            time: self.time,
        }
    }

    /// An API call by `actor` from the intruder's address; `payload` replaces the usual one.
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        actor: &'a Actor,
        api: &'static Api,
        region: &'a str,
        agent: Cow<'a, str>,
        payload: Option<Payload>,
        technique: &'static str,
        step: &'static str,
    ) -> &mut Call<'a> {
        let mut call = successful_call(
            self.seed,
            self.cast,
            actor,
            api,
            region,
            self.time,
            Client::Cli,
            &mut self.rng,
        );
        call.source_ip = Cow::Borrowed(self.intruders.address);
        call.user_agent = agent;
        call.vpc_endpoint = None;
        if let Some(payload) = payload {
            call.payload = payload;
        }
        self.calls.push(LabelledCall {
            call,
            technique,
            step,
        });
        &mut self.calls.last_mut().expect("just pushed").call
    }

    fn console_login(
        &mut self,
        actor: &'a Actor,
        success: bool,
        technique: &'static str,
        step: &'static str,
    ) -> anyhow::Result<()> {
        let login = catalog_api("ConsoleLogin", "signin.amazonaws.com")?;
        let mut call = sign_in(
            self.seed,
            actor,
            login,
            self.time,
            success,
            false,
            &mut self.rng,
        );
        call.source_ip = Cow::Borrowed(self.intruders.address);
        call.user_agent = Cow::Borrowed(FIREFOX);
        self.calls.push(LabelledCall {
            call,
            technique,
            step,
        });
        Ok(())
    }
}

fn cli(api: &Api) -> Cow<'static, str> {
    Cow::Owned(format!(
        "{KALI_CLI} md/command#{}.{}",
        api.service.prefix,
        kebab(api.action())
    ))
}

/// The incident's events, in order, starting in the small hours of the middle day of the span.
pub fn script<'a>(
    seed: u64,
    cast: &'a AccountCast,
    intruders: &'a Intruders,
    start: i64,
    days: u32,
) -> anyhow::Result<Vec<LabelledCall<'a>>> {
    let mut rng = ids::stable_rng(seed, &["incident"]);
    let begin =
        start + i64::from(days.max(1) / 2) * 86_400 + 2 * 3600 + rng.random_range(0..40) * 60;
    let mut s = Script {
        seed,
        cast,
        intruders,
        rng,
        time: begin,
        calls: Vec::new(),
    };
    let estate = &cast.estate;
    let account = estate.account_id.as_str();
    let home = "us-east-1";
    let leaked = cast
        .actor(&format!("user/{LEAKED_USER}"))
        .context("the cast has no leaked CI user")?;
    let backdoor = &intruders.backdoor;
    let victim = cast
        .actors
        .iter()
        .find(|a| a.kind == "IAMUser" && a.human)
        .context("the cast has no console user")?;
    let root = cast
        .actors
        .iter()
        .find(|a| a.kind == "Root")
        .context("the cast has no root")?;

    let whoami = catalog_api("GetCallerIdentity", "sts.amazonaws.com")?;
    s.call(
        leaked,
        whoami,
        home,
        cli(whoami),
        None,
        "T1078.004",
        "leaked CI access key used from an unfamiliar address",
    );
    for (name, source, technique, step) in [
        (
            "ListUsers",
            "iam.amazonaws.com",
            "T1087.004",
            "recon: list IAM users",
        ),
        (
            "ListRoles",
            "iam.amazonaws.com",
            "T1087.004",
            "recon: list IAM roles",
        ),
        (
            "ListBuckets",
            "s3.amazonaws.com",
            "T1619",
            "recon: list buckets",
        ),
        (
            "DescribeInstances",
            "ec2.amazonaws.com",
            "T1580",
            "recon: list instances",
        ),
        (
            "GetAccountAuthorizationDetails",
            "iam.amazonaws.com",
            "T1087.004",
            "recon: dump IAM authorization details",
        ),
    ] {
        s.wait(15, 70);
        let api = catalog_api(name, source)?;
        s.call(leaked, api, home, cli(api), None, technique, step);
    }
    let leaked_arn = leaked.arn.clone().unwrap_or_default();
    for i in 0..16 {
        s.wait(4, 20);
        let (name, source) = DENIED_PROBES[i % DENIED_PROBES.len()];
        let api = catalog_api(name, source)?;
        let denied = access_denied(api, &leaked_arn, &mut s.rng);
        let call = s.call(
            leaked,
            api,
            home,
            cli(api),
            None,
            "T1526",
            "probing services: access denied burst",
        );
        call.payload.response = None;
        call.failure = Some(denied);
    }

    let backdoor_name = backdoor.user_name.as_deref().unwrap_or_default();
    let backdoor_arn = backdoor.arn.as_deref().unwrap_or_default();
    s.wait(60, 180);
    let created =
        Payload::request(json!({"userName": backdoor_name})).with_response(json!({"user": {
            "path": "/",
            "userName": backdoor_name,
            "userId": backdoor.principal_id,
            "arn": backdoor_arn,
            "createDate": time::iam_date(s.time),
        }}));
    s.call(
        leaked,
        &CREATE_USER,
        home,
        cli(&CREATE_USER),
        Some(created),
        "T1136.003",
        "backdoor IAM user created",
    );
    s.wait(5, 30);
    let admin = Payload::request(
        json!({"userName": backdoor_name, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
    );
    s.call(
        leaked,
        &ATTACH_USER_POLICY,
        home,
        cli(&ATTACH_USER_POLICY),
        Some(admin),
        "T1098.003",
        "AdministratorAccess attached to the backdoor user",
    );
    s.wait(5, 30);
    let create_key = catalog_api("CreateAccessKey", "iam.amazonaws.com")?;
    let key =
        Payload::request(json!({"userName": backdoor_name})).with_response(json!({"accessKey": {
            "accessKeyId": backdoor.long_term_key.as_deref().unwrap_or_default(),
            "status": "Active",
            "userName": backdoor_name,
            "createDate": time::iam_date(s.time),
        }}));
    s.call(
        leaked,
        create_key,
        home,
        cli(create_key),
        Some(key),
        "T1098.001",
        "access key created for the backdoor user",
    );
    s.wait(5, 30);
    let profile =
        Payload::request(json!({"userName": backdoor_name, "passwordResetRequired": false}))
            .with_response(json!({"loginProfile": {
                "userName": backdoor_name,
                "createDate": time::iam_date(s.time),
                "passwordResetRequired": false,
            }}));
    s.call(
        leaked,
        &CREATE_LOGIN_PROFILE,
        home,
        cli(&CREATE_LOGIN_PROFILE),
        Some(profile),
        "T1098.001",
        "console password set for the backdoor user",
    );
    s.wait(60, 150);
    s.console_login(
        backdoor,
        true,
        "T1078.004",
        "backdoor user signs in to the console without MFA",
    )?;

    let trail = format!("arn:aws:cloudtrail:{home}:{account}:trail/{}", estate.trail);
    for (api, step) in [
        (&STOP_LOGGING, "CloudTrail logging stopped"),
        (&DELETE_TRAIL, "CloudTrail trail deleted"),
    ] {
        s.wait(40, 120);
        let request = Payload::request(json!({"name": trail}));
        s.call(
            backdoor,
            api,
            home,
            cli(api),
            Some(request),
            "T1562.008",
            step,
        );
    }
    s.wait(60, 200);
    let bucket = estate.buckets[0].as_str();
    let public = json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("{}/*", Estate::bucket_arn(bucket))}],
    });
    let ctx = s.context(backdoor, home);
    let policy = put_bucket_policy(&ctx, bucket, public, &mut s.rng);
    let put_policy = catalog_api("PutBucketPolicy", "s3.amazonaws.com")?;
    s.call(
        backdoor,
        put_policy,
        home,
        cli(put_policy),
        Some(policy),
        "T1530",
        "bucket made public with a Principal * policy",
    );
    s.wait(40, 150);
    let ctx = s.context(backdoor, home);
    let ingress = authorize_ingress(
        &ctx,
        &estate.security_groups[0],
        "0.0.0.0/0",
        22,
        &mut s.rng,
    );
    let authorize = catalog_api("AuthorizeSecurityGroupIngress", "ec2.amazonaws.com")?;
    s.call(
        backdoor,
        authorize,
        home,
        cli(authorize),
        Some(ingress),
        "T1562.007",
        "SSH opened to 0.0.0.0/0",
    );
    s.wait(40, 150);
    let share = Payload::request(json!({
        "snapshotId": estate.snapshots[0],
        "attributeType": "CREATE_VOLUME_PERMISSION",
        "createVolumePermission": {"add": {"items": [{"userId": intruders.foreign_account}]}},
    }))
    .with_response(json!({"requestId": ids::uuid(&mut s.rng), "_return": true}));
    s.call(
        backdoor,
        &MODIFY_SNAPSHOT_ATTRIBUTE,
        home,
        cli(&MODIFY_SNAPSHOT_ATTRIBUTE),
        Some(share),
        "T1537",
        "EBS snapshot shared with a foreign account",
    );
    s.wait(60, 240);
    let far = "ap-southeast-3";
    let ctx = s.context(backdoor, far);
    let image = ids::resource_id(&mut s.rng, "ami-");
    let launch = run_instances(&ctx, &image, "c6i.8xlarge", &mut s.rng);
    let run = catalog_api("RunInstances", "ec2.amazonaws.com")?;
    s.call(
        backdoor,
        run,
        far,
        cli(run),
        Some(launch),
        "T1578.002",
        "instance launched in an unused region",
    );

    s.wait(60, 180);
    let get_secret = catalog_api("GetSecretValue", "secretsmanager.amazonaws.com")?;
    for secret in estate.secrets.iter().take(SECRETS_TAKEN) {
        s.wait(1, 4);
        let request = Payload::request(json!({"secretId": estate.secret_arn(home, secret)}));
        s.call(
            backdoor,
            get_secret,
            home,
            Cow::Borrowed(SCRIPT_BOTO3),
            Some(request),
            "T1555.006",
            "secrets read in bulk",
        );
    }

    s.wait(120, 300);
    for _ in 0..BRUTE_FORCE_FAILURES {
        s.wait(8, 30);
        s.console_login(
            victim,
            false,
            "T1110.001",
            "console password guessing against another user",
        )?;
    }
    s.wait(8, 30);
    s.console_login(
        victim,
        true,
        "T1110.001",
        "password guessed: console sign-in succeeds",
    )?;
    s.wait(120, 400);
    s.console_login(root, true, "T1078.004", "root signs in to the console")?;
    Ok(s.calls)
}
