//! The one writer of a pull: turns pages into documents, dedupes them against the whole index,
//! runs detection, and commits documents together with the checkpoints they advance, so a
//! killed pull resumes exactly after the last page it made durable.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use crossbeam_channel::{Receiver, RecvTimeoutError};

use super::plan::{merge_span, settled_end};
use super::progress::RegionProgress;
use super::record::{record_of, LookupEvent};
use crate::detect::{replay, Detector, Findings};
use crate::index::coverage::{PartialSlice, PullCoverage, PullKey, Span};
use crate::index::document::{prepare, Provenance};
use crate::index::{Added, EventWriter, IndexError, TrailIndex};

/// Pages become searchable at least this often.
const COMMIT_INTERVAL: Duration = Duration::from_secs(1);

/// One page of one slice, as LookupEvents returned it.
#[derive(Debug)]
pub struct Page {
    pub key: PullKey,
    pub span: Span,
    pub request: Span,
    /// The token for the page after this one; `None` when the slice is finished.
    pub next_token: Option<String>,
    pub oldest_loaded: Option<DateTime<Utc>>,
    pub events: Vec<LookupEvent>,
    /// When LookupEvents answered with this page.
    pub answered: Instant,
}

#[derive(Debug, Default)]
pub struct SinkReport {
    pub new: u64,
    pub duplicates: u64,
    /// Events whose CloudTrailEvent could not be used, one message each.
    pub problems: Vec<String>,
    pub alerts: u64,
    /// From the start of the pull to the first commit that held an event.
    pub first_event_indexed: Option<Duration>,
    /// From the answer that brought the first new event to the commit that made it searchable.
    pub first_event_after_answer: Option<Duration>,
}

/// Where pulled events say they came from, in `@source` and `info`.
pub fn source_name(account: &str, region: &str) -> String {
    format!("LookupEvents {account} {region}")
}

pub fn run_sink(
    index: &TrailIndex,
    mut writer: EventWriter,
    detector: Option<Arc<Detector>>,
    pages: Receiver<Page>,
    progress: &HashMap<(String, String), Arc<RegionProgress>>,
    started: Instant,
    mut on_problem: impl FnMut(&str),
) -> Result<SinkReport, IndexError> {
    writer.set_commit_interval(COMMIT_INTERVAL);
    let findings_error = |source| IndexError::io(index.dir(), source);
    let mut findings = match &detector {
        Some(_) => Some(Findings::load(index.dir()).map_err(findings_error)?),
        None => None,
    };
    let fields = *index.fields();
    let mut report = SinkReport::default();
    let mut noted_sources = std::collections::HashSet::new();
    loop {
        let page = match pages.recv_timeout(Duration::from_millis(200)) {
            Ok(page) => Some(page),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if let Some(page) = page {
            let source = source_name(&page.key.account, &page.key.region);
            if noted_sources.insert(source.clone()) {
                writer.note_source(&source, 0);
            }
            let provenance = Provenance {
                source: source.as_str().into(),
                file: format!("LookupEvents {} {}", page.key.region, page.key.category).into(),
            };
            let mut new_in_page = 0;
            for event in &page.events {
                let (record, problem) = record_of(event, &page.key.account, &page.key.region);
                if let Some(problem) = problem {
                    let line = format!(
                        "LookupEvents {} event {}: {problem}",
                        page.key.region,
                        crate::event::terminal_safe(&record.event_id)
                    );
                    on_problem(&line);
                    report.problems.push(line);
                }
                let prepared = prepare(
                    &fields,
                    &record.raw,
                    &record.value,
                    record.event_id,
                    &provenance,
                    writer.identities(),
                );
                let matches = detector
                    .as_deref()
                    .map(|d| d.evaluate(&record.value, &prepared.summary))
                    .unwrap_or_default();
                let summary = (!matches.is_empty()).then(|| prepared.summary.clone());
                match writer.add(prepared)? {
                    Added::New => {
                        new_in_page += 1;
                        if let (Some(detector), Some(findings), Some(summary)) =
                            (&detector, &mut findings, &summary)
                        {
                            findings.observe(detector, summary, &matches);
                        }
                    }
                    Added::Duplicate => report.duplicates += 1,
                }
            }
            report.new += new_in_page;
            let at = (page.key.account.clone(), page.key.region.clone());
            if let Some(region) = progress.get(&at) {
                region.indexed(new_in_page);
            }
            checkpoint(
                writer
                    .coverage_mut()
                    .pulls
                    .entry(page.key.label())
                    .or_insert_with(|| PullCoverage {
                        key: page.key.clone(),
                        complete: Vec::new(),
                        partial: Vec::new(),
                        events: 0,
                        pages: 0,
                        last_pull: None,
                    }),
                &page,
                new_in_page,
            );
            if new_in_page > 0 && report.first_event_indexed.is_none() {
                commit(&mut writer, &findings, index)?;
                report.first_event_indexed = Some(started.elapsed());
                report.first_event_after_answer = Some(page.answered.elapsed());
            }
        }
        if writer.commit_due() {
            commit(&mut writer, &findings, index)?;
        }
    }
    commit(&mut writer, &findings, index)?;
    if let (Some(detector), Some(findings)) = (&detector, &mut findings) {
        if report.new > 0 || writer.reattributed() > 0 {
            *findings = replay(index, detector, writer.identities())?;
            findings.save(index.dir()).map_err(findings_error)?;
        }
    }
    report.alerts = findings.as_ref().map_or(0, |f| f.alerts.len() as u64);
    writer.finish()?;
    Ok(report)
}

/// Records how far `page` took its slice: the token to resume from, or the span as loaded.
fn checkpoint(coverage: &mut PullCoverage, page: &Page, new_events: u64) {
    let now = Utc::now();
    coverage.events += new_events;
    coverage.pages += 1;
    coverage.last_pull = Some(now);
    // A slice is known by its end: its start rises when another chain takes its older part.
    coverage.partial.retain(|p| p.span.end != page.span.end);
    match &page.next_token {
        Some(token) => coverage.partial.push(PartialSlice {
            span: page.span,
            request: page.request,
            next_token: token.clone(),
            oldest_loaded: page.oldest_loaded,
        }),
        None => {
            if let Some(settled) = settled_end(page.span, now) {
                merge_span(&mut coverage.complete, settled);
            }
        }
    }
}

/// Commits the pages added, with the alerts they raised (they never get ahead of the index).
fn commit(
    writer: &mut EventWriter,
    findings: &Option<Findings>,
    index: &TrailIndex,
) -> Result<(), IndexError> {
    match findings {
        Some(findings) => writer.commit_with(Some(&|opstamp| findings.stage(index.dir(), opstamp))),
        None => writer.commit(),
    }
}
