//! Reads the terminal UI needs beyond search, count and top values: matches over time.
use chrono::{DateTime, Utc};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::Query;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::error::IndexError;
use super::store::TrailIndex;

impl TrailIndex {
    /// How many events matching `query` fall in each of `buckets` equal stretches of
    /// `[start, end]`, counted from the `time` fast field without loading documents.
    pub fn time_histogram(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        buckets: usize,
    ) -> Result<Vec<u64>, IndexError> {
        if buckets == 0 {
            return Ok(Vec::new());
        }
        let collector = TimeBuckets {
            start: start.timestamp(),
            span: (end.timestamp() - start.timestamp()).max(0) + 1,
            buckets,
        };
        self.guarded(|| {
            searcher
                .search(query, &collector)
                .map_err(|e| self.tantivy_error(e))
        })
    }
}

struct TimeBuckets {
    start: i64,
    /// Seconds covered, at least 1.
    span: i64,
    buckets: usize,
}

struct SegmentTimeBuckets {
    times: Column<tantivy::DateTime>,
    start: i64,
    span: i64,
    counts: Vec<u64>,
}

impl Collector for TimeBuckets {
    type Fruit = Vec<u64>;
    type Child = SegmentTimeBuckets;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentTimeBuckets> {
        Ok(SegmentTimeBuckets {
            times: segment.fast_fields().date("time")?,
            start: self.start,
            span: self.span,
            counts: vec![0; self.buckets],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut total = vec![0; self.buckets];
        for fruit in fruits {
            for (sum, count) in total.iter_mut().zip(fruit) {
                *sum += count;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentTimeBuckets {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(time) = self.times.first(doc) else {
            return;
        };
        let offset = time.into_timestamp_secs() - self.start;
        if offset < 0 || offset >= self.span {
            return;
        }
        let bucket = (offset as i128 * self.counts.len() as i128 / self.span as i128) as usize;
        if let Some(count) = self.counts.get_mut(bucket) {
            *count += 1;
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}
