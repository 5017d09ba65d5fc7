//! Timestamps in the formats CloudTrail writes, and the daily rhythm of activity.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// Seconds in one delivery slot: CloudTrail writes a file about every five minutes.
pub const SLOT_SECS: i64 = 300;

fn utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// `2026-11-01T08:00:00Z`, built on the stack because every record needs one.
#[derive(Clone, Copy)]
pub struct IsoTime([u8; 20]);

impl IsoTime {
    pub fn new(secs: i64) -> Self {
        let t = utc(secs);
        let mut buf = *b"0000-00-00T00:00:00Z";
        write_digits(&mut buf[0..4], t.year().max(0) as u32);
        write_digits(&mut buf[5..7], t.month());
        write_digits(&mut buf[8..10], t.day());
        write_digits(&mut buf[11..13], t.hour());
        write_digits(&mut buf[14..16], t.minute());
        write_digits(&mut buf[17..19], t.second());
        IsoTime(buf)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("1970-01-01T00:00:00Z")
    }
}

fn write_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

impl Serialize for IsoTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

pub fn iso(secs: i64) -> String {
    IsoTime::new(secs).as_str().to_owned()
}

/// `20261101T0805Z`, the delivery stamp in log file names.
pub fn stamp_minute(secs: i64) -> String {
    utc(secs).format("%Y%m%dT%H%MZ").to_string()
}

/// `20261101T080512Z`, the stamp in digest file names.
pub fn stamp_second(secs: i64) -> String {
    utc(secs).format("%Y%m%dT%H%M%SZ").to_string()
}

/// `2026/11/01`, the date folders of the archive.
pub fn date_path(secs: i64) -> String {
    utc(secs).format("%Y/%m/%d").to_string()
}

/// `Nov 1, 2026, 9:05:12 AM`, as STS prints credential expiry.
pub fn sts_expiration(secs: i64) -> String {
    utc(secs).format("%b %-d, %Y, %-I:%M:%S %p").to_string()
}

/// `Nov 1, 2026 9:05:12 AM`, as IAM prints creation dates.
pub fn iam_date(secs: i64) -> String {
    utc(secs).format("%b %-d, %Y %-I:%M:%S %p").to_string()
}

/// `2026-11-01T09:05:12.123+0000`, as Lambda prints lastModified.
pub fn lambda_date(secs: i64) -> String {
    utc(secs).format("%Y-%m-%dT%H:%M:%S.000+0000").to_string()
}

pub fn hour_of_day(secs: i64) -> usize {
    utc(secs).hour() as usize
}

fn is_weekend(secs: i64) -> bool {
    utc(secs).weekday().number_from_monday() >= 6
}

/// Relative API volume by UTC hour: machines never sleep, people work European and US hours.
const VOLUME_BY_HOUR: [f64; 24] = [
    0.45, 0.42, 0.40, 0.40, 0.42, 0.45, 0.55, 0.70, 0.88, 0.96, 1.00, 1.00, //
    0.98, 1.00, 1.00, 0.98, 0.95, 0.88, 0.80, 0.74, 0.66, 0.58, 0.52, 0.48,
];

/// How many people are at their desks by UTC hour, relative to the busiest hour.
const PRESENCE_BY_HOUR: [f64; 24] = [
    0.04, 0.03, 0.03, 0.03, 0.04, 0.08, 0.20, 0.50, 0.85, 1.00, 1.00, 1.00, //
    0.90, 1.00, 1.00, 0.95, 0.90, 0.75, 0.55, 0.45, 0.35, 0.22, 0.12, 0.06,
];

/// Relative API volume at `secs`, at most 1.
pub fn volume(secs: i64) -> f64 {
    let base = VOLUME_BY_HOUR[hour_of_day(secs)];
    if is_weekend(secs) {
        base * 0.6
    } else {
        base
    }
}

/// Share of people at work at `secs`, at most 1.
pub fn presence(secs: i64) -> f64 {
    let base = PRESENCE_BY_HOUR[hour_of_day(secs)];
    if is_weekend(secs) {
        base * 0.12
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let t = 1_793_521_512; // 2026-11-01T08:25:12Z
        assert_eq!(IsoTime::new(t).as_str(), "2026-11-01T08:25:12Z");
        assert_eq!(stamp_minute(t), "20261101T0825Z");
        assert_eq!(stamp_second(t), "20261101T082512Z");
        assert_eq!(date_path(t), "2026/11/01");
        assert_eq!(sts_expiration(t), "Nov 1, 2026, 8:25:12 AM");
        assert_eq!(iam_date(t), "Nov 1, 2026 8:25:12 AM");
    }
}
