//! Runs Athena statements in DuckDB over CloudTrail records (tests/athena/run_in_duckdb.py):
//! the ids they select, or their rows as Athena's results give them.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

/// Each statement's answer by name: `{"ids": [...]}`, with `rows` `{"rows": [[...]]}`, or
/// `{"error": "..."}` when DuckDB refused it.
pub fn run(
    records: &Path,
    statements: &BTreeMap<String, String>,
    rows: bool,
) -> BTreeMap<String, Value> {
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/athena/run_in_duckdb.py");
    let mut child = Command::new("python3")
        .arg(runner)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    let job = json!({"records": records, "statements": statements, "rows": rows});
    child
        .stdin
        .take()
        .unwrap()
        .write_all(job.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the DuckDB runner failed (CI installs sqlglot and duckdb: pip install sqlglot duckdb): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}
