//! What `trailhound pull --since 90d` costs and how fast it is on histories shaped like real
//! accounts, against the fake LookupEvents service holding the region to the real quota read
//! strictly (at most 2 requests in any 1 s window), per shape:
//! - pages asked (management category) against ceil(events / 50), the fewest that can hold them;
//! - paging time (first request in to last answer out) against the quota's floor: the fewest
//!   requests (pages plus the one Insights request) at 2 per second;
//! - events/s against the 100 events/s ceiling (dense shapes);
//! - throttles, splits, and when the first event became searchable (from the start of the pull,
//!   and from the answer that brought it);
//! - the same for 3 accounts in parallel (roles assumed through the fake STS), each under its
//!   own quota (events/s is per account).
//!
//! A baseline measured in the same run: the SDK's own paginator over one region, as fast as it
//! will (what a ten-line script does).
//!
//! `cargo bench --bench pull_throughput` (events in the dense shapes: `TRAILHOUND_PULL_BENCH_EVENTS`,
//! default 3000, 30 s each at the ceiling; the 20k-event region takes 210 s:
//! `TRAILHOUND_PULL_BENCH_BIG=0` skips it).
#[path = "../tests/support/fake_cloudtrail.rs"]
mod fake_cloudtrail;
#[path = "../tests/support/mod.rs"]
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use fake_cloudtrail::{shaped_history, FakeCloudTrail, Quota, Shape, ACCESS_KEY, SECRET_KEY};

const CEILING: f64 = 100.0;
const QUOTA: f64 = 2.0;
const REAL_QUOTA: Quota = Quota::SlidingWindow {
    requests: 2,
    window: Duration::from_secs(1),
};
const REGION: &str = "us-east-1";

struct Run {
    wall: Duration,
    paging: Duration,
    management: usize,
    insight: usize,
    throttled: usize,
    splits: u64,
    first_event: Option<(f64, f64)>,
}

fn number_before<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    text.split(suffix).next()?.rsplit([' ', '(']).next()
}

/// One row of the table: a history shape, how slowly the service answers, and the accounts.
struct Case<'a> {
    shape: Shape,
    latency: Duration,
    jitter: Duration,
    answers: &'a str,
    accounts: &'a [&'a str],
}

/// Accounts reached through `--account ID --role-name` (none: the base credentials' own).
const ROLE: &str = "OrganizationAccountAccessRole";

fn pull(shape: Shape, latency: Duration, jitter: Duration, accounts: &[&str]) -> Run {
    let fake = FakeCloudTrail::start();
    fake.set_quota(REAL_QUOTA);
    fake.set_latency_jitter(latency, jitter);
    for account in accounts {
        fake.allow_role(account, ROLE);
        fake.add_account_events(account, REGION, &shaped_history(REGION, shape, account));
    }
    if accounts.is_empty() {
        fake.add_events(REGION, &shaped_history(REGION, shape, "bench"));
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
        .args(["pull", "--no-rules", "--since", "90d", "--region", REGION]);
    for account in accounts {
        command.args(["--account", account]);
    }
    if !accounts.is_empty() {
        command.args(["--role-name", ROLE]);
    }
    let started = Instant::now();
    let output = command.output().unwrap();
    let wall = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "pull failed: {stdout}{stderr}");
    let all = shape.events() * accounts.len().max(1);
    let expected = format!("{} new", trailhound::units::thousands(all as u64));
    assert!(
        stdout.contains(&expected),
        "not every event arrived: {stdout}"
    );
    let first_event = number_before(&stdout, " s (")
        .and_then(|from_start| from_start.parse().ok())
        .zip(number_before(&stdout, " s after its page arrived").and_then(|n| n.parse().ok()));
    let splits = stderr
        .lines()
        .filter(|line| line.starts_with("  ") && line.contains(&format!("{REGION}  ")))
        .filter_map(|line| {
            line.split(", ")
                .find_map(|part| part.strip_suffix(" split"))
        })
        .map(|n| n.replace(',', "").parse::<u64>().unwrap())
        .sum();
    let served = fake.served();
    let busy = |account: &str| {
        let mine = || served.iter().filter(|s| s.account == account);
        match (mine().map(|s| s.received).min(), mine().map(|s| s.at).max()) {
            (Some(first), Some(last)) => last - first,
            _ => Duration::ZERO,
        }
    };
    let paging = match accounts {
        [] => fake.busy_for(REGION),
        several => several.iter().copied().map(busy).max().unwrap_or_default(),
    };
    Run {
        wall,
        paging,
        management: fake.asked(REGION, "management"),
        insight: fake.asked(REGION, "insight"),
        throttled: fake.throttled(),
        splits,
        first_event,
    }
}

/// The baseline: aws-sdk-cloudtrail's paginator over one region, no pacing of its own.
fn sdk_paginator(events: usize) -> (Duration, usize, usize, Option<String>) {
    let fake = FakeCloudTrail::start();
    fake.set_quota(REAL_QUOTA);
    fake.set_latency(Duration::from_millis(50));
    fake.add_events(
        REGION,
        &shaped_history(REGION, Shape::Uniform(events), "sdk"),
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let started = Instant::now();
    let (count, error) = runtime.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&fake.endpoint)
            .credentials_provider(aws_sdk_cloudtrail::config::Credentials::new(
                ACCESS_KEY, SECRET_KEY, None, None, "bench",
            ))
            .load()
            .await;
        let client = aws_sdk_cloudtrail::Client::new(&config);
        let end = Utc::now();
        let start = end - chrono::Duration::days(90);
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
    (started.elapsed(), count, fake.throttled(), error)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("pull_throughput: bench");
        return;
    }
    let dense: usize = std::env::var("TRAILHOUND_PULL_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let big = std::env::var("TRAILHOUND_PULL_BENCH_BIG").map_or(true, |v| v != "0");
    println!(
        "pull --since 90d of one region, quota: at most 2 requests in any 1 s (ceiling {CEILING} events/s)\n"
    );

    let (wall, count, throttled, error) = sdk_paginator(dense);
    println!(
        "baseline: SDK paginator, {count} events, 50 ms answers: {:.1} s, {:.2} of ceiling, {throttled} throttled{}\n",
        wall.as_secs_f64(),
        count as f64 / wall.as_secs_f64() / CEILING,
        error
            .map(|e| format!(", FAILED: {}", e.lines().next().unwrap_or_default()))
            .unwrap_or_default()
    );

    let fast = (Duration::from_millis(20), Duration::from_millis(80));
    let slow = (Duration::from_secs(3), Duration::from_secs(2));
    let one: &[&str] = &[];
    let three: &[&str] = &["222233334444", "333344445555", "444455556666"];
    let case = |shape, answers: (Duration, Duration), label, accounts| Case {
        shape,
        latency: answers.0,
        jitter: answers.1,
        answers: label,
        accounts,
    };
    let mut cases = vec![
        case(Shape::Empty, fast, "20-100 ms", one),
        case(Shape::Sparse, fast, "20-100 ms", one),
        case(Shape::Uniform(dense), fast, "20-100 ms", one),
        case(Shape::Bursty(dense), fast, "20-100 ms", one),
        case(Shape::Uniform(dense), slow, "3-5 s", one),
        case(Shape::Bursty(dense), slow, "3-5 s", one),
        case(Shape::Uniform(dense), fast, "20-100 ms", three),
    ];
    if big {
        cases.push(case(Shape::Uniform(20_000), fast, "20-100 ms", one));
    }
    println!(
        "| shape | answers | pages asked | ceil(events/50) | pages / ceil | splits | paging s | floor s | paging / floor | events/s / ceiling | throttled | first event s (after its page) | wall s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for Case {
        shape,
        latency,
        jitter,
        answers,
        accounts,
    } in cases
    {
        let run = pull(shape, latency, jitter, accounts);
        let copies = accounts.len().max(1);
        let least = shape.events().div_ceil(50).max(1) * copies;
        let name = match accounts.len() {
            0 => shape.name(),
            n => format!("{n} accounts in parallel, each {}", shape.name()),
        };
        // Accounts run in parallel, each under its own quota.
        let floor = (least / copies + 1) as f64 / QUOTA;
        let paging = run.paging.as_secs_f64();
        let rate = if shape.events() >= 500 {
            format!("{:.2}", shape.events() as f64 / paging / CEILING)
        } else {
            "-".into()
        };
        println!(
            "| {name} | {answers} | {} (+{} insight) | {least} | {:.2} | {} | {paging:.1} | {floor:.1} | {:.2} | {rate} | {} | {} | {:.1} |",
            run.management,
            run.insight,
            run.management as f64 / least as f64,
            run.splits,
            paging / floor,
            run.throttled,
            run.first_event
                .map_or("-".into(), |(start, page)| format!("{start:.2} ({page:.2})")),
            run.wall.as_secs_f64(),
        );
    }
}
