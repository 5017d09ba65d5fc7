//! Word queries under [`VALUE_WORD_PATHS`], whose values repeat from event to event (the API
//! called, the region, the principal, the user agent, the file): their words are not indexed
//! event by event. Each distinct value is one `kw` term; a query analyses the values of each
//! segment and takes the events of those with a matching word, so the words of a user agent
//! seen a hundred thousand times are read once per segment instead of indexed a hundred
//! thousand times.
use std::ops::Bound;
use std::sync::Arc;

use levenshtein_automata::{Distance, LevenshteinAutomatonBuilder, DFA};
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError};

use super::schema::{path_term, terms_with_prefix, PROVENANCE_PATHS, VALUE_WORD_PATHS};
use super::tokenizer::analyse;

/// What a word of a value must be for the value to match.
pub(crate) enum WordTest {
    /// This (analysed) word.
    Word(String),
    /// All of these words, in the same value (a phrase).
    AllWords(Vec<String>),
    /// A match of this regular expression, whole; `anywhere` finds it in a value in any case.
    Regex {
        whole: regex::Regex,
        anywhere: Option<regex::bytes::Regex>,
    },
    /// Within the automaton's edit distance of its word (a transposition is one edit).
    Fuzzy(DFA),
    /// Between the bounds, in the order terms are kept.
    Range(Bound<String>, Bound<String>),
}

impl WordTest {
    /// A test for words matching `pattern` whole; `None` when it does not compile.
    pub(crate) fn regex(pattern: &str) -> Option<WordTest> {
        // An anchor or a word boundary does not hold inside a value as it does in a word.
        let anchored = pattern.contains(['^', '$'])
            || ["\\b", "\\B", "\\A", "\\z"]
                .iter()
                .any(|a| pattern.contains(a));
        let anywhere = match anchored {
            true => None,
            false => Some(regex::bytes::Regex::new(&format!("(?i:{pattern})")).ok()?),
        };
        Some(WordTest::Regex {
            whole: regex::Regex::new(&format!("^(?:{pattern})$")).ok()?,
            anywhere,
        })
    }

    pub(crate) fn fuzzy(word: &str, distance: u8) -> WordTest {
        let dfa = LevenshteinAutomatonBuilder::new(distance, true).build_dfa(word);
        WordTest::Fuzzy(dfa)
    }

    /// A quick test that every value with a passing word passes (and most others fail): a
    /// word of an ASCII value is a piece of it in another case.
    fn prefilter(&self) -> Option<regex::bytes::Regex> {
        match self {
            WordTest::Word(word) => {
                regex::bytes::Regex::new(&format!("(?i:{})", regex::escape(word))).ok()
            }
            WordTest::AllWords(words) => {
                let longest = words.iter().max_by_key(|word| word.len())?;
                regex::bytes::Regex::new(&format!("(?i:{})", regex::escape(longest))).ok()
            }
            WordTest::Regex { anywhere, .. } => anywhere.clone(),
            WordTest::Fuzzy(_) | WordTest::Range(..) => None,
        }
    }

    fn passes(&self, word: &str) -> bool {
        match self {
            WordTest::Word(wanted) => word == wanted,
            WordTest::AllWords(wanted) => wanted.iter().any(|w| w == word),
            WordTest::Regex { whole, .. } => whole.is_match(word),
            WordTest::Fuzzy(dfa) => matches!(dfa.eval(word), Distance::Exact(_)),
            WordTest::Range(lower, upper) => {
                let above = match lower {
                    Bound::Included(l) => word >= l.as_str(),
                    Bound::Excluded(l) => word > l.as_str(),
                    Bound::Unbounded => true,
                };
                let below = match upper {
                    Bound::Included(u) => word <= u.as_str(),
                    Bound::Excluded(u) => word < u.as_str(),
                    Bound::Unbounded => true,
                };
                above && below
            }
        }
    }
}

/// The events with a value under one of `paths` (all of [`VALUE_WORD_PATHS`] when the query
/// names no field) that has a word passing `test`.
#[derive(Clone)]
pub(crate) struct ValueWordsQuery {
    kw: Field,
    paths: Arc<[&'static str]>,
    test: Arc<WordTest>,
    prefilter: Option<regex::bytes::Regex>,
}

impl std::fmt::Debug for ValueWordsQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValueWordsQuery")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl ValueWordsQuery {
    /// Under `path`, with the test `test` makes, or `None` (and no test made) when its words are
    /// indexed one by one.
    pub(crate) fn under(
        kw: Field,
        path: &str,
        test: impl FnOnce() -> WordTest,
    ) -> Option<ValueWordsQuery> {
        let path = VALUE_WORD_PATHS.iter().find(|p| **p == path)?;
        let test = test();
        Some(ValueWordsQuery {
            kw,
            paths: Arc::from(vec![*path]),
            prefilter: test.prefilter(),
            test: Arc::new(test),
        })
    }

    /// Under every path of [`VALUE_WORD_PATHS`] but [`PROVENANCE_PATHS`], for a query that names
    /// no field.
    pub(crate) fn anywhere(kw: Field, test: WordTest) -> ValueWordsQuery {
        let paths: Vec<&'static str> = VALUE_WORD_PATHS
            .iter()
            .copied()
            .filter(|path| !PROVENANCE_PATHS.contains(path))
            .collect();
        ValueWordsQuery {
            kw,
            paths: Arc::from(paths),
            prefilter: test.prefilter(),
            test: Arc::new(test),
        }
    }

    fn value_matches(&self, value: &[u8]) -> bool {
        if let Some(prefilter) = &self.prefilter {
            if value.is_ascii() && !prefilter.is_match(value) {
                return false;
            }
        }
        let Ok(value) = std::str::from_utf8(value) else {
            return false;
        };
        let words = analyse(value);
        match self.test.as_ref() {
            WordTest::AllWords(wanted) => wanted.iter().all(|w| words.contains(w)),
            test => words.iter().any(|word| test.passes(word)),
        }
    }
}

impl Query for ValueWordsQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for ValueWordsQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inverted = reader.inverted_index(self.kw)?;
        let mut docs = BitSet::with_max_value(reader.max_doc());
        for path in self.paths.iter() {
            let prefix = path_term(path, "");
            let mut terms = terms_with_prefix(&inverted, &prefix)?;
            while terms.advance() {
                if !self.value_matches(&terms.key()[prefix.len()..]) {
                    continue;
                }
                let mut postings = inverted
                    .read_block_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
                loop {
                    let block = postings.docs();
                    if block.is_empty() {
                        break;
                    }
                    for &doc in block {
                        docs.insert(doc);
                    }
                    postings.advance();
                }
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("a value with a matching word", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} has no value with a matching word"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefilter may only reject values none of whose words pass.
    #[test]
    fn the_prefilter_never_rejects_a_value_with_a_passing_word() {
        let values = [
            "Boto3/1.34.0 md/Botocore#1.34.0 os/linux#6.1",
            "arn:aws:iam::111122223333:role/Deployer",
            "DescribeInstances",
            "ÄRGER im Büro",
        ];
        let tests = [
            WordTest::Word("botocore".into()),
            WordTest::Word("deployer".into()),
            WordTest::AllWords(vec!["os".into(), "linux".into()]),
            WordTest::regex("boto.*").unwrap(),
            WordTest::regex("^deploy.*").unwrap(),
            WordTest::regex("describe\\w+$").unwrap(),
            WordTest::regex("\\blinux\\b").unwrap(),
            WordTest::Word("ärger".into()),
        ];
        for test in tests {
            let prefilter = test.prefilter();
            for value in values {
                let words = analyse(value);
                let passes = match &test {
                    WordTest::AllWords(wanted) => wanted.iter().all(|w| words.contains(w)),
                    test => words.iter().any(|word| test.passes(word)),
                };
                let kept = !value.is_ascii()
                    || prefilter
                        .as_ref()
                        .is_none_or(|p| p.is_match(value.as_bytes()));
                assert!(kept || !passes, "{value}: a passing value was filtered out");
            }
        }
        // And a value that passes is found for each of these.
        let found =
            |test: &WordTest, value: &str| analyse(value).iter().any(|word| test.passes(word));
        assert!(found(&WordTest::regex("^deploy.*").unwrap(), values[1]));
        assert!(found(&WordTest::regex("\\blinux\\b").unwrap(), values[0]));
    }
}
