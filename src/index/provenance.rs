//! Where a committed event was read from (`@source`, `@file`): indexed, not stored, so read
//! back from the terms that hold them.
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, DocId, DocSet, Searcher, Term, TERMINATED};

use super::compile::event_id_query;
use super::document::Provenance;
use super::error::IndexError;
use super::schema::{derived, path_term, terms_with_prefix};
use super::store::TrailIndex;

impl TrailIndex {
    /// Where the event with this eventID was read from, if the index has it.
    pub fn provenance_by_id(
        &self,
        searcher: &Searcher,
        event_id: &str,
    ) -> Result<Option<Provenance>, IndexError> {
        let query = event_id_query(self.fields(), event_id);
        let top = self.guarded(|| {
            searcher
                .search(&query, &TopDocs::with_limit(1).order_by_score())
                .map_err(|e| self.tantivy_error(e))
        })?;
        let Some((_, address)) = top.first() else {
            return Ok(None);
        };
        let addresses = HashSet::from([*address]);
        let mut found = self.guarded(|| provenance_of(self, searcher, &addresses))?;
        Ok(found.remove(address))
    }

    /// The eventIDs of the events read from `files` (`@file` values).
    pub fn event_ids_from_files(
        &self,
        searcher: &Searcher,
        files: &[&str],
    ) -> Result<HashSet<String>, IndexError> {
        if files.is_empty() {
            return Ok(HashSet::new());
        }
        let kw = self.fields().kw;
        let query = BooleanQuery::new(
            files
                .iter()
                .map(|file| {
                    let term = Term::from_field_text(kw, &path_term(derived::FILE, file));
                    let query: Box<dyn Query> =
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                    (Occur::Should, query)
                })
                .collect(),
        );
        let addresses = self.guarded(|| {
            searcher
                .search(&query, &DocSetCollector)
                .map_err(|e| self.tantivy_error(e))
        })?;
        let mut ids = HashSet::with_capacity(addresses.len());
        for address in addresses {
            let raw = self.raw_record(searcher, address)?;
            let record: serde_json::Value = serde_json::from_str(&raw).unwrap_or_default();
            ids.insert(crate::event::event_id_of(&record, &raw));
        }
        Ok(ids)
    }
}

/// The `@source` and `@file` of each document: they are indexed, not stored, so they are read
/// back from the terms that hold them.
pub(crate) fn provenance_of(
    index: &TrailIndex,
    searcher: &tantivy::Searcher,
    addresses: &HashSet<DocAddress>,
) -> Result<HashMap<DocAddress, Provenance>, IndexError> {
    let fields = index.fields();
    let mut by_segment: HashMap<u32, BTreeSet<DocId>> = HashMap::new();
    for address in addresses {
        by_segment
            .entry(address.segment_ord)
            .or_default()
            .insert(address.doc_id);
    }
    let mut sources: HashMap<DocAddress, Arc<str>> = HashMap::new();
    let mut files: HashMap<DocAddress, Arc<str>> = HashMap::new();
    for (&ordinal, docs) in &by_segment {
        let segment = searcher.segment_reader(ordinal);
        let inverted = segment
            .inverted_index(fields.kw)
            .map_err(|e| index.tantivy_error(e))?;
        for (path, found) in [(derived::SOURCE, &mut sources), (derived::FILE, &mut files)] {
            let prefix = path_term(path, "");
            let io_error = |source| IndexError::Io {
                path: index.dir().to_owned(),
                source,
            };
            let mut terms = terms_with_prefix(&inverted, &prefix).map_err(io_error)?;
            while terms.advance() {
                let mut postings = inverted
                    .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
                    .map_err(io_error)?;
                let mut value: Option<Arc<str>> = None;
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if docs.contains(&doc) {
                        let value = value.get_or_insert_with(|| {
                            String::from_utf8_lossy(&terms.key()[prefix.len()..]).into()
                        });
                        found.insert(DocAddress::new(ordinal, doc), value.clone());
                    }
                    doc = postings.advance();
                }
            }
        }
    }
    Ok(addresses
        .iter()
        .map(|address| {
            let source = sources.get(address).cloned().unwrap_or_else(|| "".into());
            let file = files
                .get(address)
                .cloned()
                .unwrap_or_else(|| source.clone());
            (*address, Provenance { source, file })
        })
        .collect())
}
