//! What the index holds, per source: kept in the tantivy commit payload so that it is always
//! exactly as current as the committed documents, even after a crash.
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::event::EventSummary;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Coverage {
    pub schema_version: u32,
    pub sources: BTreeMap<String, SourceCoverage>,
    /// LookupEvents pulls, keyed by `PullKey::label`: what is loaded, and checkpoints to resume.
    #[serde(default)]
    pub pulls: BTreeMap<String, PullCoverage>,
    /// Trail buckets read from S3, keyed by `s3://BUCKET/`: how far each day folder was read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub buckets: BTreeMap<String, BucketCoverage>,
    /// Questions answered through Athena, keyed by `AthenaMark::question`: the query, window and
    /// execution, so that the same question asked again reuses the finished execution.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub athena: BTreeMap<String, AthenaMark>,
}

/// One question answered through Athena, and what was read for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AthenaMark {
    /// The question as asked (query, table, window and scope as typed): what a re-run matches.
    pub question: String,
    pub query: String,
    /// The statement Athena ran, with the window it resolved to.
    pub sql: String,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub execution_id: String,
    pub scanned_bytes: i64,
    /// Log files the answer named, and how many of them could not be read.
    pub files: u64,
    pub failed_files: u64,
    /// With `--rows`: the records rebuilt from the answer's rows instead.
    #[serde(default)]
    pub rows: u64,
    pub answered: DateTime<Utc>,
}

/// What was read of one trail bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BucketCoverage {
    /// Day folders (`…/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/`) still open, and how far each
    /// was read.
    pub folders: BTreeMap<String, FolderMark>,
    /// Day folders read to their end after their day was over, when no delivery lands in them
    /// any more: per region folder (`…/CloudTrail/REGION/`), merged ranges of days. They are
    /// never listed again, and an organisation's bucket costs a few ranges per region, not an
    /// entry per day.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub closed: BTreeMap<String, Vec<DayRange>>,
    pub objects: u64,
    pub last_read: Option<DateTime<Utc>>,
}

/// How far one day folder was read: every key up to `read_through` (names within the folder,
/// which sort by delivery time), and the names after it read out of order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderMark {
    pub read_through: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_read: Vec<String>,
}

/// Days, first to last inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl DayRange {
    pub fn days(&self) -> usize {
        (self.last - self.first).num_days().max(0) as usize + 1
    }
}

/// The region folder and the day of a day folder `…/REGION/YYYY/MM/DD/`.
pub fn split_day_folder(folder: &str) -> Option<(&str, NaiveDate)> {
    const DAY: usize = "YYYY/MM/DD/".len();
    let at = folder.len().checked_sub(DAY)?;
    let day = NaiveDate::parse_from_str(folder.get(at..)?, "%Y/%m/%d/").ok()?;
    Some((&folder[..at], day))
}

impl FolderMark {
    pub fn has_read(&self, name: &str) -> bool {
        self.read_through
            .as_deref()
            .is_some_and(|through| name <= through)
            || self.also_read.iter().any(|read| read == name)
    }
}

/// One day folder's new mark, after objects in it were read: applied with the commit that
/// holds their events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketMark {
    pub bucket: String,
    pub folder: String,
    pub mark: FolderMark,
    pub objects_read: u64,
    /// The folder was listed after its day was over and everything in it is read: it closes.
    pub closed: bool,
}

/// How far one slice of a LookupEvents pull was paged: applied with the commit that holds the
/// page's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SliceMark {
    pub key: PullKey,
    /// The slice, known by its end (its start rises when another chain takes its older part).
    pub span: Span,
    pub request: Span,
    /// The token for the page after this one; `None` when the slice is finished.
    pub next_token: Option<String>,
    pub oldest_loaded: Option<DateTime<Utc>>,
    /// On a finished slice: the part of it no late delivery can change any more.
    pub settled: Option<Span>,
    /// How the pull reached the account.
    pub access: PullAccess,
}

/// How a pull reached an account: enough to reach it again (`H` and `F` in the UI do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PullAccess {
    /// The profile of the credentials used (the base credentials, for an assumed role); `None`
    /// for the default chain.
    pub profile: Option<String>,
    /// The role assumed in the account from those credentials.
    pub role_name: Option<String>,
}

impl PullAccess {
    /// The `pull` arguments that reach `account` this way.
    pub fn args(&self, account: &str) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(profile) = &self.profile {
            args.extend(["--profile".to_owned(), profile.clone()]);
        }
        if let Some(role_name) = &self.role_name {
            args.extend([
                "--account".to_owned(),
                account.to_owned(),
                "--role-name".to_owned(),
                role_name.clone(),
            ]);
        }
        args
    }

    /// For messages: `profile NAME`, `role NAME`, `the default credentials`.
    pub fn describe(&self) -> String {
        match (&self.profile, &self.role_name) {
            (_, Some(role)) => format!("role {role}"),
            (Some(profile), None) => format!("profile {profile}"),
            (None, None) => "the default credentials".to_owned(),
        }
    }
}

/// How far a source got, committed together with the events read up to it, so that a killed
/// run resumes exactly after what it made durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkpoint {
    Folder(BucketMark),
    Slice(SliceMark),
    Athena(AthenaMark),
}

impl BucketCoverage {
    pub fn is_closed(&self, region_folder: &str, day: NaiveDate) -> bool {
        self.closed
            .get(region_folder)
            .is_some_and(|ranges| ranges.iter().any(|r| r.first <= day && day <= r.last))
    }

    fn close(&mut self, region_folder: &str, day: NaiveDate) {
        let ranges = self.closed.entry(region_folder.to_owned()).or_default();
        ranges.push(DayRange {
            first: day,
            last: day,
        });
        ranges.sort_by_key(|r| r.first);
        let mut merged: Vec<DayRange> = Vec::with_capacity(ranges.len());
        for range in ranges.drain(..) {
            match merged.last_mut() {
                Some(last) if range.first <= last.last + chrono::Days::new(1) => {
                    last.last = last.last.max(range.last)
                }
                _ => merged.push(range),
            }
        }
        *ranges = merged;
    }

    /// Accounts, regions and days read, from the folder names.
    pub fn extent(&self) -> (BTreeSet<String>, BTreeSet<String>, usize) {
        let mut accounts = BTreeSet::new();
        let mut regions = BTreeSet::new();
        let mut days = 0;
        for (region_folder, ranges) in &self.closed {
            let parts: Vec<&str> = region_folder.split('/').filter(|p| !p.is_empty()).collect();
            if parts.len() >= 3 {
                let n = parts.len();
                regions.insert(parts[n - 1].to_owned());
                accounts.insert(parts[n - 3].to_owned());
                days += ranges.iter().map(DayRange::days).sum::<usize>();
            }
        }
        for (folder, mark) in &self.folders {
            if mark.read_through.is_none() && mark.also_read.is_empty() {
                continue;
            }
            let parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
            if parts.len() >= 6 {
                let n = parts.len();
                regions.insert(parts[n - 4].to_owned());
                accounts.insert(parts[n - 6].to_owned());
                days += 1;
            }
        }
        (accounts, regions, days)
    }
}

/// Which slice of the event history a pull covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PullKey {
    pub account: String,
    pub region: String,
    /// "management" or "insight".
    pub category: String,
    /// A lookup attribute (`Username=alice`) when the pull was narrowed to one.
    pub attribute: Option<String>,
}

impl PullKey {
    pub fn label(&self) -> String {
        let mut label = format!("{}/{}/{}", self.account, self.region, self.category);
        if let Some(attribute) = &self.attribute {
            label.push('/');
            label.push_str(attribute);
        }
        label
    }
}

/// An inclusive time span, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Adds `span` to sorted, merged `spans` (spans a second apart merge).
pub fn merge_span(spans: &mut Vec<Span>, span: Span) {
    spans.push(span);
    spans.sort_by_key(|s| s.start);
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans.drain(..) {
        match merged.last_mut() {
            Some(last) if span.start <= last.end + chrono::Duration::seconds(1) => {
                last.end = last.end.max(span.end)
            }
            _ => merged.push(span),
        }
    }
    *spans = merged;
}

/// A time slice whose paging was interrupted: its frozen parameters, the token for the next page
/// and the oldest event already stored (everything from there to the span's end is loaded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialSlice {
    pub span: Span,
    /// The request window the token belongs to (narrower than `span` after a stale token).
    pub request: Span,
    pub next_token: String,
    pub oldest_loaded: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullCoverage {
    pub key: PullKey,
    /// Fully paged spans, merged and sorted.
    pub complete: Vec<Span>,
    pub partial: Vec<PartialSlice>,
    pub events: u64,
    pub pages: u64,
    pub last_pull: Option<DateTime<Utc>>,
    /// How the last pull reached the account (absent from indexes made before it was kept).
    #[serde(default)]
    pub access: Option<PullAccess>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SourceCoverage {
    pub events: u64,
    pub accounts: BTreeMap<String, u64>,
    pub regions: BTreeMap<String, u64>,
    pub first_event: Option<DateTime<Utc>>,
    pub last_event: Option<DateTime<Utc>>,
    pub digest_files_skipped: u64,
    pub ingests: u64,
    pub last_ingest: Option<DateTime<Utc>>,
}

/// An account the index holds events of, as far as the coverage tells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownAccount {
    pub events: u64,
    /// How the most recent pull reached it; `None` when no pull has.
    pub access: Option<PullAccess>,
    /// The regions pulls have covered.
    pub pulled_regions: BTreeSet<String>,
}

impl Coverage {
    /// Every account named by the events loaded or by a pull, by ID.
    pub fn accounts(&self) -> BTreeMap<String, KnownAccount> {
        let mut accounts: BTreeMap<String, KnownAccount> = BTreeMap::new();
        for source in self.sources.values() {
            for (account, events) in &source.accounts {
                accounts.entry(account.clone()).or_default().events += events;
            }
        }
        let mut pulls: Vec<&PullCoverage> = self.pulls.values().collect();
        pulls.sort_by_key(|pull| pull.last_pull);
        for pull in pulls {
            let known = accounts.entry(pull.key.account.clone()).or_default();
            known.pulled_regions.insert(pull.key.region.clone());
            if pull.access.is_some() {
                known.access = pull.access.clone();
            }
        }
        accounts
    }

    pub fn total_events(&self) -> u64 {
        self.sources.values().map(|s| s.events).sum()
    }

    pub fn span(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let first = self.sources.values().filter_map(|s| s.first_event).min()?;
        let last = self.sources.values().filter_map(|s| s.last_event).max()?;
        Some((first, last))
    }

    /// Records how far a source got; `new_events` is what the events before the checkpoint
    /// (and after the previous one of the same source) added.
    pub fn apply(&mut self, checkpoint: Checkpoint, new_events: u64) {
        match checkpoint {
            Checkpoint::Folder(mark) => self.apply_folder(mark),
            Checkpoint::Slice(mark) => self.apply_slice(mark, new_events),
            Checkpoint::Athena(mark) => {
                self.athena.insert(mark.question.clone(), mark);
            }
        }
    }

    fn apply_folder(&mut self, mark: BucketMark) {
        let bucket = self.buckets.entry(mark.bucket).or_default();
        bucket.objects += mark.objects_read;
        bucket.last_read = Some(Utc::now());
        match split_day_folder(&mark.folder).filter(|_| mark.closed) {
            Some((region_folder, day)) => {
                bucket.folders.remove(&mark.folder);
                bucket.close(region_folder, day);
            }
            None => {
                bucket.folders.insert(mark.folder, mark.mark);
            }
        }
    }

    fn apply_slice(&mut self, mark: SliceMark, new_events: u64) {
        let coverage = self
            .pulls
            .entry(mark.key.label())
            .or_insert_with(|| PullCoverage {
                key: mark.key.clone(),
                complete: Vec::new(),
                partial: Vec::new(),
                events: 0,
                pages: 0,
                last_pull: None,
                access: None,
            });
        coverage.access = Some(mark.access.clone());
        coverage.events += new_events;
        coverage.pages += 1;
        coverage.last_pull = Some(Utc::now());
        coverage.partial.retain(|p| p.span.end != mark.span.end);
        match mark.next_token {
            Some(next_token) => coverage.partial.push(PartialSlice {
                span: mark.span,
                request: mark.request,
                next_token,
                oldest_loaded: mark.oldest_loaded,
            }),
            None => {
                if let Some(settled) = mark.settled {
                    merge_span(&mut coverage.complete, settled);
                }
            }
        }
    }

    pub fn source_mut(&mut self, source: &str) -> &mut SourceCoverage {
        self.sources.entry(source.to_owned()).or_default()
    }
}

impl SourceCoverage {
    pub fn record(&mut self, event: &EventSummary) {
        self.events += 1;
        if !event.account.is_empty() {
            *self.accounts.entry(event.account.clone()).or_default() += 1;
        }
        if !event.region.is_empty() {
            *self.regions.entry(event.region.clone()).or_default() += 1;
        }
        if let Some(time) = event.time {
            self.first_event = Some(self.first_event.map_or(time, |t| t.min(time)));
            self.last_event = Some(self.last_event.map_or(time, |t| t.max(time)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    fn closing(folder: &str) -> Checkpoint {
        Checkpoint::Folder(BucketMark {
            bucket: "s3://b/".into(),
            folder: folder.into(),
            mark: FolderMark {
                read_through: Some("last.json.gz".into()),
                also_read: vec![],
            },
            objects_read: 1,
            closed: true,
        })
    }

    const REGION: &str = "AWSLogs/o-1/111122223333/CloudTrail/us-east-1/";

    #[test]
    fn closed_day_folders_become_ranges_per_region_and_count_in_the_extent() {
        let mut coverage = Coverage::default();
        let open = BucketMark {
            closed: false,
            ..match closing(&format!("{REGION}2026/11/05/")) {
                Checkpoint::Folder(mark) => mark,
                _ => unreachable!(),
            }
        };
        coverage.apply(Checkpoint::Folder(open), 0);
        for d in [1, 3, 2, 5] {
            coverage.apply(closing(&format!("{REGION}2026/11/{d:02}/")), 0);
        }
        let bucket = &coverage.buckets["s3://b/"];
        assert!(bucket.folders.is_empty(), "{:?}", bucket.folders);
        assert_eq!(
            bucket.closed[REGION],
            [
                DayRange {
                    first: day(1),
                    last: day(3)
                },
                DayRange {
                    first: day(5),
                    last: day(5)
                }
            ]
        );
        assert!(bucket.is_closed(REGION, day(2)) && !bucket.is_closed(REGION, day(4)));
        let (accounts, regions, days) = bucket.extent();
        assert_eq!(accounts.into_iter().collect::<Vec<_>>(), ["111122223333"]);
        assert_eq!(regions.into_iter().collect::<Vec<_>>(), ["us-east-1"]);
        assert_eq!(days, 4);
        assert_eq!(bucket.objects, 5);
    }

    #[test]
    fn only_a_day_folder_path_splits() {
        assert_eq!(
            split_day_folder(&format!("{REGION}2026/11/02/")),
            Some((REGION, day(2)))
        );
        assert_eq!(split_day_folder("2026/11/02"), None);
        assert_eq!(split_day_folder("x/2026/13/02/"), None);
        assert_eq!(split_day_folder("é/"), None);
    }
}
