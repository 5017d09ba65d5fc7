//! A whole Athena statement for a question: the query's condition, bounded by the partitions it
//! can touch (days always, accounts and regions when named), so that Athena reads only those
//! folders of the bucket. Only `--all-time` lifts the day bound.
use chrono::{DateTime, Duration, Utc};

use super::table::{ACCOUNT_PARTITION, DAY_FORMAT, DAY_PARTITION, REGION_PARTITION};
use crate::s3::LATE_DELIVERY;

/// The window and scope of a question.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// The organisation table's `account` partition values.
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// No day bound: the whole bucket's history (the user asked for it).
    pub all_time: bool,
}

/// The window of a question that names none.
pub const DEFAULT_WINDOW: Duration = Duration::days(1);

/// What the statement returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// Every column of every matching row.
    Rows,
    /// The log files that hold matches (Athena's `"$path"`), to read through the S3 source.
    Files,
    /// Every column, structs and arrays as JSON: rows to rebuild records from.
    Records,
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn list(values: &[String]) -> String {
    values
        .iter()
        .map(|v| quote(v))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Scope {
    /// The partition and time conditions. A file is filed under the day it was delivered: up to
    /// [`LATE_DELIVERY`] after its records, so the last day reaches that far.
    pub fn conditions(&self, now: DateTime<Utc>) -> Vec<String> {
        let mut conditions = Vec::new();
        if !self.accounts.is_empty() {
            conditions.push(format!("{ACCOUNT_PARTITION} IN ({})", list(&self.accounts)));
        }
        if !self.regions.is_empty() {
            conditions.push(format!("{REGION_PARTITION} IN ({})", list(&self.regions)));
        }
        if !self.all_time {
            let since = self.since.unwrap_or(now - DEFAULT_WINDOW);
            let until = self.until.unwrap_or(now);
            let day = |t: DateTime<Utc>| quote(&t.format(DAY_FORMAT).to_string());
            conditions.push(format!(
                "\"{DAY_PARTITION}\" BETWEEN {} AND {}",
                day(since),
                day(until + LATE_DELIVERY)
            ));
        }
        let time = |t: DateTime<Utc>| quote(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let since = match self.all_time {
            true => self.since,
            false => Some(self.since.unwrap_or(now - DEFAULT_WINDOW)),
        };
        if let Some(since) = since {
            conditions.push(format!("eventtime >= {}", time(since)));
        }
        if let Some(until) = self.until {
            conditions.push(format!("eventtime <= {}", time(until)));
        }
        conditions
    }
}

/// The statement for `condition` (a translated query) over `table`.
pub fn statement(
    table: &str,
    scope: &Scope,
    condition: &str,
    select: Select,
    now: DateTime<Utc>,
) -> String {
    let mut conditions = scope.conditions(now);
    conditions.push(format!("({condition})"));
    let head = match select {
        Select::Rows => "SELECT *".to_owned(),
        Select::Files => "SELECT DISTINCT \"$path\"".to_owned(),
        Select::Records => format!("SELECT {}", super::rows::select_list()),
    };
    format!(
        "{head}\nFROM {table}\nWHERE {}",
        conditions.join("\n  AND ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn every_statement_bounds_the_days_unless_all_time_is_asked() {
        let now = at("2026-12-07T12:00:00Z");
        let scope = Scope {
            since: Some(at("2026-11-30T23:30:00Z")),
            until: Some(at("2026-12-01T23:30:00Z")),
            accounts: vec!["111122223333".into()],
            regions: vec!["eu-west-1".into(), "us-east-1".into()],
            all_time: false,
        };
        let sql = statement("t", &scope, "TRUE", Select::Files, now);
        assert_eq!(
            sql,
            "SELECT DISTINCT \"$path\"\nFROM t\nWHERE account IN ('111122223333')\n  AND region IN ('eu-west-1', 'us-east-1')\n  AND \"timestamp\" BETWEEN '2026/11/30' AND '2026/12/02'\n  AND eventtime >= '2026-11-30T23:30:00Z'\n  AND eventtime <= '2026-12-01T23:30:00Z'\n  AND (TRUE)"
        );
        let default = statement("t", &Scope::default(), "TRUE", Select::Rows, now);
        assert!(default.contains("\"timestamp\" BETWEEN '2026/12/06' AND '2026/12/07'"));
        assert!(default.contains("eventtime >= '2026-12-06T12:00:00Z'"));
        let everything = Scope {
            all_time: true,
            ..Scope::default()
        };
        assert_eq!(
            statement("t", &everything, "TRUE", Select::Rows, now),
            "SELECT *\nFROM t\nWHERE (TRUE)"
        );
    }
}
