//! What a case report says, gathered once from the case and the index: the pinned evidence in
//! time order with its notes, each principal's sessions, keys and handed-out credentials, the
//! queries that led there, and the sources with their integrity. The formats only render it.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::store::{Case, Pinned};
use crate::detect::Alert;
use crate::event::EventSummary;
use crate::index::{TimeBounds, TrailIndex};

/// One pinned event as the report shows it.
#[derive(Debug, Clone)]
pub struct ReportEvent {
    pub event_id: String,
    pub time: Option<DateTime<Utc>>,
    pub principal: String,
    pub event_name: String,
    pub event_source: String,
    pub account: String,
    pub region: String,
    pub source_ip: String,
    pub error: String,
    pub raw: String,
    /// Read from the index now; `false`: the copy kept in the case when it was pinned.
    pub from_index: bool,
}

#[derive(Debug, Clone)]
pub enum Evidence {
    Event(Box<ReportEvent>),
    Alert(Box<Alert>),
    Principal(String),
}

#[derive(Debug, Clone)]
pub struct ReportPin {
    pub id: String,
    pub pinned_at: DateTime<Utc>,
    pub evidence: Evidence,
    pub notes: Vec<String>,
    pub trail: Vec<String>,
}

impl ReportPin {
    /// When what it pins happened (an alert: its first event; a principal: when it was pinned).
    pub fn time(&self) -> Option<DateTime<Utc>> {
        match &self.evidence {
            Evidence::Event(event) => event.time,
            Evidence::Alert(alert) => alert.first_time,
            Evidence::Principal(_) => Some(self.pinned_at),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PrincipalFacts {
    pub principal: String,
    pub events: u64,
    pub sessions: Vec<String>,
    pub keys: Vec<String>,
    /// `TIME EVENT: what was handed out` for the calls that hand out credentials.
    pub chains: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SourceFacts {
    pub source: String,
    pub events: u64,
}

/// The principals' events over the case's span, in equal stretches.
#[derive(Debug, Clone)]
pub struct Activity {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub counts: Vec<u64>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub name: String,
    pub generated: DateTime<Utc>,
    pub case_notes: Vec<String>,
    /// In time order.
    pub pins: Vec<ReportPin>,
    pub principals: Vec<PrincipalFacts>,
    pub queries: Vec<String>,
    pub sources: Vec<SourceFacts>,
    /// What `verify` found of the ingested files.
    pub integrity: String,
    pub problems: Vec<String>,
    pub activity: Option<Activity>,
}

pub struct Summary {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub principals: Vec<String>,
    pub alerts_by_severity: Vec<(String, u64)>,
}

impl Summary {
    /// The summary as (label, value) lines, the values not yet escaped for any format.
    pub fn lines(&self, pins: usize) -> Vec<(&'static str, String)> {
        let list = |items: &[String]| match items.is_empty() {
            true => "none".to_owned(),
            false => items.join(", "),
        };
        let span = match self.span {
            Some((first, last)) => format!(
                "{} to {}",
                first.format("%Y-%m-%d %H:%M:%S UTC"),
                last.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            None => "no dated evidence".to_owned(),
        };
        let alerts: Vec<String> = self
            .alerts_by_severity
            .iter()
            .map(|(severity, n)| format!("{n} {severity}"))
            .collect();
        vec![
            ("Accounts", list(&self.accounts)),
            ("Regions", list(&self.regions)),
            ("Time span", span),
            ("Principals involved", list(&self.principals)),
            ("Alerts pinned", list(&alerts)),
            ("Evidence pinned", format!("{pins} items")),
        ]
    }
}

/// The calls that hand out credentials: a principal's chain of sessions and keys.
const HANDING_OUT: &str = "eventName:(AssumeRole OR AssumeRoleWithSAML OR AssumeRoleWithWebIdentity OR CreateAccessKey OR GetSessionToken OR GetFederationToken OR CreateLoginProfile OR UpdateLoginProfile)";
const SHOWN_PER_PRINCIPAL: usize = 20;
const SEVERITY_ORDER: [&str; 5] = ["critical", "high", "medium", "low", "info"];

impl Report {
    pub fn summary(&self) -> Summary {
        let mut accounts = BTreeSet::new();
        let mut regions = BTreeSet::new();
        let mut principals = BTreeSet::new();
        let mut severities: BTreeMap<String, u64> = BTreeMap::new();
        let mut times = Vec::new();
        for pin in &self.pins {
            match &pin.evidence {
                Evidence::Event(event) => {
                    accounts.insert(event.account.clone());
                    regions.insert(event.region.clone());
                    principals.insert(event.principal.clone());
                    times.extend(event.time);
                }
                Evidence::Alert(alert) => {
                    *severities.entry(alert.severity.clone()).or_default() += 1;
                    if !alert.principal.is_empty() {
                        principals.insert(alert.principal.clone());
                    }
                    times.extend(alert.first_time);
                    times.extend(alert.last_time);
                }
                Evidence::Principal(principal) => {
                    principals.insert(principal.clone());
                }
            }
        }
        accounts.remove("");
        regions.remove("");
        principals.remove("");
        let mut alerts_by_severity: Vec<(String, u64)> = severities.into_iter().collect();
        alerts_by_severity.sort_by_key(|(s, _)| {
            SEVERITY_ORDER
                .iter()
                .position(|o| o == s)
                .unwrap_or(SEVERITY_ORDER.len())
        });
        Summary {
            accounts: accounts.into_iter().collect(),
            regions: regions.into_iter().collect(),
            span: times.iter().min().copied().zip(times.iter().max().copied()),
            principals: principals.into_iter().collect(),
            alerts_by_severity,
        }
    }

    /// Gathers the report of `case` from the index at `index_dir` (which may be gone: the pins
    /// keep what they need).
    pub fn gather(case: &Case, index_dir: &Path) -> Report {
        let index = TrailIndex::open(index_dir).ok();
        let searcher = index.as_ref().and_then(|i| i.searcher().ok());
        let mut pins = Vec::new();
        for (id, at, item, trail) in case.pins() {
            let evidence = match item {
                Pinned::Event { event_id, raw } => {
                    let now = match (&index, &searcher) {
                        (Some(index), Some(searcher)) => {
                            index.find_by_id(searcher, event_id).ok().flatten()
                        }
                        _ => None,
                    };
                    let from_index = now.is_some();
                    let raw = now.unwrap_or_else(|| raw.clone());
                    Evidence::Event(Box::new(event_of(event_id, raw, from_index)))
                }
                Pinned::Alert { alert } => Evidence::Alert(alert.clone()),
                Pinned::Principal { principal } => Evidence::Principal(principal.clone()),
            };
            pins.push(ReportPin {
                id: id.to_owned(),
                pinned_at: *at,
                evidence,
                notes: case.notes_on(Some(id)).map(str::to_owned).collect(),
                trail: trail.to_vec(),
            });
        }
        pins.sort_by_key(|pin| pin.time());
        let mut queries: Vec<String> = Vec::new();
        for pin in &pins {
            for query in &pin.trail {
                if !queries.contains(query) {
                    queries.push(query.clone());
                }
            }
        }
        let mut report = Report {
            name: case.name.clone(),
            generated: Utc::now(),
            case_notes: case.notes_on(None).map(str::to_owned).collect(),
            pins,
            principals: Vec::new(),
            queries,
            sources: Vec::new(),
            integrity: "the index could not be read".to_owned(),
            problems: case.problems.clone(),
            activity: None,
        };
        if let Some(index) = &index {
            let principals = report.summary().principals;
            report.principals = principals
                .iter()
                .map(|p| principal_facts(index, p))
                .collect();
            report.activity = activity(index, &report);
            report.sources = sources(index);
            report.integrity = integrity(index);
        }
        report
    }
}

/// Stretches of the activity chart, and the margin around the evidence it shows.
const ACTIVITY_BUCKETS: usize = 48;
const ACTIVITY_MARGIN: chrono::Duration = chrono::Duration::hours(1);

fn activity(index: &TrailIndex, report: &Report) -> Option<Activity> {
    let summary = report.summary();
    let (first, last) = summary.span?;
    if summary.principals.is_empty() {
        return None;
    }
    let query = summary
        .principals
        .iter()
        .map(|p| phrase(crate::index::schema::derived::PRINCIPAL, p))
        .collect::<Vec<_>>()
        .join(" OR ");
    let searcher = index.searcher().ok()?;
    let compiled = index.prepare_query(&query, TimeBounds::default()).ok()?;
    let (start, end) = (first - ACTIVITY_MARGIN, last + ACTIVITY_MARGIN);
    let counts = index
        .time_histogram(
            &searcher,
            compiled.query.as_ref(),
            start,
            end,
            ACTIVITY_BUCKETS,
        )
        .ok()?;
    Some(Activity { start, end, counts })
}

fn event_of(event_id: &str, raw: String, from_index: bool) -> ReportEvent {
    let record: Value = serde_json::from_str(&raw).unwrap_or_default();
    let summary = EventSummary::from_record(&record, event_id.to_owned());
    ReportEvent {
        event_id: event_id.to_owned(),
        time: summary.time,
        principal: summary.principal.id.clone(),
        event_name: summary.event_name,
        event_source: summary.event_source,
        account: summary.account,
        region: summary.region,
        source_ip: summary.source_ip,
        error: summary.error,
        raw,
        from_index,
    }
}

/// A phrase query for `value` under `field`, quotes and backslashes escaped.
fn phrase(field: &str, value: &str) -> String {
    format!(
        "{field}:\"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

fn principal_facts(index: &TrailIndex, principal: &str) -> PrincipalFacts {
    let mut facts = PrincipalFacts {
        principal: principal.to_owned(),
        ..PrincipalFacts::default()
    };
    let Ok(searcher) = index.searcher() else {
        return facts;
    };
    let own = phrase(crate::index::schema::derived::PRINCIPAL, principal);
    let Ok(compiled) = index.prepare_query(&own, TimeBounds::default()) else {
        return facts;
    };
    facts.events = index.count(&searcher, compiled.query.as_ref()).unwrap_or(0) as u64;
    let values = |field: &str| -> Vec<String> {
        index
            .top_values(
                &searcher,
                field,
                Some(compiled.query.as_ref()),
                SHOWN_PER_PRINCIPAL,
            )
            .map(|top| top.into_iter().map(|v| v.value).collect())
            .unwrap_or_default()
    };
    facts.sessions = values(crate::index::schema::derived::SESSION);
    facts.keys = values("userIdentity.accessKeyId");
    let chains = format!("{own} AND {HANDING_OUT}");
    if let Ok(compiled) = index.prepare_query(&chains, TimeBounds::default()) {
        let _ = index.for_each_match(
            &searcher,
            compiled.query.as_ref(),
            TimeBounds::default(),
            crate::index::SortOrder::OldestFirst,
            |hit| -> Result<bool, crate::index::IndexError> {
                facts.chains.push(handed_out(&hit.raw));
                Ok(facts.chains.len() < SHOWN_PER_PRINCIPAL)
            },
        );
    }
    facts
}

/// `2026-11-01 08:00:00 AssumeRole: arn:aws:sts::…:assumed-role/R/s (key ASIA…)`.
fn handed_out(raw: &str) -> String {
    let record: Value = serde_json::from_str(raw).unwrap_or_default();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let response = &record["responseElements"];
    let what = [
        text(&response["assumedRoleUser"]["arn"]),
        text(&response["federatedUser"]["arn"]),
        text(&response["accessKey"]["userName"]),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or_else(|| text(&record["requestParameters"]["userName"]));
    let key = [
        text(&response["credentials"]["accessKeyId"]),
        text(&response["accessKey"]["accessKeyId"]),
    ]
    .into_iter()
    .find(|s| !s.is_empty());
    format!(
        "{} {}{}{}{}",
        text(&record["eventTime"])
            .replace('T', " ")
            .trim_end_matches('Z'),
        text(&record["eventName"]),
        match what.is_empty() {
            true => String::new(),
            false => format!(": {what}"),
        },
        key.map(|k| format!(" (key {k})")).unwrap_or_default(),
        match text(&record["errorCode"]).as_str() {
            "" => String::new(),
            code => format!(" failed: {code}"),
        }
    )
}

fn sources(index: &TrailIndex) -> Vec<SourceFacts> {
    let Ok(coverage) = index.coverage() else {
        return Vec::new();
    };
    coverage
        .sources
        .iter()
        .map(|(source, read)| SourceFacts {
            source: source.clone(),
            events: read.events,
        })
        .collect()
}

fn integrity(index: &TrailIndex) -> String {
    let verdicts = crate::integrity::verdicts::Verdicts::load(index.dir());
    let mut words: BTreeMap<String, u64> = BTreeMap::new();
    for verdict in verdicts.files.values() {
        *words.entry(verdict.clone()).or_default() += 1;
    }
    let alerts = verdicts.findings.len();
    match words.is_empty() {
        true => {
            "not checked: no file was verified against its digest (`trailhound verify`)".to_owned()
        }
        false => {
            let counts: Vec<String> = words.iter().map(|(w, n)| format!("{n} {w}")).collect();
            format!(
                "log files checked against their digests: {}; {alerts} findings of change, removal or gaps",
                counts.join(", ")
            )
        }
    }
}
