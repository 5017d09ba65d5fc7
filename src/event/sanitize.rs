use std::borrow::Cow;
use std::fmt::Write;

/// Characters a terminal may act on: C0/C1 controls, DEL, and the bidirectional overrides that can
/// make text read differently from what it is.
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from an event made safe for a terminal: dangerous characters become visible `\u{..}`
/// escapes (a tab or newline too, so one value stays on one line).
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_dangerous) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_dangerous(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text made safe for a terminal while staying the same JSON: inside valid JSON such
/// characters can only occur within strings, where a `\uXXXX` escape means the same thing.
/// Structural newlines and indentation of pretty-printed JSON are kept.
pub fn json_terminal_safe(json: &str) -> Cow<'_, str> {
    let needs_escape = |c: char| is_dangerous(c) && !matches!(c, '\n' | '\r' | '\t');
    if !json.chars().any(needs_escape) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if needs_escape(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_controls_are_shown_not_sent() {
        let hostile = "curl\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt";
        let safe = terminal_safe(hostile);
        assert!(!safe.chars().any(|c| c.is_control()));
        assert_eq!(
            safe,
            "curl\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{202e}txt"
        );
        assert!(matches!(
            terminal_safe("aws-cli/2.15 Python/3.11"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn json_stays_equivalent_after_escaping() {
        let raw = "{\"userAgent\":\"x\u{7f}\u{9b}y\u{202e}\"}";
        let safe = json_terminal_safe(raw);
        assert!(!safe.chars().any(is_dangerous));
        let a: serde_json::Value = serde_json::from_str(raw).unwrap();
        let b: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(a, b);
    }
}
