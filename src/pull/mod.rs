//! The live source: the 90-day event history, paged from LookupEvents region by region into the
//! index as pages arrive, paced under the per-region quota, checkpointed and resumable.
//!
//! Flow: `plan` turns the window and the index's coverage into slices per region (one per gap:
//! cost follows events, not the window); one tokio task per region pages them (`fetch`, behind
//! its `Pacer`; `work` splits a slice where the pages show dense history and calls are slow);
//! every page goes to the ingest feed as a delivery with the checkpoint it advances, and the one
//! writer (`ingest::write_batches`) indexes, detects and commits them together.
mod accounts;
pub(crate) mod aws;
mod fetch;
mod pacer;
mod plan;
mod progress;
mod record;
mod target;
mod work;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

pub use accounts::AccountSource;
pub use aws::{AwsOptions, COMMERCIAL_REGIONS};
pub use fetch::FetchOptions;
pub use plan::LATE_DELIVERY;
pub use progress::{RegionSnapshot, RegionState};
pub use record::{record_of, source_name, LookupEvent};
pub use target::lookup_username;

use crate::detect::Detector;
use crate::index::activity::{self, ActivityReport};
use crate::index::coverage::{Checkpoint, PullKey, Span};
use crate::index::{EventWriter, IndexError, TrailIndex};
use crate::ingest::{write_batches, IngestObserver, IngestSummary, PipelineFeed, SinkOptions};
use crate::source::Problem;
use crate::units::thousands;
use progress::RegionProgress;

/// Pages become searchable at least this often.
const COMMIT_INTERVAL: Duration = Duration::from_secs(1);

/// LookupEvents keeps 90 days.
pub const HISTORY_DAYS: i64 = 90;

/// Which part of the history to pull.
#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    /// From this long ago until now.
    Since(chrono::Duration),
    Between(DateTime<Utc>, DateTime<Utc>),
}

#[derive(Debug, Clone)]
pub struct PullRequest {
    /// The base credentials (default chain or profile) and SDK settings.
    pub aws: AwsOptions,
    /// The accounts to pull, in parallel; empty means the one the base credentials belong to.
    pub accounts: Vec<AccountSource>,
    /// Explicit regions; empty means `all_regions` or the configured region.
    pub regions: Vec<String>,
    pub all_regions: bool,
    pub window: Window,
    /// One lookup attribute, `Key=Value` (Username, AccessKeyId, EventName, ...).
    pub attribute: Option<String>,
    /// Also pull Insights events (`EventCategory=insight`) in the same run.
    pub insights: bool,
    /// The quota per (account, region); the service allows 2.
    pub requests_per_second: f64,
    pub fetch: FetchOptions,
    /// Set (by Ctrl-C) to stop paging: what arrived is committed with its checkpoints.
    pub stop: Arc<AtomicBool>,
}

/// Why a pull could not start, or had to stop as a whole.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// What a finished pull did, per account and region and in total.
#[derive(Debug)]
pub struct PullOutcome {
    /// The accounts pulled.
    pub accounts: Vec<String>,
    /// Accounts that could not be pulled at all: (how the user named it, why).
    pub failed_accounts: Vec<(String, String)>,
    pub window: Span,
    pub regions: Vec<RegionSnapshot>,
    /// What the writer did: new, duplicates, rebuilt events (warnings), alerts.
    pub sink: IngestSummary,
    /// From the start of the pull to the first new event being searchable.
    pub first_event_searchable: Option<Duration>,
    pub elapsed: Duration,
}

impl PullOutcome {
    /// (account and region as shown, why) for every region that stopped.
    pub fn failed_regions(&self) -> impl Iterator<Item = (&str, &str)> {
        self.regions.iter().filter_map(|r| match &r.state {
            RegionState::Failed(reason) => Some((r.label.as_str(), reason.as_str())),
            _ => None,
        })
    }
}

/// Hears about a pull as it runs.
pub trait PullObserver {
    /// The accounts reached, the window, and each (account, region) as it will be shown.
    fn started(&mut self, _accounts: &[String], _window: Span, _regions: &[String]) {}
    /// About four times a second with every region's progress.
    fn tick(&mut self, _regions: &[RegionSnapshot]) {}
    fn problem(&mut self, _line: &str) {}
}

/// The window `request` asks for, frozen at `now` (a token is only valid with the exact
/// parameters it was issued for, so the window must never be recomputed mid-pull).
pub fn resolve_window(window: &Window, now: DateTime<Utc>) -> Result<Span, String> {
    let now = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let oldest = now - chrono::Duration::days(HISTORY_DAYS);
    let (start, end) = match window {
        Window::Since(age) => (now - *age, now),
        Window::Between(start, end) => (*start, (*end).min(now)),
    };
    let start = start.max(oldest);
    if start > end {
        return Err(format!(
            "the window {start} .. {end} is empty (LookupEvents keeps {HISTORY_DAYS} days, until now)"
        ));
    }
    Ok(Span { start, end })
}

async fn resolve_regions(request: &PullRequest) -> Result<Vec<String>, String> {
    if !request.regions.is_empty() {
        let mut regions = request.regions.clone();
        regions.dedup();
        return Ok(regions);
    }
    if request.all_regions {
        return Ok(COMMERCIAL_REGIONS.iter().map(|r| r.to_string()).collect());
    }
    match aws::configured_region(request.aws.profile.as_deref()).await {
        Some(region) => Ok(vec![region]),
        None => Err(
            "no AWS region configured: pass --region R (repeatable) or --all-regions, or set AWS_REGION or `region` in your profile".to_owned(),
        ),
    }
}

fn categories(request: &PullRequest) -> Vec<&'static str> {
    if request.insights {
        vec!["management", "insight"]
    } else {
        vec!["management"]
    }
}

/// Pulls `request` into `index`, evaluating `detector` on every new event.
pub fn run_pull(
    index: &TrailIndex,
    request: &PullRequest,
    detector: Option<Arc<Detector>>,
    observer: &mut dyn PullObserver,
) -> Result<PullOutcome, PullError> {
    let started = Instant::now();
    let writer = EventWriter::open(index)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| PullError::Setup(format!("cannot start the async runtime: {e}")))?;
    let window = resolve_window(&request.window, Utc::now()).map_err(PullError::Setup)?;
    let regions = runtime
        .block_on(resolve_regions(request))
        .map_err(PullError::Setup)?;
    let (problems_out, problems_in) = crossbeam_channel::unbounded::<String>();
    let (reached, failed_accounts) =
        runtime.block_on(connect_accounts(request, &regions[0], &problems_out));
    for line in problems_in.try_iter() {
        observer.problem(&line);
    }
    if reached.is_empty() {
        let reasons: Vec<String> = match failed_accounts.as_slice() {
            [(_, reason)] => vec![reason.clone()],
            all => all
                .iter()
                .map(|(who, why)| format!("{who}: {why}"))
                .collect(),
        };
        return Err(PullError::Setup(reasons.join("\n")));
    }
    let several = reached.len() > 1;
    let ids: Vec<String> = reached.iter().map(|a| a.id.clone()).collect();

    let coverage = index.coverage()?;
    let mut jobs = Vec::new();
    let mut progress: HashMap<(String, String), Arc<RegionProgress>> = HashMap::new();
    let mut ordered = Vec::new();
    for account in &reached {
        for region in &regions {
            let mut slices = Vec::new();
            for category in categories(request) {
                let key = PullKey {
                    account: account.id.clone(),
                    region: region.clone(),
                    category: category.to_owned(),
                    attribute: request.attribute.clone(),
                };
                slices.extend(plan::plan(&key, window, &coverage));
            }
            let spans: Vec<_> = slices.iter().map(|s| (s.span, s.oldest_loaded)).collect();
            let label = match several {
                true => format!("{} {region}", account.id),
                false => region.clone(),
            };
            let region_progress = Arc::new(RegionProgress::new(region, &label, &spans));
            progress.insert(
                (account.id.clone(), region.clone()),
                region_progress.clone(),
            );
            ordered.push(region_progress.clone());
            jobs.push(fetch::RegionJob {
                region: region.clone(),
                client: aws::cloudtrail_client(&account.config, region),
                work: work::RegionWork::new(
                    slices,
                    request.requests_per_second,
                    request.fetch.chains,
                ),
                pacer: Arc::new(pacer::Pacer::new(request.requests_per_second)),
                progress: region_progress,
                access: account.access.clone(),
            });
        }
    }
    let labels: Vec<String> = ordered.iter().map(|p| p.label.clone()).collect();
    observer.started(&ids, window, &labels);

    let (feed, batches) = PipelineFeed::new(&writer, detector.clone(), Arc::default());
    let feed: fetch::SharedFeed = Arc::new(feed);
    let sink = {
        let index = index.clone();
        let mut writing = PullWriting {
            progress: progress.clone(),
            problems: problems_out.clone(),
        };
        let options = SinkOptions {
            commit_interval: Some(COMMIT_INTERVAL),
            detector,
            ..SinkOptions::default()
        };
        std::thread::spawn(move || {
            write_batches(
                &index,
                writer,
                &options,
                batches,
                IngestSummary::default(),
                &mut writing,
            )
        })
    };
    let mut regions_running = Vec::new();
    for job in jobs {
        let feed = feed.clone();
        let options = request.fetch.clone();
        regions_running.push(runtime.spawn(async move {
            let region_progress = job.progress.clone();
            let failure = fetch::run_region(job, options, feed).await;
            region_progress.finish(match failure {
                None => RegionState::Done,
                Some(reason) => RegionState::Failed(reason),
            });
        }));
    }
    drop(feed);

    let mut activity = ActivityReport::new("pull");
    let mut stopping = false;
    loop {
        if !stopping && request.stop.load(Ordering::Relaxed) {
            // Pages not yet handed to the sink are dropped; their slices resume from the last
            // checkpoint the sink commits as it drains.
            stopping = true;
            for running in &regions_running {
                running.abort();
            }
            for region in &ordered {
                region.finish_unless_done(RegionState::Stopped);
            }
        }
        let done = regions_running.iter().all(|r| r.is_finished()) || sink.is_finished();
        let snapshots: Vec<RegionSnapshot> = ordered.iter().map(|p| p.snapshot()).collect();
        for line in problems_in.try_iter() {
            observer.problem(&line);
        }
        for line in ordered.iter().flat_map(|p| p.take_notices()) {
            observer.problem(&line);
        }
        observer.tick(&snapshots);
        activity.summary = status_line(&snapshots);
        activity.details = snapshots.iter().map(RegionSnapshot::line).collect();
        activity.finished = done;
        let _ = activity::publish(index.dir(), &activity);
        if done {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    if sink.is_finished() {
        for running in &regions_running {
            running.abort();
        }
    }
    runtime.block_on(async {
        for running in regions_running {
            let _ = running.await;
        }
    });
    let sink = sink
        .join()
        .map_err(|_| PullError::Setup("the index writer panicked".into()))??;
    for line in problems_in.try_iter() {
        observer.problem(&line);
    }
    Ok(PullOutcome {
        accounts: ids,
        failed_accounts,
        window,
        regions: ordered.iter().map(|p| p.snapshot()).collect(),
        first_event_searchable: sink.first_searchable.map(|at| at.duration_since(started)),
        sink,
        elapsed: started.elapsed(),
    })
}

/// How the writer's progress reaches a pull's regions and its problem lines.
struct PullWriting {
    progress: HashMap<(String, String), Arc<RegionProgress>>,
    problems: crossbeam_channel::Sender<String>,
}

impl IngestObserver for PullWriting {
    fn problem(&mut self, problem: &Problem) {
        let _ = self.problems.send(problem.to_string());
    }

    fn checkpoint(&mut self, checkpoint: &Checkpoint, new_events: u64) {
        if let Checkpoint::Slice(mark) = checkpoint {
            let at = (mark.key.account.clone(), mark.key.region.clone());
            if let Some(region) = self.progress.get(&at) {
                region.indexed(new_events);
            }
        }
    }
}

/// Every account of `request` reached in parallel, the same account once; and those that could
/// not be, one line each.
async fn connect_accounts(
    request: &PullRequest,
    home_region: &str,
    problems: &crossbeam_channel::Sender<String>,
) -> (Vec<accounts::Account>, Vec<(String, String)>) {
    let base = aws::load(&request.aws, home_region).await;
    let sources = match request.accounts.is_empty() {
        true => vec![AccountSource::Profile(request.aws.profile.clone())],
        false => request.accounts.clone(),
    };
    let mut connecting = tokio::task::JoinSet::new();
    for (order, source) in sources.into_iter().enumerate() {
        let (options, base, home_region, problems) = (
            request.aws.clone(),
            base.clone(),
            home_region.to_owned(),
            problems.clone(),
        );
        connecting.spawn(async move {
            let reached =
                accounts::connect(&source, &options, &base, &home_region, &problems).await;
            (order, reached)
        });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = connecting.join_next().await {
        if let Ok(outcome) = done {
            outcomes.push(outcome);
        }
    }
    outcomes.sort_by_key(|(order, _)| *order);
    let mut reached: Vec<accounts::Account> = Vec::new();
    let mut failed = Vec::new();
    for (_, outcome) in outcomes {
        match outcome {
            Ok(account) if reached.iter().any(|a| a.id == account.id) => {
                let _ = problems.send(format!(
                    "account {} was named twice; it is pulled once",
                    account.id
                ));
            }
            Ok(account) => reached.push(account),
            Err(failure) => failed.push((failure.source, failure.reason)),
        }
    }
    (reached, failed)
}

/// One line for a status bar: totals (events, pages, rate, share of the window, ETA, throttles),
/// e.g. `pull 2 regions: 12,400 events, 248 pages, 98 ev/s, 37%, ETA 2m, 2 throttled`, then each
/// region's share when there are few: `[us-east-1 40% · eu-west-1 34%]`.
pub fn status_line(regions: &[RegionSnapshot]) -> String {
    const REGIONS_SHOWN: usize = 4;
    let received: u64 = regions.iter().map(|r| r.received).sum();
    let pages: u64 = regions.iter().map(|r| r.pages).sum();
    let running: Vec<&RegionSnapshot> = regions
        .iter()
        .filter(|r| r.state == RegionState::Running)
        .collect();
    // An empty f64 sum is -0.0, which would print as "-0".
    let rate: f64 = running.iter().map(|r| r.events_per_second()).sum::<f64>() + 0.0;
    let throttles: u64 = regions.iter().map(|r| r.throttles).sum();
    let fraction = regions.iter().map(|r| r.fraction).sum::<f64>() / regions.len().max(1) as f64;
    let name = match regions {
        [only] => only.label.clone(),
        _ => format!("{} regions", regions.len()),
    };
    let mut line = format!(
        "pull {name}: {} events, {} pages, {:.0} ev/s, {:.0}%",
        thousands(received),
        thousands(pages),
        rate,
        fraction * 100.0
    );
    if let Some(eta) = regions.iter().filter_map(|r| r.eta).max() {
        let eta = Duration::from_secs(eta.as_secs());
        line.push_str(&format!(", ETA {}", humantime::format_duration(eta)));
    }
    if throttles > 0 {
        line.push_str(&format!(", {} throttled", thousands(throttles)));
    }
    if running.is_empty() {
        line.push_str(", finished");
    }
    if regions.len() > 1 && regions.len() <= REGIONS_SHOWN {
        let each: Vec<String> = regions
            .iter()
            .map(|r| match &r.state {
                RegionState::Failed(_) => format!("{} failed", r.label),
                _ => format!("{} {:.0}%", r.label, r.fraction * 100.0),
            })
            .collect();
        line.push_str(&format!(" [{}]", each.join(" · ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(region: &str, state: RegionState, fraction: f64) -> RegionSnapshot {
        RegionSnapshot {
            region: region.into(),
            label: region.into(),
            elapsed: Duration::from_secs(10),
            pages: 20,
            received: 1000,
            new_events: 990,
            throttles: 1,
            retries: 0,
            splits: 0,
            fraction,
            eta: Some(Duration::from_secs(100)),
            last_retry: None,
            state,
        }
    }

    #[test]
    fn the_status_line_has_totals_and_each_regions_share() {
        let line = status_line(&[
            snapshot("us-east-1", RegionState::Running, 0.5),
            snapshot("eu-west-1", RegionState::Failed("denied".into()), 0.0),
        ]);
        assert_eq!(
            line,
            "pull 2 regions: 2,000 events, 40 pages, 100 ev/s, 25%, ETA 1m 40s, 2 throttled \
             [us-east-1 50% · eu-west-1 failed]"
        );
        let one = status_line(&[snapshot("us-east-1", RegionState::Done, 1.0)]);
        assert!(
            one.starts_with("pull us-east-1: 1,000 events, 20 pages"),
            "{one}"
        );
        assert!(one.contains("finished"), "{one}");
    }

    #[test]
    fn a_window_is_frozen_clamped_to_the_history_and_never_empty() {
        let now = DateTime::from_timestamp(1_800_000_000, 500).unwrap();
        let span = resolve_window(&Window::Since(chrono::Duration::days(400)), now).unwrap();
        assert_eq!(
            span.end,
            DateTime::from_timestamp(1_800_000_000, 0).unwrap()
        );
        assert_eq!(span.end - span.start, chrono::Duration::days(HISTORY_DAYS));
        let backwards = Window::Between(now, now - chrono::Duration::days(1));
        assert!(resolve_window(&backwards, now).is_err());
    }
}
