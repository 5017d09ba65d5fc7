//! `trailhound pull` over several accounts: the real binary and the real AWS SDK (STS AssumeRole
//! included) over real HTTP against the fake LookupEvents/STS service in tests/support.
#[path = "support/fake_cloudtrail.rs"]
mod fake_cloudtrail;
mod support;

use std::path::Path;

use fake_cloudtrail::{shaped_history, FakeCloudTrail, Quota, Shape, ACCESS_KEY, SECRET_KEY};

const REGION: &str = "us-east-1";

/// The binary, signing with the fake's test key, seeing no real AWS configuration at all.
fn pull(index: &Path, fake: &FakeCloudTrail, home: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::from_std(fake.command(index, home));
    command.args(["pull", "--no-rules", "--region", REGION, "--since", "90d"]);
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Three accounts through AssumeRole, one of them denied: the two others are pulled in
/// parallel, each under its own quota (no throttles at 2 requests/s each, where one shared
/// quota would throttle), with their own checkpoints; the denied one is one line.
#[test]
fn roles_in_several_accounts_are_pulled_in_parallel_and_a_denied_one_is_one_line() {
    let fake = FakeCloudTrail::start();
    fake.set_quota(Quota::SlidingWindow {
        requests: 2,
        window: std::time::Duration::from_secs(1),
    });
    let mut all = Vec::new();
    for account in ["222233334444", "333344445555"] {
        fake.allow_role(account, "OrganizationAccountAccessRole");
        let mut events = shaped_history(REGION, Shape::Uniform(300), account);
        for event in &mut events {
            event["recipientAccountId"] = account.into();
            event["userIdentity"]["accountId"] = account.into();
        }
        fake.add_account_events(account, REGION, &events);
        all.extend(events);
    }
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .args(["--account", "222233334444", "--account", "333344445555"])
        .args(["--account", "999988887777"])
        .args(["--role-name", "OrganizationAccountAccessRole"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert!(!stderr.contains(SECRET_KEY) && !stdout.contains(SECRET_KEY));
    let denied: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("999988887777"))
        .collect();
    assert_eq!(denied.len(), 1, "{stderr}");
    assert!(
        denied[0]
            .contains("cannot assume arn:aws:iam::999988887777:role/OrganizationAccountAccessRole")
            && denied[0].contains("AccessDenied"),
        "{stderr}"
    );
    assert_eq!(fake.throttled(), 0, "{stderr}");
    support::assert_exactly_once(&index, &all);

    let served = fake.served();
    let span = |account: &str| {
        let times: Vec<_> = served
            .iter()
            .filter(|s| s.account == account)
            .map(|s| s.at)
            .collect();
        (*times.iter().min().unwrap(), *times.iter().max().unwrap())
    };
    let (a, b) = (span("222233334444"), span("333344445555"));
    assert!(
        a.0 < b.1 && b.0 < a.1,
        "the accounts were pulled one after the other"
    );

    let info = support::trailhound(&index).arg("info").output().unwrap();
    let info = text(&info.stdout);
    for account in ["222233334444", "333344445555"] {
        assert!(
            info.contains(&format!("{account}/{REGION}/management")),
            "{info}"
        );
    }
    assert!(info.contains("accounts  222233334444"), "{info}");
    for account in ["222233334444", "333344445555"] {
        assert!(
            info.contains(&format!(
                "{account}  reached through role OrganizationAccountAccessRole"
            )),
            "{info}"
        );
    }
    assert!(!info.contains("999988887777"), "{info}");
}

/// `--profile` is repeatable: each profile is an account of its own.
#[test]
fn several_profiles_are_several_accounts() {
    let fake = FakeCloudTrail::start();
    fake.set_requests_per_second(50.0);
    fake.add_access_key("AKIDSECONDACCOUNT", "444455556666");
    let first = shaped_history(REGION, Shape::Uniform(120), "first");
    let second = shaped_history(REGION, Shape::Uniform(80), "second");
    fake.add_events(REGION, &first);
    fake.add_account_events("444455556666", REGION, &second);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aws-credentials"),
        format!(
            "[one]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n\n\
             [two]\naws_access_key_id = AKIDSECONDACCOUNT\naws_secret_access_key = x\n"
        ),
    )
    .unwrap();
    let index = dir.path().join("index");
    let output = pull(&index, &fake, dir.path())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["--profile", "one", "--profile", "two"])
        .args(["--requests-per-second", "50"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut all = first;
    all.extend(second);
    support::assert_exactly_once(&index, &all);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("444455556666"), "{stderr}");
}
