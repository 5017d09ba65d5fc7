//! `trailhound pull` end to end: the real binary and the real AWS SDK over real HTTP against the
//! fake LookupEvents service in tests/support.
#[path = "support/fake_cloudtrail.rs"]
mod fake_cloudtrail;
mod support;

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fake_cloudtrail::{
    shaped_history, FakeCloudTrail, Fault, Quota, Shape, ACCESS_KEY, SECRET_KEY,
};
use serde_json::{json, Value};
use support::record;

/// `count` events in `region`, evenly spread over the `hours` before now (newest a minute ago).
fn history(region: &str, count: usize, hours: i64, tag: &str) -> Vec<Value> {
    let now = Utc::now();
    let step = (hours * 3600).max(1) as f64 / count.max(1) as f64;
    (0..count)
        .map(|i| {
            let time: DateTime<Utc> =
                now - chrono::Duration::seconds(60 + (i as f64 * step) as i64);
            record(
                &format!("{tag}-{region}-{i:06}"),
                if i % 7 == 0 {
                    "RunInstances"
                } else {
                    "DescribeInstances"
                },
                "ec2.amazonaws.com",
                json!({
                    "eventTime": time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    "awsRegion": region,
                    "userIdentity": {"userName": if i % 3 == 0 { "bob" } else { "alice" }},
                }),
            )
        })
        .collect()
}

/// The binary, signing with the fake's test key, seeing no real AWS configuration at all.
fn binary(index: &Path, fake: &FakeCloudTrail, home: &Path) -> std::process::Command {
    fake.command(index, home)
}

/// `pull`, without detection rules (they have tests of their own, below and elsewhere).
fn pull_process(index: &Path, fake: &FakeCloudTrail, home: &Path) -> std::process::Command {
    let mut command = binary(index, fake, home);
    command.args(["pull", "--no-rules"]);
    command
}

fn pull(index: &Path, fake: &FakeCloudTrail, home: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(pull_process(index, fake, home))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn never_shows_the_secret(output: &std::process::Output) {
    for stream in [&output.stdout, &output.stderr] {
        assert!(
            !text(stream).contains(SECRET_KEY),
            "the secret key was printed"
        );
    }
}

#[test]
fn every_event_arrives_exactly_once_even_when_throttled() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(4.0);
    let events = history("us-east-1", 700, 60, "throttle");
    fake.add_events("us-east-1", &events);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "3d"])
        .args(["--requests-per-second", "20", "--backoff-ms", "20"])
        .output()
        .unwrap();
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    never_shows_the_secret(&output);
    assert!(
        fake.throttled() > 0,
        "the test should have provoked throttling"
    );
    assert!(stdout.contains("700 new"), "{stdout}");
    support::assert_exactly_once(&index, &events);
}

#[test]
fn our_pacing_keeps_each_region_under_the_real_quota_while_regions_run_concurrently() {
    let fake = FakeCloudTrail::start();
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    let mut all = Vec::new();
    for region in regions {
        let events = history(region, 160, 20, "pace");
        fake.add_events(region, &events);
        all.extend(events);
    }
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args(["--since", "1d"])
        .args(regions.iter().flat_map(|r| ["--region", r]))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        fake.throttled(),
        0,
        "our pacer let a region exceed 2 requests/s"
    );
    support::assert_exactly_once(&index, &all);
    let served = fake.served();
    let span_of = |region: &str| {
        let times: Vec<Instant> = served
            .iter()
            .filter(|s| s.region == region)
            .map(|s| s.at)
            .collect();
        (*times.iter().min().unwrap(), *times.iter().max().unwrap())
    };
    for a in regions {
        for b in regions {
            let ((a_first, _), (_, b_last)) = (span_of(a), span_of(b));
            assert!(a_first < b_last, "{a} started only after {b} finished");
        }
    }
}

/// At the real quota, answers jittering between 0.3 and 0.9 s (so several chains share the
/// region), our pacing alone keeps the pull from ever being throttled (how close it stays to
/// 2 requests/s is measured by `cargo bench --bench pull_throughput`).
fn paced_without_a_throttle(quota: Quota) {
    let fake = FakeCloudTrail::start();
    fake.set_quota(quota);
    fake.set_latency_jitter(Duration::from_millis(300), Duration::from_millis(600));
    let events = history("us-east-1", 700, 20, "paced");
    fake.add_events("us-east-1", &events);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "1d"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        fake.throttled(),
        0,
        "our own pacing was throttled: {quota:?}"
    );
    assert!(text(&output.stdout).contains(", 0 throttled"), "{output:?}");
    support::assert_exactly_once(&index, &events);
}

#[test]
fn our_pacing_is_never_throttled_by_a_strict_sliding_window() {
    paced_without_a_throttle(Quota::SlidingWindow {
        requests: 2,
        window: Duration::from_secs(1),
    });
}

#[test]
fn our_pacing_is_never_throttled_by_a_token_bucket() {
    paced_without_a_throttle(Quota::TokenBucket {
        per_second: 2.0,
        burst: 2.0,
    });
}

#[test]
fn a_killed_pull_resumes_where_it_stopped() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(10.0);
    let events = history("us-east-1", 2000, 40, "resume");
    fake.add_events("us-east-1", &events);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");

    let mut child = pull_process(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "2d", "--no-insights"])
        .args(["--requests-per-second", "10", "--chains", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.pages("us-east-1") < 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let pages_before = fake.pages("us-east-1");
    assert!(
        (20..40).contains(&pages_before),
        "killed too late: {pages_before} pages"
    );

    let output = pull(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "2d", "--no-insights"])
        .args(["--requests-per-second", "10"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    support::assert_exactly_once(&index, &events);
    let all_pages = 2000usize.div_ceil(50);
    let pages_after = fake.pages("us-east-1") - pages_before;
    assert!(
        pages_after < all_pages - 5,
        "the second pull started over: {pages_after} of {all_pages} pages fetched again"
    );
}

#[test]
fn a_later_pull_fetches_only_what_is_new() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(20.0);
    let old = history("us-east-1", 400, 30, "old");
    fake.add_events("us-east-1", &old);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let run = |fake: &FakeCloudTrail| {
        let output = pull(&index, fake, dir.path())
            .args(["--region", "us-east-1", "--since", "2d"])
            .args(["--requests-per-second", "20"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        output
    };
    run(&fake);
    let requests_first = fake.served().len();
    let newer: Vec<Value> = (0..60)
        .map(|i| {
            record(
                &format!("new-{i}"),
                "CreateUser",
                "iam.amazonaws.com",
                json!({"eventTime": Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()}),
            )
        })
        .collect();
    fake.add_events("us-east-1", &newer);
    let output = run(&fake);
    let requests_second = fake.served().len() - requests_first;
    assert!(
        requests_second <= 4,
        "the second pull asked {requests_second} times (first: {requests_first})"
    );
    assert!(text(&output.stdout).contains("60 new"), "{output:?}");
    let mut all = old;
    all.extend(newer);
    support::assert_exactly_once(&index, &all);

    let info = support::trailhound(&index).arg("info").output().unwrap();
    let info = text(&info.stdout);
    assert!(info.contains("111122223333/us-east-1/management"), "{info}");
    assert!(info.contains("loaded"), "{info}");
}

#[test]
fn server_errors_garbled_pages_and_slow_answers_are_retried_without_loss() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    let events = history("us-east-1", 500, 20, "faults");
    fake.add_events("us-east-1", &events);
    fake.inject(None, Fault::Status(500), 2);
    fake.inject(None, Fault::Status(503), 1);
    fake.inject(None, Fault::TruncatedBody, 2);
    fake.inject(None, Fault::Slow(Duration::from_secs(4)), 1);
    fake.inject(None, Fault::Throttle, 2);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "1d"])
        .args(["--requests-per-second", "50", "--backoff-ms", "10"])
        .args(["--request-timeout", "1.5"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    support::assert_exactly_once(&index, &events);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("retried"), "{stderr}");
}

#[test]
fn an_event_whose_cloudtrail_event_is_not_json_is_kept_and_named() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    let events = history("us-east-1", 120, 5, "notjson");
    fake.add_events("us-east-1", &events);
    fake.inject(None, Fault::CloudTrailEventNotJson, 1);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "1d", "--no-insights"])
        .args(["--requests-per-second", "50"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = text(&output.stderr);
    let newest = events[0]["eventID"].as_str().unwrap();
    assert!(
        stderr.contains(&format!("event {newest}: CloudTrailEvent is not JSON")),
        "{stderr}"
    );
    support::assert_exactly_once(&index, &events);
    let shown = support::trailhound(&index)
        .args(["show", newest])
        .output()
        .unwrap();
    assert!(text(&shown.stdout).contains("trailhoundUnparsedCloudTrailEvent"));
}

#[test]
fn a_narrowed_pull_fetches_one_users_history_and_insights_come_along() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    let events = history("us-east-1", 90, 10, "narrow");
    fake.add_events("us-east-1", &events);
    let insight = record(
        "insight-1",
        "RunInstances",
        "ec2.amazonaws.com",
        json!({
            "eventCategory": "Insight",
            "eventType": "AwsCloudTrailInsight",
            "eventTime": (Utc::now() - chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        }),
    );
    fake.add_events("us-east-1", std::slice::from_ref(&insight));
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args([
            "--region",
            "us-east-1",
            "--since",
            "1d",
            "--attribute",
            "username=bob",
        ])
        .args(["--requests-per-second", "50"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let ids = support::event_ids(&index, "*");
    let bobs = events
        .iter()
        .filter(|e| e["userIdentity"]["userName"] == "bob")
        .count();
    assert_eq!(ids.len(), bobs);
    assert!(!ids.contains(&"insight-1".to_owned()));

    let output = pull(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "1d"])
        .args(["--requests-per-second", "50"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut all = events.clone();
    all.push(insight);
    support::assert_exactly_once(&index, &all);
}

#[test]
fn a_denied_or_disabled_region_is_one_clear_line_and_the_others_carry_on() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    let events = history("us-east-1", 60, 5, "carry");
    fake.add_events("us-east-1", &events);
    fake.deny_region("eu-west-1");
    fake.disable_region("ap-east-1");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args(["--since", "1d", "--requests-per-second", "50"])
        .args([
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
            "--region",
            "ap-east-1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    never_shows_the_secret(&output);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("eu-west-1: access denied to cloudtrail:LookupEvents in eu-west-1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("ap-east-1: ap-east-1 does not accept these credentials: if it is an opt-in region, it is not enabled"),
        "{stderr}"
    );
    support::assert_exactly_once(&index, &events);
}

#[test]
fn without_a_region_it_says_how_to_give_one() {
    let fake = FakeCloudTrail::start();
    let dir = tempfile::tempdir().unwrap();
    let output = pull(&dir.path().join("index"), &fake, dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no AWS region configured: pass --region R"),
        "{stderr}"
    );
    assert!(fake.served().is_empty());
}

#[test]
fn without_credentials_it_says_so_in_one_line() {
    let fake = FakeCloudTrail::start();
    let dir = tempfile::tempdir().unwrap();
    let output = pull(&dir.path().join("index"), &fake, dir.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["--region", "us-east-1"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("no AWS credentials found"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[test]
fn rejected_credentials_say_so() {
    let fake = FakeCloudTrail::start();
    let dir = tempfile::tempdir().unwrap();
    let output = pull(&dir.path().join("index"), &fake, dir.path())
        .env("AWS_ACCESS_KEY_ID", "AKIDUNKNOWN")
        .args(["--region", "us-east-1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    never_shows_the_secret(&output);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("the AWS credentials were rejected (InvalidClientTokenId)"),
        "{stderr}"
    );
}

#[test]
fn an_expired_sso_session_prints_the_exact_login_command() {
    let fake = FakeCloudTrail::start();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    std::fs::write(
        home.join("aws-config"),
        "[profile night-shift]\nsso_session = corp\nsso_account_id = 111122223333\n\
         sso_role_name = Responder\nregion = us-east-1\n\n[sso-session corp]\n\
         sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .unwrap();
    let cache = home.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    let name = sha1_smol::Sha1::from("corp").digest().to_string();
    std::fs::write(
        cache.join(format!("{name}.json")),
        json!({
            "accessToken": "expired-token",
            "expiresAt": "2020-01-01T00:00:00Z",
            "region": "us-east-1",
            "startUrl": "https://corp.awsapps.com/start"
        })
        .to_string(),
    )
    .unwrap();
    let output = pull(&home.join("index"), &fake, home)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["--profile", "night-shift"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("aws sso login --profile night-shift --use-device-code --no-browser"),
        "{stderr}"
    );
    assert!(!stderr.contains("expired-token"));
}

/// One raw HTTP/1.1 POST to the fake, returning (status, body).
fn raw_post(fake: &FakeCloudTrail, target: &str, body: &Value) -> (u16, Value) {
    let address = fake.endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let body = body.to_string();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: {target}\r\nAuthorization: AWS4-HMAC-SHA256 \
         Credential={ACCESS_KEY}/20261122/us-east-1/cloudtrail/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let json = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(json).unwrap_or(Value::Null))
}

#[test]
fn the_fake_behaves_like_the_service_it_stands_in_for() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(1000.0);
    fake.add_events("us-east-1", &history("us-east-1", 5, 1, "fake"));
    let cli_target = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";
    let (status, page) = raw_post(&fake, cli_target, &json!({"MaxResults": 2}));
    assert_eq!(status, 200);
    assert_eq!(page["Events"].as_array().unwrap().len(), 2);
    assert_eq!(
        page["Events"][0]["EventId"], "fake-us-east-1-000000",
        "newest first"
    );
    let token = page["NextToken"].as_str().unwrap().to_owned();

    let (status, next) = raw_post(
        &fake,
        "CloudTrail_20131101.LookupEvents",
        &json!({"MaxResults": 2, "NextToken": token}),
    );
    assert_eq!(status, 200);
    assert_eq!(next["Events"][0]["EventId"], "fake-us-east-1-000002");

    let (status, error) = raw_post(
        &fake,
        cli_target,
        &json!({"MaxResults": 3, "NextToken": token}),
    );
    assert_eq!(
        (status, error["__type"].as_str()),
        (400, Some("InvalidNextTokenException"))
    );
    let two = json!([
        {"AttributeKey": "Username", "AttributeValue": "bob"},
        {"AttributeKey": "EventName", "AttributeValue": "RunInstances"}
    ]);
    let (status, error) = raw_post(&fake, cli_target, &json!({"LookupAttributes": two}));
    assert_eq!(
        (status, error["__type"].as_str()),
        (400, Some("InvalidLookupAttributesException"))
    );
    let (_, error) = raw_post(&fake, cli_target, &json!({"MaxResults": 51}));
    assert_eq!(error["__type"], "InvalidMaxResultsException");
    let (_, error) = raw_post(
        &fake,
        cli_target,
        &json!({"StartTime": 2.0e9, "EndTime": 1.0e9}),
    );
    assert_eq!(error["__type"], "InvalidTimeRangeException");
    let (_, error) = raw_post(&fake, cli_target, &json!({"EventCategory": "data"}));
    assert_eq!(error["__type"], "InvalidEventCategoryException");

    fake.set_requests_per_second(2.0);
    let statuses: Vec<String> = (0..5)
        .map(|_| {
            let (_, body) = raw_post(&fake, cli_target, &json!({}));
            body["__type"].as_str().unwrap_or("ok").to_owned()
        })
        .collect();
    assert!(
        statuses.contains(&"ThrottlingException".to_owned()),
        "{statuses:?}"
    );
}

#[test]
fn pulled_events_raise_alerts_as_they_arrive() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    let mut events = history("us-east-1", 40, 5, "alerting");
    events.push(record(
        "stop-logging-1",
        "StopLogging",
        "cloudtrail.amazonaws.com",
        json!({
            "eventTime": (Utc::now() - chrono::Duration::minutes(30)).format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "requestParameters": {"name": "arn:aws:cloudtrail:us-east-1:111122223333:trail/main"},
        }),
    ));
    fake.add_events("us-east-1", &events);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = binary(&index, &fake, dir.path())
        .args(["pull", "--region", "us-east-1", "--since", "1d"])
        .args(["--requests-per-second", "50"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let alerts = support::trailhound(&index)
        .args(["alerts", "--format", "jsonl"])
        .output()
        .unwrap();
    let alerts = text(&alerts.stdout);
    assert!(
        alerts
            .lines()
            .any(|line| line.contains("\"LOG-01\"") && line.contains("stop-logging-1")),
        "{alerts}"
    );
}

#[test]
fn slow_answers_are_shared_between_chains_and_a_kill_mid_split_still_resumes_exactly() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(10.0);
    fake.set_latency(Duration::from_millis(300));
    let events = history("us-east-1", 1500, 20, "split");
    fake.add_events("us-east-1", &events);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let mut child = pull_process(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "1d", "--no-insights"])
        .args(["--requests-per-second", "10"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while fake.pages("us-east-1") < 15 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let served = fake.served();
    let overlapping = served
        .windows(2)
        .any(|pair| pair[1].at.duration_since(pair[0].at) < Duration::from_millis(250));
    assert!(
        overlapping,
        "answers taking 300 ms never overlapped: one chain only"
    );

    let output = pull(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "1d", "--no-insights"])
        .args(["--requests-per-second", "10"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    support::assert_exactly_once(&index, &events);
}

/// What one pull of one shaped region cost.
struct ShapedPull {
    management: usize,
    insight: usize,
    splits: usize,
    stdout: String,
}

/// The real quota, read strictly: at most 2 requests in any second.
const REAL_QUOTA: Quota = Quota::SlidingWindow {
    requests: 2,
    window: Duration::from_secs(1),
};

/// `--since 90d` of a region shaped `shape`, against `quota` with answers taking `latency` plus
/// up to `jitter`; asserts what every shape must do: zero throttles, every event exactly once, at
/// most `ceil(events / 50) + 2` pages per category plus one per split, and the first event
/// searchable within a second of the answer that brought it.
fn pull_shape(
    shape: Shape,
    quota: Quota,
    requests_per_second: f64,
    latency: Duration,
    jitter: Duration,
) -> ShapedPull {
    let fake = FakeCloudTrail::start();
    fake.set_quota(quota);
    fake.set_latency_jitter(latency, jitter);
    let events = shaped_history("us-east-1", shape, "shape");
    fake.add_events("us-east-1", &events);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args(["--region", "us-east-1", "--since", "90d"])
        .args(["--requests-per-second", &requests_per_second.to_string()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(fake.throttled(), 0, "{}: throttled\n{stderr}", shape.name());
    support::assert_exactly_once(&index, &events);
    let splits = stderr
        .lines()
        .find(|line| line.starts_with("  us-east-1 "))
        .and_then(|line| {
            line.split(", ")
                .find_map(|part| part.strip_suffix(" split"))
        })
        .map_or(0, |n| n.replace(',', "").parse().unwrap());
    let run = ShapedPull {
        management: fake.asked("us-east-1", "management"),
        insight: fake.asked("us-east-1", "insight"),
        splits,
        stdout,
    };
    let allowed = events.len().div_ceil(50) + 2 + run.splits;
    assert!(
        run.management <= allowed,
        "{}: {} pages for {} events with {} splits (at most {allowed})",
        shape.name(),
        run.management,
        events.len(),
        run.splits
    );
    assert_eq!(
        run.insight,
        1,
        "{}: insights cost one request",
        shape.name()
    );
    if !events.is_empty() {
        let after_answer: f64 = run
            .stdout
            .split(" s after its page arrived")
            .next()
            .and_then(|head| head.rsplit('(').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no first-event time: {}", run.stdout));
        assert!(
            after_answer < 1.0,
            "{}: the first event became searchable {after_answer} s after its page arrived",
            shape.name()
        );
    }
    run
}

#[test]
fn an_empty_region_costs_one_request_per_category() {
    let run = pull_shape(
        Shape::Empty,
        REAL_QUOTA,
        2.0,
        Duration::ZERO,
        Duration::from_millis(50),
    );
    assert_eq!((run.management, run.splits), (1, 0));
}

#[test]
fn a_region_with_one_event_in_ninety_days_costs_one_request_per_category() {
    let run = pull_shape(
        Shape::Sparse,
        REAL_QUOTA,
        2.0,
        Duration::ZERO,
        Duration::from_millis(50),
    );
    assert_eq!((run.management, run.splits), (1, 0));
    assert!(run.stdout.contains("1 new"), "{}", run.stdout);
}

#[test]
fn a_uniform_history_costs_a_request_per_fifty_events_at_the_real_quota() {
    pull_shape(
        Shape::Uniform(1000),
        REAL_QUOTA,
        2.0,
        Duration::from_millis(20),
        Duration::from_millis(80),
    );
}

#[test]
fn a_bursty_history_costs_a_request_per_fifty_events_at_the_real_quota() {
    pull_shape(
        Shape::Bursty(1000),
        REAL_QUOTA,
        2.0,
        Duration::from_millis(20),
        Duration::from_millis(80),
    );
}

/// 20k events are 400 pages, 210 s at the real quota: the same sliding window, 25 times wider.
#[test]
fn twenty_thousand_events_cost_four_hundred_pages() {
    let run = pull_shape(
        Shape::Uniform(20_000),
        Quota::SlidingWindow {
            requests: 50,
            window: Duration::from_secs(1),
        },
        50.0,
        Duration::ZERO,
        Duration::from_millis(10),
    );
    assert!(run.stdout.contains("20,000 new"), "{}", run.stdout);
}

/// Slow answers need several chains, so the history is split; the splits follow the burst
/// rather than halving 90 days, and cost few pages.
#[test]
fn slow_answers_split_a_bursty_history_only_where_it_is_dense() {
    let run = pull_shape(
        Shape::Bursty(5000),
        Quota::SlidingWindow {
            requests: 10,
            window: Duration::from_secs(1),
        },
        10.0,
        Duration::from_millis(500),
        Duration::from_millis(500),
    );
    assert!(run.splits > 0, "slow answers were never shared out");
    assert!(
        run.management <= 120,
        "{} pages for 100 pages of events ({} splits)",
        run.management,
        run.splits
    );
}

/// `--follow` keeps fetching what is newer until Ctrl-C, which leaves a clean checkpoint: a
/// later pull asks only for the last minutes.
#[test]
fn follow_fetches_what_is_newer_until_ctrl_c() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(20.0);
    let old = history("us-east-1", 100, 10, "follow-old");
    fake.add_events("us-east-1", &old);
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let child = pull_process(&index, &fake, dir.path())
        .args([
            "--region",
            "us-east-1",
            "--since",
            "1d",
            "--requests-per-second",
            "20",
        ])
        .args(["--follow", "--interval", "1s"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The index appears once the pull has started; until then there is nothing to count.
    let searchable = || {
        let output = support::trailhound(&index)
            .args(["search", "--count", "*"])
            .output()
            .unwrap();
        text(&output.stdout).trim().parse::<usize>().unwrap_or(0)
    };
    let wait_for = |count: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while searchable() < count {
            assert!(Instant::now() < deadline, "never reached {count} events");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    wait_for(100);
    let newer: Vec<Value> = (0..30)
        .map(|i| {
            record(
                &format!("follow-new-{i}"),
                "CreateUser",
                "iam.amazonaws.com",
                json!({"eventTime": Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()}),
            )
        })
        .collect();
    fake.add_events("us-east-1", &newer);
    wait_for(130);
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = text(&output.stdout);
    assert!(
        stdout.lines().filter(|l| l.starts_with("pulled ")).count() >= 2,
        "{stdout}"
    );
    let mut all = old;
    all.extend(newer);
    support::assert_exactly_once(&index, &all);

    let before = fake.served().len();
    let output = pull(&index, &fake, dir.path())
        .args([
            "--region",
            "us-east-1",
            "--since",
            "1d",
            "--requests-per-second",
            "20",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        fake.served().len() - before <= 2,
        "the checkpoint was not clean"
    );
}

/// A time `ago` before now, as CloudTrail writes it.
fn ago(ago: chrono::Duration) -> String {
    (Utc::now() - ago).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn a_pull_after_an_archive_credits_its_sign_ins_and_judges_first_sightings_in_time_order() {
    // The archive: five failed sign-ins naming noah only by principalId and userName.
    let noah = "arn:aws:iam::111122223333:user/noah";
    let failure = |n: i64| {
        let mut record = record(
            &format!("noah-failed-{n}"),
            "ConsoleLogin",
            "signin.amazonaws.com",
            json!({
                "eventTime": ago(chrono::Duration::minutes(20 - n)),
                "eventType": "AwsConsoleSignIn",
                "responseElements": {"ConsoleLogin": "Failure"},
                "errorMessage": "Failed authentication",
            }),
        );
        record["userIdentity"] = json!({"type": "IAMUser", "principalId": "AIDANOAH0000000000001",
            "accountId": "111122223333", "accessKeyId": "", "userName": "noah"});
        record
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = support::write(
        &dir.path().join("archive/failures.json"),
        &support::trail_file(&(0..5).map(failure).collect::<Vec<_>>()),
    );
    let index = dir.path().join("index");
    support::trailhound(&index)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();

    // LookupEvents, newest first: noah's success with his ARN; twenty days of alice in
    // us-east-1, then her first call in ap-south-1.
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    let mut success = record(
        "noah-success",
        "ConsoleLogin",
        "signin.amazonaws.com",
        json!({
            "eventTime": ago(chrono::Duration::minutes(10)),
            "eventType": "AwsConsoleSignIn",
            "responseElements": {"ConsoleLogin": "Success"},
        }),
    );
    success["userIdentity"] = json!({"type": "IAMUser", "principalId": "AIDANOAH0000000000001",
        "arn": noah, "accountId": "111122223333", "userName": "noah"});
    let mut us_east: Vec<Value> = (0..80)
        .map(|n| {
            record(
                &format!("alice-{n}"),
                "DescribeInstances",
                "ec2.amazonaws.com",
                json!({"eventTime": ago(chrono::Duration::hours(6 * n + 2)), "readOnly": true}),
            )
        })
        .collect();
    us_east.push(success);
    fake.add_events("us-east-1", &us_east);
    fake.add_events(
        "ap-south-1",
        &[record(
            "alice-ap-south-1",
            "DescribeInstances",
            "ec2.amazonaws.com",
            json!({"eventTime": ago(chrono::Duration::hours(1)), "awsRegion": "ap-south-1",
                "readOnly": true}),
        )],
    );
    let output = binary(&index, &fake, dir.path())
        .args(["pull", "--region", "us-east-1", "--region", "ap-south-1"])
        .args([
            "--since",
            "30d",
            "--no-insights",
            "--requests-per-second",
            "50",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");

    let alerts = |extra: &[&str]| -> Vec<Value> {
        let output = support::trailhound(&index)
            .args(["alerts", "--format", "jsonl"])
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        text(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    };
    let pulled = alerts(&[]);
    let auth05 = pulled
        .iter()
        .find(|a| a["rule_id"] == "AUTH-05")
        .unwrap_or_else(|| panic!("the archive's failures and the pulled success: {pulled:#?}"));
    assert_eq!(auth05["principal"], noah);
    assert!(
        pulled
            .iter()
            .any(|a| a["rule_id"] == "API-03"
                && a["group"].as_str().unwrap().ends_with("ap-south-1")),
        "{pulled:#?}"
    );
    let keys = |alerts: &[Value]| {
        let mut keys: Vec<String> = alerts
            .iter()
            .map(|a| format!("{} {}", a["key"], a["count"]))
            .collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(&pulled), keys(&alerts(&["--recompute"])));
    assert_eq!(
        support::count(&index, &format!("@principal:\"{noah}\"")),
        6,
        "the archived failures are re-credited to noah"
    );
}
