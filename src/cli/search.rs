use std::io::{self, Write};
use std::path::Path;

use super::exit;
use super::output::{jsonl_line, table_row, CsvOut, Format, TABLE_HEADER};
use crate::event::{terminal_safe, EventSummary};
use crate::index::{SortOrder, TimeBounds, TrailIndex};
use crate::units::thousands;

pub struct SearchArgs {
    pub query: String,
    pub time: TimeBounds,
    /// `None`: everything, except a first page on a terminal; `Some(0)`: everything.
    pub limit: Option<usize>,
    pub format: Format,
    pub count: bool,
    pub oldest_first: bool,
    /// Whether stdout is a terminal (a person reading) rather than a pipe or file (a program).
    pub terminal: bool,
    /// Write the rows to this file (whole, or not at all) instead of standard output.
    pub output: Option<std::path::PathBuf>,
}

/// The rows a person reading a table in a terminal sees before being told how to get the rest.
pub const TERMINAL_PAGE: usize = 50;

impl SearchArgs {
    /// How many rows to print: every match where a program reads the output, a first page on a
    /// terminal unless `--limit` says otherwise.
    pub fn effective_limit(&self) -> Option<usize> {
        match self.limit {
            Some(0) => None,
            Some(n) => Some(n),
            None if self.terminal && self.format == Format::Table => Some(TERMINAL_PAGE),
            None => None,
        }
    }
}

pub fn run(index_dir: &Path, args: &SearchArgs) -> anyhow::Result<i32> {
    let index = TrailIndex::open(index_dir)?;
    let searcher = index.searcher()?;
    let out = io::stdout();
    let mut out = out.lock();
    let compiled = index.prepare_query(&args.query, args.time)?;
    report_hints(&index, &searcher, &compiled);
    if args.count {
        writeln!(out, "{}", index.count(&searcher, compiled.query.as_ref())?)?;
        report_empty_window(&index, &searcher, args.time)?;
        return Ok(exit::OK);
    }
    let limit = args.effective_limit();
    let total = match limit {
        Some(_) => Some(index.count(&searcher, compiled.query.as_ref())?),
        None => None,
    };
    let order = if args.oldest_first {
        SortOrder::OldestFirst
    } else {
        SortOrder::NewestFirst
    };
    let write_rows = |out: &mut dyn Write| -> anyhow::Result<usize> {
        let mut rows = RowWriter::new(out, args.format)?;
        let shown = index.for_each_match(
            &searcher,
            compiled.query.as_ref(),
            args.time,
            order,
            |hit| -> anyhow::Result<bool> {
                rows.write(&hit.raw)?;
                Ok(limit.is_none_or(|limit| rows.written < limit))
            },
        )?;
        rows.finish()?;
        Ok(shown)
    };
    let shown = match &args.output {
        None => write_rows(&mut out)?,
        Some(path) => {
            drop(out);
            let shown = write_file(path, write_rows)?;
            println!(
                "exported {} events to {}",
                thousands(shown as u64),
                crate::event::terminal_safe(&path.display().to_string())
            );
            return Ok(exit::OK);
        }
    };
    drop(out);
    if let (Some(total), Some(_)) = (total, limit) {
        if total > shown {
            eprintln!(
                "note: showing {} of {} matching events; {} more with --limit 0 (output read by a program, --format jsonl or csv, gets them all)",
                thousands(shown as u64),
                thousands(total as u64),
                thousands((total - shown) as u64),
            );
        }
    }
    if shown == 0 {
        report_empty_window(&index, &searcher, args.time)?;
    }
    Ok(exit::OK)
}

/// Writes `path` through a temporary file beside it, renamed over it once whole: a failed or
/// stopped export leaves no half file.
fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<usize>,
) -> anyhow::Result<usize> {
    let staged = crate::state_file::staged_path(path);
    let named = |e: std::io::Error| anyhow::anyhow!("{}: {e}", path.display());
    let file = std::fs::File::create(&staged).map_err(named)?;
    let mut out = std::io::BufWriter::new(file);
    let written = write(&mut out).and_then(|n| {
        out.flush()?;
        Ok(n)
    });
    match written {
        Ok(n) => {
            std::fs::rename(&staged, path).map_err(named)?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            Err(e)
        }
    }
}

/// Writes rows as they come, in the chosen format.
struct RowWriter<'a, W: Write + ?Sized> {
    sink: RowSink<'a, W>,
    written: usize,
}

enum RowSink<'a, W: Write + ?Sized> {
    Table(&'a mut W),
    Jsonl(&'a mut W),
    Csv(Box<CsvOut<&'a mut W>>),
}

impl<'a, W: Write + ?Sized> RowWriter<'a, W> {
    fn new(out: &'a mut W, format: Format) -> anyhow::Result<Self> {
        let sink = match format {
            Format::Table => {
                writeln!(out, "{TABLE_HEADER}")?;
                RowSink::Table(out)
            }
            Format::Jsonl => RowSink::Jsonl(out),
            Format::Csv => RowSink::Csv(Box::new(CsvOut::new(out)?)),
        };
        Ok(RowWriter { sink, written: 0 })
    }

    fn write(&mut self, raw: &str) -> anyhow::Result<()> {
        match &mut self.sink {
            RowSink::Table(out) => writeln!(out, "{}", table_row(&EventSummary::from_raw(raw)))?,
            RowSink::Jsonl(out) => writeln!(out, "{}", jsonl_line(raw))?,
            RowSink::Csv(csv) => csv.row(&EventSummary::from_raw(raw))?,
        }
        self.written += 1;
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        match self.sink {
            RowSink::Table(out) | RowSink::Jsonl(out) => out.flush(),
            RowSink::Csv(mut csv) => csv.flush(),
        }
    }
}

/// When the time window holds no event at all, says so and where the index's events lie: an
/// archive older than `--since 24h` is not "nothing happened".
fn report_empty_window(
    index: &TrailIndex,
    searcher: &tantivy::Searcher,
    time: TimeBounds,
) -> anyhow::Result<()> {
    if time.since.is_none() && time.until.is_none() {
        return Ok(());
    }
    let window = index.prepare_query("", time)?;
    if index.count(searcher, window.query.as_ref())? > 0 {
        return Ok(());
    }
    let text = |t: Option<chrono::DateTime<chrono::Utc>>, open: &str| {
        t.map_or(open.to_owned(), |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
    };
    let window = format!(
        "{} to {}",
        text(time.since, "the first event"),
        text(time.until, "now")
    );
    match index.time_span(searcher)? {
        Some((first, last)) => eprintln!(
            "note: no indexed event falls in {window}; the index spans {} to {}",
            text(Some(first), ""),
            text(Some(last), "")
        ),
        None => {
            eprintln!("note: no indexed event falls in {window}; the index holds no timed events")
        }
    }
    Ok(())
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
