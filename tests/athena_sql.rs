//! The Athena SQL means what the local index means: every query is answered by `search` over a
//! real on-disk index and by its translation run in DuckDB (transpiled from Trino with sqlglot)
//! over a table with Athena's CloudTrail column shapes built from the same records. Both must
//! name the same events; a construct without an exact translation must be an error naming it.
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use support::query_fixture::fixture_records;
use support::{python, shared_data, trailhound};
use trailhound::athena::{statement, translate_at, Scope, Select};
use trailhound::index::{SearchRequest, TimeBounds, TrailIndex};
use trailhound::ingest::{ingest_paths, IngestObserver};

struct Silent;
impl IngestObserver for Silent {}

/// Why DuckDB cannot run here: only a missing Python skips, loudly.
fn python_missing() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("SKIPPING the Athena SQL meaning tests: python3 is not installed");
    }
    !ok
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

struct Corpus {
    _dir: tempfile::TempDir,
    records: PathBuf,
    index: TrailIndex,
}

fn corpus(records: &[Value]) -> Corpus {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    let file = support::write(&dir.path().join("events.jsonl"), lines.as_bytes());
    let index = TrailIndex::open_or_create(&dir.path().join("index")).unwrap();
    ingest_paths(&index, std::slice::from_ref(&file), None, &mut Silent).unwrap();
    Corpus {
        _dir: dir,
        records: file,
        index,
    }
}

fn local_ids(corpus: &Corpus, query: &str, time: TimeBounds) -> BTreeSet<String> {
    let searcher = corpus.index.searcher().unwrap();
    let request = SearchRequest {
        query: query.into(),
        limit: 1_000_000,
        time,
        ..Default::default()
    };
    let (hits, _) = corpus
        .index
        .search(&searcher, &request)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    hits.iter()
        .map(|hit| {
            serde_json::from_str::<Value>(&hit.raw).unwrap()["eventID"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Compares every query's answers; returns the queries that were refused, with the reason.
fn assert_same_meaning(
    corpus: &Corpus,
    queries: &[&str],
    scope: &Scope,
    time: TimeBounds,
) -> BTreeMap<String, String> {
    let mut statements = BTreeMap::new();
    let mut refused = BTreeMap::new();
    for query in queries {
        match translate_at(query, now()) {
            Ok(translation) => {
                let sql = statement(
                    "cloudtrail_logs",
                    scope,
                    &translation.condition,
                    Select::Rows,
                    now(),
                );
                statements.insert(query.to_string(), sql);
            }
            Err(error) => {
                refused.insert(query.to_string(), error.message);
            }
        }
    }
    let answers = support::duckdb::run(&corpus.records, &statements, false);
    let mut wrong = Vec::new();
    for (query, sql) in &statements {
        let answer = &answers[query];
        let Some(ids) = answer["ids"].as_array() else {
            wrong.push(format!(
                "{query}\n  DuckDB: {}\n  SQL: {sql}",
                answer["error"]
            ));
            continue;
        };
        let athena: BTreeSet<String> = ids.iter().map(|i| i.as_str().unwrap().to_owned()).collect();
        let local = local_ids(corpus, query, time);
        if athena != local {
            wrong.push(format!(
                "{query}\n  only local: {:?}\n  only SQL: {:?}",
                local.difference(&athena).collect::<Vec<_>>(),
                athena.difference(&local).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} queries mean something else in SQL:\n{}",
        wrong.len(),
        statements.len(),
        wrong.join("\n")
    );
    refused
}

const ALL_TIME: Scope = Scope {
    since: None,
    until: None,
    accounts: Vec::new(),
    regions: Vec::new(),
    all_time: true,
};

/// The seed articles' queries (tests/query_language.rs) and every construct of the language.
const QUERIES: &[&str] = &[
    "userIdentity.type:Root AND NOT _exists_:userIdentity.invokedBy AND NOT eventType:AwsServiceEvent",
    "eventSource:\\”s3.amazonaws.com\\” AND (eventName:PutBucketAcl OR eventName:PutBucketPolicy OR eventName:PutBucketCors OR eventName:PutBucketLifecycle OR eventName:PutBucketReplication)",
    "eventName:ExportCertificate AND eventSource:”acm.amazonaws.com”",
    "eventName:UpdateCertificate AND eventSource:”acm.amazonaws.com”",
    "requestParameters.publiclyAccessible:true AND eventName:CreateDBInstance",
    "eventName.keyword:/(Create.*Distribution|Delete.*Distribution|Update.*Distribution)/",
    "eventName:AttachUserPolicy AND requestParameters.policyArn:AdministratorAccess",
    "eventSource:”kms.amazonaws.com” AND (eventName:DisableKey OR eventName:ScheduleKeyDeletion)",
    "eventSource:”config.amazonaws.com” AND eventName.keyword:((Stop|Put)ConfigurationRecorder|((Delete|Put)DeliveryChannel))",
    "eventName.keyword:(CreateTrail|UpdateTrail|DeleteTrail|StartLogging|StopLogging)",
    "eventName.keyword:/(Delete|Put|Create|Attach|Detach)(Group|Role|User)?Policy(Version)?/",
    "eventName.keyword:/(Create|Delete|Replace)NetworkAcl(Entry|Association)?/",
    "eventName.keyword:/(Create|Delete|Attach|Detach)Gateway/",
    "eventName.keyword:/(Create|Delete|Replace|Disassociate)Route(Table)?(Association)?/",
    "eventName.keyword:/(Create|Delete|Accept|Reject|Modify|Attach|Detach|Disable|Enable)(Vpc)?(ClassicLink)?(Vpc)?(Attribute|PeeringConnection)?/",
    // Analysed words, whole values, phrases, wildcards, presence.
    "errorCode:accessdenied",
    "errorCode.keyword:accessdenied",
    "errorCode.keyword:AccessDenied",
    "errorMessage:\"access denied\"",
    "errorMessage:\"denied access\"",
    "errorMessage:\"access logs\"",
    "requestParameters.policyArn:\"arn:aws:iam::aws:policy/AdministratorAccess\"",
    "eventName:PutBucket*",
    "eventName:*bucket*",
    "eventName:*Acl",
    "eventName.keyword:Put?ucketAcl",
    "eventName.keyword:*Bucket*",
    "_exists_:errorCode",
    "errorCode:*",
    "_exists_:requestParameters AND eventName:AttachUserPolicy",
    "_exists_:requestParameters.groupName",
    "NOT _exists_:userIdentity.sessionContext",
    "*",
    "",
    "NOT eventSource:\"ec2.amazonaws.com\"",
    "NOT eventSource:ec2.amazonaws.com",
    "eventName.keyword:[CreateA TO DeleteZ]",
    "eventName.keyword:{* TO Describe}",
    // Times and addresses.
    "eventTime:[2026-11-01T08:01:00Z TO 2026-11-01T08:05:00Z]",
    "eventTime:>2026-11-01T08:30:00Z",
    "eventTime:<2026-11-01T08:00:00Z",
    "eventTime:{* TO 2026-11-01T08:00:00Z}",
    "eventTime:2026-11-01",
    "eventTime:2026-11-02",
    "sourceIPAddress:203.0.113.0/24",
    "sourceIPAddress:203.0.113.77",
    "ip:0.0.0.0/0",
    "ip:[198.51.100.0 TO 203.0.113.100]",
    "sourceIPAddress:\"ec2.amazonaws.com\"",
    // Aliases.
    "user:Deploy",
    "user:\"arn:aws:iam::444455556666:role/Deploy\"",
    "session:ci-42",
    "key:ASIADEPLOY",
    "account:444455556666",
    "region:eu-west-1",
    "ip:203.0.113.77",
    "event:StopLogging",
    "source:cloudtrail",
    "error:AccessDenied",
    "user:root AND eventName:ConsoleLogin",
    "user:alice",
    // Boolean levels and nesting.
    "eventName:(CreateUser OR DeleteUser OR AttachUserPolicy)",
    "+eventName:AttachUserPolicy -requestParameters.policyArn:ReadOnlyAccess",
    "eventName:AttachUserPolicy OR (user:alice AND NOT _exists_:errorCode)",
    "NOT (eventSource:s3 OR eventSource:ec2)",
    "userIdentity.sessionContext.sessionIssuer.userName:Deploy",
    "resources.ARN:*",
    "eventID:root-login",
    "eventID:(root-login OR stop-logging)",
    "readOnly:false AND userAgent:aws",
];

/// Constructs that have no exact SQL equivalent, and must say so.
const REFUSED: &[&str] = &[
    "eventName:AddUserToGroup AND requestParameters.groupName:/.*admin.*/",
    "eventName:/(Authorize|Revoke|Create|Delete)SecurityGroup((In|E)gress)?/",
    "requestParameters.groupName:admin~1",
    "mallory",
    "ip:\"2001:db8::/32\"",
    "eventName:[a TO m]",
    "@file:x",
    "eventName:Put*Acl",
    "useridentity.type:Root",
];

#[test]
fn the_sql_means_what_the_index_means_on_every_construct() {
    if python_missing() {
        return;
    }
    let corpus = corpus(&fixture_records());
    let refused = assert_same_meaning(&corpus, QUERIES, &ALL_TIME, TimeBounds::default());
    assert!(
        refused.is_empty(),
        "translatable queries were refused: {refused:#?}"
    );
    let refused = assert_same_meaning(&corpus, REFUSED, &ALL_TIME, TimeBounds::default());
    for query in REFUSED {
        let reason = refused
            .get(*query)
            .unwrap_or_else(|| panic!("`{query}` has no exact translation but was translated"));
        assert!(reason.contains("column"), "{query}: {reason}");
    }
    assert!(refused["useridentity.type:Root"].contains("`userIdentity`"));
    assert!(refused["mallory"].contains("name the field"));
}

#[test]
fn the_window_and_partitions_bound_the_answer_as_the_local_time_bounds_do() {
    if python_missing() {
        return;
    }
    let corpus = corpus(&fixture_records());
    let since = DateTime::parse_from_rfc3339("2026-11-01T08:01:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let until = DateTime::parse_from_rfc3339("2026-11-01T08:30:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let scope = Scope {
        since: Some(since),
        until: Some(until),
        ..ALL_TIME
    };
    let scope = Scope {
        all_time: false,
        ..scope
    };
    let time = TimeBounds {
        since: Some(since),
        until: Some(until),
    };
    assert_same_meaning(
        &corpus,
        &["*", "user:alice", "NOT eventSource:s3"],
        &scope,
        time,
    );
}

/// Queries over a real account's trail (not made by us): the fields investigators pivot on, with
/// values taken from the data itself.
#[test]
fn the_sql_means_what_the_index_means_on_a_real_accounts_trail() {
    if python_missing() {
        return;
    }
    let Some(folder) = shared_data("invictus-aws-dataset/CloudTrail") else {
        return;
    };
    let records = read_records(&folder, |file| file["Records"].clone());
    assert!(records.len() > 2_000);
    pivots_mean_the_same(&records);
}

/// The attack detonations (anonymised accounts and regions, one technique per file).
#[test]
fn the_sql_means_what_the_index_means_on_attack_detonations() {
    if python_missing() {
        return;
    }
    let Some(folder) = shared_data("stratus-detonation-logs") else {
        return;
    };
    let records = read_records(&folder, |file| file);
    assert!(records.len() > 300);
    pivots_mean_the_same(&records);
}

fn read_records(folder: &Path, records_of: impl Fn(Value) -> Value) -> Vec<Value> {
    let mut records = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        records.extend(records_of(file).as_array().unwrap().iter().cloned());
    }
    records
}

fn pivots_mean_the_same(records: &[Value]) {
    let corpus = corpus(records);
    let mut queries: Vec<String> = [
        "userIdentity.type:AssumedRole",
        "userIdentity.type:IAMUser AND NOT readOnly:true",
        "_exists_:errorCode",
        "errorCode:AccessDenied OR errorCode:*NotFound*",
        "eventSource:s3.amazonaws.com",
        "eventSource:\"s3.amazonaws.com\"",
        "userAgent:stratus*",
        "userAgent:boto3",
        "userAgent:console",
        "eventName:Describe* AND NOT _exists_:errorCode",
        "_exists_:requestParameters.bucketName",
        "requestParameters.bucketName:*",
        "_exists_:resources",
        "resources.type:\"AWS::IAM::Role\"",
        "ip:10.0.0.0/8 OR ip:172.16.0.0/12",
        "NOT ip:0.0.0.0/0",
        "session:*",
        "additionalEventData.MFAUsed:No",
        "eventType:AwsServiceEvent",
        "tlsDetails.tlsVersion:\"TLSv1.3\"",
        "eventCategory:Management",
        "userIdentity.sessionContext.attributes.mfaAuthenticated:false",
    ]
    .iter()
    .map(|q| q.to_string())
    .collect();
    // The values investigators pivot on, as the data holds them.
    for field in [
        "eventName",
        "@principal",
        "sourceIPAddress",
        "userIdentity.accessKeyId",
    ] {
        let searcher = corpus.index.searcher().unwrap();
        let top = corpus
            .index
            .top_values(&searcher, field, None, 6)
            .unwrap_or_else(|e| panic!("top {field}: {e}"));
        for value in top {
            let alias = match field {
                "@principal" => "user",
                "sourceIPAddress" => "ip",
                "userIdentity.accessKeyId" => "key",
                other => other,
            };
            queries.push(format!("{alias}:\"{}\"", value.value.replace('"', "\\\"")));
        }
    }
    let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
    let refused = assert_same_meaning(&corpus, &queries, &ALL_TIME, TimeBounds::default());
    assert!(refused.is_empty(), "refused: {refused:#?}");
}

#[test]
fn the_cli_prints_bounded_sql_and_refuses_what_it_cannot_translate() {
    let dir = tempfile::tempdir().unwrap();
    let printed = trailhound(dir.path())
        .args([
            "athena",
            "sql",
            "eventName:StopLogging OR user:alice",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-03",
            "--account",
            "111122223333",
            "--region",
            "eu-west-1",
            "--files",
            "--table",
            "security.trail",
        ])
        .output()
        .unwrap();
    assert!(printed.status.success());
    let sql = String::from_utf8(printed.stdout).unwrap();
    assert!(
        sql.starts_with(
            "SELECT DISTINCT \"$path\"\nFROM security.trail\nWHERE account IN ('111122223333')"
        ),
        "{sql}"
    );
    assert!(
        sql.contains("\"timestamp\" BETWEEN '2026/11/01' AND '2026/11/04'"),
        "{sql}"
    );
    assert!(sql.contains("eventtime <= '2026-11-03T23:59:59Z'"), "{sql}");

    let refused = trailhound(dir.path())
        .args(["athena", "sql", "eventName:Put*Acl"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let error = String::from_utf8(refused.stderr).unwrap();
    assert!(error.contains("eventName.keyword"), "{error}");
    assert!(refused.stdout.is_empty());

    let hostile = trailhound(dir.path())
        .args(["athena", "sql", "*", "--table", "x; DROP TABLE y"])
        .output()
        .unwrap();
    assert!(!hostile.status.success());
}

/// The DDL parses as Athena's SQL (its DDL is Hive's) and declares the layout's partitions and
/// location template, for a single account and for an organisation.
#[test]
fn the_ddl_parses_as_athena_sql_and_names_the_layouts_partitions() {
    if python_missing() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ddl = |args: &[&str]| -> String {
        let output = trailhound(dir.path())
            .args(["athena", "ddl"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let check = r#"
import json, sys, sqlglot
from sqlglot import exp
create = sqlglot.parse_one(sys.stdin.read(), read="athena")
assert isinstance(create, exp.Create), type(create)
props = {p.name: p.text("value") for p in create.find_all(exp.Property) if p.name}
partitions = [c.name for c in create.find(exp.PartitionedByProperty).find_all(exp.ColumnDef)]
columns = [c.name for c in create.this.expressions if isinstance(c, exp.ColumnDef)]
print(json.dumps({"props": props, "partitions": partitions, "columns": columns}))
"#;
    let parse = |sql: &str| -> Value {
        let output = python(
            &["-c", check],
            sql.as_bytes(),
            &format!("sqlglot on\n{sql}\n"),
        );
        serde_json::from_slice(&output).unwrap()
    };
    let single = parse(&ddl(&[
        "--bucket",
        "trail-bucket",
        "--account",
        "111122223333",
        "--table",
        "sec.trail",
    ]));
    assert_eq!(single["partitions"], json!(["region", "timestamp"]));
    assert_eq!(
        single["props"]["storage.location.template"],
        "s3://trail-bucket/AWSLogs/111122223333/CloudTrail/${region}/${timestamp}"
    );
    assert_eq!(single["props"]["projection.timestamp.format"], "yyyy/MM/dd");
    for column in [
        "useridentity",
        "eventtime",
        "requestparameters",
        "resources",
        "tlsdetails",
    ] {
        assert!(
            single["columns"]
                .as_array()
                .unwrap()
                .contains(&json!(column)),
            "{column}"
        );
    }
    let org = parse(&ddl(&[
        "--bucket",
        "s3://org-trail/prefix/AWSLogs",
        "--org",
        "o-abc123def4",
        "--region",
        "eu-west-1",
    ]));
    assert_eq!(org["partitions"], json!(["account", "region", "timestamp"]));
    assert_eq!(
        org["props"]["storage.location.template"],
        "s3://org-trail/prefix/AWSLogs/o-abc123def4/${account}/CloudTrail/${region}/${timestamp}"
    );
    assert_eq!(org["props"]["projection.account.type"], "injected");
    assert_eq!(org["props"]["projection.region.values"], "eu-west-1");

    let missing = trailhound(dir.path())
        .args(["athena", "ddl", "--bucket", "trail-bucket"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--account"));
}
