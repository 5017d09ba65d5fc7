//! AUTH-06 with a GeoIP database: a tiny MaxMind DB written here (the format is small enough that
//! a test can write one, so no binary file or generator script is needed), read through the
//! `maxminddb` crate as a user's GeoLite2 file would be.
mod support;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::{json, Value};
use support::{trailhound, write};
use trailhound::detect::geoip::GeoIp;

// ---- a minimal MaxMind DB writer (format 2.0, IPv4 tree, 24-bit records) ----

#[derive(Clone, Copy)]
enum Record {
    Empty,
    Node(usize),
    Data(usize),
}

fn control(kind: u8, size: usize) -> Vec<u8> {
    assert!(size < 29, "small values only");
    if kind <= 7 {
        vec![(kind << 5) | size as u8]
    } else {
        vec![size as u8, kind - 7]
    }
}

fn string(text: &str) -> Vec<u8> {
    let mut out = control(2, text.len());
    out.extend_from_slice(text.as_bytes());
    out
}

fn unsigned(kind: u8, value: u64) -> Vec<u8> {
    let bytes: Vec<u8> = value
        .to_be_bytes()
        .into_iter()
        .skip_while(|b| *b == 0)
        .collect();
    let mut out = control(kind, bytes.len());
    out.extend(bytes);
    out
}

fn map(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = control(7, entries.len());
    for (key, value) in entries {
        out.extend(string(key));
        out.extend_from_slice(value);
    }
    out
}

/// A database placing each IPv4 network in a country.
fn write_mmdb(path: &Path, networks: &[(&str, u8, &str)]) {
    let mut data = Vec::new();
    let mut nodes: Vec<[Record; 2]> = vec![[Record::Empty; 2]];
    for (address, prefix, country) in networks {
        let offset = data.len();
        data.extend(map(&[("country", map(&[("iso_code", string(country))]))]));
        let address: std::net::Ipv4Addr = address.parse().unwrap();
        let bits = u32::from(address);
        let mut node = 0;
        for depth in 0..*prefix {
            let bit = ((bits >> (31 - depth)) & 1) as usize;
            if depth + 1 == *prefix {
                nodes[node][bit] = Record::Data(offset);
                break;
            }
            node = match nodes[node][bit] {
                Record::Node(next) => next,
                _ => {
                    nodes.push([Record::Empty; 2]);
                    let next = nodes.len() - 1;
                    nodes[node][bit] = Record::Node(next);
                    next
                }
            };
        }
    }
    let count = nodes.len();
    let mut out = Vec::new();
    for node in &nodes {
        for record in node {
            let value = match *record {
                Record::Empty => count,
                Record::Node(next) => next,
                Record::Data(offset) => count + 16 + offset,
            } as u32;
            out.extend_from_slice(&value.to_be_bytes()[1..]);
        }
    }
    out.extend([0u8; 16]);
    out.extend(data);
    out.extend(b"\xab\xcd\xefMaxMind.com");
    out.extend(map(&[
        ("binary_format_major_version", unsigned(5, 2)),
        ("binary_format_minor_version", unsigned(5, 0)),
        ("build_epoch", unsigned(9, 1_780_000_000)),
        ("database_type", string("Test-Country")),
        ("description", map(&[("en", string("trailhound test"))])),
        ("ip_version", unsigned(5, 4)),
        ("languages", {
            let mut list = control(11, 1);
            list.extend(string("en"));
            list
        }),
        ("node_count", unsigned(6, count as u64)),
        ("record_size", unsigned(5, 24)),
    ]));
    std::fs::write(path, out).unwrap();
}

fn database(dir: &Path) -> PathBuf {
    let path = dir.join("Test-Country.mmdb");
    write_mmdb(
        &path,
        &[
            ("203.0.113.0", 24, "US"),
            ("185.220.101.0", 24, "DE"),
            ("198.51.100.0", 25, "FR"),
        ],
    );
    path
}

#[test]
fn a_written_database_locates_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let geoip = GeoIp::open(&database(dir.path())).unwrap();
    assert_eq!(geoip.country("203.0.113.9").as_deref(), Some("US"));
    assert_eq!(geoip.country("185.220.101.34").as_deref(), Some("DE"));
    assert_eq!(geoip.country("198.51.100.10").as_deref(), Some("FR"));
    assert_eq!(geoip.country("198.51.100.200"), None, "outside the /25");
    assert_eq!(geoip.country("AWS Internal"), None);
    assert_eq!(geoip.country("ec2.amazonaws.com"), None);
    assert_eq!(geoip.country("2001:db8::1"), None, "an IPv4-only database");
}

fn login(id: &str, address: &str) -> Value {
    support::record(
        id,
        "ConsoleLogin",
        "signin.amazonaws.com",
        json!({
            "sourceIPAddress": address,
            "eventType": "AwsConsoleSignIn",
            "responseElements": {"ConsoleLogin": "Success"},
            "additionalEventData": {"MFAUsed": "Yes"},
        }),
    )
}

fn auth_06(index: &Path) -> Vec<Value> {
    let output = trailhound(index)
        .args(["alerts", "--format", "jsonl"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|alert| alert["rule_id"] == "AUTH-06")
        .collect()
}

#[test]
fn auth_06_runs_with_a_configured_database_and_is_skipped_cleanly_without() {
    let dir = tempfile::tempdir().unwrap();
    let database = database(dir.path());
    let archive = write(
        &dir.path().join("archive/trail.json"),
        &support::trail_file(&[
            login("home", "203.0.113.9"),
            login("abroad", "185.220.101.34"),
            login("service", "AWS Internal"),
        ]),
    );

    // Without a database: listed as skipped with the reason, and ingest raises nothing for it.
    let plain = dir.path().join("plain");
    trailhound(&plain)
        .args(["rules", "list"])
        .env_remove("TRAILHOUND_CONFIG")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"AUTH-06 .* no .*needs .*geoip_database").unwrap());
    trailhound(&plain)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    assert!(auth_06(&plain).is_empty());

    let config = write(
        &dir.path().join("config.toml"),
        format!(
            "[detection]\ngeoip_database = {:?}\nallowed_countries = [\"US\", \"CA\"]\n",
            database.display().to_string()
        )
        .as_bytes(),
    );
    let located = dir.path().join("located");
    trailhound(&located)
        .arg("--config")
        .arg(&config)
        .args(["rules", "list"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"AUTH-06 +medium +event +yes ").unwrap());
    trailhound(&located)
        .arg("--config")
        .arg(&config)
        .arg("ingest")
        .arg(&archive)
        .assert()
        .success();
    let alerts = auth_06(&located);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    assert_eq!(alerts[0]["event_ids"], json!(["abroad"]));
    assert!(alerts[0]["group"].as_str().unwrap().ends_with("|DE"));
}

#[test]
fn an_unreadable_database_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let bogus = write(&dir.path().join("bogus.mmdb"), b"not a database");
    let config = write(
        &dir.path().join("config.toml"),
        format!(
            "[detection]\n\ngeoip_database = {:?}\n",
            bogus.display().to_string()
        )
        .as_bytes(),
    );
    trailhound(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["rules", "list"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("config.toml:3: key `detection.geoip_database`")
                .and(predicate::str::contains("bogus.mmdb")),
        );
}
