//! Athena through the real SDK over HTTP against moto's server: `athena setup` sends the
//! database and table statements with the output location, the client pages results without
//! their header row, and a failure is one line.
#[path = "support/moto.rs"]
mod moto;
mod support;

use std::process::Command;
use std::sync::atomic::AtomicBool;

use moto::{Fault, FaultProxy, Moto};
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
    let output = support::python(&["-c", &script], b"", "reading moto's Athena with boto3");
    serde_json::from_slice(&output).unwrap()
}

/// Queues the rows moto answers its next query with (it runs no SQL): a header, then one
/// `"$path"` per row.
fn queue_paths(moto: &Moto, paths: &[Option<&str>]) {
    let mut rows = vec![json!({"Data": [{"VarCharValue": "$path"}]})];
    rows.extend(paths.iter().map(|path| match path {
        Some(path) => json!({"Data": [{"VarCharValue": path}]}),
        None => json!({"Data": [{}]}),
    }));
    queue_rows(moto, rows);
}

/// Queues `rows` (the header first) as the answer to moto's next query.
fn queue_rows(moto: &Moto, rows: Vec<Value>) {
    let results = json!({
        "account_id": "123456789012",
        "region": "us-east-1",
        "results": [{
            "rows": rows,
            "column_info": [{"CatalogName": "hive", "SchemaName": "", "TableName": "", "Name": "$path",
                             "Label": "$path", "Type": "varchar", "Precision": 0, "Scale": 0,
                             "Nullable": "UNKNOWN", "CaseSensitive": true}]
        }]
    });
    support::python(
        &[
            "-c",
            "import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.stdin.buffer.read(), headers={'Content-Type': 'application/json'}))",
            &format!("{}/moto-api/static/athena/query-results", moto.endpoint),
        ],
        results.to_string().as_bytes(),
        "queueing moto's Athena results",
    );
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
    queue_paths(
        &moto,
        &[
            Some("s3://trail/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/11/01/a.json.gz"),
            None,
        ],
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
        let rows = athena.rows(&id).await.unwrap();
        // A stopped query ends CANCELLED, and waiting on it says so in one line.
        let stopped = athena.start("SELECT 1").await.unwrap();
        athena.stop(&stopped).await.unwrap();
        let error = athena
            .wait(&stopped, &AtomicBool::new(false), |_| {})
            .await
            .unwrap_err();
        assert!(
            error.to_string().starts_with("the query was cancelled"),
            "{error}"
        );

        rows
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

/// The end-to-end pull on a real account's trail files (not made by us): Athena names two of
/// three files in the bucket, exactly their events land with the bucket's provenance, GETs go to
/// those files only (no listing), the question is kept in the coverage, and asking it again
/// reuses the execution and adds nothing. A named file that is gone is one warning.
#[test]
fn pull_reads_the_files_athena_names_exactly_once_across_a_rerun() {
    if skip() {
        return;
    }
    let Some(folder) = support::shared_data("invictus-aws-dataset/CloudTrail") else {
        return;
    };
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("_us-east-1_"))
        .collect();
    names.sort();
    let names = &names[..3];
    let key = |name: &str| format!("AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/{name}");
    let records_in = |name: &str| -> u64 {
        let file: Value =
            serde_json::from_slice(&std::fs::read(folder.join(name)).unwrap()).unwrap();
        file["Records"].as_array().unwrap().len() as u64
    };
    moto.put(
        "org-trail",
        names
            .iter()
            .map(|n| (key(n), std::fs::read(folder.join(n)).unwrap()))
            .collect(),
        true,
    );
    let named = [key(&names[0]), key(&names[2])];
    let expected = records_in(&names[0]) + records_in(&names[2]);
    let paths: Vec<String> = named
        .iter()
        .map(|k| format!("s3://org-trail/{k}"))
        .collect();
    queue_paths(&moto, &[Some(&paths[0]), Some(&paths[1]), Some(&paths[0])]);

    let index = dir.path().join("index");
    let pull = |extra: &[&str]| {
        let output = athena_command(&moto, &moto.endpoint, dir.path())
            .args([
                "athena",
                "pull",
                "userAgent:stratus*",
                "--since",
                "2023-07-10",
                "--until",
                "2023-07-11",
                "--account",
                "218007301253",
                "--output",
                "s3://athena-results/",
                "--table",
                "security.trail",
            ])
            .args(extra)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = pull(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("2 log files hold matches"), "{stderr}");
    assert_eq!(support::count(&index, "*"), expected);
    assert_eq!(
        support::count(&index, "@source:\"s3://org-trail/\""),
        expected
    );
    assert_eq!(
        support::count(&index, &format!("@file:\"{}\"", paths[1])),
        records_in(&names[2])
    );
    assert_eq!(moto.get_calls("org-trail"), 2, "{:?}", moto.requests());
    assert_eq!(moto.list_calls("org-trail"), 0);
    let sent = executions(&moto);
    assert_eq!(sent.len(), 1);
    let sql = sent[0]["query"].as_str().unwrap();
    assert!(
        sql.starts_with(
            "SELECT DISTINCT \"$path\"\nFROM security.trail\nWHERE account IN ('218007301253')"
        ),
        "{sql}"
    );
    assert!(sql.contains("\"timestamp\" BETWEEN '2023/07/10'"), "{sql}");

    let coverage = trailhound::index::TrailIndex::open(&index)
        .unwrap()
        .coverage()
        .unwrap();
    assert_eq!(coverage.athena.len(), 1, "{coverage:#?}");
    let mark = coverage.athena.values().next().unwrap();
    assert_eq!(mark.query, "userAgent:stratus*");
    assert_eq!((mark.files, mark.failed_files), (2, 0));
    assert!(!mark.execution_id.is_empty());
    assert_eq!(
        mark.since.unwrap().to_rfc3339(),
        "2023-07-10T00:00:00+00:00"
    );
    assert_eq!(mark.sql, sql);

    let info = support::trailhound(&index).arg("info").output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    assert!(info.contains("Athena questions"), "{info}");
    assert!(
        info.contains(&format!("execution {}", mark.execution_id)),
        "{info}"
    );

    // The same question: the finished execution is reused, nothing is added twice.
    let (code, stderr) = pull(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("reusing Athena execution"), "{stderr}");
    assert_eq!(executions(&moto).len(), 1);
    assert_eq!(support::count(&index, "*"), expected);

    // Asked afresh, Athena names a file that has since gone and a value that is no object.
    queue_paths(
        &moto,
        &[
            Some(
                "s3://org-trail/AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10/gone.json.gz",
            ),
            Some("not a path"),
        ],
    );
    let (code, stderr) = pull(&["--fresh"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(executions(&moto).len(), 2);
    assert!(stderr.contains("gone.json.gz"), "{stderr}");
    assert!(
        stderr.contains("`not a path`, which is not an s3:// object"),
        "{stderr}"
    );
    assert_eq!(support::count(&index, "*"), expected);
}

/// Each way Athena says no is one line and a failed exit; a query that runs too long is stopped
/// in Athena, not left scanning.
#[test]
fn athenas_failures_are_one_line_each() {
    if skip() {
        return;
    }
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let run = |proxy: &FaultProxy, extra: &[&str]| -> (Option<i32>, String) {
        let output = athena_command(&moto, &proxy.endpoint, dir.path())
            .args([
                "athena",
                "pull",
                "eventName:StopLogging",
                "--account",
                "111122223333",
            ])
            .args(extra)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let one_error = |stderr: &str| -> String {
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        errors[0].to_owned()
    };
    let cases = [
        (
            Fault::AthenaError {
                action: "StartQueryExecution".into(),
                status: 400,
                code: "AccessDeniedException".into(),
                message: "User: arn:aws:iam::111122223333:user/x is not authorized to perform: athena:StartQueryExecution".into(),
            },
            "access denied by Athena",
        ),
        (
            Fault::AthenaError {
                action: "StartQueryExecution".into(),
                status: 400,
                code: "InvalidRequestException".into(),
                message: "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.".into(),
            },
            "Athena has nowhere to write results: pass --output",
        ),
        (
            Fault::AthenaState {
                state: "FAILED".into(),
                reason: "COLUMN_NOT_FOUND: line 4:3: Column 'account' cannot be resolved".into(),
            },
            "the query failed in Athena: COLUMN_NOT_FOUND: line 4:3: Column 'account' cannot be resolved (the table does not have the CloudTrail table's columns",
        ),
        (
            Fault::AthenaState {
                state: "FAILED".into(),
                reason: "Access denied when writing output to url: s3://results/x".into(),
            },
            "the query failed in Athena: Access denied when writing output",
        ),
    ];
    for (fault, expected) in cases {
        let proxy = FaultProxy::start(&moto.endpoint);
        proxy.inject(fault.clone());
        let (code, stderr) = run(&proxy, &["--output", "s3://results/"]);
        assert_eq!(code, Some(1), "{fault:?}: {stderr}");
        let error = one_error(&stderr);
        assert!(error.contains(expected), "{fault:?}: {error}");
    }

    // Never finishing: stopped after --timeout, and Athena is told to stop.
    let proxy = FaultProxy::start(&moto.endpoint);
    proxy.inject(Fault::AthenaState {
        state: "RUNNING".into(),
        reason: String::new(),
    });
    let before = executions(&moto).len();
    let (code, stderr) = run(
        &proxy,
        &["--output", "s3://results/", "--timeout", "1s", "--fresh"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        one_error(&stderr).contains("ran longer than 1 s and was stopped"),
        "{stderr}"
    );
    let sent = executions(&moto);
    assert_eq!(sent.len(), before + 1);
    assert!(
        sent.iter().any(|e| e["state"] == "CANCELLED"),
        "the query was not stopped in Athena: {sent:#?}"
    );
}

/// `--rows` on a real account's trail: the rows Athena's engine gives for the records statement
/// (computed here by DuckDB over a table with Athena's shapes, from the real records) are queued
/// in moto; the records rebuilt from them are the same events, with the same fields, as the
/// files hold.
#[test]
fn rows_rebuild_the_records_the_files_hold() {
    if skip() {
        return;
    }
    let Some(folder) = support::shared_data("invictus-aws-dataset/CloudTrail") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut records = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let file: Value =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        records.extend(file["Records"].as_array().unwrap().iter().cloned());
    }
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    let records_file = support::write(&dir.path().join("records.jsonl"), lines.as_bytes());
    let query = "eventSource:iam.amazonaws.com AND NOT errorCode:*";
    let translation = trailhound::athena::translate(query).unwrap();
    let scope = trailhound::athena::Scope {
        all_time: true,
        ..Default::default()
    };
    let sql = trailhound::athena::statement(
        "cloudtrail_logs",
        &scope,
        &translation.condition,
        trailhound::athena::Select::Records,
        chrono::Utc::now(),
    );
    let answer = support::duckdb::run(&records_file, &[("q".to_owned(), sql)].into(), true);
    let rows = answer["q"]["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer:?}"));
    assert!(rows.len() > 20, "{} rows", rows.len());

    let moto = Moto::start();
    let mut queued = vec![json!({"Data": [{"VarCharValue": "eventversion"}]})];
    queued.extend(rows.iter().map(|row| {
        let cells: Vec<Value> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|cell| match cell.as_str() {
                Some(text) => json!({"VarCharValue": text}),
                None => json!({}),
            })
            .collect();
        json!({"Data": cells})
    }));
    queue_rows(&moto, queued);
    let index = dir.path().join("index");
    let output = athena_command(&moto, &moto.endpoint, dir.path())
        .args([
            "athena",
            "pull",
            "--rows",
            query,
            "--all-time",
            "--output",
            "s3://results/",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("{} matching records", rows.len())),
        "{stderr}"
    );

    // The same question over the files, in an index of its own.
    let files_index = dir.path().join("files-index");
    support::trailhound(&files_index)
        .args(["ingest", "--no-rules"])
        .arg(&folder)
        .assert()
        .success();
    let events =
        |index: &std::path::Path, query: &str| -> std::collections::BTreeMap<String, Value> {
            let output = support::trailhound(index)
                .args(["search", "--format", "jsonl", "--limit", "0", query])
                .output()
                .unwrap();
            String::from_utf8(output.stdout)
                .unwrap()
                .lines()
                .map(|line| {
                    let record: Value = serde_json::from_str(line).unwrap();
                    (record["eventID"].as_str().unwrap().to_owned(), record)
                })
                .collect()
        };
    let from_rows = events(&index, "*");
    let from_files = events(&files_index, query);
    assert_eq!(
        from_rows.keys().collect::<Vec<_>>(),
        from_files.keys().collect::<Vec<_>>()
    );
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    for (id, rebuilt) in &from_rows {
        let original = &from_files[id];
        for path in [
            "/eventName",
            "/eventTime",
            "/sourceIPAddress",
            "/userAgent",
            "/userIdentity/arn",
            "/userIdentity/sessionContext/sessionIssuer/userName",
            "/readOnly",
        ] {
            assert_eq!(
                text(rebuilt.pointer(path).unwrap_or(&Value::Null)),
                text(original.pointer(path).unwrap_or(&Value::Null)),
                "{id} {path}"
            );
        }
        assert_eq!(
            rebuilt["requestParameters"], original["requestParameters"],
            "{id}"
        );
    }
    // Pivots answer alike on both.
    for pivot in ["user:*", "eventName:CreateUser", "ip:0.0.0.0/0"] {
        assert_eq!(
            support::count(&index, pivot),
            support::count(&files_index, &format!("({query}) AND {pivot}")),
            "{pivot}"
        );
    }
}
