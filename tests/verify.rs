//! `trailhound verify` on local copies of a generated trail whose digests are signed exactly as
//! CloudTrail signs them, then tampered with one way at a time.
#[path = "support/fake_cloudtrail.rs"]
mod fake_cloudtrail;
#[path = "support/moto.rs"]
mod moto;
mod support;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{gzip, trailhound, write};

const START: &str = "2026-11-02T00:00:00Z";

/// A generated archive: two accounts, two days, a digest for every account, region and hour.
struct Archive {
    dir: tempfile::TempDir,
}

impl Archive {
    fn generate() -> Archive {
        let dir = tempfile::tempdir().unwrap();
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("trailhound"))
            .args(["gen", "--out"])
            .arg(dir.path())
            .args(["--events", "2000", "--days", "2", "--accounts", "2"])
            .args(["--start", START, "--no-attacks"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        Archive { dir }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn keys(&self) -> PathBuf {
        self.root().join("public-keys.json")
    }

    fn files(&self, folder: &str) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(self.root().join("AWSLogs"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| p.to_string_lossy().contains(&format!("/{folder}/")))
            .collect();
        files.sort();
        files
    }

    /// The digests of one chain (account and region), oldest first.
    fn chain(&self) -> Vec<PathBuf> {
        let digests = self.files("CloudTrail-Digest");
        // …/ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/name
        let region = digests[0].ancestors().nth(4).unwrap().to_owned();
        digests
            .into_iter()
            .filter(|d| d.starts_with(&region))
            .collect()
    }

    /// The folder of the account whose chain [`Archive::chain`] gives.
    fn account_dir(&self) -> PathBuf {
        self.chain()[0].ancestors().nth(6).unwrap().to_owned()
    }

    /// A log file some digest lists, and that digest.
    fn listed_log(&self) -> (PathBuf, PathBuf) {
        for digest in self.chain().iter().rev().skip(1) {
            let listed = gunzip_json(digest)["logFiles"].as_array().unwrap().clone();
            if let Some(log) = listed.first() {
                let key = log["s3Object"].as_str().unwrap();
                return (self.root().join(key), digest.clone());
            }
        }
        panic!("no digest lists a log file")
    }

    /// Every log file a digest lists.
    fn listed_logs(&self) -> Vec<PathBuf> {
        let mut logs = Vec::new();
        for digest in self.files("CloudTrail-Digest") {
            for log in gunzip_json(&digest)["logFiles"].as_array().unwrap() {
                logs.push(self.root().join(log["s3Object"].as_str().unwrap()));
            }
        }
        logs
    }

    /// `trailhound ingest --no-rules EXTRA AWSLogs/` of this archive into `index`.
    fn ingest(&self, index: &Path, extra: &[&str]) -> assert_cmd::Command {
        let mut command = trailhound(index);
        command
            .args(["ingest", "--no-rules"])
            .args(extra)
            .arg(self.root().join("AWSLogs"));
        command
    }

    fn verify(&self, extra: &[&str]) -> (i32, Vec<Value>, String) {
        let index = self.root().join("index");
        let output = trailhound(&index)
            .arg("verify")
            .arg(self.root().join("AWSLogs"))
            .arg("--public-keys")
            .arg(self.keys())
            .args(["--format", "jsonl"])
            .args(extra)
            .output()
            .unwrap();
        let findings = findings_of(&output.stdout);
        (
            output.status.code().unwrap(),
            findings,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

fn gunzip_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

fn gunzip_json(path: &Path) -> Value {
    serde_json::from_slice(&gunzip_bytes(path)).unwrap()
}

/// `log`'s bytes with one byte of one record changed (the case of one letter of an
/// `eventName`), gzipped again, and how many records it holds.
fn changed_copy(log: &Path) -> (Vec<u8>, u64) {
    let mut bytes = gunzip_bytes(log);
    let records = serde_json::from_slice::<Value>(&bytes).unwrap()["Records"]
        .as_array()
        .unwrap()
        .len() as u64;
    let at = bytes.windows(9).position(|w| w == b"eventName").unwrap() + 12;
    bytes[at] ^= 0x20;
    (gzip(&bytes), records)
}

/// The findings `verify --format jsonl` printed.
fn findings_of(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn with_status<'a>(findings: &'a [Value], status: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["status"] == status).collect()
}

fn statuses(findings: &[Value]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for finding in findings {
        *counts
            .entry(format!(
                "{} {}",
                finding["kind"].as_str().unwrap(),
                finding["status"].as_str().unwrap()
            ))
            .or_insert(0) += 1;
    }
    counts
}

fn ends_with(finding: &Value, path: &Path) -> bool {
    let key = path.to_string_lossy();
    let key = &key[key.find("AWSLogs/").unwrap()..];
    finding["path"].as_str().unwrap().ends_with(key)
}

#[test]
fn an_untouched_copy_is_valid_but_for_each_chains_newest_digest() {
    let archive = Archive::generate();
    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 0, "{said}\n{:?}", statuses(&findings));
    let logs = archive.files("CloudTrail").len();
    let digests = archive.files("CloudTrail-Digest").len();
    let counts = statuses(&findings);
    let chains = counts["digest unverifiable"];
    assert_eq!(counts["digest valid"] + chains, digests, "{counts:?}");
    assert!(chains >= 4 && chains * 20 < digests, "{counts:?}");
    let logs_checked: usize = counts
        .iter()
        .filter(|(k, _)| k.starts_with("log "))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(logs_checked, logs, "{counts:?}");
    assert!(counts["log valid"] * 10 > logs * 9, "{counts:?}");
    for finding in with_status(&findings, "unverifiable") {
        for field in ["kind", "status", "account", "region", "path", "detail"] {
            assert!(finding.get(field).is_some(), "{finding}");
        }
    }
    assert!(said.contains("nothing checked was changed"), "{said}");

    // The table lists what is not valid, one line each.
    let table = trailhound(&archive.root().join("index"))
        .arg("verify")
        .arg(archive.root())
        .arg("--public-keys")
        .arg(archive.keys())
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert_eq!(
        table.lines().count(),
        findings.iter().filter(|f| f["status"] != "valid").count()
    );
    assert!(
        table.lines().all(|l| l.starts_with("unverifiable")),
        "{table}"
    );
}

#[test]
fn one_changed_byte_in_one_record_is_a_modified_file() {
    let archive = Archive::generate();
    let (log, _) = archive.listed_log();
    std::fs::write(&log, changed_copy(&log).0).unwrap();
    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    let modified = with_status(&findings, "modified");
    assert_eq!(modified.len(), 1, "{:?}", statuses(&findings));
    assert!(ends_with(modified[0], &log), "{}", modified[0]);
    assert!(said.contains("1 modified"), "{said}");
}

#[test]
fn a_deleted_log_file_is_missing_and_an_added_one_unlisted() {
    let archive = Archive::generate();
    let (log, _) = archive.listed_log();
    std::fs::remove_file(&log).unwrap();
    // A file no digest lists, delivered inside hours the digests cover.
    let name = log
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace(".json.gz", "");
    let injected = log.with_file_name(format!("{}X.json.gz", &name[..name.len() - 1]));
    write(
        &injected,
        &gzip(&support::trail_file(&[support::record(
            "injected-1",
            "GetCallerIdentity",
            "sts.amazonaws.com",
            serde_json::json!({}),
        )])),
    );
    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    let missing = with_status(&findings, "missing");
    assert_eq!(missing.len(), 1, "{:?}", statuses(&findings));
    assert!(ends_with(missing[0], &log), "{}", missing[0]);
    let unlisted = with_status(&findings, "unlisted");
    assert_eq!(unlisted.len(), 1, "{:?}", statuses(&findings));
    assert!(ends_with(unlisted[0], &injected), "{}", unlisted[0]);
}

#[test]
fn a_digest_deleted_mid_chain_is_missing_and_leaves_a_gap() {
    let archive = Archive::generate();
    let chain = archive.chain();
    let deleted = &chain[chain.len() / 2];
    std::fs::remove_file(deleted).unwrap();
    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    let missing = with_status(&findings, "digest_missing");
    assert_eq!(missing.len(), 1, "{:?}", statuses(&findings));
    assert!(ends_with(missing[0], deleted), "{}", missing[0]);
    let gaps = with_status(&findings, "gap");
    assert_eq!(gaps.len(), 1, "{:?}", statuses(&findings));
    assert_eq!(gaps[0]["kind"], "gap");
}

#[test]
fn an_edited_a_moved_and_a_foreign_digest_are_invalid() {
    let archive = Archive::generate();
    let chain = archive.chain();
    // Edited: one log file's recorded hash changed (the file itself untouched).
    let edited = &chain[chain.len() / 3];
    let mut digest = gunzip_json(edited);
    let listed = digest["logFiles"].as_array_mut().unwrap();
    if let Some(first) = listed.first_mut() {
        first["hashValue"] = "00".repeat(32).into();
    } else {
        digest["newestEventTime"] = "2026-11-02T00:00:00Z".into();
    }
    std::fs::write(edited, gzip(&serde_json::to_vec(&digest).unwrap())).unwrap();
    // Moved: a digest copied under another day's name.
    let moved_from = &chain[2 * chain.len() / 3];
    let moved = moved_from.with_file_name("moved_CloudTrail-Digest_x.json.gz");
    std::fs::rename(moved_from, &moved).unwrap();

    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    let invalid = with_status(&findings, "digest_invalid");
    assert!(invalid.iter().any(|f| ends_with(f, edited)), "{invalid:?}");
    assert!(
        invalid
            .iter()
            .any(|f| ends_with(f, &moved) && f["detail"].as_str().unwrap().starts_with("moved")),
        "{invalid:?}"
    );
}

#[test]
fn keys_in_either_encoding_verify_and_a_missing_key_leaves_digests_unverifiable() {
    use aws_lc_rs::encoding::AsDer;
    use base64::Engine;
    let archive = Archive::generate();
    let mut keyring: Value =
        serde_json::from_slice(&std::fs::read(archive.keys()).unwrap()).unwrap();
    let engine = base64::engine::general_purpose::STANDARD;
    let pkcs1 = engine
        .decode(keyring["PublicKeyList"][0]["Value"].as_str().unwrap())
        .unwrap();
    let spki = aws_lc_rs::signature::RsaSubjectPublicKey::from_der(&pkcs1)
        .unwrap()
        .as_der()
        .unwrap();
    assert_ne!(spki.as_ref(), pkcs1.as_slice());
    keyring["PublicKeyList"][0]["Value"] = engine.encode(spki.as_ref()).into();
    std::fs::write(archive.keys(), serde_json::to_vec(&keyring).unwrap()).unwrap();
    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 0, "{said}");
    assert!(statuses(&findings)["digest valid"] > 0);

    std::fs::write(archive.keys(), br#"{"PublicKeyList": []}"#).unwrap();
    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 0, "unverifiable is a warning: {said}");
    assert!(
        with_status(&findings, "valid").is_empty(),
        "{:?}",
        statuses(&findings)
    );
    assert!(
        with_status(&findings, "unverifiable")
            .iter()
            .any(|f| f["detail"].as_str().unwrap().contains("no public key")),
        "{:?}",
        statuses(&findings)
    );
}

#[test]
fn broken_and_foreign_digests_and_a_loop_are_findings_and_the_rest_is_verified() {
    let archive = Archive::generate();
    let chain = archive.chain();
    let truncated = &chain[3];
    let bytes = std::fs::read(truncated).unwrap();
    std::fs::write(truncated, &bytes[..bytes.len() / 2]).unwrap();
    let not_json = &chain[5];
    std::fs::write(not_json, gzip(b"<html>not a digest</html>")).unwrap();
    // Another account's digest, dropped into this account's folder under its own name.
    let other = archive
        .files("CloudTrail-Digest")
        .into_iter()
        .find(|d| !d.starts_with(archive.account_dir()))
        .unwrap();
    let foreign = chain[7].with_file_name(other.file_name().unwrap());
    std::fs::copy(&other, &foreign).unwrap();
    // A loop: a digest that names a newer one as its previous.
    let looped = &chain[9];
    let mut digest = gunzip_json(looped);
    let newer = gunzip_json(&chain[11]);
    digest["previousDigestS3Object"] = newer["digestS3Object"].clone();
    std::fs::write(looped, gzip(&serde_json::to_vec(&digest).unwrap())).unwrap();

    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    let invalid = with_status(&findings, "digest_invalid");
    let detail = |path: &Path| {
        invalid
            .iter()
            .find(|f| ends_with(f, path))
            .map(|f| f["detail"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no finding for {}: {invalid:?}", path.display()))
    };
    assert!(
        detail(truncated).contains("decompress")
            || detail(truncated).contains("not a CloudTrail digest")
    );
    assert!(detail(not_json).contains("not a CloudTrail digest"));
    assert!(
        detail(&foreign).contains("among account"),
        "{}",
        detail(&foreign)
    );
    assert!(detail(looped).contains("loops"), "{}", detail(looped));
    assert!(
        statuses(&findings)["digest valid"] > 10,
        "{:?}",
        statuses(&findings)
    );
}

#[test]
fn a_folder_without_digests_is_a_gap_and_nothing_under_the_paths_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/02/111122223333_CloudTrail_us-east-1_20261102T0805Z_abcdefabcdefabcd.json.gz");
    write(
        &log,
        &gzip(&support::trail_file(&[support::record(
            "e-1",
            "ListBuckets",
            "s3.amazonaws.com",
            serde_json::json!({}),
        )])),
    );
    let output = trailhound(&dir.path().join("index"))
        .arg("verify")
        .arg(dir.path().join("AWSLogs"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        table.contains("gap") && table.contains("no digest"),
        "{table}"
    );

    let empty = tempfile::tempdir().unwrap();
    let output = trailhound(&dir.path().join("index"))
        .arg("verify")
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no CloudTrail log or digest files"));
}

/// The same archive in a bucket: every digest's signature comes from its S3 metadata, so the
/// newest of each chain verifies too; then one log object is changed and one digest deleted.
#[test]
fn a_bucket_verifies_every_digest_by_its_metadata_and_finds_what_was_changed_in_it() {
    if let Some(why) = moto::unavailable() {
        eprintln!("SKIPPED: the bucket test needs Python and moto's server: {why}");
        return;
    }
    let archive = Archive::generate();
    let moto = moto::Moto::start();
    let uploaded = moto.upload_dir("trail", archive.root(), &archive.root().join("AWSLogs"));
    let digests = archive.files("CloudTrail-Digest").len();
    let work = tempfile::tempdir().unwrap();
    let verify = |extra: &[&str]| {
        let mut command = moto.command(&moto.endpoint, &work.path().join("index"), work.path());
        let output = command
            .args(["verify", "s3://trail", "--format", "jsonl", "--public-keys"])
            .arg(archive.keys())
            .args(extra)
            .output()
            .unwrap();
        let findings: Vec<Value> = findings_of(&output.stdout);
        (
            output.status.code().unwrap(),
            findings,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, findings, said) = verify(&[]);
    assert_eq!(code, 0, "{said}");
    let counts = statuses(&findings);
    assert_eq!(
        counts.get("digest valid"),
        Some(&digests),
        "{counts:?}\n{said}"
    );
    assert!(!counts.contains_key("log unverifiable"), "{counts:?}");
    assert!(said.contains("everything checked is intact"), "{said}");
    let fetched = archive.files("CloudTrail").len() + digests;
    assert!(fetched < uploaded, "the archive has Insights files");
    assert!(
        said.contains(&format!("{fetched} GET requests")),
        "each log and digest fetched once, Insights files not at all: {said}"
    );

    let (log, _) = archive.listed_log();
    let key = |path: &Path| {
        let text = path.to_string_lossy();
        text[text.find("AWSLogs/").unwrap()..].to_owned()
    };
    moto.put("trail", vec![(key(&log), changed_copy(&log).0)], false);
    let chain = archive.chain();
    let deleted = &chain[chain.len() / 2];
    let client = moto.client(&moto.endpoint);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(
            client
                .delete_object()
                .bucket("trail")
                .key(key(deleted))
                .send(),
        )
        .unwrap();
    let (code, findings, said) = verify(&[]);
    assert_eq!(code, 1, "{said}");
    let counts = statuses(&findings);
    assert_eq!(counts.get("log modified"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("digest digest_missing"), Some(&1), "{counts:?}");
    assert_eq!(counts.get("gap gap"), Some(&1), "{counts:?}");
    assert!(with_status(&findings, "modified")[0]["path"]
        .as_str()
        .unwrap()
        .starts_with("s3://trail/AWSLogs/"));
}

/// An ingest of a bucket checks what it read against the bucket's digests as `verify` would,
/// and keeps each file's verdict: a changed object's events are `@integrity:modified`, the others
/// `@integrity:valid`, and the change is an alert.
#[test]
fn an_ingest_of_a_bucket_keeps_the_verdicts_of_the_objects_it_read() {
    if let Some(why) = moto::unavailable() {
        eprintln!("SKIPPED: the bucket test needs Python and moto's server: {why}");
        return;
    }
    let archive = Archive::generate();
    let (log, _) = archive.listed_log();
    let (changed, in_file) = changed_copy(&log);
    std::fs::write(&log, changed).unwrap();
    let moto = moto::Moto::start();
    moto.upload_dir("trail", archive.root(), &archive.root().join("AWSLogs"));
    let work = tempfile::tempdir().unwrap();
    let index = work.path().join("index");
    // The keys a `verify --public-keys` or an earlier ListPublicKeys left beside the index.
    std::fs::create_dir_all(&index).unwrap();
    std::fs::copy(archive.keys(), index.join("public-keys.json")).unwrap();
    let output = moto
        .command(&moto.endpoint, &index, work.path())
        .args(["ingest", "s3://trail"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    // Each log object was hashed as the ingest read it, and nothing is listed again: the
    // check fetches only the digests.
    let digests = archive.files("CloudTrail-Digest").len();
    assert!(
        said.contains(&format!(
            "integrity checked with {digests} more GET requests"
        )),
        "{said}"
    );
    assert_eq!(
        support::count(&index, "@integrity:modified"),
        in_file,
        "{said}"
    );
    let all = support::count(&index, "*");
    let valid = support::count(&index, "@integrity:valid");
    assert!(valid > all / 2, "{valid} of {all} valid\n{said}");
    let alerts = support::alerts_jsonl(&index, &[]);
    assert!(
        alerts.iter().any(|a| a["rule_id"] == "INT-01"),
        "{alerts:#?}"
    );
}

/// Without --public-keys, the keys the digests name come from ListPublicKeys in the digests'
/// regions, are saved beside the index, and serve a later run that may not ask AWS.
#[test]
fn missing_keys_are_fetched_with_list_public_keys_saved_and_used_offline() {
    let archive = Archive::generate();
    let keyring: Value = serde_json::from_slice(&std::fs::read(archive.keys()).unwrap()).unwrap();
    let fake = fake_cloudtrail::FakeCloudTrail::start();
    fake.set_public_keys(&keyring);
    let work = tempfile::tempdir().unwrap();
    let index = work.path().join("index");
    let run = |extra: &[&str]| {
        let output = fake
            .command(&index, work.path())
            .arg("verify")
            .arg(archive.root().join("AWSLogs"))
            .args(extra)
            .output()
            .unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, said) = run(&[]);
    assert_eq!(code, 0, "{said}");
    assert!(
        said.contains("fetched 1 public keys with ListPublicKeys"),
        "{said}"
    );
    let regions: std::collections::BTreeSet<String> = archive
        .files("CloudTrail-Digest")
        .iter()
        .map(|d| {
            d.ancestors()
                .nth(4)
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let asked: std::collections::BTreeSet<String> = fake.key_requests().into_iter().collect();
    assert_eq!(
        asked, regions,
        "asked once in each region the digests come from"
    );
    assert!(index.join("public-keys.json").exists());
    assert!(said.contains("nothing checked was changed"), "{said}");

    // Offline, with the saved keys: the same verdicts, and AWS is not asked.
    let asked_before = fake.key_requests().len();
    let (code, said) = run(&["--offline", "--format", "jsonl"]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(fake.key_requests().len(), asked_before);
    assert!(!said.contains("no public keys"), "{said}");

    // The chain's tail rewritten under a key CloudTrail does not have, its hash links kept
    // consistent: once ListPublicKeys has answered for the region and time, the rewritten digest
    // is invalid, not merely unverifiable.
    let chain = archive.chain();
    let (before_newest, newest) = (&chain[chain.len() - 2], &chain[chain.len() - 1]);
    let forged_key = "f".repeat(32);
    let mut digest = gunzip_json(before_newest);
    digest["digestPublicKeyFingerprint"] = forged_key.clone().into();
    let forged = serde_json::to_vec(&digest).unwrap();
    std::fs::write(before_newest, gzip(&forged)).unwrap();
    let mut digest = gunzip_json(newest);
    digest["digestPublicKeyFingerprint"] = forged_key.into();
    digest["previousDigestHashValue"] =
        hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &forged).as_ref()).into();
    std::fs::write(newest, gzip(&serde_json::to_vec(&digest).unwrap())).unwrap();
    let output = fake
        .command(&index, work.path())
        .arg("verify")
        .arg(archive.root().join("AWSLogs"))
        .args(["--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let findings: Vec<Value> = findings_of(&output.stdout);
    let invalid = with_status(&findings, "digest_invalid");
    assert_eq!(invalid.len(), 1, "{:?}", statuses(&findings));
    assert!(ends_with(invalid[0], before_newest), "{}", invalid[0]);
    assert!(invalid[0]["detail"]
        .as_str()
        .unwrap()
        .contains("not CloudTrail's"));
    // Offline it is only unverifiable: the keys at hand may be incomplete.
    let (code, said) = run(&["--offline"]);
    assert_eq!(code, 0, "{said}");

    // No keys saved and AWS unreachable: a warning, and the digests are unverifiable.
    let elsewhere = work.path().join("other-index");
    let output = support::isolated_aws_command(&elsewhere, work.path())
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "AKIDNOWHERE")
        .env("AWS_SECRET_ACCESS_KEY", "nowhere")
        .arg("verify")
        .arg(archive.root().join("AWSLogs"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{said}");
    assert!(
        said.contains("cannot fetch public keys with ListPublicKeys"),
        "{said}"
    );
    assert!(
        !said.contains("AKIDNOWHERE") && !said.contains("nowhere\n"),
        "{said}"
    );
}

/// `verify` keeps its verdicts beside the index, and `@integrity:` finds the events of each
/// verdict's files, without re-indexing.
#[test]
fn verdicts_reach_the_events_of_ingested_files_through_integrity_queries() {
    let archive = Archive::generate();
    let index = archive.root().join("index");
    archive.ingest(&index, &[]).assert().success();
    let count = |query: &str| support::count(&index, query);
    let total = count("*");
    assert!(total > 1000, "{total}");
    assert_eq!(count("@integrity:unverified"), total, "no verdicts yet");
    assert_eq!(count("@integrity:valid"), 0);

    let (log, _) = archive.listed_log();
    let (changed, in_file) = changed_copy(&log);
    std::fs::write(&log, changed).unwrap();
    let (code, _, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    assert!(said.contains("verdicts kept for"), "{said}");

    assert_eq!(count("@integrity:modified"), in_file);
    let valid = count("@integrity:valid");
    let unverified = count("@integrity:unverified");
    assert!(
        valid > unverified && unverified > 0,
        "{valid} valid, {unverified} unverified"
    );
    assert_eq!(valid + in_file + unverified, total);
    assert_eq!(count("NOT @integrity:valid"), total - valid);
    assert_eq!(count("@integrity:unlisted"), 0);

    let info = trailhound(&index).arg("info").output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("integrity (what `verify` found"), "{info}");
    assert!(info.contains("1 modified"), "{info}");

    let wrong = trailhound(&index)
        .args(["search", "@integrity:tampered"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("@integrity is one of valid"));
}

/// A window is judged with the whole chain around it: a digest deleted just inside `--since` is
/// still missing, and a window shorter than an hour raises no gap.
#[test]
fn a_window_is_judged_with_the_chain_around_it() {
    let archive = Archive::generate();
    let chain = archive.chain();
    let shifted = |digest: &Path, minutes: i64| {
        let start = gunzip_json(digest)["digestStartTime"]
            .as_str()
            .unwrap()
            .to_owned();
        let start = chrono::DateTime::parse_from_rfc3339(&start).unwrap();
        (start + chrono::Duration::minutes(minutes)).to_rfc3339()
    };
    let (account, region) = {
        let parts: Vec<String> = chain[0]
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let at = parts.iter().position(|p| p == "CloudTrail-Digest").unwrap();
        (parts[at - 1].clone(), parts[at + 1].clone())
    };
    let only = ["--account", account.as_str(), "--region", region.as_str()];

    let inside = &chain[chain.len() / 2];
    let (since, until) = (shifted(inside, 5), shifted(inside, 30));
    let (code, findings, said) =
        archive.verify(&[&only[..], &["--since", &since, "--until", &until]].concat());
    assert_eq!(code, 0, "{said}\n{:?}", statuses(&findings));
    assert!(
        with_status(&findings, "gap").is_empty(),
        "{:?}",
        statuses(&findings)
    );

    let since = shifted(inside, 10);
    std::fs::remove_file(inside).unwrap();
    let (code, findings, said) = archive.verify(&[&only[..], &["--since", &since]].concat());
    assert_eq!(code, 1, "{said}");
    let missing = with_status(&findings, "digest_missing");
    assert_eq!(missing.len(), 1, "{:?}", statuses(&findings));
    assert!(ends_with(missing[0], inside), "{}", missing[0]);
    assert_eq!(
        with_status(&findings, "gap").len(),
        1,
        "{:?}",
        statuses(&findings)
    );
}

/// Shapes a forger would try: junk after a listed file's gzip stream (which a salvaging reader
/// would still ingest), and a file whose name carries no delivery time.
#[test]
fn a_listed_file_that_does_not_decompress_whole_is_modified_and_a_nameless_one_unlisted() {
    let archive = Archive::generate();
    let (log, _) = archive.listed_log();
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(b"trailing junk");
    std::fs::write(&log, bytes).unwrap();
    let nameless = log.with_file_name("records.json.gz");
    write(
        &nameless,
        &gzip(&support::trail_file(&[support::record(
            "nameless-1",
            "StopLogging",
            "cloudtrail.amazonaws.com",
            serde_json::json!({}),
        )])),
    );
    let (code, findings, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    let modified = with_status(&findings, "modified");
    assert_eq!(modified.len(), 1, "{:?}", statuses(&findings));
    assert!(ends_with(modified[0], &log), "{}", modified[0]);
    assert!(modified[0]["detail"]
        .as_str()
        .unwrap()
        .contains("decompress"));
    let unlisted = with_status(&findings, "unlisted");
    assert_eq!(unlisted.len(), 1, "{:?}", statuses(&findings));
    assert!(ends_with(unlisted[0], &nameless), "{}", unlisted[0]);
}

/// An ingest of local files checks them against the digests among them, offline, so that
/// `@integrity:` works without a separate `verify`; `--no-verify` leaves that out.
#[test]
fn an_ingest_keeps_the_verdicts_of_the_files_it_read() {
    let archive = Archive::generate();
    let (log, _) = archive.listed_log();
    let (changed, in_file) = changed_copy(&log);
    std::fs::write(&log, changed).unwrap();

    let index = archive.root().join("index");
    let ingest = archive.ingest(&index, &[]).output().unwrap();
    let said = String::from_utf8_lossy(&ingest.stderr);
    assert!(ingest.status.success(), "{said}");
    assert!(
        said.contains("files checked against their digests"),
        "{said}"
    );
    assert_eq!(support::count(&index, "@integrity:modified"), in_file);

    let skipped = archive.root().join("index-no-verify");
    archive
        .ingest(&skipped, &["--no-verify"])
        .assert()
        .success();
    assert_eq!(support::count(&skipped, "@integrity:modified"), 0);
    assert!(!skipped.join("integrity.json").exists());
}

/// The ingest hashes each log file as it decompresses it for its records (one pass); whatever
/// the damage, its verdict on every file must be the one `verify`, which hashes the files on its
/// own, gives.
#[test]
fn an_ingest_judges_each_damaged_file_as_verify_does() {
    let archive = Archive::generate();
    let logs = archive.listed_logs();
    assert!(logs.len() >= 6, "{logs:?}");
    let gzipped = |log: &Path| std::fs::read(log).unwrap();
    let plain = |log: &Path| gunzip_bytes(log);
    let mut damaged: Vec<(&str, Vec<u8>)> = Vec::new();
    damaged.push(("a changed record", changed_copy(&logs[0]).0));
    damaged.push((
        "junk after the gzip stream",
        [gzipped(&logs[1]), b"junk".to_vec()].concat(),
    ));
    damaged.push((
        "zeros after the gzip stream",
        [gzipped(&logs[2]), vec![0; 512]].concat(),
    ));
    let bytes = gzipped(&logs[3]);
    damaged.push(("cut in half", bytes[..bytes.len() / 2].to_vec()));
    let mut bytes = gzipped(&logs[4]);
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    damaged.push(("a flipped compressed byte", bytes));
    let content = plain(&logs[5]);
    let (first, second) = content.split_at(content.len() / 3);
    damaged.push((
        "the same content in two gzip members",
        [gzip(first), gzip(second)].concat(),
    ));
    for ((_, bytes), log) in damaged.iter().zip(&logs) {
        std::fs::write(log, bytes).unwrap();
    }

    let index = archive.root().join("index");
    let ingest = archive.ingest(&index, &[]).output().unwrap();
    // Damaged files are reported (exit 3) and the rest loaded.
    assert_eq!(
        ingest.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&ingest.stderr)
    );
    let kept: Value =
        serde_json::from_slice(&std::fs::read(index.join("integrity.json")).unwrap()).unwrap();
    let kept: Vec<Value> = kept["findings"].as_array().unwrap().clone();
    let (_, verified, said) = archive.verify(&[]);
    // A file with nothing to say of it is valid.
    let judged = |findings: &[Value], log: &Path| -> (String, bool) {
        match findings
            .iter()
            .find(|f| f["kind"] == "log" && ends_with(f, log))
        {
            Some(finding) => (
                finding["status"].as_str().unwrap().to_owned(),
                finding["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("decompress"),
            ),
            None => ("valid".to_owned(), false),
        }
    };
    for ((damage, _), log) in damaged.iter().zip(&logs) {
        let by_verify = judged(&verified, log);
        assert_eq!(judged(&kept, log), by_verify, "{damage}: {said}");
        let expected = if damage.contains("two gzip members") {
            "valid"
        } else {
            "modified"
        };
        assert_eq!(by_verify.0, expected, "{damage}");
    }
}

/// Tampering is an alert too: a changed file and a deleted one each raise one for their chain,
/// the feed lists them with the detector's (acknowledged by id like any other), an alert citing
/// an event of the changed file says so in the UI, and a later verify that finds the file intact
/// again takes its alert away.
#[test]
fn changed_and_deleted_files_are_alerts_until_verify_finds_them_intact() {
    let archive = Archive::generate();
    let (log, _) = archive.listed_log();
    let original = std::fs::read(&log).unwrap();
    // Changed by adding a record the detector alerts on (its own alert then cites an event of a
    // changed file).
    let mut content = gunzip_json(&log);
    let records = content["Records"].as_array_mut().unwrap();
    let mut injected = records[0].clone();
    injected["eventID"] = "injected-stop-logging".into();
    injected["eventName"] = "StopLogging".into();
    injected["eventSource"] = "cloudtrail.amazonaws.com".into();
    records.push(injected);
    let in_file = records.len() as u64;
    std::fs::write(&log, gzip(&serde_json::to_vec(&content).unwrap())).unwrap();
    // Another file a digest lists.
    let deleted = archive
        .files("CloudTrail-Digest")
        .iter()
        .flat_map(|digest| {
            gunzip_json(digest)["logFiles"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| archive.root().join(l["s3Object"].as_str().unwrap()))
                .collect::<Vec<_>>()
        })
        .find(|f| *f != log)
        .expect("a second listed log file");
    std::fs::remove_file(&deleted).unwrap();
    let index = archive.root().join("index");
    trailhound(&index)
        .args(["ingest"])
        .arg(archive.root().join("AWSLogs"))
        .assert()
        .success();
    let (code, _, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");

    let integrity_alerts = || {
        support::alerts_jsonl(&index, &[])
            .into_iter()
            .filter(|a| a["key"].as_str().unwrap().starts_with("integrity/"))
            .collect::<Vec<Value>>()
    };
    let alerts = integrity_alerts();
    let rules: Vec<&str> = alerts
        .iter()
        .map(|a| a["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["INT-01", "INT-02"], "{alerts:#?}");
    let modified = &alerts[0];
    assert_eq!(modified["count"], 1);
    assert!(modified["why"]
        .as_str()
        .unwrap()
        .contains(&*log.file_name().unwrap().to_string_lossy()));
    let query = modified["query"].as_str().unwrap();
    assert_eq!(support::count(&index, query), in_file, "{query}");
    assert!(alerts[1]["why"]
        .as_str()
        .unwrap()
        .contains(&*deleted.file_name().unwrap().to_string_lossy()));

    let id = modified["id"].as_str().unwrap();
    trailhound(&index)
        .args(["alerts", "ack", id])
        .assert()
        .success();
    assert_eq!(integrity_alerts()[0]["acknowledged"], true);

    // The UI's feed has them, and an alert of the detector's citing an event of the changed
    // file says so.
    {
        use trailhound::tui::{App, Options};
        let mut app = App::new(
            trailhound::index::TrailIndex::open(&index).unwrap(),
            &Options::builtin(),
            (200, 50),
        )
        .unwrap();
        app.settle(std::time::Duration::from_secs(10));
        let feed = &app.state.alerts.alerts;
        assert!(feed
            .iter()
            .any(|a| a.rule_id == "INT-02" && a.query.is_some()));
        let tainted: Vec<_> = feed.iter().filter(|a| a.tainted > 0).collect();
        let ids = support::event_ids(&index, "@integrity:modified");
        let citing: Vec<_> = feed
            .iter()
            .filter(|a| a.event_ids.iter().any(|e| ids.contains(e)))
            .collect();
        assert!(
            !citing.is_empty(),
            "no alert cites an event of the changed file"
        );
        assert_eq!(tainted.len(), citing.len(), "{ids:?}");
        let marked = support::alerts_jsonl(&index, &[])
            .iter()
            .filter(|a| a["from_changed_files"].as_u64().unwrap_or(0) > 0)
            .count();
        assert_eq!(marked, citing.len(), "the CLI says so too");
    }

    std::fs::write(&log, original).unwrap();
    let (code, _, said) = archive.verify(&[]);
    assert_eq!(code, 1, "the deleted file is still missing: {said}");
    let rules: Vec<String> = integrity_alerts()
        .iter()
        .map(|a| a["rule_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(rules, ["INT-02"]);
}

/// The Detail pane names the file the selected event came from and what `verify` found of it:
/// the whole app over the real index an ingest with digests made.
#[test]
fn the_detail_pane_shows_the_events_file_and_its_verdict() {
    use trailhound::tui::{App, Options};
    let archive = Archive::generate();
    let (log, _) = archive.listed_log();
    std::fs::write(&log, changed_copy(&log).0).unwrap();
    let index_dir = archive.root().join("index");
    archive.ingest(&index_dir, &[]).assert().success();
    // With the keys, the files the ingest could only hash are vouched for too.
    let (code, _, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    let name = log.file_name().unwrap().to_string_lossy().into_owned();
    for (query, verdict) in [
        ("@integrity:modified", "modified"),
        ("@integrity:valid", "valid"),
    ] {
        let index = trailhound::index::TrailIndex::open(&index_dir).unwrap();
        let mut options = Options::builtin();
        options.initial_query = Some(query.to_owned());
        let mut app = App::new(index, &options, (200, 50)).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while app.state.detail.origin.is_none() {
            assert!(
                std::time::Instant::now() < deadline,
                "no origin for {query}: {:?}",
                app.state.events.matched
            );
            app.settle(std::time::Duration::from_millis(200));
        }
        let origin = app.state.detail.origin.clone().unwrap();
        assert_eq!(origin.verdict.as_deref(), Some(verdict), "{origin:?}");
        assert_eq!(
            origin.file.ends_with(&name),
            verdict == "modified",
            "{origin:?}"
        );
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(200, 50)).unwrap();
        terminal.draw(|frame| app.draw(frame)).unwrap();
        let screen: String = terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|cell| cell.symbol())
            .collect();
        let shown = match verdict {
            "modified" => "integrity: MODIFIED · from ",
            _ => "integrity: valid · from ",
        };
        assert!(screen.contains(shown), "{screen}");
    }
}

/// A running terminal UI hears of new verdicts (a `verify` in another terminal) as it hears of
/// a commit, and its stats then carry them for the status line.
#[test]
fn the_ui_worker_announces_new_verdicts_and_its_stats_carry_them() {
    use trailhound::tui::worker::{Reply, Request, Worker};
    let archive = Archive::generate();
    let index_dir = archive.root().join("index");
    archive
        .ingest(&index_dir, &["--no-verify"])
        .assert()
        .success();
    let index = trailhound::index::TrailIndex::open(&index_dir).unwrap();
    let worker = Worker::spawn(index, std::time::Duration::from_millis(50)).unwrap();
    let stats = |worker: &Worker| {
        assert!(worker.send(Request::Stats { id: 1 }));
        loop {
            match worker
                .replies
                .recv_timeout(std::time::Duration::from_secs(10))
                .unwrap()
            {
                Reply::Stats { result, .. } => return result.unwrap(),
                _ => continue,
            }
        }
    };
    assert_eq!(stats(&worker).integrity, None);

    let (log, _) = archive.listed_log();
    std::fs::write(&log, changed_copy(&log).0).unwrap();
    let (code, _, said) = archive.verify(&[]);
    assert_eq!(code, 1, "{said}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let remaining = deadline.saturating_duration_since(std::time::Instant::now());
        match worker.replies.recv_timeout(remaining) {
            Ok(Reply::Changed { index: true, .. }) => break,
            Ok(_) => continue,
            Err(e) => panic!("no change announced: {e}"),
        }
    }
    let (line, alarm) = stats(&worker).integrity.unwrap();
    assert!(alarm && line.contains("1 modified"), "{line}");
}

/// A real account's trail files (not this project's generator), placed in the trail layout by
/// the delivery time their names carry, as `aws s3 sync` of a bucket without log file validation
/// leaves them: one gap per account and region, every file unverifiable, none judged changed;
/// and after an ingest every event is `@integrity:unverified`.
#[test]
fn a_real_copy_without_digests_is_one_gap_per_region_and_nothing_is_called_changed() {
    let Some(invictus) = support::shared_data("invictus-aws-dataset/CloudTrail") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut placed = 0;
    for entry in std::fs::read_dir(&invictus).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let parts: Vec<&str> = name.split('_').collect();
        let (account, region, stamp) = (parts[0], parts[2], parts[3]);
        let folder = format!(
            "AWSLogs/{account}/CloudTrail/{region}/{}/{}/{}",
            &stamp[..4],
            &stamp[4..6],
            &stamp[6..8]
        );
        std::fs::create_dir_all(dir.path().join(&folder)).unwrap();
        std::fs::copy(&path, dir.path().join(&folder).join(&name)).unwrap();
        placed += 1;
    }
    assert!(placed > 10, "{placed}");
    let index = dir.path().join("index");
    let output = trailhound(&index)
        .args(["verify", "--offline", "--format", "jsonl"])
        .arg(dir.path().join("AWSLogs"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let findings = findings_of(&output.stdout);
    let counts = statuses(&findings);
    let regions: std::collections::BTreeSet<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["account"].as_str().unwrap().to_owned(),
                f["region"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(counts.get("gap gap"), Some(&regions.len()), "{counts:?}");
    assert_eq!(counts.get("log unverifiable"), Some(&placed), "{counts:?}");
    assert_eq!(counts.len(), 2, "{counts:?}");

    trailhound(&index)
        .args(["ingest", "--no-rules"])
        .arg(dir.path().join("AWSLogs"))
        .assert()
        .success();
    let total = support::count(&index, "*");
    assert!(total > 1000, "{total}");
    assert_eq!(support::count(&index, "@integrity:unverified"), total);
    assert_eq!(support::count(&index, "@integrity:valid"), 0);

    // Verified again now that the index holds the files: the missing digests are one low alert
    // per region (validation off, or digests not copied), and nothing claims a change.
    trailhound(&index)
        .args(["verify", "--offline"])
        .arg(dir.path().join("AWSLogs"))
        .assert()
        .code(1);
    let alerts: Vec<Value> = support::alerts_jsonl(&index, &[])
        .into_iter()
        .filter(|a| a["key"].as_str().unwrap().starts_with("integrity/"))
        .collect();
    assert_eq!(alerts.len(), regions.len(), "{alerts:#?}");
    // Each alert lists its chain's events, found by the files the chain delivered: the copy is
    // anonymised (the files name one account, the records another), so the records' own account
    // would find none.
    let mut listed = 0;
    for alert in &alerts {
        assert_eq!(alert["rule_id"], "INT-06", "{alert:#?}");
        assert_eq!(alert["severity"], "low");
        let query = alert["query"].as_str().unwrap();
        let found = support::count(&index, query);
        assert!(found > 0, "{query} lists no event");
        listed += found;
    }
    assert_eq!(listed, total, "every event is in exactly one chain");
}
