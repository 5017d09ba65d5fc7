//! Named objects of trail buckets (the log files an Athena query says hold matches): fetched with
//! many GETs in flight and read by the record reader every other source uses, without listing.
//! They carry the same provenance as a bucket ingest (`@source` the bucket, `@file` the object),
//! so dedupe, detection and the Detail pane treat them alike.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::{connect, Failure};
use super::fetch::fetch;
use super::read::{bucket_key, reader_runtime, BucketReport, S3Options};
use super::BucketUrl;
use crate::source::{Feed, Problem, Severity};

/// Reads `objects` (bucket -> keys); every failure is a problem fed to `feed` naming the object.
pub fn read_objects(
    objects: &BTreeMap<BucketUrl, Vec<String>>,
    options: &S3Options,
    feed: &dyn Feed,
) -> Vec<BucketReport> {
    let Some(runtime) = reader_runtime(feed) else {
        return Vec::new();
    };
    objects
        .iter()
        .map(|(url, keys)| read_bucket_objects(&runtime, url, keys, options, feed))
        .collect()
}

fn read_bucket_objects(
    runtime: &tokio::runtime::Runtime,
    url: &BucketUrl,
    keys: &[String],
    options: &S3Options,
    feed: &dyn Feed,
) -> BucketReport {
    let mut report = BucketReport {
        url: url.label(),
        ..BucketReport::default()
    };
    let client = match runtime.block_on(connect(url, options.profile.as_deref())) {
        Ok(client) => client,
        Err(failure) => {
            report.failed = true;
            feed.problem(Problem::file(
                Severity::Rejected,
                &url.label(),
                failure.message(),
            ));
            return report;
        }
    };
    feed.found(keys.len());
    let source: Arc<str> = bucket_key(url).into();
    let gets = AtomicU64::new(0);
    let read = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let parsers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let (sender, receiver) = crossbeam_channel::bounded::<(String, Bytes)>(options.requests.max(1));
    std::thread::scope(|scope| {
        for _ in 0..parsers {
            let receiver = receiver.clone();
            let (source, read) = (&source, &read);
            scope.spawn(move || {
                for (key, bytes) in receiver {
                    let name = format!("s3://{}/{key}", url.bucket);
                    let mut reader = std::io::Cursor::new(bytes);
                    if feed.stream(source, &name, false, &mut reader, None) {
                        read.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        drop(receiver);
        runtime.block_on(async {
            let in_flight = Arc::new(Semaphore::new(options.requests.max(1)));
            let mut tasks: JoinSet<Result<(), (String, Failure)>> = JoinSet::new();
            for key in keys {
                if feed.cancelled() {
                    break;
                }
                let Ok(permit) = in_flight.clone().acquire_owned().await else {
                    break;
                };
                let (client, url, key, sender) =
                    (client.clone(), url.clone(), key.clone(), sender.clone());
                gets.fetch_add(1, Ordering::Relaxed);
                tasks.spawn(async move {
                    let bytes = fetch(&client, &url, &key)
                        .await
                        .map_err(|f| (key.clone(), f))?;
                    drop(permit);
                    // The parsers block; hand over from a blocking thread.
                    let _ = tokio::task::spawn_blocking(move || sender.send((key, bytes))).await;
                    Ok(())
                });
            }
            drop(sender);
            while let Some(done) = tasks.join_next().await {
                if let Ok(Err((key, failure))) = done {
                    failed.fetch_add(1, Ordering::Relaxed);
                    feed.problem(Problem::file(
                        Severity::Rejected,
                        &format!("s3://{}/{key}", url.bucket),
                        failure.message(),
                    ));
                }
            }
        });
    });
    report.get_calls = gets.into_inner();
    report.objects = read.into_inner();
    report.failed_objects = failed.into_inner();
    report
}
