//! Which time slices a pull must page, given what earlier pulls loaded.
//!
//! A pull covers a window per (account, region, category[, attribute]). Spans that an earlier
//! pull paged to the end are skipped, except for their last minutes (events are delivered late);
//! an interrupted slice resumes from its saved token; every other gap is one slice, newest first.
//! A slice costs one request per 50 events however long it is (an empty region costs one), and
//! its token is its checkpoint; where the history turns out dense, `work` splits it.
use chrono::{DateTime, Duration, Utc};

use crate::index::coverage::{Coverage, PullKey, Span};

/// How long after the fact an event can still appear in LookupEvents.
pub const LATE_DELIVERY: Duration = Duration::minutes(15);
const ONE_SECOND: Duration = Duration::seconds(1);

#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub key: PullKey,
    /// The part of the history this slice loads.
    pub span: Span,
    /// The frozen request window the token was issued for (the span unless a stale token
    /// forced a narrower window).
    pub request: Span,
    pub resume_token: Option<String>,
    pub oldest_loaded: Option<DateTime<Utc>>,
}

/// Where a completed slice's coverage ends: events from its last minutes may still arrive.
pub fn settled_end(span: Span, completed_at: DateTime<Utc>) -> Option<Span> {
    let end = span.end.min(completed_at - LATE_DELIVERY);
    (end >= span.start).then_some(Span {
        start: span.start,
        end,
    })
}

/// `pieces` minus `covered`, both as inclusive second-granular spans.
fn subtract(pieces: Vec<Span>, covered: &[Span]) -> Vec<Span> {
    let mut remaining = pieces;
    for cut in covered {
        remaining = remaining
            .into_iter()
            .flat_map(|piece| {
                if cut.end < piece.start || cut.start > piece.end {
                    return vec![piece];
                }
                let mut left = Vec::new();
                if cut.start > piece.start {
                    left.push(Span {
                        start: piece.start,
                        end: cut.start - ONE_SECOND,
                    });
                }
                if cut.end < piece.end {
                    left.push(Span {
                        start: cut.end + ONE_SECOND,
                        end: piece.end,
                    });
                }
                left
            })
            .collect();
    }
    remaining
}

/// The slices to page for `key` over `window`, newest first: interrupted slices, and each gap
/// as one slice.
pub fn plan(key: &PullKey, window: Span, coverage: &Coverage) -> Vec<Slice> {
    let own = coverage.pulls.get(&key.label());
    let mut covered: Vec<Span> = own.map(|c| c.complete.clone()).unwrap_or_default();
    if key.attribute.is_some() {
        let unfiltered = PullKey {
            attribute: None,
            ..key.clone()
        };
        if let Some(wider) = coverage.pulls.get(&unfiltered.label()) {
            covered.extend(wider.complete.iter().copied());
        }
    }
    let mut slices = Vec::new();
    for partial in own.map(|c| c.partial.as_slice()).unwrap_or_default() {
        if partial.span.start >= window.start && partial.span.end <= window.end {
            covered.push(partial.span);
            slices.push(Slice {
                key: key.clone(),
                span: partial.span,
                request: partial.request,
                resume_token: Some(partial.next_token.clone()),
                oldest_loaded: partial.oldest_loaded,
            });
        } else if let Some(oldest) = partial.oldest_loaded {
            covered.push(Span {
                start: oldest,
                end: partial.span.end,
            });
        }
    }
    for gap in subtract(vec![window], &covered) {
        slices.push(Slice {
            key: key.clone(),
            span: gap,
            request: gap,
            resume_token: None,
            oldest_loaded: None,
        });
    }
    slices.sort_by_key(|slice| std::cmp::Reverse(slice.span.end));
    slices
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::coverage::merge_span;
    use crate::index::coverage::{PartialSlice, PullCoverage};

    fn at(hour: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + hour * 3600, 0).unwrap()
    }

    fn span(from: i64, to: i64) -> Span {
        Span {
            start: at(from),
            end: at(to) - ONE_SECOND,
        }
    }

    fn key(attribute: Option<&str>) -> PullKey {
        PullKey {
            account: "111122223333".into(),
            region: "us-east-1".into(),
            category: "management".into(),
            attribute: attribute.map(str::to_owned),
        }
    }

    fn with(key: &PullKey, complete: Vec<Span>, partial: Vec<PartialSlice>) -> Coverage {
        let mut coverage = Coverage::default();
        coverage.pulls.insert(
            key.label(),
            PullCoverage {
                key: key.clone(),
                complete,
                partial,
                events: 0,
                pages: 0,
                last_pull: None,
                access: None,
            },
        );
        coverage
    }

    fn spans(slices: &[Slice]) -> Vec<Span> {
        slices.iter().map(|s| s.span).collect()
    }

    #[test]
    fn a_fresh_window_is_one_slice_however_long() {
        let slices = plan(&key(None), span(0, 90 * 24), &Coverage::default());
        assert_eq!(spans(&slices), vec![span(0, 90 * 24)]);
        assert!(slices
            .iter()
            .all(|s| s.resume_token.is_none() && s.request == s.span));
    }

    #[test]
    fn each_gap_between_loaded_spans_is_one_slice_newest_first() {
        let k = key(None);
        let coverage = with(&k, vec![span(10, 20), span(30, 40)], vec![]);
        let slices = plan(&k, span(0, 50), &coverage);
        assert_eq!(
            spans(&slices),
            vec![span(40, 50), span(20, 30), span(0, 10)]
        );
    }

    #[test]
    fn completed_spans_are_skipped_and_only_the_gaps_are_paged() {
        let k = key(None);
        let coverage = with(&k, vec![span(0, 20)], vec![]);
        let slices = plan(&k, span(0, 30), &coverage);
        assert_eq!(spans(&slices), vec![span(20, 30)]);
    }

    #[test]
    fn an_interrupted_slice_resumes_with_its_token_and_frozen_window() {
        let k = key(None);
        let partial = PartialSlice {
            span: span(0, 24),
            request: span(0, 24),
            next_token: "token-3".into(),
            oldest_loaded: Some(at(18)),
        };
        let coverage = with(&k, vec![span(24, 48)], vec![partial]);
        let slices = plan(&k, span(0, 50), &coverage);
        assert_eq!(spans(&slices), vec![span(48, 50), span(0, 24)]);
        assert_eq!(slices[1].resume_token.as_deref(), Some("token-3"));
        assert_eq!(slices[1].oldest_loaded, Some(at(18)));
    }

    #[test]
    fn a_partial_outside_the_window_still_counts_what_it_loaded() {
        let k = key(None);
        let partial = PartialSlice {
            span: span(0, 48),
            request: span(0, 48),
            next_token: "t".into(),
            oldest_loaded: Some(at(40)),
        };
        let coverage = with(&k, vec![], vec![partial]);
        let slices = plan(&k, span(36, 48), &coverage);
        assert_eq!(spans(&slices), vec![span(36, 40)]);
    }

    #[test]
    fn a_narrowed_pull_is_satisfied_by_an_unfiltered_one() {
        let unfiltered = key(None);
        let narrowed = key(Some("Username=alice"));
        let coverage = with(&unfiltered, vec![span(0, 10)], vec![]);
        let slices = plan(&narrowed, span(0, 12), &coverage);
        assert_eq!(spans(&slices), vec![span(10, 12)]);
    }

    #[test]
    fn spans_merge_when_adjacent_and_settle_before_late_deliveries() {
        let mut spans = vec![span(0, 5)];
        merge_span(&mut spans, span(10, 12));
        merge_span(&mut spans, span(5, 10));
        assert_eq!(spans, vec![span(0, 12)]);
        let settled = settled_end(span(0, 10), at(10)).unwrap();
        assert_eq!(settled.end, at(10) - LATE_DELIVERY);
        assert_eq!(settled_end(span(0, 1), at(0) + Duration::minutes(5)), None);
    }
}
