//! The CloudTrail layout of a trail bucket, as key names:
//! `[PREFIX/]AWSLogs/[o-ORG/]ACCOUNT/KIND/REGION/YYYY/MM/DD/ACCOUNT_KIND_REGION_YYYYMMDDTHHmmZ_X.json.gz`.
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// The three folders a trail writes per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Log,
    Insight,
    Digest,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Log, Kind::Insight, Kind::Digest];

    pub fn folder(self) -> &'static str {
        match self {
            Kind::Log => "CloudTrail",
            Kind::Insight => "CloudTrail-Insight",
            Kind::Digest => "CloudTrail-Digest",
        }
    }

    pub fn from_folder(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.folder() == name)
    }
}

/// One region's folder of one kind for one account: `…/ACCOUNT/KIND/REGION/`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionFolder {
    pub prefix: String,
    pub account: String,
    pub kind: Kind,
    pub region: String,
}

impl RegionFolder {
    pub fn day(&self, date: NaiveDate) -> String {
        format!("{}{}/", self.prefix, date.format("%Y/%m/%d"))
    }
}

/// How far down the layout a folder the user named already is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// Above `AWSLogs/` (the bucket's root, or a prefix the trail was given).
    AboveLogs(String),
    /// `…/AWSLogs/`, or an organisation's `…/AWSLogs/o-ORG/`: accounts below.
    Accounts(String),
    /// `…/ACCOUNT/`: the kinds below.
    Account { prefix: String, account: String },
    /// `…/ACCOUNT/KIND/`: regions below.
    Kind {
        prefix: String,
        account: String,
        kind: Kind,
    },
    /// `…/REGION/` or deeper: days below, those under `within` (`YYYY/`, `YYYY/MM/`, `YYYY/MM/DD/`).
    Region {
        folder: RegionFolder,
        within: String,
    },
}

/// Where `prefix` (empty or ending in `/`) sits in the layout.
pub fn position(prefix: &str) -> Position {
    let segments: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
    let Some(logs) = segments.iter().rposition(|s| *s == "AWSLogs") else {
        return Position::AboveLogs(prefix.to_owned());
    };
    let join = |upto: usize| format!("{}/", segments[..upto].join("/"));
    let mut at = logs + 1;
    if segments.get(at).is_some_and(|s| is_org(s)) {
        at += 1;
    }
    let Some(account) = segments.get(at) else {
        return Position::Accounts(join(at));
    };
    let account = (*account).to_owned();
    let Some(kind) = segments.get(at + 1) else {
        return Position::Account {
            prefix: join(at + 1),
            account,
        };
    };
    let Some(kind) = Kind::from_folder(kind) else {
        // Not a trail's folder: list it as if it were one level up, where nothing will match.
        return Position::Account {
            prefix: join(at + 1),
            account,
        };
    };
    let Some(region) = segments.get(at + 2) else {
        return Position::Kind {
            prefix: join(at + 2),
            account,
            kind,
        };
    };
    let within = segments[at + 3..]
        .iter()
        .take(3)
        .fold(String::new(), |mut s, part| {
            s.push_str(part);
            s.push('/');
            s
        });
    Position::Region {
        folder: RegionFolder {
            prefix: join(at + 3),
            account,
            kind,
            region: (*region).to_owned(),
        },
        within,
    }
}

/// `o-` followed by 10 to 32 lower-case letters or digits.
pub fn is_org(segment: &str) -> bool {
    segment.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// Twelve digits.
pub fn is_account(segment: &str) -> bool {
    segment.len() == 12 && segment.bytes().all(|b| b.is_ascii_digit())
}

/// The last segment of a common prefix (`a/b/c/` -> `c`).
pub fn last_segment(prefix: &str) -> &str {
    prefix
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
}

/// When the file was delivered, from its name: `…_20261103T1205Z_…` (log and Insights files) or
/// `…_20261103T120500Z.json.gz` (digests).
pub fn delivered(key: &str) -> Option<DateTime<Utc>> {
    let name = key.rsplit('/').next()?;
    name.split(['_', '.']).find_map(|part| {
        let stamp = part.strip_suffix('Z')?;
        let format = match stamp.len() {
            13 => "%Y%m%dT%H%M",
            15 => "%Y%m%dT%H%M%S",
            _ => return None,
        };
        NaiveDateTime::parse_from_str(stamp, format)
            .ok()
            .map(|t| t.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_placed_in_the_layout() {
        assert_eq!(position(""), Position::AboveLogs(String::new()));
        assert_eq!(position("trails/"), Position::AboveLogs("trails/".into()));
        assert_eq!(
            position("trails/AWSLogs/"),
            Position::Accounts("trails/AWSLogs/".into())
        );
        assert_eq!(
            position("AWSLogs/o-abcdef1234/"),
            Position::Accounts("AWSLogs/o-abcdef1234/".into())
        );
        assert_eq!(
            position("AWSLogs/o-abcdef1234/111122223333/"),
            Position::Account {
                prefix: "AWSLogs/o-abcdef1234/111122223333/".into(),
                account: "111122223333".into()
            }
        );
        assert_eq!(
            position("AWSLogs/111122223333/CloudTrail/"),
            Position::Kind {
                prefix: "AWSLogs/111122223333/CloudTrail/".into(),
                account: "111122223333".into(),
                kind: Kind::Log
            }
        );
        assert_eq!(
            position("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/"),
            Position::Region {
                folder: RegionFolder {
                    prefix: "AWSLogs/111122223333/CloudTrail/eu-west-1/".into(),
                    account: "111122223333".into(),
                    kind: Kind::Log,
                    region: "eu-west-1".into()
                },
                within: "2026/11/".into()
            }
        );
    }

    #[test]
    fn delivery_times_come_from_file_names() {
        let log = "AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/03/111122223333_CloudTrail_us-east-1_20261103T1205Z_AbCdEf0123456789.json.gz";
        assert_eq!(
            delivered(log).unwrap().to_rfc3339(),
            "2026-11-03T12:05:00+00:00"
        );
        let digest = "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/03/111122223333_CloudTrail-Digest_us-east-1_trail_us-east-1_20261103T120502Z.json.gz";
        assert_eq!(
            delivered(digest).unwrap().to_rfc3339(),
            "2026-11-03T12:05:02+00:00"
        );
        assert_eq!(delivered("AWSLogs/notes.txt"), None);
    }

    #[test]
    fn names_of_the_layout() {
        assert!(is_org("o-abcdef1234"));
        assert!(!is_org("o-ABC"));
        assert!(is_account("111122223333"));
        assert!(!is_account("11112222333a"));
        assert_eq!(last_segment("a/b/c/"), "c");
        assert_eq!(Kind::from_folder("CloudTrail-Digest"), Some(Kind::Digest));
    }
}
