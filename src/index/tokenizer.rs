//! Tokenisation shared by indexing and querying, modelled on Elasticsearch's `standard` analyser:
//! Unicode (UAX #29) word boundaries, lower-cased. Keeping `iam.amazonaws.com`, `203.0.113.7` or
//! `arn:aws:iam` whole is what makes pasted SIEM queries match the same events here as there.
//! Words longer than 64 bytes are opaque blobs (request tokens, base64 ids): they are not indexed
//! word by word, and a query for one matches the whole value instead.
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use unicode_segmentation::{UnicodeSegmentation, UnicodeWordIndices};

pub const PATH_WORDS: &str = "trailhound_path_words";
/// Separates a field path from its value inside one term.
pub const PATH_SEPARATOR: char = '\0';
pub const MAX_TOKEN_BYTES: usize = 64;

/// Whether `text` holds a word too long to be indexed word by word.
pub fn has_opaque_word(text: &str) -> bool {
    text.unicode_words()
        .any(|word| word.len() > MAX_TOKEN_BYTES)
}

/// The analysed tokens of a value, as the index stores them.
pub fn analyse(text: &str) -> Vec<String> {
    words(text)
        .map(|(_, word)| {
            let mut token = String::with_capacity(word.len());
            push_lowercase(&mut token, word);
            token
        })
        .collect()
}

/// Normalises a term the way Lucene normalises wildcard and regex patterns on analysed fields.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_lowercase(&mut out, text);
    out
}

fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.unicode_word_indices()
        .filter(|(_, word)| word.len() <= MAX_TOKEN_BYTES)
}

fn push_lowercase(out: &mut String, word: &str) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        // Safe on ASCII: lower-casing keeps every byte ASCII.
        out[start..].make_ascii_lowercase();
    } else {
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
}

pub fn register(manager: &tantivy::tokenizer::TokenizerManager) {
    manager.register(PATH_WORDS, TextAnalyzer::from(PathWordTokenizer));
}

/// Reads `path\0value` and emits every word of the value as `path\0word`, so one tantivy field
/// holds the analysed words of every JSON path.
#[derive(Clone)]
struct PathWordTokenizer;

struct WordStream<'a> {
    prefix: &'a str,
    words: UnicodeWordIndices<'a>,
    offset: usize,
    token: Token,
}

impl Tokenizer for PathWordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        let (prefix, value, offset) = match text.find(PATH_SEPARATOR) {
            Some(at) => (&text[..=at], &text[at + 1..], at + 1),
            None => ("", text, 0),
        };
        let token = Token {
            position: usize::MAX,
            ..Token::default()
        };
        WordStream {
            prefix,
            words: value.unicode_word_indices(),
            offset,
            token,
        }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        for (start, word) in self.words.by_ref() {
            if word.len() > MAX_TOKEN_BYTES {
                continue;
            }
            let token = &mut self.token;
            token.text.clear();
            token.text.push_str(self.prefix);
            push_lowercase(&mut token.text, word);
            token.offset_from = self.offset + start;
            token.offset_to = self.offset + start + word.len();
            token.position = token.position.wrapping_add(1);
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(text: &str) -> Vec<String> {
        let mut tokenizer = PathWordTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn keeps_hosts_addresses_and_arn_heads_whole_like_the_standard_analyser() {
        // UAX #29 splits a digit from a following letter across a dot, as Lucene does.
        assert_eq!(analyse("s3.amazonaws.com"), ["s3", "amazonaws.com"]);
        assert_eq!(analyse("iam.amazonaws.com"), ["iam.amazonaws.com"]);
        assert_eq!(analyse("203.0.113.7"), ["203.0.113.7"]);
        assert_eq!(
            analyse("arn:aws:iam::aws:policy/AdministratorAccess"),
            ["arn:aws:iam", "aws:policy", "administratoraccess"]
        );
        assert_eq!(analyse("AccessDenied"), ["accessdenied"]);
        assert_eq!(
            analyse("Failed authentication"),
            ["failed", "authentication"]
        );
        assert_eq!(analyse("”kms.amazonaws.com”"), ["kms.amazonaws.com"]);
        assert_eq!(analyse("ÄRGER"), ["ärger"]);
    }

    #[test]
    fn stream_puts_the_path_on_every_token() {
        assert_eq!(
            stream("errorMessage\0User is not authorized"),
            [
                "errorMessage\0user",
                "errorMessage\0is",
                "errorMessage\0not",
                "errorMessage\0authorized"
            ]
        );
        assert_eq!(stream("Hello World"), ["hello", "world"]);
    }

    #[test]
    fn overlong_tokens_are_dropped() {
        let long = "a".repeat(65);
        assert_eq!(analyse(&format!("{long} short")), ["short"]);
    }
}
