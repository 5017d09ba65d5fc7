//! The slices of one region and how its chains share them.
//!
//! One chain paging one slice is bounded by the call latency (a busy account's calls take
//! seconds), so a region keeps as many chains busy as it takes to fill its 2 requests/s: about
//! latency x rate. Planned slices are taken first; after that an idle chain splits the running
//! slice expected to hold the most pages: it takes the older half of what is not loaded yet, and
//! the owner stops once its pages cross into that half. A split costs about one page (the
//! boundary), so a slice is split only once its own pages show that what is left of it is dense
//! (at the density of the events paged so far, at least `MIN_SPLIT_PAGES` pages): never blind,
//! and never when calls are fast enough for one chain. A split keeps the owner's frozen request
//! (and token) unchanged, so checkpoints stay valid.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

use super::plan::Slice;
use crate::index::coverage::{PullKey, Span};

/// Ranges expected to hold fewer pages than this are not worth a second chain: every split
/// costs a partly filled page at its boundary.
const MIN_SPLIT_PAGES: f64 = 4.0;
/// A split leaves its owner at least this many pages (at the density it is paging now).
const MIN_KEEP_PAGES: f64 = 8.0;
const PAGE_EVENTS: f64 = 50.0;

/// A slice some chain is paging. Its end identifies it; its start rises when it is split.
pub struct ActiveSlice {
    pub key: PullKey,
    pub end: DateTime<Utc>,
    start: Mutex<DateTime<Utc>>,
    loaded: Mutex<Loaded>,
}

/// How far back a running slice has paged, how many events that took, and how dense its last
/// full page was.
#[derive(Default)]
struct Loaded {
    oldest: Option<DateTime<Utc>>,
    events: u64,
    /// Events per second in the last full page (a burst shows here before the average).
    local_density: Option<f64>,
}

/// What is left of a running slice, as far as its pages tell.
struct Unloaded {
    /// From the slice's start up to the oldest event paged so far.
    length: Duration,
    top: DateTime<Utc>,
    /// Pages expected at the slice's average density so far (unknown before its first events).
    pages_on_average: Option<f64>,
    /// Pages expected at the density of its last full page.
    pages_locally: Option<f64>,
    local_density: Option<f64>,
}

impl Unloaded {
    /// The pages to expect: the higher estimate (a burst may be under way).
    fn pages(&self) -> Option<f64> {
        match (self.pages_on_average, self.pages_locally) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

impl ActiveSlice {
    pub fn span(&self) -> Span {
        Span {
            start: *self.start.lock().unwrap(),
            end: self.end,
        }
    }

    /// A page of `events` events, from `newest` back to `oldest`.
    pub fn paged(
        &self,
        events: usize,
        newest: Option<DateTime<Utc>>,
        oldest: Option<DateTime<Utc>>,
    ) {
        let mut loaded = self.loaded.lock().unwrap();
        loaded.events += events as u64;
        if let Some(oldest) = oldest {
            loaded.oldest = Some(loaded.oldest.map_or(oldest, |o| o.min(oldest)));
        }
        if let (Some(newest), Some(oldest)) = (newest, oldest) {
            if events as f64 >= PAGE_EVENTS {
                let seconds = (newest - oldest).num_seconds().max(1) as f64;
                loaded.local_density = Some(events as f64 / seconds);
            }
        }
    }

    fn unloaded_given(&self, start: DateTime<Utc>) -> Unloaded {
        let loaded = self.loaded.lock().unwrap();
        let top = loaded.oldest.unwrap_or(self.end);
        let length = top - start;
        let seconds = length.num_seconds().max(0) as f64;
        let seconds_loaded = (self.end - top).num_seconds();
        Unloaded {
            length,
            top,
            pages_on_average: (loaded.events > 0 && seconds_loaded > 0)
                .then(|| seconds * loaded.events as f64 / seconds_loaded as f64 / PAGE_EVENTS),
            pages_locally: loaded.local_density.map(|d| seconds * d / PAGE_EVENTS),
            local_density: loaded.local_density,
        }
    }

    /// Worth splitting: the pages expected in what is left, once the slice's own pages tell.
    fn split_worth(&self) -> Option<f64> {
        let start = *self.start.lock().unwrap();
        let unloaded = self.unloaded_given(start);
        if unloaded.length < Duration::seconds(2) {
            return None;
        }
        unloaded.pages().filter(|pages| *pages >= MIN_SPLIT_PAGES)
    }
}

/// Where to split what is left of a slice: halfway back in time, unless the chain is paging
/// something much denser than that (a burst): then it keeps its share of the pages expected
/// (at least `MIN_KEEP_PAGES`) at the density it is paging, and the new chain takes the rest.
fn split_point(unloaded: &Unloaded, start: DateTime<Utc>, chains: usize) -> DateTime<Utc> {
    let middle = start + unloaded.length / 2;
    let Some(density) = unloaded.local_density else {
        return middle;
    };
    let share = unloaded.pages_on_average.unwrap_or(0.0) / chains.max(1) as f64;
    let keep_seconds = share.max(MIN_KEEP_PAGES) * PAGE_EVENTS / density;
    let keep = unloaded.top - Duration::seconds(keep_seconds.ceil() as i64);
    keep.max(middle).max(start + Duration::seconds(1))
}

pub struct RegionWork {
    pending: Mutex<VecDeque<Slice>>,
    active: Mutex<Vec<Arc<ActiveSlice>>>,
    busy_chains: AtomicUsize,
    /// Smoothed seconds per successful call.
    latency: Mutex<f64>,
    /// When each call now waiting for its answer was sent: a slow first answer shows before it
    /// arrives.
    in_flight: Mutex<Vec<Instant>>,
    requests_per_second: f64,
    max_chains: usize,
}

/// A chain's next job: a slice and the shared record of how far it got.
pub struct Job {
    pub slice: Slice,
    pub active: Arc<ActiveSlice>,
    /// The slice was split off a running one.
    pub split: bool,
}

impl RegionWork {
    pub fn new(slices: Vec<Slice>, requests_per_second: f64, max_chains: usize) -> RegionWork {
        RegionWork {
            pending: Mutex::new(slices.into()),
            active: Mutex::new(Vec::new()),
            busy_chains: AtomicUsize::new(0),
            latency: Mutex::new(0.0),
            in_flight: Mutex::new(Vec::new()),
            requests_per_second,
            max_chains: max_chains.max(1),
        }
    }

    /// A call was sent at `sent`; `call_done` must follow.
    pub fn call_sent(&self, sent: Instant) {
        self.in_flight.lock().unwrap().push(sent);
    }

    /// The call sent at `sent` ended; `answered` when it brought a page.
    pub fn call_done(&self, sent: Instant, answered: bool) {
        let mut in_flight = self.in_flight.lock().unwrap();
        if let Some(position) = in_flight.iter().position(|s| *s == sent) {
            in_flight.swap_remove(position);
        }
        drop(in_flight);
        if answered {
            self.record_latency(sent.elapsed().as_secs_f64());
        }
    }

    fn record_latency(&self, seconds: f64) {
        let mut latency = self.latency.lock().unwrap();
        *latency = if *latency == 0.0 {
            seconds
        } else {
            0.7 * *latency + 0.3 * seconds
        };
    }

    /// Chains needed to keep the region at its rate with calls this slow: one while a call
    /// takes less than the pacing interval, then a quarter more than latency x rate, as calls
    /// vary.
    fn chains_needed(&self) -> usize {
        let waiting = self
            .in_flight
            .lock()
            .unwrap()
            .iter()
            .map(|sent| sent.elapsed().as_secs_f64())
            .fold(0.0, f64::max);
        let latency = self.latency.lock().unwrap().max(waiting);
        ((latency * self.requests_per_second * 1.25).ceil() as usize).clamp(1, self.max_chains)
    }

    /// The next job for an idle chain: a planned slice, else half of a running one when the
    /// region needs another chain; `None` to wait (or stop, when `finished`).
    pub fn next_job(&self) -> Option<Job> {
        let mut active = self.active.lock().unwrap();
        let planned = self.pending.lock().unwrap().pop_front();
        let split = planned.is_none();
        let slice = match planned {
            Some(slice) => slice,
            None => {
                if self.busy_chains.load(Ordering::SeqCst) >= self.chains_needed() {
                    return None;
                }
                let widest = active
                    .iter()
                    .filter_map(|a| a.split_worth().map(|worth| (worth, a)))
                    .max_by(|a, b| a.0.total_cmp(&b.0))?
                    .1
                    .clone();
                let chains = self.chains_needed();
                let mut start = widest.start.lock().unwrap();
                let middle = split_point(&widest.unloaded_given(*start), *start, chains);
                let middle = DateTime::from_timestamp(middle.timestamp(), 0).unwrap_or(middle);
                let taken = Span {
                    start: *start,
                    end: middle - Duration::seconds(1),
                };
                *start = middle;
                Slice {
                    key: widest.key.clone(),
                    span: taken,
                    request: taken,
                    resume_token: None,
                    oldest_loaded: None,
                }
            }
        };
        let running = Arc::new(ActiveSlice {
            key: slice.key.clone(),
            end: slice.span.end,
            start: Mutex::new(slice.span.start),
            loaded: Mutex::new(Loaded {
                oldest: slice.oldest_loaded,
                ..Loaded::default()
            }),
        });
        active.push(running.clone());
        self.busy_chains.fetch_add(1, Ordering::SeqCst);
        Some(Job {
            slice,
            active: running,
            split,
        })
    }

    /// The chain that ran `job` is idle again.
    pub fn job_done(&self, job: &Job) {
        self.active
            .lock()
            .unwrap()
            .retain(|a| !Arc::ptr_eq(a, &job.active));
        self.busy_chains.fetch_sub(1, Ordering::SeqCst);
    }

    /// No slice is planned or running.
    pub fn finished(&self) -> bool {
        self.pending.lock().unwrap().is_empty() && self.active.lock().unwrap().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + minute * 60, 0).unwrap()
    }

    fn slice(from: i64, to: i64) -> Slice {
        let span = Span {
            start: at(from),
            end: at(to),
        };
        Slice {
            key: PullKey {
                account: "1".into(),
                region: "us-east-1".into(),
                category: "management".into(),
                attribute: None,
            },
            span,
            request: span,
            resume_token: None,
            oldest_loaded: None,
        }
    }

    #[test]
    fn planned_slices_come_first_then_slow_calls_split_the_widest_running_one() {
        let work = RegionWork::new(vec![slice(0, 600)], 2.0, 8);
        let first = work.next_job().unwrap();
        assert_eq!(first.slice.span.end, at(600));
        assert!(!first.split);
        assert!(work.next_job().is_none(), "fast calls: one chain is enough");

        let sent = Instant::now() - std::time::Duration::from_secs(3);
        work.call_sent(sent);
        work.call_done(sent, true);
        first.active.paged(250, None, Some(at(400)));
        let second = work.next_job().unwrap();
        assert!(second.split);
        assert_eq!(second.slice.span.start, at(0));
        assert_eq!(second.slice.span.end, at(200) - Duration::seconds(1));
        assert_eq!(first.active.span().start, at(200));
        assert_eq!(second.slice.request, second.slice.span);

        work.job_done(&first);
        work.job_done(&second);
        assert!(work.finished());
    }

    #[test]
    fn calls_faster_than_the_pacing_never_split() {
        let work = RegionWork::new(vec![slice(0, 6000)], 2.0, 8);
        let first = work.next_job().unwrap();
        for _ in 0..5 {
            let sent = Instant::now() - std::time::Duration::from_millis(300);
            work.call_sent(sent);
            work.call_done(sent, true);
        }
        first.active.paged(50, None, Some(at(5990)));
        assert!(work.next_job().is_none());
    }

    #[test]
    fn a_slow_first_answer_does_not_split_a_slice_blind() {
        let work = RegionWork::new(vec![slice(0, 600)], 2.0, 8);
        let first = work.next_job().unwrap();
        work.call_sent(Instant::now() - std::time::Duration::from_secs(2));
        assert!(
            work.next_job().is_none(),
            "nothing is known of the slice's density yet"
        );
        first.active.paged(50, None, Some(at(590)));
        assert!(work.next_job().is_some(), "dense: split");
    }

    #[test]
    fn a_range_expected_to_hold_only_a_few_pages_is_not_split() {
        let work = RegionWork::new(vec![slice(0, 600)], 2.0, 8);
        let first = work.next_job().unwrap();
        work.call_sent(Instant::now() - std::time::Duration::from_secs(3));
        first.active.paged(50, None, Some(at(500)));
        assert!(work.next_job().is_some(), "about 10 pages left: split");
        let sparse = RegionWork::new(vec![slice(0, 600)], 2.0, 8);
        let only = sparse.next_job().unwrap();
        sparse.call_sent(Instant::now() - std::time::Duration::from_secs(3));
        only.active.paged(20, None, Some(at(500)));
        assert!(
            sparse.next_job().is_none(),
            "about 2 pages left: not worth a split"
        );
    }

    #[test]
    fn a_chain_inside_a_burst_keeps_a_few_pages_and_gives_away_the_rest() {
        let work = RegionWork::new(vec![slice(0, 6000)], 2.0, 8);
        let first = work.next_job().unwrap();
        work.call_sent(Instant::now() - std::time::Duration::from_secs(3));
        let top = at(5000);
        first
            .active
            .paged(50, Some(top + Duration::seconds(50)), Some(top));
        let second = work.next_job().expect("a burst is worth a split");
        assert_eq!(
            second.slice.span.end,
            top - Duration::seconds(8 * 50) - Duration::seconds(1),
            "the owner keeps 8 pages at the burst's density, not half of 83 hours"
        );
    }

    #[test]
    fn a_dense_range_of_a_few_seconds_is_still_split() {
        let work = RegionWork::new(vec![slice(0, 15)], 2.0, 8);
        let only = work.next_job().unwrap();
        work.call_sent(Instant::now() - std::time::Duration::from_secs(3));
        only.active
            .paged(50, Some(at(15)), Some(at(15) - Duration::seconds(5)));
        assert!(work.next_job().is_some());
    }
}
