//! `trailhound ingest s3://…` end to end: the real binary and the real AWS SDK over real HTTP
//! against moto's S3 server (started per test on a free port), with a proxy in front of it for
//! the faults real buckets produce. Skips, loudly, only when Python is missing.
#[path = "support/moto.rs"]
mod moto;
mod support;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::{DateTime, Duration, DurationRound, Utc};
use moto::{Fault, FaultProxy, Moto};

const ORG: &str = "o-testorg12345";
const BUCKET: &str = "org-trail";

fn skip() -> bool {
    match moto::unavailable() {
        Some(why) => {
            eprintln!("SKIPPED: the S3 tests need Python and moto's server: {why}");
            true
        }
        None => false,
    }
}

/// A generated organisation trail: 3 accounts over 30 days ending now, with digests and Insights.
struct Corpus {
    dir: tempfile::TempDir,
    start: DateTime<Utc>,
}

impl Corpus {
    fn generate(events: usize) -> Corpus {
        let dir = tempfile::tempdir().unwrap();
        let start = (Utc::now() - Duration::days(30))
            .duration_trunc(Duration::hours(1))
            .unwrap();
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailhound"))
            .args(["gen", "--out"])
            .arg(dir.path().join("out"))
            .args([
                "--events",
                &events.to_string(),
                "--days",
                "30",
                "--accounts",
                "3",
            ])
            .args(["--org-id", ORG, "--start", &start.to_rfc3339()])
            .args(["--digest-hours", "3"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Corpus { dir, start }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn logs(&self) -> PathBuf {
        self.root().join("AWSLogs")
    }

    /// Every file of the archive, relative to its root.
    fn files(&self) -> Vec<String> {
        moto::files_under(&self.logs())
            .iter()
            .map(|path| {
                let key = path.strip_prefix(self.root()).unwrap();
                key.to_string_lossy().into_owned()
            })
            .collect()
    }
}

fn run(mut command: std::process::Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.code().is_some_and(|c| c == 0 || c == 3),
        "exit {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const ACCOUNT: &str = "111122223333";

/// The key a trail gives a log file: `PARENT` is `AWSLogs/` or `AWSLogs/o-ORG/`.
fn log_key(
    parent: &str,
    account: &str,
    region: &str,
    delivered: DateTime<Utc>,
    suffix: &str,
) -> String {
    format!(
        "{parent}{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}_{suffix}.json.gz",
        delivered.format("%Y/%m/%d"),
        delivered.format("%Y%m%dT%H%MZ")
    )
}

/// A gzipped trail log file of one record.
fn one_record_file(id: &str, time: DateTime<Utc>) -> Vec<u8> {
    support::gzip(&support::trail_file(&[support::record(
        id,
        "ListBuckets",
        "s3.amazonaws.com",
        serde_json::json!({"eventTime": time.to_rfc3339()}),
    )]))
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// Every event's raw record in the index, sorted: what two ingests must agree on.
fn events(index: &Path) -> Vec<String> {
    let output = support::trailhound(index)
        .args(["search", "", "--format", "jsonl", "--limit", "0"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let mut lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// `ingest ARGS` reading the bucket through `endpoint`.
/// `ingest` of a bucket, its requests the reader's own: the integrity check after an ingest
/// (listing the day folders again, fetching their digests) is tested in `tests/verify.rs`.
fn ingest(moto: &Moto, endpoint: &str, index: &Path, home: &Path, args: &[&str]) -> Output {
    let mut command = moto.command(endpoint, index, home);
    command
        .arg("ingest")
        .args(args)
        .args(["--no-rules", "--no-verify"]);
    run(command)
}

/// The two lists of events agree; on a failure, says how, briefly.
fn assert_same(actual: &[String], expected: &[String], context: &str) {
    if actual != expected {
        let missing = expected.iter().filter(|e| !actual.contains(e)).count();
        let extra = actual.iter().filter(|a| !expected.contains(a)).count();
        let first: String = expected
            .iter()
            .find(|e| !actual.contains(e))
            .map(|e| e.chars().take(300).collect())
            .unwrap_or_default();
        panic!(
            "{} events, expected {}: {missing} missing, {extra} extra; first missing: {first}\n{context}",
            actual.len(),
            expected.len()
        );
    }
}

fn local_ingest(index: &Path, paths: &[PathBuf]) {
    let mut command = support::trailhound(index);
    command.arg("ingest").args(paths).arg("--no-rules");
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn a_whole_bucket_reads_event_for_event_like_the_same_files_on_disk_and_a_second_run_reads_nothing()
{
    if skip() {
        return;
    }
    let corpus = Corpus::generate(4000);
    let moto = Moto::start();
    let uploaded = moto.upload_dir(BUCKET, &corpus.root(), &corpus.logs());
    assert_eq!(uploaded, corpus.files().len());
    let work = tempfile::tempdir().unwrap();
    let (local, remote) = (work.path().join("local"), work.path().join("s3"));
    local_ingest(&local, &[corpus.logs()]);

    let first = ingest(
        &moto,
        &moto.endpoint,
        &remote,
        work.path(),
        &[&format!("s3://{BUCKET}")],
    );
    let expected = events(&local);
    assert!(expected.len() > 3000, "{}", expected.len());
    assert_same(&events(&remote), &expected, &stderr(&first));
    let digests = corpus
        .files()
        .iter()
        .filter(|f| f.contains("CloudTrail-Digest/"))
        .count();
    let logs = corpus.files().len() - digests;
    assert_eq!(
        moto.get_calls(BUCKET),
        logs,
        "each log and Insights file fetched once"
    );
    let said = stderr(&first);
    assert!(
        said.contains(&format!("{logs} objects read, {digests} digest files")),
        "{said}"
    );
    let kept: serde_json::Value =
        serde_json::from_slice(&std::fs::read(remote.join("s3-digests.json")).unwrap()).unwrap();
    let newest = kept["newest"].as_object().unwrap();
    assert!(!newest.is_empty());
    let signatures: serde_json::Value = serde_json::from_slice(
        &std::fs::read(corpus.root().join("digest-signatures.json")).unwrap(),
    )
    .unwrap();
    assert!(
        newest
            .values()
            .all(|d| d["signature"] == signatures[d["key"].as_str().unwrap()]),
        "{kept}"
    );

    // Nothing new: the second run fetches nothing, and lists only the day folders that were
    // not over a day ago when the first run listed them.
    let (gets, first_lists) = (moto.get_calls(BUCKET), moto.list_calls(BUCKET));
    let second = ingest(
        &moto,
        &moto.endpoint,
        &remote,
        work.path(),
        &[&format!("s3://{BUCKET}")],
    );
    assert_eq!(moto.get_calls(BUCKET), gets, "{}", stderr(&second));
    let second_lists = moto.list_calls(BUCKET) - first_lists;
    let said = stderr(&second);
    let closed: usize = said
        .split(" day folders finished by earlier runs and not listed")
        .next()
        .and_then(|before| before.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no closed folders: {said}"));
    assert!(closed > 30, "{said}");
    assert!(
        second_lists + closed <= first_lists,
        "{second_lists} LIST calls again after {first_lists}: {said}"
    );
    assert!(
        stderr(&second).contains("0 objects read, "),
        "{}",
        stderr(&second)
    );
    assert_eq!(events(&remote).len(), expected.len());

    // --relist lists and reads the finished folders again, and adds nothing twice.
    let gets = moto.get_calls(BUCKET);
    let third = ingest(
        &moto,
        &moto.endpoint,
        &remote,
        work.path(),
        &[&format!("s3://{BUCKET}"), "--relist"],
    );
    assert!(
        !stderr(&third).contains("finished by earlier runs"),
        "{}",
        stderr(&third)
    );
    assert!(moto.get_calls(BUCKET) > gets, "{}", stderr(&third));
    assert_eq!(events(&remote).len(), expected.len());

    let info = support::trailhound(&remote).arg("info").output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains(&format!("s3://{BUCKET}/")), "{info}");
    assert!(info.contains("3 accounts"), "{info}");
}

#[test]
fn a_pruned_read_takes_exactly_one_account_and_region_since_a_time_and_lists_in_proportion() {
    if skip() {
        return;
    }
    let corpus = Corpus::generate(12_000);
    let moto = Moto::start();
    moto.upload_dir(BUCKET, &corpus.root(), &corpus.logs());
    let files = corpus.files();
    let account = files
        .iter()
        .find_map(|f| f.split('/').nth(2).filter(|a| a.len() == 12))
        .unwrap()
        .to_owned();
    let region = "us-east-1";
    let since = corpus.start + Duration::days(27);
    let work = tempfile::tempdir().unwrap();

    // The files a user would have copied by hand: that account and region, delivered since then.
    let wanted: Vec<PathBuf> = files
        .iter()
        .filter(|f| {
            let parts: Vec<&str> = f.split('/').collect();
            parts[2] == account
                && parts[3] != "CloudTrail-Digest"
                && parts[4] == region
                && delivered(f) >= since
        })
        .map(|f| corpus.root().join(f))
        .collect();
    assert!(wanted.len() > 5, "{}", wanted.len());
    let local = work.path().join("local");
    local_ingest(&local, &wanted);

    let remote = work.path().join("s3");
    let output = ingest(
        &moto,
        &moto.endpoint,
        &remote,
        work.path(),
        &[
            &format!("s3://{BUCKET}/"),
            "--account",
            &account,
            "--region",
            region,
            "--since",
            &since.to_rfc3339(),
        ],
    );
    assert_same(&events(&remote), &events(&local), &stderr(&output));
    assert_eq!(moto.get_calls(BUCKET), wanted.len());
    // AWSLogs/, the organisation, the account, its 3 kinds, and 3 kinds x 4 days.
    let lists = moto.list_calls(BUCKET);
    assert!(lists <= 1 + 1 + 1 + 3 + 3 * 5, "{lists} LIST calls");

    // The whole bucket lists in proportion to accounts x regions x days.
    let whole = work.path().join("whole");
    ingest(
        &moto,
        &moto.endpoint,
        &whole,
        work.path(),
        &[&format!("s3://{BUCKET}")],
    );
    let whole_lists = moto.list_calls(BUCKET) - lists;
    assert!(
        whole_lists > 10 * lists,
        "{whole_lists} LIST calls for the whole bucket, {lists} pruned"
    );
}

fn delivered(key: &str) -> DateTime<Utc> {
    let name = key.rsplit('/').next().unwrap();
    let stamp = name
        .split('_')
        .find(|p| p.len() >= 14 && p.ends_with('Z') && p.contains('T'))
        .unwrap();
    let stamp = stamp.trim_end_matches(".json.gz");
    let format = if stamp.len() == 14 {
        "%Y%m%dT%H%MZ"
    } else {
        "%Y%m%dT%H%M%SZ"
    };
    chrono::NaiveDateTime::parse_from_str(stamp, format)
        .unwrap()
        .and_utc()
}

#[test]
fn a_killed_read_resumes_without_fetching_again_and_a_later_run_fetches_only_new_objects() {
    if skip() {
        return;
    }
    let corpus = Corpus::generate(12_000);
    let moto = Moto::start();
    moto.upload_dir(BUCKET, &corpus.root(), &corpus.logs());
    let logs = corpus
        .files()
        .iter()
        .filter(|f| !f.contains("CloudTrail-Digest/"))
        .count();
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("local");
    local_ingest(&local, &[corpus.logs()]);
    let expected = events(&local);

    let remote = work.path().join("s3");
    let mut command = moto.command(&moto.endpoint, &remote, work.path());
    command
        .args([
            "ingest",
            &format!("s3://{BUCKET}"),
            "--no-rules",
            "--no-verify",
            "--s3-requests",
            "1",
        ])
        .args(["--commit-every", "50"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().unwrap();
    let started = std::time::Instant::now();
    while moto.get_calls(BUCKET) < logs / 2 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the read stalled"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let fetched_before_kill = moto.get_calls(BUCKET);
    assert!(fetched_before_kill < logs, "killed before the end");

    let resumed = ingest(
        &moto,
        &moto.endpoint,
        &remote,
        work.path(),
        &[&format!("s3://{BUCKET}")],
    );
    let fetched_on_resume = moto.get_calls(BUCKET) - fetched_before_kill;
    assert!(
        fetched_on_resume < logs,
        "resumed with {fetched_on_resume} GETs, a restart takes {logs}: {}",
        stderr(&resumed)
    );
    assert_same(&events(&remote), &expected, &stderr(&resumed));

    // New deliveries: a file later in the newest folder, and a new day's folder.
    let newest = corpus
        .files()
        .into_iter()
        .filter(|f| f.contains("/CloudTrail/us-east-1/"))
        .max()
        .unwrap();
    let folder = &newest[..newest.rfind('/').unwrap() + 1];
    let account = newest.split('/').nth(2).unwrap();
    let now = Utc::now();
    let late = format!(
        "{folder}{account}_CloudTrail_us-east-1_{}_zzzzzzzzzzzzzzzz.json.gz",
        now.format("%Y%m%dT%H%MZ")
    );
    let next_day = log_key(
        &format!("AWSLogs/{ORG}/"),
        account,
        "us-east-1",
        now + Duration::days(1),
        "aaaaaaaaaaaaaaaa",
    );
    moto.put(
        BUCKET,
        vec![
            (late, one_record_file("late-delivery-1", now)),
            (next_day, one_record_file("next-day-1", now)),
        ],
        false,
    );
    let before = moto.get_calls(BUCKET);
    let later = ingest(
        &moto,
        &moto.endpoint,
        &remote,
        work.path(),
        &[&format!("s3://{BUCKET}")],
    );
    assert_eq!(
        moto.get_calls(BUCKET) - before,
        2,
        "only the two new objects: {}",
        stderr(&later)
    );
    assert_eq!(events(&remote).len(), expected.len() + 2);
}

#[test]
fn each_failure_is_one_clear_line_and_the_rest_is_read() {
    if skip() {
        return;
    }
    let moto = Moto::start();
    let proxy = FaultProxy::start(&moto.endpoint);
    let work = tempfile::tempdir().unwrap();
    let noon = at("2026-11-03T12:00:00Z");
    let name = |n: u32| {
        log_key(
            "AWSLogs/",
            ACCOUNT,
            "eu-west-1",
            noon + Duration::minutes(n.into()),
            &format!("abcdefabcdef{n:04}"),
        )
    };
    let file = |id: &str| one_record_file(id, noon);
    moto.put(
        BUCKET,
        vec![
            (name(1), file("slow-1")),
            (name(2), file("broken-2")),
            (name(3), file("kms-3")),
            (name(4), b"<html>not a trail</html>".to_vec()),
            (name(5), file("plain-5")),
        ],
        true,
    );
    proxy.inject(Fault::SlowDown {
        key: name(1),
        times: 2,
    });
    proxy.inject(Fault::BrokenBody {
        key: name(2),
        times: 1,
    });
    let kms_key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    proxy.inject(Fault::KmsDenied {
        key: name(3),
        kms_key: kms_key.into(),
    });

    let index = work.path().join("index");
    let output = ingest(
        &moto,
        &proxy.endpoint,
        &index,
        work.path(),
        &[&format!("s3://{BUCKET}")],
    );
    let said = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "partial: {said}");
    let ids: Vec<String> = events(&index)
        .iter()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["eventID"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}\n{said}");
    for id in ["slow-1", "broken-2", "plain-5"] {
        assert!(ids.contains(&id.to_owned()), "{id} missing: {said}");
    }
    let injected = proxy.injected();
    assert!(
        injected
            .iter()
            .filter(|i| i.starts_with("SlowDown"))
            .count()
            == 2,
        "{injected:?}"
    );
    assert!(
        injected.iter().any(|i| i.starts_with("BrokenBody")),
        "{injected:?}"
    );
    let kms_line = said
        .lines()
        .find(|l| l.contains(&name(3)))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        kms_line.starts_with("rejected: s3://org-trail/"),
        "{kms_line}"
    );
    assert!(
        kms_line.contains(&format!("KMS key {kms_key}")),
        "{kms_line}"
    );
    let other = said
        .lines()
        .find(|l| l.contains(&name(4)))
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        other.starts_with("skipped:") && other.contains("not CloudTrail"),
        "{other}"
    );
    assert!(
        !said.contains(moto::SECRET_KEY),
        "credentials never printed"
    );

    // The object that failed is read on the next run, once the key is usable.
    let mut command = moto.command(&moto.endpoint, &index, work.path());
    command.args([
        "ingest",
        &format!("s3://{BUCKET}"),
        "--no-rules",
        "--no-verify",
    ]);
    let again = run(command);
    assert!(
        stderr(&again).contains("1 objects read"),
        "{}",
        stderr(&again)
    );
    assert_eq!(events(&index).len(), 4);

    // A bucket closed to these credentials, and one in another region (asked again there).
    moto.put("locked-trail", vec![(name(1), file("locked-1"))], true);
    proxy.inject(Fault::Denied {
        key: "/locked-trail".into(),
    });
    let locked = ingest(
        &moto,
        &proxy.endpoint,
        &work.path().join("locked"),
        work.path(),
        &["s3://locked-trail"],
    );
    assert!(
        stderr(&locked).contains(
            "rejected: s3://locked-trail/: access denied (the credentials need s3:ListBucket"
        ),
        "{}",
        stderr(&locked)
    );
    moto.put("far-trail", vec![(name(1), file("far-1"))], true);
    proxy.inject(Fault::InRegion {
        bucket: "far-trail".into(),
        region: "ap-southeast-2".into(),
    });
    let far_index = work.path().join("far");
    let far = ingest(
        &moto,
        &proxy.endpoint,
        &far_index,
        work.path(),
        &["s3://far-trail"],
    );
    assert!(stderr(&far).contains("1 objects read"), "{}", stderr(&far));
    assert!(
        proxy
            .injected()
            .iter()
            .any(|i| i.starts_with("Redirect /far-trail")),
        "{:?}",
        proxy.injected()
    );
    assert_eq!(events(&far_index).len(), 1);

    // No such bucket, and a folder without AWSLogs/.
    let missing = ingest(
        &moto,
        &moto.endpoint,
        &work.path().join("none"),
        work.path(),
        &["s3://no-such-bucket-here"],
    );
    assert!(
        stderr(&missing).contains("rejected: s3://no-such-bucket-here/: no such bucket"),
        "{}",
        stderr(&missing)
    );
    let elsewhere = ingest(
        &moto,
        &moto.endpoint,
        &work.path().join("none"),
        work.path(),
        &[&format!(
            "s3://{BUCKET}/AWSLogs/{ACCOUNT}/CloudTrail/eu-west-1/2026/11/03/"
        )],
    );
    assert!(
        stderr(&elsewhere).contains("1 objects read")
            || stderr(&elsewhere).contains("objects read"),
        "{}",
        stderr(&elsewhere)
    );
    let wrong = ingest(
        &moto,
        &moto.endpoint,
        &work.path().join("none2"),
        work.path(),
        &[&format!("s3://{BUCKET}/other/")],
    );
    assert!(
        stderr(&wrong).contains("no AWSLogs/ folder here"),
        "{}",
        stderr(&wrong)
    );
}

#[test]
fn the_uis_ingest_prompt_reads_a_bucket_with_its_options() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use trailhound::index::TrailIndex;
    use trailhound::tui::{App, Options};

    if skip() {
        return;
    }
    let moto = Moto::start();
    let noon = at("2026-11-03T12:00:00Z");
    let day = |region: &str| log_key("AWSLogs/", ACCOUNT, region, noon, "abcdefabcdef0001");
    moto.put(
        BUCKET,
        vec![
            (day("eu-west-1"), one_record_file("from-eu", noon)),
            (day("us-east-1"), one_record_file("from-us", noon)),
        ],
        true,
    );
    let work = tempfile::tempdir().unwrap();
    // The UI's background job inherits this process's environment.
    for (name, value) in [
        ("AWS_ENDPOINT_URL_S3", moto.endpoint.as_str()),
        ("AWS_ACCESS_KEY_ID", moto::ACCESS_KEY),
        ("AWS_SECRET_ACCESS_KEY", moto::SECRET_KEY),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        std::env::set_var(name, value);
    }
    std::env::set_var("AWS_CONFIG_FILE", work.path().join("aws-config"));
    std::env::set_var(
        "AWS_SHARED_CREDENTIALS_FILE",
        work.path().join("aws-credentials"),
    );
    let index = TrailIndex::open_or_create(&work.path().join("index")).unwrap();
    let mut options = Options::builtin();
    options.poll = std::time::Duration::from_millis(50);
    options.job_program = Some(env!("CARGO_BIN_EXE_trailhound").into());
    let mut app = App::new(index, &options, (160, 48)).unwrap();
    let settle = std::time::Duration::from_secs(30);
    assert!(app.settle(settle));
    app.press(KeyEvent::new(KeyCode::Char('+'), KeyModifiers::NONE));
    for c in format!("s3://{BUCKET} --region eu-west-1").chars() {
        app.press(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.press(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let deadline = std::time::Instant::now() + settle;
    while app.jobs_running() > 0 || app.state.events.total < 1 {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            app.state.status.message
        );
        app.settle(settle);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let message = app.state.status.message.clone().unwrap_or_default();
    assert!(
        message.starts_with("ingest: files 1, records 1, new 1"),
        "{message}"
    );
    assert_eq!(app.state.events.total, 1, "only the region asked for");
}

#[test]
fn a_follow_ingests_new_deliveries_as_they_arrive_and_stops_cleanly_on_ctrl_c() {
    if skip() {
        return;
    }
    let moto = Moto::start();
    let now = Utc::now();
    let key = |minute: i64, suffix: &str| {
        log_key(
            "AWSLogs/",
            ACCOUNT,
            "eu-west-1",
            now - Duration::minutes(minute),
            suffix,
        )
    };
    let file = |id: &str| one_record_file(id, now);
    moto.put(
        BUCKET,
        vec![(key(10, "aaaaaaaaaaaaaaaa"), file("first"))],
        true,
    );
    let work = tempfile::tempdir().unwrap();
    let index = work.path().join("index");
    let mut command = moto.command(&moto.endpoint, &index, work.path());
    command
        .args([
            "ingest",
            &format!("s3://{BUCKET}"),
            "--no-rules",
            "--no-verify",
            "--since",
            "1h",
            "--follow",
            "--interval",
            "1s",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    let searchable = |id: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let found = || {
            let output = support::trailhound(&index)
                .args(["search", "--count", &format!("eventID:{id}")])
                .output()
                .unwrap();
            // Until the first commit there is no index to search.
            output.status.success() && String::from_utf8_lossy(&output.stdout).trim() == "1"
        };
        while !found() {
            assert!(
                std::time::Instant::now() < deadline,
                "{id} never became searchable"
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    };
    searchable("first");
    moto.put(
        BUCKET,
        vec![(key(0, "bbbbbbbbbbbbbbbb"), file("second"))],
        false,
    );
    searchable("second");
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(moto.get_calls(BUCKET), 2, "each object fetched once");
    assert_eq!(events(&index).len(), 2);
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("new 2"), "{out}");
}

/// Real trail files (plain JSON, as one account's trail delivered them) where a trail puts them,
/// and another tool's exports (bare arrays without delivery times in their names, and a licence
/// file) in a day folder: read from the bucket, they give what the same files give from disk.
#[test]
fn real_trail_files_and_other_tools_exports_read_from_a_bucket_as_from_disk() {
    if skip() {
        return;
    }
    let (Some(invictus), Some(stratus)) = (
        support::shared_data("invictus-aws-dataset/CloudTrail"),
        support::shared_data("stratus-detonation-logs"),
    ) else {
        return;
    };
    let moto = Moto::start();
    let mut objects = Vec::new();
    for path in moto::files_under(&invictus) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // 218007301253_CloudTrail_us-east-1_20230710T1220Z_WMiHxZgr5Hdd6UDc.json
        let parts: Vec<&str> = name.split('_').collect();
        let day = format!("{}/{}/{}", &parts[3][..4], &parts[3][4..6], &parts[3][6..8]);
        let key = format!("AWSLogs/{}/CloudTrail/{}/{day}/{name}", parts[0], parts[2]);
        objects.push((key, std::fs::read(&path).unwrap()));
    }
    for path in moto::files_under(&stratus) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let key = format!("AWSLogs/{ACCOUNT}/CloudTrail/eu-west-1/2023/07/10/{name}");
        objects.push((key, std::fs::read(&path).unwrap()));
    }
    moto.put(BUCKET, objects, true);
    let work = tempfile::tempdir().unwrap();

    let local = work.path().join("local");
    local_ingest(&local, &[invictus.clone(), stratus.clone()]);
    let remote = work.path().join("s3");
    let whole = ingest(
        &moto,
        &moto.endpoint,
        &remote,
        work.path(),
        &[&format!("s3://{BUCKET}")],
    );
    let expected = events(&local);
    assert!(expected.len() > 3000, "{}", expected.len());
    assert_same(&events(&remote), &expected, &stderr(&whole));
    assert!(
        stderr(&whole).contains(&format!("skipped: s3://{BUCKET}/AWSLogs/{ACCOUNT}/CloudTrail/eu-west-1/2023/07/10/LICENSE: not CloudTrail")),
        "{}",
        stderr(&whole)
    );

    // The bucket after the same files from disk: a second source adds nothing twice.
    let again = ingest(
        &moto,
        &moto.endpoint,
        &local,
        work.path(),
        &[&format!("s3://{BUCKET}")],
    );
    let summary = String::from_utf8_lossy(&again.stdout);
    assert!(summary.contains(", new 0, duplicates "), "{summary}");
    assert_same(&events(&local), &expected, &stderr(&again));

    // One account and region since noon: the real files delivered since then, and nothing else.
    let noon = at("2023-07-10T12:00:00Z");
    let since_noon: Vec<PathBuf> = moto::files_under(&invictus)
        .into_iter()
        .filter(|p| delivered(&p.to_string_lossy()) >= noon)
        .collect();
    assert!(
        !since_noon.is_empty() && since_noon.len() < 55,
        "{}",
        since_noon.len()
    );
    let local_noon = work.path().join("local-noon");
    local_ingest(&local_noon, &since_noon);
    let remote_noon = work.path().join("s3-noon");
    let pruned = ingest(
        &moto,
        &moto.endpoint,
        &remote_noon,
        work.path(),
        &[
            &format!("s3://{BUCKET}"),
            "--account",
            "218007301253",
            "--region",
            "us-east-1",
            "--since",
            "2023-07-10T12:00:00Z",
        ],
    );
    assert_same(
        &events(&remote_noon),
        &events(&local_noon),
        &stderr(&pruned),
    );
}
