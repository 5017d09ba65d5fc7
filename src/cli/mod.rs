//! The command-line commands. Each file runs one subcommand; `main.rs` only parses and dispatches.
pub mod alerts;
pub mod athena;
pub mod case;
pub mod demo;
pub mod gen;
pub mod info;
pub mod ingest;
mod ingest_integrity;
pub mod output;
pub mod pull;
pub mod rules;
pub mod search;
pub mod show;
pub mod top;
pub mod verify;

/// Exit statuses, part of the CLI contract scripts rely on.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const PARTIAL: i32 = 3;
}

/// A time argument: a duration back from now (24h, 7d) or a time (2026-11-01T08:00:00Z); a date
/// alone (2026-11-01) is the start of that day.
pub fn parse_time_arg(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    parse_time_bound(text, false)
}

/// As [`parse_time_arg`], for an upper bound: a date alone reaches the end of that day.
pub fn parse_until_arg(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    parse_time_bound(text, true)
}

fn parse_time_bound(text: &str, upper: bool) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let now = chrono::Utc::now();
    if let Ok(ago) = humantime::parse_duration(text) {
        return chrono::Duration::from_std(ago)
            .ok()
            .and_then(|ago| now.checked_sub_signed(ago))
            .ok_or_else(|| {
                format!("`{text}` reaches back before any time trailhound can represent")
            });
    }
    if let Some(time) = crate::index::parse_time(text, now) {
        return Ok(time);
    }
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
        return Ok(if upper {
            start + chrono::Duration::days(1) - chrono::Duration::seconds(1)
        } else {
            start
        });
    }
    Err(format!(
        "`{text}` is not a duration (24h, 7d) or a time (2026-11-01T08:00:00Z, 2026-11-01)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_alone_is_the_start_of_the_day_or_for_an_upper_bound_its_end() {
        assert_eq!(
            parse_time_arg("2026-11-01").unwrap().to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert_eq!(
            parse_until_arg("2026-11-01").unwrap().to_rfc3339(),
            "2026-11-01T23:59:59+00:00"
        );
        assert!(parse_time_arg("2026-13-01").is_err());
        assert!(parse_time_arg("24h").is_ok());
    }
}
