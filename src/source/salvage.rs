//! A structural scan of damaged JSON: finds where the elements of an array begin and end using
//! only brackets, commas and string quotes, so one bad record (or a cut-off tail) does not cost
//! the records around it.
use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub range: Range<usize>,
    /// False for an element cut off by the end of the input.
    pub complete: bool,
}

/// Position of the `[` that opens the array value of `"key"`, searched from the start.
pub fn find_array_of_key(bytes: &[u8], key: &str) -> Option<usize> {
    let needle = format!("\"{key}\"");
    let needle = needle.as_bytes();
    let mut from = 0;
    while let Some(found) = find(&bytes[from..], needle) {
        let mut at = from + found + needle.len();
        at = skip_whitespace(bytes, at);
        if bytes.get(at) == Some(&b':') {
            at = skip_whitespace(bytes, at + 1);
            if bytes.get(at) == Some(&b'[') {
                return Some(at);
            }
        }
        from += found + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && bytes[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// The elements of the array whose `[` is at `open`.
pub fn array_elements(bytes: &[u8], open: usize) -> Vec<Element> {
    let mut elements = Vec::new();
    let mut at = open + 1;
    loop {
        at = skip_whitespace(bytes, at);
        match bytes.get(at) {
            None => return elements,
            Some(b']') => return elements,
            Some(b',') => {
                at += 1;
                continue;
            }
            Some(_) => {}
        }
        let start = at;
        let (end, complete, closes_array) = scan_value(bytes, start);
        elements.push(Element {
            range: start..trim_end(bytes, start, end),
            complete,
        });
        if !complete || closes_array {
            return elements;
        }
        at = end + 1;
    }
}

/// Scans one value from `start`: returns the index of the `,` or `]` that ends it (or the input
/// length), whether it ended properly, and whether that end also closes the enclosing array.
fn scan_value(bytes: &[u8], start: usize) -> (usize, bool, bool) {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut at = start;
    while at < bytes.len() {
        let byte = bytes[at];
        if in_string {
            match byte {
                b'\\' => at += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                b']' if depth == 0 => return (at, true, true),
                b']' => depth -= 1,
                b',' if depth == 0 => return (at, true, false),
                _ => {}
            }
        }
        at += 1;
    }
    (bytes.len(), false, false)
}

fn trim_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && bytes[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(bytes: &'a [u8], elements: &[Element]) -> Vec<(&'a str, bool)> {
        elements
            .iter()
            .map(|e| {
                (
                    std::str::from_utf8(&bytes[e.range.clone()]).unwrap(),
                    e.complete,
                )
            })
            .collect()
    }

    #[test]
    fn splits_elements_around_a_broken_one() {
        let input = br#"{"Records":[{"a":"x,]}"}, {"b":[1,2]} ,{bad json},{"c":"\"}"}]}"#;
        let open = find_array_of_key(input, "Records").unwrap();
        let elements = array_elements(input, open);
        assert_eq!(
            texts(input, &elements),
            [
                (r#"{"a":"x,]}"}"#, true),
                (r#"{"b":[1,2]}"#, true),
                ("{bad json}", true),
                (r#"{"c":"\"}"}"#, true)
            ]
        );
    }

    #[test]
    fn a_cut_off_tail_is_marked_incomplete() {
        let input = br#"{"Records":[{"a":1},{"b":"unfinished"#;
        let elements = array_elements(input, find_array_of_key(input, "Records").unwrap());
        assert_eq!(
            texts(input, &elements),
            [(r#"{"a":1}"#, true), (r#"{"b":"unfinished"#, false)]
        );
    }

    #[test]
    fn key_must_be_followed_by_an_array() {
        assert_eq!(
            find_array_of_key(br#"{"x":"Records","Records" : [ ]}"#, "Records"),
            Some(27)
        );
        assert_eq!(find_array_of_key(br#"{"Records":null}"#, "Records"), None);
    }
}
