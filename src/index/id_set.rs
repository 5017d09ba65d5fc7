//! `eventID:(a b c ...)`: the events whose id is one of many, found in one pass over the id hash
//! columns. One query per id passes over them once per id, which for the thousand ids an alert
//! cites took seconds on a million events.
use std::collections::HashSet;
use std::sync::Arc;

use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TantivyError};

use super::schema::{id_hash, split_id_hash};

#[derive(Debug, Clone)]
pub(crate) struct EventIdSetQuery {
    /// (`id_hi`, `id_lo`) of each id.
    ids: Arc<HashSet<(u64, u64)>>,
    /// One bit per value of the low 16 bits of the `id_hi` halves, checked first: nearly every
    /// event fails there, without hashing.
    prefilter: Arc<Vec<u64>>,
}

const PREFILTER_BITS: u64 = 1 << 16;

fn prefilter_bit(hi: u64) -> (usize, u64) {
    let bit = hi % PREFILTER_BITS;
    ((bit / 64) as usize, 1 << (bit % 64))
}

impl EventIdSetQuery {
    pub(crate) fn new<'a>(event_ids: impl IntoIterator<Item = &'a str>) -> EventIdSetQuery {
        let ids: HashSet<(u64, u64)> = event_ids
            .into_iter()
            .map(|id| split_id_hash(id_hash(id)))
            .collect();
        let mut prefilter = vec![0u64; (PREFILTER_BITS / 64) as usize];
        for (hi, _) in &ids {
            let (word, bit) = prefilter_bit(*hi);
            prefilter[word] |= bit;
        }
        EventIdSetQuery {
            ids: Arc::new(ids),
            prefilter: Arc::new(prefilter),
        }
    }
}

impl Query for EventIdSetQuery {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for EventIdSetQuery {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let highs = reader.fast_fields().u64("id_hi")?;
        let lows = reader.fast_fields().u64("id_lo")?;
        let mut docs = BitSet::with_max_value(reader.max_doc());
        for doc in 0..reader.max_doc() {
            let matches = highs.first(doc).is_some_and(|hi| {
                let (word, bit) = prefilter_bit(hi);
                self.prefilter[word] & bit != 0
                    && lows
                        .first(doc)
                        .is_some_and(|lo| self.ids.contains(&(hi, lo)))
            });
            if matches {
                docs.insert(doc);
            }
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("one of the event ids", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} has none of the event ids"
            )))
        }
    }
}
