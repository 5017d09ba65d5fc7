//! Many literal values of one detection item (`contains`, `startswith`, `endswith`, exact)
//! tested at once: an Aho-Corasick automaton per anchor and a hash set for exact values, so a
//! rule with thousands of values costs about what one with a few does.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, Anchored, Input, StartKind};

use super::pattern::{Anchor, Literal};

/// Values per item from which they are tested as one set rather than one by one.
pub(crate) const SET_FROM: usize = 8;

/// How a group's values and the tested text are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fold {
    /// `|cased`: byte for byte.
    None,
    /// ASCII values compared ignoring ASCII case, as [`super::pattern::TextPattern`] does.
    Ascii,
    /// Non-ASCII values compared with the lowercased text.
    Lowercase,
}

#[derive(Debug, Clone)]
pub(crate) struct LiteralSet {
    groups: Vec<Group>,
}

#[derive(Debug, Clone)]
struct Group {
    fold: Fold,
    exact: HashSet<String>,
    contains: Option<AhoCorasick>,
    prefix: Option<AhoCorasick>,
    /// Reversed values, searched in the reversed text.
    suffix: Option<AhoCorasick>,
}

impl LiteralSet {
    /// The set of `literals` (values already case-folded as their patterns hold them).
    pub fn new(literals: &[Literal<'_>]) -> Result<LiteralSet, String> {
        let mut groups = Vec::new();
        for fold in [Fold::None, Fold::Ascii, Fold::Lowercase] {
            let mine: Vec<&Literal> = literals
                .iter()
                .filter(|literal| fold_of(literal) == fold)
                .collect();
            if !mine.is_empty() {
                groups.push(Group::new(fold, &mine)?);
            }
        }
        Ok(LiteralSet { groups })
    }

    pub fn matches(&self, text: &str) -> bool {
        self.groups.iter().any(|group| group.matches(text))
    }

    /// The exact values, when the set holds nothing else (for indexing rules by event name).
    pub fn exact_only(&self) -> Option<impl Iterator<Item = &str>> {
        self.groups
            .iter()
            .all(|group| {
                group.contains.is_none() && group.prefix.is_none() && group.suffix.is_none()
            })
            .then(|| {
                self.groups
                    .iter()
                    .flat_map(|group| group.exact.iter().map(String::as_str))
            })
    }
}

fn fold_of(literal: &Literal) -> Fold {
    match (literal.cased, literal.text.is_ascii()) {
        (true, _) => Fold::None,
        (false, true) => Fold::Ascii,
        (false, false) => Fold::Lowercase,
    }
}

impl Group {
    fn new(fold: Fold, literals: &[&Literal]) -> Result<Group, String> {
        let texts = |anchor: Anchor| -> Vec<&str> {
            literals
                .iter()
                .filter(|literal| literal.anchor == anchor)
                .map(|literal| literal.text)
                .collect()
        };
        let automaton = |values: Vec<String>, start: StartKind| -> Result<_, String> {
            if values.is_empty() {
                return Ok(None);
            }
            AhoCorasick::builder()
                .ascii_case_insensitive(fold == Fold::Ascii)
                .start_kind(start)
                .build(values)
                .map(Some)
                .map_err(|error| format!("cannot compile the values: {error}"))
        };
        let owned = |values: Vec<&str>| values.into_iter().map(str::to_owned).collect();
        let reversed = texts(Anchor::EndsWith)
            .into_iter()
            .map(|text| text.chars().rev().collect())
            .collect();
        Ok(Group {
            fold,
            exact: texts(Anchor::Whole)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            contains: automaton(owned(texts(Anchor::Contains)), StartKind::Unanchored)?,
            prefix: automaton(owned(texts(Anchor::StartsWith)), StartKind::Anchored)?,
            suffix: automaton(reversed, StartKind::Anchored)?,
        })
    }

    fn matches(&self, text: &str) -> bool {
        let lowered;
        let text = match self.fold {
            Fold::Lowercase => {
                lowered = text.to_lowercase();
                lowered.as_str()
            }
            Fold::None | Fold::Ascii => text,
        };
        if !self.exact.is_empty() {
            let found = if self.fold == Fold::Ascii && text.bytes().any(|b| b.is_ascii_uppercase())
            {
                self.exact.contains(&text.to_ascii_lowercase())
            } else {
                self.exact.contains(text)
            };
            if found {
                return true;
            }
        }
        if self.contains.as_ref().is_some_and(|ac| ac.is_match(text)) {
            return true;
        }
        let anchored = |ac: &AhoCorasick, haystack: &[u8]| {
            ac.is_match(Input::new(haystack).anchored(Anchored::Yes))
        };
        if self
            .prefix
            .as_ref()
            .is_some_and(|ac| anchored(ac, text.as_bytes()))
        {
            return true;
        }
        self.suffix.as_ref().is_some_and(|ac| {
            let reversed: String = text.chars().rev().collect();
            anchored(ac, reversed.as_bytes())
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    use super::super::pattern::{Anchor, TextPattern};
    use super::LiteralSet;

    fn random_text(rng: &mut SmallRng, alphabet: &[&str], most: usize) -> String {
        let len = rng.random_range(0..=most);
        (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect()
    }

    /// The set agrees with testing each value's own pattern, for every anchor, cased or not,
    /// ASCII or not (including characters whose lowercase differs in length).
    #[test]
    fn a_set_matches_exactly_what_its_values_match_one_by_one() {
        let alphabet = [
            "a", "b", "A", "B", "-", "é", "É", "İ", "ß", "K", "k", "\u{212a}",
        ];
        let anchors = [
            Anchor::Whole,
            Anchor::Contains,
            Anchor::StartsWith,
            Anchor::EndsWith,
        ];
        let mut rng = SmallRng::seed_from_u64(11);
        for round in 0..300 {
            let patterns: Vec<TextPattern> = (0..rng.random_range(1..40))
                .map(|_| {
                    let value = random_text(&mut rng, &alphabet, 4);
                    let anchor = anchors[rng.random_range(0..anchors.len())];
                    TextPattern::literal(&value, anchor, rng.random_bool(0.3))
                })
                .collect();
            let literals: Vec<_> = patterns
                .iter()
                .filter_map(TextPattern::as_literal)
                .collect();
            let set = LiteralSet::new(&literals).unwrap();
            for _ in 0..200 {
                let text = random_text(&mut rng, &alphabet, 8);
                let one_by_one = patterns.iter().any(|pattern| pattern.matches(&text));
                assert_eq!(
                    set.matches(&text),
                    one_by_one,
                    "round {round}: text {text:?}, values {patterns:?}"
                );
            }
        }
    }

    #[test]
    fn only_exact_values_are_offered_for_indexing() {
        let exact: Vec<_> = ["ConsoleLogin", "StopLogging"]
            .iter()
            .map(|name| TextPattern::literal(name, Anchor::Whole, false))
            .collect();
        let literals: Vec<_> = exact.iter().filter_map(TextPattern::as_literal).collect();
        let set = LiteralSet::new(&literals).unwrap();
        let mut names: Vec<&str> = set.exact_only().unwrap().collect();
        names.sort();
        assert_eq!(names, ["consolelogin", "stoplogging"]);
        let prefix = TextPattern::literal("Get", Anchor::StartsWith, false);
        let mut mixed = literals.clone();
        mixed.extend(prefix.as_literal());
        assert!(LiteralSet::new(&mixed).unwrap().exact_only().is_none());
    }
}
