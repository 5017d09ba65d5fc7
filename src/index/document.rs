//! Turns one CloudTrail record into the tantivy document that indexes it.
use std::net::IpAddr;
use std::sync::Arc;

use serde_json::{Map, Value};
use tantivy::{DateTime as TantivyDateTime, TantivyDocument};

use super::schema::{
    derived, exact_hash, id_hash, split_id_hash, words_read_from_values, Fields, EVENT_ID_PATH,
    IDENTIFIER_PATHS, KEYWORD_MAX_CHARS, SECRET_PATHS, TIME_PATH,
};
use super::tokenizer::PATH_SEPARATOR;
use crate::event::identity::identity_link;
use crate::event::{EventSummary, IdentityLink, IdentityMap};

/// Where a record came from: the ingested source (an archive root, stdin, a LookupEvents pull)
/// and the file inside it.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub source: Arc<str>,
    pub file: Arc<str>,
}

/// A record ready for the writer: its document plus what the writer needs for dedupe and coverage.
pub struct PreparedEvent {
    pub id_hash: u128,
    pub summary: EventSummary,
    pub source: Arc<str>,
    pub doc: TantivyDocument,
    /// What the record teaches about who its principalId and user name are.
    pub identity: Option<IdentityLink>,
}

/// Builds the document for `record` (a JSON object), whose verbatim text is `raw` and whose id is
/// `event_id`; an identity without an ARN is credited to the principal `identities` knows for it.
pub fn prepare(
    fields: &Fields,
    raw: &str,
    record: &Value,
    event_id: String,
    provenance: &Provenance,
    identities: &IdentityMap,
) -> PreparedEvent {
    let summary = EventSummary::from_record_resolved(record, event_id, Some(identities));
    let identity = identity_link(record, &summary.principal.id);
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.raw, raw);
    let id = id_hash(&summary.event_id);
    let (hi, lo) = split_id_hash(id);
    doc.add_u64(fields.id_hi, hi);
    doc.add_u64(fields.id_lo, lo);
    if let Some(time) = summary.time {
        doc.add_date(
            fields.time,
            TantivyDateTime::from_timestamp_secs(time.timestamp()),
        );
    }
    if let Ok(ip) = summary.source_ip.parse::<IpAddr>() {
        let v6 = match ip {
            IpAddr::V4(v4) => v4.to_ipv6_mapped(),
            IpAddr::V6(v6) => v6,
        };
        doc.add_ip_addr(fields.ip, v6);
    }

    let mut leaves = LeafWriter {
        fields,
        doc: &mut doc,
        path: String::with_capacity(96),
        scratch: String::new(),
    };
    if let Value::Object(map) = record {
        leaves.object(map);
    }
    let principal = &summary.principal;
    leaves.derived(derived::PRINCIPAL, &principal.id);
    leaves.derived(derived::PRINCIPAL_NAME, principal.short_name());
    if let Some(session) = &principal.session {
        leaves.derived(derived::SESSION, session);
    }
    leaves.provenance(derived::SOURCE, &provenance.source);
    leaves.provenance(derived::FILE, &provenance.file);

    PreparedEvent {
        id_hash: id,
        source: provenance.source.clone(),
        summary,
        doc,
        identity,
    }
}

/// What every derived path starts with.
const DERIVED_PREFIX: char = '@';

struct LeafWriter<'a> {
    fields: &'a Fields,
    doc: &'a mut TantivyDocument,
    path: String,
    scratch: String,
}

impl LeafWriter<'_> {
    fn object(&mut self, map: &Map<String, Value>) {
        for (key, value) in map {
            let parent_len = self.path.len();
            if parent_len > 0 {
                self.path.push('.');
            } else if key.starts_with(DERIVED_PREFIX) {
                // `@…` paths are trailhound's own (`@file`, `@principal`): a record's top-level
                // `@file` is indexed as `@@file`, so it can never pass for one of them.
                self.path.push(DERIVED_PREFIX);
            }
            self.path.push_str(key);
            self.value(value);
            self.path.truncate(parent_len);
        }
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Null => {}
            Value::Bool(b) => self.leaf(if *b { "true" } else { "false" }),
            Value::Number(n) => {
                let text = n.to_string();
                self.leaf(&text);
            }
            Value::String(s) => self.leaf(s),
            Value::Array(items) => items.iter().for_each(|item| self.value(item)),
            Value::Object(map) => {
                if !map.is_empty() {
                    self.doc.add_text(self.fields.paths, &self.path);
                }
                self.object(map);
            }
        }
    }

    /// Indexes one value. Its path goes to `paths` only when no `kw` term holds it (see
    /// [`super::schema`]).
    fn leaf(&mut self, text: &str) {
        let fields = self.fields;
        let path = self.path.as_str();
        let kept_apart = match path {
            TIME_PATH | EVENT_ID_PATH => true,
            _ if SECRET_PATHS.contains(&path) => true,
            _ if IDENTIFIER_PATHS.contains(&path) => {
                self.doc.add_u64(fields.exact, exact_hash(path, text));
                true
            }
            _ => false,
        };
        if kept_apart {
            self.doc.add_text(fields.paths, &self.path);
            return;
        }
        let whole = text.len() <= KEYWORD_MAX_CHARS || text.chars().count() <= KEYWORD_MAX_CHARS;
        self.term(text);
        if !whole {
            self.doc.add_text(fields.paths, &self.path);
        }
        if !whole || !words_read_from_values(&self.path) {
            self.doc.add_text(fields.tok, &self.scratch);
        }
        if whole {
            self.doc.add_text(fields.kw, &self.scratch);
        }
    }

    fn derived(&mut self, path: &str, value: &str) {
        self.path.clear();
        self.path.push_str(path);
        self.leaf(value);
    }

    /// One of [`PROVENANCE_PATHS`]: its whole value only, however long; its words are read from it.
    fn provenance(&mut self, path: &str, value: &str) {
        self.path.clear();
        self.path.push_str(path);
        self.term(value);
        self.doc.add_text(self.fields.kw, &self.scratch);
    }

    /// `path\0text` for the current path, in `scratch`.
    fn term(&mut self, text: &str) {
        self.scratch.clear();
        self.scratch.push_str(&self.path);
        self.scratch.push(PATH_SEPARATOR);
        self.scratch.push_str(text);
    }
}
