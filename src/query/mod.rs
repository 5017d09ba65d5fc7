//! The query language (placeholder, being written).
