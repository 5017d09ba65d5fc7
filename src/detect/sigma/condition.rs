//! The `condition:` expression: selection names, `not`, `and`, `or`, parentheses,
//! `1 of pattern*`, `all of pattern*`, `1 of them`, `all of them`.

/// A condition with selection names resolved to indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Condition {
    Selection(usize),
    Not(Box<Condition>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
}

impl Condition {
    /// Evaluates left to right with short-circuiting; `selection` tells whether one matched.
    pub fn eval(&self, selection: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Condition::Selection(index) => selection(*index),
            Condition::Not(inner) => !inner.eval(selection),
            Condition::And(parts) => parts.iter().all(|part| part.eval(selection)),
            Condition::Or(parts) => parts.iter().any(|part| part.eval(selection)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Word(&'a str),
    Open,
    Close,
}

/// Parses `text` against the selection names of the rule. Errors are one line for people.
pub(crate) fn parse_condition(text: &str, names: &[String]) -> Result<Condition, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens: &tokens,
        position: 0,
        names,
    };
    let condition = parser.or()?;
    match parser.peek() {
        None => Ok(condition),
        Some(token) => Err(format!(
            "unexpected {} after a complete condition",
            describe(token)
        )),
    }
}

fn tokenize(text: &str) -> Result<Vec<Token<'_>>, String> {
    let mut tokens = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let Some(first) = rest.chars().next() else {
            return Ok(tokens);
        };
        match first {
            '(' => tokens.push(Token::Open),
            ')' => tokens.push(Token::Close),
            '|' => {
                return Err("aggregations after '|' (count(), near) are not supported; use a correlation rule".into());
            }
            _ => {
                let end = rest
                    .find(|character: char| {
                        character.is_whitespace() || matches!(character, '(' | ')' | '|')
                    })
                    .unwrap_or(rest.len());
                tokens.push(Token::Word(&rest[..end]));
                rest = &rest[end..];
                continue;
            }
        }
        rest = &rest[first.len_utf8()..];
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(word) => format!("'{word}'"),
        Token::Open => "'('".to_string(),
        Token::Close => "')'".to_string(),
    }
}

struct Parser<'a> {
    tokens: &'a [Token<'a>],
    position: usize,
    names: &'a [String],
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a Token<'a>> {
        self.tokens.get(self.position)
    }

    fn next_is_word(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(word)) if word.eq_ignore_ascii_case(keyword))
    }

    fn or(&mut self) -> Result<Condition, String> {
        let mut parts = vec![self.and()?];
        while self.next_is_word("or") {
            self.position += 1;
            parts.push(self.and()?);
        }
        Ok(flatten(parts, Condition::Or))
    }

    fn and(&mut self) -> Result<Condition, String> {
        let mut parts = vec![self.not()?];
        while self.next_is_word("and") {
            self.position += 1;
            parts.push(self.not()?);
        }
        Ok(flatten(parts, Condition::And))
    }

    fn not(&mut self) -> Result<Condition, String> {
        if self.next_is_word("not") {
            self.position += 1;
            return Ok(Condition::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, String> {
        let Some(token) = self.peek() else {
            return Err("the condition ends where a selection was expected".into());
        };
        self.position += 1;
        match token {
            Token::Open => {
                let inner = self.or()?;
                match self.peek() {
                    Some(Token::Close) => {
                        self.position += 1;
                        Ok(inner)
                    }
                    Some(other) => Err(format!("expected ')' but found {}", describe(other))),
                    None => Err("missing ')'".into()),
                }
            }
            Token::Close => Err("unexpected ')'".into()),
            Token::Word(word) if self.next_is_word("of") => {
                self.position += 1;
                self.quantified(word)
            }
            Token::Word(word) if is_keyword(word) => {
                Err(format!("expected a selection but found '{word}'"))
            }
            Token::Word(word) => self
                .names
                .iter()
                .position(|name| name == word)
                .map(Condition::Selection)
                .ok_or_else(|| format!("unknown selection '{word}'")),
        }
    }

    fn quantified(&mut self, quantifier: &str) -> Result<Condition, String> {
        let combine = match quantifier {
            "1" => Condition::Or,
            "all" => Condition::And,
            other => {
                return Err(format!(
                    "'{other} of' is not supported; use '1 of' or 'all of'"
                ))
            }
        };
        let Some(Token::Word(pattern)) = self.peek() else {
            return Err(format!(
                "'{quantifier} of' needs a selection pattern or 'them'"
            ));
        };
        self.position += 1;
        let chosen: Vec<Condition> = self
            .names
            .iter()
            .enumerate()
            .filter(|(_, name)| {
                if *pattern == "them" {
                    !name.starts_with('_')
                } else {
                    name_matches(pattern, name)
                }
            })
            .map(|(index, _)| Condition::Selection(index))
            .collect();
        if chosen.is_empty() {
            return Err(format!("'{quantifier} of {pattern}' matches no selection"));
        }
        Ok(flatten(chosen, combine))
    }
}

fn is_keyword(word: &str) -> bool {
    ["and", "or", "not", "of"]
        .iter()
        .any(|keyword| word.eq_ignore_ascii_case(keyword))
}

fn flatten(mut parts: Vec<Condition>, combine: fn(Vec<Condition>) -> Condition) -> Condition {
    if parts.len() == 1 {
        parts.remove(0)
    } else {
        combine(parts)
    }
}

/// Selection-name patterns: `*` matches any run of characters, everything else itself.
fn name_matches(pattern: &str, name: &str) -> bool {
    let mut pieces = pattern.split('*');
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = pieces.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(found) => rest = &rest[found + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}
