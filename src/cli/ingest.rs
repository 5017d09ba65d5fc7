use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::{exit, ingest_integrity};
use crate::index::activity::{self, ActivityReport};
use crate::index::TrailIndex;
use crate::ingest::{ingest_with, IngestObserver, IngestOptions, IngestSummary};
use crate::s3::{BucketUrl, S3Options, Selection};
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

    fn found(&mut self, files: usize) {
        self.total += files;
        if let Some(bar) = &self.bar {
            bar.set_length(self.total as u64);
        } else if self.next_line_at == 0 && !self.quiet {
            self.next_line_at = self.total.div_ceil(10).max(1);
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

/// What `trailhound ingest` reads: local paths and trail buckets, and what to select of the buckets.
#[derive(clap::Args, Debug)]
pub struct IngestArgs {
    /// Files, folders (any depth), - for standard input, or s3://BUCKET[/PREFIX] for a trail bucket
    #[arg(required = true, value_name = "PATH|S3_URL")]
    pub paths: Vec<PathBuf>,
    /// From a bucket: only files delivered at or after this (24h, 7d, 2026-11-01, a time)
    #[arg(long, value_parser = super::parse_time_arg)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// From a bucket: only files delivered up to an hour after this (a date reaches its end)
    #[arg(long, value_parser = super::parse_until_arg)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// From a bucket: only this account's folders (repeatable)
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// From a bucket: only this region's folders (repeatable)
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// AWS profile for buckets [default: AWS_PROFILE, then the standard credential chain]
    #[arg(long)]
    pub profile: Option<String>,
    /// From a bucket: keep listing for new files and ingest them as they arrive, until Ctrl-C
    #[arg(long)]
    pub follow: bool,
    /// With --follow: how long to wait between listings
    #[arg(long, default_value = "60s", value_parser = parse_interval, requires = "follow")]
    pub interval: Duration,
    /// GETs in flight at once per bucket
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub s3_requests: u16,
    /// List (and read) the day folders earlier runs finished again: for objects that reached the
    /// bucket more than a day late (a replication backlog, a restore); events already indexed
    /// are not added twice
    #[arg(long)]
    pub relist: bool,
    /// Commit after this many new events (default 250000; also every 30 s)
    #[arg(long, hide = true)]
    pub commit_every: Option<usize>,
    /// Index only; evaluate no detection rules
    #[arg(long)]
    pub no_rules: bool,
    /// Do not check local files against the digests beside them (`@integrity`)
    #[arg(long)]
    pub no_verify: bool,
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|_| format!("`{text}` is not a duration (30s, 5m)"))
}

/// Splits the arguments into local paths and bucket URLs; a malformed URL is a usage error.
fn split_inputs(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<BucketUrl>), String> {
    let mut local = Vec::new();
    let mut buckets = Vec::new();
    for path in paths {
        match path.to_str().and_then(BucketUrl::parse) {
            Some(url) => buckets.push(url?),
            None => local.push(path.clone()),
        }
    }
    Ok((local, buckets))
}

pub fn run(
    index_dir: &Path,
    args: &IngestArgs,
    rules: Option<&super::rules::RuleOptions>,
    quiet: bool,
) -> anyhow::Result<i32> {
    // Checked before the index is created, so that a typo leaves nothing behind.
    let (paths, buckets) = match split_inputs(&args.paths) {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("trailhound: {message}");
            return Ok(exit::USAGE);
        }
    };
    let bucket_only = args.since.is_some()
        || args.until.is_some()
        || !args.accounts.is_empty()
        || !args.regions.is_empty()
        || args.follow;
    if buckets.is_empty() && bucket_only {
        eprintln!("trailhound: --since, --until, --account, --region and --follow select what is read from an s3:// bucket; local files are read whole");
        return Ok(exit::USAGE);
    }
    let stop = Arc::new(AtomicBool::new(false));
    if args.follow {
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, stop.clone());
            let _ = signal_hook::flag::register(signal, stop.clone());
        }
    }
    let index = TrailIndex::open_or_create(index_dir)?;
    let started = Instant::now();
    let options = IngestOptions {
        commit_every: args.commit_every,
        detector: match rules {
            Some(rules) => Some(std::sync::Arc::new(super::rules::detector(rules)?)),
            None => None,
        },
        buckets,
        s3: S3Options {
            profile: args.profile.clone(),
            selection: Selection {
                accounts: args.accounts.clone(),
                regions: args.regions.clone(),
                since: args.since,
                until: args.until,
            },
            requests: usize::from(args.s3_requests),
            relist: args.relist,
            // A follow would hold every key it ever listed until it stops: it leaves the check
            // to `verify`.
            hash_logs: !args.no_verify && !args.follow,
            follow: args.follow.then_some(args.interval),
        },
        stop: Some(stop),
        hash_local_logs: !args.no_verify,
        ..IngestOptions::default()
    };
    let summary = ingest_with_progress(&index, &paths, &options, quiet)?;
    if !args.no_verify {
        if !paths.is_empty() {
            ingest_integrity::keep_local(&index, &paths, &summary.local_hashes, quiet);
        }
        for (url, report) in options.buckets.iter().zip(&summary.buckets) {
            // A run that read nothing new has nothing new to check.
            if report.objects > 0 {
                ingest_integrity::keep_bucket(&index, url, &options.s3, report, quiet);
            }
        }
    }
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
    Ok(
        if summary.rejected > 0 || summary.buckets.iter().any(|b| b.failed) {
            exit::PARTIAL
        } else {
            exit::OK
        },
    )
}

/// Runs an ingest with the command line's progress, then prints the problems left unprinted,
/// what each bucket read, and the summary line.
pub(crate) fn ingest_with_progress(
    index: &TrailIndex,
    paths: &[PathBuf],
    options: &IngestOptions,
    quiet: bool,
) -> anyhow::Result<IngestSummary> {
    let mut progress = CliProgress::new(quiet, index.dir());
    let result = ingest_with(index, paths, options, &mut progress);
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
    if !quiet {
        for bucket in &summary.buckets {
            eprintln!("{bucket}");
        }
    }
    println!("{summary}");
    Ok(summary)
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
