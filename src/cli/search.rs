use std::io::{self, Write};
use std::path::Path;

use super::exit;
use super::output::{jsonl_line, table_row, CsvOut, Format, TABLE_HEADER};
use crate::event::{terminal_safe, EventSummary};
use crate::index::{SearchRequest, SortOrder, TimeBounds, TrailIndex};

pub struct SearchArgs {
    pub query: String,
    pub time: TimeBounds,
    pub limit: usize,
    pub format: Format,
    pub count: bool,
    pub oldest_first: bool,
}

pub fn run(index_dir: &Path, args: &SearchArgs) -> anyhow::Result<i32> {
    let index = TrailIndex::open(index_dir)?;
    let searcher = index.searcher()?;
    let out = io::stdout();
    let mut out = out.lock();
    if args.count {
        let compiled = index.prepare_query(&args.query, args.time)?;
        report_hints(&index, &searcher, &compiled);
        writeln!(out, "{}", index.count(&searcher, compiled.query.as_ref())?)?;
        return Ok(exit::OK);
    }
    let request = SearchRequest {
        query: args.query.clone(),
        time: args.time,
        limit: args.limit,
        offset: 0,
        order: if args.oldest_first {
            SortOrder::OldestFirst
        } else {
            SortOrder::NewestFirst
        },
    };
    let (hits, compiled) = index.search(&searcher, &request)?;
    report_hints(&index, &searcher, &compiled);
    match args.format {
        Format::Jsonl => {
            for hit in &hits {
                writeln!(out, "{}", jsonl_line(&hit.raw))?;
            }
        }
        Format::Table => {
            writeln!(out, "{TABLE_HEADER}")?;
            for hit in &hits {
                writeln!(out, "{}", table_row(&EventSummary::from_raw(&hit.raw)))?;
            }
        }
        Format::Csv => {
            let mut csv = CsvOut::new(&mut out)?;
            for hit in &hits {
                csv.row(&EventSummary::from_raw(&hit.raw))?;
            }
            csv.flush()?;
        }
    }
    Ok(exit::OK)
}

/// Warnings and "no event has this field" hints, on stderr so they never mix with results.
pub fn report_hints(
    index: &TrailIndex,
    searcher: &tantivy::Searcher,
    compiled: &crate::index::CompiledQuery,
) {
    for warning in &compiled.warnings {
        eprintln!("note: {}", terminal_safe(warning));
    }
    for (path, similar) in index.missing_paths(searcher, &compiled.paths) {
        let path = terminal_safe(&path);
        if similar.is_empty() {
            eprintln!("note: no indexed event has a field `{path}`");
        } else {
            eprintln!(
                "note: no indexed event has a field `{path}`; did you mean {}?",
                similar
                    .iter()
                    .map(|s| format!("`{}`", terminal_safe(s)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
}
