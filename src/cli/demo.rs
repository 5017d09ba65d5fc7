use std::path::Path;

use include_dir::{include_dir, Dir};

use super::exit;
use super::output::{summary_of, table_row, TABLE_HEADER};
use crate::index::{SearchRequest, TimeBounds, TrailIndex};
use crate::ingest::{ingest_paths, IngestObserver};

/// The bundled demo archive: a few thousand generated events with an incident inside.
static DEMO_ARCHIVE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets/demo");

/// Searches that walk the demo's incident, as an investigator would.
const DEMO_SEARCHES: &[(&str, &str)] = &[
    ("Who turned off logging?", "eventName:StopLogging OR eventName:DeleteTrail"),
    ("Administrator access granted", "requestParameters.policyArn:AdministratorAccess"),
    ("Root activity", "userIdentity.type:Root AND NOT _exists_:userIdentity.invokedBy AND NOT eventType:AwsServiceEvent"),
    ("Access denied", "errorCode:accessdenied"),
];

struct Quiet;
impl IngestObserver for Quiet {}

/// Writes the bundled archive to `dir` (the real files the ingest path reads).
pub fn extract_demo_archive(dir: &Path) -> anyhow::Result<()> {
    DEMO_ARCHIVE.extract(dir)?;
    Ok(())
}

pub fn run() -> anyhow::Result<i32> {
    let work = tempfile::tempdir()?;
    let archive = work.path().join("archive");
    let index_dir = work.path().join("index");
    extract_demo_archive(&archive)?;
    let index = TrailIndex::open_or_create(&index_dir)?;
    let summary = ingest_paths(&index, &[archive.join("AWSLogs")], None, &mut Quiet)?;
    println!("demo archive ingested: {summary}\n");
    print!("{}", super::info::render(&index, &index.coverage()?));
    let searcher = index.searcher()?;
    for (title, query) in DEMO_SEARCHES {
        let request = SearchRequest {
            query: (*query).to_owned(),
            time: TimeBounds::default(),
            limit: 8,
            ..SearchRequest::default()
        };
        let (hits, compiled) = index.search(&searcher, &request)?;
        let total = index.count(&searcher, compiled.query.as_ref())?;
        println!("\n## {title}: {total} events\n$ trailhound search '{query}'\n{TABLE_HEADER}");
        for hit in hits {
            println!("{}", table_row(&summary_of(&hit.raw)));
        }
    }
    println!("\n## Top source addresses\n$ trailhound top sourceIPAddress");
    for entry in index.top_values(&searcher, "sourceIPAddress", None, 8)? {
        println!(
            "{:>6}  {}",
            entry.count,
            crate::event::terminal_safe(&entry.value)
        );
    }
    Ok(exit::OK)
}
