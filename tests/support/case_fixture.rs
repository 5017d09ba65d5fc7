//! An index for the case tests: an AssumeRole that hands out a session, a DeleteTrail from an
//! outside address, and a CreateUser by a user whose name is hostile Markdown and HTML.
use serde_json::json;

use super::{record, trailhound};

/// Runs `trailhound ARGS` on `index`, demands success, and gives (stdout, stderr).
pub fn run_ok(index: &std::path::Path, args: &[&str]) -> (String, String) {
    let output = trailhound(index).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

pub const HOSTILE_USER: &str = "eve](http://evil.example)<img src=x onerror=alert(1)>|`x`";

pub fn fixture(dir: &std::path::Path) -> std::path::PathBuf {
    let records = [
        record(
            "assume-1",
            "AssumeRole",
            "sts.amazonaws.com",
            json!({"eventTime": "2026-11-01T08:00:00Z",
                "requestParameters": {"roleArn": "arn:aws:iam::111122223333:role/Admin", "roleSessionName": "s1"},
                "responseElements": {"assumedRoleUser": {"arn": "arn:aws:sts::111122223333:assumed-role/Admin/s1"},
                    "credentials": {"accessKeyId": "ASIASESSION1"}}}),
        ),
        record(
            "delete-trail",
            "DeleteTrail",
            "cloudtrail.amazonaws.com",
            json!({"eventTime": "2026-11-01T08:05:00Z", "sourceIPAddress": "203.0.113.9"}),
        ),
        record(
            "hostile",
            "CreateUser",
            "iam.amazonaws.com",
            json!({"eventTime": "2026-11-01T08:10:00Z",
                "userIdentity": {"type": "IAMUser", "arn": format!("arn:aws:iam::111122223333:user/{HOSTILE_USER}"),
                    "userName": HOSTILE_USER, "accountId": "111122223333"},
                "requestParameters": {"userName": "```\n# injected heading\n```"}}),
        ),
    ];
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    let file = super::write(&dir.join("events.jsonl"), lines.as_bytes());
    let index = dir.join("index");
    trailhound(&index)
        .args(["ingest", "--no-rules"])
        .arg(file)
        .assert()
        .success();
    index
}
