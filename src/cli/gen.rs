use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::exit;
use crate::gen::{generate, GenOptions};

pub struct GenArgs {
    pub out: PathBuf,
    pub events: usize,
    pub seed: u64,
    pub start: Option<DateTime<Utc>>,
    pub days: u32,
    pub accounts: usize,
    pub events_per_file: usize,
    pub no_attacks: bool,
    pub org_id: Option<String>,
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
    };
    let report = generate(&options)?;
    println!(
        "files {}, events {}, attack events {}, json bytes {}, gzip bytes {}, digest files {}, insight files {}",
        report.files, report.events, report.attack_events, report.json_bytes, report.gz_bytes, report.digest_files, report.insight_files
    );
    Ok(exit::OK)
}
