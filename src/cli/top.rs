use std::io::{self, Write};
use std::path::Path;

use super::exit;
use crate::event::terminal_safe;
use crate::index::{TimeBounds, TrailIndex};

pub fn run(
    index_dir: &Path,
    field: &str,
    query: Option<&str>,
    time: TimeBounds,
    limit: usize,
) -> anyhow::Result<i32> {
    let index = TrailIndex::open(index_dir)?;
    let searcher = index.searcher()?;
    let filtered = query.is_some_and(|q| !q.trim().is_empty()) || time != TimeBounds::default();
    let compiled = if filtered {
        let compiled = index.prepare_query(query.unwrap_or(""), time)?;
        super::search::report_hints(&index, &searcher, &compiled);
        Some(compiled)
    } else {
        None
    };
    let top = index.top_values(
        &searcher,
        field,
        compiled.as_ref().map(|c| c.query.as_ref()),
        limit,
    )?;
    let mut out = io::stdout().lock();
    if top.is_empty() {
        eprintln!(
            "trailhound: no event has a value for `{}`",
            terminal_safe(field)
        );
    }
    let width = top
        .iter()
        .map(|t| t.count.to_string().len())
        .max()
        .unwrap_or(1);
    for entry in top {
        writeln!(
            out,
            "{:>width$}  {}",
            entry.count,
            terminal_safe(&entry.value)
        )?;
    }
    Ok(exit::OK)
}
