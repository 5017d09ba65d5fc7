//! A fake CloudTrail LookupEvents service (and the STS GetCallerIdentity it needs) on
//! 127.0.0.1:0, behaving like the real one as far as a client can tell: both x-amz-target
//! spellings, the region and access key from the SigV4 scope, validation errors, one lookup
//! attribute, an inclusive time window clamped to 90 days, newest first, opaque tokens bound to
//! their parameters, 2 requests/s per (account, region) answered with a 400 ThrottlingException
//! (a token bucket with a burst of two, or a strict sliding window), and faults a test can inject.
//! `shaped_history` builds the histories real accounts have: empty, sparse, uniform, bursty.
#![allow(dead_code)]
use std::collections::{HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use serde_json::{json, Value};

const MAX_DAYS: i64 = 90;
const TARGETS: [&str; 2] = [
    "CloudTrail_20131101.LookupEvents",
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents",
];
const ATTRIBUTE_KEYS: [&str; 8] = [
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
];

/// What a test can make the next matching request suffer.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this HTTP status (500, 503) and a server error body.
    Status(u16),
    /// A 200 whose JSON body is cut in half.
    TruncatedBody,
    /// Wait this long before answering normally.
    Slow(Duration),
    /// Answer normally, but the first event's CloudTrailEvent is not JSON.
    CloudTrailEventNotJson,
    /// A ThrottlingException whatever the rate.
    Throttle,
}

#[derive(Debug, Clone)]
struct StoredEvent {
    time: f64,
    id: String,
    name: String,
    source: String,
    username: String,
    access_key: String,
    read_only: String,
    resources: Vec<(String, String)>,
    insight: bool,
    cloudtrail_event: String,
}

/// One request the fake answered, for assertions.
#[derive(Debug, Clone)]
pub struct Served {
    pub region: String,
    pub account: String,
    /// `management` or `insight`.
    pub category: String,
    /// The lookup attribute asked for, as `Key=Value`.
    pub attribute: Option<String>,
    pub status: u16,
    pub error: Option<String>,
    pub events: usize,
    /// When the request arrived.
    pub received: Instant,
    /// When it was answered.
    pub at: Instant,
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// How the fake holds each (account, region) to its request quota.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quota {
    /// Refills `per_second`, holds up to `burst` (the service's documented behaviour).
    TokenBucket { per_second: f64, burst: f64 },
    /// At most `requests` accepted in any `window` (the strictest reading of "2 per second").
    SlidingWindow { requests: usize, window: Duration },
}

struct State {
    /// Access key -> the account it belongs to.
    accounts: HashMap<String, String>,
    /// Accounts whose role the base credentials may assume (AssumeRole), by role name.
    assumable: HashSet<(String, String)>,
    events: HashMap<(String, String), Vec<StoredEvent>>,
    quota: Quota,
    buckets: HashMap<(String, String), Bucket>,
    accepted: HashMap<(String, String), VecDeque<Instant>>,
    faults: VecDeque<(Option<String>, Fault)>,
    disabled_regions: HashSet<String>,
    denied_regions: HashSet<String>,
    latency: Duration,
    /// Each answer takes `latency` plus up to this much more, at random.
    jitter: Duration,
    served: Vec<Served>,
    /// ListPublicKeys: the keys each region answers with, and the regions asked.
    public_keys: Vec<Value>,
    key_requests: Vec<String>,
}

pub struct FakeCloudTrail {
    pub endpoint: String,
    state: Arc<Mutex<State>>,
    _runtime: tokio::runtime::Runtime,
}

/// The access key the tests sign with, and the account it belongs to.
pub const ACCESS_KEY: &str = "AKIDFAKETEST";
pub const SECRET_KEY: &str = "fake-secret-key";
pub const ACCOUNT: &str = "111122223333";

impl FakeCloudTrail {
    /// `trailhound --index INDEX` signing with the fake's test key against the fake, with `home`
    /// as its home and no real AWS configuration from the environment.
    #[allow(dead_code)]
    pub fn command(
        &self,
        index: &std::path::Path,
        home: &std::path::Path,
    ) -> std::process::Command {
        let mut command = crate::support::isolated_aws_command(index, home);
        command
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        command
    }

    pub fn start() -> FakeCloudTrail {
        let state = Arc::new(Mutex::new(State {
            accounts: HashMap::from([(ACCESS_KEY.to_owned(), ACCOUNT.to_owned())]),
            assumable: HashSet::new(),
            events: HashMap::new(),
            quota: Quota::TokenBucket {
                per_second: 2.0,
                burst: 2.0,
            },
            buckets: HashMap::new(),
            accepted: HashMap::new(),
            faults: VecDeque::new(),
            disabled_regions: HashSet::new(),
            denied_regions: HashSet::new(),
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            served: Vec::new(),
            public_keys: Vec::new(),
            key_requests: Vec::new(),
        }));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address: SocketAddr = listener.local_addr().unwrap();
        let serving = state.clone();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = serving.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(&state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeCloudTrail {
            endpoint: format!("http://{address}"),
            state,
            _runtime: runtime,
        }
    }

    /// Requests per second allowed per (account, region), with a burst of two.
    pub fn set_requests_per_second(&self, rate: f64) {
        self.set_quota(Quota::TokenBucket {
            per_second: rate,
            burst: rate.max(2.0),
        });
    }

    pub fn set_quota(&self, quota: Quota) {
        let mut state = self.state.lock().unwrap();
        state.quota = quota;
        state.buckets.clear();
        state.accepted.clear();
    }

    /// ListPublicKeys answers with the keys of `keyring`, a file as `aws cloudtrail
    /// list-public-keys` prints it (the API gives times as epoch seconds).
    #[allow(dead_code)]
    pub fn set_public_keys(&self, keyring: &Value) {
        let epoch = |time: &Value| {
            time.as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map_or(Value::Null, |t| json!(t.timestamp()))
        };
        self.state.lock().unwrap().public_keys = keyring["PublicKeyList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| {
                json!({
                    "Value": key["Value"],
                    "Fingerprint": key["Fingerprint"],
                    "ValidityStartTime": epoch(&key["ValidityStartTime"]),
                    "ValidityEndTime": epoch(&key["ValidityEndTime"]),
                })
            })
            .collect();
    }

    /// The regions ListPublicKeys was asked in, in order.
    #[allow(dead_code)]
    pub fn key_requests(&self) -> Vec<String> {
        self.state.lock().unwrap().key_requests.clone()
    }

    /// Every LookupEvents answer takes this long (a busy account's calls take seconds).
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = latency;
    }

    /// Every answer takes `latency` plus a random part of `jitter` more.
    pub fn set_latency_jitter(&self, latency: Duration, jitter: Duration) {
        let mut state = self.state.lock().unwrap();
        state.latency = latency;
        state.jitter = jitter;
    }

    /// Serves `records` (full CloudTrail records) as `region`'s history in `ACCOUNT`.
    pub fn add_events(&self, region: &str, records: &[Value]) {
        self.add_account_events(ACCOUNT, region, records);
    }

    /// Serves `records` as `region`'s history in `account`.
    pub fn add_account_events(&self, account: &str, region: &str, records: &[Value]) {
        let mut state = self.state.lock().unwrap();
        let stored = state
            .events
            .entry((account.to_owned(), region.to_owned()))
            .or_default();
        stored.extend(records.iter().map(stored_event));
        stored.sort_by(newest_first);
    }

    /// The next `times` requests (to `region`, or any region) suffer `fault`.
    pub fn inject(&self, region: Option<&str>, fault: Fault, times: usize) {
        let mut state = self.state.lock().unwrap();
        for _ in 0..times {
            state
                .faults
                .push_back((region.map(str::to_owned), fault.clone()));
        }
    }

    /// The base credentials may assume `arn:aws:iam::{account}:role/{role}`; any other role is
    /// AccessDenied.
    pub fn allow_role(&self, account: &str, role: &str) {
        self.state
            .lock()
            .unwrap()
            .assumable
            .insert((account.to_owned(), role.to_owned()));
    }

    /// Access key `key` belongs to `account` (a profile of its own).
    pub fn add_access_key(&self, key: &str, account: &str) {
        self.state
            .lock()
            .unwrap()
            .accounts
            .insert(key.to_owned(), account.to_owned());
    }

    /// `region` answers like an opt-in region the account has not enabled.
    pub fn disable_region(&self, region: &str) {
        self.state
            .lock()
            .unwrap()
            .disabled_regions
            .insert(region.to_owned());
    }

    /// LookupEvents in `region` is denied to the caller.
    pub fn deny_region(&self, region: &str) {
        self.state
            .lock()
            .unwrap()
            .denied_regions
            .insert(region.to_owned());
    }

    pub fn served(&self) -> Vec<Served> {
        self.state.lock().unwrap().served.clone()
    }

    pub fn throttled(&self) -> usize {
        self.served()
            .iter()
            .filter(|s| s.error.as_deref() == Some("ThrottlingException"))
            .count()
    }

    /// LookupEvents requests answered with events (status 200), per region.
    pub fn pages(&self, region: &str) -> usize {
        self.served()
            .iter()
            .filter(|s| s.region == region && s.status == 200)
            .count()
    }

    /// LookupEvents requests to (region, category) that were not throttled: what the pull cost.
    pub fn asked(&self, region: &str, category: &str) -> usize {
        self.served()
            .iter()
            .filter(|s| {
                s.region == region
                    && s.category == category
                    && s.error.as_deref() != Some("ThrottlingException")
            })
            .count()
    }

    /// From the first LookupEvents request to `region` arriving to the last one answered.
    pub fn busy_for(&self, region: &str) -> Duration {
        let served = self.served();
        let mine = || served.iter().filter(|s| s.region == region);
        match (mine().map(|s| s.received).min(), mine().map(|s| s.at).max()) {
            (Some(first), Some(last)) => last - first,
            _ => Duration::ZERO,
        }
    }
}

/// How a region's history is spread over the 90 days before now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    Empty,
    /// One event, 40 days ago.
    Sparse,
    /// This many events, evenly spread over 89 days.
    Uniform(usize),
    /// This many events, 90% of them in one hour 20 days ago, the rest spread over 89 days.
    Bursty(usize),
}

impl Shape {
    pub fn events(&self) -> usize {
        match *self {
            Shape::Empty => 0,
            Shape::Sparse => 1,
            Shape::Uniform(n) | Shape::Bursty(n) => n,
        }
    }

    pub fn name(&self) -> String {
        match *self {
            Shape::Empty => "empty".into(),
            Shape::Sparse => "sparse (1 event in 90 days)".into(),
            Shape::Uniform(n) => format!("uniform ({n} events over 89 days)"),
            Shape::Bursty(n) => format!("bursty ({n} events, 90% in one hour)"),
        }
    }
}

/// `shape`'s history for `region`: full CloudTrail records, eventIDs `{tag}-{region}-NNNNNNN`.
pub fn shaped_history(region: &str, shape: Shape, tag: &str) -> Vec<Value> {
    const SPREAD: i64 = 89 * 86_400;
    let now = chrono::Utc::now().timestamp() - 120;
    let ages: Vec<i64> = match shape {
        Shape::Empty => Vec::new(),
        Shape::Sparse => vec![40 * 86_400],
        Shape::Uniform(n) => (0..n).map(|i| i as i64 * SPREAD / n as i64).collect(),
        Shape::Bursty(n) => {
            let burst = n * 9 / 10;
            let spread = n - burst;
            let burst_start = 20 * 86_400;
            (0..burst)
                .map(|i| burst_start + i as i64 * 3600 / burst as i64)
                .chain((0..spread).map(|i| i as i64 * SPREAD / spread as i64))
                .collect()
        }
    };
    ages.iter()
        .enumerate()
        .map(|(i, age)| {
            let time = chrono::DateTime::from_timestamp(now - age, 0).unwrap();
            json!({
                "eventVersion": "1.09",
                "eventID": format!("{tag}-{region}-{i:07}"),
                "eventTime": time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "eventSource": "ec2.amazonaws.com",
                "eventName": if i % 7 == 0 { "RunInstances" } else { "DescribeInstances" },
                "awsRegion": region,
                "sourceIPAddress": "198.51.100.7",
                "userAgent": "aws-cli/2.15.0",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/shape",
                    "accountId": ACCOUNT, "accessKeyId": "AKIASHAPE", "userName": "shape"},
                "readOnly": i % 7 != 0,
                "eventType": "AwsApiCall",
                "managementEvent": true,
                "recipientAccountId": ACCOUNT,
                "eventCategory": "Management"
            })
        })
        .collect()
}

fn newest_first(a: &StoredEvent, b: &StoredEvent) -> std::cmp::Ordering {
    b.time.total_cmp(&a.time).then_with(|| b.id.cmp(&a.id))
}

fn stored_event(record: &Value) -> StoredEvent {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
    let identity = record.get("userIdentity");
    let username = identity
        .and_then(|i| i.get("userName"))
        .or_else(|| {
            identity
                .and_then(|i| i.get("sessionContext"))
                .and_then(|s| s.get("sessionIssuer"))
                .and_then(|s| s.get("userName"))
        })
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            identity
                .and_then(|i| i.get("arn"))
                .and_then(Value::as_str)
                .and_then(|arn| arn.rsplit('/').next())
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let time = text(record.get("eventTime"));
    let time = chrono::DateTime::parse_from_rfc3339(&time)
        .map(|t| t.timestamp() as f64)
        .unwrap_or(0.0);
    let resources = record
        .get("resources")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|r| (text(r.get("type")), text(r.get("ARN"))))
                .collect()
        })
        .unwrap_or_default();
    StoredEvent {
        time,
        id: text(record.get("eventID")),
        name: text(record.get("eventName")),
        source: text(record.get("eventSource")),
        username,
        access_key: text(identity.and_then(|i| i.get("accessKeyId"))),
        read_only: match record.get("readOnly") {
            Some(Value::Bool(b)) => b.to_string(),
            other => text(other),
        },
        resources,
        insight: record.get("eventCategory").and_then(Value::as_str) == Some("Insight"),
        cloudtrail_event: record.to_string(),
    }
}

type Reply = Response<Full<Bytes>>;

fn reply(status: u16, content_type: &str, body: impl Into<Bytes>) -> Reply {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", content_type)
        .header("x-amzn-requestid", "fake-request-id")
        .body(Full::new(body.into()))
        .unwrap()
}

fn json_error(status: u16, code: &str, message: &str) -> Reply {
    reply(
        status,
        "application/x-amz-json-1.1",
        json!({"__type": code, "message": message}).to_string(),
    )
}

/// Region and access key from `Authorization: AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, ...`.
fn credential_scope(request: &Request<hyper::body::Incoming>) -> Option<(String, String)> {
    let header = request.headers().get("authorization")?.to_str().ok()?;
    let credential = header.split("Credential=").nth(1)?.split(',').next()?;
    let mut parts = credential.split('/');
    let key = parts.next()?.to_owned();
    let _date = parts.next()?;
    let region = parts.next()?.to_owned();
    Some((key, region))
}

async fn handle(state: &Mutex<State>, request: Request<hyper::body::Incoming>) -> Reply {
    let received = Instant::now();
    let scope = credential_scope(&request);
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return json_error(400, "SerializationException", "unreadable body"),
    };
    let Some((access_key, region)) = scope else {
        return json_error(
            400,
            "MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        );
    };
    let account = state.lock().unwrap().accounts.get(&access_key).cloned();
    if body.starts_with(b"Action=GetCallerIdentity") {
        return caller_identity(account.as_deref(), &access_key);
    }
    if body.starts_with(b"Action=AssumeRole") {
        return assume_role(state, account.as_deref(), &body);
    }
    let Some(account) = account else {
        return json_error(
            400,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        );
    };
    if target
        .as_deref()
        .is_some_and(|t| t.ends_with("CloudTrail_20131101.ListPublicKeys"))
    {
        let mut state = state.lock().unwrap();
        state.key_requests.push(region);
        let body = json!({ "PublicKeyList": state.public_keys }).to_string();
        return reply(200, "application/x-amz-json-1.1", body);
    }
    match target.as_deref() {
        Some(t) if TARGETS.contains(&t) => {}
        _ => {
            return json_error(
                400,
                "UnknownOperationException",
                "The action or operation requested is invalid.",
            )
        }
    }
    let asked = serde_json::from_slice::<Value>(&body).unwrap_or_default();
    let category = asked
        .get("EventCategory")
        .and_then(Value::as_str)
        .unwrap_or("management")
        .to_owned();
    let attribute = asked.pointer("/LookupAttributes/0").map(|a| {
        format!(
            "{}={}",
            a["AttributeKey"].as_str().unwrap_or_default(),
            a["AttributeValue"].as_str().unwrap_or_default()
        )
    });
    let outcome = lookup_events(state, &account, &region, &body).await;
    let (status, error, events) = match &outcome {
        Outcome::Page(_, events) => (200, None, *events),
        Outcome::Error(status, code, _) => (*status, Some(code.clone()), 0),
        Outcome::Truncated(_) => (200, Some("TruncatedBody".to_owned()), 0),
    };
    state.lock().unwrap().served.push(Served {
        region,
        account,
        category,
        attribute,
        status,
        error,
        events,
        received,
        at: Instant::now(),
    });
    match outcome {
        Outcome::Page(body, _) => reply(200, "application/x-amz-json-1.1", body),
        Outcome::Truncated(body) => reply(200, "application/x-amz-json-1.1", body),
        Outcome::Error(status, code, message) => json_error(status, &code, &message),
    }
}

fn caller_identity(account: Option<&str>, access_key: &str) -> Reply {
    match account {
        Some(account) => reply(
            200,
            "text/xml",
            format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetCallerIdentityResult><Arn>arn:aws:iam::{account}:user/tester</Arn>\
                 <UserId>AIDAFAKE{access_key}</UserId><Account>{account}</Account>\
                 </GetCallerIdentityResult><ResponseMetadata><RequestId>fake</RequestId>\
                 </ResponseMetadata></GetCallerIdentityResponse>"
            ),
        ),
        None => reply(
            403,
            "text/xml",
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
             <Type>Sender</Type><Code>InvalidClientTokenId</Code>\
             <Message>The security token included in the request is invalid.</Message>\
             </Error><RequestId>fake</RequestId></ErrorResponse>",
        ),
    }
}

/// The value of `name` in a form-encoded body.
fn form_value(body: &[u8], name: &str) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    body.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| {
            let mut decoded = Vec::new();
            let bytes = value.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'%' if i + 2 < bytes.len() => {
                        let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                        decoded.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                        i += 3;
                    }
                    b'+' => {
                        decoded.push(b' ');
                        i += 1;
                    }
                    byte => {
                        decoded.push(byte);
                        i += 1;
                    }
                }
            }
            String::from_utf8_lossy(&decoded).into_owned()
        })
    })
}

fn sts_error(code: &str, message: &str) -> Reply {
    reply(
        403,
        "text/xml",
        format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>\
             <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>\
             </Error><RequestId>fake</RequestId></ErrorResponse>"
        ),
    )
}

/// STS AssumeRole: temporary keys for the role's account, when the caller may assume it.
fn assume_role(state: &Mutex<State>, caller: Option<&str>, body: &[u8]) -> Reply {
    let Some(caller) = caller else {
        return sts_error(
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        );
    };
    let arn = form_value(body, "RoleArn").unwrap_or_default();
    let session = form_value(body, "RoleSessionName").unwrap_or_default();
    let target = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .map(|(account, role)| (account.to_owned(), role.to_owned()));
    let mut state = state.lock().unwrap();
    let Some((account, role)) = target.filter(|t| state.assumable.contains(t)) else {
        return sts_error(
            "AccessDenied",
            &format!(
                "User: arn:aws:iam::{caller}:user/tester is not authorized to perform: \
                 sts:AssumeRole on resource: {arn}"
            ),
        );
    };
    let key = format!("ASIA{account}{}", state.accounts.len());
    state.accounts.insert(key.clone(), account.clone());
    let expires = (chrono::Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    reply(
        200,
        "text/xml",
        format!(
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <AssumeRoleResult><Credentials><AccessKeyId>{key}</AccessKeyId>\
             <SecretAccessKey>fake-assumed-secret</SecretAccessKey>\
             <SessionToken>fake-session-token</SessionToken><Expiration>{expires}</Expiration>\
             </Credentials><AssumedRoleUser>\
             <Arn>arn:aws:sts::{account}:assumed-role/{role}/{session}</Arn>\
             <AssumedRoleId>AROAFAKE:{session}</AssumedRoleId></AssumedRoleUser>\
             </AssumeRoleResult><ResponseMetadata><RequestId>fake</RequestId>\
             </ResponseMetadata></AssumeRoleResponse>"
        ),
    )
}

enum Outcome {
    Page(String, usize),
    Truncated(String),
    Error(u16, String, String),
}

fn invalid(code: &str, message: &str) -> Outcome {
    Outcome::Error(400, code.to_owned(), message.to_owned())
}

fn params_fingerprint(request: &Value) -> String {
    let mut request = request.clone();
    if let Some(object) = request.as_object_mut() {
        object.remove("NextToken");
    }
    format!(
        "{:016x}",
        xxhash_rust::xxh3::xxh3_64(request.to_string().as_bytes())
    )
}

fn encode_token(fingerprint: &str, time: f64, id: &str) -> String {
    let token = json!({"p": fingerprint, "t": time, "i": id}).to_string();
    base64::engine::general_purpose::STANDARD.encode(token)
}

fn decode_token(token: &str, fingerprint: &str) -> Option<(f64, String)> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    if value.get("p")?.as_str()? != fingerprint {
        return None;
    }
    Some((
        value.get("t")?.as_f64()?,
        value.get("i")?.as_str()?.to_owned(),
    ))
}

fn take_fault(state: &mut State, region: &str) -> Option<Fault> {
    let position = state
        .faults
        .iter()
        .position(|(r, _)| r.as_deref().is_none_or(|r| r == region))?;
    state.faults.remove(position).map(|(_, fault)| fault)
}

fn allow_request(state: &mut State, account: &str, region: &str) -> bool {
    let key = (account.to_owned(), region.to_owned());
    let now = Instant::now();
    let (rate, burst) = match state.quota {
        Quota::TokenBucket { per_second, burst } => (per_second, burst),
        Quota::SlidingWindow { requests, window } => {
            let accepted = state.accepted.entry(key).or_default();
            while accepted
                .front()
                .is_some_and(|at| now.duration_since(*at) >= window)
            {
                accepted.pop_front();
            }
            if accepted.len() >= requests {
                return false;
            }
            accepted.push_back(now);
            return true;
        }
    };
    let bucket = state.buckets.entry(key).or_insert(Bucket {
        tokens: burst,
        refilled: now,
    });
    bucket.tokens =
        (bucket.tokens + now.duration_since(bucket.refilled).as_secs_f64() * rate).min(burst);
    bucket.refilled = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        true
    } else {
        false
    }
}

async fn lookup_events(state: &Mutex<State>, account: &str, region: &str, body: &[u8]) -> Outcome {
    let (fault, page, latency) = {
        let mut state = state.lock().unwrap();
        if state.disabled_regions.contains(region) {
            return invalid(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            );
        }
        if state.denied_regions.contains(region) {
            return invalid(
                "AccessDeniedException",
                &format!(
                    "User: arn:aws:iam::{account}:user/tester is not authorized to perform: \
                     cloudtrail:LookupEvents because no identity-based policy allows the \
                     cloudtrail:LookupEvents action"
                ),
            );
        }
        if !allow_request(&mut state, account, region) {
            return invalid("ThrottlingException", "Rate exceeded");
        }
        let fault = take_fault(&mut state, region);
        if fault == Some(Fault::Throttle) {
            return invalid("ThrottlingException", "Rate exceeded");
        }
        let page = page_of(&state, account, region, body);
        let jitter = state.jitter.mul_f64(rand::random::<f64>());
        (fault, page, state.latency + jitter)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let (mut response, events) = match page {
        Ok(page) => page,
        Err(outcome) => return outcome,
    };
    match fault {
        Some(Fault::Status(status)) => {
            return Outcome::Error(
                status,
                "InternalFailure".into(),
                "The request processing has failed because of an unknown error.".into(),
            )
        }
        Some(Fault::Slow(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::TruncatedBody) => {
            let text = response.to_string();
            return Outcome::Truncated(text[..text.len() / 2].to_owned());
        }
        Some(Fault::CloudTrailEventNotJson) => match response["Events"].get_mut(0) {
            Some(first) => {
                first["CloudTrailEvent"] = json!("{\"eventVersion\": \"1.09\", truncated");
            }
            None => state
                .lock()
                .unwrap()
                .faults
                .push_front((Some(region.to_owned()), Fault::CloudTrailEventNotJson)),
        },
        Some(Fault::Throttle) | None => {}
    }
    Outcome::Page(response.to_string(), events)
}

fn page_of(
    state: &State,
    account: &str,
    region: &str,
    body: &[u8],
) -> Result<(Value, usize), Outcome> {
    let request: Value = serde_json::from_slice(body).map_err(|_| {
        invalid(
            "SerializationException",
            "Start of structure or map found where not expected.",
        )
    })?;
    let max_results = match request.get("MaxResults") {
        None => 50,
        Some(n) => match n.as_i64() {
            Some(n) if (1..=50).contains(&n) => n as usize,
            _ => {
                return Err(invalid(
                    "InvalidMaxResultsException",
                    "Value for MaxResults is invalid. It must be between 1 and 50.",
                ))
            }
        },
    };
    let category_insight = match request.get("EventCategory").and_then(Value::as_str) {
        None => false,
        Some("insight") => true,
        Some(_) => {
            return Err(invalid(
                "InvalidEventCategoryException",
                "Event category is not valid.",
            ))
        }
    };
    let attribute = match request.get("LookupAttributes").and_then(Value::as_array) {
        None => None,
        Some(list) if list.is_empty() => None,
        Some(list) if list.len() > 1 => {
            return Err(invalid(
                "InvalidLookupAttributesException",
                "You cannot specify more than one lookup attribute.",
            ))
        }
        Some(list) => {
            let key = list[0].get("AttributeKey").and_then(Value::as_str);
            let value = list[0].get("AttributeValue").and_then(Value::as_str);
            match (key, value) {
                (Some(key), Some(value)) if ATTRIBUTE_KEYS.contains(&key) => {
                    Some((key.to_owned(), value.to_owned()))
                }
                _ => {
                    return Err(invalid(
                        "InvalidLookupAttributesException",
                        "Lookup attribute key or value is not valid.",
                    ))
                }
            }
        }
    };
    let now = chrono::Utc::now().timestamp() as f64;
    let oldest = now - (MAX_DAYS * 86_400) as f64;
    let start = request.get("StartTime").and_then(Value::as_f64);
    let end = request.get("EndTime").and_then(Value::as_f64);
    if let (Some(start), Some(end)) = (start, end) {
        if start > end {
            return Err(invalid(
                "InvalidTimeRangeException",
                "Start time must be before end time.",
            ));
        }
    }
    let start = start.unwrap_or(oldest).max(oldest);
    let end = end.unwrap_or(now);
    let fingerprint = params_fingerprint(&request);
    let resume_at = match request.get("NextToken").and_then(Value::as_str) {
        None | Some("") => None,
        Some(token) => match decode_token(token, &fingerprint) {
            Some(position) => Some(position),
            None => {
                return Err(invalid(
                    "InvalidNextTokenException",
                    "Invalid NextToken. The token you passed is not valid.",
                ))
            }
        },
    };
    let empty = Vec::new();
    let all = state
        .events
        .get(&(account.to_owned(), region.to_owned()))
        .unwrap_or(&empty);
    let matching = all.iter().filter(|e| {
        e.insight == category_insight
            && e.time >= start
            && e.time <= end
            && attribute.as_ref().is_none_or(|(k, v)| matches(e, k, v))
    });
    let mut after_token = matching.skip_while(|e| match &resume_at {
        None => false,
        Some((time, id)) => e.time > *time || (e.time == *time && e.id.as_str() > id.as_str()),
    });
    let page: Vec<&StoredEvent> = after_token.by_ref().take(max_results).collect();
    let next = after_token.next();
    let events: Vec<Value> = page
        .iter()
        .map(|e| {
            json!({
                "EventId": e.id,
                "EventName": e.name,
                "ReadOnly": e.read_only,
                "AccessKeyId": e.access_key,
                "EventTime": e.time,
                "EventSource": e.source,
                "Username": e.username,
                "Resources": e.resources.iter().map(|(t, n)| json!({"ResourceType": t, "ResourceName": n})).collect::<Vec<_>>(),
                "CloudTrailEvent": e.cloudtrail_event,
            })
        })
        .collect();
    let count = events.len();
    let mut response = json!({ "Events": events });
    if let Some(next) = next {
        response["NextToken"] = json!(encode_token(&fingerprint, next.time, &next.id));
    }
    Ok((response, count))
}

fn matches(event: &StoredEvent, key: &str, value: &str) -> bool {
    match key {
        "EventId" => event.id == value,
        "EventName" => event.name == value,
        "ReadOnly" => event.read_only == value,
        "Username" => event.username == value,
        "EventSource" => event.source == value,
        "AccessKeyId" => event.access_key == value,
        "ResourceType" => event.resources.iter().any(|(t, _)| t == value),
        "ResourceName" => event.resources.iter().any(|(_, n)| n == value),
        _ => false,
    }
}
