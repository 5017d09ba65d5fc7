//! The command-line commands. Each file runs one subcommand; `main.rs` only parses and dispatches.
pub mod alerts;
pub mod demo;
pub mod gen;
pub mod info;
pub mod ingest;
pub mod output;
pub mod pull;
pub mod rules;
pub mod search;
pub mod show;
pub mod top;

/// Exit statuses, part of the CLI contract scripts rely on.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const PARTIAL: i32 = 3;
}

/// A time argument: a duration back from now (24h, 7d) or a time (2026-11-01T08:00:00Z, 2026-11-01).
pub fn parse_time_arg(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let now = chrono::Utc::now();
    if let Ok(ago) = humantime::parse_duration(text) {
        return chrono::Duration::from_std(ago)
            .ok()
            .and_then(|ago| now.checked_sub_signed(ago))
            .ok_or_else(|| {
                format!("`{text}` reaches back before any time trailhound can represent")
            });
    }
    crate::index::parse_time(text, now).ok_or_else(|| {
        format!("`{text}` is not a duration (24h, 7d) or a time (2026-11-01T08:00:00Z, 2026-11-01)")
    })
}
