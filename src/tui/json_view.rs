//! An event's JSON as display lines, keys in their original order, each line knowing the field
//! path and value it shows (for pivots and copying).
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value that keeps its object keys in the order they were written.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Number(
            serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string()),
        ))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Node>()? {
            entries.push((key, value));
        }
        Ok(Node::Object(entries))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

/// What kind of token a line's value is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    String,
    Number,
    Boolean,
    Null,
    Punctuation,
}

/// One display line: `<indent>"key": value,`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonLine {
    pub depth: usize,
    /// The key as JSON text (quoted and escaped), when the line shows an object member.
    pub key: Option<String>,
    /// The value as JSON text (`"text"`, `42`, `{`, `]`, `{}`).
    pub text: String,
    pub kind: TokenKind,
    pub comma: bool,
    /// The dotted path of the field (arrays are walked through, as the index flattens them).
    pub path: String,
    /// The scalar value as the index holds it, for pivots and copying (`None` on brackets).
    pub value: Option<String>,
}

impl JsonLine {
    /// The whole line as plain text, for find.
    pub fn plain(&self) -> String {
        let mut out = String::new();
        if let Some(key) = &self.key {
            out.push_str(key);
            out.push_str(": ");
        }
        out.push_str(&self.text);
        out
    }
}

/// The lines of a raw record; a record that is not JSON is shown as one string line.
pub fn lines_of(raw: &str) -> Vec<JsonLine> {
    let mut lines = Vec::new();
    match serde_json::from_str::<Node>(raw) {
        Ok(node) => push_node(&mut lines, &node, None, "", 0, false),
        Err(_) => lines.push(JsonLine {
            depth: 0,
            key: None,
            text: quote(raw),
            kind: TokenKind::String,
            comma: false,
            path: String::new(),
            value: Some(raw.to_owned()),
        }),
    }
    lines
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn push_node(
    lines: &mut Vec<JsonLine>,
    node: &Node,
    key: Option<&str>,
    path: &str,
    depth: usize,
    comma: bool,
) {
    let line = |text: String, kind: TokenKind, comma: bool, value: Option<String>| JsonLine {
        depth,
        key: key.map(quote),
        text,
        kind,
        comma,
        path: path.to_owned(),
        value,
    };
    let (open, close, children): (&str, &str, Vec<(Option<&str>, &Node)>) = match node {
        Node::Null => {
            return lines.push(line(
                "null".into(),
                TokenKind::Null,
                comma,
                Some("null".into()),
            ))
        }
        Node::Bool(b) => {
            return lines.push(line(
                b.to_string(),
                TokenKind::Boolean,
                comma,
                Some(b.to_string()),
            ))
        }
        Node::Number(n) => {
            return lines.push(line(n.clone(), TokenKind::Number, comma, Some(n.clone())))
        }
        Node::String(s) => {
            return lines.push(line(quote(s), TokenKind::String, comma, Some(s.clone())))
        }
        Node::Array(items) => ("[", "]", items.iter().map(|item| (None, item)).collect()),
        Node::Object(entries) => (
            "{",
            "}",
            entries.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
        ),
    };
    if children.is_empty() {
        return lines.push(line(
            format!("{open}{close}"),
            TokenKind::Punctuation,
            comma,
            None,
        ));
    }
    lines.push(line(open.to_owned(), TokenKind::Punctuation, false, None));
    let last = children.len() - 1;
    for (i, (child_key, child)) in children.into_iter().enumerate() {
        let child_path = match child_key {
            Some(k) if path.is_empty() => k.to_owned(),
            Some(k) => format!("{path}.{k}"),
            None => path.to_owned(),
        };
        push_node(lines, child, child_key, &child_path, depth + 1, i != last);
    }
    lines.push(JsonLine {
        depth,
        key: None,
        text: close.to_owned(),
        kind: TokenKind::Punctuation,
        comma,
        path: path.to_owned(),
        value: None,
    });
}

/// Whether `line` opens an object or array with members: a place that folds.
pub fn opens(line: &JsonLine) -> bool {
    line.kind == TokenKind::Punctuation && (line.text == "{" || line.text == "[")
}

fn closes(line: &JsonLine) -> bool {
    line.kind == TokenKind::Punctuation && (line.text == "}" || line.text == "]")
}

/// The line that closes what line `open` opens: the next line back at its depth.
pub fn closing(lines: &[JsonLine], open: usize) -> usize {
    let depth = lines[open].depth;
    (open + 1..lines.len())
        .find(|i| lines[*i].depth == depth)
        .unwrap_or(lines.len().saturating_sub(1))
}

/// The indices of the lines shown when what the lines in `folded` open is folded.
pub fn visible_lines(lines: &[JsonLine], folded: &BTreeSet<usize>) -> Vec<usize> {
    let mut visible = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        visible.push(i);
        i = if folded.contains(&i) && opens(&lines[i]) {
            closing(lines, i) + 1
        } else {
            i + 1
        };
    }
    visible
}

/// A folded line's value: `{ … 3 fields }` or `[ … 2 items ]`, with the closing line's comma.
pub fn folded_text(lines: &[JsonLine], open: usize) -> (String, bool) {
    let close = closing(lines, open);
    let depth = lines[open].depth + 1;
    let members = lines[open + 1..close]
        .iter()
        .filter(|line| line.depth == depth && !closes(line))
        .count();
    let (noun, close_text) = match (lines[open].text.as_str(), members) {
        ("[", 1) => ("item", "]"),
        ("[", _) => ("items", "]"),
        (_, 1) => ("field", "}"),
        _ => ("fields", "}"),
    };
    (
        format!("{} … {members} {noun} {close_text}", lines[open].text),
        lines[close].comma,
    )
}

/// The whole record pretty-printed, keys in their original order (for copying).
pub fn pretty(lines: &[JsonLine]) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(&"  ".repeat(line.depth));
        out.push_str(&line.plain());
        if line.comma {
            out.push(',');
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_order_paths_and_values() {
        let lines =
            lines_of(r#"{"z":1,"userIdentity":{"arn":"a\u001b]0;x"},"tags":["p","q"],"e":{}}"#);
        let plain: Vec<String> = lines
            .iter()
            .map(|l| format!("{}{}", "  ".repeat(l.depth), l.plain()))
            .collect();
        assert_eq!(
            plain,
            [
                "{",
                "  \"z\": 1",
                "  \"userIdentity\": {",
                "    \"arn\": \"a\\u001b]0;x\"",
                "  }",
                "  \"tags\": [",
                "    \"p\"",
                "    \"q\"",
                "  ]",
                "  \"e\": {}",
                "}",
            ]
        );
        assert_eq!(lines[3].path, "userIdentity.arn");
        assert_eq!(lines[3].value.as_deref(), Some("a\u{1b}]0;x"));
        assert_eq!(lines[6].path, "tags");
        assert!(pretty(&lines).contains("\"z\": 1,\n"));
    }

    #[test]
    fn folding_hides_an_objects_members_and_counts_them() {
        let lines = lines_of(r#"{"a":{"b":1,"c":[1,2]},"d":[3]}"#);
        let open_a = 1;
        assert!(opens(&lines[open_a]));
        assert_eq!(closing(&lines, open_a), 7);
        let folded = BTreeSet::from([open_a]);
        let shown: Vec<usize> = visible_lines(&lines, &folded);
        assert_eq!(shown, [0, 1, 8, 9, 10, 11]);
        assert_eq!(folded_text(&lines, open_a), ("{ … 2 fields }".into(), true));
        assert_eq!(folded_text(&lines, 8), ("[ … 1 item ]".into(), false));
        assert_eq!(
            visible_lines(&lines, &BTreeSet::from([0])),
            [0],
            "the whole record"
        );
    }

    #[test]
    fn a_record_that_is_not_json_is_one_line() {
        let lines = lines_of("not json");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text, "\"not json\"");
    }
}
