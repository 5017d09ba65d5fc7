//! trailhound's command line: parsing and dispatch only.
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

use trailhound::cli::{self, exit, output::Format, parse_time_arg};
use trailhound::index::TimeBounds;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Also evaluate the Sigma rules in this folder (repeatable)
    #[arg(long = "rules", global = true, value_name = "DIR")]
    rule_dirs: Vec<PathBuf>,
    /// Config file [default: config.toml in the platform config directory]
    #[arg(long, global = true, value_name = "FILE", env = trailhound::config::CONFIG_ENV)]
    config: Option<PathBuf>,
    /// Run at a lower CPU priority (nice 10), so that an open UI stays quick; the UI starts its
    /// ingests and pulls this way
    #[arg(long, global = true)]
    low_priority: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest trail archives: files, folders (any depth), - for stdin, or s3://BUCKET[/PREFIX]
    /// trail buckets (pruned by --since/--account/--region, resumable, --follow)
    Ingest(cli::ingest::IngestArgs),
    /// Search events with Lucene / Elasticsearch query_string syntax, newest first
    Search {
        /// The query, e.g. 'eventName:StopLogging OR user:alice' (empty matches everything)
        #[arg(default_value = "")]
        query: String,
        #[command(flatten)]
        time: TimeArgs,
        /// At most this many events; 0 for all [default: all, except a first page of 50 when a
        /// table goes to a terminal]
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Print only the number of matching events
        #[arg(long)]
        count: bool,
        /// Oldest first instead of newest first
        #[arg(long)]
        oldest_first: bool,
        /// Write the rows to this file instead of standard output (written whole, then renamed
        /// into place)
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
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
    /// Can these logs be trusted? Check the digest chains of trail archives: signatures, log
    /// file hashes, files no digest lists, hours no digest covers (exit 1 on any of them)
    Verify(cli::verify::VerifyArgs),
    /// Athena over the trail bucket, for trails too big for one machine: the table's DDL, and a
    /// query as Athena SQL with the same meaning
    #[command(subcommand)]
    Athena(cli::athena::AthenaCommand),
    /// The case: pin events, alerts and principals, write notes, export the report
    #[command(subcommand)]
    Case(cli::case::CaseAction),
    /// The alert feed: rule matches grouped by principal (or the rule's key) and window;
    /// acknowledged alerts are listed (marked) unless --hide-acknowledged, suppressed ones not
    #[command(args_conflicts_with_subcommands = true)]
    Alerts {
        #[command(subcommand)]
        action: Option<AlertAction>,
        /// Only alerts at least this severe: info, low, medium, high, critical
        #[arg(long, value_parser = parse_severity)]
        min_severity: Option<trailhound::detect::pack::Severity>,
        /// Only alerts whose last event is at or after this
        #[arg(long, value_parser = parse_time_arg)]
        since: Option<DateTime<Utc>>,
        #[arg(long, value_enum, default_value_t = AlertFormat::Table)]
        format: AlertFormat,
        /// Evaluate every indexed event again with the current rules first
        #[arg(long)]
        recompute: bool,
        /// Leave out acknowledged alerts
        #[arg(long)]
        hide_acknowledged: bool,
        /// Also list suppressed alerts
        #[arg(long)]
        show_suppressed: bool,
    },
    /// The detection rules: list them, check rule files, run their samples
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Open the terminal UI on the index (what `trailhound` alone does in a terminal)
    Tui {
        /// Start with this query instead of every event
        query: Option<String>,
        /// Theme: dark, light, high-contrast, no-colour, or a file's name in <config>/themes
        /// [default: config.toml's [ui] theme, else dark]
        #[arg(long, env = trailhound::tui::app::THEME_ENV)]
        theme: Option<String>,
        /// Keymap: default, vim, or a file's name in <config>/keymaps [default: config.toml's
        /// [ui] keymap, else default]
        #[arg(long, env = trailhound::tui::app::KEYMAP_ENV)]
        keymap: Option<String>,
    },
    /// Pull the 90-day event history from the CloudTrail LookupEvents API (resumable; later
    /// pulls fetch only what is new)
    Pull(cli::pull::PullArgs),
    /// Ingest the bundled demo archive into a temporary index (or the one given with --index,
    /// which is kept) and open the terminal UI on it (or, when stdout is not a terminal, print a
    /// walk through its incident)
    Demo {
        /// Print the walk through the incident instead of opening the terminal UI
        #[arg(long)]
        print: bool,
    },
    /// Write a synthetic CloudTrail archive (for tests and benchmarks)
    #[command(hide = true)]
    Gen(cli::gen::GenArgs),
}

/// What an investigator does to alerts, by the ids `alerts` shows.
#[derive(Subcommand)]
enum AlertAction {
    /// Mark alerts as seen: still listed, marked (acknowledged)
    Ack {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Undo ack
    Unack {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Hide alerts from the feed (list them with --show-suppressed)
    Suppress {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// Undo suppress
    Unsuppress {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Every configured rule: id, severity, kind, title
    List,
    /// Parse rule files or folders; one line per problem; exit 0 only when every rule loads
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Run every rule's samples: each must fire on its match samples and not on the others
    Test,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AlertFormat {
    Table,
    Jsonl,
}

fn parse_severity(text: &str) -> Result<trailhound::detect::pack::Severity, String> {
    // The UI's short tags (CRIT, MED, INFO) work too.
    let text = text.to_ascii_lowercase();
    let full = match text.as_str() {
        "crit" => "critical",
        "med" => "medium",
        "informational" => "info",
        other => other,
    };
    trailhound::detect::pack::Severity::parse(full)
        .ok_or_else(|| format!("`{text}` is not a severity: info, low, medium, high or critical"))
}

#[derive(clap::Args)]
struct TimeArgs {
    /// Only events at or after this: a duration back from now (24h, 7d), a time
    /// (2026-11-01T08:00:00Z) or a date (2026-11-01)
    #[arg(long, value_parser = parse_time_arg)]
    since: Option<DateTime<Utc>>,
    /// Only events at or before this time (a date alone reaches the end of that day)
    #[arg(long, value_parser = cli::parse_until_arg)]
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

/// The UI's options: the environment, and the config file's `[ui]` (or its error).
fn tui_options(rules: &cli::rules::RuleOptions) -> trailhound::tui::Options {
    trailhound::tui::Options::from_config(
        cli::rules::settings(rules).map_err(|error| format!("{error:#}")),
    )
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    let rules = cli::rules::RuleOptions {
        dirs: cli.rule_dirs.clone(),
        config: cli.config.clone(),
    };
    let Some(command) = cli.command else {
        if std::io::stdout().is_terminal() && std::io::stdin().is_terminal() {
            let index_dir = trailhound::config::index_dir(cli.index)?;
            let index = trailhound::index::TrailIndex::open(&index_dir)?;
            return trailhound::tui::run(index, tui_options(&rules));
        }
        use clap::CommandFactory;
        Cli::command().print_help()?;
        return Ok(exit::USAGE);
    };
    if let Command::Rules { command } = &command {
        return match command {
            RulesCommand::List => cli::rules::list(&rules),
            RulesCommand::Check { paths } => cli::rules::check(paths),
            RulesCommand::Test => cli::rules::test(&rules),
        };
    }
    if let Command::Demo { print } = command {
        let terminal = std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
        return cli::demo::run(print || !terminal, cli.index.as_deref(), || {
            tui_options(&rules)
        });
    }
    if let Command::Gen(args) = command {
        return cli::gen::run(args);
    }
    let index_dir = trailhound::config::index_dir(cli.index)?;
    match command {
        Command::Ingest(args) => {
            let rules = (!args.no_rules).then_some(&rules);
            cli::ingest::run(&index_dir, &args, rules, cli.quiet)
        }
        Command::Search {
            query,
            time,
            limit,
            format,
            count,
            oldest_first,
            output,
        } => {
            let args = cli::search::SearchArgs {
                query,
                time: time.into(),
                limit,
                format,
                count,
                oldest_first,
                terminal: std::io::stdout().is_terminal() && output.is_none(),
                output,
            };
            cli::rules::warn_if_config_broken(&rules);
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
        Command::Verify(args) => cli::verify::run(&index_dir, &args),
        Command::Athena(cli::athena::AthenaCommand::Pull(args)) => {
            cli::athena::run_pull(&index_dir, &args, Some(&rules), cli.quiet)
        }
        Command::Athena(command) => cli::athena::run(&command),
        Command::Case(action) => cli::case::run(&index_dir, &action),
        Command::Pull(args) => cli::pull::run(&index_dir, &args, &rules, cli.quiet),
        Command::Alerts {
            action: Some(action),
            ..
        } => {
            use trailhound::detect::AlertMark;
            let (ids, mark) = match action {
                AlertAction::Ack { ids } => (ids, AlertMark::Acknowledge),
                AlertAction::Unack { ids } => (ids, AlertMark::Unacknowledge),
                AlertAction::Suppress { ids } => (ids, AlertMark::Suppress),
                AlertAction::Unsuppress { ids } => (ids, AlertMark::Unsuppress),
            };
            cli::alerts::mark(&index_dir, &ids, mark)
        }
        Command::Alerts {
            action: None,
            min_severity,
            since,
            format,
            recompute,
            hide_acknowledged,
            show_suppressed,
        } => {
            if !recompute {
                // A recompute loads the settings and fails on a broken file by itself.
                cli::rules::warn_if_config_broken(&rules);
            }
            cli::alerts::run(
                &index_dir,
                &cli::alerts::AlertsArgs {
                    min_severity,
                    hide_acknowledged,
                    show_suppressed,
                    since,
                    jsonl: format == AlertFormat::Jsonl,
                    recompute,
                    rules,
                },
            )
        }
        Command::Rules { .. } => unreachable!("dispatched above"),
        Command::Tui {
            query,
            theme,
            keymap,
        } => {
            let index = trailhound::index::TrailIndex::open(&index_dir)?;
            let mut options = tui_options(&rules);
            options.initial_query = query;
            options.theme = theme.unwrap_or(options.theme);
            options.keymap = keymap.unwrap_or(options.keymap);
            trailhound::tui::run(index, options)
        }
        Command::Demo { .. } | Command::Gen(_) => unreachable!("dispatched above"),
    }
}

fn main() -> ExitCode {
    trailhound::index::panic_guard::silence_caught_panics();
    let cli = Cli::parse();
    if cli.low_priority {
        // Before any thread starts: threads inherit the niceness of the one that spawns them.
        if let Err(error) = trailhound::priority::lower() {
            eprintln!("trailhound: cannot lower the priority: {error}");
        }
    }
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(error) => {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::from(exit::OK as u8);
                }
            }
            // Line by line: a query error points at its column on the lines below it.
            let text = format!("{error:#}");
            let lines: Vec<String> = text
                .lines()
                .map(|line| trailhound::event::terminal_safe(line).into_owned())
                .collect();
            eprintln!("trailhound: {}", lines.join("\n"));
            ExitCode::from(exit::FAILURE as u8)
        }
    }
}
