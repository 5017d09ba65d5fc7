//! The slices of one region and how its chains share them.
//!
//! One chain paging one slice is bounded by the call latency (a busy account's calls take
//! seconds), so a region keeps as many chains busy as it takes to fill its 2 requests/s: about
//! latency x rate, plus one. Planned slices are taken first; after that an idle chain splits the
//! running slice with the most history left: it takes the older half of what is not loaded yet,
//! and the owner stops once its pages cross into that half. A split keeps the owner's frozen
//! request (and token) unchanged, so checkpoints stay valid.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};

use super::plan::Slice;
use crate::index::coverage::{PullKey, Span};

/// Ranges shorter than this are not worth a second chain.
const MIN_SPLIT: Duration = Duration::minutes(10);
/// Nor are ranges expected to hold fewer pages than this (judged by the density paged so far):
/// every split costs a partly filled page at its boundary.
const MIN_SPLIT_PAGES: f64 = 4.0;
const PAGE_EVENTS: f64 = 50.0;

/// A slice some chain is paging. Its end identifies it; its start rises when it is split.
pub struct ActiveSlice {
    pub key: PullKey,
    pub end: DateTime<Utc>,
    start: Mutex<DateTime<Utc>>,
    loaded: Mutex<Loaded>,
}

/// How far back a running slice has paged, and how many events that took.
#[derive(Default)]
struct Loaded {
    oldest: Option<DateTime<Utc>>,
    events: u64,
}

impl ActiveSlice {
    pub fn span(&self) -> Span {
        Span {
            start: *self.start.lock().unwrap(),
            end: self.end,
        }
    }

    /// A page of `events` events reached back to `oldest`.
    pub fn paged(&self, events: usize, oldest: Option<DateTime<Utc>>) {
        let mut loaded = self.loaded.lock().unwrap();
        loaded.events += events as u64;
        if let Some(oldest) = oldest {
            loaded.oldest = Some(loaded.oldest.map_or(oldest, |o| o.min(oldest)));
        }
    }

    /// What is not loaded yet, from `start` up to the oldest event paged so far, and how many
    /// pages it should take at the density seen so far (unknown before the first events).
    fn unloaded_given(&self, start: DateTime<Utc>) -> (Duration, Option<f64>) {
        let loaded = self.loaded.lock().unwrap();
        let top = loaded.oldest.unwrap_or(self.end);
        let unloaded = top - start;
        let seconds_loaded = (self.end - top).num_seconds();
        let pages = (loaded.events > 0 && seconds_loaded > 0).then(|| {
            unloaded.num_seconds() as f64 * loaded.events as f64
                / seconds_loaded as f64
                / PAGE_EVENTS
        });
        (unloaded, pages)
    }

    /// Worth splitting: the expected pages left (time left, before any density is known).
    fn split_worth(&self) -> Option<f64> {
        let start = *self.start.lock().unwrap();
        let (unloaded, pages) = self.unloaded_given(start);
        if unloaded < MIN_SPLIT * 2 {
            return None;
        }
        match pages {
            Some(pages) if pages < MIN_SPLIT_PAGES => None,
            Some(pages) => Some(pages),
            None => Some(f64::MAX),
        }
    }
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

    /// Chains needed to keep the region at its rate with calls this slow.
    fn chains_needed(&self) -> usize {
        let waiting = self
            .in_flight
            .lock()
            .unwrap()
            .iter()
            .map(|sent| sent.elapsed().as_secs_f64())
            .fold(0.0, f64::max);
        let latency = self.latency.lock().unwrap().max(waiting);
        ((latency * self.requests_per_second).ceil() as usize + 1).min(self.max_chains)
    }

    /// The next job for an idle chain: a planned slice, else half of a running one when the
    /// region needs another chain; `None` to wait (or stop, when `finished`).
    pub fn next_job(&self) -> Option<Job> {
        let mut active = self.active.lock().unwrap();
        let slice = match self.pending.lock().unwrap().pop_front() {
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
                let mut start = widest.start.lock().unwrap();
                let middle = *start + widest.unloaded_given(*start).0 / 2;
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
                events: 0,
            }),
        });
        active.push(running.clone());
        self.busy_chains.fetch_add(1, Ordering::SeqCst);
        Some(Job {
            slice,
            active: running,
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
        assert!(work.next_job().is_none(), "fast calls: one chain is enough");

        let sent = Instant::now() - std::time::Duration::from_secs(3);
        work.call_sent(sent);
        work.call_done(sent, true);
        first.active.paged(250, Some(at(400)));
        let second = work.next_job().unwrap();
        assert_eq!(second.slice.span.start, at(0));
        assert_eq!(second.slice.span.end, at(200) - Duration::seconds(1));
        assert_eq!(first.active.span().start, at(200));
        assert_eq!(second.slice.request, second.slice.span);

        work.job_done(&first);
        work.job_done(&second);
        assert!(work.finished());
    }

    #[test]
    fn a_call_still_waiting_for_its_answer_already_asks_for_more_chains() {
        let work = RegionWork::new(vec![slice(0, 600)], 2.0, 8);
        let _first = work.next_job().unwrap();
        work.call_sent(Instant::now() - std::time::Duration::from_secs(2));
        assert!(work.next_job().is_some());
    }

    #[test]
    fn a_range_expected_to_hold_only_a_few_pages_is_not_split() {
        let work = RegionWork::new(vec![slice(0, 600)], 2.0, 8);
        let first = work.next_job().unwrap();
        work.call_sent(Instant::now() - std::time::Duration::from_secs(3));
        first.active.paged(50, Some(at(500)));
        assert!(work.next_job().is_some(), "about 10 pages left: split");
        first.active.paged(0, Some(at(290)));
        let sparse = RegionWork::new(vec![slice(0, 600)], 2.0, 8);
        let only = sparse.next_job().unwrap();
        sparse.call_sent(Instant::now() - std::time::Duration::from_secs(3));
        only.active.paged(20, Some(at(500)));
        assert!(
            sparse.next_job().is_none(),
            "about 2 pages left: not worth a split"
        );
    }

    #[test]
    fn short_ranges_are_not_split() {
        let work = RegionWork::new(vec![slice(0, 15)], 2.0, 8);
        let _only = work.next_job().unwrap();
        work.call_sent(Instant::now() - std::time::Duration::from_secs(3));
        assert!(work.next_job().is_none());
    }
}
