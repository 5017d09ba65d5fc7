use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::exit;
use crate::index::activity::{self, ActivityReport};
use crate::index::TrailIndex;
use crate::ingest::{ingest_with, IngestObserver, IngestOptions, IngestSummary};
use crate::source::{Problem, Severity};

/// Problem lines printed before the rest are only counted, so a broken archive cannot flood a terminal.
const MAX_PROBLEM_LINES: u64 = 1000;
/// How often the live activity beside the index is rewritten (a terminal UI polls it).
const PUBLISH_EVERY: Duration = Duration::from_millis(500);
/// The newest problems the live report lists, so that a UI shows what went wrong while it runs.
const LIVE_PROBLEMS: usize = 8;

/// What `trailhound tui`, here or in another terminal, shows while this runs: a one-line summary
/// for the status line, and the counts and newest problems for its background-work overlay.
struct LiveActivity {
    index_dir: PathBuf,
    report: ActivityReport,
    published: Option<Instant>,
    problems: std::collections::VecDeque<String>,
    problem_count: u64,
}

impl LiveActivity {
    fn new(index_dir: &Path) -> LiveActivity {
        LiveActivity {
            index_dir: index_dir.to_owned(),
            report: ActivityReport::new("ingest"),
            published: None,
            problems: std::collections::VecDeque::new(),
            problem_count: 0,
        }
    }

    /// `ingest: 41% 120/290 files, 1.2M events, 24k ev/s`, published at most every half second
    /// (always when `force`).
    fn update(
        &mut self,
        done: usize,
        total: usize,
        summary: &IngestSummary,
        elapsed: Duration,
        force: bool,
    ) {
        let due = self
            .published
            .is_none_or(|at| at.elapsed() >= PUBLISH_EVERY);
        if !(due || force) {
            return;
        }
        let percent = (done * 100).checked_div(total).unwrap_or(0);
        let rate = (summary.records as f64 / elapsed.as_secs_f64().max(0.001)) as u64;
        self.report.summary = format!(
            "ingest: {percent}% {done}/{total} files, {} events, {} ev/s",
            crate::units::compact(summary.records),
            crate::units::compact(rate)
        );
        self.report.details = vec![summary.to_string()];
        if self.problem_count > 0 {
            self.report.details.push(format!(
                "{} problems, the newest {}:",
                crate::units::thousands(self.problem_count),
                self.problems.len()
            ));
            self.report
                .details
                .extend(self.problems.iter().map(|p| format!("  {p}")));
        }
        self.publish();
    }

    fn problem(&mut self, problem: &Problem) {
        self.problem_count += 1;
        if self.problems.len() == LIVE_PROBLEMS {
            self.problems.pop_front();
        }
        self.problems.push_back(problem.to_string());
    }

    fn finish(&mut self, outcome: &str) {
        self.report.finished = true;
        self.report.summary = format!("ingest: {outcome}");
        self.publish();
    }

    /// Best effort: the activity is a courtesy to readers, never a reason to fail an ingest.
    fn publish(&mut self) {
        let _ = activity::publish(&self.index_dir, &self.report);
        self.published = Some(Instant::now());
    }
}

/// Progress on stderr: a live bar on a terminal, a line every ten percent otherwise.
struct CliProgress {
    live: LiveActivity,
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
    fn new(quiet: bool, index_dir: &Path) -> CliProgress {
        CliProgress {
            live: LiveActivity::new(index_dir),
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
        self.live
            .update(0, files, &IngestSummary::default(), Duration::ZERO, true);
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
            eprintln!(
                "ingesting {files} file{}",
                if files == 1 { "" } else { "s" }
            );
            self.next_line_at = files.div_ceil(10).max(1);
        }
    }

    fn file_done(&mut self, summary: &IngestSummary) {
        self.done += 1;
        let elapsed = self.started.elapsed();
        self.live
            .update(self.done, self.total, summary, elapsed, false);
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
        self.live.problem(problem);
        if self.printed < MAX_PROBLEM_LINES {
            self.printed += 1;
            self.print(&problem.to_string());
        } else {
            self.unprinted += 1;
        }
    }
}

/// The argument, when it is an `s3://` URL rather than a path.
fn s3_url(path: &Path) -> Option<String> {
    let text = path.to_string_lossy();
    text.get(..5)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("s3://"))
        .then(|| text.into_owned())
}

pub fn run(
    index_dir: &Path,
    paths: &[PathBuf],
    commit_every: Option<usize>,
    rules: Option<&super::rules::RuleOptions>,
    quiet: bool,
) -> anyhow::Result<i32> {
    // Refused before the index is created: a URL is not a path, and an empty index would be
    // left behind.
    if let Some(url) = paths.iter().find_map(|p| s3_url(p)) {
        let safe = crate::event::terminal_safe(&url);
        let local = safe
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|last| !last.is_empty() && !last.contains(':'))
            .unwrap_or("trail")
            .to_owned();
        eprintln!(
            "trailhound: {safe}: ingest reads local files and folders; reading S3 directly is coming. Until then:\n  aws s3 sync {safe} ./{local} && trailhound ingest ./{local}"
        );
        return Ok(super::exit::USAGE);
    }
    let index = TrailIndex::open_or_create(index_dir)?;
    let mut progress = CliProgress::new(quiet, index.dir());
    let started = Instant::now();
    let options = IngestOptions {
        commit_every,
        detector: match rules {
            Some(rules) => Some(std::sync::Arc::new(super::rules::detector(rules)?)),
            None => None,
        },
    };
    let result = ingest_with(&index, paths, &options, &mut progress);
    match &result {
        Ok(summary) => progress.live.finish(&format!(
            "done, {} new events",
            crate::units::compact(summary.new)
        )),
        Err(_) => progress.live.finish("failed"),
    }
    let summary = result?;
    if let Some(bar) = progress.bar.take() {
        bar.finish_and_clear();
    }
    if progress.unprinted > 0 {
        eprintln!("({} more problems not shown)", progress.unprinted);
    }
    println!("{summary}");
    if summary.alerts > 0 && !quiet {
        eprintln!(
            "{} alerts in the index; see `trailhound alerts`",
            summary.alerts
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_activity_reads_like_a_status_line_and_is_throttled() {
        let dir = tempfile::tempdir().expect("dir");
        let mut live = LiveActivity::new(dir.path());
        let mut summary = IngestSummary {
            records: 1_200_000,
            new: 1_100_000,
            duplicates: 99_999,
            rejected: 1,
            ..IngestSummary::default()
        };
        for record in 1..=10 {
            live.problem(&Problem {
                severity: Severity::Rejected,
                file: "a/b.json.gz".into(),
                record: Some(record),
                message: "invalid JSON\u{1b}[2J".into(),
            });
        }
        live.update(120, 290, &summary, Duration::from_secs(50), false);
        let report = activity::read(dir.path()).expect("published");
        assert_eq!(
            report.summary,
            "ingest: 41% 120/290 files, 1.2M events, 24k ev/s"
        );
        assert_eq!(
            report.details[..3],
            [
                "files 0, records 1200000, new 1100000, duplicates 99999, skipped 0, rejected 1, warnings 0",
                "10 problems, the newest 8:",
                "  rejected: a/b.json.gz: record 3: invalid JSON\\u{1b}[2J"
            ]
        );
        assert_eq!(report.details.len(), 2 + LIVE_PROBLEMS);
        assert!(report.is_live(chrono::Utc::now()));
        summary.records = 1_210_000;
        live.update(121, 290, &summary, Duration::from_secs(51), false);
        assert_eq!(
            activity::read(dir.path()).expect("published").summary,
            report.summary,
            "not rewritten within half a second"
        );
        live.finish("done, 290 new events");
        let report = activity::read(dir.path()).expect("published");
        assert!(!report.is_live(chrono::Utc::now()));
    }
}
