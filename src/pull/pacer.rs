//! Keeps one (account, region) under its LookupEvents quota.
//!
//! Every chain paging that region waits here for its slot, and every retry does too, so
//! requests leave evenly spaced whatever the number of chains; a throttled answer pushes every
//! later slot back.
//!
//! The service may count its quota as a token bucket or as a sliding window ("at most 2 in any
//! second"). Requests spaced exactly 1/quota apart collide with a sliding window as soon as one
//! of them reaches the service a little late, so slots are spaced with headroom: at 2/s they are
//! 526 ms apart, any two requests with one between them leave 1.05 s apart, and up to 50 ms of
//! jitter between sending and arriving never puts three in one second.
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The share of the quota we use.
const HEADROOM: f64 = 0.95;

pub struct Pacer {
    interval: Duration,
    next_slot: Mutex<Instant>,
}

impl Pacer {
    /// Paces under `quota` requests per second.
    pub fn new(quota: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / (quota * HEADROOM).max(0.01)),
            next_slot: Mutex::new(Instant::now()),
        }
    }

    /// Waits until this caller may send one request (send it at once).
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next_slot.lock().unwrap();
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// No request leaves before `pause` from now.
    pub fn hold_off(&self, pause: Duration) {
        let mut next = self.next_slot.lock().unwrap();
        *next = (*next).max(Instant::now() + pause);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_leave_evenly_spaced_with_headroom_and_a_hold_off_delays_them() {
        let pacer = Pacer::new(2.0);
        let start = Instant::now();
        let mut sent = Vec::new();
        for _ in 0..5 {
            pacer.wait().await;
            sent.push(start.elapsed());
        }
        for pair in sent.windows(3) {
            let apart = pair[2] - pair[0];
            assert!(apart >= Duration::from_millis(1050), "{apart:?}");
            assert!(apart <= Duration::from_millis(1060), "{apart:?}");
        }
        pacer.hold_off(Duration::from_secs(10));
        pacer.wait().await;
        assert_eq!(start.elapsed(), Duration::from_secs(10) + sent[4]);
    }
}
