//! Background reads: the UI thread sends requests tagged with an id and keeps drawing; the worker
//! answers each kind's newest request only (older queued ones of the same kind are skipped) and
//! the UI drops any reply that is not the newest of its kind.
use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, Sender};
use serde_json::Value;
use tantivy::{IndexReader, Searcher};

use super::state::{EventRow, Histogram, RequestKind, Timeline, View};
use crate::event::{derived_event_id, EventSummary};
use crate::index::{IndexError, SearchRequest, SortOrder, TimeBounds, TrailIndex};

/// Buckets of the events pane's histogram strip (the pane resamples them to its width).
pub const HISTOGRAM_BUCKETS: usize = 240;
/// Buckets of the timeline's activity sparkline.
pub const ACTIVITY_BUCKETS: usize = 120;
/// How many of each top list the timeline shows.
pub const TOP_LIMIT: usize = 6;
/// Queue sizes both ways: the UI sends a handful of requests per key and the worker answers at
/// most one per kind per round, so these are never close to full.
const QUEUE: usize = 256;

#[derive(Debug, Clone)]
pub enum Request {
    /// Check and run a view: its count, histogram and first page.
    Search { id: u64, view: View, limit: usize },
    /// Another slice of the results of the search `generation`.
    Page {
        id: u64,
        generation: u64,
        view: View,
        offset: usize,
        limit: usize,
    },
    /// One principal's activity.
    Timeline { id: u64, principal: String },
    /// What the index holds, for the status line.
    Stats { id: u64 },
}

impl Request {
    pub fn kind(&self) -> RequestKind {
        match self {
            Request::Search { .. } => RequestKind::Search,
            Request::Page { .. } => RequestKind::Page,
            Request::Timeline { .. } => RequestKind::Timeline,
            Request::Stats { .. } => RequestKind::Stats,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub matched: u64,
    pub total: u64,
    pub histogram: Option<Histogram>,
    pub rows: Vec<EventRow>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexStats {
    pub events: u64,
    pub bytes: u64,
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

#[derive(Debug, Clone)]
pub enum Reply {
    /// `Err` carries the message to show (for a bad query: its first line).
    Searched {
        id: u64,
        result: Result<SearchResult, String>,
    },
    Page {
        id: u64,
        generation: u64,
        offset: usize,
        result: Result<Vec<EventRow>, String>,
    },
    Timeline {
        id: u64,
        principal: String,
        result: Result<Timeline, String>,
    },
    Stats {
        id: u64,
        result: Result<IndexStats, String>,
    },
}

impl Reply {
    pub fn kind_and_id(&self) -> (RequestKind, u64) {
        match self {
            Reply::Searched { id, .. } => (RequestKind::Search, *id),
            Reply::Page { id, .. } => (RequestKind::Page, *id),
            Reply::Timeline { id, .. } => (RequestKind::Timeline, *id),
            Reply::Stats { id, .. } => (RequestKind::Stats, *id),
        }
    }
}

/// The UI's end of the worker: dropping it stops the thread.
pub struct Worker {
    requests: Option<Sender<Request>>,
    pub replies: Receiver<Reply>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn spawn(index: TrailIndex) -> std::io::Result<Worker> {
        let (request_tx, request_rx) = crossbeam_channel::bounded(QUEUE);
        let (reply_tx, reply_rx) = crossbeam_channel::bounded(QUEUE);
        let thread = std::thread::Builder::new()
            .name("trailhound-search".into())
            .spawn(move || serve(&index, &request_rx, &reply_tx))?;
        Ok(Worker {
            requests: Some(request_tx),
            replies: reply_rx,
            thread: Some(thread),
        })
    }

    /// Queues a request; false when the worker has stopped.
    pub fn send(&self, request: Request) -> bool {
        self.requests
            .as_ref()
            .is_some_and(|tx| tx.send(request).is_ok())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.requests = None;
        // Unblock a worker waiting to deliver a reply, then let it finish its current read.
        while self.replies.try_recv().is_ok() {}
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(index: &TrailIndex, requests: &Receiver<Request>, replies: &Sender<Reply>) {
    let reader = index.reader();
    while let Ok(first) = requests.recv() {
        // The newest request of each kind; older queued ones are superseded.
        let mut newest: [Option<Request>; 4] = Default::default();
        let slot = |request: &Request| match request.kind() {
            RequestKind::Stats => 0,
            RequestKind::Search => 1,
            RequestKind::Page => 2,
            RequestKind::Timeline => 3,
        };
        let first_slot = slot(&first);
        newest[first_slot] = Some(first);
        while let Ok(request) = requests.try_recv() {
            let i = slot(&request);
            newest[i] = Some(request);
        }
        let searcher = match &reader {
            Ok(reader) => fresh_searcher(reader),
            Err(error) => Err(error.to_string()),
        };
        for request in newest.into_iter().flatten() {
            let reply = match &searcher {
                Ok(searcher) => answer(index, searcher, request),
                Err(error) => failure(request, error.clone()),
            };
            if replies.send(reply).is_err() {
                return;
            }
        }
    }
}

fn fresh_searcher(reader: &IndexReader) -> Result<Searcher, String> {
    reader.reload().map_err(|e| e.to_string())?;
    Ok(reader.searcher())
}

fn failure(request: Request, error: String) -> Reply {
    match request {
        Request::Search { id, .. } => Reply::Searched {
            id,
            result: Err(error),
        },
        Request::Page {
            id,
            generation,
            offset,
            ..
        } => Reply::Page {
            id,
            generation,
            offset,
            result: Err(error),
        },
        Request::Timeline { id, principal } => Reply::Timeline {
            id,
            principal,
            result: Err(error),
        },
        Request::Stats { id } => Reply::Stats {
            id,
            result: Err(error),
        },
    }
}

fn answer(index: &TrailIndex, searcher: &Searcher, request: Request) -> Reply {
    match request {
        Request::Search { id, view, limit } => Reply::Searched {
            id,
            result: search(index, searcher, &view, limit).map_err(message),
        },
        Request::Page {
            id,
            generation,
            view,
            offset,
            limit,
        } => Reply::Page {
            id,
            generation,
            offset,
            result: page(index, searcher, &view, offset, limit).map_err(message),
        },
        Request::Timeline { id, principal } => Reply::Timeline {
            id,
            result: timeline(index, searcher, &principal).map_err(message),
            principal,
        },
        Request::Stats { id } => Reply::Stats {
            id,
            result: stats(index, searcher).map_err(message),
        },
    }
}

/// What to show for an error: a query error's first line (the rest is a caret under the text).
fn message(error: IndexError) -> String {
    match error {
        IndexError::Query(text) => text.lines().next().unwrap_or_default().to_owned(),
        other => other.to_string(),
    }
}

fn search(
    index: &TrailIndex,
    searcher: &Searcher,
    view: &View,
    limit: usize,
) -> Result<SearchResult, IndexError> {
    let compiled = index.prepare_query(&view.query, view.time)?;
    let matched = index.count(searcher, compiled.query.as_ref())? as u64;
    let span = index.coverage()?.span();
    let histogram = match (
        view.time.since.or(span.map(|s| s.0)),
        view.time.until.or(span.map(|s| s.1)),
    ) {
        (Some(start), Some(end)) if start <= end => Some(Histogram {
            start,
            end,
            counts: index.time_histogram(
                searcher,
                compiled.query.as_ref(),
                start,
                end,
                HISTOGRAM_BUCKETS,
            )?,
        }),
        _ => None,
    };
    let rows = page(index, searcher, view, 0, limit)?;
    Ok(SearchResult {
        matched,
        total: searcher.num_docs(),
        histogram,
        rows,
        warnings: compiled.warnings,
    })
}

fn page(
    index: &TrailIndex,
    searcher: &Searcher,
    view: &View,
    offset: usize,
    limit: usize,
) -> Result<Vec<EventRow>, IndexError> {
    let request = SearchRequest {
        query: view.query.clone(),
        time: view.time,
        limit,
        offset,
        order: view.order,
    };
    let (hits, _) = index.search(searcher, &request)?;
    Ok(hits.into_iter().map(|hit| row_of(hit.raw)).collect())
}

/// Reads a raw record once into what the list, detail and pivots need.
pub fn row_of(raw: String) -> EventRow {
    let record: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    let id = record
        .get("eventID")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| derived_event_id(&raw));
    let summary = EventSummary::from_record(&record, id);
    let access_key = record
        .pointer("/userIdentity/accessKeyId")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    EventRow {
        summary,
        access_key,
        raw: Arc::from(raw),
    }
}

/// A query-language string literal: `"..."` with `\` and `"` escaped.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn timeline(
    index: &TrailIndex,
    searcher: &Searcher,
    principal: &str,
) -> Result<Timeline, IndexError> {
    let filter = format!("user:{}", quote(principal));
    let everything = TimeBounds::default();
    let compiled = index.prepare_query(&filter, everything)?;
    let query = compiled.query.as_ref();
    let errors = index.prepare_query(&format!("{filter} AND _exists_:errorCode"), everything)?;
    let edge = |order: SortOrder| -> Result<Option<DateTime<Utc>>, IndexError> {
        let request = SearchRequest {
            query: filter.clone(),
            limit: 1,
            order,
            ..SearchRequest::default()
        };
        let (hits, _) = index.search(searcher, &request)?;
        Ok(hits
            .first()
            .and_then(|hit| EventSummary::from_raw(&hit.raw).time))
    };
    let first_seen = edge(SortOrder::OldestFirst)?;
    let last_seen = edge(SortOrder::NewestFirst)?;
    let activity = match index.coverage()?.span() {
        Some((start, end)) => Some(Histogram {
            start,
            end,
            counts: index.time_histogram(searcher, query, start, end, ACTIVITY_BUCKETS)?,
        }),
        None => None,
    };
    let top = |field: &str| index.top_values(searcher, field, Some(query), TOP_LIMIT);
    Ok(Timeline {
        principal: principal.to_owned(),
        events: index.count(searcher, query)? as u64,
        errors: index.count(searcher, errors.query.as_ref())? as u64,
        first_seen,
        last_seen,
        activity,
        source_ips: top("sourceIPAddress")?,
        regions: top("awsRegion")?,
        services: top("eventSource")?,
        user_agents: top("userAgent")?,
        access_keys: top("userIdentity.accessKeyId")?,
    })
}

fn stats(index: &TrailIndex, searcher: &Searcher) -> Result<IndexStats, IndexError> {
    Ok(IndexStats {
        events: searcher.num_docs(),
        bytes: index.size_on_disk(),
        span: index.coverage()?.span(),
    })
}
