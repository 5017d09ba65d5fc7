//! Builds the syntax tree from tokens, following the grammar of Lucene's
//! classic `QueryParser.jj` and the clause rules of
//! `QueryParserBase.addClause` with the default operator OR, plus the
//! Elasticsearch `query_string` additions: `_exists_:field`, `field:*`
//! and `field:>value` style ranges.

use std::collections::VecDeque;
use std::fmt::Display;
use std::ops::{Bound, Range};

use super::ast::{Clause, Leaf, Occur, Query, Term, WildPart};
use super::error::{quote_input, QueryError};
use super::lexer::{tokenize, Token, TokenKind, Tokens};

/// Groups nested deeper than this are refused, so recursion stays bounded.
const MAX_NESTING: usize = 100;
/// Elasticsearch's pseudo-field: `_exists_:name` matches documents with a value for `name`.
const EXISTS_FIELD: &str = "_exists_";
/// Lucene's default fuzzy distance, for `term~` without a number.
const DEFAULT_FUZZY_DISTANCE: f32 = 2.0;
const MAX_FUZZY_DISTANCE: u8 = 2;

pub(crate) fn parse(input: &str) -> Result<Query, QueryError> {
    let Tokens { tokens, error } = tokenize(input);
    let mut parser = Parser {
        input,
        tokens,
        lexical_error: error,
    };
    parser.top_level()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Conjunction {
    None,
    And,
    Or,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Modifier {
    None,
    Required,
    Prohibited,
}

/// What came right before a clause, for error messages about a missing one.
enum Before {
    /// The start of the query or of the group opened at this byte offset.
    Start { open_paren: Option<usize> },
    /// An operator token (`AND`, `NOT`, `+`, ...) at this span.
    Operator(Range<usize>),
}

/// The field of a clause, named explicitly or inherited from `field:( ... )`.
struct FieldContext<'f> {
    name: Option<&'f str>,
    /// Where the clause's own `field:` starts, when it names one.
    explicit_start: Option<usize>,
}

/// The `~` and `^` suffixes after a term.
struct Suffixes {
    fuzzy_slop: Option<(String, Range<usize>)>,
    end: usize,
}

struct Parser<'a> {
    input: &'a str,
    tokens: VecDeque<Token>,
    lexical_error: Option<QueryError>,
}

impl Parser<'_> {
    fn peek_nth(&self, index: usize) -> Result<Option<&Token>, QueryError> {
        match (self.tokens.get(index), &self.lexical_error) {
            (Some(token), _) => Ok(Some(token)),
            (None, Some(error)) => Err(error.clone()),
            (None, None) => Ok(None),
        }
    }

    fn peek(&self) -> Result<Option<&Token>, QueryError> {
        self.peek_nth(0)
    }

    fn peek_kind(&self) -> Result<Option<&TokenKind>, QueryError> {
        Ok(self.peek()?.map(|token| &token.kind))
    }

    fn next(&mut self) -> Result<Option<Token>, QueryError> {
        self.peek()?;
        Ok(self.tokens.pop_front())
    }

    fn error(&self, offset: usize, description: impl Display) -> QueryError {
        QueryError::at(self.input, offset, description)
    }

    fn token_text(&self, token: &Token) -> String {
        quote_input(self.input.get(token.span.clone()).unwrap_or_default())
    }

    fn unexpected(&self, token: &Token) -> QueryError {
        let text = self.token_text(token);
        if token.kind == TokenKind::Colon {
            self.error(token.span.start, format_args!("unexpected {text}"))
                .with_hint("quote values that contain ':', or escape it as '\\:'")
        } else {
            self.error(token.span.start, format_args!("unexpected {text}"))
        }
    }

    fn top_level(&mut self) -> Result<Query, QueryError> {
        if self.peek()?.is_none() {
            return Ok(Query::MatchAll);
        }
        let query = self.query(None, 0, None)?;
        match self.peek()? {
            None => Ok(query),
            Some(token) => Err(self.unexpected(token)),
        }
    }

    /// One boolean level: `Modifiers Clause (Conjunction Modifiers Clause)*`.
    fn query(
        &mut self,
        field: Option<&str>,
        depth: usize,
        open_paren: Option<usize>,
    ) -> Result<Query, QueryError> {
        let mut clauses: Vec<Clause> = Vec::new();
        loop {
            let mut before = Before::Start { open_paren };
            let conjunction = if clauses.is_empty() {
                Conjunction::None
            } else {
                self.conjunction(&mut before)?
            };
            let modifier = self.modifier(&mut before)?;
            let query = self.clause(field, depth, &before)?;
            add_clause(&mut clauses, conjunction, modifier, query);
            if !self.continues_query()? {
                break;
            }
        }
        if matches!(clauses.as_slice(), [only] if only.occur != Occur::MustNot) {
            if let Some(only) = clauses.pop() {
                return Ok(only.query);
            }
        }
        Ok(Query::Bool(clauses))
    }

    fn continues_query(&self) -> Result<bool, QueryError> {
        Ok(matches!(
            self.peek_kind()?,
            Some(
                TokenKind::And
                    | TokenKind::Or
                    | TokenKind::Not
                    | TokenKind::Plus
                    | TokenKind::Minus
                    | TokenKind::LParen
                    | TokenKind::BareOperator(_)
                    | TokenKind::Term(_)
                    | TokenKind::Quoted(_)
                    | TokenKind::Regex(_)
                    | TokenKind::RangeStart { .. }
            )
        ))
    }

    fn conjunction(&mut self, before: &mut Before) -> Result<Conjunction, QueryError> {
        let conjunction = match self.peek_kind()? {
            Some(TokenKind::And) => Conjunction::And,
            Some(TokenKind::Or) => Conjunction::Or,
            _ => return Ok(Conjunction::None),
        };
        if let Some(token) = self.next()? {
            *before = Before::Operator(token.span);
        }
        Ok(conjunction)
    }

    fn modifier(&mut self, before: &mut Before) -> Result<Modifier, QueryError> {
        let modifier = match self.peek_kind()? {
            Some(TokenKind::Plus) => Modifier::Required,
            Some(TokenKind::Minus | TokenKind::Not) => Modifier::Prohibited,
            _ => return Ok(Modifier::None),
        };
        if let Some(token) = self.next()? {
            *before = Before::Operator(token.span);
        }
        Ok(modifier)
    }

    /// `[field ':'] (Term | '(' Query ')' ['^' boost])`
    fn clause(
        &mut self,
        inherited_field: Option<&str>,
        depth: usize,
        before: &Before,
    ) -> Result<Query, QueryError> {
        let explicit_field = self.field_prefix()?;
        let field = FieldContext {
            name: explicit_field
                .as_ref()
                .map(|(name, _)| name.as_str())
                .or(inherited_field),
            explicit_start: explicit_field.as_ref().map(|(_, span)| span.start),
        };
        let Some(token) = self.peek()? else {
            return Err(self.missing_clause(None, explicit_field.as_ref(), before));
        };
        match token.kind {
            TokenKind::LParen => self.group(&field, depth),
            TokenKind::Term(_)
            | TokenKind::BareOperator(_)
            | TokenKind::Quoted(_)
            | TokenKind::Regex(_)
            | TokenKind::RangeStart { .. } => self.term(&field),
            _ => Err(self.missing_clause(Some(token), explicit_field.as_ref(), before)),
        }
    }

    /// Consumes `name:` (or `*:`) when the next two tokens are a plain term
    /// and a colon; returns the unescaped name and the span of `name:`.
    fn field_prefix(&mut self) -> Result<Option<(String, Range<usize>)>, QueryError> {
        let name = match self.peek_kind()? {
            Some(TokenKind::Term(parts)) => match parts.as_slice() {
                [WildPart::AnyString] => "*".to_string(),
                [WildPart::Literal(name)] => name.clone(),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        if !matches!(self.peek_nth(1)?, Some(token) if token.kind == TokenKind::Colon) {
            return Ok(None);
        }
        let name_token = self.next()?;
        let colon_token = self.next()?;
        match (name_token, colon_token) {
            (Some(name_token), Some(colon_token)) => {
                Ok(Some((name, name_token.span.start..colon_token.span.end)))
            }
            _ => Ok(None),
        }
    }

    fn missing_clause(
        &self,
        found: Option<&Token>,
        explicit_field: Option<&(String, Range<usize>)>,
        before: &Before,
    ) -> QueryError {
        let end_of_input = self.input.len();
        let offset = found.map_or(end_of_input, |token| token.span.start);
        if let Some((_, field_span)) = explicit_field {
            let field_text = quote_input(self.input.get(field_span.clone()).unwrap_or_default());
            let error = self.error(offset, format_args!("missing value after {field_text}"));
            let misplaced_operator = found.is_some_and(|token| {
                matches!(
                    token.kind,
                    TokenKind::Plus | TokenKind::Minus | TokenKind::Not
                )
            });
            return if misplaced_operator {
                error.with_hint("put '+', '-' or '!' before the field, as in -field:value")
            } else {
                error
            };
        }
        let found_close = found.is_some_and(|token| token.kind == TokenKind::RParen);
        match (before, found) {
            (Before::Operator(span), _) if found.is_none() || found_close => {
                let operator = quote_input(self.input.get(span.clone()).unwrap_or_default());
                self.error(offset, format_args!("missing term after {operator}"))
            }
            (Before::Operator(span), Some(token)) => {
                let operator = quote_input(self.input.get(span.clone()).unwrap_or_default());
                let text = self.token_text(token);
                self.error(offset, format_args!("unexpected {text} after {operator}"))
            }
            (
                Before::Start {
                    open_paren: Some(open),
                },
                None,
            ) => self.unbalanced(*open),
            (_, Some(token)) if token.kind == TokenKind::Colon => {
                self.error(offset, "missing field name before ':'")
            }
            (_, Some(token)) => self.unexpected(token),
            (_, None) => self.error(offset, "unexpected end of query"),
        }
    }

    fn unbalanced(&self, open_paren: usize) -> QueryError {
        self.error(open_paren, "unbalanced '(' opened")
    }

    fn group(&mut self, field: &FieldContext, depth: usize) -> Result<Query, QueryError> {
        let Some(open) = self.next()? else {
            return Err(self.error(self.input.len(), "unexpected end of query"));
        };
        let open_paren = open.span.start;
        if depth >= MAX_NESTING {
            return Err(self.error(
                open_paren,
                format_args!("groups nested more than {MAX_NESTING} deep"),
            ));
        }
        if let Some(TokenKind::RParen) = self.peek_kind()? {
            return Err(self.error(open_paren, "empty group '()'"));
        }
        let inner = self.query(field.name, depth + 1, Some(open_paren))?;
        match self.next()? {
            Some(Token {
                kind: TokenKind::RParen,
                ..
            }) => {}
            Some(token) => return Err(self.unexpected(&token)),
            None => return Err(self.unbalanced(open_paren)),
        }
        if let Some(TokenKind::Boost) = self.peek_kind()? {
            self.next()?;
        }
        Ok(inner)
    }

    fn term(&mut self, field: &FieldContext) -> Result<Query, QueryError> {
        let Some(token) = self.next()? else {
            return Err(self.error(self.input.len(), "unexpected end of query"));
        };
        let start = field.explicit_start.unwrap_or(token.span.start);
        match token.kind {
            TokenKind::Term(parts) => {
                let suffixes = self.suffixes(token.span.end)?;
                self.bare_term(field.name, parts, suffixes, start, token.span)
            }
            TokenKind::BareOperator(operator) => {
                let suffixes = self.suffixes(token.span.end)?;
                let parts = vec![WildPart::Literal(operator.to_string())];
                self.bare_term(field.name, parts, suffixes, start, token.span)
            }
            TokenKind::Quoted(text) => {
                let suffixes = self.suffixes(token.span.end)?;
                let slop = match &suffixes.fuzzy_slop {
                    Some((slop_text, slop_span)) => self.phrase_slop(slop_text, slop_span)?,
                    None => 0,
                };
                let span = start..suffixes.end;
                if field.name == Some(EXISTS_FIELD) {
                    return Ok(leaf(Some(text), Term::Exists, span));
                }
                Ok(leaf_in(field.name, Term::Phrase { text, slop }, span))
            }
            TokenKind::Regex(pattern) => {
                let suffixes = self.suffixes(token.span.end)?;
                self.refuse_exists_field(field.name, token.span.start)?;
                Ok(leaf_in(
                    field.name,
                    Term::Regex(pattern),
                    start..suffixes.end,
                ))
            }
            TokenKind::RangeStart { inclusive } => {
                self.refuse_exists_field(field.name, token.span.start)?;
                let (term, end) = self.range(token.span.start, inclusive)?;
                Ok(leaf_in(field.name, term, start..end))
            }
            _ => Err(self.unexpected(&token)),
        }
    }

    /// `[ '^' boost [fuzzy] | fuzzy ['^' boost] ]`; boosts are dropped.
    fn suffixes(&mut self, term_end: usize) -> Result<Suffixes, QueryError> {
        let mut suffixes = Suffixes {
            fuzzy_slop: None,
            end: term_end,
        };
        let boost_first = matches!(self.peek_kind()?, Some(TokenKind::Boost));
        if boost_first {
            self.take_boost(&mut suffixes)?;
        }
        if let Some(TokenKind::FuzzySlop(_)) = self.peek_kind()? {
            if let Some(Token {
                kind: TokenKind::FuzzySlop(text),
                span,
            }) = self.next()?
            {
                suffixes.end = span.end;
                suffixes.fuzzy_slop = Some((text, span));
            }
            if !boost_first {
                self.take_boost(&mut suffixes)?;
            }
        }
        Ok(suffixes)
    }

    fn take_boost(&mut self, suffixes: &mut Suffixes) -> Result<(), QueryError> {
        if let Some(TokenKind::Boost) = self.peek_kind()? {
            if let Some(token) = self.next()? {
                suffixes.end = token.span.end;
            }
        }
        Ok(())
    }

    /// Lucene's `handleBareTokenQuery` plus Elasticsearch's `_exists_`,
    /// `field:*` and `field:>value` handling.
    fn bare_term(
        &self,
        field: Option<&str>,
        parts: Vec<WildPart>,
        suffixes: Suffixes,
        clause_start: usize,
        token_span: Range<usize>,
    ) -> Result<Query, QueryError> {
        let span = clause_start..suffixes.end;
        let value_start = token_span.start;
        if parts == [WildPart::AnyString] {
            return match field {
                None | Some("*") => Ok(Query::MatchAll),
                Some(EXISTS_FIELD) => Err(self.exists_needs_name(value_start)),
                Some(name) => Ok(leaf(Some(name.to_string()), Term::Exists, span)),
            };
        }
        let text = match parts.as_slice() {
            [WildPart::Literal(text)] => text.clone(),
            _ => {
                // A wildcard: Lucene ignores any fuzzy suffix here.
                self.refuse_exists_field(field, value_start)?;
                return Ok(leaf_in(field, Term::Wildcard(parts), span));
            }
        };
        if let Some((slop_text, slop_span)) = &suffixes.fuzzy_slop {
            self.refuse_exists_field(field, value_start)?;
            let distance = self.fuzzy_distance(slop_text, slop_span, &text)?;
            return Ok(leaf_in(field, Term::Fuzzy { text, distance }, span));
        }
        match field {
            Some(EXISTS_FIELD) => Ok(leaf(Some(text), Term::Exists, span)),
            Some(_) if text.starts_with(['<', '>']) => {
                let term = self.comparison(&text, token_span.end)?;
                Ok(leaf_in(field, term, span))
            }
            _ => Ok(leaf_in(field, Term::Word(text), span)),
        }
    }

    /// Elasticsearch's `field:>v`, `>=v`, `<v`, `<=v`.
    fn comparison(&self, text: &str, term_end: usize) -> Result<Term, QueryError> {
        let (operator, value) = [">=", "<=", ">", "<"]
            .into_iter()
            .find_map(|operator| text.strip_prefix(operator).map(|value| (operator, value)))
            .unwrap_or(("", text));
        if value.is_empty() {
            return Err(self.error(term_end, format_args!("missing value after '{operator}'")));
        }
        let value = value.to_string();
        Ok(match operator {
            ">=" => Term::Range {
                lower: Bound::Included(value),
                upper: Bound::Unbounded,
            },
            ">" => Term::Range {
                lower: Bound::Excluded(value),
                upper: Bound::Unbounded,
            },
            "<=" => Term::Range {
                lower: Bound::Unbounded,
                upper: Bound::Included(value),
            },
            _ => Term::Range {
                lower: Bound::Unbounded,
                upper: Bound::Excluded(value),
            },
        })
    }

    /// Lucene's `handleBareFuzzy` and `FuzzyQuery.floatToEdits`.
    fn fuzzy_distance(
        &self,
        slop_text: &str,
        slop_span: &Range<usize>,
        term: &str,
    ) -> Result<u8, QueryError> {
        let similarity = parse_number(slop_text).unwrap_or(DEFAULT_FUZZY_DISTANCE);
        if similarity < 0.0 {
            return Err(self.error(slop_span.start, "fuzzy distance must not be negative"));
        }
        if similarity >= 1.0 {
            if similarity.fract() != 0.0 {
                let slop = quote_input(&format!("~{slop_text}"));
                return Err(self
                    .error(
                        slop_span.start,
                        format_args!("fractional edit distance {slop}"),
                    )
                    .with_hint("use ~0, ~1 or ~2"));
            }
            return Ok(similarity.min(f32::from(MAX_FUZZY_DISTANCE)) as u8);
        }
        if similarity == 0.0 {
            return Ok(0);
        }
        // Java computes `(int) ((1D - similarity) * length)` in double precision.
        let length = term.chars().count() as f64;
        let edits = (1.0 - f64::from(similarity)) * length;
        Ok(edits.min(f64::from(MAX_FUZZY_DISTANCE)) as u8)
    }

    /// Lucene's `handleQuotedTerm`: `(int) Float.parseFloat(slop)`, default 0.
    fn phrase_slop(&self, slop_text: &str, slop_span: &Range<usize>) -> Result<u32, QueryError> {
        match parse_number(slop_text) {
            Some(slop) if slop <= -1.0 => {
                Err(self.error(slop_span.start, "phrase slop must not be negative"))
            }
            Some(slop) => Ok(slop as u32),
            None => Ok(0),
        }
    }

    /// `[`|`{` bound `TO` bound `]`|`}` ['^' boost]; the opening bracket is
    /// already consumed. Returns the term and the end of the last token.
    fn range(&mut self, open: usize, lower_inclusive: bool) -> Result<(Term, usize), QueryError> {
        let lower = self.range_bound(open, "missing lower bound in range")?;
        match self.next()? {
            Some(Token {
                kind: TokenKind::RangeTo,
                ..
            }) => {}
            Some(token) => return Err(self.error(token.span.start, "range needs 'TO'")),
            None => return Err(self.unterminated_range(open)),
        }
        let upper = self.range_bound(open, "missing upper bound in range")?;
        let (upper_inclusive, mut end) = match self.next()? {
            Some(Token {
                kind: TokenKind::RangeEnd { inclusive },
                span,
            }) => (inclusive, span.end),
            Some(token) => {
                return Err(self.error(token.span.start, "range needs ']' or '}'"));
            }
            None => return Err(self.unterminated_range(open)),
        };
        if let Some(TokenKind::Boost) = self.peek_kind()? {
            if let Some(token) = self.next()? {
                end = token.span.end;
            }
        }
        let term = Term::Range {
            lower: range_limit(lower, lower_inclusive),
            upper: range_limit(upper, upper_inclusive),
        };
        Ok((term, end))
    }

    /// A bound is a quoted or unquoted value, `*`, or even the word `TO`
    /// (as in Lucene). `None` means `*`.
    fn range_bound(&mut self, open: usize, missing: &str) -> Result<Option<String>, QueryError> {
        match self.next()? {
            Some(Token {
                kind: TokenKind::RangeBound(bound),
                ..
            }) => Ok(bound),
            Some(Token {
                kind: TokenKind::RangeTo,
                ..
            }) => Ok(Some("TO".to_string())),
            Some(token) => Err(self.error(token.span.start, missing)),
            None => Err(self.unterminated_range(open)),
        }
    }

    fn unterminated_range(&self, open: usize) -> QueryError {
        self.error(open, "unterminated range starting")
    }

    fn refuse_exists_field(&self, field: Option<&str>, offset: usize) -> Result<(), QueryError> {
        if field == Some(EXISTS_FIELD) {
            Err(self.exists_needs_name(offset))
        } else {
            Ok(())
        }
    }

    fn exists_needs_name(&self, offset: usize) -> QueryError {
        self.error(offset, "'_exists_:' must be followed by a plain field name")
    }
}

/// Lucene's `QueryParserBase.addClause` with the default operator OR:
/// `AND` makes the previous clause required unless it is prohibited.
fn add_clause(
    clauses: &mut Vec<Clause>,
    conjunction: Conjunction,
    modifier: Modifier,
    query: Query,
) {
    if conjunction == Conjunction::And {
        if let Some(previous) = clauses.last_mut() {
            if previous.occur != Occur::MustNot {
                previous.occur = Occur::Must;
            }
        }
    }
    let occur = match modifier {
        Modifier::Prohibited => Occur::MustNot,
        Modifier::Required => Occur::Must,
        Modifier::None if conjunction == Conjunction::And => Occur::Must,
        Modifier::None => Occur::Should,
    };
    clauses.push(Clause { occur, query });
}

fn leaf(field: Option<String>, term: Term, span: Range<usize>) -> Query {
    Query::Leaf(Leaf { field, term, span })
}

fn leaf_in(field: Option<&str>, term: Term, span: Range<usize>) -> Query {
    leaf(field.map(str::to_string), term, span)
}

fn range_limit(value: Option<String>, inclusive: bool) -> Bound<String> {
    match value {
        None => Bound::Unbounded,
        Some(value) if inclusive => Bound::Included(value),
        Some(value) => Bound::Excluded(value),
    }
}

/// Parses a `~` suffix as a `f32`, the way Java's `Float.parseFloat` would
/// for the forms people write (`2`, `0.5`, `1e0`); `None` otherwise.
fn parse_number(text: &str) -> Option<f32> {
    let plausible = !text.is_empty()
        && text.chars().all(|character| {
            character.is_ascii_digit() || matches!(character, '.' | 'e' | 'E' | '+' | '-')
        });
    if !plausible {
        return None;
    }
    text.parse::<f32>().ok().filter(|number| number.is_finite())
}
