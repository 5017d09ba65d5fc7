//! End-to-end tests of `parse`: whole queries in, syntax trees or errors out.

use std::ops::{Bound, Range};

use super::*;

fn parsed(input: &str) -> Query {
    match parse(input) {
        Ok(query) => query,
        Err(error) => panic!(
            "{input:?} should parse but failed: {error}\n{}",
            caret_line(input, &error)
        ),
    }
}

fn failure(input: &str) -> QueryError {
    match parse(input) {
        Ok(query) => panic!("{input:?} should fail but parsed as {query:?}"),
        Err(error) => error,
    }
}

fn span_of(input: &str, needle: &str) -> Range<usize> {
    let start = input
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not in {input:?}"));
    start..start + needle.len()
}

/// A leaf whose span is the (first) occurrence of `spanned` in `input`.
fn leaf_at(input: &str, spanned: &str, field: Option<&str>, term: Term) -> Query {
    Query::Leaf(Leaf {
        field: field.map(str::to_string),
        term,
        span: span_of(input, spanned),
    })
}

/// A leaf for comparisons that ignore spans (see `without_spans`).
fn leaf(field: Option<&str>, term: Term) -> Query {
    Query::Leaf(Leaf {
        field: field.map(str::to_string),
        term,
        span: 0..0,
    })
}

fn word(text: &str) -> Term {
    Term::Word(text.to_string())
}

fn regex(pattern: &str) -> Term {
    Term::Regex(pattern.to_string())
}

fn phrase(text: &str, slop: u32) -> Term {
    Term::Phrase {
        text: text.to_string(),
        slop,
    }
}

fn literal(text: &str) -> WildPart {
    WildPart::Literal(text.to_string())
}

fn range(lower: Bound<&str>, upper: Bound<&str>) -> Term {
    Term::Range {
        lower: lower.map(str::to_string),
        upper: upper.map(str::to_string),
    }
}

fn must(query: Query) -> Clause {
    Clause {
        occur: Occur::Must,
        query,
    }
}

fn should(query: Query) -> Clause {
    Clause {
        occur: Occur::Should,
        query,
    }
}

fn must_not(query: Query) -> Clause {
    Clause {
        occur: Occur::MustNot,
        query,
    }
}

fn without_spans(query: Query) -> Query {
    match query {
        Query::MatchAll => Query::MatchAll,
        Query::Bool(clauses) => Query::Bool(
            clauses
                .into_iter()
                .map(|clause| Clause {
                    occur: clause.occur,
                    query: without_spans(clause.query),
                })
                .collect(),
        ),
        Query::Leaf(leaf) => Query::Leaf(Leaf { span: 0..0, ..leaf }),
    }
}

fn shape(input: &str) -> Query {
    without_spans(parsed(input))
}

/// The occur of each clause of a top-level boolean query.
fn occurs(input: &str) -> Vec<Occur> {
    match parsed(input) {
        Query::Bool(clauses) => clauses.iter().map(|clause| clause.occur).collect(),
        other => panic!("{input:?} is not a boolean query: {other:?}"),
    }
}

/// Structural promises every successful parse keeps.
fn check_invariants(input: &str, query: &Query) {
    match query {
        Query::MatchAll => {}
        Query::Bool(clauses) => {
            assert!(!clauses.is_empty(), "empty Bool from {input:?}");
            for clause in clauses {
                check_invariants(input, &clause.query);
            }
        }
        Query::Leaf(leaf) => {
            let span = &leaf.span;
            assert!(
                span.start < span.end && span.end <= input.len(),
                "bad span {span:?} in {input:?}"
            );
            assert!(input.is_char_boundary(span.start) && input.is_char_boundary(span.end));
            assert!(leaf.field.as_ref().is_none_or(|field| !field.is_empty()));
        }
    }
}

fn check_error(input: &str, error: &QueryError) {
    assert!(
        error.offset <= input.len(),
        "offset past the end for {input:?}"
    );
    assert!(
        input.is_char_boundary(error.offset),
        "offset mid-character for {input:?}"
    );
    assert!(error.message.contains(" at column "), "{:?}", error.message);
    assert!(
        !error.message.chars().any(char::is_control),
        "raw control character in {:?}",
        error.message
    );
    let display = caret_line(input, error);
    assert_eq!(display.lines().count(), 2, "{display:?}");
    assert!(display.ends_with('^'));
}

// ---------------------------------------------------------------------------
// The detection-rule queries users paste from their SIEM.

const SIEM_QUERIES: &[&str] = &[
    "userIdentity.type:Root AND NOT _exists_:userIdentity.invokedBy AND NOT eventType:AwsServiceEvent",
    "eventSource:\\”s3.amazonaws.com\\” AND (eventName:PutBucketAcl OR eventName:PutBucketPolicy OR eventName:PutBucketCors OR eventName:PutBucketLifecycle OR eventName:PutBucketReplication)",
    "eventName:ExportCertificate AND eventSource:”acm.amazonaws.com”",
    "eventName:UpdateCertificate AND eventSource:”acm.amazonaws.com”",
    "publiclyAccessible:true AND eventName:CreateDBInstance",
    "eventName.keyword:/(Create.*Distribution|Delete.*Distribution|Update.*Distribution)/",
    "eventName:AddUserToGroup AND requestParameters.groupName:/.*admin.*/",
    "eventName:AttachUserPolicy AND requestParameters.policyArn:AdministratorAccess",
    "eventSource:”kms.amazonaws.com” AND (eventName:DisableKey OR eventName:ScheduleKeyDeletion)",
    "eventSource:”config.amazonaws.com” AND eventName.keyword:((Stop|Put)ConfigurationRecorder|((Delete|Put)DeliveryChannel))",
    "eventName.keyword:(CreateTrail|UpdateTrail|DeleteTrail|StartLogging|StopLogging)",
    "eventName.keyword:/(Delete|Put|Create|Attach|Detach)(Group|Role|User)?Policy(Version)?/",
    "eventName:/(Authorize|Revoke|Create|Delete)SecurityGroup((In|E)gress)?/",
    "eventName.keyword:/(Create|Delete|Replace)NetworkAcl(Entry|Association)?/",
    "eventName.keyword:/(Create|Delete|Attach|Detach)Gateway/",
    "eventName.keyword:/(Create|Delete|Replace|Disassociate)Route(Table)?(Association)?/",
    "eventName.keyword:/(Create|Delete|Accept|Reject|Modify|Attach|Detach|Disable|Enable)(Vpc)?(ClassicLink)?(Vpc)?(Attribute|PeeringConnection)?/",
    "eventTime:[2026-11-01T08:00:00Z TO 2026-11-01T08:05:00Z]",
    "sourceIPAddress:203.0.113.0/24",
    "errorCode:accessdenied",
    "requestParameters.policyArn:\"arn:aws:iam::aws:policy/AdministratorAccess\"",
    "user:alice AND NOT ip:10.0.0.0/8",
    "_exists_:errorCode",
];

#[test]
fn every_siem_query_parses() {
    for input in SIEM_QUERIES {
        let query = parsed(input);
        check_invariants(input, &query);
    }
}

#[test]
fn root_activity_without_invoked_by() {
    let input = SIEM_QUERIES[0];
    assert_eq!(
        parsed(input),
        Query::Bool(vec![
            must(leaf_at(
                input,
                "userIdentity.type:Root",
                Some("userIdentity.type"),
                word("Root")
            )),
            must_not(leaf_at(
                input,
                "_exists_:userIdentity.invokedBy",
                Some("userIdentity.invokedBy"),
                Term::Exists
            )),
            must_not(leaf_at(
                input,
                "eventType:AwsServiceEvent",
                Some("eventType"),
                word("AwsServiceEvent")
            )),
        ])
    );
}

#[test]
fn s3_bucket_policy_changes_with_escaped_curly_quotes() {
    let input = SIEM_QUERIES[1];
    let event_name = |name: &str| {
        leaf_at(
            input,
            &format!("eventName:{name}"),
            Some("eventName"),
            word(name),
        )
    };
    assert_eq!(
        parsed(input),
        Query::Bool(vec![
            must(leaf_at(
                input,
                "eventSource:\\”s3.amazonaws.com\\”",
                Some("eventSource"),
                word("”s3.amazonaws.com”")
            )),
            must(Query::Bool(vec![
                should(event_name("PutBucketAcl")),
                should(event_name("PutBucketPolicy")),
                should(event_name("PutBucketCors")),
                should(event_name("PutBucketLifecycle")),
                should(event_name("PutBucketReplication")),
            ])),
        ])
    );
}

#[test]
fn acm_certificate_export_and_update() {
    for (input, name) in [
        (SIEM_QUERIES[2], "ExportCertificate"),
        (SIEM_QUERIES[3], "UpdateCertificate"),
    ] {
        assert_eq!(
            parsed(input),
            Query::Bool(vec![
                must(leaf_at(
                    input,
                    &format!("eventName:{name}"),
                    Some("eventName"),
                    word(name)
                )),
                must(leaf_at(
                    input,
                    "eventSource:”acm.amazonaws.com”",
                    Some("eventSource"),
                    word("”acm.amazonaws.com”")
                )),
            ])
        );
    }
}

#[test]
fn public_database_instance() {
    let input = SIEM_QUERIES[4];
    assert_eq!(
        parsed(input),
        Query::Bool(vec![
            must(leaf_at(
                input,
                "publiclyAccessible:true",
                Some("publiclyAccessible"),
                word("true")
            )),
            must(leaf_at(
                input,
                "eventName:CreateDBInstance",
                Some("eventName"),
                word("CreateDBInstance")
            )),
        ])
    );
}

#[test]
fn cloudfront_distribution_regex() {
    let input = SIEM_QUERIES[5];
    assert_eq!(
        parsed(input),
        Query::Leaf(Leaf {
            field: Some("eventName.keyword".to_string()),
            term: regex("(Create.*Distribution|Delete.*Distribution|Update.*Distribution)"),
            span: 0..input.len(),
        })
    );
}

#[test]
fn regex_values_with_and() {
    assert_eq!(
        shape(SIEM_QUERIES[6]),
        Query::Bool(vec![
            must(leaf(Some("eventName"), word("AddUserToGroup"))),
            must(leaf(
                Some("requestParameters.groupName"),
                regex(".*admin.*")
            )),
        ])
    );
    assert_eq!(
        shape(SIEM_QUERIES[12]),
        leaf(
            Some("eventName"),
            regex("(Authorize|Revoke|Create|Delete)SecurityGroup((In|E)gress)?")
        )
    );
}

#[test]
fn kms_key_disabling() {
    assert_eq!(
        shape(SIEM_QUERIES[8]),
        Query::Bool(vec![
            must(leaf(Some("eventSource"), word("”kms.amazonaws.com”"))),
            must(Query::Bool(vec![
                should(leaf(Some("eventName"), word("DisableKey"))),
                should(leaf(Some("eventName"), word("ScheduleKeyDeletion"))),
            ])),
        ])
    );
}

#[test]
fn pipes_are_term_characters_as_in_elasticsearch() {
    let keyword = Some("eventName.keyword");
    assert_eq!(
        shape(SIEM_QUERIES[9]),
        Query::Bool(vec![
            must(leaf(Some("eventSource"), word("”config.amazonaws.com”"))),
            must(Query::Bool(vec![
                should(leaf(keyword, word("Stop|Put"))),
                should(leaf(keyword, word("ConfigurationRecorder|"))),
                should(Query::Bool(vec![
                    should(leaf(keyword, word("Delete|Put"))),
                    should(leaf(keyword, word("DeliveryChannel"))),
                ])),
            ])),
        ])
    );
    assert_eq!(
        shape(SIEM_QUERIES[10]),
        leaf(
            keyword,
            word("CreateTrail|UpdateTrail|DeleteTrail|StartLogging|StopLogging")
        )
    );
}

#[test]
fn time_range_bounds_may_contain_colons() {
    assert_eq!(
        shape(SIEM_QUERIES[17]),
        leaf(
            Some("eventTime"),
            range(
                Bound::Included("2026-11-01T08:00:00Z"),
                Bound::Included("2026-11-01T08:05:00Z")
            )
        )
    );
}

#[test]
fn cidr_values_phrases_and_exists() {
    assert_eq!(
        shape(SIEM_QUERIES[18]),
        leaf(Some("sourceIPAddress"), word("203.0.113.0/24"))
    );
    assert_eq!(
        shape(SIEM_QUERIES[19]),
        leaf(Some("errorCode"), word("accessdenied"))
    );
    assert_eq!(
        shape(SIEM_QUERIES[20]),
        leaf(
            Some("requestParameters.policyArn"),
            phrase("arn:aws:iam::aws:policy/AdministratorAccess", 0)
        )
    );
    assert_eq!(
        shape(SIEM_QUERIES[21]),
        Query::Bool(vec![
            must(leaf(Some("user"), word("alice"))),
            must_not(leaf(Some("ip"), word("10.0.0.0/8"))),
        ])
    );
    let input = SIEM_QUERIES[22];
    assert_eq!(
        parsed(input),
        leaf_at(input, input, Some("errorCode"), Term::Exists)
    );
}

// ---------------------------------------------------------------------------
// Boolean clause semantics (QueryParserBase.addClause, default operator OR).

#[test]
fn clause_occur_table() {
    use Occur::{Must, MustNot, Should};
    let table: &[(&str, &[Occur])] = &[
        ("a b", &[Should, Should]),
        ("a OR b", &[Should, Should]),
        ("a AND b", &[Must, Must]),
        ("a AND b OR c", &[Must, Must, Should]),
        ("a OR b AND c", &[Should, Must, Must]),
        ("a NOT b", &[Should, MustNot]),
        ("a -b +c", &[Should, MustNot, Must]),
        ("a AND NOT b", &[Must, MustNot]),
        ("NOT a AND b", &[MustNot, Must]),
        ("-a AND b", &[MustNot, Must]),
        ("a AND -b AND c", &[Must, MustNot, Must]),
        ("a AND +b", &[Must, Must]),
        ("a OR NOT b", &[Should, MustNot]),
        ("a OR -b", &[Should, MustNot]),
        ("+a OR b", &[Must, Should]),
        ("-a OR b", &[MustNot, Should]),
        ("a && b || c", &[Must, Must, Should]),
        ("a !b", &[Should, MustNot]),
        ("a AND !b", &[Must, MustNot]),
        ("a b AND c", &[Should, Must, Must]),
        ("a AND b c", &[Must, Must, Should]),
        ("-a", &[MustNot]),
        ("NOT a", &[MustNot]),
        ("!a", &[MustNot]),
        ("-a -b", &[MustNot, MustNot]),
        ("+a +b", &[Must, Must]),
    ];
    for (input, expected) in table {
        assert_eq!(occurs(input), *expected, "occurs of {input:?}");
    }
}

#[test]
fn lowercase_operators_are_words() {
    assert_eq!(
        shape("a and b"),
        Query::Bool(vec![
            should(leaf(None, word("a"))),
            should(leaf(None, word("and"))),
            should(leaf(None, word("b"))),
        ])
    );
    assert_eq!(occurs("a or not b"), vec![Occur::Should; 4]);
}

#[test]
fn single_positive_clause_levels_collapse() {
    let plain = shape("a");
    assert_eq!(plain, leaf(None, word("a")));
    assert_eq!(shape("(a)"), plain);
    assert_eq!(shape("((a))"), plain);
    assert_eq!(shape("+a"), plain);
    assert_eq!(shape("+(a)"), plain);
    assert_eq!(shape("eventName:A"), leaf(Some("eventName"), word("A")));
}

#[test]
fn negative_only_levels_stay_boolean() {
    assert_eq!(
        shape("(-a)"),
        Query::Bool(vec![must_not(leaf(None, word("a")))])
    );
    assert_eq!(
        shape("x (NOT a)"),
        Query::Bool(vec![
            should(leaf(None, word("x"))),
            should(Query::Bool(vec![must_not(leaf(None, word("a")))])),
        ])
    );
}

#[test]
fn groups_nest_as_their_own_levels() {
    assert_eq!(
        shape("a AND (b OR c) AND NOT (d e)"),
        Query::Bool(vec![
            must(leaf(None, word("a"))),
            must(Query::Bool(vec![
                should(leaf(None, word("b"))),
                should(leaf(None, word("c"))),
            ])),
            must_not(Query::Bool(vec![
                should(leaf(None, word("d"))),
                should(leaf(None, word("e"))),
            ])),
        ])
    );
}

#[test]
fn bare_operators_followed_by_whitespace_are_terms() {
    assert_eq!(
        shape("a + b - c"),
        Query::Bool(vec![
            should(leaf(None, word("a"))),
            should(leaf(None, word("+"))),
            should(leaf(None, word("b"))),
            should(leaf(None, word("-"))),
            should(leaf(None, word("c"))),
        ])
    );
}

// ---------------------------------------------------------------------------
// Fields.

#[test]
fn field_groups_apply_to_every_leaf_inside() {
    assert_eq!(
        shape("f:(a OR b)"),
        Query::Bool(vec![
            should(leaf(Some("f"), word("a"))),
            should(leaf(Some("f"), word("b"))),
        ])
    );
    assert_eq!(
        shape("f:(\"x\" y*)"),
        Query::Bool(vec![
            should(leaf(Some("f"), phrase("x", 0))),
            should(leaf(
                Some("f"),
                Term::Wildcard(vec![literal("y"), WildPart::AnyString])
            )),
        ])
    );
    assert_eq!(
        shape("f:(a (b -c) g:d (e g:(h)))"),
        Query::Bool(vec![
            should(leaf(Some("f"), word("a"))),
            should(Query::Bool(vec![
                should(leaf(Some("f"), word("b"))),
                must_not(leaf(Some("f"), word("c"))),
            ])),
            should(leaf(Some("g"), word("d"))),
            should(Query::Bool(vec![
                should(leaf(Some("f"), word("e"))),
                should(leaf(Some("g"), word("h"))),
            ])),
        ])
    );
    assert_eq!(
        shape("f:(/re/ [a TO b] c~1)"),
        Query::Bool(vec![
            should(leaf(Some("f"), regex("re"))),
            should(leaf(
                Some("f"),
                range(Bound::Included("a"), Bound::Included("b"))
            )),
            should(leaf(
                Some("f"),
                Term::Fuzzy {
                    text: "c".into(),
                    distance: 1
                }
            )),
        ])
    );
}

#[test]
fn field_names_may_hold_dots_at_signs_digits_and_escapes() {
    assert_eq!(shape("@timestamp:x"), leaf(Some("@timestamp"), word("x")));
    assert_eq!(shape("a.b_c.d2:x"), leaf(Some("a.b_c.d2"), word("x")));
    assert_eq!(shape("a\\ b:x"), leaf(Some("a b"), word("x")));
    assert_eq!(shape("book.\\*:x"), leaf(Some("book.*"), word("x")));
}

#[test]
fn whitespace_around_the_colon_is_allowed_as_in_lucene() {
    assert_eq!(shape("f : x"), leaf(Some("f"), word("x")));
    assert_eq!(shape("f:\tx"), leaf(Some("f"), word("x")));
}

#[test]
fn leaf_spans_cover_field_term_and_suffixes() {
    let input = "a AND f:(b c~1^2) g:\"p q\"~3";
    let Query::Bool(clauses) = parsed(input) else {
        panic!("expected a boolean query");
    };
    let spans: Vec<Range<usize>> = clauses
        .iter()
        .flat_map(|clause| match &clause.query {
            Query::Leaf(leaf) => vec![leaf.span.clone()],
            Query::Bool(inner) => inner
                .iter()
                .filter_map(|clause| match &clause.query {
                    Query::Leaf(leaf) => Some(leaf.span.clone()),
                    _ => None,
                })
                .collect(),
            Query::MatchAll => Vec::new(),
        })
        .collect();
    assert_eq!(
        spans,
        vec![
            span_of(input, "a"),
            span_of(input, "b"),
            span_of(input, "c~1^2"),
            span_of(input, "g:\"p q\"~3"),
        ]
    );
}

// ---------------------------------------------------------------------------
// Match-all and exists.

#[test]
fn blank_star_and_star_colon_star_match_everything() {
    for input in ["", "   ", "\t\n\u{3000}", "*", "*:*", "(*)", "*:(*)"] {
        assert_eq!(parsed(input), Query::MatchAll, "{input:?}");
    }
    assert_eq!(
        shape("* AND -a"),
        Query::Bool(vec![must(Query::MatchAll), must_not(leaf(None, word("a"))),])
    );
}

#[test]
fn star_field_searches_all_fields() {
    assert_eq!(shape("*:foo"), leaf(Some("*"), word("foo")));
}

#[test]
fn exists_forms() {
    let exists = |field| leaf(Some(field), Term::Exists);
    assert_eq!(
        shape("_exists_:userIdentity.invokedBy"),
        exists("userIdentity.invokedBy")
    );
    assert_eq!(shape("errorCode:*"), exists("errorCode"));
    assert_eq!(shape("_exists_:\"a b\""), exists("a b"));
    assert_eq!(
        shape("_exists_:(a OR b)"),
        Query::Bool(vec![should(exists("a")), should(exists("b"))])
    );
    assert_eq!(
        shape("f:(* a)"),
        Query::Bool(vec![
            should(exists("f")),
            should(leaf(Some("f"), word("a"))),
        ])
    );
}

#[test]
fn exists_needs_a_plain_field_name() {
    for input in [
        "_exists_:*",
        "_exists_:a*",
        "_exists_:/a/",
        "_exists_:[a TO b]",
        "_exists_:a~",
    ] {
        let error = failure(input);
        assert_eq!(
            error.message, "'_exists_:' must be followed by a plain field name at column 10",
            "{input:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Terms.

#[test]
fn escapes_are_resolved() {
    assert_eq!(shape("a\\:b"), leaf(None, word("a:b")));
    assert_eq!(shape("f:a\\:b\\ c"), leaf(Some("f"), word("a:b c")));
    assert_eq!(shape("\\”x\\”"), leaf(None, word("”x”")));
    assert_eq!(shape("\\(a\\)"), leaf(None, word("(a)")));
    assert_eq!(shape("\\-a"), leaf(None, word("-a")));
    assert_eq!(shape("a\\\\b"), leaf(None, word("a\\b")));
    assert_eq!(shape("\\u0041b"), leaf(None, word("Ab")));
    assert_eq!(
        shape("\"a \\\"b\\\" \\u0041\""),
        leaf(None, phrase("a \"b\" A", 0))
    );
    assert_eq!(shape("\\AND"), leaf(None, word("AND")));
}

#[test]
fn hyphens_and_plus_signs_continue_terms() {
    assert_eq!(shape("a-b+c"), leaf(None, word("a-b+c")));
    assert_eq!(shape("f:2026-11-01"), leaf(Some("f"), word("2026-11-01")));
}

#[test]
fn exclamation_mark_inside_a_term_is_not() {
    assert_eq!(
        shape("a!b"),
        Query::Bool(vec![
            should(leaf(None, word("a"))),
            must_not(leaf(None, word("b"))),
        ])
    );
}

#[test]
fn wildcards() {
    use WildPart::{AnyChar, AnyString};
    assert_eq!(
        shape("f:Get*"),
        leaf(Some("f"), Term::Wildcard(vec![literal("Get"), AnyString]))
    );
    assert_eq!(
        shape("*Trail"),
        leaf(None, Term::Wildcard(vec![AnyString, literal("Trail")]))
    );
    assert_eq!(
        shape("a?c*"),
        leaf(
            None,
            Term::Wildcard(vec![literal("a"), AnyChar, literal("c"), AnyString])
        )
    );
    assert_eq!(
        shape("f:**"),
        leaf(Some("f"), Term::Wildcard(vec![AnyString, AnyString]))
    );
    assert_eq!(
        shape("a\\*b*"),
        leaf(None, Term::Wildcard(vec![literal("a*b"), AnyString]))
    );
    assert_eq!(shape("a\\?"), leaf(None, word("a?")));
    // Lucene ignores a fuzzy suffix on a wildcard term.
    assert_eq!(
        shape("a*~1"),
        leaf(None, Term::Wildcard(vec![literal("a"), AnyString]))
    );
}

#[test]
fn regular_expressions() {
    assert_eq!(shape("/a\\/b\\.c/"), leaf(None, regex("a/b\\.c")));
    assert_eq!(shape("f:/[a-z]+/"), leaf(Some("f"), regex("[a-z]+")));
    assert_eq!(shape("//"), leaf(None, regex("")));
    assert_eq!(
        shape("/ab/c"),
        Query::Bool(vec![
            should(leaf(None, regex("ab"))),
            should(leaf(None, word("c"))),
        ])
    );
    assert_eq!(shape("a/b/"), leaf(None, word("a/b/")));
}

#[test]
fn fuzzy_terms() {
    let fuzzy = |text: &str, distance| {
        leaf(
            None,
            Term::Fuzzy {
                text: text.to_string(),
                distance,
            },
        )
    };
    assert_eq!(shape("foo~"), fuzzy("foo", 2));
    assert_eq!(shape("foo~1"), fuzzy("foo", 1));
    assert_eq!(shape("foo~0"), fuzzy("foo", 0));
    assert_eq!(shape("foo~2.0"), fuzzy("foo", 2));
    assert_eq!(shape("foo~5"), fuzzy("foo", 2));
    // Similarities below 1 become edits as in FuzzyQuery.floatToEdits.
    assert_eq!(shape("abcd~0.5"), fuzzy("abcd", 2));
    assert_eq!(shape("abcd~0.8"), fuzzy("abcd", 0));
    assert_eq!(shape("abcdefghij~0.5"), fuzzy("abcdefghij", 2));
    // 0.8 as a Java float is slightly above 0.8, so 10 characters give 1 edit.
    assert_eq!(shape("abcdefghij~0.8"), fuzzy("abcdefghij", 1));
    // A suffix that is not a number falls back to the default, as in Lucene.
    assert_eq!(shape("foo~x"), fuzzy("foo", 2));
    assert_eq!(shape("foo ~1"), fuzzy("foo", 1));
    assert_eq!(shape("foo^2~1"), fuzzy("foo", 1));
    assert_eq!(shape("foo~1^2"), fuzzy("foo", 1));
    assert_eq!(
        failure("foo~1.5").message,
        "fractional edit distance '~1.5' at column 4 (use ~0, ~1 or ~2)"
    );
    assert_eq!(
        failure("foo~-1").message,
        "fuzzy distance must not be negative at column 4"
    );
}

#[test]
fn phrases_and_slop() {
    assert_eq!(shape("\"a b\""), leaf(None, phrase("a b", 0)));
    assert_eq!(shape("\"a b\"~2"), leaf(None, phrase("a b", 2)));
    assert_eq!(shape("\"a b\"~2.7"), leaf(None, phrase("a b", 2)));
    assert_eq!(shape("\"a b\"~"), leaf(None, phrase("a b", 0)));
    assert_eq!(shape("\"a b\"^3~4"), leaf(None, phrase("a b", 4)));
    assert_eq!(shape("f:\"\""), leaf(Some("f"), phrase("", 0)));
    assert_eq!(shape("\"a:b (c)\""), leaf(None, phrase("a:b (c)", 0)));
}

#[test]
fn boosts_are_dropped() {
    assert_eq!(shape("a^2"), shape("a"));
    assert_eq!(shape("f:a^0.5"), shape("f:a"));
    assert_eq!(shape("(a b)^2"), shape("(a b)"));
    assert_eq!(shape("f:[a TO b]^2"), shape("f:[a TO b]"));
    assert_eq!(shape("\"x\"^2"), shape("\"x\""));
    assert_eq!(shape("a ^2 b"), shape("a b"));
}

// ---------------------------------------------------------------------------
// Ranges.

#[test]
fn bracket_ranges() {
    use Bound::{Excluded, Included, Unbounded};
    let cases = [
        ("f:[a TO b]", range(Included("a"), Included("b"))),
        ("f:{a TO b}", range(Excluded("a"), Excluded("b"))),
        ("f:[a TO b}", range(Included("a"), Excluded("b"))),
        ("f:{a TO b]", range(Excluded("a"), Included("b"))),
        ("f:[* TO b]", range(Unbounded, Included("b"))),
        ("f:{a TO *}", range(Excluded("a"), Unbounded)),
        ("f:[* TO *]", range(Unbounded, Unbounded)),
        ("f:[\"*\" TO \\*]", range(Included("*"), Included("*"))),
        (
            "f:[\"a b\" TO \"c\\\"d\"]",
            range(Included("a b"), Included("c\"d")),
        ),
        ("f:[TO TO TO]", range(Included("TO"), Included("TO"))),
        ("f:[ 1  TO  10 ]", range(Included("1"), Included("10"))),
        ("f:[a(b TO c)d]", range(Included("a(b"), Included("c)d"))),
        ("f:[a\\]b TO c]", range(Included("a]b"), Included("c"))),
    ];
    for (input, term) in cases {
        assert_eq!(shape(input), leaf(Some("f"), term), "{input:?}");
    }
    assert_eq!(
        shape("[1 TO 5]"),
        leaf(None, range(Included("1"), Included("5")))
    );
}

#[test]
fn elasticsearch_comparison_ranges() {
    use Bound::{Excluded, Included, Unbounded};
    let cases = [
        ("f:>5", range(Excluded("5"), Unbounded)),
        ("f:>=2026-11-01", range(Included("2026-11-01"), Unbounded)),
        ("f:<x", range(Unbounded, Excluded("x"))),
        ("f:<=x", range(Unbounded, Included("x"))),
        (
            "eventTime:>=2026-11-01T08:00:00Z",
            range(Included("2026-11-01T08:00:00Z"), Unbounded),
        ),
        ("f:<=10:30", range(Unbounded, Included("10:30"))),
    ];
    for (input, term) in cases {
        let field = input.split(':').next();
        assert_eq!(shape(input), leaf(field, term), "{input:?}");
    }
    assert_eq!(
        shape("f:(>=1 AND <10)"),
        Query::Bool(vec![
            must(leaf(Some("f"), range(Included("1"), Unbounded))),
            must(leaf(Some("f"), range(Unbounded, Excluded("10")))),
        ])
    );
    assert_eq!(
        shape("t:(>2026-11-01T08:00:00Z)"),
        leaf(
            Some("t"),
            range(Excluded("2026-11-01T08:00:00Z"), Unbounded)
        )
    );
    // Without a field, Elasticsearch treats these as plain terms.
    assert_eq!(shape(">5"), leaf(None, word(">5")));
    assert_eq!(
        failure("f:>=").message,
        "missing value after '>=' at column 5"
    );
    assert_eq!(
        failure("f:< x").message,
        "missing value after '<' at column 4"
    );
}

#[test]
fn range_errors_point_at_the_problem() {
    let cases = [
        (
            "eventTime:[a TO",
            "unterminated range starting at column 11",
        ),
        ("f:[", "unterminated range starting at column 3"),
        ("f:[a", "unterminated range starting at column 3"),
        ("f:[a TO b", "unterminated range starting at column 3"),
        ("f:[a b]", "range needs 'TO' at column 6"),
        ("f:[a]", "range needs 'TO' at column 5"),
        ("f:[a TO b c]", "range needs ']' or '}' at column 11"),
        ("f:[a TO ]", "missing upper bound in range at column 9"),
        ("f:[]", "missing lower bound in range at column 4"),
        (
            "f:[\"a TO b]",
            "unterminated quoted phrase starting at column 4",
        ),
    ];
    for (input, message) in cases {
        assert_eq!(failure(input).message, message, "{input:?}");
    }
}

// ---------------------------------------------------------------------------
// Errors.

#[test]
fn required_failures_have_helpful_messages() {
    let cases = [
        ("eventName:(", "unbalanced '(' opened at column 11", 10),
        (
            "\"unterminated",
            "unterminated quoted phrase starting at column 1",
            0,
        ),
        ("a AND", "missing term after 'AND' at column 6", 5),
        (
            "/unterminated",
            "unterminated regular expression starting at column 1",
            0,
        ),
        (
            "eventTime:[a TO",
            "unterminated range starting at column 11",
            10,
        ),
        (":value", "missing field name before ':' at column 1", 0),
        (
            "a:b:c",
            "unexpected ':' at column 4 (quote values that contain ':', or escape it as '\\:')",
            3,
        ),
        ("()", "empty group '()' at column 1", 0),
    ];
    for (input, message, offset) in cases {
        let error = failure(input);
        assert_eq!(error.message, message, "{input:?}");
        assert_eq!(error.offset, offset, "{input:?}");
        check_error(input, &error);
    }
}

#[test]
fn more_failures() {
    let cases = [
        (
            "eventName:",
            "missing value after 'eventName:' at column 11",
        ),
        (
            "eventName: )",
            "missing value after 'eventName:' at column 12",
        ),
        (
            "eventName:AND x",
            "missing value after 'eventName:' at column 11",
        ),
        ("f:(a OR b", "unbalanced '(' opened at column 3"),
        ("(a (b)", "unbalanced '(' opened at column 1"),
        ("a OR b)", "unexpected ')' at column 7"),
        (")", "unexpected ')' at column 1"),
        ("a AND )", "missing term after 'AND' at column 7"),
        ("(a OR)", "missing term after 'OR' at column 6"),
        ("NOT", "missing term after 'NOT' at column 4"),
        ("a -", "missing term after '-' at column 4"),
        ("a AND OR b", "unexpected 'OR' after 'AND' at column 7"),
        ("NOT NOT a", "unexpected 'NOT' after 'NOT' at column 5"),
        ("+-a", "unexpected '-' after '+' at column 2"),
        ("AND a", "unexpected 'AND' at column 1"),
        ("f:()", "empty group '()' at column 3"),
        ("a ()", "empty group '()' at column 3"),
        ("a]", "unexpected ']' outside a range at column 2"),
        ("a^", "'^' must be followed by a boost number at column 2"),
        ("a^2^3", "unexpected '^3' at column 4"),
        ("~2", "unexpected '~2' at column 1"),
        ("(a)~2", "unexpected '~2' at column 4"),
        (
            "a\\",
            "escape character '\\' at the end of the query at column 2",
        ),
        (
            "\"a\":b",
            "unexpected ':' at column 4 (quote values that contain ':', or escape it as '\\:')",
        ),
        (
            "a AND \"b",
            "unterminated quoted phrase starting at column 7",
        ),
    ];
    for (input, message) in cases {
        let error = failure(input);
        assert_eq!(error.message, message, "{input:?}");
        check_error(input, &error);
    }
}

#[test]
fn earlier_syntax_errors_win_over_later_lexical_errors() {
    assert_eq!(
        failure("a AND OR \"unterminated").message,
        "unexpected 'OR' after 'AND' at column 7"
    );
}

#[test]
fn unquoted_arns_get_a_hint() {
    let input = "requestParameters.policyArn:arn:aws:iam::aws:policy/AdministratorAccess";
    let error = failure(input);
    assert_eq!(error.offset, input.find(":aws").unwrap_or_default());
    assert!(error.message.contains("quote values that contain ':'"));
}

#[test]
fn columns_count_characters_and_control_characters_are_escaped() {
    let error = failure("é”\u{7} )");
    assert_eq!(error.message, "unexpected ')' at column 5");
    let error = failure("f:\u{1b}[31m:x");
    assert!(
        !error.message.chars().any(char::is_control),
        "{}",
        error.message
    );
    let input = "\u{7} AND )";
    let error = failure(input);
    assert_eq!(error.message, "missing term after 'AND' at column 7");
    assert_eq!(caret_line(input, &error), "\\u{7} AND )\n          ^");
}

#[test]
fn long_tokens_are_shortened_in_messages() {
    let input = format!("a AND {}:", "x".repeat(500));
    let error = failure(&input);
    assert!(
        error.message.starts_with("missing value after 'xxx"),
        "{}",
        error.message
    );
    assert!(error.message.len() < 100, "{}", error.message);
}

#[test]
fn nesting_is_bounded() {
    let allowed = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(shape(&allowed), leaf(None, word("a")));
    let too_deep = format!("{}a{}", "(".repeat(101), ")".repeat(101));
    assert_eq!(
        failure(&too_deep).message,
        "groups nested more than 100 deep at column 101"
    );
    let absurd = "(".repeat(100_000);
    check_error(&absurd, &failure(&absurd));
}

#[test]
fn long_flat_queries_parse() {
    let input = vec!["a"; 20_000].join(" OR ");
    match parsed(&input) {
        Query::Bool(clauses) => assert_eq!(clauses.len(), 20_000),
        other => panic!("unexpected {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Garbage in, never a panic.

/// A small deterministic xorshift generator, so failures reproduce.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "a",
    "b",
    "Zz",
    "0",
    "9",
    "2026-11-01T08:00:00Z",
    " ",
    " ",
    "\t",
    "\n",
    "\u{3000}",
    "+",
    "-",
    "!",
    "(",
    ")",
    ":",
    "^",
    "[",
    "]",
    "\"",
    "{",
    "}",
    "~",
    "*",
    "?",
    "\\",
    "/",
    "AND",
    "OR",
    "NOT",
    "TO",
    "&&",
    "||",
    "_exists_",
    "\\u",
    "\\u00",
    "41",
    "D83D",
    "\\uDE00",
    "é",
    "”",
    "\u{7}",
    "\u{202e}",
    ".",
    ">",
    "<",
    "=",
    "2",
    "f:",
    "*:",
    "|",
    "&",
    "\\\"",
    "\\/",
    "0.5",
    "~2",
    "^2",
];

fn garbage(generator: &mut Generator) -> String {
    let length = generator.below(24);
    (0..length)
        .map(|_| PIECES[generator.below(PIECES.len())])
        .collect()
}

#[test]
fn garbage_never_panics_and_results_are_well_formed() {
    let mut generator = Generator(0x9E37_79B9_7F4A_7C15);
    let mut successes = 0;
    for _ in 0..60_000 {
        let input = garbage(&mut generator);
        match parse(&input) {
            Ok(query) => {
                successes += 1;
                check_invariants(&input, &query);
            }
            Err(error) => check_error(&input, &error),
        }
    }
    // The generator should exercise both outcomes.
    assert!(successes > 1_000, "only {successes} successes");
}

#[test]
fn arbitrary_unicode_never_panics() {
    let mut generator = Generator(0x0123_4567_89AB_CDEF);
    for _ in 0..20_000 {
        let length = generator.below(16);
        let input: String = (0..length)
            .filter_map(|_| {
                let code_point = match generator.below(3) {
                    0 => generator.below(0x80),
                    1 => generator.below(0x3100),
                    _ => generator.below(0x11_0000),
                };
                char::from_u32(code_point as u32)
            })
            .collect();
        match parse(&input) {
            Ok(query) => check_invariants(&input, &query),
            Err(error) => check_error(&input, &error),
        }
    }
}
