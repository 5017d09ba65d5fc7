//! Keeps one (account, region) at or under its LookupEvents quota.
//!
//! Every chain paging that region waits here for its slot, so requests leave evenly spaced
//! whatever the number of chains; a throttled answer pushes every later slot back.
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

pub struct Pacer {
    interval: Duration,
    next_slot: Mutex<Instant>,
}

impl Pacer {
    pub fn new(requests_per_second: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / requests_per_second.max(0.01)),
            next_slot: Mutex::new(Instant::now()),
        }
    }

    /// Waits until this caller may send one request.
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
    async fn requests_leave_evenly_spaced_and_a_hold_off_delays_them() {
        let pacer = Pacer::new(2.0);
        let start = Instant::now();
        for _ in 0..5 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        pacer.hold_off(Duration::from_secs(10));
        pacer.wait().await;
        assert_eq!(start.elapsed(), Duration::from_secs(12));
    }
}
