//! `trailhound pull`: the 90-day event history from LookupEvents into the index.
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::exit;
use crate::event::terminal_safe;
use crate::index::coverage::Span;
use crate::index::TrailIndex;
use crate::pull::{
    run_pull, status_line, AccountSource, AwsOptions, FetchOptions, PullObserver, PullOutcome,
    PullRequest, RegionSnapshot, Window,
};
use crate::units::thousands;

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

#[derive(clap::Args, Debug)]
pub struct PullArgs {
    /// AWS profile (named, SSO, or role) [default: AWS_PROFILE, then "default"]; repeat it to pull
    /// several accounts in parallel, one per profile
    #[arg(long = "profile", value_name = "PROFILE")]
    profiles: Vec<String>,
    /// Account to pull through a role assumed from the base credentials (repeatable; needs
    /// --role-name): arn:aws:iam::ACCOUNT:role/ROLE_NAME
    #[arg(long = "account", value_name = "ID", requires = "role_name", value_parser = parse_account)]
    accounts: Vec<String>,
    /// The role to assume in every --account, e.g. OrganizationAccountAccessRole
    #[arg(long, value_name = "NAME", requires = "accounts")]
    role_name: Option<String>,
    /// Region to pull (repeatable) [default: AWS_REGION, then the profile's region]
    #[arg(long = "region", value_name = "REGION")]
    regions: Vec<String>,
    /// Pull every commercial region; regions the account has not enabled are reported and skipped
    #[arg(long, conflicts_with = "regions")]
    all_regions: bool,
    /// How far back: a duration (24h, 7d, 90d) [default: 7d]
    #[arg(long, conflicts_with_all = ["start", "end"], value_parser = parse_age)]
    since: Option<chrono::Duration>,
    /// Window start: a time (2026-11-01T08:00:00Z, 2026-11-01) or a duration back from now
    #[arg(long, value_parser = super::parse_time_arg)]
    start: Option<DateTime<Utc>>,
    /// Window end [default: now]
    #[arg(long, value_parser = super::parse_time_arg)]
    end: Option<DateTime<Utc>>,
    /// Only events with this lookup attribute: Username, AccessKeyId, EventName, EventSource,
    /// EventId, ReadOnly, ResourceType or ResourceName, as KEY=VALUE
    #[arg(long, value_parser = parse_attribute)]
    attribute: Option<String>,
    /// Management events only; skip Insights events
    #[arg(long)]
    no_insights: bool,
    /// Index only; evaluate no detection rules
    #[arg(long)]
    no_rules: bool,
    /// Keep pulling what is newer until Ctrl-C
    #[arg(long, conflicts_with = "end")]
    follow: bool,
    /// With --follow: how long to wait between pulls
    #[arg(long, default_value = "60s", value_parser = parse_interval, requires = "follow")]
    interval: Duration,
    /// Requests per second per region (the service allows 2)
    #[arg(long, hide = true, default_value_t = 2.0)]
    requests_per_second: f64,
    /// Seconds before one request is abandoned and retried
    #[arg(long, hide = true, default_value_t = 60.0)]
    request_timeout: f64,
    /// First retry delay in milliseconds (doubles per attempt)
    #[arg(long, hide = true, default_value_t = 1000)]
    backoff_ms: u64,
    /// Concurrent time slices per region at most (they share the region's rate)
    #[arg(long, hide = true, default_value_t = 12)]
    chains: usize,
}

fn parse_age(text: &str) -> Result<chrono::Duration, String> {
    let age = humantime::parse_duration(text)
        .map_err(|_| format!("`{text}` is not a duration (24h, 7d, 90d)"))?;
    chrono::Duration::from_std(age)
        .ok()
        .filter(|age| Utc::now().checked_sub_signed(*age).is_some())
        .ok_or_else(|| format!("`{text}` reaches back before any time trailhound can represent"))
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|_| format!("`{text}` is not a duration (30s, 5m)"))
}

fn parse_account(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err(format!("`{text}` is not an AWS account ID (12 digits)"))
    }
}

fn parse_attribute(text: &str) -> Result<String, String> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not KEY=VALUE, e.g. Username=alice"))?;
    let canonical = ATTRIBUTE_KEYS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(key))
        .ok_or_else(|| {
            format!(
                "`{key}` is not a lookup attribute: {}",
                ATTRIBUTE_KEYS.join(", ")
            )
        })?;
    if value.is_empty() {
        return Err(format!("{canonical}= needs a value"));
    }
    Ok(format!("{canonical}={value}"))
}

impl PullArgs {
    fn request(&self) -> PullRequest {
        let window = match (self.start, self.end, self.since) {
            (Some(start), end, _) => Window::Between(start, end.unwrap_or_else(Utc::now)),
            (None, Some(end), _) => Window::Between(end - chrono::Duration::days(7), end),
            (None, None, since) => Window::Since(since.unwrap_or(chrono::Duration::days(7))),
        };
        let base_profile = self.profiles.first().cloned();
        let mut accounts: Vec<AccountSource> = Vec::new();
        if self.profiles.len() > 1 {
            accounts.extend(
                self.profiles
                    .iter()
                    .cloned()
                    .map(Some)
                    .map(AccountSource::Profile),
            );
        }
        if let Some(role_name) = &self.role_name {
            accounts.extend(
                self.accounts
                    .iter()
                    .map(|account| AccountSource::AssumeRole {
                        account: account.clone(),
                        role_name: role_name.clone(),
                    }),
            );
        }
        PullRequest {
            aws: AwsOptions {
                profile: base_profile.clone(),
                request_timeout: Duration::from_secs_f64(self.request_timeout.max(0.1)),
            },
            accounts,
            regions: self.regions.clone(),
            all_regions: self.all_regions,
            window,
            attribute: self.attribute.clone(),
            insights: !self.no_insights,
            requests_per_second: self.requests_per_second,
            stop: Arc::new(AtomicBool::new(false)),
            fetch: FetchOptions {
                chains: self.chains,
                backoff: Duration::from_millis(self.backoff_ms),
            },
        }
    }
}

/// Progress on stderr: a line per region that updates in place on a terminal, every ten seconds
/// otherwise.
struct CliProgress {
    quiet: bool,
    bars: Option<(MultiProgress, Vec<ProgressBar>)>,
    last_line: std::time::Instant,
}

impl CliProgress {
    fn print(&self, line: &str) {
        match &self.bars {
            Some((multi, _)) => {
                let _ = multi.println(line);
            }
            None => eprintln!("{line}"),
        }
    }
}

impl PullObserver for CliProgress {
    fn started(&mut self, accounts: &[String], window: Span, regions: &[String]) {
        if self.quiet {
            return;
        }
        let accounts = match accounts {
            [one] => format!("account {one}"),
            several => format!("accounts {}", several.join(", ")),
        };
        eprintln!(
            "pulling {}, {} region{}, {} .. {}",
            terminal_safe(&accounts),
            regions.len(),
            if regions.len() == 1 { "" } else { "s" },
            window.start.format("%Y-%m-%d %H:%M:%SZ"),
            window.end.format("%Y-%m-%d %H:%M:%SZ")
        );
        if std::io::stderr().is_terminal() {
            let multi = MultiProgress::new();
            let style = ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let bars = regions
                .iter()
                .map(|_| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(style.clone());
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                })
                .collect();
            self.bars = Some((multi, bars));
        }
    }

    fn tick(&mut self, regions: &[RegionSnapshot]) {
        if self.quiet {
            return;
        }
        match &self.bars {
            Some((_, bars)) => {
                for (bar, region) in bars.iter().zip(regions) {
                    bar.set_message(region.line());
                }
            }
            None if self.last_line.elapsed() >= Duration::from_secs(10) => {
                self.last_line = std::time::Instant::now();
                eprintln!("  {}", status_line(regions));
            }
            None => {}
        }
    }

    fn problem(&mut self, line: &str) {
        self.print(&format!("warning: {}", terminal_safe(line)));
    }
}

/// Ctrl-C (or SIGTERM) sets `stop`; a second Ctrl-C exits at once.
pub(crate) fn stop_on_ctrl_c(stop: &Arc<AtomicBool>) {
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, stop.clone());
        let _ = signal_hook::flag::register(signal, stop.clone());
    }
    #[cfg(not(unix))]
    let _ = stop;
}

/// Waits `interval`, or less when `stop` is set.
fn wait_or_stop(interval: Duration, stop: &AtomicBool) {
    let until = Instant::now() + interval;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn run(
    index_dir: &Path,
    args: &PullArgs,
    rules: &super::rules::RuleOptions,
    quiet: bool,
) -> anyhow::Result<i32> {
    let index = TrailIndex::open_or_create(index_dir)?;
    let detector = if args.no_rules {
        None
    } else {
        Some(Arc::new(super::rules::detector(rules)?))
    };
    let request = args.request();
    stop_on_ctrl_c(&request.stop);
    loop {
        let mut progress = CliProgress {
            quiet,
            bars: None,
            last_line: Instant::now(),
        };
        let outcome = run_pull(&index, &request, detector.clone(), &mut progress);
        if let Some((_, bars)) = &progress.bars {
            for bar in bars {
                bar.finish_and_clear();
            }
        }
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                eprintln!("trailhound: pull: {}", terminal_safe(&error.to_string()));
                return Ok(exit::FAILURE);
            }
        };
        print_outcome(&outcome, quiet);
        let regions = outcome.regions.len() + outcome.failed_accounts.len();
        let failed = outcome.failed_regions().count() + outcome.failed_accounts.len();
        let status = if failed == 0 {
            exit::OK
        } else if failed < regions {
            exit::PARTIAL
        } else {
            exit::FAILURE
        };
        if !args.follow || request.stop.load(Ordering::Relaxed) {
            return Ok(status);
        }
        wait_or_stop(args.interval, &request.stop);
        if request.stop.load(Ordering::Relaxed) {
            return Ok(status);
        }
    }
}

fn print_outcome(outcome: &PullOutcome, quiet: bool) {
    for (account, reason) in &outcome.failed_accounts {
        eprintln!("trailhound: pull: {account}: {}", terminal_safe(reason));
    }
    for (region, reason) in outcome.failed_regions() {
        eprintln!("trailhound: pull: {region}: {}", terminal_safe(reason));
    }
    if !quiet {
        for region in &outcome.regions {
            eprintln!("  {}", region.line());
        }
    }
    let received: u64 = outcome.regions.iter().map(|r| r.received).sum();
    let pages: u64 = outcome.regions.iter().map(|r| r.pages).sum();
    let throttles: u64 = outcome.regions.iter().map(|r| r.throttles).sum();
    let ok = outcome.regions.len() - outcome.failed_regions().count();
    let accounts = match outcome.accounts.len() + outcome.failed_accounts.len() {
        1 => String::new(),
        all => format!(" of {} of {all} accounts", outcome.accounts.len()),
    };
    let mut line = format!(
        "pulled {} events ({} new, {} duplicates, {} rebuilt) in {} pages from {ok} of {} regions{accounts} in {:.1} s, {} throttled",
        thousands(received),
        thousands(outcome.sink.new),
        thousands(outcome.sink.duplicates),
        thousands(outcome.sink.warnings),
        thousands(pages),
        outcome.regions.len(),
        outcome.elapsed.as_secs_f64(),
        thousands(throttles),
    );
    if let (Some(first), Some(after_answer)) = (
        outcome.first_event_searchable,
        outcome.sink.first_searchable_after_arrival,
    ) {
        line.push_str(&format!(
            "; first event searchable after {:.2} s ({:.2} s after its page arrived)",
            first.as_secs_f64(),
            after_answer.as_secs_f64()
        ));
    }
    line.push_str(&format!("; alerts {}", thousands(outcome.sink.alerts)));
    println!("{line}");
}
