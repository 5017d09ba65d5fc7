//! trailhound's command line: parsing and dispatch only.
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use trailhound::cli::{self, exit, output::Format};
use trailhound::index::TimeBounds;

#[derive(Parser)]
#[command(
    name = "trailhound",
    version,
    about = "Investigate AWS CloudTrail from the terminal"
)]
struct Cli {
    /// Index directory [default: the platform data directory]
    #[arg(long, global = true, value_name = "DIR")]
    index: Option<PathBuf>,
    /// Print only results, no progress
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest trail archives: files, folders (any depth), or - for stdin; gzipped or plain
    Ingest {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Commit after this many new events (default 250000; also every 30 s)
        #[arg(long, hide = true)]
        commit_every: Option<usize>,
    },
    /// Search events with Lucene / Elasticsearch query_string syntax, newest first
    Search {
        /// The query, e.g. 'eventName:StopLogging OR user:alice' (empty matches everything)
        #[arg(default_value = "")]
        query: String,
        #[command(flatten)]
        time: TimeArgs,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Print only the number of matching events
        #[arg(long)]
        count: bool,
        /// Oldest first instead of newest first
        #[arg(long)]
        oldest_first: bool,
    },
    /// Print one event's raw record, pretty-printed
    Show { event_id: String },
    /// The most frequent values of a field among matching events
    Top {
        /// A field path or alias: sourceIPAddress, eventName, user, ip, region, ...
        field: String,
        /// Only count events matching this query
        query: Option<String>,
        #[command(flatten)]
        time: TimeArgs,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// What the index holds: sources, accounts, regions, time span
    Info,
    /// Ingest the bundled demo archive into a temporary index and walk its incident
    Demo,
    /// Write a synthetic CloudTrail archive (for tests and benchmarks)
    #[command(hide = true)]
    Gen {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_parser = parse_time_arg)]
        start: Option<DateTime<Utc>>,
        #[arg(long, default_value_t = 7)]
        days: u32,
        #[arg(long, default_value_t = 2)]
        accounts: usize,
        #[arg(long, default_value_t = 30)]
        events_per_file: usize,
        #[arg(long)]
        no_attacks: bool,
        #[arg(long)]
        org_id: Option<String>,
    },
}

#[derive(clap::Args)]
struct TimeArgs {
    /// Only events at or after this: a duration back from now (24h, 7d) or a time (2026-11-01T08:00:00Z)
    #[arg(long, value_parser = parse_time_arg)]
    since: Option<DateTime<Utc>>,
    /// Only events at or before this time
    #[arg(long, value_parser = parse_time_arg)]
    until: Option<DateTime<Utc>>,
}

impl From<TimeArgs> for TimeBounds {
    fn from(args: TimeArgs) -> TimeBounds {
        TimeBounds {
            since: args.since,
            until: args.until,
        }
    }
}

fn parse_time_arg(text: &str) -> Result<DateTime<Utc>, String> {
    let now = Utc::now();
    if let Ok(ago) = humantime::parse_duration(text) {
        let ago = chrono::Duration::from_std(ago).map_err(|e| e.to_string())?;
        return Ok(now - ago);
    }
    trailhound::index::parse_time(text, now).ok_or_else(|| {
        format!("`{text}` is not a duration (24h, 7d) or a time (2026-11-01T08:00:00Z, 2026-11-01)")
    })
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    let Some(command) = cli.command else {
        use clap::CommandFactory;
        Cli::command().print_help()?;
        return Ok(exit::USAGE);
    };
    if let Command::Demo = command {
        return cli::demo::run();
    }
    if let Command::Gen {
        out,
        events,
        seed,
        start,
        days,
        accounts,
        events_per_file,
        no_attacks,
        org_id,
    } = command
    {
        return cli::gen::run(cli::gen::GenArgs {
            out,
            events,
            seed,
            start,
            days,
            accounts,
            events_per_file,
            no_attacks,
            org_id,
        });
    }
    let index_dir = trailhound::config::index_dir(cli.index)?;
    match command {
        Command::Ingest {
            paths,
            commit_every,
        } => cli::ingest::run(&index_dir, &paths, commit_every, cli.quiet),
        Command::Search {
            query,
            time,
            limit,
            format,
            count,
            oldest_first,
        } => {
            let args = cli::search::SearchArgs {
                query,
                time: time.into(),
                limit,
                format,
                count,
                oldest_first,
            };
            cli::search::run(&index_dir, &args)
        }
        Command::Show { event_id } => cli::show::run(&index_dir, &event_id),
        Command::Top {
            field,
            query,
            time,
            limit,
        } => cli::top::run(&index_dir, &field, query.as_deref(), time.into(), limit),
        Command::Info => cli::info::run(&index_dir),
        Command::Demo | Command::Gen { .. } => unreachable!("dispatched above"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(error) => {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::from(exit::OK as u8);
                }
            }
            eprintln!(
                "trailhound: {}",
                trailhound::event::terminal_safe(&format!("{error:#}"))
            );
            ExitCode::from(exit::FAILURE as u8)
        }
    }
}
