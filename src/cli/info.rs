use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};

use super::exit;
use crate::event::terminal_safe;
use crate::index::{Coverage, TrailIndex};
use crate::units::{bytes, thousands};

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_else(|| "-".into())
}

/// The most frequent entries first, at most ten of them, then how many more there are.
fn counts(map: &BTreeMap<String, u64>) -> String {
    const SHOWN: usize = 10;
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mut text = entries
        .iter()
        .take(SHOWN)
        .map(|(k, v)| format!("{} ({})", terminal_safe(k), thousands(**v)))
        .collect::<Vec<_>>()
        .join(", ");
    if entries.len() > SHOWN {
        text += &format!(" and {} more", entries.len() - SHOWN);
    }
    text
}

/// The coverage summary as text: what is loaded, from where, over which accounts, regions and time.
pub fn render(index: &TrailIndex, coverage: &Coverage) -> String {
    let mut text = String::new();
    let span = coverage.span();
    text += &format!(
        "index     {} ({})\nevents    {}\nspan      {} .. {}\n",
        terminal_safe(&index.dir().display().to_string()),
        bytes(index.size_on_disk()),
        thousands(coverage.total_events()),
        time(span.map(|s| s.0)),
        time(span.map(|s| s.1)),
    );
    for (name, source) in &coverage.sources {
        text += &format!(
            "\nsource    {}\n  events    {}\n  span      {} .. {}\n  accounts  {}\n  regions   {}\n  ingests   {} (last {}), digest files skipped {}\n",
            terminal_safe(name),
            thousands(source.events),
            time(source.first_event),
            time(source.last_event),
            counts(&source.accounts),
            counts(&source.regions),
            source.ingests,
            time(source.last_ingest),
            source.digest_files_skipped,
        );
    }
    if !coverage.buckets.is_empty() {
        text +=
            "\nS3 trail buckets (what has been read; a later ingest reads only newer objects)\n";
    }
    for (bucket, read) in &coverage.buckets {
        let (accounts, regions, days) = read.extent();
        let list = |names: &std::collections::BTreeSet<String>| {
            names
                .iter()
                .map(|n| terminal_safe(n).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        text += &format!(
            "  {}  {} objects, last read {}\n    {} accounts: {}\n    {} regions: {}\n    {} day folders\n",
            terminal_safe(bucket),
            thousands(read.objects),
            time(read.last_read),
            accounts.len(),
            list(&accounts),
            regions.len(),
            list(&regions),
            thousands(days as u64),
        );
    }
    if !coverage.athena.is_empty() {
        text += "\nAthena questions (asked again, each reuses its execution; --fresh asks anew)\n";
    }
    for mark in coverage.athena.values() {
        text += &format!(
            "  {}\n    execution {} on {}: {} scanned, {} files read{}\n",
            terminal_safe(&mark.question),
            terminal_safe(&mark.execution_id),
            mark.answered.format("%Y-%m-%d %H:%M UTC"),
            crate::units::bytes(mark.scanned_bytes.max(0) as u64),
            thousands(mark.files - mark.failed_files.min(mark.files)),
            match mark.failed_files {
                0 => String::new(),
                n => format!(", {} could not be read", thousands(n)),
            }
        );
    }
    let verdicts = crate::integrity::verdicts::Verdicts::load(index.dir());
    if !verdicts.files.is_empty() {
        text += "\nintegrity (what `verify` found of the ingested files; @integrity:WORD finds their events)\n";
        for ((account, region), words) in verdicts.by_chain() {
            let each: Vec<String> = words
                .iter()
                .map(|(word, n)| format!("{} {word}", thousands(*n)))
                .collect();
            text += &format!(
                "  {} {}  {} files: {}\n",
                terminal_safe(&account),
                terminal_safe(&region),
                thousands(words.values().sum()),
                each.join(", ")
            );
        }
    }
    if !coverage.pulls.is_empty() {
        text += "\nLookupEvents pulls (what each account, region and category has loaded)\n";
        let mut accounts: BTreeMap<String, u64> = BTreeMap::new();
        for pull in coverage.pulls.values() {
            *accounts.entry(pull.key.account.clone()).or_default() += pull.events;
        }
        text += &format!("  accounts  {}\n", counts(&accounts));
        for (account, known) in coverage.accounts() {
            if let Some(access) = known.access {
                text += &format!(
                    "  {}  reached through {}\n",
                    terminal_safe(&account),
                    terminal_safe(&access.describe())
                );
            }
        }
    }
    for pull in coverage.pulls.values() {
        text += &format!(
            "  {}  {} events, {} pages, last pull {}\n",
            terminal_safe(&pull.key.label()),
            thousands(pull.events),
            thousands(pull.pages),
            time(pull.last_pull),
        );
        for span in &pull.complete {
            text += &format!(
                "    loaded      {} .. {}\n",
                time(Some(span.start)),
                time(Some(span.end))
            );
        }
        for partial in &pull.partial {
            text += &format!(
                "    interrupted {} .. {}, loaded back to {} (the next pull resumes it)\n",
                time(Some(partial.span.start)),
                time(Some(partial.span.end)),
                time(partial.oldest_loaded),
            );
        }
    }
    text
}

pub fn run(index_dir: &Path) -> anyhow::Result<i32> {
    let index = TrailIndex::open(index_dir)?;
    let coverage = index.coverage()?;
    write!(io::stdout().lock(), "{}", render(&index, &coverage))?;
    Ok(exit::OK)
}
