//! Small text formats the panes share.
use chrono::{DateTime, Utc};

pub use crate::units::{bytes, thousands};

/// `2026-11-01 08:00:00`, or blanks of the same width.
pub fn time(t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => " ".repeat(19),
    }
}

/// A duration as the largest whole unit that fits: `15m`, `6h`, `7d`.
pub fn short_duration(d: chrono::Duration) -> String {
    let minutes = d.num_minutes();
    if minutes % (60 * 24) == 0 && minutes >= 60 * 24 {
        format!("{}d", minutes / (60 * 24))
    } else if minutes % 60 == 0 && minutes >= 60 {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

/// A stretch of time to the nearest unit that reads at a glance: `45m`, `20h`, `3d`.
pub fn rough_duration(d: chrono::Duration) -> String {
    let minutes = d.num_minutes().max(0);
    if minutes < 120 {
        format!("{minutes}m")
    } else if minutes < 48 * 60 {
        format!("{}h", (minutes + 30) / 60)
    } else {
        format!("{}d", (minutes + 12 * 60) / (24 * 60))
    }
}

/// At most `width` characters of `text`, with `…` when cut.
pub fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(3000), "3,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn durations_and_sizes_read_short() {
        assert_eq!(short_duration(chrono::Duration::minutes(15)), "15m");
        assert_eq!(short_duration(chrono::Duration::hours(6)), "6h");
        assert_eq!(short_duration(chrono::Duration::days(7)), "7d");
        assert_eq!(rough_duration(chrono::Duration::minutes(1205)), "20h");
        assert_eq!(rough_duration(chrono::Duration::minutes(95)), "95m");
        assert_eq!(
            rough_duration(chrono::Duration::minutes(4 * 24 * 60 + 100)),
            "4d"
        );
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1_250_000), "1.2 MB");
        assert_eq!(clip("abcdef", 4), "abc…");
    }
}
