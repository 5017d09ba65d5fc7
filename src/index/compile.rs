//! Compiles the query language's syntax tree into tantivy queries over the schema, with
//! Elasticsearch's field semantics: analysed matching by default, exact values under
//! `.keyword`, dates on `eventTime`, addresses and CIDR blocks on `sourceIPAddress`, and short
//! aliases (`user:`, `ip:`, ...).
use std::net::{IpAddr, Ipv6Addr};
use std::ops::Bound;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use ipnet::IpNet;
use tantivy::query::{
    AllQuery, BooleanQuery, EmptyQuery, FuzzyTermQuery, Occur as TantivyOccur,
    Query as TantivyQuery, RangeQuery, RegexQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DateTime as TantivyDateTime, Term as TantivyTerm};

use super::id_set::EventIdSetQuery;
use super::schema::{
    derived, exact_hash, id_hash, path_term, split_id_hash, Fields, EVENT_ID_PATH,
    IDENTIFIER_PATHS, TIME_PATH,
};
use super::tokenizer::{analyse, has_opaque_word, normalise};
use super::value_words::{ValueWordsQuery, WordTest};
use crate::integrity::verdicts::{Verdicts, VERDICT_WORDS};
use crate::query::{parse, Clause, Leaf, Occur, Query, QueryError, Term, WildPart};

/// The derived field that reads the files' integrity verdicts.
const INTEGRITY: &str = "@integrity";
/// The derived field that names one digest chain, `ACCOUNT/REGION`: the events read from the
/// log files CloudTrail delivered for that account and region (their names say so, in any
/// layout), whatever account the records themselves name.
const CHAIN: &str = "@chain";

/// Short field names users type instead of CloudTrail paths.
pub const ALIASES: &[(&str, &[&str])] = &[
    (
        "user",
        &[
            derived::PRINCIPAL,
            derived::PRINCIPAL_NAME,
            "userIdentity.userName",
        ],
    ),
    ("ip", &["sourceIPAddress"]),
    ("region", &["awsRegion"]),
    ("event", &["eventName"]),
    ("source", &["eventSource"]),
    ("error", &["errorCode"]),
    ("account", &["recipientAccountId", "userIdentity.accountId"]),
    ("key", &["userIdentity.accessKeyId"]),
    ("session", &[derived::SESSION]),
];

/// Matches any field path and the separator after it, in a `tok` or `kw` term.
const ANY_PATH: &str = "(?s:[^\\x00]*)\\x00";
const IP_PATH: &str = "sourceIPAddress";
const KEYWORD_SUFFIX: &str = ".keyword";

/// A compiled query and what the user should hear about it.
pub struct CompiledQuery {
    pub query: Box<dyn TantivyQuery>,
    pub warnings: Vec<String>,
    /// Every field path the query reads, for "no event has this field" hints.
    pub paths: Vec<String>,
}

impl std::fmt::Debug for CompiledQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledQuery")
            .field("query", &self.query)
            .field("warnings", &self.warnings)
            .finish()
    }
}

pub fn compile_query(fields: &Fields, text: &str) -> Result<CompiledQuery, QueryError> {
    compile_query_with(fields, text, &Verdicts::default())
}

/// As [`compile_query`], with the files' integrity verdicts that `@integrity:` reads.
pub fn compile_query_with(
    fields: &Fields,
    text: &str,
    verdicts: &Verdicts,
) -> Result<CompiledQuery, QueryError> {
    let ast = parse(text)?;
    let mut compiler = Compiler {
        input: text,
        fields,
        verdicts,
        warnings: Vec::new(),
        paths: Vec::new(),
    };
    let query = compiler
        .query(&ast)?
        .unwrap_or_else(|| Box::new(EmptyQuery));
    Ok(CompiledQuery {
        query,
        warnings: compiler.warnings,
        paths: compiler.paths,
    })
}

/// How one resolved field is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Analysed,
    Keyword,
}

struct Target {
    path: Option<String>,
    mode: Mode,
    /// Reached through an alias: an unquoted value matches all its words, as a phrase does,
    /// where a named field ORs them as Elasticsearch does.
    via_alias: bool,
}

type Compiled = Option<Box<dyn TantivyQuery>>;

struct Compiler<'a> {
    input: &'a str,
    fields: &'a Fields,
    verdicts: &'a Verdicts,
    warnings: Vec<String>,
    paths: Vec<String>,
}

impl Compiler<'_> {
    fn query(&mut self, query: &Query) -> Result<Compiled, QueryError> {
        match query {
            Query::MatchAll => Ok(Some(Box::new(AllQuery))),
            Query::Leaf(leaf) => self.leaf(leaf),
            Query::Bool(clauses) => {
                let mut compiled = Vec::with_capacity(clauses.len() + 1);
                // Alternative event ids (`eventID:(a b c)`) are looked up together, in one pass.
                let ids: Vec<&str> = clauses.iter().filter_map(alternative_event_id).collect();
                let together = ids.len() > 1;
                if together {
                    self.paths.push(EVENT_ID_PATH.to_owned());
                    compiled.push((
                        TantivyOccur::Should,
                        Box::new(EventIdSetQuery::new(ids)) as Box<dyn TantivyQuery>,
                    ));
                }
                for clause in clauses {
                    if together && alternative_event_id(clause).is_some() {
                        continue;
                    }
                    if let Some(query) = self.query(&clause.query)? {
                        let occur = match clause.occur {
                            Occur::Must => TantivyOccur::Must,
                            Occur::Should => TantivyOccur::Should,
                            Occur::MustNot => TantivyOccur::MustNot,
                        };
                        compiled.push((occur, query));
                    }
                }
                if compiled.is_empty() {
                    return Ok(None);
                }
                if compiled
                    .iter()
                    .all(|(occur, _)| *occur == TantivyOccur::MustNot)
                {
                    // Elasticsearch matches everything but the excluded, where Lucene would match nothing.
                    compiled.push((TantivyOccur::Must, Box::new(AllQuery)));
                }
                Ok(Some(Box::new(BooleanQuery::new(compiled))))
            }
        }
    }

    fn targets(&mut self, field: Option<&str>) -> Vec<Target> {
        let Some(field) = field.filter(|f| *f != "*") else {
            return vec![Target {
                path: None,
                mode: Mode::Analysed,
                via_alias: false,
            }];
        };
        let (name, mode) = match field.strip_suffix(KEYWORD_SUFFIX) {
            Some(base) => (base, Mode::Keyword),
            None => (field, Mode::Analysed),
        };
        let alias = ALIASES.iter().find(|(alias, _)| *alias == name);
        let via_alias = alias.is_some();
        let paths: Vec<&str> = alias
            .map(|(_, paths)| paths.to_vec())
            .unwrap_or_else(|| vec![name]);
        paths
            .into_iter()
            .map(|path| {
                self.paths.push(path.to_owned());
                Target {
                    path: Some(path.to_owned()),
                    mode,
                    via_alias,
                }
            })
            .collect()
    }

    fn leaf(&mut self, leaf: &Leaf) -> Result<Compiled, QueryError> {
        let alias = leaf.field.as_deref();
        if alias == Some(INTEGRITY) {
            return self.integrity(leaf).map(Some);
        }
        if alias == Some(CHAIN) {
            return self.chain(leaf).map(Some);
        }
        let mut alternatives = Vec::new();
        for target in self.targets(alias) {
            if let Some(query) = self.target_leaf(leaf, &target)? {
                alternatives.push(query);
            }
        }
        if alias == Some("source") {
            if let Term::Word(word) = &leaf.term {
                if !word.contains('.') {
                    let host = format!("{word}.amazonaws.com");
                    alternatives.push(self.keyword_term(SOURCE_PATH, &host));
                }
            }
        }
        self.pasted_syntax_hints(leaf);
        if let Term::Word(word) = &leaf.term {
            if word.contains('|') {
                self.warnings.push(format!(
                    "`{word}` is searched as one term: `|` is not an operator here; use OR, or a regular expression like /A|B/"
                ));
            }
        }
        Ok(match alternatives.len() {
            0 => None,
            1 => alternatives.pop(),
            _ => Some(Box::new(BooleanQuery::new(
                alternatives
                    .into_iter()
                    .map(|q| (TantivyOccur::Should, q))
                    .collect(),
            ))),
        })
    }

    /// Syntax from other tools that parses here but means something else: lower-case `and` /
    /// `or` / `not` (words to Lucene), Splunk's `field=value`, and `@timestamp`.
    fn pasted_syntax_hints(&mut self, leaf: &Leaf) {
        let written = self.input.get(leaf.span.clone()).unwrap_or_default();
        let column = self.input[..leaf.span.start.min(self.input.len())]
            .chars()
            .count()
            + 1;
        if let Term::Word(word) = &leaf.term {
            let operator = word.to_ascii_uppercase();
            if written == word && matches!(operator.as_str(), "AND" | "OR" | "NOT") {
                self.warnings.push(format!(
                    "`{word}` at column {column} is searched as a word in every field, not as an operator; write {operator} to combine the clauses"
                ));
            }
            if leaf.field.is_none() {
                if let Some((field, value)) = word.split_once('=') {
                    let field = field.trim_end_matches('!');
                    let looks_like_field = !field.is_empty()
                        && field
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@'));
                    if looks_like_field && !value.is_empty() {
                        self.warnings.push(format!(
                            "`{word}` at column {column} is searched as text: `=` does not name a field here; write {field}:{value}"
                        ));
                    }
                }
            }
        }
        if let Some(field) = leaf.field.as_deref() {
            let base = field.strip_suffix(KEYWORD_SUFFIX).unwrap_or(field);
            if matches!(base, "@timestamp" | "timestamp" | "_time") {
                self.warnings.push(format!(
                    "`{base}` at column {column} is not a CloudTrail field: the event's time is eventTime (eventTime:>now-1h, eventTime:[2026-11-01 TO 2026-11-02])"
                ));
            }
        }
    }

    fn target_leaf(&mut self, leaf: &Leaf, target: &Target) -> Result<Compiled, QueryError> {
        let path = target.path.as_deref();
        if let Term::Exists = leaf.term {
            return Ok(Some(match path {
                Some(path) => self.exists(path),
                None => Box::new(AllQuery),
            }));
        }
        if path == Some(TIME_PATH) {
            if let Some(query) = self.time_leaf(leaf)? {
                return Ok(Some(query));
            }
        }
        if path == Some(IP_PATH) {
            if let Some(query) = self.ip_leaf(leaf)? {
                return Ok(Some(query));
            }
        }
        if let Some(path) = path.filter(|p| *p == EVENT_ID_PATH || IDENTIFIER_PATHS.contains(p)) {
            return self.identifier(leaf, path).map(Some);
        }
        match target.mode {
            Mode::Analysed if target.via_alias => match &leaf.term {
                Term::Word(word) => {
                    let as_phrase = Leaf {
                        term: Term::Phrase {
                            text: word.clone(),
                            slop: 0,
                        },
                        ..leaf.clone()
                    };
                    self.analysed(&as_phrase, path)
                }
                _ => self.analysed(leaf, path),
            },
            Mode::Analysed => self.analysed(leaf, path),
            Mode::Keyword => self.keyword(leaf, path.unwrap_or_default()).map(Some),
        }
    }

    /// Identifiers match whole values only: a term or phrase is hashed and looked up in `exact`.
    fn identifier(&self, leaf: &Leaf, path: &str) -> Result<Box<dyn TantivyQuery>, QueryError> {
        match &leaf.term {
            Term::Word(value) | Term::Phrase { text: value, .. } if path == EVENT_ID_PATH => {
                Ok(event_id_query(self.fields, value))
            }
            Term::Word(value) | Term::Phrase { text: value, .. } => {
                Ok(u64_equals(self.fields.exact, exact_hash(path, value)))
            }
            Term::Exists => Ok(self.exists(path)),
            _ => Err(QueryError::at(
                self.input,
                leaf.span.start,
                format!("`{path}` matches whole values only: give the full id"),
            )),
        }
    }

    fn term_query(&self, field: Field, text: &str) -> Box<dyn TantivyQuery> {
        Box::new(TermQuery::new(
            TantivyTerm::from_field_text(field, text),
            IndexRecordOption::Basic,
        ))
    }

    /// `_exists_:PATH`: a `kw` term under the path, or the path in `paths` (objects, values not
    /// kept whole).
    fn exists(&self, path: &str) -> Box<dyn TantivyQuery> {
        let any_value = self.text_range(
            self.fields.kw,
            &path_term(path, ""),
            Bound::Unbounded,
            Bound::Unbounded,
        );
        Box::new(BooleanQuery::new(vec![
            (
                TantivyOccur::Should,
                self.term_query(self.fields.paths, path),
            ),
            (TantivyOccur::Should, any_value),
        ]))
    }

    /// One analysed word under `path`.
    fn analysed_word(&self, path: &str, token: &str) -> Box<dyn TantivyQuery> {
        let tok = Box::new(TermQuery::new(
            self.analysed_term(path, token),
            IndexRecordOption::Basic,
        ));
        self.with_value_words(tok, Some(path), || WordTest::Word(token.to_owned()))
    }

    /// `tok`, the query over the words indexed one by one, and also the values whose words pass
    /// `test` under `path` when its words are read from its values
    /// ([`super::schema::VALUE_WORD_PATHS`]; under all of them but provenance when no path is
    /// named). Values too long to keep whole are in `tok` either way.
    fn with_value_words(
        &self,
        tok: Box<dyn TantivyQuery>,
        path: Option<&str>,
        test: impl FnOnce() -> WordTest,
    ) -> Box<dyn TantivyQuery> {
        let kw = self.fields.kw;
        let values = match path {
            Some(path) => ValueWordsQuery::under(kw, path, test),
            None => Some(ValueWordsQuery::anywhere(kw, test())),
        };
        match values {
            Some(values) => Box::new(BooleanQuery::new(vec![
                (TantivyOccur::Should, tok),
                (TantivyOccur::Should, Box::new(values)),
            ])),
            None => tok,
        }
    }

    fn word_regex(&self, leaf: &Leaf, pattern: &str) -> Result<WordTest, QueryError> {
        WordTest::regex(pattern).ok_or_else(|| {
            QueryError::at(
                self.input,
                leaf.span.start,
                format!("invalid regular expression /{pattern}/: it cannot be compiled"),
            )
        })
    }

    fn analysed_term(&self, path: &str, token: &str) -> TantivyTerm {
        TantivyTerm::from_field_text(self.fields.tok, &path_term(path, token))
    }

    /// A query that names no field: each word may stand under any path (Elasticsearch's `*`
    /// default field). A phrase needs all its words, under any paths.
    fn any_field(&mut self, leaf: &Leaf) -> Result<Compiled, QueryError> {
        let field = self.fields.tok;
        let word_anywhere = |this: &Self, token: &str| {
            let tok = this.regex(leaf, field, ANY_PATH, &escape_literal(token))?;
            Ok(this.with_value_words(tok, None, || WordTest::Word(token.to_owned())))
        };
        let combine = |queries: Vec<Box<dyn TantivyQuery>>, occur: TantivyOccur| -> Compiled {
            match queries.len() {
                0 => None,
                1 => queries.into_iter().next(),
                _ => Some(Box::new(BooleanQuery::new(
                    queries.into_iter().map(|q| (occur, q)).collect(),
                ))),
            }
        };
        Ok(match &leaf.term {
            Term::Word(text) => {
                let words = analyse(text)
                    .iter()
                    .map(|t| word_anywhere(self, t))
                    .collect::<Result<_, _>>()?;
                combine(words, TantivyOccur::Should)
            }
            Term::Phrase { text, .. } => {
                let words = analyse(text)
                    .iter()
                    .map(|t| word_anywhere(self, t))
                    .collect::<Result<_, _>>()?;
                combine(words, TantivyOccur::Must)
            }
            Term::Wildcard(parts) => {
                let pattern = wildcard_regex(parts, true);
                let tok = self.regex(leaf, field, ANY_PATH, &pattern)?;
                let test = self.word_regex(leaf, &pattern)?;
                Some(self.with_value_words(tok, None, || test))
            }
            Term::Regex(pattern) => {
                let pattern = normalise(pattern);
                let tok = self.regex(leaf, field, ANY_PATH, &pattern)?;
                let test = self.word_regex(leaf, &pattern)?;
                Some(self.with_value_words(tok, None, || test))
            }
            Term::Fuzzy { .. } => {
                return Err(QueryError::at(
                    self.input,
                    leaf.span.start,
                    "a fuzzy term needs a field (e.g. userAgent:boto~)",
                ))
            }
            Term::Range { .. } => {
                return Err(QueryError::at(
                    self.input,
                    leaf.span.start,
                    "a range needs a field (e.g. eventTime:[A TO B])",
                ))
            }
            Term::Exists => Some(Box::new(AllQuery)),
        })
    }

    /// `@integrity:WORD`: the events of the files `verify` gave that verdict (`unverified`: of
    /// every file it gave no other).
    fn integrity(&mut self, leaf: &Leaf) -> Result<Box<dyn TantivyQuery>, QueryError> {
        let word = match &leaf.term {
            Term::Word(text) | Term::Phrase { text, .. } => text.to_ascii_lowercase(),
            _ => String::new(),
        };
        if !VERDICT_WORDS.contains(&word.as_str()) {
            return Err(QueryError::at(
                self.input,
                leaf.span.start,
                format!("@integrity is one of {}", VERDICT_WORDS.join(", ")),
            ));
        }
        self.paths.push(derived::FILE.to_owned());
        let terms = |files: Vec<&str>| -> Box<dyn TantivyQuery> {
            Box::new(TermSetQuery::new(files.into_iter().map(|file| {
                TantivyTerm::from_field_text(self.fields.kw, &path_term(derived::FILE, file))
            })))
        };
        if word == "unverified" {
            let judged: Vec<&str> = VERDICT_WORDS[..4]
                .iter()
                .flat_map(|w| self.verdicts.files_with(w))
                .collect();
            return Ok(Box::new(BooleanQuery::new(vec![
                (
                    TantivyOccur::Must,
                    Box::new(AllQuery) as Box<dyn TantivyQuery>,
                ),
                (TantivyOccur::MustNot, terms(judged)),
            ])));
        }
        Ok(terms(self.verdicts.files_with(&word).collect()))
    }

    /// `@chain:ACCOUNT/REGION`: the events of the log files named `ACCOUNT_CloudTrail_REGION_…`.
    fn chain(&mut self, leaf: &Leaf) -> Result<Box<dyn TantivyQuery>, QueryError> {
        let text = match &leaf.term {
            Term::Word(text) | Term::Phrase { text, .. } => text.as_str(),
            _ => "",
        };
        let parts: Vec<&str> = text
            .split(|c: char| c == '/' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        let (account, region) = match parts.as_slice() {
            [account, region]
                if account.len() == 12
                    && account.chars().all(|c| c.is_ascii_digit())
                    && !region.is_empty()
                    && region
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') =>
            {
                (*account, *region)
            }
            _ => {
                return Err(QueryError::at(
                    self.input,
                    leaf.span.start,
                    "@chain is ACCOUNT/REGION, e.g. @chain:111122223333/eu-west-1",
                ))
            }
        };
        self.paths.push(derived::FILE.to_owned());
        let prefix = escape_literal(&path_term(derived::FILE, ""));
        let name = format!("(?s:.*){account}_CloudTrail_{region}_[^/\\\\]*");
        self.regex(leaf, self.fields.kw, &prefix, &name)
    }

    fn keyword_term(&self, path: &str, value: &str) -> Box<dyn TantivyQuery> {
        self.term_query(self.fields.kw, &path_term(path, value))
    }

    fn analysed(&mut self, leaf: &Leaf, path: Option<&str>) -> Result<Compiled, QueryError> {
        let Some(path) = path else {
            return self.any_field(leaf);
        };
        let field = self.fields.tok;
        let prefix = path_term(path, "");
        let prefix_regex = escape_literal(&prefix);
        if let Term::Word(text) | Term::Phrase { text, .. } = &leaf.term {
            if has_opaque_word(text) {
                return Ok(Some(self.keyword_term(path, text)));
            }
        }
        Ok(match &leaf.term {
            Term::Word(word) => {
                let tokens = analyse(word);
                if tokens.len() > 1 {
                    self.warnings.push(format!(
                        "`{word}` is analysed into {} and any of them matches; quote it to match the phrase",
                        tokens.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
                let mut terms: Vec<Box<dyn TantivyQuery>> =
                    tokens.iter().map(|t| self.analysed_word(path, t)).collect();
                match terms.len() {
                    0 => None,
                    1 => terms.pop(),
                    _ => Some(Box::new(BooleanQuery::new(
                        terms
                            .into_iter()
                            .map(|q| (TantivyOccur::Should, q))
                            .collect(),
                    ))),
                }
            }
            Term::Phrase { text, slop } => {
                let _ = slop;
                let tokens = analyse(text);
                let mut words: Vec<(TantivyOccur, Box<dyn TantivyQuery>)> = tokens
                    .iter()
                    .map(|t| {
                        let term =
                            TermQuery::new(self.analysed_term(path, t), IndexRecordOption::Basic);
                        (TantivyOccur::Must, Box::new(term) as Box<dyn TantivyQuery>)
                    })
                    .collect();
                if words.is_empty() {
                    return Ok(None);
                }
                let tok = match words.len() {
                    1 => words.remove(0).1,
                    _ => Box::new(BooleanQuery::new(words)),
                };
                Some(
                    self.with_value_words(tok, Some(path), || match tokens.len() {
                        1 => WordTest::Word(tokens[0].clone()),
                        _ => WordTest::AllWords(tokens.clone()),
                    }),
                )
            }
            Term::Wildcard(parts) => {
                let pattern = wildcard_regex(parts, true);
                let tok = self.regex(leaf, field, &prefix_regex, &pattern)?;
                let test = self.word_regex(leaf, &pattern)?;
                Some(self.with_value_words(tok, Some(path), || test))
            }
            Term::Regex(pattern) => {
                let pattern = normalise(pattern);
                let tok = self.regex(leaf, field, &prefix_regex, &pattern)?;
                let test = self.word_regex(leaf, &pattern)?;
                Some(self.with_value_words(tok, Some(path), || test))
            }
            Term::Fuzzy { text, distance } => {
                let word = normalise(text);
                let tok = Box::new(FuzzyTermQuery::new(
                    self.analysed_term(path, &word),
                    *distance,
                    true,
                ));
                Some(self.with_value_words(tok, Some(path), || WordTest::fuzzy(&word, *distance)))
            }
            Term::Range { lower, upper } => {
                let (lower, upper) = (map_bound(lower, normalise), map_bound(upper, normalise));
                let tok = self.text_range(field, &prefix, lower.clone(), upper.clone());
                Some(self.with_value_words(tok, Some(path), || WordTest::Range(lower, upper)))
            }
            Term::Exists => None,
        })
    }

    fn keyword(&mut self, leaf: &Leaf, path: &str) -> Result<Box<dyn TantivyQuery>, QueryError> {
        let field = self.fields.kw;
        let prefix = path_term(path, "");
        let prefix_regex = escape_literal(&prefix);
        Ok(match &leaf.term {
            Term::Word(value) | Term::Phrase { text: value, .. } => self.keyword_term(path, value),
            Term::Wildcard(parts) => {
                self.regex(leaf, field, &prefix_regex, &wildcard_regex(parts, false))?
            }
            Term::Regex(pattern) => self.regex(leaf, field, &prefix_regex, pattern)?,
            Term::Fuzzy { text, distance } => Box::new(FuzzyTermQuery::new(
                TantivyTerm::from_field_text(field, &path_term(path, text)),
                *distance,
                true,
            )),
            Term::Range { lower, upper } => {
                self.text_range(field, &prefix, lower.clone(), upper.clone())
            }
            Term::Exists => self.exists(path),
        })
    }

    /// A regular expression over whole terms: `prefix_regex` selects the path, `pattern` the value.
    fn regex(
        &self,
        leaf: &Leaf,
        field: Field,
        prefix_regex: &str,
        pattern: &str,
    ) -> Result<Box<dyn TantivyQuery>, QueryError> {
        let input = self.input;
        let invalid = |reason: String| {
            QueryError::at(
                input,
                leaf.span.start,
                format!("invalid regular expression /{pattern}/: {reason}"),
            )
        };
        // Checked on its own first, so that the error speaks of the user's pattern, not of the
        // index's term layout it is embedded in.
        if let Err(error) = regex_syntax::Parser::new().parse(pattern) {
            return Err(invalid(regex_reason(&error)));
        }
        let anchored = format!("{prefix_regex}(?:{pattern})");
        RegexQuery::from_pattern(&anchored, field)
            .map(|q| Box::new(q) as Box<dyn TantivyQuery>)
            .map_err(|_| invalid("it cannot be compiled into a term automaton".to_owned()))
    }

    fn text_range(
        &self,
        field: Field,
        prefix: &str,
        lower: Bound<String>,
        upper: Bound<String>,
    ) -> Box<dyn TantivyQuery> {
        let term = |value: &str| TantivyTerm::from_field_text(field, &format!("{prefix}{value}"));
        let lower = match lower {
            Bound::Included(v) => Bound::Included(term(&v)),
            Bound::Excluded(v) => Bound::Excluded(term(&v)),
            Bound::Unbounded => Bound::Included(term("")),
        };
        let upper = match upper {
            Bound::Included(v) => Bound::Included(term(&v)),
            Bound::Excluded(v) => Bound::Excluded(term(&v)),
            Bound::Unbounded => Bound::Excluded(path_end(field, prefix)),
        };
        Box::new(RangeQuery::new(lower, upper))
    }

    fn time_leaf(&mut self, leaf: &Leaf) -> Result<Compiled, QueryError> {
        Ok(time_bounds(self.input, leaf, Utc::now())?
            .map(|(lower, upper)| time_range(self.fields.time, lower, upper)))
    }

    fn ip_leaf(&mut self, leaf: &Leaf) -> Result<Compiled, QueryError> {
        let input = self.input;
        let field = self.fields.ip;
        let ip_term = |ip: Ipv6Addr| TantivyTerm::from_field_ip_addr(field, ip);
        match &leaf.term {
            Term::Word(text) | Term::Phrase { text, .. } => {
                if let Ok(ip) = text.parse::<IpAddr>() {
                    return Ok(Some(Box::new(TermQuery::new(
                        ip_term(to_v6(ip)),
                        IndexRecordOption::Basic,
                    ))));
                }
                if text.contains('/') {
                    let net: IpNet = text.parse().map_err(|_| {
                        QueryError::at(
                            input,
                            leaf.span.start,
                            format!("`{text}` is not an address or CIDR block"),
                        )
                    })?;
                    let (low, high) = match net {
                        IpNet::V4(v4) => (
                            to_v6(IpAddr::V4(v4.network())),
                            to_v6(IpAddr::V4(v4.broadcast())),
                        ),
                        IpNet::V6(v6) => (v6.network(), v6.broadcast()),
                    };
                    return Ok(Some(Box::new(RangeQuery::new(
                        Bound::Included(ip_term(low)),
                        Bound::Included(ip_term(high)),
                    ))));
                }
                Ok(None)
            }
            Term::Range { lower, upper } => {
                let parse = |b: &Bound<String>| -> Option<Bound<TantivyTerm>> {
                    Some(match b {
                        Bound::Included(t) => Bound::Included(ip_term(to_v6(t.parse().ok()?))),
                        Bound::Excluded(t) => Bound::Excluded(ip_term(to_v6(t.parse().ok()?))),
                        Bound::Unbounded => Bound::Unbounded,
                    })
                };
                match (parse(lower), parse(upper)) {
                    (Some(Bound::Unbounded), Some(Bound::Unbounded)) => Ok(None),
                    (Some(l), Some(u)) => Ok(Some(Box::new(RangeQuery::new(
                        replace_unbounded(l, ip_term(Ipv6Addr::UNSPECIFIED)),
                        replace_unbounded(u, ip_term(Ipv6Addr::from(u128::MAX))),
                    )))),
                    _ => Ok(None),
                }
            }
            _ => Ok(None),
        }
    }
}

/// What is wrong with a regular expression, in one line without the pattern it came from.
fn regex_reason(error: &regex_syntax::Error) -> String {
    match error {
        regex_syntax::Error::Parse(e) => e.kind().to_string(),
        regex_syntax::Error::Translate(e) => e.kind().to_string(),
        other => other
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// Where the `source:` alias looks up its `iam` -> `iam.amazonaws.com` shortcut.
const SOURCE_PATH: &str = "eventSource";

fn u64_equals(field: Field, value: u64) -> Box<dyn TantivyQuery> {
    let term = TantivyTerm::from_field_u64(field, value);
    Box::new(RangeQuery::new(
        Bound::Included(term.clone()),
        Bound::Included(term),
    ))
}

/// The event id an optional clause names whole (`eventID:abc` or `eventID:"abc"`), if it does.
fn alternative_event_id(clause: &Clause) -> Option<&str> {
    match (&clause.occur, &clause.query) {
        (Occur::Should, Query::Leaf(leaf)) if leaf.field.as_deref() == Some(EVENT_ID_PATH) => {
            match &leaf.term {
                Term::Word(value) | Term::Phrase { text: value, .. } => Some(value),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Matches the event whose id is `event_id`.
pub(crate) fn event_id_query(fields: &Fields, event_id: &str) -> Box<dyn TantivyQuery> {
    let (hi, lo) = split_id_hash(id_hash(event_id));
    Box::new(BooleanQuery::new(vec![
        (TantivyOccur::Must, u64_equals(fields.id_hi, hi)),
        (TantivyOccur::Must, u64_equals(fields.id_lo, lo)),
    ]))
}

fn replace_unbounded(bound: Bound<TantivyTerm>, with: TantivyTerm) -> Bound<TantivyTerm> {
    match bound {
        Bound::Unbounded => Bound::Included(with),
        other => other,
    }
}

fn to_v6(ip: IpAddr) -> Ipv6Addr {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped(),
        IpAddr::V6(v6) => v6,
    }
}

fn map_bound(bound: &Bound<String>, f: impl Fn(&str) -> String) -> Bound<String> {
    match bound {
        Bound::Included(v) => Bound::Included(f(v)),
        Bound::Excluded(v) => Bound::Excluded(f(v)),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The first term after every term under `prefix` (which ends in the path separator).
fn path_end(field: Field, prefix: &str) -> TantivyTerm {
    let mut end = prefix.to_owned();
    match end.pop() {
        Some(_) => {
            end.push('\u{1}');
            TantivyTerm::from_field_text(field, &end)
        }
        None => TantivyTerm::from_field_text(field, "\u{10ffff}"),
    }
}

fn escape_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c == '\0' {
            out.push_str("\\x00");
        } else {
            out.push_str(&regex_syntax::escape(c.encode_utf8(&mut [0; 4])));
        }
    }
    out
}

fn wildcard_regex(parts: &[WildPart], lowercase: bool) -> String {
    parts
        .iter()
        .map(|part| match part {
            WildPart::Literal(text) if lowercase => escape_literal(&normalise(text)),
            WildPart::Literal(text) => escape_literal(text),
            WildPart::AnyChar => ".".to_owned(),
            WildPart::AnyString => ".*".to_owned(),
        })
        .collect()
}

pub(crate) fn time_range(
    field: Field,
    lower: Bound<DateTime<Utc>>,
    upper: Bound<DateTime<Utc>>,
) -> Box<dyn TantivyQuery> {
    let term = |t: DateTime<Utc>| {
        TantivyTerm::from_field_date(field, TantivyDateTime::from_timestamp_secs(t.timestamp()))
    };
    let lower = match lower {
        Bound::Included(t) => Bound::Included(term(t)),
        Bound::Excluded(t) => Bound::Excluded(term(t)),
        Bound::Unbounded => {
            Bound::Included(TantivyTerm::from_field_date(field, TantivyDateTime::MIN))
        }
    };
    let upper = match upper {
        Bound::Included(t) => Bound::Included(term(t)),
        Bound::Excluded(t) => Bound::Excluded(term(t)),
        Bound::Unbounded => {
            Bound::Included(TantivyTerm::from_field_date(field, TantivyDateTime::MAX))
        }
    };
    Box::new(RangeQuery::new(lower, upper))
}

/// A time window's lower and upper bound.
pub type InstantBounds = (Bound<DateTime<Utc>>, Bound<DateTime<Utc>>);

/// The instants an `eventTime` leaf (a time, a day or a range) bounds; `None` for other terms.
pub fn time_bounds(
    input: &str,
    leaf: &Leaf,
    now: DateTime<Utc>,
) -> Result<Option<InstantBounds>, QueryError> {
    let parse = |text: &str, upper: bool, inclusive: bool| {
        date_bound(text, upper, inclusive, now).ok_or_else(|| {
            QueryError::at(
                input,
                leaf.span.start,
                format!(
                    "`{text}` is not a time: use 2026-11-01T08:00:00Z, 2026-11-01, now or now-15m"
                ),
            )
        })
    };
    Ok(Some(match &leaf.term {
        Term::Word(text) | Term::Phrase { text, .. } => {
            (parse(text, false, true)?, parse(text, true, true)?)
        }
        Term::Range { lower, upper } => (
            match lower {
                Bound::Included(t) => parse(t, false, true)?,
                Bound::Excluded(t) => parse(t, false, false)?,
                Bound::Unbounded => Bound::Unbounded,
            },
            match upper {
                Bound::Included(t) => parse(t, true, true)?,
                Bound::Excluded(t) => parse(t, true, false)?,
                Bound::Unbounded => Bound::Unbounded,
            },
        ),
        _ => return Ok(None),
    }))
}

/// A time bound from user text. Dates without a time cover the whole day, as in Elasticsearch:
/// an inclusive upper bound `2026-11-01` reaches the end of that day.
pub fn date_bound(
    text: &str,
    upper: bool,
    inclusive: bool,
    now: DateTime<Utc>,
) -> Option<Bound<DateTime<Utc>>> {
    let text = text.trim();
    if text == "*" {
        return Some(Bound::Unbounded);
    }
    let exact = |t: DateTime<Utc>| {
        Some(if inclusive {
            Bound::Included(t)
        } else {
            Bound::Excluded(t)
        })
    };
    if let Some(t) = parse_instant(text, now) {
        return exact(t);
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let start = day.and_hms_opt(0, 0, 0)?.and_utc();
    let next = start + Duration::days(1);
    Some(match (upper, inclusive) {
        (false, true) => Bound::Included(start),
        (false, false) => Bound::Included(next),
        (true, true) => Bound::Excluded(next),
        (true, false) => Bound::Excluded(start),
    })
}

/// An instant: RFC 3339, a naive `YYYY-MM-DDTHH:MM:SS` taken as UTC, `now`, or `now-15m`.
pub fn parse_instant(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    let rest = text.strip_prefix("now")?;
    if rest.is_empty() {
        return Some(now);
    }
    let (sign, amount) = match rest.split_at(1) {
        ("-", amount) => (-1, amount),
        ("+", amount) => (1, amount),
        _ => return None,
    };
    let duration = humantime::parse_duration(amount).ok()?;
    let duration = Duration::from_std(duration).ok()?;
    if sign < 0 {
        now.checked_sub_signed(duration)
    } else {
        now.checked_add_signed(duration)
    }
}
