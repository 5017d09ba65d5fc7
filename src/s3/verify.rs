//! A bucket's digests and log files for `verify`: listed as an ingest lists them (pruned to the
//! accounts, regions and days selected), each object fetched once and hashed as it is
//! decompressed, each digest with the signature S3 keeps in its metadata, so that the newest
//! digest of every chain verifies too.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::connect;
use super::fetch::fetch_signed;
use super::layout::{delivered, Kind, RegionFolder};
use super::listing::Lister;
use super::read::{LogHashes, S3Options};
use super::BucketUrl;
use crate::integrity::chain::{FoundDigest, FoundLog};
use crate::integrity::digest::archive_key;
use crate::integrity::hashing::{hash_decompressed, read_digest};

/// What a bucket holds for `verify`.
#[derive(Debug, Default)]
pub struct BucketScan {
    pub digests: Vec<FoundDigest>,
    pub logs: Vec<FoundLog>,
    /// One line each: a folder that could not be listed, an object that could not be fetched.
    pub problems: Vec<String>,
    pub list_calls: u64,
    pub get_calls: u64,
}

/// Lists and fetches what `verify` needs of `url`; an error when the bucket cannot be read at all.
pub fn scan_bucket(url: &BucketUrl, options: &S3Options) -> Result<BucketScan, String> {
    block_on(scan(url, options))
}

/// What `verify` needs of the digests and log files an ingest listed (`listed`), without listing
/// again: the log files whose hashes are `known` (the ingest hashed them as it read them) are not
/// fetched again, the others (read by an earlier run) and every digest are.
pub fn check_listed(
    url: &BucketUrl,
    options: &S3Options,
    listed: &[(RegionFolder, String)],
    known: &LogHashes,
) -> Result<BucketScan, String> {
    block_on(async {
        let client = connect(url, options.profile.as_deref())
            .await
            .map_err(|f| format!("{}: {}", url.label(), f.message()))?;
        let mut fetcher = Fetcher::new(client, url, options);
        for (folder, key) in listed {
            match known.get(key).filter(|_| folder.kind == Kind::Log) {
                Some(hash) => fetcher.scan.logs.push(FoundLog {
                    path: format!("s3://{}/{key}", url.bucket),
                    delivered: delivered(key),
                    key: archive_key(key).unwrap_or(key).to_owned(),
                    account: folder.account.clone(),
                    region: folder.region.clone(),
                    hash: hash.clone(),
                }),
                None => fetcher.add(folder.clone(), key.clone()).await,
            }
        }
        Ok(fetcher.finish().await)
    })
}

fn block_on(
    work: impl std::future::Future<Output = Result<BucketScan, String>>,
) -> Result<BucketScan, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the S3 reader: {e}"))?;
    runtime.block_on(work)
}

async fn scan(url: &BucketUrl, options: &S3Options) -> Result<BucketScan, String> {
    let fail = |message: String| format!("{}: {}", url.label(), message);
    let client = connect(url, options.profile.as_deref())
        .await
        .map_err(|f| fail(f.message()))?;
    let lister = Arc::new(Lister::new(
        client.clone(),
        url.clone(),
        options.selection.clone(),
    ));
    let region_folders = lister
        .region_folders()
        .await
        .map_err(|f| fail(f.message()))?;
    let mut listings = JoinSet::new();
    for (folder, within) in region_folders {
        if folder.kind == Kind::Insight {
            continue;
        }
        let lister = lister.clone();
        listings.spawn(async move {
            let days = lister
                .day_folders(&folder, &within, &lister.selection)
                .await;
            let mut listed = Vec::new();
            match days {
                Ok(days) => {
                    for (_, day) in days {
                        listed.push((day.clone(), lister.objects(&day, None).await));
                    }
                }
                Err(failure) => listed.push((folder.prefix.clone(), Err(failure))),
            }
            (folder, listed)
        });
    }
    let mut fetcher = Fetcher::new(client, url, options);
    while let Some(joined) = listings.join_next().await {
        let Ok((folder, listed)) = joined else {
            continue;
        };
        for (day, objects) in listed {
            let keys = match objects {
                Ok(keys) => keys,
                Err(failure) => {
                    fetcher.scan.problems.push(format!(
                        "s3://{}/{day}: {}",
                        url.bucket,
                        failure.message()
                    ));
                    continue;
                }
            };
            for key in keys {
                fetcher.add(folder.clone(), key).await;
            }
        }
    }
    let mut scan = fetcher.finish().await;
    scan.list_calls = lister.calls.load(Ordering::Relaxed);
    Ok(scan)
}

/// Fetches digests and log files, as many at once as the options allow, each hashed (or read,
/// for a digest) as it arrives.
struct Fetcher {
    client: aws_sdk_s3::Client,
    url: BucketUrl,
    permits: Arc<Semaphore>,
    gets: Arc<AtomicU64>,
    fetching: JoinSet<Option<Found>>,
    scan: BucketScan,
}

impl Fetcher {
    fn new(client: aws_sdk_s3::Client, url: &BucketUrl, options: &S3Options) -> Fetcher {
        Fetcher {
            client,
            url: url.clone(),
            permits: Arc::new(Semaphore::new(options.requests.max(1))),
            gets: Arc::new(AtomicU64::new(0)),
            fetching: JoinSet::new(),
            scan: BucketScan::default(),
        }
    }

    async fn add(&mut self, folder: RegionFolder, key: String) {
        let permit = self.permits.clone().acquire_owned().await;
        let (client, url, gets) = (self.client.clone(), self.url.clone(), self.gets.clone());
        self.fetching.spawn(async move {
            gets.fetch_add(1, Ordering::Relaxed);
            let fetched = fetch_signed(&client, &url, &key).await;
            let path = format!("s3://{}/{key}", url.bucket);
            // Decompressing and hashing is CPU work: off the runtime's threads, and under the
            // same permit, so that bodies in memory stay bounded.
            tokio::task::spawn_blocking(move || {
                let found = found(folder, key, path, fetched);
                drop(permit);
                found
            })
            .await
            .ok()
        });
        while let Some(joined) = self.fetching.try_join_next() {
            self.take(joined.ok().flatten());
        }
    }

    async fn finish(mut self) -> BucketScan {
        while let Some(joined) = self.fetching.join_next().await {
            self.take(joined.ok().flatten());
        }
        self.scan.get_calls = self.gets.load(Ordering::Relaxed);
        self.scan
    }

    fn take(&mut self, found: Option<Found>) {
        let unfetched = match &found {
            Some(Found::Digest(digest)) => digest
                .content
                .as_ref()
                .err()
                .filter(|e| e.starts_with("cannot be fetched"))
                .map(|e| (&digest.path, e)),
            Some(Found::Log(log)) => log
                .hash
                .as_ref()
                .err()
                .filter(|e| e.starts_with("cannot be fetched"))
                .map(|e| (&log.path, e)),
            None => None,
        };
        if let Some((path, reason)) = unfetched {
            self.scan.problems.push(format!("{path}: {reason}"));
        }
        match found {
            Some(Found::Digest(digest)) => self.scan.digests.push(*digest),
            Some(Found::Log(log)) => self.scan.logs.push(log),
            None => {}
        }
    }
}

enum Found {
    Digest(Box<FoundDigest>),
    Log(FoundLog),
}

fn found(
    folder: RegionFolder,
    key: String,
    path: String,
    fetched: Result<(bytes::Bytes, Option<String>), super::client::Failure>,
) -> Found {
    let archive = archive_key(&key).unwrap_or(&key).to_owned();
    match folder.kind {
        Kind::Digest => {
            let (hash, content, signature) = match fetched {
                Ok((bytes, signature)) => {
                    let (hash, content) = read_digest(&bytes[..]);
                    (hash, content, signature)
                }
                Err(failure) => (
                    String::new(),
                    Err(format!("cannot be fetched: {}", failure.message())),
                    None,
                ),
            };
            Found::Digest(Box::new(FoundDigest {
                path,
                key: archive,
                account: folder.account,
                region: folder.region,
                hash,
                content,
                metadata_signature: signature,
            }))
        }
        Kind::Log | Kind::Insight => Found::Log(FoundLog {
            path,
            delivered: delivered(&key),
            key: archive,
            account: folder.account,
            region: folder.region,
            hash: fetched
                .map_err(|failure| format!("cannot be fetched: {}", failure.message()))
                .and_then(|(bytes, _)| hash_decompressed(&bytes[..])),
        }),
    }
}
