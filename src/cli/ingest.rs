use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::exit;
use crate::index::TrailIndex;
use crate::ingest::{ingest_with, IngestObserver, IngestOptions, IngestSummary};
use crate::source::{Problem, Severity};

/// Problem lines printed before the rest are only counted, so a broken archive cannot flood a terminal.
const MAX_PROBLEM_LINES: u64 = 1000;

/// Progress on stderr: a live bar on a terminal, a line every ten percent otherwise.
struct CliProgress {
    bar: Option<ProgressBar>,
    quiet: bool,
    total: usize,
    done: usize,
    next_line_at: usize,
    started: Instant,
    printed: u64,
    unprinted: u64,
}

impl CliProgress {
    fn new(quiet: bool) -> CliProgress {
        CliProgress {
            bar: None,
            quiet,
            total: 0,
            done: 0,
            next_line_at: 0,
            started: Instant::now(),
            printed: 0,
            unprinted: 0,
        }
    }

    fn print(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }
}

impl IngestObserver for CliProgress {
    fn started(&mut self, files: usize) {
        self.total = files;
        self.started = Instant::now();
        if self.quiet {
            return;
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(files as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {bar:30} {pos}/{len} files, {msg} [{elapsed_precise}, eta {eta}]",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some(bar);
        } else {
            eprintln!("ingesting {files} files");
            self.next_line_at = files.div_ceil(10).max(1);
        }
    }

    fn file_done(&mut self, summary: &IngestSummary) {
        self.done += 1;
        if let Some(bar) = &self.bar {
            bar.set_position(self.done as u64);
            bar.set_message(format!("{} events ({} new)", summary.records, summary.new));
        } else if !self.quiet && self.next_line_at > 0 && self.done >= self.next_line_at {
            self.next_line_at += self.total.div_ceil(10).max(1);
            eprintln!(
                "  {}/{} files, {} records, {} new ({:.0?})",
                self.done,
                self.total,
                summary.records,
                summary.new,
                self.started.elapsed()
            );
        }
    }

    fn problem(&mut self, problem: &Problem) {
        if problem.severity == Severity::Skipped && problem.message.starts_with("CloudTrail digest")
        {
            return;
        }
        if self.printed < MAX_PROBLEM_LINES {
            self.printed += 1;
            self.print(&problem.to_string());
        } else {
            self.unprinted += 1;
        }
    }
}

pub fn run(
    index_dir: &Path,
    paths: &[PathBuf],
    commit_every: Option<usize>,
    rules: Option<&super::rules::RuleOptions>,
    quiet: bool,
) -> anyhow::Result<i32> {
    let index = TrailIndex::open_or_create(index_dir)?;
    let mut progress = CliProgress::new(quiet);
    let started = Instant::now();
    let options = IngestOptions {
        commit_every,
        detector: match rules {
            Some(rules) => Some(std::sync::Arc::new(super::rules::detector(rules)?)),
            None => None,
        },
    };
    let summary = ingest_with(&index, paths, &options, &mut progress)?;
    if let Some(bar) = progress.bar.take() {
        bar.finish_and_clear();
    }
    if progress.unprinted > 0 {
        eprintln!("({} more problems not shown)", progress.unprinted);
    }
    println!("{summary}");
    if summary.alerts > 0 && !quiet {
        eprintln!("{} alerts; see `trailhound alerts`", summary.alerts);
    }
    if !quiet {
        eprintln!(
            "ingested in {:.1?} into {}",
            started.elapsed(),
            crate::event::terminal_safe(&index_dir.display().to_string())
        );
    }
    Ok(if summary.rejected > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    })
}
