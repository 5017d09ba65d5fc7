//! Reads: matching events newest (or oldest) first, counts, and lookup by eventID.
use std::ops::Bound;

use chrono::{DateTime, Utc};
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::Value;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument};

use tantivy::columnar::ColumnValues;

use super::compile::{compile_query_with, event_id_query, time_range, CompiledQuery};
use super::schema::paths_with_terms;
use crate::integrity::verdicts::Verdicts;

/// Queries naming this read the verdicts beside the index.
const INTEGRITY_FIELD: &str = "@integrity";
use super::error::IndexError;
use super::store::TrailIndex;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeBounds {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOrder {
    #[default]
    NewestFirst,
    OldestFirst,
}

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub time: TimeBounds,
    pub limit: usize,
    pub offset: usize,
    pub order: SortOrder,
}

/// The first and last event time of something.
pub type TimeSpan = (DateTime<Utc>, DateTime<Utc>);

/// At most this many events are held at once while streaming matches.
const PAGE_EVENTS: usize = 2_000;

fn tantivy_order(order: SortOrder) -> Order {
    match order {
        SortOrder::NewestFirst => Order::Desc,
        SortOrder::OldestFirst => Order::Asc,
    }
}

fn seconds(timestamp: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(timestamp, 0).unwrap_or_default()
}

/// Walks `[low, high]` (seconds, inclusive) in adjacent windows, newest or oldest first, sized
/// so that each holds at most a page of matches: halved when one held too many, doubled when
/// one held few.
struct TimeWindows {
    low: i64,
    high: i64,
    order: SortOrder,
    width: i64,
    /// The window last handed out, until it is read or found too full.
    current: Option<(i64, i64)>,
}

impl TimeWindows {
    fn new(low: i64, high: i64, order: SortOrder) -> Self {
        TimeWindows {
            low,
            high,
            order,
            width: ((high - low) / 16).max(60),
            current: None,
        }
    }

    fn next_window(&mut self) -> Option<(i64, i64)> {
        if self.low > self.high {
            return None;
        }
        let window = match self.order {
            SortOrder::NewestFirst => (
                (self.high.saturating_sub(self.width) + 1).max(self.low),
                self.high,
            ),
            SortOrder::OldestFirst => (
                self.low,
                (self.low.saturating_add(self.width) - 1).min(self.high),
            ),
        };
        self.current = Some(window);
        Some(window)
    }

    fn too_many(&mut self) {
        self.width = (self.width / 2).max(1);
    }

    fn read(&mut self, matches: usize) {
        let Some((start, end)) = self.current.take() else {
            return;
        };
        match self.order {
            SortOrder::NewestFirst => self.high = start - 1,
            SortOrder::OldestFirst => self.low = end + 1,
        }
        if matches < PAGE_EVENTS / 4 {
            let rest = self.high.saturating_sub(self.low).saturating_add(1).max(1);
            self.width = self.width.saturating_mul(2).min(rest);
        }
    }
}

/// One matching event: its verbatim record.
#[derive(Debug, Clone)]
pub struct Hit {
    pub address: DocAddress,
    pub raw: String,
}

impl TrailIndex {
    /// Compiles `text` and narrows it to `time`; parse errors carry the offending position.
    pub fn prepare_query(&self, text: &str, time: TimeBounds) -> Result<CompiledQuery, IndexError> {
        let verdicts = match text.contains(INTEGRITY_FIELD) {
            true => Verdicts::load(self.dir()),
            false => Verdicts::default(),
        };
        let mut compiled = compile_query_with(&self.fields, text, &verdicts).map_err(|e| {
            let caret = crate::query::caret_line(text, &e);
            IndexError::Query(format!("{e}\n{caret}"))
        })?;
        if time.since.is_some() || time.until.is_some() {
            let bounds = time_range(
                self.fields.time,
                time.since.map_or(Bound::Unbounded, Bound::Included),
                time.until.map_or(Bound::Unbounded, Bound::Included),
            );
            compiled.query = Box::new(BooleanQuery::new(vec![
                (Occur::Must, compiled.query),
                (Occur::Must, bounds),
            ]));
        }
        Ok(compiled)
    }

    pub fn search(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
    ) -> Result<(Vec<Hit>, CompiledQuery), IndexError> {
        self.guarded(|| self.search_unguarded(searcher, request))
    }

    fn search_unguarded(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
    ) -> Result<(Vec<Hit>, CompiledQuery), IndexError> {
        let compiled = self.prepare_query(&request.query, request.time)?;
        let collector = TopDocs::with_limit(request.limit.max(1))
            .and_offset(request.offset)
            .order_by_fast_field::<tantivy::DateTime>("time", tantivy_order(request.order));
        let top = searcher
            .search(&compiled.query, &collector)
            .map_err(|e| self.tantivy_error(e))?;
        let mut hits = Vec::with_capacity(top.len());
        for (_, address) in top.into_iter().take(request.limit) {
            hits.push(Hit {
                address,
                raw: self.raw_record(searcher, address)?,
            });
        }
        Ok((hits, compiled))
    }

    /// Hands every event matching `query` within `time` to `visit`, in `order`, reading the index
    /// one time window at a time so that memory stays bounded whatever the number of matches.
    /// Events without an `eventTime` come last when no time bound is given. Stops early when
    /// `visit` returns `false`; returns how many events were visited.
    pub fn for_each_match<E: From<IndexError>>(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        time: TimeBounds,
        order: SortOrder,
        mut visit: impl FnMut(Hit) -> Result<bool, E>,
    ) -> Result<usize, E> {
        let mut visited = 0;
        if let Some((first, last)) = self.time_span(searcher)? {
            let low = time
                .since
                .map_or(first.timestamp(), |s| s.timestamp().max(first.timestamp()));
            let high = time
                .until
                .map_or(last.timestamp(), |u| u.timestamp().min(last.timestamp()));
            let mut windows = TimeWindows::new(low, high, order);
            while let Some((start, end)) = windows.next_window() {
                let bounds = time_range(
                    self.fields.time,
                    Bound::Included(seconds(start)),
                    Bound::Included(seconds(end)),
                );
                let window_query = BooleanQuery::new(vec![
                    (Occur::Must, query.box_clone()),
                    (Occur::Must, bounds),
                ]);
                let single_second = start == end;
                let limit = if single_second {
                    self.count(searcher, &window_query)?.max(1)
                } else {
                    PAGE_EVENTS + 1
                };
                let collector = TopDocs::with_limit(limit)
                    .order_by_fast_field::<tantivy::DateTime>("time", tantivy_order(order));
                let top = searcher
                    .search(&window_query, &collector)
                    .map_err(|e| self.tantivy_error(e))?;
                if top.len() > PAGE_EVENTS && !single_second {
                    windows.too_many();
                    continue;
                }
                windows.read(top.len());
                for (_, address) in top {
                    let raw = self.raw_record(searcher, address)?;
                    visited += 1;
                    if !visit(Hit { address, raw })? {
                        return Ok(visited);
                    }
                }
            }
        }
        if time.since.is_none() && time.until.is_none() {
            let untimed = BooleanQuery::new(vec![
                (Occur::Must, query.box_clone()),
                (
                    Occur::MustNot,
                    time_range(self.fields.time, Bound::Unbounded, Bound::Unbounded),
                ),
            ]);
            let mut addresses: Vec<DocAddress> = searcher
                .search(&untimed, &DocSetCollector)
                .map_err(|e| self.tantivy_error(e))?
                .into_iter()
                .collect();
            addresses.sort();
            for address in addresses {
                let raw = self.raw_record(searcher, address)?;
                visited += 1;
                if !visit(Hit { address, raw })? {
                    return Ok(visited);
                }
            }
        }
        Ok(visited)
    }

    /// The first and last event time in the index, from the `time` column's bounds.
    pub fn time_span(&self, searcher: &Searcher) -> Result<Option<TimeSpan>, IndexError> {
        let mut span: Option<(i64, i64)> = None;
        for segment in searcher.segment_readers() {
            let column = segment
                .fast_fields()
                .date("time")
                .map_err(|e| self.tantivy_error(e))?;
            if column.values.num_vals() == 0 {
                continue;
            }
            let low = column.min_value().into_timestamp_secs();
            let high = column.max_value().into_timestamp_secs();
            span = Some(span.map_or((low, high), |(l, h)| (l.min(low), h.max(high))));
        }
        Ok(span.map(|(low, high)| (seconds(low), seconds(high))))
    }

    pub fn count(&self, searcher: &Searcher, query: &dyn Query) -> Result<usize, IndexError> {
        self.guarded(|| {
            searcher
                .search(query, &Count)
                .map_err(|e| self.tantivy_error(e))
        })
    }

    pub fn raw_record(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> Result<String, IndexError> {
        self.guarded(|| {
            let doc: TantivyDocument = searcher.doc(address).map_err(|e| self.tantivy_error(e))?;
            let raw = doc
                .get_first(self.fields.raw)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            Ok(raw.to_owned())
        })
    }

    /// The verbatim record with this eventID, if the index has it.
    pub fn find_by_id(
        &self,
        searcher: &Searcher,
        event_id: &str,
    ) -> Result<Option<String>, IndexError> {
        let query = event_id_query(&self.fields, event_id);
        let top = self.guarded(|| {
            searcher
                .search(&query, &TopDocs::with_limit(1).order_by_score())
                .map_err(|e| self.tantivy_error(e))
        })?;
        match top.first() {
            Some((_, address)) => Ok(Some(self.raw_record(searcher, *address)?)),
            None => Ok(None),
        }
    }

    /// The events whose eventID starts with `prefix` (at most `limit` of them, as (id, record)).
    /// Ids are not indexed as text, so this reads every stored record: for `show` with a short
    /// id, not for queries.
    pub fn find_by_id_prefix(
        &self,
        searcher: &Searcher,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<(String, String)>, IndexError> {
        #[derive(serde::Deserialize)]
        struct IdOnly {
            #[serde(rename = "eventID", alias = "eventid", alias = "EVENTID")]
            event_id: Option<String>,
        }
        let mut found = Vec::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(64)
                .map_err(|e| self.tantivy_error(e.into()))?;
            for doc in segment.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc).map_err(|e| self.tantivy_error(e))?;
                let Some(raw) = doc.get_first(self.fields.raw).and_then(|v| v.as_str()) else {
                    continue;
                };
                let Ok(IdOnly { event_id: Some(id) }) = serde_json::from_str::<IdOnly>(raw) else {
                    continue;
                };
                if id.starts_with(prefix) {
                    found.push((id, raw.to_owned()));
                    if found.len() >= limit {
                        return Ok(found);
                    }
                }
            }
        }
        Ok(found)
    }

    /// Every path some event has, sorted: `paths` and the paths of `kw` terms; `None` when the
    /// index cannot be read.
    fn indexed_paths(&self, searcher: &Searcher) -> Option<Vec<String>> {
        let mut found = std::collections::BTreeSet::new();
        for segment in searcher.segment_readers() {
            let listed = segment.inverted_index(self.fields.paths).ok()?;
            let mut terms = listed.terms().stream().ok()?;
            while terms.advance() {
                if let Ok(path) = std::str::from_utf8(terms.key()) {
                    found.insert(path.to_owned());
                }
            }
            let kw = segment.inverted_index(self.fields.kw).ok()?;
            found.extend(paths_with_terms(&kw).ok()?);
        }
        Some(found.into_iter().collect())
    }

    /// Paths the query names that no indexed event has, each with the indexed paths that end
    /// the same way (`publiclyAccessible` -> `requestParameters.publiclyAccessible`). Only
    /// hints: none when the index cannot be read.
    pub fn missing_paths(
        &self,
        searcher: &Searcher,
        paths: &[String],
    ) -> Vec<(String, Vec<String>)> {
        super::panic_guard::catch(|| self.missing_paths_unguarded(searcher, paths))
            .unwrap_or_default()
    }

    fn missing_paths_unguarded(
        &self,
        searcher: &Searcher,
        paths: &[String],
    ) -> Vec<(String, Vec<String>)> {
        let mut missing = Vec::new();
        if paths.is_empty() {
            return missing;
        }
        let Some(indexed) = self.indexed_paths(searcher) else {
            return missing;
        };
        for path in paths {
            if missing.iter().any(|(p, _)| p == path) || indexed.binary_search(path).is_ok() {
                continue;
            }
            let suffix = format!(".{path}");
            let lower = path.to_lowercase();
            let lower_suffix = format!(".{lower}");
            // The same name in another case (`eventname` -> `eventName`) first, then longer
            // paths that end in it, in either case.
            let mut same_but_case = Vec::new();
            let mut similar = Vec::new();
            for candidate in indexed.iter() {
                let candidate_lower = candidate.to_lowercase();
                if candidate_lower == lower {
                    same_but_case.push(candidate.clone());
                } else if candidate.ends_with(&suffix) || candidate_lower.ends_with(&lower_suffix) {
                    similar.push(candidate.clone());
                }
            }
            same_but_case.sort();
            similar.sort();
            same_but_case.extend(similar);
            let mut similar = same_but_case;
            similar.truncate(5);
            missing.push((path.clone(), similar));
        }
        missing
    }
}
