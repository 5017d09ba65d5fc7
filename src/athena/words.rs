//! Analysed matching in SQL: "this value has the word W" as a regular expression over the
//! lower-cased value, with the word boundaries of the index's tokenizer (Unicode UAX #29, as
//! Elasticsearch's `standard` analyser). Letters, digits and `_` join into one word; `.`, `:` and
//! `'` join two letters (`amazonaws.com`, `arn:aws:iam`), `.`, `,`, `;` and `'` two digits
//! (`203.0.113.7`); anything else separates. Both Athena's (Joni) and DuckDB's (RE2) engines
//! read these patterns: no look-around, Unicode classes only.

const WORD_CHARS: &str = r"\p{L}\p{N}_";
const LETTER_JOINERS: &str = ".:'’";
const DIGIT_JOINERS: &str = ".,;'’";

#[derive(Clone, Copy)]
enum Class {
    Letter,
    Digit,
    Other,
}

fn class(c: char) -> Class {
    if c.is_alphabetic() {
        Class::Letter
    } else if c.is_numeric() {
        Class::Digit
    } else {
        Class::Other
    }
}

/// What may stand before a word that starts with a character of `class`.
fn before(class: Class) -> String {
    match class {
        Class::Letter => {
            format!(r"(?:^|[^{WORD_CHARS}{LETTER_JOINERS}]|(?:^|[^\p{{L}}])[{LETTER_JOINERS}])")
        }
        Class::Digit => {
            format!(r"(?:^|[^{WORD_CHARS}{DIGIT_JOINERS}]|(?:^|[^\p{{N}}])[{DIGIT_JOINERS}])")
        }
        Class::Other => format!("(?:^|[^{WORD_CHARS}])"),
    }
}

/// What may stand after a word that ends with a character of `class`.
fn after(class: Class) -> String {
    match class {
        Class::Letter => {
            format!(r"(?:$|[^{WORD_CHARS}{LETTER_JOINERS}]|[{LETTER_JOINERS}](?:$|[^\p{{L}}]))")
        }
        Class::Digit => {
            format!(r"(?:$|[^{WORD_CHARS}{DIGIT_JOINERS}]|[{DIGIT_JOINERS}](?:$|[^\p{{N}}]))")
        }
        Class::Other => format!("(?:$|[^{WORD_CHARS}])"),
    }
}

fn escape(text: &str) -> String {
    regex_syntax::escape(text)
}

/// A pattern that finds the word `word` (already lower-cased, one analysed token) in a
/// lower-cased value. `open_start` / `open_end`: the word may continue before / after (a
/// wildcard's `*`).
pub fn word_pattern(word: &str, open_start: bool, open_end: bool) -> String {
    let (Some(first), Some(last)) = (word.chars().next(), word.chars().last()) else {
        return String::new();
    };
    let mut pattern = String::new();
    if !open_start {
        pattern.push_str(&before(class(first)));
    }
    pattern.push_str(&escape(word));
    if !open_end {
        pattern.push_str(&after(class(last)));
    }
    pattern
}

/// Whether a wildcard's literal text can be found with word boundaries alone: letters, digits
/// and `_`, which never hold a word boundary inside them.
pub fn is_plain_word(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(word: &str, value: &str) -> bool {
        regex::Regex::new(&word_pattern(word, false, false))
            .unwrap()
            .is_match(&value.to_lowercase())
    }

    #[test]
    fn finds_the_tokenizers_words_and_nothing_across_their_boundaries() {
        use crate::index::tokenizer::analyse;
        let values = [
            "s3.amazonaws.com",
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "203.0.113.7",
            "User is not authorized",
            "i-0abc123 a.b.c 1,000 x_y a1.2 3.b",
            "”kms.amazonaws.com”",
            "Boto3/1.34.2 md/Botocore#1.34.2 ua/2.0 os/linux#5.10",
        ];
        let candidates = [
            "s3",
            "amazonaws",
            "amazonaws.com",
            "com",
            "arn",
            "arn:aws:iam",
            "aws:policy",
            "administratoraccess",
            "203.0.113.7",
            "113",
            "user",
            "i",
            "0abc123",
            "a.b.c",
            "b",
            "1,000",
            "x_y",
            "a1.2",
            "2",
            "3",
            "kms.amazonaws.com",
            "boto3",
            "1.34.2",
            "md",
            "botocore",
            "2.0",
            "linux",
            "5.10",
            "policy",
        ];
        for value in values {
            let words = analyse(value);
            for candidate in candidates {
                assert_eq!(
                    finds(candidate, value),
                    words.iter().any(|w| w == candidate),
                    "`{candidate}` in `{value}` (words: {words:?})"
                );
            }
        }
    }
}
