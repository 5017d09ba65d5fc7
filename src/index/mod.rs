//! The on-disk tantivy index: schema, writing with dedupe, and every read the product makes.
pub mod activity;
mod compile;
pub mod coverage;
pub mod document;
mod error;
mod id_set;
pub mod identities;
pub mod panic_guard;
mod provenance;
mod reader_directory;
mod reattribute;
pub mod schema;
mod search;
mod store;
pub mod tokenizer;
mod top;
mod tui_reads;
mod value_words;
mod writer;

pub use compile::{
    compile_query, parse_instant as parse_time, time_bounds, CompiledQuery, ALIASES,
};
pub use coverage::{Coverage, SourceCoverage};
pub use error::IndexError;
pub use search::{Hit, SearchRequest, SortOrder, TimeBounds};
pub use store::TrailIndex;
pub use top::{TopList, TopValue};
pub use writer::{Added, EventWriter};
