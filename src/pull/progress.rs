//! Live counts for one region's pull, updated by its chains and the sink, read by the display.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::event::terminal_safe;
use crate::index::coverage::Span;
use crate::units::thousands;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionState {
    Running,
    Done,
    Failed(String),
    /// Stopped by the user; the next pull resumes it.
    Stopped,
}

pub struct RegionProgress {
    pub region: String,
    /// How the region is shown: its name, with the account's in front when there are several.
    pub label: String,
    started: Instant,
    pages: AtomicU64,
    received: AtomicU64,
    new_events: AtomicU64,
    throttles: AtomicU64,
    retries: AtomicU64,
    splits: AtomicU64,
    window: Mutex<WindowProgress>,
    state: Mutex<RegionState>,
    /// Lines to tell the user as they happen (retries), until the display takes them.
    notices: Mutex<Vec<String>>,
}

/// How much of the region's time window is loaded, in seconds, per slice (known by its end).
#[derive(Default)]
struct WindowProgress {
    total: f64,
    loaded: HashMap<i64, f64>,
    loaded_at_start: f64,
    last_retry: Option<String>,
}

/// A snapshot of one region's progress.
#[derive(Debug, Clone)]
pub struct RegionSnapshot {
    pub region: String,
    /// The region, with the account in front when a pull covers several.
    pub label: String,
    pub elapsed: Duration,
    pub pages: u64,
    pub received: u64,
    pub new_events: u64,
    pub throttles: u64,
    pub retries: u64,
    /// Slices split off running ones where the history was dense (each costs about a page).
    pub splits: u64,
    /// Share of the window loaded, 0..=1.
    pub fraction: f64,
    pub eta: Option<Duration>,
    pub last_retry: Option<String>,
    pub state: RegionState,
}

fn seconds(span: Span) -> f64 {
    (span.end - span.start).num_seconds().max(0) as f64 + 1.0
}

fn loaded_seconds(span: Span, oldest_loaded: Option<DateTime<Utc>>, finished: bool) -> f64 {
    match (finished, oldest_loaded) {
        (true, _) => seconds(span),
        (false, Some(oldest)) => (span.end - oldest.max(span.start)).num_seconds().max(0) as f64,
        (false, None) => 0.0,
    }
}

impl RegionProgress {
    /// Progress over `slices` (span, already loaded from) of one region.
    pub fn new(
        region: &str,
        label: &str,
        slices: &[(Span, Option<DateTime<Utc>>)],
    ) -> RegionProgress {
        let mut window = WindowProgress::default();
        for (span, oldest) in slices {
            window.total += seconds(*span);
            let loaded = loaded_seconds(*span, *oldest, false);
            window.loaded.insert(span.end.timestamp(), loaded);
            window.loaded_at_start += loaded;
        }
        RegionProgress {
            region: region.to_owned(),
            label: label.to_owned(),
            started: Instant::now(),
            pages: AtomicU64::new(0),
            received: AtomicU64::new(0),
            new_events: AtomicU64::new(0),
            throttles: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            splits: AtomicU64::new(0),
            window: Mutex::new(window),
            state: Mutex::new(RegionState::Running),
            notices: Mutex::new(Vec::new()),
        }
    }

    pub fn slice_started(&self, span: Span, oldest_loaded: Option<DateTime<Utc>>) {
        let loaded = loaded_seconds(span, oldest_loaded, false);
        let mut window = self.window.lock().unwrap();
        let entry = window.loaded.entry(span.end.timestamp()).or_default();
        *entry = entry.max(loaded);
    }

    pub fn page_received(
        &self,
        events: usize,
        span: Span,
        oldest_loaded: Option<DateTime<Utc>>,
        finished: bool,
    ) {
        self.pages.fetch_add(1, Ordering::Relaxed);
        self.received.fetch_add(events as u64, Ordering::Relaxed);
        let loaded = loaded_seconds(span, oldest_loaded, finished);
        let mut window = self.window.lock().unwrap();
        window.loaded.insert(span.end.timestamp(), loaded);
    }

    pub fn split(&self) {
        self.splits.fetch_add(1, Ordering::Relaxed);
    }

    /// Retry reporting lives here and only here: `fetch` calls `throttled` or `retried` for every
    /// failed LookupEvents call it will retry; the counts and the last reason reach the user
    /// through `snapshot` (the region's line, the status line, the background-work overlay).
    pub fn throttled(&self) {
        self.throttles.fetch_add(1, Ordering::Relaxed);
    }

    pub fn retried(&self, reason: &str) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.window.lock().unwrap().last_retry = Some(reason.to_owned());
    }

    /// A line for the user now, e.g. why a page is being retried.
    pub fn notice(&self, line: String) {
        self.notices.lock().unwrap().push(line);
    }

    /// The lines noticed since the last call.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap())
    }

    pub fn indexed(&self, new_events: u64) {
        self.new_events.fetch_add(new_events, Ordering::Relaxed);
    }

    pub fn finish(&self, state: RegionState) {
        *self.state.lock().unwrap() = state;
    }

    /// Ends a region still running as `state`.
    pub fn finish_unless_done(&self, state: RegionState) {
        let mut current = self.state.lock().unwrap();
        if *current == RegionState::Running {
            *current = state;
        }
    }

    pub fn snapshot(&self) -> RegionSnapshot {
        let elapsed = self.started.elapsed();
        let window = self.window.lock().unwrap();
        let loaded: f64 = window.loaded.values().sum();
        let fraction = if window.total > 0.0 {
            (loaded / window.total).min(1.0)
        } else {
            1.0
        };
        let gained = loaded - window.loaded_at_start;
        let eta = (gained > 0.0 && fraction < 1.0).then(|| {
            let rate = gained / elapsed.as_secs_f64().max(0.001);
            Duration::from_secs_f64(((window.total - loaded) / rate).min(1e7))
        });
        RegionSnapshot {
            region: self.region.clone(),
            label: self.label.clone(),
            elapsed,
            pages: self.pages.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
            new_events: self.new_events.load(Ordering::Relaxed),
            throttles: self.throttles.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
            splits: self.splits.load(Ordering::Relaxed),
            fraction,
            eta,
            last_retry: window.last_retry.clone(),
            state: self.state.lock().unwrap().clone(),
        }
    }
}

impl RegionSnapshot {
    pub fn events_per_second(&self) -> f64 {
        self.received as f64 / self.elapsed.as_secs_f64().max(0.001)
    }

    /// One line: `us-east-1  4,950 events (4,900 new), 99 pages, 98.0 ev/s, 37%, ETA 1m 40s, 3 split, 2 throttled`.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{}  {} events ({} new), {} pages, {:.1} ev/s",
            self.label,
            thousands(self.received),
            thousands(self.new_events),
            thousands(self.pages),
            self.events_per_second(),
        );
        match &self.state {
            RegionState::Running => {
                line.push_str(&format!(", {:.0}%", self.fraction * 100.0));
                if let Some(eta) = self.eta {
                    let eta = Duration::from_secs(eta.as_secs());
                    line.push_str(&format!(", ETA {}", humantime::format_duration(eta)));
                }
            }
            RegionState::Done => line.push_str(", done"),
            RegionState::Stopped => line.push_str(", stopped (the next pull resumes it)"),
            RegionState::Failed(reason) => {
                line.push_str(&format!(", stopped: {}", terminal_safe(reason)))
            }
        }
        if self.splits > 0 {
            line.push_str(&format!(", {} split", thousands(self.splits)));
        }
        if self.throttles > 0 {
            line.push_str(&format!(", {} throttled", thousands(self.throttles)));
        }
        if self.retries > 0 {
            line.push_str(&format!(", {} retried", thousands(self.retries)));
            if let Some(reason) = &self.last_retry {
                line.push_str(&format!(" (last: {})", terminal_safe(reason)));
            }
        }
        line
    }
}
