//! Query syntax errors and their rendering for people.

use std::fmt::Display;

/// A syntax error. `message` is one line that already names the column,
/// e.g. `unexpected ')' at column 14`; `offset` is the byte offset it points at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub message: String,
    pub offset: usize,
}

impl QueryError {
    /// Builds `"{description} at column N"` for the byte `offset` of `input`.
    pub fn at(input: &str, offset: usize, description: impl Display) -> Self {
        let offset = char_boundary_at_or_before(input, offset);
        QueryError {
            message: format!("{description} at column {}", column(input, offset)),
            offset,
        }
    }

    /// Appends advice after the column: `"... at column N (hint)"`.
    pub(crate) fn with_hint(mut self, hint: impl Display) -> Self {
        self.message = format!("{} ({hint})", self.message);
        self
    }
}

/// The 1-based character column of byte `offset` in `input`.
pub(crate) fn column(input: &str, offset: usize) -> usize {
    let offset = char_boundary_at_or_before(input, offset);
    input[..offset].chars().count() + 1
}

/// Quotes a piece of the input for use inside a message: single quotes,
/// invisible characters escaped, long text shortened.
pub(crate) fn quote_input(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    let mut quoted = String::from("'");
    for (index, character) in text.chars().enumerate() {
        if index == MAX_CHARS {
            quoted.push('…');
            break;
        }
        push_visible(&mut quoted, character);
    }
    quoted.push('\'');
    quoted
}

/// Renders `input` on one line with a `^` on the line below, under the
/// character the error points at.
pub fn caret_line(input: &str, err: &QueryError) -> String {
    let offset = char_boundary_at_or_before(input, err.offset);
    let mut rendered = String::with_capacity(input.len());
    let mut caret_column = 0;
    for (index, character) in input.char_indices() {
        if index == offset {
            caret_column = rendered.chars().count();
        }
        push_visible(&mut rendered, character);
    }
    if offset >= input.len() {
        caret_column = rendered.chars().count();
    }
    format!("{rendered}\n{}^", " ".repeat(caret_column))
}

fn push_visible(out: &mut String, character: char) {
    if character.is_control() || is_invisible_format_char(character) {
        out.push_str(&format!("\\u{{{:x}}}", u32::from(character)));
    } else {
        out.push(character);
    }
}

/// Zero-width and bidirectional-override characters, which could make the
/// echoed query look different from what it is.
fn is_invisible_format_char(character: char) -> bool {
    matches!(
        character,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}

fn char_boundary_at_or_before(input: &str, offset: usize) -> usize {
    let mut offset = offset.min(input.len());
    while !input.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_a_one_based_character_column() {
        let err = QueryError::at("ab)", 2, "unexpected ')'");
        assert_eq!(err.message, "unexpected ')' at column 3");
        assert_eq!(err.offset, 2);
        assert_eq!(err.to_string(), "unexpected ')' at column 3");
        let hinted = err.with_hint("close a group only after opening it");
        assert_eq!(
            hinted.message,
            "unexpected ')' at column 3 (close a group only after opening it)"
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let input = "é”x)";
        let offset = input.find(')').unwrap_or_default();
        assert_eq!(column(input, offset), 4);
    }

    #[test]
    fn offsets_inside_a_character_or_past_the_end_are_clamped() {
        let input = "é";
        assert_eq!(column(input, 1), 1);
        assert_eq!(column(input, 99), 2);
        assert_eq!(QueryError::at(input, 1, "x").offset, 0);
    }

    #[test]
    fn caret_points_at_the_offending_character() {
        let input = "a AND )";
        let err = QueryError::at(input, 6, "unexpected ')'");
        assert_eq!(caret_line(input, &err), "a AND )\n      ^");
    }

    #[test]
    fn caret_can_point_past_the_end() {
        let input = "a AND";
        let err = QueryError::at(input, 5, "missing term after 'AND'");
        assert_eq!(caret_line(input, &err), "a AND\n     ^");
    }

    #[test]
    fn control_characters_are_escaped_and_the_caret_follows_them() {
        let input = "a\tb\n)";
        let err = QueryError::at(input, 4, "unexpected ')'");
        assert_eq!(caret_line(input, &err), "a\\u{9}b\\u{a})\n            ^");
    }

    #[test]
    fn quoting_escapes_invisible_characters_and_shortens_long_text() {
        assert_eq!(quote_input("a\u{7}\u{202e}"), "'a\\u{7}\\u{202e}'");
        let long = "x".repeat(100);
        assert_eq!(quote_input(&long), format!("'{}…'", "x".repeat(40)));
    }
}
