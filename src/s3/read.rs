//! Reads trail buckets: pruned listing, many GETs in flight, each object parsed by the record
//! reader local files use, and per-folder checkpoints that commit with the events they cover.
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::{connect, Failure};
use super::digests::{DigestRef, Digests};
use super::fetch::{digest_signature, fetch};
use super::layout::{Kind, RegionFolder};
use super::listing::{wanted, Lister, Selection};
use super::BucketUrl;
use crate::index::coverage::{BucketCoverage, BucketMark, Checkpoint, DayRange, FolderMark};
use crate::integrity::hashing::HashingTap;
use crate::source::{Feed, Problem, Severity, Tap};

/// How a bucket is read.
#[derive(Debug, Clone)]
pub struct S3Options {
    pub profile: Option<String>,
    pub selection: Selection,
    /// GETs in flight at once.
    pub requests: usize,
    /// Keep listing for new objects this often, until stopped.
    pub follow: Option<Duration>,
    /// List the day folders earlier runs finished again.
    pub relist: bool,
    /// Hash each log file fetched (its decompressed bytes), for the integrity check after the
    /// ingest: it then fetches none of them again.
    pub hash_logs: bool,
}

impl Default for S3Options {
    fn default() -> S3Options {
        S3Options {
            profile: None,
            selection: Selection::default(),
            requests: 32,
            follow: None,
            relist: false,
            hash_logs: false,
        }
    }
}

/// Object key -> the SHA-256 of its decompressed bytes (or why it has none).
pub type LogHashes = HashMap<String, Result<String, String>>;

/// What reading one bucket did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BucketReport {
    pub url: String,
    pub list_calls: u64,
    pub get_calls: u64,
    /// Objects read in this run.
    pub objects: u64,
    /// Objects a previous run had already read (not fetched again).
    pub already_read: u64,
    pub digests: u64,
    /// Day folders earlier runs read to their end after their day was over: not listed again.
    pub closed_days: u64,
    pub failed_objects: u64,
    /// The bucket could not be read at all (the line is among the problems).
    pub failed: bool,
    /// With `hash_logs`: the log files fetched in this run, hashed as they were read.
    pub hashes: LogHashes,
    /// With `hash_logs`: every digest and log file the run listed, by its region folder (what
    /// the integrity check after the ingest judges, without listing again).
    pub listed: Vec<(RegionFolder, String)>,
}

impl std::fmt::Display for BucketReport {
    /// `s3://b/: 12 objects read, 3 digest files; 40 LIST and 12 GET requests`, with the objects
    /// an earlier run had read out of order and the ones that failed, when there are any.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} objects read, ",
            crate::event::terminal_safe(&self.url),
            self.objects
        )?;
        if self.already_read > 0 {
            write!(
                f,
                "{} read by an earlier run and skipped, ",
                self.already_read
            )?;
        }
        if self.closed_days > 0 {
            write!(
                f,
                "{} day folders finished by earlier runs and not listed, ",
                self.closed_days
            )?;
        }
        write!(
            f,
            "{} digest files; {} LIST and {} GET requests",
            self.digests, self.list_calls, self.get_calls
        )?;
        if self.failed_objects > 0 {
            write!(
                f,
                ", {} objects failed (read again next time)",
                self.failed_objects
            )?;
        }
        Ok(())
    }
}

/// The window a follow lists again each round, before the newest day read.
const FOLLOW_LOOKBACK: chrono::Duration = chrono::Duration::days(1);

/// Reads every bucket in turn; every failure is a problem fed to `feed`, never an early return.
pub fn read_buckets(
    urls: &[BucketUrl],
    options: &S3Options,
    marks: &BTreeMap<String, BucketCoverage>,
    digests: &mut Digests,
    feed: &dyn Feed,
) -> Vec<BucketReport> {
    let Some(runtime) = reader_runtime(feed) else {
        return Vec::new();
    };
    let mut reports = Vec::new();
    for url in urls {
        let bucket_marks = marks.get(&bucket_key(url)).cloned().unwrap_or_default();
        let mut report = BucketReport {
            url: url.label(),
            ..BucketReport::default()
        };
        read_bucket(
            &runtime,
            url,
            options,
            &bucket_marks,
            digests,
            feed,
            &mut report,
        );
        reports.push(report);
    }
    reports
}

/// The runtime the S3 readers run their requests on; `None` (a problem fed) when it cannot start.
pub(super) fn reader_runtime(feed: &dyn Feed) -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => Some(runtime),
        Err(e) => {
            feed.problem(Problem::file(
                Severity::Rejected,
                "s3",
                format!("cannot start the S3 reader: {e}"),
            ));
            None
        }
    }
}

/// Coverage keeps one entry per bucket, whatever folder of it was named.
pub fn bucket_key(url: &BucketUrl) -> String {
    format!("s3://{}/", url.bucket)
}

/// One object to read, and the day folder whose mark it advances.
struct Fetched {
    folder: String,
    name: String,
    bytes: Bytes,
}

fn read_bucket(
    runtime: &tokio::runtime::Runtime,
    url: &BucketUrl,
    options: &S3Options,
    marks: &BucketCoverage,
    digests: &mut Digests,
    feed: &dyn Feed,
    report: &mut BucketReport,
) {
    let source: Arc<str> = url.label().into();
    let fail = |message: &str| {
        feed.problem(Problem::file(Severity::Rejected, &url.label(), message));
    };
    let client = match runtime.block_on(connect(url, options.profile.as_deref())) {
        Ok(client) => client,
        Err(failure) => {
            report.failed = true;
            return fail(&failure.message());
        }
    };
    let tracker = Tracker {
        bucket: bucket_key(url),
        folders: Mutex::new(HashMap::new()),
        marks: marks.folders.clone(),
        closed: match options.relist {
            true => BTreeMap::new(),
            false => marks.closed.clone(),
        },
    };
    let lister = Arc::new(Lister::new(
        client.clone(),
        url.clone(),
        options.selection.clone(),
    ));
    let region_folders = match runtime.block_on(lister.region_folders()) {
        Ok(folders) => folders,
        Err(failure) => {
            report.failed = true;
            report.list_calls = lister.calls.load(Ordering::Relaxed);
            return fail(&failure.message());
        }
    };
    if region_folders.is_empty() {
        fail("no CloudTrail folders for the selected accounts and regions here");
    }
    let gets = AtomicU64::new(0);
    let mut window = options.selection.clone();
    loop {
        let (sender, receiver) = crossbeam_channel::bounded::<Fetched>(options.requests.max(1));
        let parsers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 8);
        let hashes = Mutex::new(LogHashes::new());
        std::thread::scope(|scope| {
            for _ in 0..parsers {
                let receiver = receiver.clone();
                let tracker = &tracker;
                let source = &source;
                let hashes = &hashes;
                scope.spawn(move || {
                    for object in receiver {
                        let key = format!("{}{}", object.folder, object.name);
                        let mut hashing =
                            (options.hash_logs && is_log_key(&key)).then(HashingTap::default);
                        let tap = hashing.as_mut().map(|tap| tap as &mut dyn Tap);
                        let name = format!("s3://{}/{key}", url.bucket);
                        let mut reader = std::io::Cursor::new(object.bytes);
                        let read_whole = feed.stream(source, &name, false, &mut reader, tap);
                        if let Some(hash) = hashing.and_then(HashingTap::finish) {
                            hashes.lock().unwrap().insert(key, hash);
                        }
                        if read_whole {
                            tracker.read(feed, &object.folder, &object.name);
                        }
                    }
                });
            }
            drop(receiver);
            let round = Round {
                lister: &lister,
                window: &window,
                tracker: &tracker,
                sender,
                requests: options.requests.max(1),
                gets: &gets,
                feed,
                source: &source,
                hash_logs: options.hash_logs,
            };
            let outcome = runtime.block_on(round.run(&region_folders, digests));
            report.objects += outcome.objects;
            report.already_read += outcome.already_read;
            report.failed_objects += outcome.failed;
            report.digests += outcome.digests;
            report.closed_days += outcome.closed_days;
            report.listed.extend(outcome.listed);
        });
        report
            .hashes
            .extend(hashes.into_inner().unwrap_or_default());
        report.list_calls = lister.calls.load(Ordering::Relaxed);
        report.get_calls = gets.load(Ordering::Relaxed);
        let Some(interval) = options.follow else {
            break;
        };
        if !sleep_unless_cancelled(interval, feed) {
            break;
        }
        let lookback = Utc::now() - FOLLOW_LOOKBACK;
        window.since = Some(window.since.map_or(lookback, |s| s.max(lookback)));
        window.until = None;
    }
}

fn sleep_unless_cancelled(interval: Duration, feed: &dyn Feed) -> bool {
    let until = std::time::Instant::now() + interval;
    while std::time::Instant::now() < until {
        if feed.cancelled() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100).min(interval));
    }
    !feed.cancelled()
}

/// One pass over the selected day folders.
struct Round<'a> {
    lister: &'a Arc<Lister>,
    /// The times this pass reads (a follow narrows them round by round).
    window: &'a Selection,
    tracker: &'a Tracker,
    sender: crossbeam_channel::Sender<Fetched>,
    requests: usize,
    gets: &'a AtomicU64,
    feed: &'a dyn Feed,
    source: &'a Arc<str>,
    hash_logs: bool,
}

#[derive(Default)]
struct RoundOutcome {
    objects: u64,
    already_read: u64,
    failed: u64,
    digests: u64,
    closed_days: u64,
    listed: Vec<(RegionFolder, String)>,
}

/// A log file's key (not an Insights file's, nor a digest's): `…/CloudTrail/REGION/…`.
fn is_log_key(key: &str) -> bool {
    key.contains("/CloudTrail/")
}

/// One day folder's listing.
struct DayListing {
    folder: RegionFolder,
    day: String,
    objects: Result<Vec<String>, Failure>,
    /// Listed after its day was over: once everything in it is read, it closes.
    closes: bool,
}

/// A day folder closes this long after its day is over: deliveries land minutes late, and
/// replication into a central bucket can lag by hours.
const CLOSE_AFTER: chrono::Duration = chrono::Duration::hours(24);

fn closes(day: NaiveDate, listed_at: DateTime<Utc>) -> bool {
    day.succ_opt()
        .and_then(|next| next.and_hms_opt(0, 0, 0))
        .is_some_and(|end| listed_at >= end.and_utc() + CLOSE_AFTER)
}

impl Round<'_> {
    async fn run(
        self,
        region_folders: &[(RegionFolder, String)],
        digests: &mut Digests,
    ) -> RoundOutcome {
        let mut outcome = RoundOutcome::default();
        let (client, url) = (&self.lister.client, &self.lister.url);
        // Day folders of every region, listed concurrently.
        let mut listings = JoinSet::new();
        for (folder, within) in region_folders {
            let lister = self.lister.clone();
            let folder = folder.clone();
            let within = within.clone();
            let window = self.window.clone();
            let marks = self.tracker.marks_under(&folder.prefix);
            let closed = self.tracker.closed_under(&folder.prefix);
            listings.spawn(async move {
                let days = match lister.day_folders(&folder, &within, &window).await {
                    Ok(days) => days,
                    Err(failure) => {
                        let day = folder.prefix.clone();
                        let failed = DayListing {
                            folder,
                            day,
                            objects: Err(failure),
                            closes: false,
                        };
                        return (vec![failed], 0);
                    }
                };
                let mut listed = Vec::new();
                let mut skipped = 0;
                for (date, day) in days {
                    if closed.iter().any(|r| r.first <= date && date <= r.last) {
                        skipped += 1;
                        continue;
                    }
                    let start_after = marks
                        .get(&day)
                        .and_then(|mark| mark.read_through.as_ref())
                        .map(|name| format!("{day}{name}"));
                    let listed_at = Utc::now();
                    let objects = lister.objects(&day, start_after.as_deref()).await;
                    listed.push(DayListing {
                        folder: folder.clone(),
                        day,
                        objects,
                        closes: closes(date, listed_at),
                    });
                }
                (listed, skipped)
            });
        }
        let fetches = Arc::new(Semaphore::new(self.requests));
        let mut newest_digests: BTreeMap<String, String> = BTreeMap::new();
        let mut gets = JoinSet::new();
        while let Some(joined) = listings.join_next().await {
            let Ok((days, skipped)) = joined else {
                continue;
            };
            outcome.closed_days += skipped;
            for DayListing {
                folder,
                day,
                objects,
                closes,
            } in days
            {
                let objects = match objects {
                    Ok(objects) => objects,
                    Err(failure) => {
                        self.feed.problem(Problem::file(
                            Severity::Rejected,
                            &format!("s3://{}/{day}", url.bucket),
                            failure.message(),
                        ));
                        continue;
                    }
                };
                if self.hash_logs && folder.kind != Kind::Insight {
                    outcome.listed.extend(
                        objects
                            .iter()
                            .filter(|key| wanted(self.window, key))
                            .map(|key| (folder.clone(), key.clone())),
                    );
                }
                if folder.kind == Kind::Digest {
                    outcome.digests += objects.len() as u64;
                    self.feed.digests(self.source, objects.len() as u64);
                    let chain = format!("s3://{}/{}", url.bucket, folder.prefix);
                    if let Some(newest) = objects.iter().max() {
                        if digests.is_newer(&chain, newest)
                            && newest_digests
                                .get(&chain)
                                .is_none_or(|known| newest > known)
                        {
                            newest_digests.insert(chain, newest.clone());
                        }
                    }
                    if closes {
                        self.tracker.close_unread(self.feed, &day);
                    }
                    continue;
                }
                let names: Vec<String> = objects
                    .iter()
                    .map(|key| key[day.len()..].to_owned())
                    .collect();
                let (to_read, already_read) = self.tracker.listed(
                    self.feed,
                    &day,
                    &names,
                    |name| wanted(self.window, &format!("{day}{name}")),
                    closes,
                );
                outcome.already_read += already_read as u64;
                if !to_read.is_empty() {
                    self.feed.found(to_read.len());
                }
                for name in to_read {
                    if self.feed.cancelled() {
                        break;
                    }
                    let permit = fetches.clone().acquire_owned().await;
                    let client = client.clone();
                    let url = url.clone();
                    let sender = self.sender.clone();
                    let key = format!("{day}{name}");
                    let folder = day.clone();
                    self.gets.fetch_add(1, Ordering::Relaxed);
                    gets.spawn(async move {
                        let fetched = fetch(&client, &url, &key).await;
                        let result = match fetched {
                            Ok(bytes) => {
                                let object = Fetched {
                                    folder,
                                    name,
                                    bytes,
                                };
                                // The parsers block; hand over from a blocking thread.
                                let sent = tokio::task::spawn_blocking(move || {
                                    sender.send(object).is_ok()
                                })
                                .await
                                .unwrap_or(false);
                                Ok(sent)
                            }
                            Err(failure) => Err((key, failure)),
                        };
                        drop(permit);
                        result
                    });
                    while let Some(done) = gets.try_join_next() {
                        self.count(done, &mut outcome);
                    }
                }
            }
        }
        while let Some(done) = gets.join_next().await {
            self.count(done, &mut outcome);
        }
        for (chain, key) in newest_digests {
            match digest_signature(client, url, &key).await {
                Ok((signature, signature_algorithm)) => digests.keep(
                    &chain,
                    DigestRef {
                        bucket: url.bucket.clone(),
                        key,
                        signature,
                        signature_algorithm,
                    },
                ),
                Err(failure) => self.feed.problem(Problem::file(
                    Severity::Warning,
                    &format!("s3://{}/{key}", url.bucket),
                    format!(
                        "the newest digest's signature was not read: {}",
                        failure.message()
                    ),
                )),
            }
        }
        outcome
    }

    fn count(
        &self,
        done: Result<Result<bool, (String, Failure)>, tokio::task::JoinError>,
        outcome: &mut RoundOutcome,
    ) {
        match done {
            Ok(Ok(true)) => outcome.objects += 1,
            Ok(Ok(false)) | Err(_) => {}
            Ok(Err((key, failure))) => {
                outcome.failed += 1;
                self.feed.problem(Problem::file(
                    Severity::Rejected,
                    &format!("s3://{}/{key}", self.lister.url.bucket),
                    failure.message(),
                ));
            }
        }
    }
}

/// Which objects of each day folder have been read, and the marks that say so.
struct Tracker {
    bucket: String,
    /// The marks as committed when the run started.
    marks: BTreeMap<String, FolderMark>,
    /// The closed days as committed when the run started, per region folder.
    closed: BTreeMap<String, Vec<DayRange>>,
    folders: Mutex<HashMap<String, FolderProgress>>,
}

struct FolderProgress {
    /// Names listed in this run, in key order, after the mark's `read_through`.
    listed: Vec<String>,
    read: HashSet<String>,
    /// How many of `listed` are known read, from the front.
    through: usize,
    mark: FolderMark,
    /// Listed after its day was over: closes once everything listed is read.
    closes: bool,
}

impl Tracker {
    /// The mark of every day folder under `prefix`: this run's where it has one, else the
    /// committed one.
    fn marks_under(&self, prefix: &str) -> BTreeMap<String, FolderMark> {
        let progress = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        let mut marks: BTreeMap<String, FolderMark> = self
            .marks
            .range(prefix.to_owned()..)
            .take_while(|(folder, _)| folder.starts_with(prefix))
            .map(|(folder, mark)| (folder.clone(), mark.clone()))
            .collect();
        marks.extend(
            progress
                .iter()
                .filter(|(folder, _)| folder.starts_with(prefix))
                .map(|(folder, p)| (folder.clone(), p.mark.clone())),
        );
        marks
    }

    fn closed_under(&self, region_folder: &str) -> Vec<DayRange> {
        self.closed.get(region_folder).cloned().unwrap_or_default()
    }

    /// A folder with nothing to read in it (digests) closes.
    fn close_unread(&self, feed: &dyn Feed, folder: &str) {
        feed.checkpoint(Checkpoint::Folder(BucketMark {
            bucket: self.bucket.clone(),
            folder: folder.to_owned(),
            mark: FolderMark::default(),
            objects_read: 0,
            closed: true,
        }));
    }

    /// Takes a day folder's listing; returns the names still to read, and how many of those
    /// listed an earlier run had read. A folder that `closes` with everything in it read
    /// closes at once.
    fn listed(
        &self,
        feed: &dyn Feed,
        folder: &str,
        names: &[String],
        wanted: impl Fn(&str) -> bool,
        closes: bool,
    ) -> (Vec<String>, usize) {
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        let mark = folders
            .get(folder)
            .map(|p| p.mark.clone())
            .or_else(|| self.marks.get(folder).cloned())
            .unwrap_or_default();
        let listed: Vec<String> = names
            .iter()
            .filter(|name| {
                mark.read_through
                    .as_deref()
                    .is_none_or(|t| name.as_str() > t)
            })
            .cloned()
            .collect();
        let read: HashSet<String> = listed
            .iter()
            .filter(|name| mark.also_read.contains(name))
            .cloned()
            .collect();
        let to_read = listed
            .iter()
            .filter(|name| !read.contains(*name) && wanted(name))
            .cloned()
            .collect();
        let already_read = read.len();
        if closes && listed.iter().all(|name| read.contains(name)) {
            feed.checkpoint(Checkpoint::Folder(BucketMark {
                bucket: self.bucket.clone(),
                folder: folder.to_owned(),
                mark: mark.clone(),
                objects_read: 0,
                closed: true,
            }));
        }
        folders.insert(
            folder.to_owned(),
            FolderProgress {
                listed,
                read,
                through: 0,
                mark,
                closes,
            },
        );
        (to_read, already_read)
    }

    /// An object was read to its end: advance its folder's mark and hand it to the writer.
    fn read(&self, feed: &dyn Feed, folder: &str, name: &str) {
        let mut folders = self.folders.lock().unwrap_or_else(|e| e.into_inner());
        let Some(progress) = folders.get_mut(folder) else {
            return;
        };
        progress.read.insert(name.to_owned());
        while progress
            .listed
            .get(progress.through)
            .is_some_and(|next| progress.read.contains(next))
        {
            progress.mark.read_through = Some(progress.listed[progress.through].clone());
            progress.through += 1;
        }
        let mut also_read: Vec<String> = progress.listed[progress.through..]
            .iter()
            .filter(|n| progress.read.contains(*n))
            .cloned()
            .collect();
        also_read.sort();
        progress.mark.also_read = also_read;
        // Sent under the lock: a folder's marks reach the writer in the order they were made.
        feed.checkpoint(Checkpoint::Folder(BucketMark {
            bucket: self.bucket.clone(),
            folder: folder.to_owned(),
            mark: progress.mark.clone(),
            objects_read: 1,
            closed: progress.closes && progress.through == progress.listed.len(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Marks(Mutex<Vec<BucketMark>>);
    impl Feed for Marks {
        fn stream(
            &self,
            _: &Arc<str>,
            _: &str,
            _: bool,
            _: &mut dyn std::io::Read,
            _: Option<&mut dyn crate::source::Tap>,
        ) -> bool {
            true
        }
        fn delivery(&self, _: crate::source::Delivery) {}
        fn problem(&self, _: Problem) {}
        fn found(&self, _: usize) {}
        fn digests(&self, _: &Arc<str>, _: u64) {}
        fn checkpoint(&self, checkpoint: Checkpoint) {
            if let Checkpoint::Folder(mark) = checkpoint {
                self.0.lock().unwrap().push(mark);
            }
        }
        fn cancelled(&self) -> bool {
            false
        }
    }

    #[test]
    fn a_mark_advances_only_over_objects_read_in_a_row() {
        let tracker = Tracker {
            bucket: "s3://b/".into(),
            marks: BTreeMap::new(),
            closed: BTreeMap::new(),
            folders: Mutex::new(HashMap::new()),
        };
        let names: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let feed = Marks(Mutex::new(Vec::new()));
        let (to_read, _) = tracker.listed(&feed, "day/", &names, |name| name != "a", true);
        assert_eq!(to_read, ["b", "c", "d", "e"], "a is outside the window");
        tracker.read(&feed, "day/", "c");
        tracker.read(&feed, "day/", "b");
        let marks = feed.0.lock().unwrap();
        assert_eq!(marks[1].mark.read_through, None, "a was never read");
        assert_eq!(marks[1].mark.also_read, ["b", "c"]);
        drop(marks);

        // A later run that reads `a` catches the mark up.
        let tracker = Tracker {
            marks: BTreeMap::from([("day/".to_owned(), feed.0.lock().unwrap()[1].mark.clone())]),
            ..tracker
        };
        let (to_read, already_read) = tracker.listed(&feed, "day/", &names, |_| true, true);
        assert_eq!(to_read, ["a", "d", "e"]);
        assert_eq!(already_read, 2);
        tracker.read(&feed, "day/", "a");
        let last = feed.0.lock().unwrap().last().unwrap().clone();
        assert_eq!(last.mark.read_through.as_deref(), Some("c"));
        assert!(last.mark.also_read.is_empty());
        assert!(!last.closed, "d and e are not read yet");
        tracker.read(&feed, "day/", "e");
        tracker.read(&feed, "day/", "d");
        let last = feed.0.lock().unwrap().last().unwrap().clone();
        assert_eq!(last.mark.read_through.as_deref(), Some("e"));
        assert!(
            last.closed,
            "everything listed is read, after the day was over"
        );
    }

    #[test]
    fn a_folder_read_in_full_by_earlier_runs_closes_when_listed_after_its_day() {
        let names: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let tracker = |read_through: &str| Tracker {
            bucket: "s3://b/".into(),
            marks: BTreeMap::from([(
                "day/".to_owned(),
                FolderMark {
                    read_through: Some(read_through.into()),
                    also_read: vec![],
                },
            )]),
            closed: BTreeMap::new(),
            folders: Mutex::new(HashMap::new()),
        };
        let feed = Marks(Mutex::new(Vec::new()));
        tracker("b").listed(&feed, "day/", &names, |_| true, false);
        assert!(feed.0.lock().unwrap().is_empty(), "the day is not over");
        tracker("a").listed(&feed, "day/", &names, |_| true, true);
        assert!(feed.0.lock().unwrap().is_empty(), "b is not read");
        tracker("b").listed(&feed, "day/", &names, |_| true, true);
        let marks = feed.0.lock().unwrap();
        assert!(marks.len() == 1 && marks[0].closed, "{marks:?}");
    }

    #[test]
    fn a_day_closes_a_day_after_it_is_over() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        assert!(!closes(day, at("2026-11-03T00:00:01Z")));
        assert!(!closes(day, at("2026-11-03T23:59:59Z")));
        assert!(closes(day, at("2026-11-04T00:00:00Z")));
    }
}
