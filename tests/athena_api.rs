//! Athena through the real SDK over HTTP against moto's server: `athena setup` sends the
//! database and table statements with the output location, the client pages results without
//! their header row, and a failure is one line.
#[path = "support/moto.rs"]
mod moto;
mod support;

use std::process::Command;
use std::sync::atomic::AtomicBool;

use moto::Moto;
use serde_json::{json, Value};
use trailhound::athena::client::{Athena, AthenaOptions};

fn skip() -> bool {
    match moto::unavailable() {
        Some(reason) => {
            eprintln!("SKIPPING the Athena API tests: {reason}");
            true
        }
        None => false,
    }
}

/// What moto's Athena holds, read with boto3 (moto's own dependency): every execution's
/// statement, state and output location.
fn executions(moto: &Moto) -> Vec<Value> {
    let script = format!(
        r#"
import boto3, json
c = boto3.client("athena", endpoint_url="{}", region_name="us-east-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing")
out = []
for i in c.list_query_executions()["QueryExecutionIds"]:
    e = c.get_query_execution(QueryExecutionId=i)["QueryExecution"]
    out.append({{"query": e["Query"], "state": e["Status"]["State"],
                "output": e.get("ResultConfiguration", {{}}).get("OutputLocation", "")}})
print(json.dumps(out))
"#,
        moto.endpoint
    );
    let output = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn athena_command(moto: &Moto, endpoint: &str, dir: &std::path::Path) -> Command {
    let mut command = moto.command(&moto.endpoint, &dir.join("index"), dir);
    command.env("AWS_ENDPOINT_URL_ATHENA", endpoint);
    command
}

#[test]
fn setup_creates_the_database_and_the_table_through_the_sdk() {
    if skip() {
        return;
    }
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let table_args = [
        "--bucket",
        "org-trail",
        "--org",
        "o-abc123def4",
        "--account",
        "111122223333",
        "--region",
        "eu-west-1",
        "--table",
        "security.trail",
    ];
    let output = athena_command(&moto, &moto.endpoint, dir.path())
        .args([
            "athena",
            "setup",
            "--output",
            "s3://athena-results/trailhound",
        ])
        .args(table_args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("created security.trail over s3://org-trail/AWSLogs/o-abc123def4/"),
        "{stderr}"
    );

    let ddl = athena_command(&moto, &moto.endpoint, dir.path())
        .args(["athena", "ddl"])
        .args(table_args)
        .output()
        .unwrap();
    let ddl = String::from_utf8(ddl.stdout).unwrap();
    let mut sent = executions(&moto);
    sent.sort_by_key(|e| e["query"].as_str().unwrap().len());
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(sent[0]["query"], "CREATE DATABASE IF NOT EXISTS security");
    assert_eq!(sent[1]["query"], json!(ddl));
    for execution in &sent {
        assert_eq!(execution["state"], "SUCCEEDED");
        assert!(execution["output"]
            .as_str()
            .unwrap()
            .starts_with("s3://athena-results/trailhound/"));
    }
}

#[test]
fn results_are_paged_without_their_header_row() {
    if skip() {
        return;
    }
    let moto = Moto::start();
    // moto answers the next query with rows queued through its own API (it runs no SQL).
    let rows = json!({
        "account_id": "123456789012",
        "region": "us-east-1",
        "results": [{
            "rows": [
                {"Data": [{"VarCharValue": "$path"}]},
                {"Data": [{"VarCharValue": "s3://trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01/a.json.gz"}]},
                {"Data": [{}]}
            ],
            "column_info": [{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": "$path",
                             "Label": "$path", "Type": "varchar", "Precision": 0, "Scale": 0,
                             "Nullable": "UNKNOWN", "CaseSensitive": true}]
        }]
    });
    let queued = Command::new("python3")
        .args([
            "-c",
            "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={'Content-Type': 'application/json'}))",
            &format!("{}/moto-api/static/athena/query-results", moto.endpoint),
            &rows.to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        queued.status.success(),
        "{}",
        String::from_utf8_lossy(&queued.stderr)
    );

    std::env::set_var("AWS_ENDPOINT_URL_ATHENA", &moto.endpoint);
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = runtime.block_on(async {
        let athena = Athena::connect(&AthenaOptions {
            region: Some("us-east-1".into()),
            output: Some("s3://athena-results/".into()),
            ..AthenaOptions::default()
        })
        .await;
        let id = athena
            .start("SELECT DISTINCT \"$path\" FROM t")
            .await
            .unwrap();
        let done = athena
            .wait(&id, &AtomicBool::new(false), |_| {})
            .await
            .unwrap();
        assert_eq!(done.state, "SUCCEEDED");
        athena.rows(&id).await.unwrap()
    });
    assert_eq!(
        answer,
        vec![
            vec![Some(
                "s3://trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01/a.json.gz"
                    .to_owned()
            )],
            vec![None],
        ]
    );
}

#[test]
fn an_unreachable_athena_is_one_line_and_a_failed_exit() {
    let dir = tempfile::tempdir().unwrap();
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let output = support::isolated_aws_command(&dir.path().join("index"), dir.path())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env(
            "AWS_ENDPOINT_URL_ATHENA",
            format!("http://127.0.0.1:{closed}"),
        )
        .args([
            "athena",
            "setup",
            "--bucket",
            "trail",
            "--account",
            "111122223333",
            "--region",
            "us-east-1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("cannot reach Athena"), "{stderr}");
}
