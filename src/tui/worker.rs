//! Background reads: the UI thread sends requests tagged with an id and keeps drawing; the worker
//! answers each kind's newest request only (older queued ones of the same kind are skipped) and
//! the UI drops any reply that is not the newest of its kind.
//!
//! Between requests the worker watches the index folder: new commits, changed alerts and a
//! writer's published activity are announced unasked ([`Reply::Changed`], [`Reply::Activity`]),
//! so an ingest or pull running anywhere shows up without a restart.
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, Sender};
use serde_json::Value;
use tantivy::{IndexReader, Searcher};

use super::state::{
    Alert, EventRow, Histogram, RequestKind, SessionIssue, SessionLink, Severity, Timeline, View,
};
use crate::detect::pack::Severity as RuleSeverity;
use crate::detect::{mark_alert, AlertMark, AlertSet};
use crate::event::{event_id_of, EventSummary, IdentityMap};
use crate::index::activity::{self, ActivityReport};
use crate::index::coverage::KnownAccount;
use crate::index::identities;
use crate::index::panic_guard;
use crate::index::{IndexError, SearchRequest, SortOrder, TimeBounds, TrailIndex};

/// Buckets of the events pane's histogram strip (the pane resamples them to its width).
pub const HISTOGRAM_BUCKETS: usize = 240;
/// Buckets of the timeline's activity sparkline.
pub const ACTIVITY_BUCKETS: usize = 120;
/// How many of each top list the timeline shows.
pub const TOP_LIMIT: usize = 6;
/// How far back through role chaining a session's issuing calls are followed.
pub const SESSION_HOPS: usize = 5;
/// Queue sizes both ways: the UI sends a handful of requests per key and the worker answers at
/// most one per kind per round, so these are never close to full.
const QUEUE: usize = 256;
/// How often the worker looks for new commits, alerts and activity when the UI does not ask.
pub const DEFAULT_POLL: Duration = Duration::from_secs(1);
/// Rows read around an anchored event's new position to find it exactly.
const ANCHOR_SLACK: usize = 200;

/// The event a refreshed list keeps selected, and where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    pub event_id: String,
    pub time: Option<DateTime<Utc>>,
    pub index: usize,
}

#[derive(Debug, Clone)]
pub enum Request {
    /// Check and run a view: its count, histogram and first page (or, with an anchor, the page
    /// around the anchored event's position now).
    Search {
        id: u64,
        view: View,
        limit: usize,
        anchor: Option<Anchor>,
    },
    /// Another slice of the results of the search `generation`.
    Page {
        id: u64,
        generation: u64,
        view: View,
        offset: usize,
        limit: usize,
    },
    /// One principal's activity within `time`.
    Timeline {
        id: u64,
        principal: String,
        time: TimeBounds,
    },
    /// What the index holds, for the status line.
    Stats { id: u64 },
    /// The detector's alerts, after recording the investigator's `mark` (alert key, acknowledged)
    /// on one of them. Marks are applied in the order sent, never skipped.
    Alerts {
        id: u64,
        mark: Option<(String, bool)>,
    },
    /// Where the event with this eventID was read from, and the verdict on that file.
    Origin { id: u64, event_id: String },
}

impl Request {
    pub fn kind(&self) -> RequestKind {
        match self {
            Request::Search { .. } => RequestKind::Search,
            Request::Page { .. } => RequestKind::Page,
            Request::Timeline { .. } => RequestKind::Timeline,
            Request::Stats { .. } => RequestKind::Stats,
            Request::Alerts { .. } => RequestKind::Alerts,
            Request::Origin { .. } => RequestKind::Origin,
        }
    }
}

/// Where an event was read from: its source (a path, `s3://…`, `lookup-events`), the file within
/// it, and what `verify` found of that file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOrigin {
    pub event_id: String,
    pub source: String,
    pub file: String,
    /// `valid`, `modified`, ... for a trail log file (`unverified` when no digest has vouched
    /// for it); `None` for what no digest can list (an export, a LookupEvents page).
    pub verdict: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SearchResult {
    pub matched: u64,
    pub total: u64,
    pub histogram: Option<Histogram>,
    /// Where `rows` start in the results.
    pub offset: usize,
    pub rows: Vec<EventRow>,
    /// The anchored event's position, when it was found.
    pub selected: Option<usize>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexStats {
    pub events: u64,
    pub bytes: u64,
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// What `verify` found of the ingested files (the line, and whether it tells of changes).
    pub integrity: Option<(String, bool)>,
    /// The accounts loaded or pulled, and how pulls reached them.
    pub accounts: BTreeMap<String, KnownAccount>,
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
    Alerts {
        id: u64,
        result: Result<Vec<Alert>, String>,
        /// Recording the mark failed: the alerts read back say what holds.
        mark_error: Option<String>,
    },
    /// `Ok(None)`: the event is no longer in the index.
    Origin {
        id: u64,
        result: Result<Option<EventOrigin>, String>,
    },
    /// Unasked: the index has new commits, or the detector's alerts changed on disk.
    Changed { index: bool, alerts: bool },
    /// Unasked: a writer's live report (its summary and parts), `None` once none is running.
    Activity(Option<ActivityReport>),
}

impl Reply {
    /// The request this answers; `None` for what the worker announces unasked.
    pub fn kind_and_id(&self) -> Option<(RequestKind, u64)> {
        Some(match self {
            Reply::Searched { id, .. } => (RequestKind::Search, *id),
            Reply::Page { id, .. } => (RequestKind::Page, *id),
            Reply::Timeline { id, .. } => (RequestKind::Timeline, *id),
            Reply::Stats { id, .. } => (RequestKind::Stats, *id),
            Reply::Alerts { id, .. } => (RequestKind::Alerts, *id),
            Reply::Origin { id, .. } => (RequestKind::Origin, *id),
            Reply::Changed { .. } | Reply::Activity(_) => return None,
        })
    }
}

/// The UI's end of the worker: two threads, so that a principal's timeline (the heaviest read)
/// never holds up the list's searches; dropping it stops both.
pub struct Worker {
    requests: Option<Sender<Request>>,
    timelines: Option<Sender<Request>>,
    pub replies: Receiver<Reply>,
    threads: Vec<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker; it looks for changes to the index folder every `poll`.
    pub fn spawn(index: TrailIndex, poll: Duration) -> std::io::Result<Worker> {
        let (request_tx, request_rx) = crossbeam_channel::bounded(QUEUE);
        let (timeline_tx, timeline_rx) = crossbeam_channel::bounded(QUEUE);
        let (reply_tx, reply_rx) = crossbeam_channel::bounded(QUEUE);
        let timeline_index = index.clone();
        let timeline_replies = reply_tx.clone();
        let threads = vec![
            std::thread::Builder::new()
                .name("trailhound-search".into())
                .spawn(move || serve(&index, Some(poll), &request_rx, &reply_tx))?,
            std::thread::Builder::new()
                .name("trailhound-timeline".into())
                .spawn(move || serve(&timeline_index, None, &timeline_rx, &timeline_replies))?,
        ];
        Ok(Worker {
            requests: Some(request_tx),
            timelines: Some(timeline_tx),
            replies: reply_rx,
            threads,
        })
    }

    /// Queues a request; false when the worker has stopped.
    pub fn send(&self, request: Request) -> bool {
        let queue = match request.kind() {
            RequestKind::Timeline => &self.timelines,
            _ => &self.requests,
        };
        queue.as_ref().is_some_and(|tx| tx.send(request).is_ok())
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.requests = None;
        self.timelines = None;
        // Unblock a thread waiting to deliver a reply, then let each finish its current read.
        for thread in self.threads.drain(..) {
            while !thread.is_finished() {
                while self.replies.try_recv().is_ok() {}
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = thread.join();
        }
    }
}

fn slot(request: &Request) -> usize {
    match request.kind() {
        RequestKind::Stats => 0,
        RequestKind::Search => 1,
        RequestKind::Page => 2,
        RequestKind::Timeline => 3,
        RequestKind::Alerts => 4,
        RequestKind::Origin => 5,
    }
}

/// Answers `requests` until the UI hangs up; with `poll`, also watches the index folder.
fn serve(
    index: &TrailIndex,
    poll: Option<Duration>,
    requests: &Receiver<Request>,
    replies: &Sender<Reply>,
) {
    let reader = index.reader();
    let mut watch = poll.map(|_| Watch::start(index, reader.as_ref().ok()));
    let mut next_poll = Instant::now();
    loop {
        let received = match poll {
            Some(_) => requests.recv_deadline(next_poll),
            None => requests
                .recv()
                .map_err(|_| crossbeam_channel::RecvTimeoutError::Disconnected),
        };
        let first = match received {
            Ok(request) => Some(request),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => None,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return,
        };
        if let (Some(poll), Some(watch)) = (poll, watch.as_mut()) {
            if Instant::now() >= next_poll {
                next_poll = Instant::now() + poll;
                for notice in watch.changes(index, reader.as_ref().ok()) {
                    if replies.send(notice).is_err() {
                        return;
                    }
                }
            }
        }
        let Some(first) = first else { continue };
        // The newest request of each kind; older queued ones are superseded (marks are recorded
        // as they arrive, so none is lost).
        let mut newest: [Option<Request>; 6] = Default::default();
        let mut mark_error = None;
        for request in std::iter::once(first).chain(std::iter::from_fn(|| requests.try_recv().ok()))
        {
            let request = match request {
                Request::Alerts {
                    id,
                    mark: Some((key, acknowledged)),
                } => {
                    let mark = if acknowledged {
                        AlertMark::Acknowledge
                    } else {
                        AlertMark::Unacknowledge
                    };
                    if let Err(error) = mark_alert(index.dir(), &key, mark) {
                        mark_error = Some(format!("cannot record the acknowledgement: {error}"));
                    }
                    Request::Alerts { id, mark: None }
                }
                other => other,
            };
            let i = slot(&request);
            newest[i] = Some(request);
        }
        let searcher = match &reader {
            Ok(reader) => index.fresh_searcher(reader).map_err(message),
            Err(error) => Err(error.to_string()),
        };
        for request in newest.into_iter().flatten() {
            let reply = match (&searcher, request) {
                (_, Request::Alerts { id, .. }) => {
                    if let Some(watch) = watch.as_mut() {
                        watch.alerts = alerts_stamp(index.dir());
                    }
                    Reply::Alerts {
                        id,
                        result: read_alerts(index, searcher.as_ref().ok()),
                        mark_error: mark_error.take(),
                    }
                }
                (Ok(searcher), request) => {
                    // The index's reads catch their own panics; this catches any other, so
                    // that the UI gets an answer instead of waiting on a dead thread.
                    let asked = request.clone();
                    panic_guard::catch(|| answer(index, searcher, request))
                        .unwrap_or_else(|panic| failure(asked, index.damaged(panic).to_string()))
                }
                (Err(error), request) => failure(request, error.clone()),
            };
            if replies.send(reply).is_err() {
                return;
            }
        }
    }
}

/// What the worker last saw of the index folder, to tell what changed since.
struct Watch {
    index: Option<Vec<(tantivy::index::SegmentId, u32)>>,
    alerts: Option<Vec<(SystemTime, u64)>>,
    /// The integrity verdicts beside the index: `@integrity:` queries and the status line read them.
    verdicts: Option<(SystemTime, u64)>,
    activity: Option<ActivityReport>,
}

impl Watch {
    fn start(index: &TrailIndex, reader: Option<&IndexReader>) -> Watch {
        Watch {
            index: reader.and_then(|reader| segments(reader).ok()),
            alerts: alerts_stamp(index.dir()),
            verdicts: verdicts_stamp(index.dir()),
            activity: None,
        }
    }

    /// The notices to send for what changed since the last look.
    fn changes(&mut self, index: &TrailIndex, reader: Option<&IndexReader>) -> Vec<Reply> {
        let mut notices = Vec::new();
        let segments = reader.and_then(|reader| segments(reader).ok());
        let mut index_changed = segments.is_some() && segments != self.index;
        if index_changed {
            self.index = segments;
        }
        let verdicts = verdicts_stamp(index.dir());
        if verdicts != self.verdicts {
            // New verdicts change what `@integrity:` finds: the same refresh as a commit.
            self.verdicts = verdicts;
            index_changed = true;
        }
        let alerts = alerts_stamp(index.dir());
        let alerts_changed = alerts != self.alerts;
        self.alerts = alerts;
        if index_changed || alerts_changed {
            notices.push(Reply::Changed {
                index: index_changed,
                alerts: alerts_changed,
            });
        }
        // Only what the UI shows: `updated` changes on every report.
        let activity = activity::read(index.dir())
            .filter(|report| report.is_live(Utc::now()))
            .map(|report| ActivityReport {
                updated: report.started,
                ..report
            });
        if activity != self.activity {
            self.activity = activity.clone();
            notices.push(Reply::Activity(activity));
        }
        notices
    }
}

/// The committed segments and their live documents: what changes when a writer commits.
fn segments(reader: &IndexReader) -> tantivy::Result<Vec<(tantivy::index::SegmentId, u32)>> {
    panic_guard::catch(|| {
        reader.reload()?;
        Ok(reader
            .searcher()
            .segment_readers()
            .iter()
            .map(|segment| (segment.segment_id(), segment.num_docs()))
            .collect())
    })
    .unwrap_or_else(|panic| Err(tantivy::TantivyError::InternalError(panic)))
}

/// When and how big the detector's files were last written.
fn verdicts_stamp(dir: &Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(dir.join(crate::integrity::verdicts::VERDICTS_FILE)).ok()?;
    Some((
        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        meta.len(),
    ))
}

fn alerts_stamp(dir: &Path) -> Option<Vec<(SystemTime, u64)>> {
    let stamp: Vec<(SystemTime, u64)> = ["alerts.json", "alert-state.json"]
        .iter()
        .filter_map(|name| std::fs::metadata(dir.join(name)).ok())
        .map(|meta| {
            (
                meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                meta.len(),
            )
        })
        .collect();
    (!stamp.is_empty()).then_some(stamp)
}

/// The alerts the detector stored beside the index, acknowledged ones included.
/// The alerts, each saying how many of its events were read from files `verify` found modified
/// or unlisted (when the index can be read to tell).
fn read_alerts(index: &TrailIndex, searcher: Option<&Searcher>) -> Result<Vec<Alert>, String> {
    let mut alerts = stored_alerts(index.dir()).map_err(|e| format!("alerts: {e}"))?;
    let Some(searcher) = searcher else {
        return Ok(alerts);
    };
    let tainted = crate::integrity::verdicts::Verdicts::load(index.dir())
        .changed_events(index, searcher)
        .map_err(|e| format!("alerts: {e}"))?;
    for alert in &mut alerts {
        alert.tainted = alert
            .event_ids
            .iter()
            .filter(|id| tainted.contains(*id))
            .count();
    }
    Ok(alerts)
}

pub fn stored_alerts(dir: &Path) -> std::io::Result<Vec<Alert>> {
    Ok(AlertSet::load(dir)?
        .listed()?
        .into_iter()
        .map(|alert| Alert {
            severity: match alert.severity_rank() {
                RuleSeverity::Info => Severity::Informational,
                RuleSeverity::Low => Severity::Low,
                RuleSeverity::Medium => Severity::Medium,
                RuleSeverity::High => Severity::High,
                RuleSeverity::Critical => Severity::Critical,
            },
            key: alert.key,
            rule_id: alert.rule_id,
            title: alert.title,
            count: alert.count,
            first: alert.first_time,
            last: alert.last_time,
            principal: alert.principal,
            group: alert.group,
            event_ids: alert.event_ids,
            acknowledged: alert.acknowledged,
            why: alert.why,
            next: alert.next,
            baseline: alert.baseline,
            query: alert.query,
            tainted: 0,
        })
        .collect())
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
        Request::Timeline { id, principal, .. } => Reply::Timeline {
            id,
            principal,
            result: Err(error),
        },
        Request::Stats { id } => Reply::Stats {
            id,
            result: Err(error),
        },
        Request::Alerts { id, .. } => Reply::Alerts {
            id,
            result: Err(error),
            mark_error: None,
        },
        Request::Origin { id, .. } => Reply::Origin {
            id,
            result: Err(error),
        },
    }
}

fn answer(index: &TrailIndex, searcher: &Searcher, request: Request) -> Reply {
    match request {
        Request::Search {
            id,
            view,
            limit,
            anchor,
        } => Reply::Searched {
            id,
            result: search(index, searcher, &view, limit, anchor.as_ref()).map_err(message),
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
        Request::Timeline {
            id,
            principal,
            time,
        } => Reply::Timeline {
            id,
            result: timeline(index, searcher, &principal, time).map_err(message),
            principal,
        },
        Request::Stats { id } => Reply::Stats {
            id,
            result: stats(index, searcher).map_err(message),
        },
        Request::Alerts { id, .. } => Reply::Alerts {
            id,
            result: read_alerts(index, Some(searcher)),
            mark_error: None,
        },
        Request::Origin { id, event_id } => Reply::Origin {
            id,
            result: origin(index, searcher, event_id).map_err(message),
        },
    }
}

fn origin(
    index: &TrailIndex,
    searcher: &Searcher,
    event_id: String,
) -> Result<Option<EventOrigin>, IndexError> {
    let Some(provenance) = index.provenance_by_id(searcher, &event_id)? else {
        return Ok(None);
    };
    let file = provenance.file.to_string();
    let verdict = crate::integrity::digest::archive_key(&file).map(|_| {
        crate::integrity::verdicts::Verdicts::load(index.dir())
            .of(&file)
            .to_owned()
    });
    Ok(Some(EventOrigin {
        event_id,
        source: provenance.source.to_string(),
        file,
        verdict,
    }))
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
    anchor: Option<&Anchor>,
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
    let (offset, rows, selected) = match anchor {
        Some(anchor) => anchored_page(index, searcher, view, limit, anchor)?,
        None => (0, page(index, searcher, view, 0, limit)?, None),
    };
    Ok(SearchResult {
        matched,
        total: searcher.num_docs(),
        histogram,
        offset,
        rows,
        selected,
        warnings: compiled.warnings,
    })
}

/// The rows around the anchored event's position now, and that position when it is found: the
/// events that sort strictly before its time are counted, then the page from there is read.
fn anchored_page(
    index: &TrailIndex,
    searcher: &Searcher,
    view: &View,
    limit: usize,
    anchor: &Anchor,
) -> Result<(usize, Vec<EventRow>, Option<usize>), IndexError> {
    let before = match anchor.time {
        Some(time) => {
            let second = chrono::Duration::seconds(1);
            let mut bounds = view.time;
            match view.order {
                SortOrder::NewestFirst => {
                    bounds.since =
                        Some(bounds.since.map_or(time + second, |s| s.max(time + second)))
                }
                SortOrder::OldestFirst => {
                    bounds.until =
                        Some(bounds.until.map_or(time - second, |u| u.min(time - second)))
                }
            }
            let compiled = index.prepare_query(&view.query, bounds)?;
            index.count(searcher, compiled.query.as_ref())?
        }
        None => anchor.index,
    };
    let start = before.saturating_sub(limit / 2);
    let rows = page(
        index,
        searcher,
        view,
        start,
        limit.max(before - start + ANCHOR_SLACK),
    )?;
    let found = rows
        .iter()
        .position(|row| row.summary.event_id == anchor.event_id)
        .map(|i| start + i);
    Ok((start, rows, found))
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
    // Rows name the principal the index credits (an identity without an ARN resolved).
    let identities = identities::load(index.dir()).unwrap_or_default();
    Ok(hits
        .into_iter()
        .map(|hit| row_resolved(hit.raw, &identities))
        .collect())
}

/// Reads a raw record once into what the list, detail and pivots need.
pub fn row_of(raw: String) -> EventRow {
    row_resolved(raw, &IdentityMap::default())
}

fn row_resolved(raw: String, identities: &IdentityMap) -> EventRow {
    let mut record: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
    crate::source::as_cloudtrail(&mut record);
    let id = event_id_of(&record, &raw);
    let summary = EventSummary::from_record_resolved(&record, id, Some(identities));
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
    time: TimeBounds,
) -> Result<Timeline, IndexError> {
    let filter = format!("user:{}", quote(principal));
    let compiled = index.prepare_query(&filter, time)?;
    let query = compiled.query.as_ref();
    // A failed ConsoleLogin has an errorMessage and no errorCode.
    let errors = index.prepare_query(
        &format!("{filter} AND (_exists_:errorCode OR _exists_:errorMessage)"),
        time,
    )?;
    let edge = |order: SortOrder| -> Result<Option<DateTime<Utc>>, IndexError> {
        let request = SearchRequest {
            query: filter.clone(),
            time,
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
    let span = index.coverage()?.span();
    let activity = match (
        time.since.or(span.map(|s| s.0)),
        time.until.or(span.map(|s| s.1)),
    ) {
        (Some(start), Some(end)) if start <= end => Some(Histogram {
            start,
            end,
            counts: index.time_histogram(searcher, query, start, end, ACTIVITY_BUCKETS)?,
        }),
        _ => None,
    };
    let top = |field: &str| index.top_values_first_seen(searcher, field, Some(query), TOP_LIMIT);
    let access_keys = top("userIdentity.accessKeyId")?;
    let sessions = access_keys
        .values
        .iter()
        .map(|key| {
            Ok(SessionLink {
                access_key: key.value.clone(),
                events: key.count,
                chain: session_chain(index, searcher, &key.value)?,
                lifecycle: key_lifecycle(index, searcher, &key.value)?,
                searched_since: span.map(|s| s.0),
            })
        })
        .collect::<Result<Vec<_>, IndexError>>()?;
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
        access_keys,
        sessions,
    })
}

/// The calls that issued `access_key`, hop by hop back through role chaining: each one's own
/// key leads to the call before it. Stops at a key no indexed call issued (a long-term key, or
/// history not loaded), a loop, or `SESSION_HOPS`.
fn session_chain(
    index: &TrailIndex,
    searcher: &Searcher,
    access_key: &str,
) -> Result<Vec<SessionIssue>, IndexError> {
    let mut chain: Vec<SessionIssue> = Vec::new();
    let mut key = access_key.to_owned();
    let mut seen = std::collections::HashSet::from([key.clone()]);
    while chain.len() < SESSION_HOPS {
        let Some(issue) = session_issue(index, searcher, &key)? else {
            break;
        };
        key = issue.access_key.clone();
        chain.push(issue);
        if key.is_empty() || !seen.insert(key.clone()) {
            break;
        }
    }
    Ok(chain)
}

/// The call whose response handed out `access_key`, if indexed: an AssumeRole and its kin for a
/// session key, the CreateAccessKey for a long-term key.
fn session_issue(
    index: &TrailIndex,
    searcher: &Searcher,
    access_key: &str,
) -> Result<Option<SessionIssue>, IndexError> {
    let key = quote(access_key);
    let query = format!(
        "responseElements.credentials.accessKeyId.keyword:{key} OR responseElements.accessKey.accessKeyId.keyword:{key}"
    );
    Ok(key_calls(index, searcher, query, 1)?.into_iter().next())
}

/// Most calls that changed a long-term key after it was made.
const LIFECYCLE_CALLS: usize = 20;

/// The UpdateAccessKey and DeleteAccessKey calls naming `access_key`, oldest first.
fn key_lifecycle(
    index: &TrailIndex,
    searcher: &Searcher,
    access_key: &str,
) -> Result<Vec<SessionIssue>, IndexError> {
    let query = format!(
        "(eventName:UpdateAccessKey OR eventName:DeleteAccessKey) AND requestParameters.accessKeyId.keyword:{}",
        quote(access_key)
    );
    key_calls(index, searcher, query, LIFECYCLE_CALLS)
}

fn key_calls(
    index: &TrailIndex,
    searcher: &Searcher,
    query: String,
    limit: usize,
) -> Result<Vec<SessionIssue>, IndexError> {
    let request = SearchRequest {
        query,
        limit,
        order: SortOrder::OldestFirst,
        ..SearchRequest::default()
    };
    let (hits, _) = index.search(searcher, &request)?;
    Ok(hits
        .into_iter()
        .map(|hit| {
            let row = row_of(hit.raw);
            let record: Value = serde_json::from_str(&row.raw).unwrap_or(Value::Null);
            let detail = record
                .pointer("/requestParameters/status")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            SessionIssue {
                event_name: row.summary.event_name,
                principal: row.summary.principal.id,
                source_ip: row.summary.source_ip,
                time: row.summary.time,
                access_key: row.access_key,
                detail,
            }
        })
        .collect())
}

fn stats(index: &TrailIndex, searcher: &Searcher) -> Result<IndexStats, IndexError> {
    let coverage = index.coverage()?;
    Ok(IndexStats {
        events: searcher.num_docs(),
        bytes: index.size_on_disk(),
        span: coverage.span(),
        accounts: coverage.accounts(),
        integrity: crate::integrity::verdicts::Verdicts::load(index.dir()).status(),
    })
}
