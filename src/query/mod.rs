//! The query language: Elasticsearch / Lucene `query_string` text to a
//! syntax tree. No index access and no I/O happen here.

mod ast;
mod error;
mod lexer;
mod parser;
#[cfg(test)]
mod tests;

pub use ast::{Clause, Leaf, Occur, Query, Term, WildPart};
pub use error::{caret_line, QueryError};

/// Parses a `query_string` query. Blank input is [`Query::MatchAll`].
pub fn parse(input: &str) -> Result<Query, QueryError> {
    parser::parse(input)
}
