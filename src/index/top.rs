//! The most frequent values of a field among matching events, counted from the index's postings
//! (each keyword term's document list intersected with the matching set), never by loading
//! documents.
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Query;
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader, TERMINATED};

use super::compile::ALIASES;
use super::error::IndexError;
use super::schema::{path_term, terms_with_prefix};
use super::store::TrailIndex;
use tantivy::BitSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopValue {
    pub value: String,
    pub count: u64,
    /// The oldest matching event with this value, when asked for.
    pub first_seen: Option<DateTime<Utc>>,
}

/// The most frequent values, and how many distinct values there were in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopList {
    pub values: Vec<TopValue>,
    pub distinct: usize,
}

/// What `tally` reads besides the counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tally {
    Counts,
    CountsAndFirstSeen,
}

/// One value's count and oldest time (seconds) so far.
#[derive(Default)]
struct Seen {
    count: u64,
    first: Option<i64>,
}

/// The keyword path `top` counts for a user's field name (aliases resolve to their first path).
pub fn top_path(field: &str) -> String {
    let field = field.strip_suffix(".keyword").unwrap_or(field);
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == field)
        .map(|(_, paths)| paths[0].to_owned())
        .unwrap_or_else(|| field.to_owned())
}

impl TrailIndex {
    /// The `limit` most frequent whole values of `field` among events matching `query`
    /// (all events when `query` is `None`), with their counts, most frequent first.
    pub fn top_values(
        &self,
        searcher: &Searcher,
        field: &str,
        query: Option<&dyn Query>,
        limit: usize,
    ) -> Result<Vec<TopValue>, IndexError> {
        Ok(self
            .tally(searcher, field, query, limit, Tally::Counts)?
            .values)
    }

    /// As `top_values`, each value also with the time of its oldest matching event (read from
    /// the time column of every matching posting, so dearer on broad queries).
    pub fn top_values_first_seen(
        &self,
        searcher: &Searcher,
        field: &str,
        query: Option<&dyn Query>,
        limit: usize,
    ) -> Result<TopList, IndexError> {
        self.tally(searcher, field, query, limit, Tally::CountsAndFirstSeen)
    }

    fn tally(
        &self,
        searcher: &Searcher,
        field: &str,
        query: Option<&dyn Query>,
        limit: usize,
        tally: Tally,
    ) -> Result<TopList, IndexError> {
        self.guarded(|| self.tally_unguarded(searcher, field, query, limit, tally))
    }

    fn tally_unguarded(
        &self,
        searcher: &Searcher,
        field: &str,
        query: Option<&dyn Query>,
        limit: usize,
        tally: Tally,
    ) -> Result<TopList, IndexError> {
        let path = top_path(field);
        let prefix = path_term(&path, "");
        let matching = match query {
            Some(query) => Some(
                searcher
                    .search(query, &MatchingDocs)
                    .map_err(|e| self.tantivy_error(e))?,
            ),
            None => None,
        };
        let mut seen: HashMap<String, Seen> = HashMap::new();
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            let inverted = segment
                .inverted_index(self.fields.kw)
                .map_err(|e| self.tantivy_error(e))?;
            let times = match tally {
                Tally::Counts => None,
                Tally::CountsAndFirstSeen => Some(
                    segment
                        .fast_fields()
                        .date("time")
                        .map_err(|e| self.tantivy_error(e))?,
                ),
            };
            let mut terms = terms_with_prefix(&inverted, &prefix).map_err(|e| self.io_error(e))?;
            let alive = segment.alive_bitset();
            let segment_matches = matching.as_ref().map(|m| &m[ordinal]);
            while terms.advance() {
                let info = terms.value();
                let found = match (segment_matches, alive, &times) {
                    (None, None, None) => Seen {
                        count: info.doc_freq as u64,
                        first: None,
                    },
                    _ => {
                        let mut postings = inverted
                            .read_postings_from_terminfo(info, IndexRecordOption::Basic)
                            .map_err(|e| self.io_error(e))?;
                        let mut found = Seen::default();
                        let mut doc = postings.doc();
                        while doc != TERMINATED {
                            let is_alive = alive.is_none_or(|a| a.is_alive(doc));
                            if is_alive && segment_matches.is_none_or(|m| m.contains(doc)) {
                                found.count += 1;
                                if let Some(time) = times.as_ref().and_then(|t| t.first(doc)) {
                                    let secs = time.into_timestamp_secs();
                                    found.first = earliest(found.first, Some(secs));
                                }
                            }
                            doc = postings.advance();
                        }
                        found
                    }
                };
                if found.count > 0 {
                    let value = String::from_utf8_lossy(&terms.key()[prefix.len()..]).into_owned();
                    let total = seen.entry(value).or_default();
                    total.count += found.count;
                    total.first = earliest(total.first, found.first);
                }
            }
        }
        let mut top: Vec<TopValue> = seen
            .into_iter()
            .map(|(value, seen)| TopValue {
                value,
                count: seen.count,
                first_seen: seen
                    .first
                    .and_then(|secs| DateTime::from_timestamp(secs, 0)),
            })
            .collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        let distinct = top.len();
        top.truncate(limit);
        Ok(TopList {
            values: top,
            distinct,
        })
    }

    fn io_error(&self, source: std::io::Error) -> IndexError {
        self.tantivy_error(source.into())
    }
}

fn earliest(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Collects the matching documents of each segment into a bitset, indexed by segment ordinal.
struct MatchingDocs;

struct SegmentMatches(BitSet);

impl Collector for MatchingDocs {
    type Fruit = Vec<BitSet>;
    type Child = SegmentMatches;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches(BitSet::with_max_value(segment.max_doc())))
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<BitSet>) -> tantivy::Result<Vec<BitSet>> {
        Ok(fruits)
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = BitSet;

    fn collect(&mut self, doc: DocId, _: Score) {
        self.0.insert(doc);
    }

    fn harvest(self) -> BitSet {
        self.0
    }
}
