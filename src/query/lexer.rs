//! Splits query text into tokens, following the token definitions of
//! Lucene's classic `QueryParser.jj`, with two extensions: `/` is an ordinary
//! character inside a term, and a term starting with `<` or `>` may contain
//! `:` (for `eventTime:>=2026-11-01T08:00:00Z`).

use std::collections::VecDeque;
use std::ops::Range;

use super::ast::WildPart;
use super::error::{quote_input, QueryError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// `AND` or `&&`
    And,
    /// `OR` or `||`
    Or,
    /// `NOT` or `!`
    Not,
    Plus,
    Minus,
    LParen,
    RParen,
    Colon,
    /// `+`, `-` or `!` followed by whitespace, which Lucene reads as a term.
    BareOperator(char),
    /// An unquoted term with escapes resolved. A lone `*` is `[AnyString]`.
    Term(Vec<WildPart>),
    /// The text between double quotes, escapes resolved.
    Quoted(String),
    /// The text between slashes, `\/` resolved.
    Regex(String),
    /// The raw text after `~`.
    FuzzySlop(String),
    /// `^` and its number.
    Boost,
    RangeStart {
        inclusive: bool,
    },
    RangeEnd {
        inclusive: bool,
    },
    /// `TO` inside range brackets.
    RangeTo,
    /// A range bound, escapes resolved; `None` for the open bound `*`.
    RangeBound(Option<String>),
}

/// The tokens of a query up to the first lexical error, if any. The parser
/// reports that error only when it reaches it, so an earlier syntax error
/// is reported first.
pub(crate) struct Tokens {
    pub tokens: VecDeque<Token>,
    pub error: Option<QueryError>,
}

pub(crate) fn tokenize(input: &str) -> Tokens {
    let mut lexer = Lexer {
        input,
        position: 0,
        in_range: false,
    };
    let mut tokens = VecDeque::new();
    loop {
        match lexer.next_token() {
            Ok(Some(token)) => tokens.push_back(token),
            Ok(None) => {
                return Tokens {
                    tokens,
                    error: None,
                }
            }
            Err(error) => {
                return Tokens {
                    tokens,
                    error: Some(error),
                }
            }
        }
    }
}

/// Lucene's `_WHITESPACE`.
pub(crate) fn is_whitespace(character: char) -> bool {
    matches!(character, ' ' | '\t' | '\n' | '\r' | '\u{3000}')
}

/// Characters that end an unquoted term (besides whitespace). `*`, `?`, `\`
/// and `/` are handled separately; `-` and `+` may continue a term.
fn ends_term(character: char) -> bool {
    is_whitespace(character)
        || matches!(
            character,
            '!' | '(' | ')' | ':' | '^' | '[' | ']' | '"' | '{' | '}' | '~'
        )
}

struct Lexer<'a> {
    input: &'a str,
    position: usize,
    in_range: bool,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.input[self.position..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.input[self.position..].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let character = self.peek()?;
        self.position += character.len_utf8();
        Some(character)
    }

    fn error(&self, offset: usize, description: impl std::fmt::Display) -> QueryError {
        QueryError::at(self.input, offset, description)
    }

    fn next_token(&mut self) -> Result<Option<Token>, QueryError> {
        while self.peek().is_some_and(is_whitespace) {
            self.bump();
        }
        let start = self.position;
        let Some(first) = self.peek() else {
            return Ok(None);
        };
        let kind = if self.in_range {
            self.range_token(first)?
        } else {
            self.default_token(start, first)?
        };
        Ok(Some(Token {
            kind,
            span: start..self.position,
        }))
    }

    fn default_token(&mut self, start: usize, first: char) -> Result<TokenKind, QueryError> {
        let single = |lexer: &mut Self, kind| {
            lexer.bump();
            Ok(kind)
        };
        match first {
            '(' => single(self, TokenKind::LParen),
            ')' => single(self, TokenKind::RParen),
            ':' => single(self, TokenKind::Colon),
            '[' | '{' => {
                self.in_range = true;
                single(
                    self,
                    TokenKind::RangeStart {
                        inclusive: first == '[',
                    },
                )
            }
            ']' | '}' => {
                Err(self.error(start, format_args!("unexpected '{first}' outside a range")))
            }
            '"' => Ok(TokenKind::Quoted(self.quoted(start)?)),
            '/' => Ok(TokenKind::Regex(self.regex(start)?)),
            '~' => self.fuzzy_slop(),
            '^' => self.boost(start),
            '+' | '-' | '!' => {
                self.bump();
                Ok(match (first, self.peek()) {
                    (_, Some(next)) if is_whitespace(next) => TokenKind::BareOperator(first),
                    ('+', _) => TokenKind::Plus,
                    ('-', _) => TokenKind::Minus,
                    _ => TokenKind::Not,
                })
            }
            _ => self.term(start, first),
        }
    }

    /// Lucene's TERM, STAR, PREFIXTERM and WILDTERM, and the word operators,
    /// which are terms spelled exactly `AND`, `&&`, `OR`, `||` or `NOT`.
    fn term(&mut self, start: usize, first: char) -> Result<TokenKind, QueryError> {
        let colon_allowed = matches!(first, '<' | '>');
        let mut parts = PartsBuilder::default();
        while let Some(character) = self.peek() {
            match character {
                '\\' => parts.push_char(self.escaped_char()?),
                '*' => {
                    self.bump();
                    parts.push_wild(WildPart::AnyString);
                }
                '?' => {
                    self.bump();
                    parts.push_wild(WildPart::AnyChar);
                }
                ':' if colon_allowed => {
                    self.bump();
                    parts.push_char(character);
                }
                _ if ends_term(character) => break,
                _ => {
                    self.bump();
                    parts.push_char(character);
                }
            }
        }
        Ok(match &self.input[start..self.position] {
            "AND" | "&&" => TokenKind::And,
            "OR" | "||" => TokenKind::Or,
            "NOT" => TokenKind::Not,
            _ => TokenKind::Term(parts.finish()),
        })
    }

    /// Reads `\x` (any character) or `\uXXXX`, as Lucene's `discardEscapeChar`.
    fn escaped_char(&mut self) -> Result<char, QueryError> {
        let start = self.position;
        self.bump();
        match self.bump() {
            None => Err(self.error(start, "escape character '\\' at the end of the query")),
            Some('u') => self.unicode_escape(start),
            Some(character) => Ok(character),
        }
    }

    fn unicode_escape(&mut self, start: usize) -> Result<char, QueryError> {
        let unit = self.hex_digits(start)?;
        let code_point = if (0xD800..0xDC00).contains(&unit) {
            let low_start = self.position;
            let low = if self.peek() == Some('\\') && self.peek_second() == Some('u') {
                self.bump();
                self.bump();
                self.hex_digits(low_start)?
            } else {
                0
            };
            if !(0xDC00..0xE000).contains(&low) {
                return Err(self.error(
                    start,
                    "unicode escape of a high surrogate must be followed by a low surrogate",
                ));
            }
            0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        } else {
            unit
        };
        char::from_u32(code_point)
            .ok_or_else(|| self.error(start, "unicode escape of a lone surrogate"))
    }

    fn hex_digits(&mut self, escape_start: usize) -> Result<u32, QueryError> {
        let mut value = 0;
        for _ in 0..4 {
            let Some(digit) = self.peek().and_then(|character| character.to_digit(16)) else {
                let seen_end = self.input[self.position..]
                    .char_indices()
                    .nth(1)
                    .map_or(self.input.len(), |(index, _)| self.position + index);
                let seen = quote_input(&self.input[escape_start..seen_end]);
                return Err(self
                    .error(escape_start, format_args!("invalid unicode escape {seen}"))
                    .with_hint("\\u needs four hex digits; write \\\\ for a backslash"));
            };
            self.bump();
            value = value * 16 + digit;
        }
        Ok(value)
    }

    fn quoted(&mut self, start: usize) -> Result<String, QueryError> {
        self.bump();
        let mut text = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(self.error(start, "unterminated quoted phrase starting"));
                }
                Some('"') => {
                    self.bump();
                    return Ok(text);
                }
                Some('\\') => text.push(self.escaped_char()?),
                Some(character) => {
                    self.bump();
                    text.push(character);
                }
            }
        }
    }

    /// Reads `/.../`. Only `\/` is resolved; other escapes belong to the regex.
    fn regex(&mut self, start: usize) -> Result<String, QueryError> {
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(self.error(start, "unterminated regular expression starting"));
                }
                Some('/') => return Ok(text),
                Some('\\') => match self.bump() {
                    Some('/') => text.push('/'),
                    Some(escaped) => {
                        text.push('\\');
                        text.push(escaped);
                    }
                    None => {
                        return Err(self.error(start, "unterminated regular expression starting"));
                    }
                },
                Some(character) => text.push(character),
            }
        }
    }

    /// `~` followed by term characters (Lucene's FUZZY_SLOP).
    fn fuzzy_slop(&mut self) -> Result<TokenKind, QueryError> {
        self.bump();
        let text_start = self.position;
        while let Some(character) = self.peek() {
            match character {
                '\\' => {
                    self.escaped_char()?;
                }
                '*' | '?' | '/' => break,
                _ if ends_term(character) => break,
                _ => {
                    self.bump();
                }
            }
        }
        Ok(TokenKind::FuzzySlop(
            self.input[text_start..self.position].to_string(),
        ))
    }

    /// `^` followed directly by `digits` or `digits.digits`.
    fn boost(&mut self, start: usize) -> Result<TokenKind, QueryError> {
        self.bump();
        if !self
            .peek()
            .is_some_and(|character| character.is_ascii_digit())
        {
            return Err(self.error(start, "'^' must be followed by a boost number"));
        }
        self.skip_digits();
        if self.peek() == Some('.') && self.peek_second().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.skip_digits();
        }
        Ok(TokenKind::Boost)
    }

    fn skip_digits(&mut self) {
        while self
            .peek()
            .is_some_and(|character| character.is_ascii_digit())
        {
            self.bump();
        }
    }

    /// Tokens between range brackets: bounds may hold any character except
    /// whitespace and the closing brackets (Lucene's RANGE_GOOP), or be quoted.
    fn range_token(&mut self, first: char) -> Result<TokenKind, QueryError> {
        let start = self.position;
        match first {
            ']' | '}' => {
                self.bump();
                self.in_range = false;
                Ok(TokenKind::RangeEnd {
                    inclusive: first == ']',
                })
            }
            '"' => Ok(TokenKind::RangeBound(Some(self.quoted(start)?))),
            _ => {
                let mut text = String::new();
                while let Some(character) = self.peek() {
                    match character {
                        '\\' => text.push(self.escaped_char()?),
                        ']' | '}' => break,
                        _ if is_whitespace(character) => break,
                        _ => {
                            self.bump();
                            text.push(character);
                        }
                    }
                }
                Ok(match &self.input[start..self.position] {
                    "TO" => TokenKind::RangeTo,
                    "*" => TokenKind::RangeBound(None),
                    _ => TokenKind::RangeBound(Some(text)),
                })
            }
        }
    }
}

/// Collects a term's characters into literal runs and wildcards.
#[derive(Default)]
struct PartsBuilder {
    parts: Vec<WildPart>,
    literal: String,
}

impl PartsBuilder {
    fn push_char(&mut self, character: char) {
        self.literal.push(character);
    }

    fn push_wild(&mut self, part: WildPart) {
        self.flush_literal();
        self.parts.push(part);
    }

    fn flush_literal(&mut self) {
        if !self.literal.is_empty() {
            self.parts
                .push(WildPart::Literal(std::mem::take(&mut self.literal)));
        }
    }

    fn finish(mut self) -> Vec<WildPart> {
        self.flush_literal();
        self.parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<TokenKind> {
        let tokens = tokenize(input);
        assert_eq!(tokens.error, None, "lexing {input:?}");
        tokens.tokens.into_iter().map(|token| token.kind).collect()
    }

    fn word(text: &str) -> TokenKind {
        TokenKind::Term(vec![WildPart::Literal(text.to_string())])
    }

    fn lex_error(input: &str) -> QueryError {
        match tokenize(input).error {
            Some(error) => error,
            None => panic!("expected a lexical error for {input:?}"),
        }
    }

    #[test]
    fn operators_are_exact_uppercase_words_or_symbols() {
        use TokenKind::*;
        assert_eq!(
            kinds("a AND b && c OR d || e NOT f !g"),
            vec![
                word("a"),
                And,
                word("b"),
                And,
                word("c"),
                Or,
                word("d"),
                Or,
                word("e"),
                Not,
                word("f"),
                Not,
                word("g"),
            ]
        );
        assert_eq!(
            kinds("and or not"),
            vec![word("and"), word("or"), word("not")]
        );
        assert_eq!(kinds("ANDROID a&&b"), vec![word("ANDROID"), word("a&&b")]);
        assert_eq!(kinds("\\AND"), vec![word("AND")]);
        assert_eq!(kinds("&&("), vec![And, LParen]);
    }

    #[test]
    fn prefix_operators_and_bare_operators() {
        use TokenKind::*;
        assert_eq!(
            kinds("+a -b !c"),
            vec![Plus, word("a"), Minus, word("b"), Not, word("c")]
        );
        assert_eq!(
            kinds("a + b - c ! d"),
            vec![
                word("a"),
                BareOperator('+'),
                word("b"),
                BareOperator('-'),
                word("c"),
                BareOperator('!'),
                word("d"),
            ]
        );
        assert_eq!(kinds("a-b+c"), vec![word("a-b+c")]);
        assert_eq!(kinds("a!b"), vec![word("a"), Not, word("b")]);
    }

    #[test]
    fn slash_and_pipe_and_curly_quotes_are_term_characters() {
        assert_eq!(kinds("203.0.113.0/24"), vec![word("203.0.113.0/24")]);
        assert_eq!(kinds("Create|Update"), vec![word("Create|Update")]);
        assert_eq!(
            kinds("”acm.amazonaws.com”"),
            vec![word("”acm.amazonaws.com”")]
        );
    }

    #[test]
    fn escapes_are_resolved_in_terms() {
        assert_eq!(kinds(r"a\:b\ c\”d"), vec![word("a:b c”d")]);
        assert_eq!(kinds(r"\u0041\u00e9"), vec![word("Aé")]);
        assert_eq!(kinds(r"\uD83D\uDE00"), vec![word("😀")]);
        assert_eq!(kinds(r"a\*"), vec![word("a*")]);
    }

    #[test]
    fn bad_escapes_are_errors() {
        assert_eq!(
            lex_error("ab\\").message,
            "escape character '\\' at the end of the query at column 3"
        );
        let error = lex_error(r"C:\users");
        assert_eq!(error.offset, 2);
        assert!(
            error.message.starts_with(r"invalid unicode escape '\us'"),
            "{}",
            error.message
        );
        assert!(lex_error(r"\uD83D").message.contains("surrogate"));
        assert!(lex_error(r"\uDE00").message.contains("surrogate"));
    }

    #[test]
    fn wildcards_split_a_term_into_parts() {
        use WildPart::*;
        assert_eq!(
            kinds("a*b?c"),
            vec![TokenKind::Term(vec![
                Literal("a".into()),
                AnyString,
                Literal("b".into()),
                AnyChar,
                Literal("c".into()),
            ])]
        );
        assert_eq!(kinds("*"), vec![TokenKind::Term(vec![AnyString])]);
        assert_eq!(
            kinds("?x"),
            vec![TokenKind::Term(vec![AnyChar, Literal("x".into())])]
        );
    }

    #[test]
    fn comparison_terms_may_contain_colons() {
        use TokenKind::*;
        assert_eq!(
            kinds("t:>=2026-11-01T08:00:00Z)"),
            vec![word("t"), Colon, word(">=2026-11-01T08:00:00Z"), RParen]
        );
        assert_eq!(kinds("a:b"), vec![word("a"), Colon, word("b")]);
    }

    #[test]
    fn quoted_phrases_and_regexes() {
        use TokenKind::*;
        assert_eq!(kinds(r#""a \"b\" c""#), vec![Quoted(r#"a "b" c"#.into())]);
        assert_eq!(kinds(r"/a\/b\.c/"), vec![Regex(r"a/b\.c".into())]);
        let error = lex_error(r#"x:"abc"#);
        assert_eq!(
            error.message,
            "unterminated quoted phrase starting at column 3"
        );
        assert_eq!(error.offset, 2);
        assert_eq!(
            lex_error("/abc\\/").message,
            "unterminated regular expression starting at column 1"
        );
    }

    #[test]
    fn fuzzy_slop_and_boost() {
        use TokenKind::*;
        assert_eq!(
            kinds("a~ b~1 c~0.5^2 d^1.5~"),
            vec![
                word("a"),
                FuzzySlop(String::new()),
                word("b"),
                FuzzySlop("1".into()),
                word("c"),
                FuzzySlop("0.5".into()),
                Boost,
                word("d"),
                Boost,
                FuzzySlop(String::new()),
            ]
        );
        assert_eq!(
            lex_error("a^x").message,
            "'^' must be followed by a boost number at column 2"
        );
        assert!(tokenize("a^ 2").error.is_some());
    }

    #[test]
    fn ranges_have_their_own_tokens() {
        use TokenKind::*;
        assert_eq!(
            kinds("t:[2026-11-01T08:00:00Z TO *} x"),
            vec![
                word("t"),
                Colon,
                RangeStart { inclusive: true },
                RangeBound(Some("2026-11-01T08:00:00Z".into())),
                RangeTo,
                RangeBound(None),
                RangeEnd { inclusive: false },
                word("x"),
            ]
        );
        assert_eq!(
            kinds(r#"{"a b" TO \*]"#),
            vec![
                RangeStart { inclusive: false },
                RangeBound(Some("a b".into())),
                RangeTo,
                RangeBound(Some("*".into())),
                RangeEnd { inclusive: true },
            ]
        );
    }

    #[test]
    fn stray_closing_brackets_are_errors() {
        assert_eq!(
            lex_error("a ]").message,
            "unexpected ']' outside a range at column 3"
        );
    }

    #[test]
    fn lexing_stops_at_the_first_error_but_keeps_earlier_tokens() {
        let tokens = tokenize("a ) \"b");
        assert_eq!(tokens.tokens.len(), 2);
        assert!(tokens.error.is_some());
    }

    #[test]
    fn spans_are_byte_ranges() {
        let tokens = tokenize("é AND \"x\"");
        let spans: Vec<_> = tokens
            .tokens
            .iter()
            .map(|token| token.span.clone())
            .collect();
        assert_eq!(spans, vec![0..2, 3..6, 7..10]);
    }

    #[test]
    fn ideographic_space_is_whitespace() {
        assert_eq!(kinds("a\u{3000}b"), vec![word("a"), word("b")]);
    }
}
