//! How fast `trailhound pull` gets the event history into the index, against the fake
//! LookupEvents service holding every region to the real quota (2 requests/s, so at most
//! 100 events/s per region):
//! - sustained events/s per region and its ratio to that ceiling, with fast and slow answers;
//! - how that holds as regions are added (they should scale linearly);
//! - time from start to the first searchable event;
//! - a baseline measured in the same run: the SDK's own paginator, paging one region as fast as
//!   it will (what a ten-line script does).
//!
//! `cargo bench --bench pull_throughput` (events per region: `TRAILHOUND_PULL_BENCH_EVENTS`,
//! default 3000, i.e. 30 s per scenario at the ceiling).
#[path = "../tests/support/fake_cloudtrail.rs"]
mod fake_cloudtrail;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use fake_cloudtrail::{FakeCloudTrail, ACCESS_KEY, SECRET_KEY};
use serde_json::{json, Value};
use trailhound::units::thousands;

const CEILING: f64 = 100.0;
const REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
    "ca-central-1",
];

/// `count` events spread evenly over the three days before now (the window pulled).
fn events(region: &str, count: usize) -> Vec<Value> {
    let now = Utc::now();
    let step = (3 * 86_400 - 600) as f64 / count as f64;
    (0..count)
        .map(|i| {
            let time = now - chrono::Duration::seconds(120 + (i as f64 * step) as i64);
            json!({
                "eventVersion": "1.09",
                "eventID": format!("{region}-{i:07}"),
                "eventTime": time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                "eventSource": "ec2.amazonaws.com",
                "eventName": "DescribeInstances",
                "awsRegion": region,
                "sourceIPAddress": "198.51.100.7",
                "userAgent": "aws-cli/2.15.0",
                "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/bench",
                    "accountId": "111122223333", "accessKeyId": "AKIABENCH", "userName": "bench"},
                "readOnly": true,
                "eventType": "AwsApiCall",
                "managementEvent": true,
                "recipientAccountId": "111122223333",
                "eventCategory": "Management"
            })
        })
        .collect()
}

/// Sustained events/s and answered pages/s per region as the service saw them, between its
/// first and last answer.
fn sustained_rates(fake: &FakeCloudTrail, regions: &[&str]) -> Vec<(f64, f64)> {
    let served = fake.served();
    regions
        .iter()
        .map(|region| {
            let mine: Vec<_> = served.iter().filter(|s| s.region == *region).collect();
            let first = mine.iter().map(|s| s.at).min().unwrap();
            let last = mine.iter().map(|s| s.at).max().unwrap();
            let seconds = (last - first).as_secs_f64().max(0.001);
            let events: usize = mine.iter().map(|s| s.events).sum();
            let pages = mine.iter().filter(|s| s.status == 200).count();
            (events as f64 / seconds, pages as f64 / seconds)
        })
        .collect()
}

struct Run {
    wall: Duration,
    first_event: Option<f64>,
    rates: Vec<(f64, f64)>,
    throttled: usize,
}

fn pull(regions: &[&str], per_region: usize, latency: Duration) -> Run {
    let fake = FakeCloudTrail::start();
    fake.set_latency(latency);
    for region in regions {
        fake.add_events(region, &events(region, per_region));
    }
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let mut command = Command::new(env!("CARGO_BIN_EXE_trailhound"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", &fake.endpoint)
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        .arg("--index")
        .arg(home.join("index"))
        .args(["pull", "--since", "3d", "--quiet"]);
    for region in regions {
        command.args(["--region", region]);
    }
    let started = Instant::now();
    let output = command.output().unwrap();
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "pull failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = format!("{} new", thousands((regions.len() * per_region) as u64));
    assert!(
        stdout.contains(&expected),
        "not every event arrived: {stdout}"
    );
    let first_event = stdout
        .split("first event searchable after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|seconds| seconds.parse().ok());
    Run {
        wall,
        first_event,
        rates: sustained_rates(&fake, regions),
        throttled: fake.throttled(),
    }
}

/// The baseline: aws-sdk-cloudtrail's paginator over one region, no pacing of its own.
fn sdk_paginator(
    per_region: usize,
    latency: Duration,
) -> (Duration, usize, f64, usize, Option<String>) {
    let fake = FakeCloudTrail::start();
    fake.set_latency(latency);
    fake.add_events("us-east-1", &events("us-east-1", per_region));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    let (count, error) = runtime.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(&fake.endpoint)
            .credentials_provider(aws_sdk_cloudtrail::config::Credentials::new(
                ACCESS_KEY, SECRET_KEY, None, None, "bench",
            ))
            .load()
            .await;
        let client = aws_sdk_cloudtrail::Client::new(&config);
        let end = Utc::now();
        let start = end - chrono::Duration::days(3);
        let mut pages = client
            .lookup_events()
            .start_time(aws_sdk_cloudtrail::primitives::DateTime::from_secs(
                start.timestamp(),
            ))
            .end_time(aws_sdk_cloudtrail::primitives::DateTime::from_secs(
                end.timestamp(),
            ))
            .into_paginator()
            .page_size(50)
            .send();
        let mut count = 0;
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => count += page.events().len(),
                Err(e) => {
                    return (
                        count,
                        Some(aws_sdk_cloudtrail::error::DisplayErrorContext(e).to_string()),
                    )
                }
            }
        }
        (count, None)
    });
    let wall = started.elapsed();
    let rate = sustained_rates(&fake, &["us-east-1"])[0].0;
    (wall, count, rate, fake.throttled(), error)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("pull_throughput: bench");
        return;
    }
    let per_region: usize = std::env::var("TRAILHOUND_PULL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    println!("pull throughput, {per_region} events per region, quota 2 requests/s per region");
    println!(
        "(ceiling {CEILING} events/s per region; rates are sustained, as the service saw them)\n"
    );

    let (wall, count, rate, throttled, error) =
        sdk_paginator(per_region, Duration::from_millis(50));
    println!(
        "baseline  SDK paginator, 1 region, 50 ms answers: {count} events, {:.1} events/s = {:.2} of ceiling, {throttled} throttled, {:.1} s{}",
        rate,
        rate / CEILING,
        wall.as_secs_f64(),
        error
            .map(|e| format!(", FAILED: {}", e.lines().next().unwrap_or_default()))
            .unwrap_or_default()
    );

    // Slow answers take a few seconds to fan out and to drain at the end: a longer pull shows
    // the sustained rate rather than the ramp.
    let scenarios: [(&str, usize, Duration, usize); 5] = [
        ("1 region, 50 ms answers", 1, Duration::from_millis(50), 1),
        ("1 region, 4 s answers", 1, Duration::from_secs(4), 3),
        ("2 regions, 50 ms answers", 2, Duration::from_millis(50), 1),
        ("4 regions, 50 ms answers", 4, Duration::from_millis(50), 1),
        ("8 regions, 50 ms answers", 8, Duration::from_millis(50), 1),
    ];
    for (name, regions, latency, scale) in scenarios {
        let run = pull(&REGIONS[..regions], per_region * scale, latency);
        let mean = run.rates.iter().map(|r| r.0).sum::<f64>() / run.rates.len() as f64;
        let worst = run.rates.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
        let pages = run.rates.iter().map(|r| r.1).sum::<f64>() / run.rates.len() as f64;
        println!(
            "trailhound {name}: {:.1} events/s per region (worst {:.1}) = {:.2} of ceiling, {pages:.2} pages/s, {:.0} events/s in all, {} throttled, first event searchable after {} s, {:.1} s wall",
            mean,
            worst,
            mean / CEILING,
            mean * regions as f64,
            run.throttled,
            run.first_event.map_or("?".into(), |s| format!("{s:.2}")),
            run.wall.as_secs_f64(),
        );
    }
}
