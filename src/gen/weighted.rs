//! Weighted random choice over a fixed list.

use rand::Rng;

pub struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    /// Weights must be finite and not negative; a list whose weights are all zero picks the first item.
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        Weighted { cumulative }
    }

    /// An index into the list; 0 for an empty list.
    pub fn sample(&self, rng: &mut impl Rng) -> usize {
        let Some(&total) = self.cumulative.last() else {
            return 0;
        };
        if total <= 0.0 {
            return 0;
        }
        let x = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.cumulative.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn follows_weights_and_skips_zeros() {
        let w = Weighted::new([0.0, 3.0, 1.0, 0.0]);
        let mut rng = SmallRng::seed_from_u64(1);
        let mut counts = [0usize; 4];
        for _ in 0..4000 {
            counts[w.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert_eq!(counts[3], 0);
        assert!(counts[1] > 2 * counts[2], "{counts:?}");
    }
}
