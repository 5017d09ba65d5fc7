//! The query language against a real on-disk index: every seed-article query returns what
//! Elasticsearch's query_string would on the same events, and the aliases, ranges and CIDR work.
mod support;

use std::collections::BTreeSet;

use support::query_fixture::fixture_records;
use trailhound::index::{SearchRequest, TimeBounds, TrailIndex};
use trailhound::ingest::{ingest_paths, IngestObserver};

struct Silent;
impl IngestObserver for Silent {}

struct Fixture {
    _dir: tempfile::TempDir,
    index: TrailIndex,
}

fn fixture() -> Fixture {
    fixture_of(&fixture_records())
}

/// An index of `records`, ingested from one JSON Lines file (`events.jsonl`).
fn fixture_of(records: &[serde_json::Value]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = records.iter().map(|r| format!("{r}\n")).collect();
    let file = support::write(&dir.path().join("events.jsonl"), lines.as_bytes());
    let index = TrailIndex::open_or_create(&dir.path().join("index")).unwrap();
    let summary = ingest_paths(&index, &[file], None, &mut Silent).unwrap();
    assert_eq!(summary.new as usize, records.len());
    Fixture { _dir: dir, index }
}

fn ids(fixture: &Fixture, query: &str) -> BTreeSet<String> {
    let searcher = fixture.index.searcher().unwrap();
    let request = SearchRequest {
        query: query.into(),
        limit: 1000,
        time: TimeBounds::default(),
        ..Default::default()
    };
    let (hits, _) = fixture
        .index
        .search(&searcher, &request)
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    hits.iter()
        .map(|hit| {
            serde_json::from_str::<serde_json::Value>(&hit.raw).unwrap()["eventID"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_seed_query_returns_what_elasticsearch_would() {
    let f = fixture();
    let cases: &[(&str, &[&str])] = &[
        ("userIdentity.type:Root AND NOT _exists_:userIdentity.invokedBy AND NOT eventType:AwsServiceEvent", &["root-login"]),
        ("eventSource:\\”s3.amazonaws.com\\” AND (eventName:PutBucketAcl OR eventName:PutBucketPolicy OR eventName:PutBucketCors OR eventName:PutBucketLifecycle OR eventName:PutBucketReplication)",
            &["bucket-policy", "bucket-acl-denied"]),
        ("eventName:ExportCertificate AND eventSource:”acm.amazonaws.com”", &["export-cert"]),
        // The real API is UpdateCertificateOptions: the article's query matches nothing, in Elasticsearch too.
        ("eventName:UpdateCertificate AND eventSource:”acm.amazonaws.com”", &[]),
        // The field is requestParameters.publiclyAccessible: a top-level field matches nothing.
        ("publiclyAccessible:true AND eventName:CreateDBInstance", &[]),
        ("requestParameters.publiclyAccessible:true AND eventName:CreateDBInstance", &["public-db"]),
        ("eventName.keyword:/(Create.*Distribution|Delete.*Distribution|Update.*Distribution)/", &["create-distribution", "update-distribution"]),
        ("eventName:AddUserToGroup AND requestParameters.groupName:/.*admin.*/", &["add-admin"]),
        ("eventName:AttachUserPolicy AND requestParameters.policyArn:AdministratorAccess", &["attach-admin"]),
        ("eventSource:”kms.amazonaws.com” AND (eventName:DisableKey OR eventName:ScheduleKeyDeletion)", &["disable-key"]),
        // `|` is no operator in query_string: these are single exact terms that match nothing.
        ("eventSource:”config.amazonaws.com” AND eventName.keyword:((Stop|Put)ConfigurationRecorder|((Delete|Put)DeliveryChannel))", &[]),
        ("eventName.keyword:(CreateTrail|UpdateTrail|DeleteTrail|StartLogging|StopLogging)", &[]),
        ("eventName.keyword:/(Delete|Put|Create|Attach|Detach)(Group|Role|User)?Policy(Version)?/", &["put-role-policy", "create-policy-version", "attach-admin", "attach-readonly"]),
        ("eventName:/(Authorize|Revoke|Create|Delete)SecurityGroup((In|E)gress)?/", &["sg-ingress"]),
        ("eventName.keyword:/(Create|Delete|Replace)NetworkAcl(Entry|Association)?/", &["acl-entry"]),
        ("eventName.keyword:/(Create|Delete|Attach|Detach)Gateway/", &["delete-gateway"]),
        ("eventName.keyword:/(Create|Delete|Replace|Disassociate)Route(Table)?(Association)?/", &["create-route", "replace-assoc"]),
        ("eventName.keyword:/(Create|Delete|Accept|Reject|Modify|Attach|Detach|Disable|Enable)(Vpc)?(ClassicLink)?(Vpc)?(Attribute|PeeringConnection)?/", &["vpc-peering", "vpc-attribute"]),
    ];
    for (query, expected) in cases {
        assert_eq!(ids(&f, query), set(expected), "query: {query}");
    }
}

#[test]
fn analysed_keyword_phrase_wildcard_and_exists() {
    let f = fixture();
    assert_eq!(
        ids(&f, "errorCode:accessdenied"),
        set(&["bucket-acl-denied"])
    );
    assert_eq!(ids(&f, "errorCode.keyword:accessdenied"), set(&[]));
    assert_eq!(
        ids(&f, "errorCode.keyword:AccessDenied"),
        set(&["bucket-acl-denied"])
    );
    assert_eq!(
        ids(&f, "errorMessage:\"access denied\""),
        set(&["bucket-acl-denied"])
    );
    // Positions are not indexed: a phrase needs all its words in the same field, in any order.
    assert_eq!(
        ids(&f, "errorMessage:\"denied access\""),
        set(&["bucket-acl-denied"])
    );
    assert_eq!(ids(&f, "errorMessage:\"access logs\""), set(&[]));
    assert_eq!(
        ids(
            &f,
            "requestParameters.policyArn:\"arn:aws:iam::aws:policy/AdministratorAccess\""
        ),
        set(&["attach-admin"])
    );
    assert_eq!(
        ids(&f, "eventName:PutBucket*"),
        set(&["bucket-policy", "bucket-acl-denied"])
    );
    assert_eq!(
        ids(&f, "eventName.keyword:Put?ucketAcl"),
        set(&["bucket-acl-denied"])
    );
    assert_eq!(ids(&f, "_exists_:errorCode"), set(&["bucket-acl-denied"]));
    assert_eq!(ids(&f, "errorCode:*"), set(&["bucket-acl-denied"]));
    assert_eq!(
        ids(
            &f,
            "_exists_:requestParameters AND eventName:AttachUserPolicy"
        ),
        set(&["attach-admin", "attach-readonly"])
    );
    assert_eq!(
        ids(&f, "mallory").len(),
        2,
        "a bare word searches every field"
    );
    assert_eq!(ids(&f, "*").len(), fixture_records().len());
    assert_eq!(ids(&f, "").len(), fixture_records().len());
    assert_eq!(
        ids(&f, "NOT eventSource:\"ec2.amazonaws.com\"").len(),
        fixture_records().len() - 9
    );
    // Unquoted, `ec2.amazonaws.com` analyses to `ec2` OR `amazonaws.com` (UAX #29 splits after a
    // digit), as in Elasticsearch, so the four s3.amazonaws.com events are excluded too.
    assert_eq!(
        ids(&f, "NOT eventSource:ec2.amazonaws.com").len(),
        fixture_records().len() - 9 - 4
    );
    assert_eq!(
        ids(
            &f,
            "eventName:addusertogroup AND requestParameters.groupName:admin~1"
        ),
        set(&["add-admin"])
    );
}

#[test]
fn time_ranges_and_cidr_blocks() {
    let f = fixture();
    assert_eq!(
        ids(
            &f,
            "eventTime:[2026-11-01T08:01:00Z TO 2026-11-01T08:05:00Z]"
        ),
        set(&["describe-from-doc-range"])
    );
    assert_eq!(
        ids(&f, "eventTime:>2026-11-01T08:30:00Z"),
        set(&["late-ipv6"])
    );
    assert_eq!(
        ids(&f, "eventTime:<2026-11-01T08:00:00Z"),
        set(&["service-host"])
    );
    assert_eq!(
        ids(&f, "eventTime:{* TO 2026-11-01T08:00:00Z}"),
        set(&["service-host"])
    );
    assert_eq!(
        ids(&f, "eventTime:2026-11-01").len(),
        fixture_records().len()
    );
    assert_eq!(ids(&f, "eventTime:2026-11-02").len(), 0);
    assert_eq!(
        ids(&f, "sourceIPAddress:203.0.113.0/24"),
        set(&["describe-from-doc-range"])
    );
    assert_eq!(
        ids(&f, "sourceIPAddress:203.0.113.77"),
        set(&["describe-from-doc-range"])
    );
    assert_eq!(ids(&f, "ip:\"2001:db8::/32\""), set(&["late-ipv6"]));
    assert_eq!(ids(&f, "ip:0.0.0.0/0").len(), fixture_records().len() - 2);
    assert_eq!(
        ids(&f, "sourceIPAddress:\"ec2.amazonaws.com\""),
        set(&["service-host"])
    );
}

#[test]
fn aliases_reach_the_fields_investigators_mean() {
    let f = fixture();
    assert_eq!(ids(&f, "user:Deploy"), set(&["describe-from-doc-range"]));
    assert_eq!(
        ids(&f, "user:\"arn:aws:iam::444455556666:role/Deploy\""),
        set(&["describe-from-doc-range"])
    );
    assert_eq!(ids(&f, "session:ci-42"), set(&["describe-from-doc-range"]));
    assert_eq!(ids(&f, "key:ASIADEPLOY"), set(&["describe-from-doc-range"]));
    assert_eq!(
        ids(&f, "account:444455556666"),
        set(&["describe-from-doc-range"])
    );
    assert_eq!(
        ids(&f, "region:eu-west-1"),
        set(&["describe-from-doc-range"])
    );
    assert_eq!(
        ids(&f, "ip:203.0.113.77"),
        set(&["describe-from-doc-range"])
    );
    assert_eq!(ids(&f, "event:StopLogging"), set(&["stop-logging"]));
    assert_eq!(ids(&f, "source:cloudtrail"), set(&["stop-logging"]));
    assert_eq!(ids(&f, "error:AccessDenied"), set(&["bucket-acl-denied"]));
    assert_eq!(
        ids(&f, "user:root AND eventName:ConsoleLogin"),
        set(&["root-login"])
    );
    let alice = ids(&f, "user:alice");
    assert!(
        alice.contains("attach-admin")
            && !alice.contains("root-login")
            && !alice.contains("describe-from-doc-range")
    );
}

#[test]
fn malformed_queries_get_one_line_errors_not_panics() {
    let f = fixture();
    let searcher = f.index.searcher().unwrap();
    for bad in [
        "eventName:(",
        "\"unterminated",
        "a AND",
        "/unterminated",
        "eventTime:[a TO",
        "eventTime:[yesterday TO now]",
        "ip:10.0.0.0/99",
        "eventName:/(unclosed/",
    ] {
        let request = SearchRequest {
            query: bad.into(),
            limit: 10,
            ..Default::default()
        };
        let error = f
            .index
            .search(&searcher, &request)
            .err()
            .unwrap_or_else(|| panic!("{bad} should fail"))
            .to_string();
        let first_line = error.lines().next().unwrap();
        assert!(
            !first_line.is_empty() && first_line.len() < 200,
            "{bad}: {error}"
        );
    }
}

#[test]
fn many_event_ids_are_looked_up_together_with_the_same_meaning() {
    let f = fixture();
    let every = ids(&f, "*");
    assert_eq!(
        ids(
            &f,
            "eventID:(root-login \"bucket-policy\" export-cert no-such-id)"
        ),
        set(&["root-login", "bucket-policy", "export-cert"])
    );
    assert_eq!(
        ids(
            &f,
            "eventID:root-login OR eventName:ExportCertificate OR eventID:public-db"
        ),
        set(&["root-login", "export-cert", "public-db"])
    );
    assert_eq!(
        ids(
            &f,
            "eventID:(root-login bucket-policy) AND eventName:ConsoleLogin"
        ),
        set(&["root-login"])
    );
    let mut rest = every.clone();
    rest.remove("root-login");
    rest.remove("bucket-policy");
    assert_eq!(
        ids(&f, "* AND NOT eventID:(root-login bucket-policy)"),
        rest
    );
}

fn warnings(fixture: &Fixture, query: &str) -> Vec<String> {
    fixture
        .index
        .prepare_query(query, TimeBounds::default())
        .unwrap_or_else(|e| panic!("{query}: {e}"))
        .warnings
}

#[test]
fn lower_case_operators_are_words_and_the_warning_points_at_them() {
    let f = fixture();
    // What users paste from other tools: Lucene reads `and` as a word (default operator OR).
    let pasted = "eventName:ConsoleLogin and sourceIPAddress:198.51.100.10";
    assert!(ids(&f, pasted).len() > 1, "ORed, as Lucene does");
    let notes = warnings(&f, pasted);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("`and` at column 24") && n.contains("write AND")),
        "{notes:?}"
    );
    for (query, word) in [("a or b", "`or`"), ("x not y", "`not`"), ("x Or y", "`Or`")] {
        let notes = warnings(&f, query);
        assert!(notes.iter().any(|n| n.contains(word)), "{query}: {notes:?}");
    }
    assert!(warnings(&f, "a AND b OR NOT c").is_empty());
    assert!(warnings(&f, "\"and\"").is_empty(), "a quoted word is meant");
    assert!(
        warnings(&f, "eventName:and").is_empty(),
        "a field's value is meant"
    );
}

#[test]
fn splunk_and_kibana_habits_get_a_hint() {
    let f = fixture();
    let notes = warnings(&f, "eventName=ConsoleLogin");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("write eventName:ConsoleLogin")),
        "{notes:?}"
    );
    let notes = warnings(&f, "@timestamp:>now-1h");
    assert!(notes.iter().any(|n| n.contains("eventTime")), "{notes:?}");
    assert!(warnings(&f, "requestParameters.policyDocument:*").is_empty());
}

/// Presence is read from the whole-value terms, except where a value has none (objects, the
/// time, ids, secrets, values too long to keep whole): every kind must answer `_exists_` as
/// Elasticsearch does (an empty string is a value, null and `{}` are not).
#[test]
fn exists_finds_every_kind_of_value() {
    use serde_json::json;
    let records = [
        support::record(
            "long",
            "A",
            "s3.amazonaws.com",
            json!({"errorMessage": "x".repeat(300)}),
        ),
        support::record(
            "empty",
            "A",
            "s3.amazonaws.com",
            json!({"errorMessage": "", "additionalEventData": {"reason": ""}}),
        ),
        support::record(
            "null",
            "A",
            "s3.amazonaws.com",
            json!({"errorMessage": null}),
        ),
        support::record(
            "object",
            "A",
            "s3.amazonaws.com",
            json!({"requestParameters": {"bucketName": "b"}}),
        ),
        support::record(
            "empty-object",
            "A",
            "s3.amazonaws.com",
            json!({"requestParameters": {}}),
        ),
        support::record(
            "token",
            "A",
            "sts.amazonaws.com",
            json!({"responseElements": {"credentials": {"sessionToken": "IQoJsecret"}}}),
        ),
        support::record(
            "ids",
            "A",
            "s3.amazonaws.com",
            json!({"requestID": "r-1", "sharedEventID": "s-1"}),
        ),
        support::record(
            "array",
            "A",
            "s3.amazonaws.com",
            json!({"requestParameters": {"tags": ["a", "b"]}, "resources": [{"ARN": "arn:aws:s3:::b"}]}),
        ),
    ];
    let f = fixture_of(&records);
    let all: Vec<&str> = vec![
        "long",
        "empty",
        "null",
        "object",
        "empty-object",
        "token",
        "ids",
        "array",
    ];
    for (query, expected) in [
        // An empty error is no error (exports write one for every event); another empty value is one.
        ("_exists_:errorMessage", vec!["long"]),
        ("errorMessage:*", vec!["long"]),
        ("_exists_:additionalEventData.reason", vec!["empty"]),
        ("_exists_:requestParameters", vec!["object", "array"]),
        ("_exists_:requestParameters.bucketName", vec!["object"]),
        ("_exists_:requestParameters.tags", vec!["array"]),
        ("_exists_:resources.ARN", vec!["array"]),
        (
            "_exists_:responseElements.credentials.sessionToken",
            vec!["token"],
        ),
        ("_exists_:requestID", vec!["ids"]),
        ("_exists_:sharedEventID", vec!["ids"]),
        ("_exists_:eventTime", all.clone()),
        ("_exists_:eventID", all.clone()),
        // A path's beginning is not the path.
        ("_exists_:errorMessag", vec![]),
        ("_exists_:requestParameters.bucket", vec![]),
        ("_exists_:requestParam", vec![]),
    ] {
        assert_eq!(ids(&f, query), set(&expected), "{query}");
    }
    let searcher = f.index.searcher().unwrap();
    let missing = f.index.missing_paths(
        &searcher,
        &[
            "bucketName".to_owned(),
            "sessionToken".to_owned(),
            "errorMessage".to_owned(),
        ],
    );
    assert_eq!(
        missing,
        [
            (
                "bucketName".to_owned(),
                vec!["requestParameters.bucketName".to_owned()]
            ),
            (
                "sessionToken".to_owned(),
                vec!["responseElements.credentials.sessionToken".to_owned()]
            ),
        ]
    );
}

/// The words of values that repeat (user agents, API names, principals, files) are read from
/// their whole values at query time; every query form must find them as it finds any other word,
/// and a value too long to keep whole must still be found word by word.
#[test]
fn words_of_repeated_values_answer_every_query_form() {
    use serde_json::json;
    let long_agent = format!("Boto3/1.34 {} kaliagent", "padding ".repeat(40));
    let records = [
        support::record(
            "boto",
            "DescribeInstances",
            "ec2.amazonaws.com",
            json!({"userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 lang/python#3.12"}),
        ),
        support::record(
            "console",
            "ListBuckets",
            "s3.amazonaws.com",
            json!({"userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}),
        ),
        support::record(
            "long-agent",
            "GetCallerIdentity",
            "sts.amazonaws.com",
            json!({"userAgent": long_agent}),
        ),
        support::record(
            "role",
            "PutObject",
            "s3.amazonaws.com",
            json!({"userIdentity": {
                "type": "AssumedRole",
                "arn": "arn:aws:sts::111122223333:assumed-role/Deployer/build-42",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/Deployer"}}
            }}),
        ),
    ];
    let f = fixture_of(&records);
    for (query, expected) in [
        ("userAgent:firefox", vec!["console"]),
        ("userAgent:FIREFOX", vec!["console"]),
        ("userAgent:\"linux x86_64\"", vec!["console"]),
        ("userAgent:\"x86_64 nowhere\"", vec![]),
        ("userAgent:boto3*", vec!["boto", "long-agent"]),
        (
            "userAgent:/boto3|mozilla/",
            vec!["boto", "console", "long-agent"],
        ),
        ("userAgent:firefx~", vec!["console"]),
        ("userAgent:kaliagent", vec!["long-agent"]),
        ("userAgent:[kal TO kam]", vec!["long-agent"]),
        (
            "userAgent.keyword:\"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0\"",
            vec!["console"],
        ),
        ("userAgent:linux AND eventName:ListBuckets", vec!["console"]),
        ("eventName:describeinstances", vec!["boto"]),
        ("eventName:Describe*", vec!["boto"]),
        ("eventName:[get TO list]", vec!["long-agent"]),
        ("userIdentity.arn:deployer", vec!["role"]),
        ("userIdentity.arn:\"deployer build\"", vec!["role"]),
        ("user:Deployer", vec!["role"]),
        (
            "userIdentity.sessionContext.sessionIssuer.arn:\"role deployer\"",
            vec!["role"],
        ),
        (
            "userIdentity.sessionContext.sessionIssuer.arn:deploy*",
            vec!["role"],
        ),
        // Named by no field: these words stand only under paths whose words come from values.
        ("firefox", vec!["console"]),
        ("\"linux x86_64\"", vec!["console"]),
        ("kaliagent", vec!["long-agent"]),
        ("firef*", vec!["console"]),
        ("/describe.*/", vec!["boto"]),
        ("deployer", vec!["role"]),
        ("nowhere", vec![]),
        // Where events were read from is searched when named, not by a bare word.
        (
            "@file:\"events.jsonl\"",
            vec!["boto", "console", "long-agent", "role"],
        ),
        (
            "@file:events*",
            vec!["boto", "console", "long-agent", "role"],
        ),
        ("\"events.jsonl\"", vec![]),
    ] {
        assert_eq!(ids(&f, query), set(&expected), "{query}");
    }
}

#[test]
fn a_wrong_case_field_is_answered_with_the_right_one() {
    let f = fixture();
    let searcher = f.index.searcher().unwrap();
    for (typed, meant) in [
        ("eventname", "eventName"),
        ("useridentity.type", "userIdentity.type"),
        ("SourceIPAddress", "sourceIPAddress"),
    ] {
        let missing = f.index.missing_paths(&searcher, &[typed.to_owned()]);
        assert_eq!(missing.len(), 1, "{typed}");
        assert_eq!(
            missing[0].1.first().map(String::as_str),
            Some(meant),
            "{typed}: {missing:?}"
        );
    }
    // Suffixes in another case are found too.
    let missing = f
        .index
        .missing_paths(&searcher, &["PubliclyAccessible".to_owned()]);
    assert!(
        missing[0]
            .1
            .contains(&"requestParameters.publiclyAccessible".to_owned()),
        "{missing:?}"
    );
}

#[test]
fn a_bad_regular_expression_is_one_line_about_the_users_pattern() {
    let f = fixture();
    let searcher = f.index.searcher().unwrap();
    for bad in [
        "eventName:/Delete[/",
        "eventName.keyword:/(Create/",
        "/a{2,1}/",
    ] {
        let request = SearchRequest {
            query: bad.into(),
            limit: 10,
            ..Default::default()
        };
        let error = f
            .index
            .search(&searcher, &request)
            .err()
            .unwrap_or_else(|| panic!("{bad} should fail"))
            .to_string();
        let first = error.lines().next().unwrap();
        assert!(first.starts_with("invalid regular expression /"), "{error}");
        assert!(!error.contains("\\x00"), "no index internals: {error}");
        assert!(!error.contains("(?:"), "no index internals: {error}");
        assert!(!error.contains("regex parse error"), "{error}");
        assert_eq!(error.lines().count(), 3, "message, query, caret: {error}");
    }
}

#[test]
fn a_chain_is_named_by_account_and_region_and_finds_the_events_of_its_files() {
    let f = fixture();
    // The fixture's one file is not a CloudTrail delivery: no chain holds its events.
    assert_eq!(ids(&f, "@chain:111122223333/us-east-1"), set(&[]));
    let searcher = f.index.searcher().unwrap();
    for bad in [
        "@chain:111122223333",
        "@chain:eu-west-1/111122223333",
        "@chain:/x/",
    ] {
        let request = SearchRequest {
            query: bad.into(),
            limit: 10,
            ..Default::default()
        };
        let error = f.index.search(&searcher, &request).unwrap_err().to_string();
        assert!(error.contains("@chain is ACCOUNT/REGION"), "{bad}: {error}");
    }
}
