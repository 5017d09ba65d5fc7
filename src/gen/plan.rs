//! Which log files the background traffic fills: account, region, delivery slot and size of each.

use rand::Rng;

use super::ids;
use super::time::{volume, SLOT_SECS};
use super::weighted::Weighted;

/// Where activity happens. The incident's `ap-southeast-3` is deliberately absent.
pub const REGIONS: &[(&str, f64)] = &[
    ("us-east-1", 0.50),
    ("eu-west-1", 0.32),
    ("us-west-2", 0.06),
    ("eu-central-1", 0.05),
    ("us-east-2", 0.03),
    ("ap-southeast-1", 0.02),
    ("ap-northeast-1", 0.02),
];

/// One log file to write: events of one account and region, in one five-minute slot.
#[derive(Clone, Debug)]
pub struct FilePlan {
    pub account: usize,
    pub region: &'static str,
    pub slot_start: i64,
    pub events: usize,
}

/// Spreads `events` over files of about `per_file` events, following the daily rhythm.
/// Files come out in time order; the first account is the busiest.
pub fn plan_files(
    seed: u64,
    events: usize,
    per_file: usize,
    start: i64,
    days: u32,
    accounts: usize,
) -> Vec<FilePlan> {
    let mut rng = ids::stable_rng(seed, &["plan"]);
    let slots = (i64::from(days.max(1)) * 86_400 / SLOT_SECS).max(1);
    let slot_weights =
        Weighted::new((0..slots).map(|s| volume(start + s * SLOT_SECS + SLOT_SECS / 2)));
    let region_weights = Weighted::new(REGIONS.iter().map(|r| r.1));
    let account_weights = Weighted::new((0..accounts.max(1)).map(|a| 1.0 / (1.0 + 0.6 * a as f64)));
    let per_file = per_file.max(1);
    let mut plans = Vec::with_capacity(events / per_file + 1);
    let mut remaining = events;
    while remaining > 0 {
        let size = rng
            .random_range(per_file.div_ceil(2)..=per_file + per_file / 2)
            .min(remaining);
        remaining -= size;
        plans.push(FilePlan {
            account: account_weights.sample(&mut rng),
            region: REGIONS[region_weights.sample(&mut rng)].0,
            slot_start: start + slot_weights.sample(&mut rng) as i64 * SLOT_SECS,
            events: size,
        });
    }
    plans.sort_by_key(|p| (p.slot_start, p.account, p.region));
    plans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_cover_every_event_inside_the_span() {
        let start = 1_793_491_200; // 2026-11-01T00:00:00Z
        let plans = plan_files(5, 10_007, 30, start, 3, 2);
        assert_eq!(plans.iter().map(|p| p.events).sum::<usize>(), 10_007);
        assert!(plans
            .iter()
            .all(|p| p.slot_start >= start && p.slot_start < start + 3 * 86_400));
        assert!(plans.iter().all(|p| p.events >= 1 && p.events <= 45));
        assert!(plans.windows(2).all(|w| w[0].slot_start <= w[1].slot_start));
        assert!(plans.iter().any(|p| p.account == 1));
    }
}
