//! The options of an Athena pull started from the UI: checked before anything runs (the query
//! must translate, the window must parse), and described by what Athena will scan.
use chrono::{DateTime, Utc};

use crate::athena::{translate_at, Scope, Select};

/// What the prompt opens with: a week of the default table.
pub const DEFAULT_OPTIONS: &str = "--since 7d";

/// The arguments of `trailhound athena pull` for `query` with the prompt's `options`, and a
/// line naming the partitions it scans; or one line saying what is wrong.
pub fn request(
    query: &str,
    options: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, String), String> {
    if let Err(error) = translate_at(query, now) {
        return Err(format!("Athena cannot be asked this: {}", error.message));
    }
    let options: Vec<String> = options.split_whitespace().map(str::to_owned).collect();
    let mut scope = Scope::default();
    let mut words = options.iter();
    while let Some(word) = words.next() {
        let mut value = |name: &str| {
            words
                .next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match word.as_str() {
            "--since" => {
                scope.since = Some(crate::cli::parse_time_arg(&value("--since")?)?);
            }
            "--until" => {
                scope.until = Some(crate::cli::parse_until_arg(&value("--until")?)?);
            }
            "--account" => scope.accounts.push(value("--account")?),
            "--region" => scope.regions.push(value("--region")?),
            "--all-time" => scope.all_time = true,
            "--table" | "--output" | "--workgroup" | "--profile" | "--athena-region"
            | "--timeout" | "--s3-requests" => {
                value(word)?;
            }
            "--fresh" => {}
            other => return Err(format!("`{other}` is not an option of athena pull")),
        }
    }
    let statement = crate::athena::statement("t", &scope, "TRUE", Select::Files, now);
    let partitions: Vec<&str> = statement
        .lines()
        .filter_map(|line| line.strip_prefix("WHERE ").or(line.strip_prefix("  AND ")))
        .filter(|c| !c.starts_with("eventtime") && !c.starts_with('('))
        .collect();
    let scan = match partitions.is_empty() {
        true => "every day the bucket holds".to_owned(),
        false => partitions.join(", "),
    };
    let mut args = vec!["pull".to_owned(), query.to_owned()];
    args.extend(options);
    Ok((args, scan))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_scan_is_named_by_its_partitions_and_bad_input_is_one_line() {
        let (args, scan) = request(
            "user:alice",
            "--since 2026-12-01 --account 111122223333 --table sec.trail",
            now(),
        )
        .unwrap();
        assert_eq!(
            args,
            [
                "pull",
                "user:alice",
                "--since",
                "2026-12-01",
                "--account",
                "111122223333",
                "--table",
                "sec.trail"
            ]
        );
        assert_eq!(
            scan,
            "account IN ('111122223333'), \"timestamp\" BETWEEN '2026/12/01' AND '2026/12/07'"
        );
        assert_eq!(
            request("*", "--all-time", now()).unwrap().1,
            "every day the bucket holds"
        );
        assert!(request("mallory", "", now())
            .unwrap_err()
            .contains("name the field"));
        assert!(request("*", "--since", now())
            .unwrap_err()
            .contains("needs a value"));
        assert!(request("*", "--bogus", now())
            .unwrap_err()
            .contains("--bogus"));
    }
}
