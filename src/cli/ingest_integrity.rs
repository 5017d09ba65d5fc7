//! After an ingest: the files it read checked against the digests beside them, and each file's
//! verdict kept for `@integrity:` (the same check `verify` makes, over what was read).
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};

use super::verify::{fetch_missing_keys, load_keyring};
use crate::event::terminal_safe;
use crate::index::TrailIndex;
use crate::integrity::chain::{Finding, Window};
use crate::integrity::verdicts::Verdicts;
use crate::integrity::verify_chains;
use crate::s3::verify::scan_bucket_knowing;
use crate::s3::LogHashes;
use crate::s3::{BucketUrl, S3Options};
use crate::units::thousands;

/// Local files, offline, with the keys kept beside the index. Reading each file once more costs
/// about a twentieth of the ingest.
pub fn keep_local(index: &TrailIndex, paths: &[PathBuf], quiet: bool) {
    let archive = crate::integrity::local::scan(paths, &[], &[]);
    if archive.digests.is_empty() {
        return;
    }
    let keyring = load_keyring(index.dir(), None).unwrap_or_default();
    let findings = verify_chains(&archive.digests, &archive.logs, &keyring, Window::default());
    keep(index, &findings, quiet);
}

/// The day folders of a bucket around the objects an ingest fetched (`fetched`, by their
/// delivery times), as `verify` reads them: listed again, the log files the ingest hashed as it
/// read them (`hashes`) not fetched again (only those an earlier run read), each digest fetched
/// with the signature in its metadata, keys missing from those kept beside the index asked of
/// ListPublicKeys (the ingest is online anyway).
pub fn keep_bucket(
    index: &TrailIndex,
    url: &BucketUrl,
    options: &S3Options,
    fetched: (DateTime<Utc>, DateTime<Utc>),
    hashes: &LogHashes,
    quiet: bool,
) {
    // An hour either side: the digest that lists a file is delivered up to an hour after it.
    let mut options = options.clone();
    let selection = &mut options.selection;
    let since = fetched.0 - Duration::hours(1);
    let until = fetched.1 + Duration::hours(1);
    selection.since = Some(selection.since.map_or(since, |s| s.max(since)));
    selection.until = Some(selection.until.map_or(until, |u| u.min(until)));
    options.follow = None;
    options.hash_logs = false;
    let scan = match scan_bucket_knowing(url, &options, hashes) {
        Ok(scan) => scan,
        Err(message) => {
            eprintln!(
                "trailhound: ingest: integrity not checked: {}",
                terminal_safe(&message)
            );
            return;
        }
    };
    for problem in &scan.problems {
        eprintln!("trailhound: ingest: integrity: {}", terminal_safe(problem));
    }
    if scan.digests.is_empty() {
        return;
    }
    let mut keyring = load_keyring(index.dir(), None).unwrap_or_default();
    fetch_missing_keys(
        index.dir(),
        &mut keyring,
        &scan.digests,
        options.profile.as_deref(),
    );
    let window = Window {
        since: options.selection.since,
        until: options.selection.until,
    };
    let findings = verify_chains(&scan.digests, &scan.logs, &keyring, window);
    if !quiet {
        eprintln!(
            "{}: integrity checked in {} LIST and {} GET requests",
            terminal_safe(&url.label()),
            thousands(scan.list_calls),
            thousands(scan.get_calls)
        );
    }
    keep(index, &findings, quiet);
}

fn keep(index: &TrailIndex, findings: &[Finding], quiet: bool) {
    match Verdicts::keep(index, findings) {
        Ok(recorded) if !quiet => {
            let changed = findings.iter().filter(|f| f.status.is_failure()).count();
            eprintln!(
                "integrity: {} files checked against their digests, {} findings of change, removal or addition (trailhound verify for each; @integrity:WORD finds their events)",
                thousands(recorded as u64),
                thousands(changed as u64)
            );
        }
        Ok(_) => {}
        Err(e) => eprintln!("trailhound: ingest: {}", terminal_safe(&e)),
    }
}
