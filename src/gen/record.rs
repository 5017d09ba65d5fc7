//! One CloudTrail record: deciding its fields, then writing them in CloudTrail's order.

use std::borrow::Cow;

use rand::rngs::SmallRng;
use rand::Rng;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::cast::AccountCast;
use super::catalog::errors::{failure, Failure};
use super::catalog::{payload, Api, CallContext, Payload, AUD, CI, HOST, HUM, SLR, SVC, XAC};
use super::clients::{browser, source_address, user_agent, Client, Origin};
use super::identities::{Actor, Session, UserIdentity};
use super::ids;
use super::time::IsoTime;

/// Calls AWS logs as events of its own rather than API calls.
const SERVICE_EVENTS: &[&str] = &["RotateKey"];

/// One event, ready to serialize.
pub struct Call<'a> {
    pub actor: &'a Actor,
    pub session: Option<Session>,
    pub api: &'static Api,
    pub time: i64,
    pub region: &'a str,
    pub source_ip: Cow<'a, str>,
    pub user_agent: Cow<'a, str>,
    pub failure: Option<Failure>,
    pub payload: Payload,
    pub event_id: String,
    pub request_id: Option<String>,
    pub event_type: &'static str,
    pub recipient: &'a str,
    pub vpc_endpoint: Option<&'a str>,
    pub tls: Option<(&'static str, &'static str, String)>,
    pub from_console: bool,
    pub service_event_details: Option<Value>,
}

/// The share of calls that fail, by kind of caller.
fn failure_rate(caller: u16) -> f64 {
    match caller {
        HUM | CI => 0.065,
        XAC => 0.09,
        AUD => 0.045,
        HOST | SLR => 0.02,
        SVC => 0.004,
        _ => 0.035,
    }
}

fn tls_host(api: &Api, region: &str, payload: &Payload) -> String {
    if let Some(host) = payload
        .request
        .as_ref()
        .and_then(|r| r.get("Host"))
        .and_then(Value::as_str)
    {
        return host.to_owned();
    }
    let service = api.service;
    match service.prefix {
        "signin" => format!("{region}.signin.aws.amazon.com"),
        _ if service.global => format!("{}.amazonaws.com", service.endpoint),
        _ => format!("{}.{region}.amazonaws.com", service.endpoint),
    }
}

fn request_id(api: &Api, rng: &mut impl Rng) -> String {
    if api.service.prefix == "s3" {
        ids::upper_alnum(rng, 16)
    } else {
        ids::uuid(rng)
    }
}

/// A call by `actor` at `time` in `region`, with the actor's usual client and network; some fail.
pub fn api_call<'a>(
    seed: u64,
    cast: &'a AccountCast,
    actor: &'a Actor,
    api: &'static Api,
    region: &'a str,
    time: i64,
    rng: &mut SmallRng,
) -> Call<'a> {
    let client = actor.pick_client(rng);
    if api.service.prefix == "signin" {
        // People mistype passwords; federated sign-ins fail at the identity provider instead.
        let can_fail = api.name == "ConsoleLogin" && matches!(actor.kind, "IAMUser" | "Root");
        let success = !(can_fail && rng.random_bool(0.08));
        return sign_in(seed, actor, api, time, success, actor.mfa, rng);
    }
    let mut call = successful_call(seed, cast, actor, api, region, time, client, rng);
    let arn = actor.arn.as_deref().unwrap_or(&actor.principal_id);
    call.failure = failure(api, arn, failure_rate(actor.caller), rng);
    if call.failure.is_some() {
        call.payload.response = None;
    }
    call
}

/// A call that succeeds, made through `client`.
#[allow(clippy::too_many_arguments)]
pub fn successful_call<'a>(
    seed: u64,
    cast: &'a AccountCast,
    actor: &'a Actor,
    api: &'static Api,
    region: &'a str,
    time: i64,
    client: Client,
    rng: &mut SmallRng,
) -> Call<'a> {
    let ctx = CallContext {
        seed,
        cast,
        actor,
        region,
        time,
    };
    let payload = payload(api, &ctx, rng);
    let session = actor
        .uses_session(client)
        .then(|| actor.session(seed, time));
    let from_console = client == Client::Console && session.is_some();
    let mut source_ip = source_address(&actor.origin, &cast.estate, rng);
    if from_console && rng.random_range(0..5) == 0 {
        source_ip = Cow::Borrowed("AWS Internal");
    }
    let user_agent = user_agent(client, actor.flavor, api, actor.invoked_by, rng);
    let direct =
        actor.invoked_by.is_none() && source_ip != "AWS Internal" && user_agent != "AWS Internal";
    let tls = direct.then(|| {
        let (version, cipher) = if actor.flavor.is_multiple_of(5) {
            ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")
        } else {
            ("TLSv1.3", "TLS_AES_128_GCM_SHA256")
        };
        (version, cipher, tls_host(api, region, &payload))
    });
    let service_event = SERVICE_EVENTS.contains(&api.name);
    let service_event_details =
        service_event.then(|| json!({"keyOrigin": "AWS_KMS", "keyRotationType": "AUTOMATIC"}));
    Call {
        actor,
        session,
        api,
        time,
        region,
        source_ip: if service_event {
            Cow::Borrowed(api.service.source)
        } else {
            source_ip
        },
        user_agent: if service_event {
            Cow::Borrowed(api.service.source)
        } else {
            user_agent
        },
        failure: None,
        payload,
        event_id: ids::uuid(rng),
        request_id: (!service_event).then(|| request_id(api, rng)),
        event_type: if service_event {
            "AwsServiceEvent"
        } else {
            "AwsApiCall"
        },
        recipient: &cast.estate.account_id,
        vpc_endpoint: matches!(actor.origin, Origin::Vpc { .. })
            .then_some(cast.estate.vpc_endpoint.as_str()),
        tls,
        from_console,
        service_event_details,
    }
}

/// A console sign-in event (`ConsoleLogin`, `CheckMfa`, `SwitchRole`, `GetSigninToken`).
pub fn sign_in<'a>(
    seed: u64,
    actor: &'a Actor,
    api: &'static Api,
    time: i64,
    success: bool,
    mfa: bool,
    rng: &mut SmallRng,
) -> Call<'a> {
    let outcome = if success { "Success" } else { "Failure" };
    let mut additional = json!({
        "LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
        "MobileVersion": "No",
        "MFAUsed": if mfa && success { "Yes" } else { "No" },
    });
    if mfa && success && actor.kind != "AssumedRole" {
        additional["MFAIdentifier"] = json!(format!(
            "arn:aws:iam::{}:mfa/{}",
            actor.account_id,
            actor
                .user_name
                .as_deref()
                .unwrap_or("root-account-mfa-device")
        ));
    }
    if api.name == "SwitchRole" {
        additional = json!({"SwitchFrom": actor.arn.as_deref().unwrap_or_default(), "RedirectTo": "https://console.aws.amazon.com/console/home"});
    }
    let session = (actor.kind == "AssumedRole").then(|| actor.session(seed, time));
    let address = match &actor.origin {
        Origin::Office { usual, .. } => Cow::Borrowed(usual.as_str()),
        _ => Cow::Borrowed("AWS Internal"),
    };
    Call {
        actor,
        session,
        api,
        time,
        region: "us-east-1",
        source_ip: address,
        user_agent: Cow::Borrowed(browser(actor.flavor)),
        failure: (!success).then(|| Failure {
            code: "",
            message: "Failed authentication".to_owned(),
        }),
        payload: Payload {
            request: None,
            response: Some(json!({ api.name: outcome })),
            resources: None,
            additional: Some(additional),
        },
        event_id: ids::uuid(rng),
        request_id: None,
        event_type: "AwsConsoleSignIn",
        recipient: &actor.account_id,
        vpc_endpoint: None,
        tls: Some((
            "TLSv1.3",
            "TLS_AES_128_GCM_SHA256",
            "us-east-1.signin.aws.amazon.com".to_owned(),
        )),
        from_console: false,
        service_event_details: None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TlsDetails<'a> {
    tls_version: &'a str,
    cipher_suite: &'a str,
    client_provided_host_header: &'a str,
}

/// The record as CloudTrail writes it, field order included.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    event_version: &'a str,
    user_identity: UserIdentity<'a>,
    event_time: IsoTime,
    event_source: &'a str,
    event_name: &'a str,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    request_parameters: Option<&'a Value>,
    response_elements: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_event_data: Option<&'a Value>,
    #[serde(rename = "requestID", skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(rename = "eventID")]
    event_id: &'a str,
    read_only: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<&'a Value>,
    event_type: &'a str,
    management_event: bool,
    recipient_account_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    vpc_endpoint_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    service_event_details: Option<&'a Value>,
    event_category: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_details: Option<TlsDetails<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_credential_from_console: Option<&'a str>,
}

impl Call<'_> {
    fn identity(&self) -> UserIdentity<'_> {
        let mut identity = UserIdentity::of(self.actor, self.session.as_ref());
        if self.event_type == "AwsServiceEvent" {
            identity = UserIdentity::service_event(&self.actor.account_id, self.api.service.source);
        } else if self.event_type == "AwsConsoleSignIn" {
            // Sign-ins happen before any key exists: root and failures print an empty one.
            identity.access_key_id = None;
            if self.actor.kind == "Root" {
                identity.access_key_id = Some("");
            } else if self.failure.is_some() {
                identity.arn = None;
                identity.access_key_id = Some("");
            }
        }
        identity
    }
}

impl Serialize for Call<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let api = self.api;
        Record {
            event_version: api.service.event_version,
            user_identity: self.identity(),
            event_time: IsoTime::new(self.time),
            event_source: api.service.source,
            event_name: api.name,
            aws_region: self.region,
            source_ip_address: &self.source_ip,
            user_agent: &self.user_agent,
            error_code: self
                .failure
                .as_ref()
                .map(|f| f.code)
                .filter(|c| !c.is_empty()),
            error_message: self
                .failure
                .as_ref()
                .map(|f| f.message.as_str())
                .filter(|m| !m.is_empty()),
            request_parameters: self.payload.request.as_ref(),
            response_elements: self.payload.response.as_ref(),
            additional_event_data: self.payload.additional.as_ref(),
            request_id: self.request_id.as_deref(),
            event_id: &self.event_id,
            read_only: api.read_only,
            resources: self.payload.resources.as_ref(),
            event_type: self.event_type,
            management_event: true,
            recipient_account_id: self.recipient,
            vpc_endpoint_id: self.vpc_endpoint,
            service_event_details: self.service_event_details.as_ref(),
            event_category: "Management",
            tls_details: self.tls.as_ref().map(|(version, cipher, host)| TlsDetails {
                tls_version: version,
                cipher_suite: cipher,
                client_provided_host_header: host,
            }),
            session_credential_from_console: self.from_console.then_some("true"),
        }
        .serialize(serializer)
    }
}
