//! What a rule with a long value list costs per event, against the same rule with 8 values.
//!
//! ```text
//! cargo bench --bench rule_values
//! ```
//! For each list length and each kind (`contains`, `startswith`, `endswith`, exact) one plain
//! Sigma rule on `userAgent` is loaded alone into a detector and evaluated on 2,000 realistic
//! records (none of them matching, the dearest case); the figure is the time per event and its
//! ratio to the 8-value rule of the same kind. Nothing here asserts a time: it reports.
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use trailhound::detect::pack::load_pack_text;
use trailhound::detect::Detector;
use trailhound::event::EventSummary;

const EVENTS: usize = 2_000;
const ROUNDS: usize = 5;
const LENGTHS: [usize; 4] = [8, 1_000, 10_000, 40_000];

fn rule(kind: &str, values: usize) -> String {
    let mut text = format!(
        "title: bench\nid: 00000000-0000-4000-8000-{values:012}\nlogsource: {{product: aws, service: cloudtrail}}\nlevel: low\ndetection:\n  selection:\n    userAgent{kind}:\n"
    );
    for n in 0..values {
        let _ = writeln!(text, "      - 'agent-{n:07}-x'");
    }
    text.push_str("  condition: selection\n");
    text
}

fn records() -> Vec<(Value, EventSummary)> {
    (0..EVENTS)
        .map(|n| {
            let record = json!({
                "eventVersion": "1.09",
                "eventID": format!("bench-{n}"),
                "eventTime": "2026-11-01T08:00:00Z",
                "eventSource": "s3.amazonaws.com",
                "eventName": "GetObject",
                "awsRegion": "us-east-1",
                "sourceIPAddress": "198.51.100.7",
                "userAgent": format!("aws-cli/2.15.{n} Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2 prompt/off command/s3.cp"),
                "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::111122223333:user/u{n}")},
            });
            let summary = EventSummary::from_record(&record, format!("bench-{n}"));
            (record, summary)
        })
        .collect()
}

/// The median time per event over `ROUNDS` passes.
fn per_event(detector: &Detector, events: &[(Value, EventSummary)]) -> Duration {
    let mut samples: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            let mut fired = 0;
            for (record, summary) in events {
                fired += usize::from(!detector.evaluate(record, summary).is_empty());
            }
            assert_eq!(fired, 0, "no bench record should match");
            started.elapsed() / events.len() as u32
        })
        .collect();
    samples.sort();
    samples[ROUNDS / 2]
}

fn main() {
    let events = records();
    println!(
        "{:<12} {:>8} {:>12} {:>10} {:>10}",
        "kind", "values", "per event", "vs 8", "load"
    );
    for kind in ["|contains", "|startswith", "|endswith", ""] {
        let mut baseline = None;
        for values in LENGTHS {
            let text = rule(kind, values);
            let loading = Instant::now();
            let pack = load_pack_text(&text, Path::new("bench.yml")).expect("the rule loads");
            let detector = Detector::new(&[pack]);
            let load = loading.elapsed();
            let cost = per_event(&detector, &events);
            let base = *baseline.get_or_insert(cost);
            println!(
                "{:<12} {values:>8} {:>12?} {:>9.1}x {:>10?}",
                if kind.is_empty() { "exact" } else { &kind[1..] },
                cost,
                cost.as_secs_f64() / base.as_secs_f64().max(1e-12),
                load
            );
        }
    }
}
