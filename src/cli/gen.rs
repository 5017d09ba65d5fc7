use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::exit;
use crate::gen::{generate, GenOptions};

#[derive(clap::Args)]
pub struct GenArgs {
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value_t = 10_000)]
    pub events: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First event time, e.g. 2026-11-01T00:00:00Z
    #[arg(long, value_parser = parse_start)]
    pub start: Option<DateTime<Utc>>,
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    #[arg(long, default_value_t = 2)]
    pub accounts: usize,
    #[arg(long, default_value_t = 30)]
    pub events_per_file: usize,
    #[arg(long)]
    pub no_attacks: bool,
    #[arg(long)]
    pub org_id: Option<String>,
    /// Digests for only the first N hours of each account and region (default: every hour)
    #[arg(long)]
    pub digest_hours: Option<usize>,
}

fn parse_start(text: &str) -> Result<DateTime<Utc>, String> {
    crate::index::parse_time(text, Utc::now()).ok_or_else(|| format!("`{text}` is not a time"))
}

pub fn run(args: GenArgs) -> anyhow::Result<i32> {
    let defaults = GenOptions::default();
    let options = GenOptions {
        events: args.events,
        seed: args.seed,
        out: args.out,
        start: args.start.unwrap_or(defaults.start),
        days: args.days,
        accounts: args.accounts,
        events_per_file: args.events_per_file,
        attacks: !args.no_attacks,
        org_id: args.org_id,
        digest_hours: args.digest_hours,
    };
    let report = generate(&options)?;
    println!(
        "files {}, events {}, attack events {}, json bytes {}, gzip bytes {}, digest files {}, insight files {}",
        report.files, report.events, report.attack_events, report.json_bytes, report.gz_bytes, report.digest_files, report.insight_files
    );
    Ok(exit::OK)
}
