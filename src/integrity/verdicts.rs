//! Each ingested file's integrity verdict, kept beside the index by the `@file` value its events
//! carry: `verify` writes them, and `@integrity:` finds the events of the files with a verdict
//! without re-indexing a single one (a later `verify` simply replaces them).
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::chain::{Finding, FindingKind, Status};
use super::digest::archive_key;

pub const VERDICTS_FILE: &str = "integrity.json";

/// The words `@integrity:` takes; `unverified` is every file without one of the others.
pub const VERDICT_WORDS: [&str; 5] = ["valid", "modified", "unlisted", "missing", "unverified"];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdicts {
    /// `@file` value -> verdict word.
    pub files: BTreeMap<String, String>,
}

fn word(status: Status) -> &'static str {
    match status {
        Status::Valid => "valid",
        Status::Modified => "modified",
        Status::Unlisted => "unlisted",
        Status::Missing => "missing",
        _ => "unverified",
    }
}

impl Verdicts {
    /// The verdicts saved beside the index at `dir` (none when there are none or they are unreadable).
    pub fn load(dir: &Path) -> Verdicts {
        std::fs::read(dir.join(VERDICTS_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        crate::state_file::write_json(&dir.join(VERDICTS_FILE), self)
    }

    /// Takes `verify`'s verdicts on log files for the files the index holds (`files`, its `@file`
    /// values), matched by their place in the trail layout wherever the copy was; returns how
    /// many files got one.
    pub fn record(&mut self, findings: &[Finding], files: &[String]) -> usize {
        let by_key: HashMap<&str, Status> = findings
            .iter()
            .filter(|f| f.kind == FindingKind::Log)
            .filter_map(|f| Some((archive_key(&f.path)?, f.status)))
            .collect();
        let mut recorded = 0;
        for file in files {
            let Some(status) = archive_key(file).and_then(|key| by_key.get(key)) else {
                continue;
            };
            self.files.insert(file.clone(), word(*status).to_owned());
            recorded += 1;
        }
        recorded
    }

    /// The `@file` values with verdict `word`.
    pub fn files_with<'a>(&'a self, word: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.files
            .iter()
            .filter(move |(_, verdict)| verdict.as_str() == word)
            .map(|(file, _)| file.as_str())
    }

    /// Per account and region (from each file's place in the layout), how many files have
    /// each verdict.
    pub fn by_chain(&self) -> BTreeMap<(String, String), BTreeMap<String, u64>> {
        let mut chains: BTreeMap<(String, String), BTreeMap<String, u64>> = BTreeMap::new();
        for (file, verdict) in &self.files {
            let parts: Vec<&str> = archive_key(file).unwrap_or(file).split('/').collect();
            let at = parts.iter().position(|p| *p == "CloudTrail");
            let (account, region) = match at {
                Some(at) if at >= 1 && at + 1 < parts.len() => (parts[at - 1], parts[at + 1]),
                _ => ("?", "?"),
            };
            *chains
                .entry((account.to_owned(), region.to_owned()))
                .or_default()
                .entry(verdict.clone())
                .or_default() += 1;
        }
        chains
    }

    /// Keeps `findings` for the files `index` holds, beside it; returns how many files got a
    /// verdict.
    pub fn keep(index: &crate::index::TrailIndex, findings: &[Finding]) -> Result<usize, String> {
        let files: Vec<String> = index
            .searcher()
            .and_then(|searcher| {
                index.top_values(
                    &searcher,
                    crate::index::schema::derived::FILE,
                    None,
                    usize::MAX,
                )
            })
            .map_err(|e| format!("cannot read the index's files: {e}"))?
            .into_iter()
            .map(|v| v.value)
            .collect();
        let mut verdicts = Verdicts::load(index.dir());
        let recorded = verdicts.record(findings, &files);
        if recorded > 0 {
            verdicts
                .save(index.dir())
                .map_err(|e| format!("cannot keep the verdicts beside the index: {e}"))?;
        }
        Ok(recorded)
    }

    /// One line for a status bar, and whether it tells of changes: `integrity: 1 modified, 2
    /// unlisted` when a file was changed, removed or added, else `integrity: 340 valid, 12
    /// unverified`; `None` before any verdict.
    pub fn status(&self) -> Option<(String, bool)> {
        if self.files.is_empty() {
            return None;
        }
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for verdict in self.files.values() {
            *counts.entry(verdict.as_str()).or_default() += 1;
        }
        let alarming: Vec<String> = ["modified", "missing", "unlisted"]
            .iter()
            .filter_map(|word| counts.get(word).map(|n| format!("{n} {word}")))
            .collect();
        let (words, alarm) = match alarming.is_empty() {
            true => (
                counts
                    .iter()
                    .map(|(word, n)| format!("{n} {word}"))
                    .collect::<Vec<_>>(),
                false,
            ),
            false => (alarming, true),
        };
        Some((format!("integrity: {} files", words.join(", ")), alarm))
    }

    /// The verdict of the file an event came from.
    pub fn of(&self, file: &str) -> &str {
        self.files.get(file).map_or("unverified", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(status: Status, path: &str) -> Finding {
        Finding {
            kind: FindingKind::Log,
            status,
            account: "1".into(),
            region: "r".into(),
            path: path.into(),
            detail: String::new(),
        }
    }

    #[test]
    fn verdicts_follow_files_by_their_place_in_the_layout() {
        let mut verdicts = Verdicts::default();
        let findings = [
            finding(Status::Modified, "/copy/AWSLogs/1/CloudTrail/r/a.json.gz"),
            finding(Status::Valid, "s3://b/AWSLogs/1/CloudTrail/r/b.json.gz"),
            finding(Status::Unverifiable, "/x/AWSLogs/1/CloudTrail/r/c.json.gz"),
        ];
        let files = [
            "/cases/AWSLogs/1/CloudTrail/r/a.json.gz".to_owned(),
            "/cases/AWSLogs/1/CloudTrail/r/b.json.gz".to_owned(),
            "/cases/AWSLogs/1/CloudTrail/r/c.json.gz".to_owned(),
            "/cases/export.jsonl".to_owned(),
        ];
        assert_eq!(verdicts.record(&findings, &files), 3);
        assert_eq!(verdicts.of(&files[0]), "modified");
        assert_eq!(verdicts.of(&files[1]), "valid");
        assert_eq!(verdicts.of(&files[2]), "unverified");
        assert_eq!(verdicts.of(&files[3]), "unverified");
        assert_eq!(
            verdicts.files_with("modified").collect::<Vec<_>>(),
            [files[0].as_str()]
        );
    }
}
