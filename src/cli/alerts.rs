use std::io::{self, Write};
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};

use super::exit;
use crate::detect::alerts::alert_id;
use crate::detect::pack::Severity;
use crate::detect::{mark_alert, replay, Alert, AlertMark, AlertSet};
use crate::event::terminal_safe;
use crate::index::{EventWriter, TrailIndex};
use crate::integrity::verdicts::Verdicts;

pub struct AlertsArgs {
    pub min_severity: Option<Severity>,
    /// Leave out acknowledged alerts (they are shown, marked, by default).
    pub hide_acknowledged: bool,
    /// Also list suppressed alerts (hidden by default).
    pub show_suppressed: bool,
    pub since: Option<DateTime<Utc>>,
    pub jsonl: bool,
    pub recompute: bool,
    pub rules: super::rules::RuleOptions,
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| "-".into())
}

/// Re-evaluates every indexed event with the current rules (after a rule change), oldest first:
/// first-seen baselines and correlations then see events in the order they happened, whatever
/// order the archives were ingested in.
fn recompute(index: &TrailIndex, rules: &super::rules::RuleOptions) -> anyhow::Result<AlertSet> {
    let detector = super::rules::detector(rules)?;
    // Holding the writer lock keeps an ingest from writing alerts at the same time.
    let writer = EventWriter::open(index)?;
    let findings = replay(index, &detector, writer.identities())?;
    findings.save(index.dir())?;
    Ok(findings.alerts)
}

pub fn run(index_dir: &Path, args: &AlertsArgs) -> anyhow::Result<i32> {
    let index = TrailIndex::open(index_dir)?;
    let alerts = if args.recompute {
        // tantivy panics on some damaged files: say the index is damaged instead.
        crate::index::panic_guard::catch(|| recompute(&index, &args.rules))
            .map_err(|panic| index.damaged(panic))??
    } else {
        AlertSet::load(index.dir())?
    };
    let shown: Vec<Alert> = alerts
        .listed_with(args.show_suppressed)?
        .into_iter()
        .filter(|a| !(args.hide_acknowledged && a.acknowledged))
        .filter(|a| args.min_severity.is_none_or(|min| a.severity_rank() >= min))
        .filter(|a| {
            args.since
                .is_none_or(|since| a.last_time.is_some_and(|t| t >= since))
        })
        .collect();
    let changed = Verdicts::load(index.dir()).changed_events(&index, &index.searcher()?)?;
    let from_changed_files = |alert: &Alert| {
        alert
            .event_ids
            .iter()
            .filter(|id| changed.contains(*id))
            .count()
    };
    let mut out = io::stdout().lock();
    if args.jsonl {
        for alert in &shown {
            let mut object = serde_json::to_value(alert)?;
            let count = from_changed_files(alert);
            if count > 0 {
                object["from_changed_files"] = count.into();
            }
            writeln!(
                out,
                "{}",
                crate::event::json_terminal_safe(&object.to_string())
            )?;
        }
        return Ok(exit::OK);
    }
    writeln!(
        out,
        "{:<10} {:<9} {:<9} {:>6}  {:<20}  {:<20}  {:<40} TITLE",
        "ID", "SEVERITY", "RULE", "COUNT", "FIRST", "LAST", "PRINCIPAL"
    )?;
    for alert in &shown {
        // An ARN's end names the principal: a long one loses its start.
        let safe = terminal_safe(&alert.principal);
        let length = safe.chars().count();
        let principal: String = if length > 40 {
            std::iter::once('…')
                .chain(safe.chars().skip(length - 39))
                .collect()
        } else {
            safe.into_owned()
        };
        writeln!(
            out,
            "{:<10} {:<9} {:<9} {:>6}  {:<20}  {:<20}  {:<40} {}{}{}{}{}",
            alert.id,
            alert.severity,
            terminal_safe(&crate::detect::short_rule_id(&alert.rule_id)),
            alert.count,
            time(alert.first_time),
            time(alert.last_time),
            principal,
            terminal_safe(&alert.title),
            match crate::detect::group_label(&alert.principal, &alert.group) {
                Some(label) => format!(" [by {}]", terminal_safe(&label)),
                None => String::new(),
            },
            if alert.acknowledged {
                " (acknowledged)"
            } else {
                ""
            },
            if alert.suppressed {
                " (suppressed)"
            } else {
                ""
            },
            match from_changed_files(alert) {
                0 => String::new(),
                n => format!(" [{n} events from changed files]"),
            }
        )?;
    }
    if shown.is_empty() {
        eprintln!("no alerts");
    }
    Ok(exit::OK)
}

/// `alerts ack|unack|suppress|unsuppress ID...`: ids as shown by `alerts` (or a unique start of
/// at least 4 digits, or the alert's key). Every id is checked before anything is changed.
pub fn mark(index_dir: &Path, ids: &[String], mark: AlertMark) -> anyhow::Result<i32> {
    let index = TrailIndex::open(index_dir)?;
    let alerts = AlertSet::load(index.dir())?;
    let mut keys = Vec::with_capacity(ids.len());
    for id in ids {
        keys.push(
            alerts
                .resolve(id)
                .map_err(|message| anyhow::anyhow!(message))?,
        );
    }
    let verb = match mark {
        AlertMark::Acknowledge => "acknowledged",
        AlertMark::Unacknowledge => "unacknowledged",
        AlertMark::Suppress => "suppressed",
        AlertMark::Unsuppress => "unsuppressed",
    };
    for key in &keys {
        mark_alert(index.dir(), key, mark)?;
        println!("{verb} {} ({})", alert_id(key), terminal_safe(key));
    }
    Ok(exit::OK)
}
