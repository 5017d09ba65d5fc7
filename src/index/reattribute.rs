//! Re-credits committed events to the principal an identity map has since learned for them.
//! An event whose identity has no ARN was indexed under its raw principalId (or user name) as
//! `@principal`; once another event links that identifier to an ARN, its documents are rebuilt
//! from their stored raw record (which never changes) and replace the old ones.
use std::collections::BTreeSet;

use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value as _};
use tantivy::{IndexWriter, TantivyDocument, Term};

use super::document::{prepare, Provenance};
use super::error::IndexError;
use super::provenance::provenance_of;
use super::schema::{derived, path_term};
use super::store::TrailIndex;
use crate::event::{event_id_of, IdentityMap};

/// Replaces the committed documents whose `@principal` is one of `raw_ids` and now resolves to
/// another principal. Returns how many documents were replaced; the caller commits.
pub fn reattribute(
    index: &TrailIndex,
    writer: &IndexWriter,
    identities: &IdentityMap,
    raw_ids: &BTreeSet<String>,
) -> Result<u64, IndexError> {
    let fields = *index.fields();
    let searcher = index.searcher()?;
    let mut replaced = 0;
    for raw_id in raw_ids {
        let term = Term::from_field_text(fields.kw, &path_term(derived::PRINCIPAL, raw_id));
        let query = TermQuery::new(term.clone(), IndexRecordOption::Basic);
        let addresses = searcher
            .search(&query, &DocSetCollector)
            .map_err(|e| index.tantivy_error(e))?;
        if addresses.is_empty() {
            continue;
        }
        let provenance = provenance_of(index, &searcher, &addresses)?;
        let mut rebuilt = Vec::with_capacity(addresses.len());
        let mut changes = false;
        for address in &addresses {
            let doc: TantivyDocument =
                searcher.doc(*address).map_err(|e| index.tantivy_error(e))?;
            let Some(raw) = doc.get_first(fields.raw).and_then(|v| v.as_str()) else {
                continue;
            };
            let mut record: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
            crate::source::as_cloudtrail(&mut record);
            let event_id = event_id_of(&record, raw);
            let provenance = provenance
                .get(address)
                .cloned()
                .unwrap_or_else(|| Provenance {
                    source: "".into(),
                    file: "".into(),
                });
            let event = prepare(&fields, raw, &record, event_id, &provenance, identities);
            changes |= event.summary.principal.id != *raw_id;
            rebuilt.push(event.doc);
        }
        if !changes {
            continue;
        }
        // Deletes apply to documents added before them: exactly the ones just read.
        writer.delete_term(term);
        for doc in rebuilt {
            writer
                .add_document(doc)
                .map_err(|e| index.tantivy_error(e))?;
            replaced += 1;
        }
    }
    Ok(replaced)
}
