//! Reads: matching events newest (or oldest) first, counts, and lookup by eventID.
use std::ops::Bound;

use chrono::{DateTime, Utc};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::Value;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use super::compile::{compile_query, event_id_query, time_range, CompiledQuery};
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

/// One matching event: its verbatim record.
#[derive(Debug, Clone)]
pub struct Hit {
    pub address: DocAddress,
    pub raw: String,
}

impl TrailIndex {
    /// Compiles `text` and narrows it to `time`; parse errors carry the offending position.
    pub fn prepare_query(&self, text: &str, time: TimeBounds) -> Result<CompiledQuery, IndexError> {
        let mut compiled = compile_query(&self.fields, text).map_err(|e| {
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
        let order = match request.order {
            SortOrder::NewestFirst => Order::Desc,
            SortOrder::OldestFirst => Order::Asc,
        };
        let collector = TopDocs::with_limit(request.limit.max(1))
            .and_offset(request.offset)
            .order_by_fast_field::<tantivy::DateTime>("time", order);
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
            let bytes = doc
                .get_first(self.fields.raw)
                .and_then(|v| v.as_bytes())
                .unwrap_or_default();
            Ok(String::from_utf8_lossy(bytes).into_owned())
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
        for path in paths {
            let term = Term::from_field_text(self.fields.paths, path);
            let present = searcher.doc_freq(&term).map(|n| n > 0).unwrap_or(true);
            if present || missing.iter().any(|(p, _)| p == path) {
                continue;
            }
            let suffix = format!(".{path}");
            let mut similar = Vec::new();
            for segment in searcher.segment_readers() {
                let Ok(inverted) = segment.inverted_index(self.fields.paths) else {
                    continue;
                };
                let Ok(mut terms) = inverted.terms().stream() else {
                    continue;
                };
                while terms.advance() {
                    if let Ok(candidate) = std::str::from_utf8(terms.key()) {
                        if candidate.ends_with(&suffix)
                            && !similar.iter().any(|s: &String| s == candidate)
                        {
                            similar.push(candidate.to_owned());
                        }
                    }
                }
            }
            similar.sort();
            similar.truncate(5);
            missing.push((path.clone(), similar));
        }
        missing
    }
}
