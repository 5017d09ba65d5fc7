//! Re-derives an index's alerts from its events, in the order they happened: what
//! `alerts --recompute` shows, and what every ingest and pull ends with, so the alerts never
//! depend on the order files, sources or runs delivered the events in.
use rayon::prelude::*;
use tantivy::schema::Value as _;
use tantivy::{DocAddress, TantivyDocument};

use super::engine::{Detector, Matches};
use super::findings::Findings;
use crate::event::{event_id_of, EventSummary, IdentityMap};
use crate::index::{IndexError, TrailIndex};

/// Events read and matched together (in parallel) before they are counted (in time order).
const CHUNK: usize = 4096;

/// Every committed event evaluated with `detector`, oldest first (events of the same second in
/// the order of their id's hash, the same whatever the segments hold). Costs 32 bytes per event
/// for the order; nothing is saved.
pub fn replay(
    index: &TrailIndex,
    detector: &Detector,
    identities: &IdentityMap,
) -> Result<Findings, IndexError> {
    let tantivy = |e| index.tantivy_error(e);
    let searcher = index.searcher()?;
    let mut order: Vec<(i64, u64, u64, u32, u32)> =
        Vec::with_capacity(searcher.num_docs() as usize);
    for (position, segment) in searcher.segment_readers().iter().enumerate() {
        let fast = segment.fast_fields();
        let times = fast.date("time").map_err(tantivy)?;
        let (hi, lo) = (
            fast.u64("id_hi").map_err(tantivy)?,
            fast.u64("id_lo").map_err(tantivy)?,
        );
        for doc in segment.doc_ids_alive() {
            let time = times
                .first(doc)
                .map_or(i64::MIN, |time| time.into_timestamp_secs());
            let (hi, lo) = (hi.first(doc).unwrap_or(0), lo.first(doc).unwrap_or(0));
            order.push((time, hi, lo, position as u32, doc));
        }
    }
    order.sort_unstable();
    let raw_field = index.fields().raw;
    let evaluate = |&(_, _, _, segment, doc): &(i64, u64, u64, u32, u32)| {
        let doc: TantivyDocument = searcher.doc(DocAddress::new(segment, doc))?;
        let Some(raw) = doc.get_first(raw_field).and_then(|v| v.as_str()) else {
            return Ok(None);
        };
        let mut record: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
        crate::source::as_cloudtrail(&mut record);
        let summary = EventSummary::from_record_resolved(
            &record,
            event_id_of(&record, raw),
            Some(identities),
        );
        let matches = detector.evaluate(&record, &summary);
        Ok(Some((summary, matches)))
    };
    let mut findings = Findings::empty(index.dir());
    for chunk in order.chunks(CHUNK) {
        let evaluated: Vec<Option<(EventSummary, Matches)>> = chunk
            .par_iter()
            .map(evaluate)
            .collect::<Result<_, tantivy::TantivyError>>()
            .map_err(tantivy)?;
        for (summary, matches) in evaluated.into_iter().flatten() {
            findings.observe(detector, &summary, &matches);
        }
    }
    Ok(findings)
}
