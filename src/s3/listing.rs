//! Pruned listing: the layout's folders by delimiter listing (accounts, kinds, regions), then
//! only the day folders inside the window, so that LIST calls grow with what is selected and
//! never with the size of the bucket.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::{classify, Failure};
use super::layout::{
    delivered, is_account, is_org, last_segment, position, Kind, Position, RegionFolder,
};
use super::BucketUrl;

/// Records can be this much older than the file that holds them, and a file this much later than
/// its newest record: a window is widened by it when choosing files by delivery time.
pub const LATE_DELIVERY: Duration = Duration::hours(1);

/// LIST calls in flight at once per bucket.
const LISTS_IN_FLIGHT: usize = 16;

/// What to read of a bucket.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Empty: every account.
    pub accounts: Vec<String>,
    /// Empty: every region.
    pub regions: Vec<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl Selection {
    fn wants_account(&self, account: &str) -> bool {
        self.accounts.is_empty() || self.accounts.iter().any(|a| a == account)
    }

    fn wants_region(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }

    /// Whether a file delivered at `time` can hold records inside the window.
    pub fn wants_delivery(&self, time: DateTime<Utc>) -> bool {
        self.since.is_none_or(|since| time >= since)
            && self.until.is_none_or(|until| time <= until + LATE_DELIVERY)
    }

    fn wants_day(&self, day: NaiveDate) -> bool {
        self.since.is_none_or(|since| day >= since.date_naive())
            && self
                .until
                .is_none_or(|until| day <= (until + LATE_DELIVERY).date_naive())
    }
}

/// Lists one bucket, counting its calls.
pub struct Lister {
    pub client: aws_sdk_s3::Client,
    pub url: BucketUrl,
    pub selection: Selection,
    pub calls: AtomicU64,
    pub limit: Arc<Semaphore>,
}

impl Lister {
    pub fn new(client: aws_sdk_s3::Client, url: BucketUrl, selection: Selection) -> Lister {
        Lister {
            client,
            url,
            selection,
            calls: AtomicU64::new(0),
            limit: Arc::new(Semaphore::new(LISTS_IN_FLIGHT)),
        }
    }

    /// The folders one level below `prefix`.
    pub async fn folders(&self, prefix: &str) -> Result<Vec<String>, Failure> {
        Ok(self.level(prefix, None).await?.0)
    }

    /// The keys of the objects directly in `folder` after `start_after`, in key order.
    pub async fn objects(
        &self,
        folder: &str,
        start_after: Option<&str>,
    ) -> Result<Vec<String>, Failure> {
        Ok(self.level(folder, start_after).await?.1)
    }

    /// One level of the bucket below `prefix` (`Delimiter=/`), every page of it: the folders, and
    /// the keys of the objects after `start_after`.
    async fn level(
        &self,
        prefix: &str,
        start_after: Option<&str>,
    ) -> Result<(Vec<String>, Vec<String>), Failure> {
        let (mut folders, mut keys) = (Vec::new(), Vec::new());
        let mut token = None;
        loop {
            let _permit = self.limit.acquire().await;
            self.calls.fetch_add(1, Ordering::Relaxed);
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.url.bucket)
                .prefix(prefix)
                .delimiter("/")
                .set_start_after(start_after.map(str::to_owned))
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| classify(&e, None))?;
            folders.extend(
                page.common_prefixes()
                    .iter()
                    .filter_map(|p| p.prefix().map(str::to_owned)),
            );
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|object| object.key().map(str::to_owned)),
            );
            token = page.next_continuation_token().map(str::to_owned);
            if token.is_none() || page.is_truncated() != Some(true) {
                return Ok((folders, keys));
            }
        }
    }

    /// Every region folder of the selected accounts and regions below the bucket URL, found
    /// level by level with the folders of each level listed concurrently.
    pub async fn region_folders(self: &Arc<Self>) -> Result<Vec<(RegionFolder, String)>, Failure> {
        let mut frontier = vec![position(&self.url.prefix)];
        let mut found = Vec::new();
        while !frontier.is_empty() {
            let mut tasks = JoinSet::new();
            for at in frontier.drain(..) {
                match at {
                    Position::Region { folder, within } => {
                        if self.selection.wants_account(&folder.account)
                            && self.selection.wants_region(&folder.region)
                        {
                            found.push((folder, within));
                        }
                    }
                    other => {
                        let lister = self.clone();
                        tasks.spawn(async move { lister.below(other).await });
                    }
                }
            }
            while let Some(result) = tasks.join_next().await {
                match result {
                    Ok(children) => frontier.extend(children?),
                    Err(e) => {
                        return Err(Failure::Final(format!("listing task failed: {e}")));
                    }
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// The positions one level below `at`, as far as the selection wants them.
    async fn below(&self, at: Position) -> Result<Vec<Position>, Failure> {
        Ok(match at {
            Position::AboveLogs(prefix) => {
                let logs = format!("{prefix}AWSLogs/");
                let children = self.folders(&prefix).await?;
                if children.contains(&logs) {
                    vec![Position::Accounts(logs)]
                } else {
                    let shown: Vec<&str> =
                        children.iter().take(5).map(|c| last_segment(c)).collect();
                    return Err(Failure::Final(format!(
                        "no AWSLogs/ folder here, so no trail delivers to it; name the folder that holds AWSLogs/{}",
                        if shown.is_empty() {
                            " (this one is empty)".to_owned()
                        } else {
                            format!(" (this one holds {}/)", shown.join("/, "))
                        }
                    )));
                }
            }
            Position::Accounts(prefix) => self
                .folders(&prefix)
                .await?
                .into_iter()
                .filter_map(|child| {
                    let name = last_segment(&child);
                    if is_org(name) {
                        Some(Position::Accounts(child))
                    } else if is_account(name) && self.selection.wants_account(name) {
                        Some(Position::Account {
                            account: name.to_owned(),
                            prefix: child,
                        })
                    } else {
                        None
                    }
                })
                .collect(),
            Position::Account { prefix, account } => self
                .folders(&prefix)
                .await?
                .into_iter()
                .filter_map(|child| {
                    let kind = Kind::from_folder(last_segment(&child))?;
                    Some(Position::Kind {
                        prefix: child,
                        account: account.clone(),
                        kind,
                    })
                })
                .collect(),
            Position::Kind {
                prefix,
                account,
                kind,
            } => self
                .folders(&prefix)
                .await?
                .into_iter()
                .filter(|child| self.selection.wants_region(last_segment(child)))
                .map(|child| Position::Region {
                    folder: RegionFolder {
                        account: account.clone(),
                        kind,
                        region: last_segment(&child).to_owned(),
                        prefix: child,
                    },
                    within: String::new(),
                })
                .collect(),
            Position::Region { .. } => Vec::new(),
        })
    }

    /// The day folders of `folder` inside `window`'s times (and under `within`): computed from
    /// the window's dates when it has a start, else found by listing years, months and days. A
    /// follow narrows the window round by round; accounts and regions stay the lister's own.
    pub async fn day_folders(
        &self,
        folder: &RegionFolder,
        within: &str,
        window: &Selection,
    ) -> Result<Vec<(NaiveDate, String)>, Failure> {
        let in_scope = |path: &str| path.starts_with(within) || within.starts_with(path);
        if let Some(since) = window.since {
            let last = (window.until.unwrap_or_else(Utc::now) + LATE_DELIVERY).date_naive();
            let mut days = Vec::new();
            let mut day = since.date_naive();
            while day <= last {
                let path = day.format("%Y/%m/%d/").to_string();
                if in_scope(&path) {
                    days.push((day, folder.day(day)));
                }
                day = day.succ_opt().unwrap_or(NaiveDate::MAX);
                if day == NaiveDate::MAX {
                    break;
                }
            }
            return Ok(days);
        }
        let mut days = Vec::new();
        for year in self.folders(&folder.prefix).await? {
            if !in_scope(&year[folder.prefix.len()..]) {
                continue;
            }
            for month in self.folders(&year).await? {
                if !in_scope(&month[folder.prefix.len()..]) {
                    continue;
                }
                for day in self.folders(&month).await? {
                    let path = &day[folder.prefix.len()..];
                    let Ok(date) = NaiveDate::parse_from_str(path, "%Y/%m/%d/") else {
                        continue;
                    };
                    if in_scope(path) && window.wants_day(date) {
                        days.push((date, day));
                    }
                }
            }
        }
        Ok(days)
    }
}

/// Whether a listed key is worth reading under the selection: a file delivered inside the
/// window (keys without a delivery time in their name are read).
pub fn wanted(selection: &Selection, key: &str) -> bool {
    delivered(key).is_none_or(|time| selection.wants_delivery(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_keeps_files_delivered_inside_it_and_a_little_after() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        let selection = Selection {
            since: Some(at("2026-11-03T00:00:00Z")),
            until: Some(at("2026-11-04T00:00:00Z")),
            ..Selection::default()
        };
        let key = |stamp: &str| {
            format!("AWSLogs/1/CloudTrail/r/x/111122223333_CloudTrail_r_{stamp}_abc.json.gz")
        };
        assert!(!wanted(&selection, &key("20261102T2355Z")));
        assert!(wanted(&selection, &key("20261103T0000Z")));
        assert!(wanted(&selection, &key("20261104T0055Z")));
        assert!(!wanted(&selection, &key("20261104T0105Z")));
        assert!(wanted(&selection, "AWSLogs/notes.json"));
        assert!(selection.wants_day(NaiveDate::from_ymd_opt(2026, 11, 4).unwrap()));
        assert!(!selection.wants_day(NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()));
    }
}
