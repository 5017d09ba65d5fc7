//! Synthetic CloudTrail corpora (placeholder, being written).
