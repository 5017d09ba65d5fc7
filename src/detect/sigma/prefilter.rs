//! Which `eventName` values a detection can match at all, so that a caller can index rules by
//! event name and skip the rest: sound (never leaves out a record the rule would match), not
//! exhaustive (`None` when the rule does not pin the name with exact values).

use std::collections::BTreeSet;

use super::condition::Condition;
use super::matcher::{Selection, Test};
use super::value::ValueMatcher;

const EVENT_NAME: &str = "eventName";

/// Lowercased event names, or `None` when any event name could match.
pub(crate) fn required_event_names(
    condition: &Condition,
    selections: &[Selection],
) -> Option<BTreeSet<String>> {
    match condition {
        Condition::Selection(index) => selections.get(*index).and_then(selection_names),
        Condition::Not(_) => None,
        Condition::And(parts) => parts
            .iter()
            .filter_map(|part| required_event_names(part, selections))
            .reduce(|left, right| left.intersection(&right).cloned().collect()),
        Condition::Or(parts) => union_of_all(
            parts
                .iter()
                .map(|part| required_event_names(part, selections)),
        ),
    }
}

fn selection_names(selection: &Selection) -> Option<BTreeSet<String>> {
    union_of_all(
        selection
            .alternatives
            .iter()
            .map(|tests| conjunction_names(tests)),
    )
}

/// An alternative pins the name when one of its tests is `eventName` against exact values only.
fn conjunction_names(tests: &[Test]) -> Option<BTreeSet<String>> {
    tests.iter().find_map(|test| match test {
        Test::AnyValue { path, values } if path.as_str() == EVENT_NAME => {
            let mut names = BTreeSet::new();
            for value in values {
                match value {
                    ValueMatcher::Text(pattern) => {
                        names.insert(pattern.exact_text()?.to_lowercase());
                    }
                    ValueMatcher::Literals(set) => {
                        names.extend(set.exact_only()?.map(str::to_lowercase));
                    }
                    _ => return None,
                }
            }
            Some(names)
        }
        _ => None,
    })
}

fn union_of_all(parts: impl Iterator<Item = Option<BTreeSet<String>>>) -> Option<BTreeSet<String>> {
    let mut union = BTreeSet::new();
    for part in parts {
        union.extend(part?);
    }
    Some(union)
}
