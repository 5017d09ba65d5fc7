//! Each ingested file's integrity verdict, kept beside the index by the `@file` value its events
//! carry: `verify` writes them, and `@integrity:` finds the events of the files with a verdict
//! without re-indexing a single one (a later `verify` simply replaces them).
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
    /// The evidence of change, removal or addition (`verify`'s failures: modified, missing and
    /// unlisted files, bad digests, gaps) in the accounts the index holds files of: the alert
    /// feed shows them.
    #[serde(default)]
    pub findings: Vec<Finding>,
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
        let by_key: HashMap<&str, &Finding> = findings
            .iter()
            .filter(|f| f.kind == FindingKind::Log)
            .filter_map(|f| Some((archive_key(&f.path)?, f)))
            .collect();
        let mut recorded = 0;
        let mut held: BTreeSet<String> = self
            .by_chain()
            .into_keys()
            .map(|(account, _)| account)
            .collect();
        for file in files {
            let Some(finding) = archive_key(file).and_then(|key| by_key.get(key)) else {
                continue;
            };
            self.files
                .insert(file.clone(), word(finding.status).to_owned());
            held.insert(finding.account.clone());
            recorded += 1;
        }
        self.keep_evidence(findings, &held);
        recorded
    }

    /// Keeps the failures among `findings` of the accounts in `held` (every region: a chain
    /// whose files were all deleted has none in the index); a finding replaces the one kept for
    /// the same file, digest or gap (a file found valid again clears it).
    fn keep_evidence(&mut self, findings: &[Finding], held: &BTreeSet<String>) {
        let same = |a: &Finding, b: &Finding| {
            a.kind == b.kind
                && a.account == b.account
                && a.region == b.region
                && archive_key(&a.path).unwrap_or(&a.path)
                    == archive_key(&b.path).unwrap_or(&b.path)
        };
        for finding in findings {
            if !held.contains(&finding.account) {
                continue;
            }
            self.findings.retain(|kept| !same(kept, finding));
            if finding.status.is_failure() {
                self.findings.push(finding.clone());
            }
        }
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
        let before = verdicts.clone();
        let recorded = verdicts.record(findings, &files);
        if verdicts != before {
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

    /// The eventIDs of the events read from files found modified or unlisted: an alert citing
    /// one says so.
    pub fn changed_events(
        &self,
        index: &crate::index::TrailIndex,
        searcher: &tantivy::Searcher,
    ) -> Result<std::collections::HashSet<String>, crate::index::IndexError> {
        let changed: Vec<&str> = self
            .files_with("modified")
            .chain(self.files_with("unlisted"))
            .collect();
        index.event_ids_from_files(searcher, &changed)
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
        assert_eq!(
            verdicts.findings,
            [findings[0].clone()],
            "the evidence is kept"
        );
    }

    #[test]
    fn evidence_is_kept_for_the_chains_the_index_holds_and_cleared_when_found_valid_again() {
        let mut verdicts = Verdicts::default();
        let held = "/cases/AWSLogs/1/CloudTrail/r/a.json.gz".to_owned();
        let mut elsewhere = finding(Status::Missing, "/other/AWSLogs/2/CloudTrail/r/z.json.gz");
        elsewhere.account = "2".into();
        let findings = [
            finding(Status::Modified, "/copy/AWSLogs/1/CloudTrail/r/a.json.gz"),
            finding(Status::Missing, "/copy/AWSLogs/1/CloudTrail/r/gone.json.gz"),
            elsewhere,
        ];
        verdicts.record(&findings, std::slice::from_ref(&held));
        assert_eq!(
            verdicts.findings,
            findings[..2],
            "not another account's chain"
        );

        let restored = [finding(
            Status::Valid,
            "/copy/AWSLogs/1/CloudTrail/r/a.json.gz",
        )];
        verdicts.record(&restored, std::slice::from_ref(&held));
        assert_eq!(verdicts.findings, findings[1..2]);
        assert_eq!(verdicts.of(&held), "valid");
    }
}
