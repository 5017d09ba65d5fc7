use std::borrow::Cow;
use std::fmt::Write;

/// Characters a terminal may act on (C0/C1 controls, DEL), and characters that draw nothing or
/// reorder what follows, so that text reads as something it is not (`ro\u{200b}ot` as `root`):
/// every format character (Unicode category Cf: zero-width spaces and joiners, bidirectional
/// marks, embeddings, overrides and isolates, soft hyphen, byte order mark, tag characters), the
/// line and paragraph separators, and the other default-ignorable characters that show as blanks.
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{890}'..='\u{891}'
                | '\u{8e2}'
                | '\u{115f}'..='\u{1160}'
                | '\u{17b4}'..='\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0000}'..='\u{e0fff}'
        )
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

/// A CSV cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`, a
/// tab or a carriage return gets a leading `'` (the OWASP rule), which spreadsheets show as text.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
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
    fn invisible_and_reordering_characters_are_shown_as_escapes() {
        let hidden = [
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{feff}',
            '\u{ad}',
            '\u{2060}',
            '\u{2061}',
            '\u{2064}',
            '\u{202a}',
            '\u{202d}',
            '\u{2066}',
            '\u{2069}',
            '\u{2028}',
            '\u{3164}',
            '\u{e0041}',
        ];
        for c in hidden {
            let text = format!("ro{c}ot");
            let safe = terminal_safe(&text);
            assert_eq!(safe, format!("ro\\u{{{:x}}}ot", c as u32));
            let json = serde_json::to_string(&text).unwrap();
            let safe_json = json_terminal_safe(&json);
            assert!(!safe_json.contains(c), "{safe_json}");
            let back: String = serde_json::from_str(&safe_json).unwrap();
            assert_eq!(back, text);
        }
        // Visible text from other scripts is left alone.
        for text in ["Zoë", "Łódź", "東京", "مرحبا", "שלום", "🙂"] {
            assert!(matches!(terminal_safe(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn cells_a_spreadsheet_would_evaluate_get_a_quote() {
        for formula in ["=1+1", "+1", "-1+cmd", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        for text in ["aws-cli/2.15", "1-2", "a=b", "", "'quoted"] {
            assert!(matches!(spreadsheet_safe(text), Cow::Borrowed(_)), "{text}");
        }
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
