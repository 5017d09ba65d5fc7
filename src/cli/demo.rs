use std::io::Write;
use std::path::Path;

use include_dir::{include_dir, Dir};

use super::exit;
use super::output::{table_row, TABLE_HEADER};
use crate::event::{event_id_of, terminal_safe, EventSummary};
use crate::index::{SearchRequest, TrailIndex};
use crate::ingest::{ingest_with, IngestObserver, IngestOptions};

/// The bundled demo archive: a few thousand generated events with an incident inside.
static DEMO_ARCHIVE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets/demo");

struct Quiet;
impl IngestObserver for Quiet {}

/// Writes the bundled archive to `dir` (the real files the ingest path reads).
pub fn extract_demo_archive(dir: &Path) -> anyhow::Result<()> {
    DEMO_ARCHIVE.extract(dir)?;
    Ok(())
}

/// Runs one search as the CLI would and prints it; returns the summaries of the events shown.
fn show_search(
    index: &TrailIndex,
    title: &str,
    query: &str,
    limit: usize,
) -> anyhow::Result<Vec<EventSummary>> {
    let searcher = index.searcher()?;
    let request = SearchRequest {
        query: query.to_owned(),
        limit,
        ..SearchRequest::default()
    };
    let (hits, compiled) = index.search(&searcher, &request)?;
    let total = index.count(&searcher, compiled.query.as_ref())?;
    writeln!(
        std::io::stdout(),
        "\n## {title}: {total} events\n$ trailhound search '{}'\n{TABLE_HEADER}",
        terminal_safe(query)
    )?;
    let identities = crate::index::identities::load(index.dir())?;
    let summaries: Vec<EventSummary> = hits
        .iter()
        .map(|hit| {
            let record: serde_json::Value = serde_json::from_str(&hit.raw).unwrap_or_default();
            let id = event_id_of(&record, &hit.raw);
            EventSummary::from_record_resolved(&record, id, Some(&identities))
        })
        .collect();
    for summary in &summaries {
        writeln!(std::io::stdout(), "{}", table_row(summary))?;
    }
    Ok(summaries)
}

fn show_top(index: &TrailIndex, title: &str, field: &str, query: &str) -> anyhow::Result<()> {
    let searcher = index.searcher()?;
    let compiled = index.prepare_query(query, Default::default())?;
    writeln!(
        std::io::stdout(),
        "\n## {title}\n$ trailhound top {field} '{}'",
        terminal_safe(query)
    )?;
    for entry in index.top_values(&searcher, field, Some(compiled.query.as_ref()), 8)? {
        writeln!(
            std::io::stdout(),
            "{:>6}  {}",
            entry.count,
            terminal_safe(&entry.value)
        )?;
    }
    Ok(())
}

/// Ingests the demo archive into a temporary index (or into `index_dir`, kept afterwards) and
/// opens the terminal UI on it, or with `print`, prints a walk through its incident.
pub fn run(
    print: bool,
    index_dir: Option<&Path>,
    tui_options: impl FnOnce() -> crate::tui::Options,
) -> anyhow::Result<i32> {
    let work = tempfile::tempdir()?;
    let archive = work.path().join("archive");
    let index_dir = index_dir.map_or_else(|| work.path().join("index"), Path::to_owned);
    extract_demo_archive(&archive)?;
    let index = TrailIndex::open_or_create(&index_dir)?;
    let options = IngestOptions {
        commit_every: None,
        detector: Some(std::sync::Arc::new(super::rules::configured_detector(&[])?)),
        ..IngestOptions::default()
    };
    let summary = ingest_with(&index, &[archive.join("AWSLogs")], &options, &mut Quiet)?;
    if !print {
        return crate::tui::run(index, tui_options());
    }
    writeln!(std::io::stdout(), "demo archive ingested: {summary}\n")?;
    write!(
        std::io::stdout(),
        "{}",
        super::info::render(&index, &index.coverage()?)
    )?;

    // The walk an investigator makes: from the alarming event to its address, then its principal.
    let stopped = show_search(
        &index,
        "Who turned off logging?",
        "eventName:StopLogging OR eventName:DeleteTrail",
        5,
    )?;
    if let Some(first) = stopped.first() {
        let ip_query = format!("ip:\"{}\"", first.source_ip);
        show_top(
            &index,
            "Pivot: what else came from that address",
            "eventName",
            &ip_query,
        )?;
        show_top(&index, "Pivot: who used that address", "user", &ip_query)?;
        show_search(
            &index,
            "Pivot: that principal's calls, newest first",
            &format!("user:\"{}\"", first.principal.id),
            12,
        )?;
    }
    show_search(
        &index,
        "Administrator access granted",
        "requestParameters.policyArn:AdministratorAccess",
        5,
    )?;
    show_search(
        &index,
        "Root activity (a pasted SIEM alert query)",
        "userIdentity.type:Root AND NOT _exists_:userIdentity.invokedBy AND NOT eventType:AwsServiceEvent",
        5,
    )?;
    show_top(
        &index,
        "Access denied, by principal",
        "user",
        "errorCode:accessdenied",
    )?;
    // The archive lives in a temporary folder gone when this exits: point at what lasts.
    writeln!(
        std::io::stdout(),
        "\nTry it yourself: `trailhound demo` opens this in the terminal UI; \
         `trailhound ingest PATH/AWSLogs` then `trailhound` does it for your own trails."
    )?;
    Ok(exit::OK)
}
