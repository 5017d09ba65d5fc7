//! The syntax tree produced by the query parser.
//!
//! It mirrors what Lucene's classic `QueryParser` builds before analysis:
//! boolean levels of clauses over single-field leaves. Field semantics
//! (analysed text vs keyword, aliases, CIDR, time) are decided later.

use std::ops::{Bound, Range};

/// How a clause takes part in its boolean level (Lucene's `BooleanClause.Occur`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    Must,
    Should,
    MustNot,
}

/// One member of a boolean level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub occur: Occur,
    pub query: Query,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// The blank query, `*` and `*:*`.
    MatchAll,
    /// One Lucene `BooleanQuery` level. Never empty.
    Bool(Vec<Clause>),
    Leaf(Leaf),
}

/// A single term, phrase, pattern or range against one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    /// The field the user named (or inherited from `field:( ... )`);
    /// `None` means the default fields. `Some("*")` comes from `*:term`.
    pub field: Option<String>,
    pub term: Term,
    /// Byte range in the input covering the explicit `field:` (if this leaf
    /// named one), the term itself and any `~`/`^` suffix.
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// An unquoted term with escapes resolved.
    Word(String),
    /// A quoted phrase with escapes resolved; `slop` comes from `"..."~N`.
    Phrase { text: String, slop: u32 },
    /// An unquoted term containing an unescaped `*` or `?`.
    Wildcard(Vec<WildPart>),
    /// The text between the slashes of `/.../`, with `\/` resolved to `/`
    /// and every other escape left for the regex engine.
    Regex(String),
    /// `term~` (distance 2) or `term~N`, with the distance capped at 2.
    Fuzzy { text: String, distance: u8 },
    /// `[a TO b]`, `{a TO b}`, mixed brackets, and `>v`, `>=v`, `<v`, `<=v`.
    Range {
        lower: Bound<String>,
        upper: Bound<String>,
    },
    /// The document has a value for `Leaf::field`: `_exists_:field` and `field:*`.
    Exists,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WildPart {
    Literal(String),
    /// `?`
    AnyChar,
    /// `*`
    AnyString,
}
