//! Athena over the trail bucket, for trails too big for one machine: the table (DDL with
//! partition projection for the bucket's layout), the query language translated to Athena's SQL
//! with the local index's meaning, and statements always bounded by the partitions they need.
pub mod client;
mod principal_sql;
pub mod rows;
pub mod statement;
pub mod table;
mod translate;
mod words;

pub use statement::{statement, Scope, Select};
pub use table::TableLayout;
pub use translate::{translate, translate_at, Translation};
