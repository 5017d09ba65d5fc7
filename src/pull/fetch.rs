//! Pages LookupEvents for one region: its chains share the region's slices (see `work`) behind
//! one pacer; each page is retried until it arrives, then handed to the feed with the checkpoint
//! it advances.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_cloudtrail::primitives::DateTime as AwsDateTime;
use aws_sdk_cloudtrail::types::{EventCategory, LookupAttribute, LookupAttributeKey};
use chrono::{DateTime, Utc};
use rand::Rng;

use super::aws::{classify, CallFailure};
use super::pacer::Pacer;
use super::plan::{settled_end, Slice};
use super::progress::RegionProgress;
use super::record::{delivery_of, LookupEvent};
use super::work::{Job, RegionWork};
use crate::index::coverage::{PullAccess, SliceMark, Span};
use crate::source::Feed;

/// Where pages go: the feed of the one writer.
pub type SharedFeed = Arc<dyn Feed + Send + Sync>;

/// Give up on one page after this many failed attempts in a row (its slice stays resumable).
const MAX_ATTEMPTS: u32 = 12;
/// ... or once it has been failing this long, so that a pull to an endpoint that does not answer
/// ends in a time the user is told (at most this plus one request's timeout).
pub const GIVE_UP_AFTER: Duration = Duration::from_secs(90);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
const PAGE_SIZE: i32 = 50;
const IDLE_CHAIN_WAIT: Duration = Duration::from_millis(200);

/// How one region is paged.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Concurrent chains (slices) per region; they share the region's pacer.
    pub chains: usize,
    /// First retry delay; doubles per attempt, with jitter.
    pub backoff: Duration,
}

/// A region's work and its shared state.
pub struct RegionJob {
    pub region: String,
    pub client: aws_sdk_cloudtrail::Client,
    pub work: RegionWork,
    pub pacer: Arc<Pacer>,
    pub progress: Arc<RegionProgress>,
    /// How the account was reached: its profile names it in messages, and checkpoints keep it.
    pub access: PullAccess,
}

/// How a region's pull ended: `None` when every slice finished, else why it stopped.
pub async fn run_region(job: RegionJob, options: FetchOptions, feed: SharedFeed) -> Option<String> {
    let stopped = Arc::new(AtomicBool::new(false));
    let job = Arc::new(job);
    let mut chains = tokio::task::JoinSet::new();
    for _ in 0..options.chains.max(1) {
        let (job, options, feed, stopped) =
            (job.clone(), options.clone(), feed.clone(), stopped.clone());
        chains.spawn(async move {
            while !stopped.load(Ordering::Relaxed) {
                let Some(next) = job.work.next_job() else {
                    if job.work.finished() {
                        break;
                    }
                    tokio::time::sleep(IDLE_CHAIN_WAIT).await;
                    continue;
                };
                let outcome = run_slice(&job, &options, &next, &feed, &stopped).await;
                job.work.job_done(&next);
                if outcome.is_err() {
                    stopped.store(true, Ordering::Relaxed);
                    return outcome;
                }
            }
            Ok(())
        });
    }
    let mut failure = None;
    while let Some(done) = chains.join_next().await {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => {
                failure.get_or_insert(reason);
            }
            Err(panic) => {
                failure.get_or_insert(format!("internal error: {panic}"));
            }
        }
    }
    failure
}

fn aws_time(time: DateTime<Utc>) -> AwsDateTime {
    AwsDateTime::from_secs(time.timestamp())
}

fn backoff(options: &FetchOptions, attempt: u32) -> Duration {
    let ceiling = options
        .backoff
        .saturating_mul(1 << attempt.min(10))
        .min(MAX_BACKOFF);
    let low = ceiling / 2;
    low + ceiling.mul_f64(rand::rng().random::<f64>() / 2.0)
}

async fn run_slice(
    job: &RegionJob,
    options: &FetchOptions,
    next: &Job,
    feed: &SharedFeed,
    stopped: &AtomicBool,
) -> Result<(), String> {
    let Slice {
        key,
        mut request,
        resume_token,
        mut oldest_loaded,
        ..
    } = next.slice.clone();
    let mut token = resume_token;
    let attribute = key.attribute.as_deref().and_then(|a| a.split_once('='));
    let mut attempt = 0;
    let mut failing_since: Option<Instant> = None;
    if next.split {
        job.progress.split();
    }
    job.progress
        .slice_started(next.active.span(), oldest_loaded);
    loop {
        if stopped.load(Ordering::Relaxed) {
            return Ok(());
        }
        job.pacer.wait().await;
        let mut call = job
            .client
            .lookup_events()
            .start_time(aws_time(request.start))
            .end_time(aws_time(request.end))
            .max_results(PAGE_SIZE)
            .set_next_token(token.clone());
        if key.category == "insight" {
            call = call.event_category(EventCategory::Insight);
        }
        if let Some((name, value)) = attribute {
            call = call.lookup_attributes(
                LookupAttribute::builder()
                    .attribute_key(LookupAttributeKey::from(name))
                    .attribute_value(value)
                    .build()
                    .map_err(|e| e.to_string())?,
            );
        }
        let sent = Instant::now();
        job.work.call_sent(sent);
        let answer = call.send().await;
        let answered = Instant::now();
        job.work.call_done(sent, answer.is_ok());
        match answer {
            Ok(output) => {
                attempt = 0;
                failing_since = None;
                let events: Vec<LookupEvent> =
                    output.events().iter().map(LookupEvent::from_sdk).collect();
                let page_oldest = events.iter().filter_map(|e| e.time).min();
                if let Some(oldest) = page_oldest {
                    oldest_loaded = Some(oldest_loaded.map_or(oldest, |o| o.min(oldest)));
                }
                let page_newest = events.iter().filter_map(|e| e.time).max();
                next.active.paged(events.len(), page_newest, page_oldest);
                // Another chain may have taken the older part of this slice meanwhile.
                let span = next.active.span();
                let crossed = oldest_loaded.is_some_and(|oldest| oldest < span.start);
                token = output
                    .next_token()
                    .filter(|t| !t.is_empty() && !crossed)
                    .map(str::to_owned);
                job.progress
                    .page_received(events.len(), span, oldest_loaded, token.is_none());
                let mark = SliceMark {
                    key: key.clone(),
                    span,
                    request,
                    next_token: token.clone(),
                    oldest_loaded,
                    settled: token
                        .is_none()
                        .then(|| settled_end(span, Utc::now()))
                        .flatten(),
                    access: job.access.clone(),
                };
                let delivery = delivery_of(&events, mark, answered);
                // Turning the page into documents is CPU work, and the feed may wait for the
                // writer: neither may hold up the runtime's other tasks.
                tokio::task::block_in_place(|| feed.delivery(delivery));
                if feed.cancelled() {
                    return Err("the index writer stopped".into());
                }
                if token.is_none() {
                    return Ok(());
                }
            }
            Err(error) => {
                let failure = classify(&error, &job.region, job.access.profile.as_deref());
                attempt += 1;
                match failure {
                    CallFailure::Throttled => {
                        job.progress.throttled();
                        job.pacer.hold_off(backoff(options, attempt));
                    }
                    CallFailure::Transient(reason) => {
                        let failing = failing_since.get_or_insert(sent).elapsed();
                        let delay = backoff(options, attempt);
                        if failing + delay > GIVE_UP_AFTER {
                            return Err(format!(
                                "no page for {} s ({attempt} attempts, last: {reason}); gave up, pull again to resume",
                                failing.as_secs()
                            ));
                        }
                        job.progress.retried(&reason);
                        job.progress.notice(format!(
                            "{}: {reason}; retry {attempt} in {:.1} s (gives up {} s after the first failure)",
                            job.region,
                            delay.as_secs_f64(),
                            GIVE_UP_AFTER.as_secs()
                        ));
                        tokio::time::sleep(delay).await;
                    }
                    CallFailure::StaleToken => {
                        // The rest of the slice, re-asked with a fresh window; its boundary
                        // page comes again and dedupes.
                        let span = next.active.span();
                        request = Span {
                            start: span.start,
                            end: oldest_loaded.unwrap_or(span.end),
                        };
                        token = None;
                        job.progress
                            .retried("stale NextToken; resuming with a fresh window");
                    }
                    CallFailure::Region(reason) => return Err(reason),
                    CallFailure::Invalid(reason) => {
                        let span = next.active.span();
                        return Err(format!("{reason} (slice {} .. {})", span.start, span.end));
                    }
                }
                if attempt >= MAX_ATTEMPTS {
                    return Err(format!(
                        "gave up after {MAX_ATTEMPTS} failed attempts on one page; pull again to resume"
                    ));
                }
            }
        }
    }
}
