//! `trailhound athena`: the table over a trail bucket, the query language as Athena SQL, and
//! the answer's log files read into the index.
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::exit;
use crate::athena::client::{Athena, AthenaError, AthenaOptions, Progress};
use crate::athena::rows::record_of_row;
use crate::athena::{statement, translate_at, Scope, Select, TableLayout};
use crate::event::terminal_safe;
use crate::index::coverage::{AthenaMark, Checkpoint};
use crate::index::TrailIndex;
use crate::ingest::IngestOptions;
use crate::pull::COMMERCIAL_REGIONS;
use crate::query::caret_line;
use crate::s3::{BucketUrl, S3Options};
use crate::source::{as_cloudtrail, Delivery, Problem, Severity, SourceRecord};
use crate::units::{bytes, thousands};

/// The table a statement reads when none is named.
pub const DEFAULT_TABLE: &str = "default.cloudtrail_logs";

#[derive(clap::Subcommand)]
pub enum AthenaCommand {
    /// Print the CREATE EXTERNAL TABLE for a trail bucket, with partition projection on days,
    /// regions and (for an organisation trail) accounts
    Ddl(DdlArgs),
    /// Print the Athena SQL for a query: the same meaning as in the local index, always bounded
    /// by the days (and accounts and regions) it needs
    Sql(SqlArgs),
    /// Ask Athena which log files hold the query's matches and read those files from the
    /// bucket into the index (dedupe, detection and provenance apply; the neighbours of each
    /// match come along). The same question asked again reuses the finished execution
    Pull(PullArgs),
    /// Create the table (and its database) in Athena: runs the DDL `athena ddl` prints
    Setup {
        #[command(flatten)]
        table: DdlArgs,
        #[command(flatten)]
        athena: AthenaArgs,
    },
}

/// A question for Athena: the query and the window, accounts, regions and table it asks about.
#[derive(clap::Args)]
pub struct QuestionArgs {
    /// The query, e.g. 'user:alice AND eventName:Delete*'
    pub query: String,
    /// Events from this time on (24h, 7d, 2026-11-01T08:00:00Z) [default: the last day]
    #[arg(long, value_parser = checked_time)]
    pub since: Option<String>,
    /// Events until this time
    #[arg(long, value_parser = checked_time)]
    pub until: Option<String>,
    /// Only these accounts (an organisation table's account partition; repeatable)
    #[arg(long)]
    pub account: Vec<String>,
    /// Only these regions (repeatable)
    #[arg(long)]
    pub region: Vec<String>,
    /// Scan every day the bucket holds (Athena bills by the data it reads)
    #[arg(long, conflicts_with_all = ["since", "until"])]
    pub all_time: bool,
    #[arg(long, default_value = DEFAULT_TABLE)]
    pub table: String,
}

/// A time argument kept as typed (a re-run of `--since 7d` is the same question), once it parses.
fn checked_time(text: &str) -> Result<String, String> {
    super::parse_time_arg(text).map(|_| text.to_owned())
}

/// A question ready to send: its table, translated condition and scope.
struct Prepared {
    table: String,
    condition: String,
    scope: Scope,
}

impl QuestionArgs {
    /// Checks the names that go into SQL and translates the query; `Ok(None)` when the query has
    /// no exact translation (the error is said).
    fn prepare(&self, now: DateTime<Utc>) -> anyhow::Result<Option<Prepared>> {
        check_scope(&self.account, &self.region)?;
        let table = checked_table(&self.table)?;
        let time = |text: &Option<String>, parse: fn(&str) -> Result<DateTime<Utc>, String>| {
            text.as_deref()
                .map(parse)
                .transpose()
                .map_err(anyhow::Error::msg)
        };
        let since = time(&self.since, super::parse_time_arg)?;
        let until = time(&self.until, super::parse_until_arg)?;
        let Some(translation) = translated(&self.query, now) else {
            return Ok(None);
        };
        Ok(Some(Prepared {
            table,
            condition: translation.condition,
            scope: Scope {
                since,
                until,
                accounts: self.account.clone(),
                regions: self.region.clone(),
                all_time: self.all_time,
            },
        }))
    }
}

#[derive(clap::Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub question: QuestionArgs,
    /// Ask Athena again even if the same question was answered before
    #[arg(long)]
    pub fresh: bool,
    /// Rebuild the records from Athena's result rows instead of reading the files that hold
    /// them (for answers too big to fetch file by file; numbers and booleans come back as text)
    #[arg(long)]
    pub rows: bool,
    /// GETs in flight at once
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=512))]
    pub s3_requests: u16,
    #[command(flatten)]
    pub athena: AthenaArgs,
}

/// Where statements run in Athena.
#[derive(clap::Args)]
pub struct AthenaArgs {
    /// The AWS profile (default: the standard credential chain)
    #[arg(long)]
    pub profile: Option<String>,
    /// Athena's region [default: the configured region]
    #[arg(long = "athena-region", value_name = "REGION")]
    pub athena_region: Option<String>,
    /// The Athena workgroup (its output location and limits apply)
    #[arg(long)]
    pub workgroup: Option<String>,
    /// Where Athena writes results (s3://BUCKET/PREFIX/), when the workgroup names no place
    #[arg(long, value_name = "S3_URL")]
    pub output: Option<String>,
    /// Stop a query that runs longer than this (e.g. 10m)
    #[arg(long, value_parser = humantime::parse_duration)]
    pub timeout: Option<std::time::Duration>,
}

impl AthenaArgs {
    fn options(&self, database: Option<String>) -> anyhow::Result<AthenaOptions> {
        if let Some(output) = &self.output {
            anyhow::ensure!(
                output.starts_with("s3://") && output.len() > 5,
                "--output is an S3 location (s3://BUCKET/PREFIX/), not `{output}`"
            );
        }
        Ok(AthenaOptions {
            profile: self.profile.clone(),
            region: self.athena_region.clone(),
            workgroup: self.workgroup.clone(),
            output: self.output.as_ref().map(|o| {
                if o.ends_with('/') {
                    o.clone()
                } else {
                    format!("{o}/")
                }
            }),
            database,
            timeout: self.timeout,
        })
    }
}

#[derive(clap::Args)]
pub struct DdlArgs {
    /// The trail bucket (a name, or s3://BUCKET[/PREFIX])
    #[arg(long)]
    pub bucket: String,
    /// The trail's key prefix, if it has one
    #[arg(long)]
    pub prefix: Option<String>,
    /// The organisation id (o-…) of an organisation trail
    #[arg(long)]
    pub org: Option<String>,
    /// The account whose logs these are; for an organisation trail, its member accounts
    /// (repeatable; without them, every query must name its accounts)
    #[arg(long)]
    pub account: Vec<String>,
    /// The regions the trail logs (repeatable) [default: every commercial region]
    #[arg(long)]
    pub region: Vec<String>,
    #[arg(long, default_value = DEFAULT_TABLE)]
    pub table: String,
}

#[derive(clap::Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub question: QuestionArgs,
    /// Select the log files that hold matches ("$path") instead of the rows
    #[arg(long)]
    pub files: bool,
}

pub fn run(command: &AthenaCommand) -> anyhow::Result<i32> {
    match command {
        AthenaCommand::Ddl(args) => ddl(args),
        AthenaCommand::Sql(args) => sql(args),
        AthenaCommand::Setup { table, athena } => setup(table, athena),
        AthenaCommand::Pull(_) => unreachable!("needs the index: see run_pull"),
    }
}

/// Ctrl-C and SIGTERM set the flag, so a query is stopped in Athena before the command returns.
fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    super::pull::stop_on_ctrl_c(&stop);
    stop
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// `RUNNING · 1.2 GB scanned (~$0.0060) · 4 s`, for the progress line.
fn progress_line(progress: &Progress) -> String {
    let scanned = match progress.scanned_bytes {
        0 => String::new(),
        n => format!(
            " · {} scanned (~${:.4})",
            bytes(n.max(0) as u64),
            progress.dollars()
        ),
    };
    format!(
        "{} {}{scanned} · {} s",
        progress.execution_id,
        progress.state,
        progress.elapsed.as_secs()
    )
}

fn setup(table_args: &DdlArgs, athena_args: &AthenaArgs) -> anyhow::Result<i32> {
    let layout = layout(table_args)?;
    let table = checked_table(&table_args.table)?;
    let database = table.split_once('.').map(|(db, _)| db.to_owned());
    let options = athena_args.options(None)?;
    let stop = stop_flag();
    let mut statements = Vec::new();
    if let Some(database) = &database {
        statements.push(format!("CREATE DATABASE IF NOT EXISTS {database}"));
    }
    statements.push(layout.ddl(&table));
    let runtime = runtime()?;
    let live = std::io::stderr().is_terminal();
    let outcome = runtime.block_on(async {
        let athena = Athena::connect(&options).await;
        for sql in &statements {
            let id = athena.start(sql).await?;
            let done = athena
                .wait(&id, &stop, |p| {
                    if live {
                        eprint!("\r{}   ", progress_line(p));
                    }
                })
                .await;
            if live {
                eprintln!();
            }
            done?;
        }
        Ok::<_, AthenaError>(())
    });
    match outcome {
        Ok(()) => {
            eprintln!(
                "created {table} over {} (query it with `trailhound athena sql QUERY --table {table}`)",
                layout.location()
            );
            Ok(exit::OK)
        }
        Err(error) => {
            eprintln!("error: {error}");
            Ok(exit::FAILURE)
        }
    }
}

fn ddl(args: &DdlArgs) -> anyhow::Result<i32> {
    let layout = layout(args)?;
    print!("{}", layout.ddl(&checked_table(&args.table)?));
    Ok(exit::OK)
}

/// The table layout the arguments describe, every name checked before it is written into SQL.
pub fn layout(args: &DdlArgs) -> anyhow::Result<TableLayout> {
    let (bucket, url_prefix) = match args.bucket.strip_prefix("s3://") {
        Some(rest) => match rest.split_once('/') {
            Some((bucket, prefix)) => (bucket.to_owned(), prefix.to_owned()),
            None => (rest.to_owned(), String::new()),
        },
        None => (args.bucket.clone(), String::new()),
    };
    let prefix = args.prefix.clone().unwrap_or(url_prefix);
    let prefix = prefix.trim_matches('/').to_owned();
    let prefix = prefix
        .strip_suffix("/AWSLogs")
        .or_else(|| (prefix == "AWSLogs").then_some(""))
        .unwrap_or(&prefix)
        .to_owned();
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-'));
    anyhow::ensure!(bucket_ok, "`{bucket}` is not an S3 bucket name");
    anyhow::ensure!(
        prefix.chars().all(|c| c.is_ascii_alphanumeric()
            || matches!(c, '/' | '-' | '_' | '.' | '!' | '*' | '(' | ')')),
        "the prefix `{prefix}` holds characters a table location cannot"
    );
    if let Some(org) = &args.org {
        let ok = org.len() > 2
            && org.starts_with("o-")
            && org[2..]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        anyhow::ensure!(ok, "`{org}` is not an organisation id (o-…)");
    } else {
        anyhow::ensure!(
            args.account.len() == 1,
            "a single-account trail's table needs its account (--account ID); an organisation trail's needs --org o-…"
        );
    }
    for account in &args.account {
        check_account(account)?;
    }
    let regions: Vec<String> = if args.region.is_empty() {
        COMMERCIAL_REGIONS.iter().map(|r| r.to_string()).collect()
    } else {
        args.region.clone()
    };
    for region in &regions {
        check_region(region)?;
    }
    Ok(TableLayout {
        bucket,
        prefix,
        organisation: args.org.clone(),
        accounts: args.account.clone(),
        regions,
    })
}

fn sql(args: &SqlArgs) -> anyhow::Result<i32> {
    let now = Utc::now();
    let Some(prepared) = args.question.prepare(now)? else {
        return Ok(exit::USAGE);
    };
    let select = if args.files {
        Select::Files
    } else {
        Select::Rows
    };
    println!(
        "{}",
        statement(
            &prepared.table,
            &prepared.scope,
            &prepared.condition,
            select,
            now
        )
    );
    Ok(exit::OK)
}

/// The query as Athena SQL, its notes said on stderr; `None` (with the error and a caret said)
/// when it has no exact translation.
fn translated(query: &str, now: DateTime<Utc>) -> Option<crate::athena::Translation> {
    match translate_at(query, now) {
        Ok(translation) => {
            for note in &translation.notes {
                eprintln!("note: {note}");
            }
            Some(translation)
        }
        Err(error) => {
            eprintln!(
                "error: the query cannot be sent to Athena: {}\n{}",
                error.message,
                caret_line(query, &error)
            );
            None
        }
    }
}

fn check_scope(accounts: &[String], regions: &[String]) -> anyhow::Result<()> {
    accounts.iter().try_for_each(|a| check_account(a))?;
    regions.iter().try_for_each(|r| check_region(r))
}

fn check_account(account: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()),
        "`{account}` is not an account id (12 digits)"
    );
    Ok(())
}

fn check_region(region: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        !region.is_empty()
            && region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
        "`{region}` is not a region name"
    );
    Ok(())
}

/// `DATABASE.TABLE` or `TABLE`, in the characters Athena allows unquoted.
fn checked_table(table: &str) -> anyhow::Result<String> {
    let part_ok = |part: &str| {
        !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let ok = match table.split_once('.') {
        Some((database, name)) => part_ok(database) && part_ok(name),
        None => part_ok(table),
    };
    anyhow::ensure!(
        ok,
        "`{table}` is not a table name (DATABASE.TABLE, letters, digits and _)"
    );
    Ok(table.to_owned())
}

/// `athena pull`: the question's files, found by Athena, read into the index at `index_dir`.
pub fn run_pull(
    index_dir: &Path,
    args: &PullArgs,
    rules: Option<&super::rules::RuleOptions>,
    quiet: bool,
) -> anyhow::Result<i32> {
    let now = Utc::now();
    let Some(Prepared {
        table,
        condition,
        scope,
    }) = args.question.prepare(now)?
    else {
        return Ok(exit::USAGE);
    };
    let select = match args.rows {
        true => Select::Records,
        false => Select::Files,
    };
    let sql = statement(&table, &scope, &condition, select, now);
    let question = question(args, &table);
    let index = TrailIndex::open_or_create(index_dir)?;
    let earlier = match args.fresh {
        true => None,
        false => index.coverage()?.athena.get(&question).cloned(),
    };
    let options = args
        .athena
        .options(table.split_once('.').map(|(db, _)| db.to_owned()))?;
    let stop = stop_flag();
    let live = std::io::stderr().is_terminal() && !quiet;
    let runtime = runtime()?;
    let answer = runtime.block_on(async {
        let athena = Athena::connect(&options).await;
        if let Some(earlier) = &earlier {
            let mut reused = None;
            // A finished execution's results stay readable for a while; if they are gone, ask again.
            if let Ok(done) = athena.wait(&earlier.execution_id, &stop, |_| {}).await {
                if let Ok(rows) = athena.rows(&earlier.execution_id).await {
                    if !quiet {
                        eprintln!(
                            "reusing Athena execution {} from {} (--fresh asks again)",
                            earlier.execution_id,
                            earlier.answered.format("%Y-%m-%d %H:%M UTC")
                        );
                    }
                    reused = Some((done, rows));
                }
            }
            if let Some(reused) = reused {
                return Ok(reused);
            }
        }
        let id = athena.start(&sql).await?;
        let done = athena
            .wait(&id, &stop, |p| {
                if live {
                    eprint!("\r{}   ", progress_line(p));
                }
            })
            .await;
        if live {
            eprintln!();
        }
        let done = done?;
        let rows = athena.rows(&id).await?;
        Ok::<_, AthenaError>((done, rows))
    });
    let (done, rows) = match answer {
        Ok(answer) => answer,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(exit::FAILURE);
        }
    };
    let (objects, bad) = match args.rows {
        true => (BTreeMap::new(), Vec::new()),
        false => files_of(&rows),
    };
    for path in &bad {
        eprintln!(
            "warning: Athena named `{}`, which is not an s3:// object: passed over",
            terminal_safe(path)
        );
    }
    let files: usize = objects.values().map(Vec::len).sum();
    if !quiet {
        eprintln!(
            "Athena execution {}: {}, {} scanned (~${:.4}); {}",
            done.execution_id,
            done.state,
            bytes(done.scanned_bytes.max(0) as u64),
            done.dollars(),
            match args.rows {
                true => format!("{} matching records", thousands(rows.len() as u64)),
                false => format!("{} log files hold matches", thousands(files as u64)),
            }
        );
    }
    let mark = AthenaMark {
        question,
        query: args.question.query.clone(),
        sql,
        since: scope.since,
        until: scope.until,
        execution_id: done.execution_id.clone(),
        scanned_bytes: done.scanned_bytes,
        files: files as u64,
        failed_files: 0,
        rows: if args.rows { rows.len() as u64 } else { 0 },
        answered: earlier.map(|e| e.answered).unwrap_or(now),
    };
    let deliveries = match args.rows {
        true => deliveries_of(&rows, &table, &mark),
        false => Vec::new(),
    };
    let ingest = IngestOptions {
        detector: match rules {
            Some(rules) => Some(Arc::new(super::rules::detector(rules)?)),
            None => None,
        },
        s3: S3Options {
            profile: args.athena.profile.clone(),
            requests: usize::from(args.s3_requests),
            ..S3Options::default()
        },
        stop: Some(stop),
        objects,
        deliveries: Arc::new(std::sync::Mutex::new(deliveries)),
        athena: Some(mark),
        ..IngestOptions::default()
    };
    let summary = super::ingest::ingest_with_progress(&index, &[], &ingest, quiet)?;
    if !quiet && summary.new + summary.duplicates > 0 {
        eprintln!(
            "the matches: trailhound search '{}'",
            terminal_safe(&args.question.query).replace('\'', "'\\''")
        );
    }
    Ok(
        if summary.rejected > 0
            || summary
                .buckets
                .iter()
                .any(|b| b.failed || b.failed_objects > 0)
        {
            exit::PARTIAL
        } else {
            exit::OK
        },
    )
}

/// What makes two pulls the same question: the query, the table and the scope as typed.
fn question(args: &PullArgs, table: &str) -> String {
    let asked = &args.question;
    format!(
        "{table} | {} | since {} | until {} | accounts {} | regions {}{}{}",
        asked.query,
        asked.since.as_deref().unwrap_or("-"),
        asked.until.as_deref().unwrap_or("-"),
        asked.account.join(","),
        asked.region.join(","),
        if asked.all_time { " | all time" } else { "" },
        if args.rows { " | rows" } else { "" }
    )
}

/// Records per delivery handed to the writer.
const ROWS_PER_DELIVERY: usize = 1000;

/// The records rebuilt from an answer's rows, a thousand to a delivery; a row that cannot be
/// one is a problem naming the execution and the row.
fn deliveries_of(rows: &[Vec<Option<String>>], table: &str, mark: &AthenaMark) -> Vec<Delivery> {
    let source: Arc<str> = format!("athena {table}").into();
    let name: Arc<str> = format!("athena {}", mark.execution_id).into();
    let mut deliveries = Vec::new();
    for (chunk_at, chunk) in rows.chunks(ROWS_PER_DELIVERY).enumerate() {
        let mut records = Vec::with_capacity(chunk.len());
        let mut problems = Vec::new();
        for (at, row) in chunk.iter().enumerate() {
            let number = chunk_at * ROWS_PER_DELIVERY + at + 1;
            let reject = |problems: &mut Vec<Problem>, message: String| {
                problems.push(Problem::record(Severity::Rejected, &name, number, message));
            };
            let folded = match record_of_row(row) {
                Ok(folded) => folded,
                Err(message) => {
                    reject(&mut problems, message);
                    continue;
                }
            };
            let mut value = folded;
            as_cloudtrail(&mut value);
            let raw = value.to_string();
            let Some(event_id) = value["eventID"].as_str().map(str::to_owned) else {
                reject(&mut problems, "the row has no eventid".to_owned());
                continue;
            };
            records.push(SourceRecord {
                number,
                raw: raw.into(),
                value,
                event_id,
            });
        }
        deliveries.push(Delivery {
            source: source.clone(),
            name: name.clone(),
            records,
            problems,
            checkpoint: Checkpoint::Athena(mark.clone()),
            arrived: std::time::Instant::now(),
        });
    }
    deliveries
}

/// The `"$path"` values of an answer, by bucket; and the values that are not S3 objects.
fn files_of(rows: &[Vec<Option<String>>]) -> (BTreeMap<BucketUrl, Vec<String>>, Vec<String>) {
    let mut objects: BTreeMap<BucketUrl, Vec<String>> = BTreeMap::new();
    let mut bad = Vec::new();
    for path in rows.iter().filter_map(|row| row.first().cloned().flatten()) {
        let parsed = BucketUrl::parse(&path).and_then(Result::ok);
        match parsed {
            Some(url) if !url.prefix.is_empty() => {
                let key = url.prefix.trim_end_matches('/').to_owned();
                let bucket = BucketUrl {
                    bucket: url.bucket,
                    prefix: String::new(),
                };
                objects.entry(bucket).or_default().push(key);
            }
            _ => bad.push(path),
        }
    }
    for keys in objects.values_mut() {
        keys.sort();
        keys.dedup();
    }
    (objects, bad)
}
