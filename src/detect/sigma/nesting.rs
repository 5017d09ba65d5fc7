//! How deep a YAML text nests, measured before it is parsed: the YAML parser takes time that
//! grows with the square of the depth (a 200 KB file nested 100,000 deep costs about a minute),
//! and no rule needs more than a handful of levels.
//!
//! The measure is the block indentation levels open on a line, plus its compact `- `/`? `
//! entries, plus the flow collections (`[`, `{`) open at it. Quoted scalars, comments and block
//! scalars (`|`, `>`) are skipped, so text inside values does not count.

/// The 1-based line at which `text` first nests deeper than `limit`, if it does.
pub(crate) fn too_deep(text: &str, limit: usize) -> Option<usize> {
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    // The indentation of the line that opened a block scalar; deeper lines are its text.
    let mut block_scalar: Option<usize> = None;
    for (number, line) in text.lines().enumerate() {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        let blank = content.is_empty() || content.starts_with('#');
        if let Some(header) = block_scalar {
            if blank || indent > header {
                continue;
            }
            block_scalar = None;
        }
        let mut depth_here = 0;
        let mut rest = content;
        if quote.is_none() && flow == 0 {
            if blank {
                continue;
            }
            while indents.last().is_some_and(|&top| top > indent) {
                indents.pop();
            }
            if indents.last().is_none_or(|&top| top < indent) {
                indents.push(indent);
            }
            loop {
                let trimmed = rest.trim_start_matches(' ');
                match trimmed
                    .strip_prefix("- ")
                    .or_else(|| trimmed.strip_prefix("? "))
                {
                    Some(after) => {
                        depth_here += 1;
                        rest = after;
                    }
                    None => break,
                }
            }
        }
        let (deepest_flow, opens_block_scalar) = scan_line(rest, &mut flow, &mut quote);
        if indents.len() + depth_here + deepest_flow > limit {
            return Some(number + 1);
        }
        if opens_block_scalar {
            block_scalar = Some(indent);
        }
    }
    None
}

/// Follows quotes and flow brackets through one line; returns the deepest flow level on it and
/// whether the line ends in a block scalar header (`|`, `>-`, ...).
fn scan_line(line: &str, flow: &mut usize, quote: &mut Option<char>) -> (usize, bool) {
    let mut deepest = *flow;
    // Whether a node may start here: at the line's start or after `:`, `-`, `,`, `[`, `{`, `?`.
    let mut node_start = true;
    let mut last_token_start = 0;
    let mut chars = line.char_indices().peekable();
    while let Some((position, c)) = chars.next() {
        if let Some(open) = *quote {
            match c {
                '\\' if open == '"' => {
                    chars.next();
                }
                '\'' if open == '\'' && chars.peek().is_some_and(|&(_, next)| next == '\'') => {
                    chars.next();
                }
                _ if c == open => *quote = None,
                _ => {}
            }
            node_start = false;
            continue;
        }
        match c {
            ' ' | '\t' => {
                last_token_start = position + 1;
                continue;
            }
            '#' if position == 0 || line[..position].ends_with([' ', '\t']) => {
                return (deepest, is_block_scalar_header(line[..position].trim_end()));
            }
            '\'' | '"' if node_start => *quote = Some(c),
            '[' | '{' if node_start => {
                *flow += 1;
                deepest = deepest.max(*flow);
            }
            ']' | '}' => *flow = flow.saturating_sub(1),
            _ => {}
        }
        node_start = matches!(c, ':' | '-' | ',' | '[' | '{' | '?');
    }
    let header = quote.is_none() && *flow == 0 && is_block_scalar_header(&line[last_token_start..]);
    (deepest, header)
}

/// `|`, `>`, with optional chomping and indentation indicators (`|-`, `>+`, `|2`).
fn is_block_scalar_header(token: &str) -> bool {
    let token = token.rsplit(' ').next().unwrap_or_default();
    let mut chars = token.chars();
    matches!(chars.next(), Some('|' | '>')) && chars.all(|c| matches!(c, '-' | '+' | '1'..='9'))
}

#[cfg(test)]
mod tests {
    use super::too_deep;

    #[test]
    fn ordinary_rules_are_shallow() {
        let rule = "title: x\nid: 1\ndetection:\n  selection:\n    eventName:\n      - A\n      - 'B [x'\n    requestParameters|contains: \"{[\"\n  filter:\n    - a: [1, {b: 2}]\n  condition: selection and not filter\ndescription: |\n  [[[[[[[[ text\n      - - - - - - - -\nlevel: high # [[[[\n";
        assert_eq!(too_deep(rule, 8), None);
    }

    #[test]
    fn deep_flow_block_and_compact_nesting_are_found_early() {
        let flow = format!("a: {}1{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(too_deep(&flow, 64), Some(1));
        let mappings = format!("a: {}1{}", "{b: ".repeat(1000), "}".repeat(1000));
        assert_eq!(too_deep(&mappings, 64), Some(1));
        let compact = format!("a:\n  {}x\n", "- ".repeat(100_000));
        assert_eq!(too_deep(&compact, 64), Some(2));
        let mut block = String::new();
        for level in 0..100 {
            block.push_str(&" ".repeat(level));
            block.push_str("k:\n");
        }
        assert_eq!(too_deep(&block, 64), Some(65));
    }

    #[test]
    fn a_block_scalar_or_quote_cannot_hide_what_follows_it() {
        let deep = "[".repeat(100);
        let after_block = format!("d: |\n  '\n  [[[\nx: {deep}\n");
        assert_eq!(too_deep(&after_block, 64), Some(4));
        let after_quote = format!("d: 'it''s [[[\n  more'\nx: {deep}\n");
        assert_eq!(too_deep(&after_quote, 64), Some(3));
    }
}
