//! The case: what an investigator pins and notes while investigating, kept beside the index, and
//! the report it becomes (Markdown, JSON Lines).
pub mod html;
pub mod markdown;
pub mod report;
pub mod store;

pub use report::Report;
pub use store::{Case, CaseError, Entry, Pinned};
