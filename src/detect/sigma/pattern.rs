//! Sigma string values (`*`/`?` wildcards, `\` escapes) and `|re` regexes, compiled into a
//! matcher over text. Case-insensitive unless `cased`.

use memchr::memchr2_iter;
use regex::{Regex, RegexBuilder};

/// Where a value must sit in the text: the whole text, or the modifiers contains, startswith,
/// endswith.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Whole,
    Contains,
    StartsWith,
    EndsWith,
}

/// Flags after `|re`: `|re|i`, `|re|m`, `|re|s`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RegexFlags {
    pub ignore_case: bool,
    pub multi_line: bool,
    pub dot_matches_new_line: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct TextPattern {
    shape: Shape,
    cased: bool,
    /// The literal is ASCII, so ASCII case folding is exact and the text needs no lowercasing.
    ascii: bool,
}

#[derive(Debug, Clone)]
enum Shape {
    Anything,
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Regex(Regex),
}

/// A pattern that is one literal at an anchor, with its text as the pattern compares it
/// (lowercased unless cased).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Literal<'a> {
    pub text: &'a str,
    pub anchor: Anchor,
    pub cased: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    AnyRun,
    AnyChar,
}

impl TextPattern {
    /// A Sigma string value: `*` any run, `?` any one character, `\*` `\?` `\\` escapes (a
    /// backslash before anything else is itself).
    pub fn sigma(raw: &str, anchor: Anchor, cased: bool) -> Result<Self, String> {
        let mut pieces = Vec::with_capacity(3);
        if matches!(anchor, Anchor::Contains | Anchor::EndsWith) {
            pieces.push(Piece::AnyRun);
        }
        pieces.extend(split_wildcards(raw));
        if matches!(anchor, Anchor::Contains | Anchor::StartsWith) {
            pieces.push(Piece::AnyRun);
        }
        pieces.dedup_by(|next, previous| *next == Piece::AnyRun && *previous == Piece::AnyRun);
        let fold = |text: &String| {
            if cased {
                text.clone()
            } else {
                text.to_lowercase()
            }
        };
        let shape = match pieces.as_slice() {
            [] => Shape::Exact(String::new()),
            [Piece::AnyRun] => Shape::Anything,
            [Piece::Literal(text)] => Shape::Exact(fold(text)),
            [Piece::Literal(text), Piece::AnyRun] => Shape::Prefix(fold(text)),
            [Piece::AnyRun, Piece::Literal(text)] => Shape::Suffix(fold(text)),
            [Piece::AnyRun, Piece::Literal(text), Piece::AnyRun] => Shape::Contains(fold(text)),
            general => Shape::Regex(glob_regex(general, cased)?),
        };
        Ok(TextPattern::new(shape, cased))
    }

    /// A literal text without wildcard interpretation (e.g. an encoded `|base64` value).
    pub fn literal(text: &str, anchor: Anchor, cased: bool) -> Self {
        let text = if cased {
            text.to_string()
        } else {
            text.to_lowercase()
        };
        let shape = match anchor {
            Anchor::Whole => Shape::Exact(text),
            Anchor::StartsWith => Shape::Prefix(text),
            Anchor::EndsWith => Shape::Suffix(text),
            Anchor::Contains => Shape::Contains(text),
        };
        TextPattern::new(shape, cased)
    }

    /// A `|re` value: searched for anywhere in the text, case-sensitive unless `|i`.
    pub fn regex(pattern: &str, flags: RegexFlags) -> Result<Self, String> {
        let regex = RegexBuilder::new(pattern)
            .case_insensitive(flags.ignore_case)
            .multi_line(flags.multi_line)
            .dot_matches_new_line(flags.dot_matches_new_line)
            .build()
            .map_err(|error| format!("invalid regular expression: {error}"))?;
        Ok(TextPattern::new(Shape::Regex(regex), true))
    }

    fn new(shape: Shape, cased: bool) -> Self {
        let ascii = match &shape {
            Shape::Exact(text)
            | Shape::Prefix(text)
            | Shape::Suffix(text)
            | Shape::Contains(text) => text.is_ascii(),
            Shape::Anything | Shape::Regex(_) => true,
        };
        TextPattern {
            shape,
            cased,
            ascii,
        }
    }

    /// The text a value must equal (case-folded unless cased), when the pattern is exact.
    pub fn exact_text(&self) -> Option<&str> {
        match &self.shape {
            Shape::Exact(text) => Some(text),
            _ => None,
        }
    }

    /// The pattern as a literal at an anchor; `None` for wildcards, regexes and `*`.
    pub fn as_literal(&self) -> Option<Literal<'_>> {
        let (text, anchor) = match &self.shape {
            Shape::Exact(text) => (text, Anchor::Whole),
            Shape::Prefix(text) => (text, Anchor::StartsWith),
            Shape::Suffix(text) => (text, Anchor::EndsWith),
            Shape::Contains(text) => (text, Anchor::Contains),
            Shape::Anything | Shape::Regex(_) => return None,
        };
        Some(Literal {
            text,
            anchor,
            cased: self.cased,
        })
    }

    /// True when any non-null value matches (`*`, or `|contains: '*'`).
    pub fn matches_anything(&self) -> bool {
        matches!(self.shape, Shape::Anything)
    }

    /// A rough relative cost of one test, to run cheap tests first.
    pub fn cost(&self) -> u32 {
        match self.shape {
            Shape::Anything => 0,
            Shape::Exact(_) => 1,
            Shape::Prefix(_) | Shape::Suffix(_) => 2,
            Shape::Contains(_) => 4,
            Shape::Regex(_) => 8,
        }
    }

    pub fn matches(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Anything => true,
            Shape::Regex(regex) => regex.is_match(text),
            literal_shape if self.cased => literal_matches(literal_shape, text.as_bytes()),
            literal_shape if self.ascii => ascii_folded_matches(literal_shape, text.as_bytes()),
            literal_shape => literal_matches(literal_shape, text.to_lowercase().as_bytes()),
        }
    }
}

fn literal_matches(shape: &Shape, text: &[u8]) -> bool {
    match shape {
        Shape::Exact(needle) => text == needle.as_bytes(),
        Shape::Prefix(needle) => text.starts_with(needle.as_bytes()),
        Shape::Suffix(needle) => text.ends_with(needle.as_bytes()),
        Shape::Contains(needle) => memchr::memmem::find(text, needle.as_bytes()).is_some(),
        Shape::Anything => true,
        Shape::Regex(_) => false,
    }
}

/// Like [`literal_matches`] with ASCII letters compared case-insensitively; the needle is
/// already lowercase ASCII.
fn ascii_folded_matches(shape: &Shape, text: &[u8]) -> bool {
    match shape {
        Shape::Exact(needle) => text.eq_ignore_ascii_case(needle.as_bytes()),
        Shape::Prefix(needle) => {
            let needle = needle.as_bytes();
            text.len() >= needle.len() && text[..needle.len()].eq_ignore_ascii_case(needle)
        }
        Shape::Suffix(needle) => {
            let needle = needle.as_bytes();
            text.len() >= needle.len()
                && text[text.len() - needle.len()..].eq_ignore_ascii_case(needle)
        }
        Shape::Contains(needle) => contains_ascii_folded(text, needle.as_bytes()),
        Shape::Anything => true,
        Shape::Regex(_) => false,
    }
}

fn contains_ascii_folded(text: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else {
        return true;
    };
    if text.len() < needle.len() {
        return false;
    }
    let last_start = text.len() - needle.len();
    memchr2_iter(first, first.to_ascii_uppercase(), &text[..=last_start])
        .any(|start| text[start..start + needle.len()].eq_ignore_ascii_case(needle))
}

fn split_wildcards(raw: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(character) = chars.next() {
        match character {
            '\\' => match chars.peek() {
                Some(&escaped @ ('*' | '?' | '\\')) => {
                    literal.push(escaped);
                    chars.next();
                }
                _ => literal.push('\\'),
            },
            '*' | '?' => {
                if !literal.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                }
                pieces.push(if character == '*' {
                    Piece::AnyRun
                } else {
                    Piece::AnyChar
                });
            }
            other => literal.push(other),
        }
    }
    if !literal.is_empty() {
        pieces.push(Piece::Literal(literal));
    }
    pieces
}

/// True when the Sigma string has an unescaped `*` or `?`.
pub(crate) fn has_wildcards(raw: &str) -> bool {
    split_wildcards(raw)
        .iter()
        .any(|piece| !matches!(piece, Piece::Literal(_)))
}

/// The Sigma string with escapes resolved, for values that are not patterns (field names of
/// `|fieldref`, numbers, addresses).
pub(crate) fn unescape(raw: &str) -> String {
    split_wildcards(raw)
        .into_iter()
        .map(|piece| match piece {
            Piece::Literal(text) => text,
            Piece::AnyRun => "*".to_string(),
            Piece::AnyChar => "?".to_string(),
        })
        .collect()
}

fn glob_regex(pieces: &[Piece], cased: bool) -> Result<Regex, String> {
    let mut source = String::from("^");
    for piece in pieces {
        match piece {
            Piece::Literal(text) => source.push_str(&regex::escape(text)),
            Piece::AnyRun => source.push_str(".*"),
            Piece::AnyChar => source.push('.'),
        }
    }
    source.push('$');
    RegexBuilder::new(&source)
        .case_insensitive(!cased)
        .dot_matches_new_line(true)
        .build()
        .map_err(|error| format!("cannot compile wildcard pattern: {error}"))
}
