//! The query language to Athena (Trino) SQL with the local index's meaning: the same fields and
//! aliases, analysed words with the tokenizer's boundaries, whole values under `.keyword`, times
//! on `eventTime`, addresses and CIDR blocks on `sourceIPAddress`, Elasticsearch's boolean
//! levels, and NOT that keeps events without the field. What SQL cannot say with the same
//! meaning is an error that names the construct, never a different query.
use std::net::IpAddr;
use std::ops::Bound;

use chrono::{DateTime, Utc};
use ipnet::IpNet;

use super::principal_sql::{principal, principal_name, session};
use super::table::{sql_name, Column, Shape, COLUMNS};
use super::words::{is_plain_word, word_pattern};
use crate::index::schema::{
    derived, EVENT_ID_PATH, IDENTIFIER_PATHS, KEYWORD_MAX_CHARS, TIME_PATH,
};
use crate::index::time_bounds;
use crate::index::tokenizer::{analyse, has_opaque_word, normalise};
use crate::index::ALIASES;
use crate::query::{parse, Leaf, Occur, Query, QueryError, Term, WildPart};

const KEYWORD_SUFFIX: &str = ".keyword";
const IP_PATH: &str = "sourceIPAddress";
const SOURCE_PATH: &str = "eventSource";

/// A query's WHERE condition, and what the user should know about it.
#[derive(Debug)]
pub struct Translation {
    pub condition: String,
    pub notes: Vec<String>,
}

/// Translates `text` into a SQL condition over the CloudTrail table.
pub fn translate(text: &str) -> Result<Translation, QueryError> {
    translate_at(text, Utc::now())
}

/// As [`translate`], with `now` for relative times (`now-1h`).
pub fn translate_at(text: &str, now: DateTime<Utc>) -> Result<Translation, QueryError> {
    let ast = parse(text)?;
    let mut translator = Translator {
        input: text,
        now,
        notes: Vec::new(),
    };
    let condition = translator
        .query(&ast)?
        .unwrap_or_else(|| "FALSE".to_owned());
    Ok(Translation {
        condition,
        notes: translator.notes,
    })
}

/// Where one field's values are in a row.
#[derive(Debug, Clone)]
enum Value {
    /// One value: a column, a struct field, a JSON path or a derived expression.
    Scalar(String),
    /// The same field of every element of an array of structs (`resources.ARN`).
    Each { array: String, field: String },
}

impl Value {
    /// A row matches when the value (any element's) satisfies `test`; a missing value never does.
    fn test(&self, test: impl Fn(&str) -> String) -> String {
        match self {
            Value::Scalar(expr) => format!("coalesce({}, false)", test(expr)),
            Value::Each { array, field } => format!(
                "coalesce(cardinality(filter({array}, x -> {})) > 0, false)",
                test(&format!("x.{field}"))
            ),
        }
    }
}

/// What a JSON-text path is extracted with: a scalar for values, any JSON for presence.
struct JsonPath {
    column: String,
    path: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Analysed,
    Keyword,
}

struct Target {
    path: String,
    mode: Mode,
    via_alias: bool,
}

struct Translator<'a> {
    input: &'a str,
    now: DateTime<Utc>,
    notes: Vec<String>,
}

type Sql = Option<String>;

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn any_of(mut parts: Vec<String>) -> Sql {
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(format!("({})", parts.join(" OR "))),
    }
}

fn all_of(mut parts: Vec<String>) -> Sql {
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(format!("({})", parts.join(" AND "))),
    }
}

impl Translator<'_> {
    fn error(&self, leaf: &Leaf, message: impl std::fmt::Display) -> QueryError {
        QueryError::at(self.input, leaf.span.start, message)
    }

    fn query(&mut self, query: &Query) -> Result<Sql, QueryError> {
        match query {
            Query::MatchAll => Ok(Some("TRUE".to_owned())),
            Query::Leaf(leaf) => self.leaf(leaf),
            Query::Bool(clauses) => {
                let (mut must, mut should, mut must_not) = (Vec::new(), Vec::new(), Vec::new());
                for clause in clauses {
                    if let Some(sql) = self.query(&clause.query)? {
                        match clause.occur {
                            Occur::Must => must.push(sql),
                            Occur::Should => should.push(sql),
                            Occur::MustNot => must_not.push(format!("NOT {sql}")),
                        }
                    }
                }
                if must.is_empty() && should.is_empty() && must_not.is_empty() {
                    return Ok(None);
                }
                // As in Lucene: optional clauses count only when nothing is required, and a level
                // of exclusions alone matches everything else (Elasticsearch's reading).
                let mut parts = must;
                if parts.is_empty() {
                    parts.extend(any_of(should));
                }
                parts.extend(must_not);
                Ok(all_of(parts))
            }
        }
    }

    fn targets(&self, leaf: &Leaf) -> Result<Vec<Target>, QueryError> {
        let Some(field) = leaf.field.as_deref().filter(|f| *f != "*") else {
            return Err(self.error(
                leaf,
                "a term without a field searches every field, which SQL cannot do with the same meaning: name the field (eventName:…, user:…, requestParameters.bucketName:…)",
            ));
        };
        let (name, mode) = match field.strip_suffix(KEYWORD_SUFFIX) {
            Some(base) => (base, Mode::Keyword),
            None => (field, Mode::Analysed),
        };
        let alias = ALIASES.iter().find(|(alias, _)| *alias == name);
        let paths: Vec<&str> = alias
            .map(|(_, paths)| paths.to_vec())
            .unwrap_or_else(|| vec![name]);
        Ok(paths
            .into_iter()
            .map(|path| Target {
                path: path.to_owned(),
                mode,
                via_alias: alias.is_some(),
            })
            .collect())
    }

    fn leaf(&mut self, leaf: &Leaf) -> Result<Sql, QueryError> {
        let mut alternatives = Vec::new();
        for target in self.targets(leaf)? {
            alternatives.extend(self.target_leaf(leaf, &target)?);
        }
        if leaf.field.as_deref() == Some("source") {
            if let Term::Word(word) = &leaf.term {
                if !word.contains('.') {
                    let host = format!("{word}.amazonaws.com");
                    alternatives.push(format!(
                        "coalesce({} = {}, false)",
                        sql_name(SOURCE_PATH),
                        quote(&host)
                    ));
                }
            }
        }
        Ok(any_of(alternatives))
    }

    /// Where `path` is in a row.
    fn locate(&mut self, leaf: &Leaf, path: &str) -> Result<Located, QueryError> {
        match path {
            derived::PRINCIPAL => return Ok(Located::Value(Value::Scalar(principal()))),
            derived::PRINCIPAL_NAME => return Ok(Located::Value(Value::Scalar(principal_name()))),
            derived::SESSION => return Ok(Located::Value(Value::Scalar(session()))),
            _ => {}
        }
        if path.starts_with('@') {
            return Err(self.error(
                leaf,
                format!("`{path}` is trailhound's own field (what it read the event from, and the verdicts of its checks): Athena's table does not have it"),
            ));
        }
        let mut segments = path.split('.');
        let first = segments.next().unwrap_or_default();
        let Some(mut column) = find(COLUMNS, first) else {
            return Err(self.unknown(leaf, path, first, COLUMNS));
        };
        let mut expr = sql_name(column.name);
        loop {
            match &column.shape {
                Shape::Text => {
                    return match segments.next() {
                        None => Ok(Located::Value(Value::Scalar(expr))),
                        Some(_) => Err(self.error(leaf, format!("`{path}`: `{}` is a value, not an object", column.name))),
                    }
                }
                Shape::Map => {
                    return Err(self.error(leaf, format!("`{path}`: the table keeps `{}` as a map that cannot be searched with the same meaning", column.name)))
                }
                Shape::Json => {
                    let rest: Vec<&str> = segments.collect();
                    return self.json_path(leaf, path, expr, &rest);
                }
                Shape::Struct(fields) => match segments.next() {
                    None => return Ok(Located::Struct(expr)),
                    Some(segment) => {
                        let Some(field) = find(fields, segment) else {
                            return Err(self.unknown(leaf, path, segment, fields));
                        };
                        expr = format!("{expr}.{}", sql_name(field.name));
                        column = field;
                    }
                },
                Shape::Array(fields) => {
                    let Some(segment) = segments.next() else {
                        return Ok(Located::Struct(expr));
                    };
                    let Some(field) = find(fields, segment) else {
                        return Err(self.unknown(leaf, path, segment, fields));
                    };
                    if segments.next().is_some() || !matches!(field.shape, Shape::Text) {
                        return Err(self.error(leaf, format!("`{path}` is not a field of the table")));
                    }
                    return Ok(Located::Value(Value::Each {
                        array: expr,
                        field: sql_name(field.name),
                    }));
                }
            }
        }
    }

    fn json_path(
        &mut self,
        leaf: &Leaf,
        path: &str,
        column: String,
        rest: &[&str],
    ) -> Result<Located, QueryError> {
        let mut json = String::from("$");
        for segment in rest {
            if segment.is_empty() || segment.contains(['"', '\\']) {
                return Err(self.error(leaf, format!("`{path}` cannot be written as a JSON path")));
            }
            json.push_str(&format!("[\"{segment}\"]"));
        }
        let note = "paths into requestParameters, responseElements, additionalEventData and serviceEventDetails (JSON text in Athena's table) reach values outside arrays; the local index also reaches into arrays".to_owned();
        if !rest.is_empty() && !self.notes.contains(&note) {
            self.notes.push(note);
        }
        Ok(Located::Json(JsonPath { column, path: json }))
    }

    fn unknown(&self, leaf: &Leaf, path: &str, name: &str, among: &[Column]) -> QueryError {
        let hint = among
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| format!(" (field names are case-sensitive: `{}`)", c.name))
            .unwrap_or_default();
        self.error(
            leaf,
            format!("`{path}`: no field `{name}` in the CloudTrail table{hint}"),
        )
    }

    fn target_leaf(&mut self, leaf: &Leaf, target: &Target) -> Result<Sql, QueryError> {
        let path = target.path.as_str();
        let located = self.locate(leaf, path)?;
        let value = match located {
            Located::Value(value) => value,
            Located::Json(json) => {
                if let Term::Exists = leaf.term {
                    return Ok(Some(json_exists(&json)));
                }
                Value::Scalar(format!(
                    "json_extract_scalar({}, {})",
                    json.column,
                    quote(&json.path)
                ))
            }
            Located::Struct(expr) => {
                return match leaf.term {
                    Term::Exists => Ok(Some(format!("({expr} IS NOT NULL)"))),
                    // An object has no value of its own: nothing matches, as in the index.
                    _ => Ok(None),
                };
            }
        };
        if let Term::Exists = leaf.term {
            return Ok(Some(value.test(|e| format!("{e} IS NOT NULL"))));
        }
        if path == TIME_PATH {
            return self.time(leaf, &value).map(Some);
        }
        if path == IP_PATH {
            if let Some(sql) = self.ip(leaf, &value)? {
                return Ok(Some(sql));
            }
        }
        if path == EVENT_ID_PATH || IDENTIFIER_PATHS.contains(&path) {
            return match &leaf.term {
                Term::Word(text) | Term::Phrase { text, .. } => {
                    Ok(Some(value.test(|e| format!("{e} = {}", quote(text)))))
                }
                _ => Err(self.error(
                    leaf,
                    format!("`{path}` matches whole values only: give the full id"),
                )),
            };
        }
        match target.mode {
            Mode::Keyword => self.keyword(leaf, &value).map(Some),
            Mode::Analysed if target.via_alias => match &leaf.term {
                Term::Word(word) => {
                    let as_phrase = Leaf {
                        term: Term::Phrase {
                            text: word.clone(),
                            slop: 0,
                        },
                        ..leaf.clone()
                    };
                    self.analysed(&as_phrase, path, &value)
                }
                _ => self.analysed(leaf, path, &value),
            },
            Mode::Analysed => self.analysed(leaf, path, &value),
        }
    }

    fn keyword(&mut self, leaf: &Leaf, value: &Value) -> Result<String, QueryError> {
        let kept = |e: &str| format!("length({e}) <= {KEYWORD_MAX_CHARS}");
        Ok(match &leaf.term {
            Term::Word(text) | Term::Phrase { text, .. } => {
                value.test(|e| format!("{e} = {}", quote(text)))
            }
            Term::Wildcard(parts) => {
                let pattern = like_pattern(parts);
                value.test(|e| format!("({} AND {e} LIKE {} ESCAPE '\\')", kept(e), quote(&pattern)))
            }
            Term::Regex(pattern) => {
                self.check_regex(leaf, pattern)?;
                let anchored = format!("^(?:{pattern})$");
                value.test(|e| format!("({} AND regexp_like({e}, {}))", kept(e), quote(&anchored)))
            }
            Term::Range { lower, upper } => value.test(|e| {
                let mut tests = vec![kept(e)];
                tests.extend(bound_tests(e, lower, upper, quote));
                format!("({})", tests.join(" AND "))
            }),
            Term::Fuzzy { .. } => {
                return Err(self.error(leaf, "a fuzzy term (`~`) has no exact SQL equivalent (Athena's edit distance does not count transpositions as Lucene does): use a wildcard or a regular expression"))
            }
            Term::Exists => unreachable!("handled before"),
        })
    }

    fn analysed(&mut self, leaf: &Leaf, path: &str, value: &Value) -> Result<Sql, QueryError> {
        if let Term::Word(text) | Term::Phrase { text, .. } = &leaf.term {
            if has_opaque_word(text) {
                return Ok(Some(value.test(|e| format!("{e} = {}", quote(text)))));
            }
        }
        let has_word = |word: &str, open_start: bool, open_end: bool| {
            let pattern = word_pattern(word, open_start, open_end);
            value.test(|e| format!("regexp_like(lower({e}), {})", quote(&pattern)))
        };
        Ok(match &leaf.term {
            Term::Word(text) => any_of(analyse(text).iter().map(|w| has_word(w, false, false)).collect()),
            Term::Phrase { text, .. } => {
                all_of(analyse(text).iter().map(|w| has_word(w, false, false)).collect())
            }
            Term::Wildcard(parts) => {
                let (open_start, literal, open_end) = match parts.as_slice() {
                    [WildPart::AnyString, WildPart::Literal(l), WildPart::AnyString] => (true, l, true),
                    [WildPart::AnyString, WildPart::Literal(l)] => (true, l, false),
                    [WildPart::Literal(l), WildPart::AnyString] => (false, l, true),
                    _ => return Err(self.error(leaf, format!("a wildcard on the words of `{path}` translates only as WORD*, *WORD or *WORD* (letters and digits): match the whole value with {path}.keyword:… instead"))),
                };
                let literal = normalise(literal);
                if !is_plain_word(&literal) {
                    return Err(self.error(leaf, format!("a wildcard on the words of `{path}` translates only when its text is letters and digits: match the whole value with {path}.keyword:… instead")));
                }
                Some(has_word(&literal, open_start, open_end))
            }
            Term::Regex(_) => {
                return Err(self.error(leaf, format!("a regular expression on the words of `{path}` has no exact SQL equivalent: match the whole value with {path}.keyword:/…/ instead")))
            }
            Term::Range { .. } => {
                return Err(self.error(leaf, format!("a range over the words of `{path}` has no exact SQL equivalent: compare whole values with {path}.keyword:[A TO B] instead")))
            }
            Term::Fuzzy { .. } => {
                return Err(self.error(leaf, "a fuzzy term (`~`) has no exact SQL equivalent: use a wildcard (WORD*) instead"))
            }
            Term::Exists => unreachable!("handled before"),
        })
    }

    fn check_regex(&self, leaf: &Leaf, pattern: &str) -> Result<(), QueryError> {
        regex_syntax::Parser::new()
            .parse(pattern)
            .map(|_| ())
            .map_err(|_| self.error(leaf, format!("invalid regular expression /{pattern}/")))
    }

    fn time(&mut self, leaf: &Leaf, value: &Value) -> Result<String, QueryError> {
        let Some((lower, upper)) = time_bounds(self.input, leaf, self.now)? else {
            return Err(self.error(leaf, "eventTime takes a time or a range: eventTime:[2026-11-01 TO 2026-11-02], eventTime:>now-1h"));
        };
        let text = |t: &DateTime<Utc>| quote(&iso_seconds(*t));
        let lower = map_time(lower, text);
        let upper = map_time(upper, text);
        Ok(value.test(|e| {
            let tests = bound_tests(e, &lower, &upper, |t| t.to_owned());
            if tests.is_empty() {
                format!("{e} IS NOT NULL")
            } else {
                format!("({})", tests.join(" AND "))
            }
        }))
    }

    /// Addresses and CIDR blocks; `None` for a term that is neither (matched as words then).
    fn ip(&mut self, leaf: &Leaf, value: &Value) -> Result<Sql, QueryError> {
        match &leaf.term {
            Term::Word(text) | Term::Phrase { text, .. } => {
                if let Ok(ip) = text.parse::<IpAddr>() {
                    return Ok(Some(match ip {
                        IpAddr::V4(_) => value.test(|e| format!("{e} = {}", quote(&ip.to_string()))),
                        IpAddr::V6(_) => return Err(self.error(leaf, "an IPv6 address is compared as a number by the index (every spelling of it), which SQL on the text cannot do: write it as a phrase of its words or use sourceIPAddress.keyword:\"…\"")),
                    }));
                }
                if !text.contains('/') {
                    return Ok(None);
                }
                let net: IpNet = text.parse().map_err(|_| {
                    self.error(leaf, format!("`{text}` is not an address or CIDR block"))
                })?;
                match net {
                    IpNet::V4(v4) => Ok(Some(value.test(|e| {
                        ipv4_between(e, u32::from(v4.network()), u32::from(v4.broadcast()))
                    }))),
                    IpNet::V6(_) => Err(self.error(
                        leaf,
                        "an IPv6 CIDR block has no exact SQL equivalent over the address text",
                    )),
                }
            }
            Term::Range { lower, upper } => {
                let parse = |b: &Bound<String>, default: u32| -> Option<u32> {
                    match b {
                        Bound::Included(t) => t.parse::<std::net::Ipv4Addr>().ok().map(u32::from),
                        Bound::Excluded(t) => t.parse::<std::net::Ipv4Addr>().ok().map(u32::from),
                        Bound::Unbounded => Some(default),
                    }
                };
                match (parse(lower, 0), parse(upper, u32::MAX)) {
                    (Some(low), Some(high)) => {
                        let low = if matches!(lower, Bound::Excluded(_)) {
                            low.saturating_add(1)
                        } else {
                            low
                        };
                        let high = if matches!(upper, Bound::Excluded(_)) {
                            high.saturating_sub(1)
                        } else {
                            high
                        };
                        Ok(Some(value.test(|e| ipv4_between(e, low, high))))
                    }
                    _ => {
                        Err(self.error(leaf, "an address range translates for IPv4 addresses only"))
                    }
                }
            }
            _ => Ok(None),
        }
    }
}

enum Located {
    Value(Value),
    Json(JsonPath),
    /// An object (a struct column): it exists, but has no value of its own.
    Struct(String),
}

fn find<'c>(columns: &'c [Column], name: &str) -> Option<&'c Column> {
    columns.iter().find(|c| c.name == name)
}

/// Presence of a JSON path with a value that is not `null`, as the index records paths.
fn json_exists(json: &JsonPath) -> String {
    let extracted = format!("json_extract({}, {})", json.column, quote(&json.path));
    format!("coalesce({extracted} IS NOT NULL AND json_format({extracted}) <> 'null', false)")
}

fn iso_seconds(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn map_time(bound: Bound<DateTime<Utc>>, f: impl Fn(&DateTime<Utc>) -> String) -> Bound<String> {
    match bound {
        Bound::Included(t) => Bound::Included(f(&t)),
        Bound::Excluded(t) => Bound::Excluded(f(&t)),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn bound_tests(
    expr: &str,
    lower: &Bound<String>,
    upper: &Bound<String>,
    literal: impl Fn(&str) -> String,
) -> Vec<String> {
    let mut tests = Vec::new();
    match lower {
        Bound::Included(v) => tests.push(format!("{expr} >= {}", literal(v))),
        Bound::Excluded(v) => tests.push(format!("{expr} > {}", literal(v))),
        Bound::Unbounded => {}
    }
    match upper {
        Bound::Included(v) => tests.push(format!("{expr} <= {}", literal(v))),
        Bound::Excluded(v) => tests.push(format!("{expr} < {}", literal(v))),
        Bound::Unbounded => {}
    }
    tests
}

/// One octet as the index's address parser reads it: 0 to 255, no leading zero.
const OCTET: &str = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

/// A dotted-quad address between two addresses (as numbers); any other text never is.
fn ipv4_between(expr: &str, low: u32, high: u32) -> String {
    let octet = |n: u8| format!("try_cast(split_part({expr}, '.', {n}) AS BIGINT)");
    format!(
        "(regexp_like({expr}, '^{OCTET}(\\.{OCTET}){{3}}$') AND {} * 16777216 + {} * 65536 + {} * 256 + {} BETWEEN {low} AND {high})",
        octet(1),
        octet(2),
        octet(3),
        octet(4)
    )
}

/// A wildcard as a SQL LIKE pattern, with `\` escaping LIKE's own `%` and `_`.
fn like_pattern(parts: &[WildPart]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            WildPart::Literal(text) => {
                for c in text.chars() {
                    if matches!(c, '%' | '_' | '\\') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            WildPart::AnyChar => out.push('_'),
            WildPart::AnyString => out.push('%'),
        }
    }
    out
}
