//! Runs Athena statements in DuckDB over CloudTrail records (tests/athena/run_in_duckdb.py):
//! the ids they select, or their rows as Athena's results give them.
use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

/// Each statement's answer by name: `{"ids": [...]}`, with `rows` `{"rows": [[...]]}`, or
/// `{"error": "..."}` when DuckDB refused it.
pub fn run(
    records: &Path,
    statements: &BTreeMap<String, String>,
    rows: bool,
) -> BTreeMap<String, Value> {
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/athena/run_in_duckdb.py");
    let job = json!({"records": records, "statements": statements, "rows": rows});
    let output = super::python(
        &[runner.to_str().unwrap()],
        job.to_string().as_bytes(),
        "the DuckDB runner failed (CI installs sqlglot and duckdb: pip install sqlglot duckdb)",
    );
    serde_json::from_slice(&output).unwrap()
}
