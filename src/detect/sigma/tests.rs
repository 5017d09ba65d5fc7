use std::time::Duration;

use serde_json::{json, Value};

use super::*;

/// A detection rule around `detection`, which is YAML for the keys under `detection:`.
fn rule(detection: &str) -> SigmaRule {
    let text = rule_text(detection);
    let mut rules =
        parse_rule_str(&text, "test.yml").unwrap_or_else(|error| panic!("{error}\n{text}"));
    assert_eq!(rules.len(), 1);
    rules.remove(0)
}

fn rule_text(detection: &str) -> String {
    let indented: String = detection
        .lines()
        .map(|line| format!("  {line}\n"))
        .collect();
    format!("title: Test\nid: 0f4a3c52-0000-4000-8000-000000000001\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n{indented}")
}

fn matches(detection: &str, record: Value) -> bool {
    rule(detection).matches(&record)
}

fn load_error(text: &str) -> RuleError {
    match parse_rule_str(text, "bad.yml") {
        Ok(rules) => panic!("expected an error, loaded {} rules", rules.len()),
        Err(error) => error,
    }
}

fn detection_error(detection: &str) -> RuleError {
    load_error(&rule_text(detection))
}

// ---- values ----

#[test]
fn values_compare_case_insensitively() {
    let detection = "sel:\n  additionalEventData.MFAUsed: 'No'\ncondition: sel";
    assert!(matches(
        detection,
        json!({"additionalEventData": {"MFAUsed": "NO"}})
    ));
    assert!(matches(
        detection,
        json!({"additionalEventData": {"MFAUsed": "no"}})
    ));
    assert!(!matches(
        detection,
        json!({"additionalEventData": {"MFAUsed": "Yes"}})
    ));
    assert!(!matches(
        detection,
        json!({"additionalEventData": {"MFAUsed": "Nope"}})
    ));
}

#[test]
fn non_ascii_values_compare_case_insensitively() {
    assert!(matches(
        "sel:\n  name: 'ÉTÉ'\ncondition: sel",
        json!({"name": "été"})
    ));
    assert!(matches(
        "sel:\n  name|contains: 'Ü'\ncondition: sel",
        json!({"name": "grün"})
    ));
}

#[test]
fn cased_modifier_compares_exactly() {
    let detection = "sel:\n  userAgent|cased|contains: 'Boto3'\ncondition: sel";
    assert!(matches(detection, json!({"userAgent": "x Boto3/1.2"})));
    assert!(!matches(detection, json!({"userAgent": "x boto3/1.2"})));
}

#[test]
fn booleans_and_numbers_compare_as_their_text() {
    let quoted = "sel:\n  responseElements.publiclyAccessible: 'true'\ncondition: sel";
    assert!(matches(
        quoted,
        json!({"responseElements": {"publiclyAccessible": true}})
    ));
    assert!(!matches(
        quoted,
        json!({"responseElements": {"publiclyAccessible": false}})
    ));
    let bare = "sel:\n  flag: true\ncondition: sel";
    assert!(matches(bare, json!({"flag": "True"})));
    assert!(matches(bare, json!({"flag": true})));
    let number = "sel:\n  port: 22\ncondition: sel";
    assert!(matches(number, json!({"port": 22})));
    assert!(matches(number, json!({"port": "22"})));
    assert!(!matches(number, json!({"port": 220})));
    assert!(matches(
        "sel:\n  port: '22'\ncondition: sel",
        json!({"port": 22})
    ));
}

#[test]
fn null_means_absent_or_json_null() {
    let detection = "sel:\n  errorCode: null\ncondition: sel";
    assert!(matches(detection, json!({"eventName": "X"})));
    assert!(matches(detection, json!({"errorCode": null})));
    assert!(!matches(detection, json!({"errorCode": "AccessDenied"})));
    assert!(!matches(detection, json!({"errorCode": ""})));
    let either = "sel:\n  errorCode:\n    - null\n    - Success\ncondition: sel";
    assert!(matches(either, json!({})));
    assert!(matches(either, json!({"errorCode": "success"})));
    assert!(!matches(either, json!({"errorCode": "Denied"})));
    let nested = "sel:\n  items.code: null\ncondition: sel";
    assert!(matches(
        nested,
        json!({"items": [{"code": null}, {"other": 1}]})
    ));
    assert!(!matches(
        nested,
        json!({"items": [{"code": null}, {"code": 3}]})
    ));
}

#[test]
fn exists_means_present_and_not_null() {
    let present = "sel:\n  errorCode|exists: true\ncondition: sel";
    assert!(matches(present, json!({"errorCode": "AccessDenied"})));
    assert!(matches(present, json!({"errorCode": {"a": 1}})));
    assert!(!matches(present, json!({"errorCode": null})));
    assert!(!matches(present, json!({})));
    let absent = "sel:\n  errorCode|exists: false\ncondition: sel";
    assert!(matches(absent, json!({})));
    assert!(!matches(absent, json!({"errorCode": "x"})));
    assert!(
        detection_error("sel:\n  errorCode|exists: maybe\ncondition: sel")
            .message
            .contains("true or false")
    );
}

// ---- wildcards and escapes ----

#[test]
fn wildcards_match_runs_and_single_characters() {
    let star = "sel:\n  eventName: 'UpdateFunctionConfiguration*'\ncondition: sel";
    assert!(matches(
        star,
        json!({"eventName": "UpdateFunctionConfiguration20150331v2"})
    ));
    assert!(matches(
        star,
        json!({"eventName": "UpdateFunctionConfiguration"})
    ));
    assert!(!matches(
        star,
        json!({"eventName": "GetFunctionConfiguration"})
    ));
    let middle = "sel:\n  eventName: 'Put*Policy'\ncondition: sel";
    assert!(matches(middle, json!({"eventName": "PutUserPolicy"})));
    assert!(matches(middle, json!({"eventName": "putrolepolicy"})));
    assert!(!matches(middle, json!({"eventName": "PutUserPolicyX"})));
    let question = "sel:\n  code: 'a?c'\ncondition: sel";
    assert!(matches(question, json!({"code": "abc"})));
    assert!(matches(question, json!({"code": "AXC"})));
    assert!(!matches(question, json!({"code": "ac"})));
    assert!(!matches(question, json!({"code": "abbc"})));
    let anything = "sel:\n  requestParameters.layers|contains: '*'\ncondition: sel";
    assert!(matches(
        anything,
        json!({"requestParameters": {"layers": ["arn:x"]}})
    ));
    assert!(!matches(
        anything,
        json!({"requestParameters": {"layers": []}})
    ));
    assert!(!matches(anything, json!({"requestParameters": {}})));
}

#[test]
fn escapes_make_wildcards_literal() {
    let star = r"sel:
  policy|contains: '\*'
condition: sel";
    assert!(matches(star, json!({"policy": "Action: *"})));
    assert!(!matches(star, json!({"policy": "Action: s3:Get"})));
    let question = r"sel:
  value: 'why\?'
condition: sel";
    assert!(matches(question, json!({"value": "why?"})));
    assert!(!matches(question, json!({"value": "whyX"})));
    // A backslash before an ordinary character is itself; a doubled one is one backslash.
    let path = r"sel:
  value: 'C:\Windows\'
condition: sel";
    assert!(matches(path, json!({"value": "c:\\windows\\"})));
    let doubled = r"sel:
  value: 'a\\*'
condition: sel";
    assert!(matches(doubled, json!({"value": "a\\anything"})));
    assert!(!matches(doubled, json!({"value": "a*"})));
}

// ---- modifiers ----

#[test]
fn contains_startswith_endswith() {
    let record = json!({"userAgent": "aws-cli/2.0 Python/3.8 stratus-red-team_1234"});
    assert!(matches(
        "sel:\n  userAgent|contains: 'STRATUS'\ncondition: sel",
        record.clone()
    ));
    assert!(matches(
        "sel:\n  userAgent|startswith: 'AWS-CLI/'\ncondition: sel",
        record.clone()
    ));
    assert!(matches(
        "sel:\n  userAgent|endswith: '_1234'\ncondition: sel",
        record.clone()
    ));
    assert!(!matches(
        "sel:\n  userAgent|startswith: 'python'\ncondition: sel",
        record.clone()
    ));
    assert!(!matches(
        "sel:\n  userAgent|endswith: 'aws'\ncondition: sel",
        record.clone()
    ));
    assert!(matches(
        "sel:\n  userAgent|contains: 'cli/*python'\ncondition: sel",
        record
    ));
}

#[test]
fn value_lists_are_or_and_all_makes_them_and() {
    let any = "sel:\n  eventName:\n    - StopLogging\n    - DeleteTrail\ncondition: sel";
    assert!(matches(any, json!({"eventName": "DeleteTrail"})));
    assert!(!matches(any, json!({"eventName": "CreateTrail"})));
    let all = "sel:\n  userAgent|contains|all:\n    - aws-cli\n    - stratus\ncondition: sel";
    assert!(matches(all, json!({"userAgent": "aws-cli/2 stratus"})));
    assert!(!matches(all, json!({"userAgent": "aws-cli/2"})));
    // Through an array, each value may be found in a different element.
    let tags = "sel:\n  tags|all:\n    - a\n    - b\ncondition: sel";
    assert!(matches(tags, json!({"tags": ["b", "a", "c"]})));
    assert!(!matches(tags, json!({"tags": ["a", "c"]})));
}

#[test]
fn regular_expressions_are_case_sensitive_unless_i() {
    let plain = "sel:\n  userName|re: '^admin-[0-9]+$'\ncondition: sel";
    assert!(matches(plain, json!({"userName": "admin-42"})));
    assert!(!matches(plain, json!({"userName": "ADMIN-42"})));
    let ignore_case = "sel:\n  userName|re|i: '^admin-[0-9]+$'\ncondition: sel";
    assert!(matches(ignore_case, json!({"userName": "ADMIN-42"})));
    let multi_line = "sel:\n  text|re|m: '^two$'\ncondition: sel";
    assert!(matches(multi_line, json!({"text": "one\ntwo\nthree"})));
    let dot_all = "sel:\n  text|re|s: 'one.two'\ncondition: sel";
    assert!(matches(dot_all, json!({"text": "one\ntwo"})));
    assert!(!matches(
        "sel:\n  text|re: 'one.two'\ncondition: sel",
        json!({"text": "one\ntwo"})
    ));
    let error = detection_error("sel:\n  userName|re: '(('\ncondition: sel");
    assert_eq!(error.field.as_deref(), Some("detection.sel.userName|re"));
    assert!(error.message.contains("regular expression"), "{error}");
}

#[test]
fn cidr_matches_addresses_in_networks() {
    let detection =
        "sel:\n  sourceIPAddress|cidr:\n    - 10.0.0.0/8\n    - '2001:db8::/32'\ncondition: sel";
    assert!(matches(
        detection,
        json!({"sourceIPAddress": "10.20.30.40"})
    ));
    assert!(matches(
        detection,
        json!({"sourceIPAddress": "2001:db8::1"})
    ));
    assert!(!matches(detection, json!({"sourceIPAddress": "11.0.0.1"})));
    assert!(!matches(
        detection,
        json!({"sourceIPAddress": "AWS Internal"})
    ));
    assert!(!matches(
        detection,
        json!({"sourceIPAddress": "ec2.amazonaws.com"})
    ));
    assert!(
        detection_error("sel:\n  ip|cidr: 10.0.0/33\ncondition: sel")
            .message
            .contains("network")
    );
}

#[test]
fn numeric_comparisons() {
    let record = json!({"count": 10, "text": "10", "name": "ten"});
    assert!(matches(
        "sel:\n  count|gt: 9\ncondition: sel",
        record.clone()
    ));
    assert!(!matches(
        "sel:\n  count|gt: 10\ncondition: sel",
        record.clone()
    ));
    assert!(matches(
        "sel:\n  count|gte: 10\ncondition: sel",
        record.clone()
    ));
    assert!(matches(
        "sel:\n  count|lt: 10.5\ncondition: sel",
        record.clone()
    ));
    assert!(!matches(
        "sel:\n  count|lt: 10\ncondition: sel",
        record.clone()
    ));
    assert!(matches(
        "sel:\n  count|lte: 10\ncondition: sel",
        record.clone()
    ));
    assert!(matches(
        "sel:\n  text|gt: 9\ncondition: sel",
        record.clone()
    ));
    assert!(!matches("sel:\n  name|gt: 0\ncondition: sel", record));
    assert!(detection_error("sel:\n  count|gt: many\ncondition: sel")
        .message
        .contains("not a number"));
}

#[test]
fn base64_modifiers() {
    // "whoami" encodes to d2hvYW1p.
    let plain = "sel:\n  data|base64: whoami\ncondition: sel";
    assert!(matches(plain, json!({"data": "d2hvYW1p"})));
    assert!(!matches(plain, json!({"data": "D2HVYW1P"})));
    let contained = "sel:\n  data|base64offset|contains: whoami\ncondition: sel";
    for prefix in ["", "a", "ab", "abc"] {
        let encoded = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{prefix}whoami /all"),
        );
        assert!(
            matches(contained, json!({ "data": encoded })),
            "offset {}",
            prefix.len()
        );
    }
    assert!(!matches(contained, json!({"data": "aGVsbG8gd29ybGQ="})));
}

#[test]
fn windash_accepts_each_dash() {
    let detection = "sel:\n  commandLine|windash|contains: ' -enc '\ncondition: sel";
    for command in [
        "ps -enc x",
        "ps /enc x",
        "ps \u{2013}enc x",
        "ps \u{2014}enc x",
        "ps \u{2015}enc x",
    ] {
        assert!(
            matches(detection, json!({ "commandLine": command })),
            "{command}"
        );
    }
    assert!(!matches(detection, json!({"commandLine": "ps +enc x"})));
}

#[test]
fn all_keeps_the_variants_of_one_value_together() {
    let dashes =
        "sel:\n  commandLine|windash|contains|all:\n    - ' -a '\n    - ' -b '\ncondition: sel";
    assert!(matches(dashes, json!({"commandLine": "x /a -b y"})));
    assert!(!matches(dashes, json!({"commandLine": "x /a y"})));
    let encoded =
        "sel:\n  data|base64offset|contains|all:\n    - whoami\n    - hostname\ncondition: sel";
    let both = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        "x whoami; hostname",
    );
    let one = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "x whoami");
    assert!(matches(encoded, json!({ "data": both })));
    assert!(!matches(encoded, json!({ "data": one })));
}

#[test]
fn fieldref_compares_two_fields() {
    let detection =
        "sel:\n  userIdentity.userName|fieldref: requestParameters.userName\ncondition: sel";
    let same =
        json!({"userIdentity": {"userName": "Alice"}, "requestParameters": {"userName": "alice"}});
    let other =
        json!({"userIdentity": {"userName": "alice"}, "requestParameters": {"userName": "bob"}});
    assert!(matches(detection, same));
    assert!(!matches(detection, other));
    assert!(!matches(
        detection,
        json!({"userIdentity": {"userName": "alice"}})
    ));
    let contains =
        "sel:\n  userIdentity.arn|fieldref|endswith: requestParameters.userName\ncondition: sel";
    let record = json!({"userIdentity": {"arn": "arn:aws:iam::1:user/alice"}, "requestParameters": {"userName": "alice"}});
    assert!(matches(contains, record));
}

#[test]
fn modifier_errors_name_the_field() {
    let error = detection_error("selection:\n  eventName|bogus: x\ncondition: selection");
    assert_eq!(error.origin, "bad.yml");
    assert_eq!(error.document, 1);
    assert_eq!(
        error.field.as_deref(),
        Some("detection.selection.eventName|bogus")
    );
    assert!(
        error.message.contains("unknown modifier 'bogus'"),
        "{error}"
    );
    for (key, expected) in [
        ("a|contains|startswith", "only one of"),
        ("a|i", "only valid after 're'"),
        ("a|re|contains", "cannot be combined"),
        ("a|cidr|gt", "cannot be combined"),
        ("a|expand", "not supported"),
        ("a||contains", "empty modifier"),
        ("a|contains|contains", "given twice"),
        ("|re", "keyword (field-less) items take no modifiers"),
    ] {
        let error = detection_error(&format!("sel:\n  '{key}': x\ncondition: sel"));
        assert!(error.message.contains(expected), "{key}: {error}");
    }
}

// ---- paths, arrays, objects ----

#[test]
fn paths_walk_arrays_with_any_element_semantics() {
    let detection = "sel:\n  requestParameters.ipPermissions.items.ipRanges.items.cidrIp: '0.0.0.0/0'\ncondition: sel";
    let open = json!({"requestParameters": {"ipPermissions": {"items": [
        {"ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}},
        {"ipRanges": {"items": [{"cidrIp": "192.168.0.0/16"}, {"cidrIp": "0.0.0.0/0"}]}}
    ]}}});
    let closed = json!({"requestParameters": {"ipPermissions": {"items": [
        {"ipRanges": {"items": [{"cidrIp": "10.0.0.0/8"}]}}
    ]}}});
    assert!(matches(detection, open));
    assert!(!matches(detection, closed));
    let leaf_array =
        "sel:\n  resources.ARN|endswith: ':policy/AdministratorAccess'\ncondition: sel";
    assert!(matches(
        leaf_array,
        json!({"resources": [{"ARN": "x"}, {"ARN": "arn:aws:iam::aws:policy/AdministratorAccess"}]})
    ));
    let strings = "sel:\n  values: b\ncondition: sel";
    assert!(matches(strings, json!({"values": ["a", ["b"]]})));
    let negated = "sel:\n  values: b\ncondition: not sel";
    assert!(!matches(negated, json!({"values": ["a", "b"]})));
    assert!(matches(negated, json!({"values": ["a", "c"]})));
}

/// A public statement bounded by a condition, beside a truly public one: a record-wide
/// `and not` would let the bounded one hide the other; `|each` reads one statement at a time.
const PUBLIC_STATEMENT: &str = "\
sel:
  policy.Statement|each:
    allow:
      Effect: Allow
    anyone:
      - Principal: '\\*'
      - Principal.AWS: '\\*'
    bounded:
      Condition|contains: '\"aws:PrincipalOrgID\"'
    owner_named:
      Principal.AWS|fieldref|contains: account
    condition: allow and (anyone or owner_named) and not bounded
condition: sel";

#[test]
fn each_evaluates_one_element_at_a_time() {
    let bounded = json!({"Effect": "Allow", "Principal": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}});
    let public = json!({"Effect": "Allow", "Principal": {"AWS": "*"}});
    let denied = json!({"Effect": "Deny", "Principal": "*"});
    let record =
        |statements: Value| json!({"account": "111122223333", "policy": {"Statement": statements}});
    assert!(!matches(PUBLIC_STATEMENT, record(json!([bounded.clone()]))));
    assert!(matches(
        PUBLIC_STATEMENT,
        record(json!([bounded.clone(), public.clone()]))
    ));
    assert!(
        matches(PUBLIC_STATEMENT, record(public.clone())),
        "a lone statement object"
    );
    assert!(!matches(PUBLIC_STATEMENT, record(json!([denied, bounded]))));
    // `Effect` of one statement and `Principal` of another do not make a match.
    assert!(!matches(
        PUBLIC_STATEMENT,
        record(
            json!([{"Effect": "Deny", "Principal": "*"}, {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}}])
        )
    ));
    // |fieldref inside names a field of the whole record.
    assert!(matches(
        PUBLIC_STATEMENT,
        record(
            json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}}])
        )
    ));
    assert!(!matches(
        PUBLIC_STATEMENT,
        json!({"policy": {"Statement": "not a document"}})
    ));
    assert!(!matches(PUBLIC_STATEMENT, json!({})));
}

#[test]
fn each_reads_json_documents_held_in_strings() {
    let policy = json!({"Statement": [{"Effect": "Allow", "Principal": "*"}]}).to_string();
    let detection = PUBLIC_STATEMENT.replace("policy.Statement|each", "policy|each");
    let nested = "sel:
  policy|each:
    inner:
      Statement|each:
        a:
          Effect: Allow
        b:
          Principal: '\\*'
        condition: a and b
    condition: inner
condition: sel";
    assert!(matches(nested, json!({"policy": policy})));
    let encoded = policy
        .replace('{', "%7B")
        .replace('}', "%7D")
        .replace('"', "%22");
    assert!(matches(nested, json!({"policy": encoded})));
    let twice = Value::String(policy.clone()).to_string();
    assert!(matches(nested, json!({"policy": twice})));
    assert!(!matches(nested, json!({"policy": "\"just text\""})));
    assert!(!matches(nested, json!({"policy": "{not json"})));
    assert!(!matches(nested, json!({"policy": "%7Bnot json"})));
    assert!(!matches(nested, json!({"policy": "é%7B"})));
    let statements = json!([{"Effect": "Allow", "Principal": "*"}]).to_string();
    assert!(
        matches(&detection, json!({"policy": statements})),
        "a JSON array: each item"
    );
    assert!(!matches(
        nested,
        json!({"policy": json!({"Statement": [{"Effect": "Allow", "Principal": "me"}]}).to_string()})
    ));
}

#[test]
fn each_errors_name_the_nested_field() {
    let error = detection_error(
        "sel:\n  a|each:\n    x:\n      b|bogus: 1\n    condition: x\ncondition: sel",
    );
    assert_eq!(
        error.field.as_deref(),
        Some("detection.sel.a|each.x.b|bogus"),
        "{error}"
    );
    let error = detection_error("sel:\n  a|each: 1\ncondition: sel");
    assert!(error.message.contains("each takes a mapping"), "{error}");
    let error = detection_error("sel:\n  a|each:\n    x:\n      b: 1\ncondition: sel");
    assert!(error.message.contains("missing"), "{error}");
    assert_eq!(
        error.field.as_deref(),
        Some("detection.sel.a|each.condition"),
        "{error}"
    );
}

#[test]
fn flattened_dotted_keys_are_found() {
    let detection = "sel:\n  userIdentity.type: Root\ncondition: sel";
    assert!(matches(detection, json!({"userIdentity.type": "Root"})));
    assert!(matches(
        detection,
        json!({"userIdentity": {"type": "Root"}})
    ));
}

#[test]
fn contains_on_an_object_searches_its_json() {
    let record =
        json!({"requestParameters": {"instanceId": "i-1", "userData": "<sensitiveDataRemoved>"}});
    assert!(matches(
        "sel:\n  requestParameters|contains: userData\ncondition: sel",
        record.clone()
    ));
    assert!(matches(
        "sel:\n  requestParameters|contains: '\"instanceId\":\"i-1\"'\ncondition: sel",
        record.clone()
    ));
    assert!(!matches(
        "sel:\n  requestParameters|contains: kernel\ncondition: sel",
        record
    ));
    let array_of_objects = json!({"requestParameters": {"items": [{"groupId": "all"}]}});
    assert!(matches(
        "sel:\n  requestParameters.items|contains: '\"groupId\":\"all\"'\ncondition: sel",
        array_of_objects
    ));
}

#[test]
fn keywords_search_every_string_value() {
    let detection = "keywords:\n  - stratus-red-team\n  - pacu\ncondition: keywords";
    assert!(matches(
        detection,
        json!({"userAgent": "Stratus-Red-Team_abc"})
    ));
    assert!(matches(detection, json!({"a": {"b": ["x", "PACU v1"]}})));
    assert!(!matches(
        detection,
        json!({"stratus-red-team": "key, not value"})
    ));
    assert!(!matches(detection, json!({"userAgent": "aws-cli"})));
    let single = "keyword: 'Boto3'\ncondition: keyword";
    assert!(matches(single, json!({"userAgent": "boto3/1.0"})));
    let all = "keywords:\n  '|all':\n    - aws-cli\n    - stratus\ncondition: keywords";
    assert!(matches(
        all,
        json!({"userAgent": "aws-cli", "x": ["stratus"]})
    ));
    assert!(!matches(all, json!({"userAgent": "aws-cli"})));
}

// ---- selections and conditions ----

#[test]
fn a_list_of_maps_is_any_of_them() {
    let detection = "sel:\n  - eventName: A\n    eventSource: s\n  - eventName: B\ncondition: sel";
    assert!(matches(
        detection,
        json!({"eventName": "A", "eventSource": "s"})
    ));
    assert!(!matches(
        detection,
        json!({"eventName": "A", "eventSource": "t"})
    ));
    assert!(matches(detection, json!({"eventName": "B"})));
}

#[test]
fn condition_precedence_not_and_or() {
    let detection = "a:\n  x: 1\nb:\n  y: 1\nc:\n  z: 1\ncondition: a or b and c";
    assert!(matches(detection, json!({"x": 1})));
    assert!(!matches(detection, json!({"y": 1})));
    assert!(matches(detection, json!({"y": 1, "z": 1})));
    let grouped = "a:\n  x: 1\nb:\n  y: 1\nc:\n  z: 1\ncondition: (a or b) and c";
    assert!(!matches(grouped, json!({"x": 1})));
    assert!(matches(grouped, json!({"x": 1, "z": 1})));
    let negated = "a:\n  x: 1\nb:\n  y: 1\ncondition: not a and b";
    assert!(matches(negated, json!({"y": 1})));
    assert!(!matches(negated, json!({"x": 1, "y": 1})));
    let double = "a:\n  x: 1\ncondition: not not a";
    assert!(matches(double, json!({"x": 1})));
    let upper = "a:\n  x: 1\nb:\n  y: 1\ncondition: a AND NOT b";
    assert!(matches(upper, json!({"x": 1})));
}

#[test]
fn quantifiers_over_patterns_and_them() {
    let base = "selection_event:\n  eventName: SendCommand\nselection_status_success:\n  errorCode: Success\nselection_status_null:\n  errorCode: null\n";
    let one_of = format!("{base}condition: selection_event and 1 of selection_status_*");
    assert!(matches(&one_of, json!({"eventName": "SendCommand"})));
    assert!(matches(
        &one_of,
        json!({"eventName": "SendCommand", "errorCode": "success"})
    ));
    assert!(!matches(
        &one_of,
        json!({"eventName": "SendCommand", "errorCode": "Denied"})
    ));
    let all_of = format!("{base}condition: all of selection_*");
    assert!(!matches(&all_of, json!({"eventName": "SendCommand"})));
    let two = "s1:\n  x: 1\ns2:\n  y: 1\n_helper:\n  z: 1\n";
    assert!(matches(
        &format!("{two}condition: 1 of them"),
        json!({"y": 1})
    ));
    assert!(!matches(
        &format!("{two}condition: 1 of them"),
        json!({"z": 1})
    ));
    assert!(matches(
        &format!("{two}condition: all of them"),
        json!({"x": 1, "y": 1})
    ));
    assert!(!matches(
        &format!("{two}condition: all of them"),
        json!({"x": 1})
    ));
    assert!(matches(
        &format!("{two}condition: all of s* and not 1 of _*"),
        json!({"x": 1, "y": 1})
    ));
    assert!(matches(
        &format!("{two}condition: 1 of *2"),
        json!({"y": 1})
    ));
    let filter = "selection:\n  eventName: X\nfilter_main_a:\n  user: a\nfilter_main_b:\n  user: b\ncondition: selection and not 1 of filter_main_*";
    assert!(matches(filter, json!({"eventName": "X", "user": "c"})));
    assert!(!matches(filter, json!({"eventName": "X", "user": "B"})));
}

#[test]
fn condition_list_means_any() {
    let detection = "a:\n  x: 1\nb:\n  y: 1\ncondition:\n  - a\n  - b";
    assert!(matches(detection, json!({"y": 1})));
    assert!(!matches(detection, json!({"z": 1})));
}

#[test]
fn condition_errors() {
    for (condition, expected) in [
        ("sel and other", "unknown selection 'other'"),
        ("sel and (sel", "missing ')'"),
        ("sel)", "unexpected ')'"),
        ("1 of nothing*", "matches no selection"),
        ("2 of sel*", "'2 of' is not supported"),
        ("sel | count() > 5", "use a correlation rule"),
        ("sel and", "ends where a selection was expected"),
        ("sel sel", "after a complete condition"),
        ("and sel", "expected a selection"),
    ] {
        let error = detection_error(&format!("sel:\n  x: 1\ncondition: '{condition}'"));
        assert_eq!(error.field.as_deref(), Some("detection.condition"));
        assert!(error.message.contains(expected), "{condition}: {error}");
    }
    let missing = detection_error("sel:\n  x: 1");
    assert_eq!(missing.field.as_deref(), Some("detection.condition"));
}

#[test]
fn cheap_selective_tests_run_first() {
    let rule = rule(
        "sel:\n  requestParameters|contains: x\n  eventSource: s\n  eventName: n\ncondition: sel",
    );
    let RuleKind::Detection(detection) = &rule.kind else {
        panic!("expected a detection");
    };
    let order: Vec<&str> = detection.selections()[0].alternatives[0]
        .iter()
        .map(|test| match test {
            super::matcher::Test::AnyValue { path, .. }
            | super::matcher::Test::AllValues { path, .. }
            | super::matcher::Test::Exists { path, .. }
            | super::matcher::Test::Each { path, .. } => path.as_str(),
            super::matcher::Test::Keywords { .. } => "keywords",
        })
        .collect();
    assert_eq!(order, ["eventName", "eventSource", "requestParameters"]);
}

// ---- documents and metadata ----

#[test]
fn metadata_and_custom_keys() {
    let text = r#"
title: Root activity
id: 3a1f0000-0000-4000-8000-000000000002
status: test
description: Root did something
author: Someone
references:
  - https://example.com
tags:
  - attack.privilege_escalation
  - attack.t1078.004
level: high
falsepositives: Rare
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    userIdentity.type: Root
  condition: selection
date: 2024-01-01
trailhound:
  severity: critical
  kind: E
"#;
    let rules = parse_rule_str(text, "root.yml").unwrap();
    let rule = &rules[0];
    assert_eq!(rule.id, "3a1f0000-0000-4000-8000-000000000002");
    assert_eq!(rule.title, "Root activity");
    assert_eq!(rule.status.as_deref(), Some("test"));
    assert_eq!(rule.level.as_deref(), Some("high"));
    assert_eq!(
        rule.tags,
        ["attack.privilege_escalation", "attack.t1078.004"]
    );
    assert_eq!(rule.description.as_deref(), Some("Root did something"));
    assert_eq!(rule.author.as_deref(), Some("Someone"));
    assert_eq!(rule.references, ["https://example.com"]);
    assert_eq!(rule.falsepositives, ["Rare"]);
    assert_eq!(rule.logsource.product.as_deref(), Some("aws"));
    assert_eq!(rule.logsource.service.as_deref(), Some("cloudtrail"));
    assert_eq!(rule.origin, "root.yml");
    assert_eq!(rule.document, 1);
    assert_eq!(
        Value::Object(rule.custom.clone()),
        json!({"trailhound": {"severity": "critical", "kind": "E"}})
    );
    assert!(rule.matches(&json!({"userIdentity": {"type": "Root"}})));
    let names: Vec<&str> = match &rule.kind {
        RuleKind::Detection(detection) => detection.selection_names().collect(),
        RuleKind::Correlation(_) => Vec::new(),
    };
    assert_eq!(names, ["selection"]);
}

#[test]
fn id_falls_back_to_name() {
    let text = "title: T\nname: my_rule\ndetection:\n  sel:\n    x: 1\n  condition: sel\n";
    let rules = parse_rule_str(text, "n.yml").unwrap();
    assert_eq!(rules[0].id, "my_rule");
    assert!(rules[0].is_named("my_rule"));
    let error = load_error("title: T\ndetection:\n  sel:\n    x: 1\n  condition: sel\n");
    assert_eq!(error.field.as_deref(), Some("id"));
}

#[test]
fn document_errors_say_which_document() {
    let text = format!(
        "{}---\n{}",
        rule_text("sel:\n  x: 1\ncondition: sel"),
        rule_text("sel:\n  x|nope: 1\ncondition: sel")
    );
    let error = load_error(&text);
    assert_eq!(error.document, 2);
    assert_eq!(
        error.to_string(),
        "bad.yml, document 2, field 'detection.sel.x|nope': unknown modifier 'nope'"
    );
    let yaml = load_error("title: [unclosed\n");
    assert_eq!(yaml.document, 1);
    assert!(yaml.message.starts_with("invalid YAML"), "{yaml}");
    let duplicate = load_error(&rule_text("sel:\n  x: 1\n  x: 2\ncondition: sel"));
    assert!(duplicate.message.contains("duplicate"), "{duplicate}");
    assert_eq!(
        load_error("- a\n- b\n").message,
        "expected a mapping, found a list"
    );
    assert_eq!(
        load_error("id: x\ndetection: {}\n").field.as_deref(),
        Some("title")
    );
    assert!(load_error("title: T\nid: x\n").message.contains("missing"));
    assert!(load_error("action: global\ntitle: T\n")
        .message
        .contains("not supported"));
    assert!(detection_error("sel: []\ncondition: sel")
        .message
        .contains("empty"));
    assert!(detection_error("sel:\n  x:\n    y: 1\ncondition: sel")
        .message
        .contains("found a mapping"));
    assert!(detection_error("sel:\n  [a, b]: 1\ncondition: sel")
        .message
        .contains("item keys must be field names"));
    assert!(detection_error("sel:\n  - x: 1\n  - plain\ncondition: sel")
        .message
        .contains("mixes"));
    let missing_file = parse_rule_file(std::path::Path::new("/nonexistent/rule.yml")).unwrap_err();
    assert_eq!(missing_file.document, 0);
    assert!(missing_file
        .to_string()
        .starts_with("/nonexistent/rule.yml: cannot read"));
}

#[test]
fn empty_documents_are_skipped() {
    let text = format!("---\n{}---\n", rule_text("sel:\n  x: 1\ncondition: sel"));
    assert_eq!(parse_rule_str(&text, "e.yml").unwrap().len(), 1);
    assert!(parse_rule_str("", "e.yml").unwrap().is_empty());
}

// ---- correlations ----

const BRUTE_FORCE: &str = r#"
title: Failed console login
name: failed_console_login
id: 5b0d0000-0000-4000-8000-000000000003
logsource:
  product: aws
  service: cloudtrail
detection:
  selection:
    eventName: ConsoleLogin
    responseElements.ConsoleLogin: Failure
  condition: selection
---
title: Console brute force
id: 5b0d0000-0000-4000-8000-000000000004
level: medium
correlation:
  type: event_count
  rules:
    - failed_console_login
  group-by:
    - userIdentity.arn
  timespan: 15m
  condition:
    gte: 5
  generate: true
"#;

#[test]
fn correlation_rules_parse_with_their_base_rules() {
    let rules = parse_rule_str(BRUTE_FORCE, "brute.yml").unwrap();
    assert_eq!(rules.len(), 2);
    assert!(rules[0].matches(
        &json!({"eventName": "ConsoleLogin", "responseElements": {"ConsoleLogin": "Failure"}})
    ));
    let correlation_rule = &rules[1];
    assert_eq!(correlation_rule.document, 2);
    assert_eq!(correlation_rule.level.as_deref(), Some("medium"));
    assert!(!correlation_rule.matches(&json!({"eventName": "ConsoleLogin"})));
    let RuleKind::Correlation(correlation) = &correlation_rule.kind else {
        panic!("expected a correlation");
    };
    assert_eq!(correlation.kind, CorrelationKind::EventCount);
    assert_eq!(correlation.rules, ["failed_console_login"]);
    assert!(rules[0].is_named(&correlation.rules[0]));
    assert_eq!(correlation.group_by, ["userIdentity.arn"]);
    assert_eq!(correlation.timespan, Duration::from_secs(900));
    assert!(correlation.generate);
    let threshold = correlation.condition.as_ref().unwrap();
    assert_eq!(threshold.bounds, [(CompareOp::Gte, 5)]);
    assert!(threshold.holds(5));
    assert!(!threshold.holds(4));
}

#[test]
fn value_count_and_temporal_correlations() {
    let value_count = r#"
title: Spray
id: c1
correlation:
  type: value_count
  rules: failed_console_login
  group-by: [sourceIPAddress]
  timespan: 1h
  condition:
    field: userIdentity.arn
    gte: 5
    lt: 1000
"#;
    let rules = parse_rule_str(value_count, "v.yml").unwrap();
    let RuleKind::Correlation(correlation) = &rules[0].kind else {
        panic!("expected a correlation");
    };
    assert_eq!(correlation.kind, CorrelationKind::ValueCount);
    assert_eq!(correlation.rules, ["failed_console_login"]);
    assert_eq!(correlation.timespan, Duration::from_secs(3600));
    let threshold = correlation.condition.as_ref().unwrap();
    assert_eq!(threshold.field.as_deref(), Some("userIdentity.arn"));
    assert!(threshold.holds(5) && !threshold.holds(1000));

    let temporal = r#"
title: Create then admin
id: c2
correlation:
  type: temporal_ordered
  rules: [create_user, attach_admin]
  group-by: [requestParameters.userName]
  timespan: 1h
  aliases:
    target:
      create_user: requestParameters.userName
      attach_admin: requestParameters.userName
"#;
    let rules = parse_rule_str(temporal, "t.yml").unwrap();
    let RuleKind::Correlation(correlation) = &rules[0].kind else {
        panic!("expected a correlation");
    };
    assert_eq!(correlation.kind, CorrelationKind::TemporalOrdered);
    assert!(correlation.condition.is_none());
    assert!(!correlation.generate);
    assert_eq!(
        correlation.aliases["target"]["attach_admin"],
        "requestParameters.userName"
    );
}

#[test]
fn correlation_errors() {
    let base = "title: C\nid: c\ncorrelation:\n";
    for (body, field, expected) in [
        ("  type: value_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    gte: 2\n", "correlation.condition.field", "field"),
        ("  type: event_count\n  rules: [a]\n  timespan: 5m\n", "correlation.condition", "missing"),
        ("  type: event_count\n  rules: [a]\n  timespan: 5 minutes\n  condition:\n    gte: 2\n", "correlation.timespan", "unknown unit"),
        ("  type: value_sum\n  rules: [a]\n  timespan: 5m\n", "correlation.type", "unsupported"),
        ("  type: event_count\n  timespan: 5m\n  condition:\n    gte: 2\n", "correlation.rules", "missing"),
        ("  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    over: 2\n", "correlation.condition.over", "expected one of"),
        ("  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    gte: -1\n", "correlation.condition.gte", "whole number"),
        ("  type: event_count\n  rules: [a]\n  timespan: 5m\n  window: 3\n  condition:\n    gte: 2\n", "correlation.window", "unknown"),
    ] {
        let error = load_error(&format!("{base}{body}"));
        assert_eq!(error.field.as_deref(), Some(field), "{error}");
        assert!(error.message.contains(expected), "{error}");
    }
}

// ---- event-name prefilter ----

fn event_names(detection: &str) -> Option<Vec<String>> {
    match rule(detection).kind {
        RuleKind::Detection(detection) => detection
            .required_event_names()
            .map(|names| names.iter().cloned().collect()),
        RuleKind::Correlation(_) => None,
    }
}

#[test]
fn required_event_names_come_from_exact_event_name_values() {
    let names = |detection: &str| event_names(detection).map(|names| names.join(","));
    assert_eq!(
        names("sel:\n  eventName: StopLogging\ncondition: sel").as_deref(),
        Some("stoplogging")
    );
    assert_eq!(
        names("sel:\n  eventSource: x\n  eventName:\n    - B\n    - A\nfilter:\n  user: u\ncondition: sel and not filter").as_deref(),
        Some("a,b")
    );
    assert_eq!(
        names("selection_a:\n  eventName: A\nselection_b:\n  eventName: B\ncondition: 1 of selection_*").as_deref(),
        Some("a,b")
    );
    assert_eq!(
        names("a:\n  eventName: [A, B]\nb:\n  eventName: [B, C]\ncondition: a and b").as_deref(),
        Some("b")
    );
    assert_eq!(
        names("sel:\n  eventName|startswith: Update\ncondition: sel"),
        None
    );
    assert_eq!(names("sel:\n  eventName: 'Put*'\ncondition: sel"), None);
    assert_eq!(names("sel:\n  eventName: [A, null]\ncondition: sel"), None);
    assert_eq!(
        names("a:\n  eventName: A\nb:\n  user: u\ncondition: a or b"),
        None
    );
    assert_eq!(
        names("sel:\n  - eventName: A\n  - user: u\ncondition: sel"),
        None
    );
    assert_eq!(names("sel:\n  eventName: A\ncondition: not sel"), None);
}
