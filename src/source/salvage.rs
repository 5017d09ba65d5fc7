//! A structural scan of possibly damaged JSON: finds where a value ends using only brackets,
//! commas and string quotes, so one bad record (or a cut-off tail) does not cost the records
//! around it. The scan is incremental: it can be fed a stream piece by piece.

/// Where a scanned value ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// An element of an array or a member value of an object: ends at a `,` outside any nesting,
    /// or at the `closer` (`]` or `}`) that ends the enclosing container.
    Member { closer: u8 },
    /// One whole object or array starting at its opening bracket: ends at its matching closer.
    Balanced,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scanned {
    /// The value ends at this index of the piece last fed: the terminating `,`/closer for
    /// [`Until::Member`], the closing bracket itself for [`Until::Balanced`]. `closes` says it
    /// also ended the enclosing container.
    End { at: usize, closes: bool },
    /// The piece ended inside the value.
    NeedMore,
}

#[derive(Debug, Default, Clone)]
pub struct Scan {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl Scan {
    /// Scans `piece`, the bytes that follow everything fed before.
    pub fn advance(&mut self, piece: &[u8], until: Until) -> Scanned {
        for (at, &byte) in piece.iter().enumerate() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match (byte, until) {
                (b'"', _) => self.in_string = true,
                (b'{' | b'[', _) => self.depth += 1,
                (b'}' | b']', Until::Balanced) => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Scanned::End { at, closes: true };
                    }
                }
                (b',', Until::Member { .. }) if self.depth == 0 => {
                    return Scanned::End { at, closes: false }
                }
                (_, Until::Member { closer }) if byte == closer && self.depth == 0 => {
                    return Scanned::End { at, closes: true }
                }
                (b'}' | b']', Until::Member { .. }) => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        Scanned::NeedMore
    }
}

pub fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// Start of the next line (after `from`) whose first non-blank byte opens an object; with
/// `unindented`, only a `{` in the first column counts (a new record rather than a nested one).
pub fn next_object_line(bytes: &[u8], from: usize, unindented: bool) -> Option<usize> {
    let mut at = from;
    while let Some(newline) = memchr::memchr(b'\n', &bytes[at..]) {
        at += newline + 1;
        let first = bytes[at..]
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r'));
        if let Some(offset) = first {
            if bytes[at + offset] == b'{' && (offset == 0 || !unindented) {
                return Some(at);
            }
        }
    }
    None
}

pub fn trim(bytes: &[u8]) -> &[u8] {
    let start = skip_whitespace(bytes, 0);
    let mut end = bytes.len();
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements of the array whose `[` opens `input`, fed in pieces of `piece` bytes.
    fn elements(input: &[u8], piece: usize) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        let mut start = 1;
        let mut scan = Scan::default();
        let mut at = 1;
        while at < input.len() {
            let end = (at + piece).min(input.len());
            match scan.advance(&input[at..end], Until::Member { closer: b']' }) {
                Scanned::End { at: found, closes } => {
                    let text = trim(&input[start..at + found]);
                    if !text.is_empty() {
                        out.push((String::from_utf8(text.to_vec()).unwrap(), true));
                    }
                    if closes {
                        return out;
                    }
                    start = at + found + 1;
                    at = start;
                    scan = Scan::default();
                }
                Scanned::NeedMore => at = end,
            }
        }
        out.push((
            String::from_utf8(trim(&input[start..]).to_vec()).unwrap(),
            false,
        ));
        out
    }

    #[test]
    fn splits_elements_around_a_broken_one_whatever_the_piece_size() {
        let input = br#"[{"a":"x,]}"}, {"b":[1,2]} ,{bad json},{"c":"\"}"}]"#;
        let expected: Vec<(String, bool)> = [
            r#"{"a":"x,]}"}"#,
            r#"{"b":[1,2]}"#,
            "{bad json}",
            r#"{"c":"\"}"}"#,
        ]
        .iter()
        .map(|s| (s.to_string(), true))
        .collect();
        for piece in [1, 2, 3, 7, 1000] {
            assert_eq!(elements(input, piece), expected, "piece {piece}");
        }
    }

    #[test]
    fn a_cut_off_tail_is_marked_incomplete() {
        let input = br#"[{"a":1},{"b":"unfinished"#;
        assert_eq!(
            elements(input, 4),
            [
                (r#"{"a":1}"#.to_string(), true),
                (r#"{"b":"unfinished"#.to_string(), false)
            ]
        );
    }

    #[test]
    fn a_balanced_value_ends_at_its_closer() {
        let mut scan = Scan::default();
        assert_eq!(
            scan.advance(br#"{"a":{"#, Until::Balanced),
            Scanned::NeedMore
        );
        assert_eq!(
            scan.advance(br#""}"}} {"#, Until::Balanced),
            Scanned::End {
                at: 4,
                closes: true
            }
        );
    }

    #[test]
    fn object_lines_are_found_with_or_without_indentation() {
        let text = b"{\"a\":[\n  {\"b\":1}\n]}\n{\"c\":2}\n";
        assert_eq!(next_object_line(text, 0, false), Some(7));
        assert_eq!(next_object_line(text, 0, true), Some(20));
        assert_eq!(next_object_line(b"{}\nx\n", 0, false), None);
    }
}
