//! A case on disk: `cases/NAME/case.jsonl` beside the index, one entry per line, only ever
//! appended to (under a lock, in one write), so two trailhound processes can pin into the same
//! case and a crash leaves at most one torn last line. A line that cannot be read (a hand edit
//! gone wrong) is a problem naming the file and line; the other lines still load.
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::detect::Alert;

const CASES_DIR: &str = "cases";
const CASE_FILE: &str = "case.jsonl";
const CURRENT_FILE: &str = "current";

/// One line of a case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    Opened {
        at: DateTime<Utc>,
        name: String,
    },
    /// Evidence, with the queries (the pivot trail) that led to it.
    Pin {
        id: String,
        at: DateTime<Utc>,
        item: Pinned,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        trail: Vec<String>,
    },
    /// What the investigator wrote: about one pin, or about the case.
    Note {
        id: String,
        at: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on: Option<String>,
        text: String,
    },
}

/// What a pin holds: enough to report it when the index no longer does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Pinned {
    /// An event, with its record as the index held it when it was pinned.
    Event {
        event_id: String,
        raw: String,
    },
    Alert {
        alert: Box<Alert>,
    },
    Principal {
        principal: String,
    },
}

/// A case and what could not be read of it.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub path: PathBuf,
    pub entries: Vec<Entry>,
    /// `FILE:LINE: what is wrong`, one per line that could not be read.
    pub problems: Vec<String>,
}

/// Why a case could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("`{0}` is not a case name: 1 to 64 letters, digits, `.`, `-` and `_`")]
    BadName(String),
    #[error("there is no case `{0}` (`trailhound case list` names them)")]
    Missing(String),
    #[error("a case `{0}` already exists (`trailhound case use {0}`)")]
    Exists(String),
    #[error("no case is open: start one with `trailhound case new NAME`")]
    NoneOpen,
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CaseError + '_ {
    move |source| CaseError::Io {
        path: path.to_owned(),
        source,
    }
}

fn check_name(name: &str) -> Result<(), CaseError> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    match ok {
        true => Ok(()),
        false => Err(CaseError::BadName(name.to_owned())),
    }
}

fn cases_dir(index_dir: &Path) -> PathBuf {
    index_dir.join(CASES_DIR)
}

/// A short random id for a pin or a note.
pub fn new_id() -> String {
    format!("{:08x}", rand::random::<u32>())
}

impl Case {
    fn file(index_dir: &Path, name: &str) -> PathBuf {
        cases_dir(index_dir).join(name).join(CASE_FILE)
    }

    /// Starts a case and makes it the current one.
    pub fn create(index_dir: &Path, name: &str) -> Result<Case, CaseError> {
        check_name(name)?;
        let path = Case::file(index_dir, name);
        if path.exists() {
            return Err(CaseError::Exists(name.to_owned()));
        }
        let folder = path.parent().unwrap_or(index_dir);
        std::fs::create_dir_all(folder).map_err(io(folder))?;
        let mut case = Case {
            name: name.to_owned(),
            path,
            entries: Vec::new(),
            problems: Vec::new(),
        };
        case.append(Entry::Opened {
            at: Utc::now(),
            name: name.to_owned(),
        })?;
        set_current(index_dir, name)?;
        Ok(case)
    }

    pub fn open(index_dir: &Path, name: &str) -> Result<Case, CaseError> {
        check_name(name)?;
        let path = Case::file(index_dir, name);
        let text = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CaseError::Missing(name.to_owned()))
            }
            Err(e) => return Err(io(&path)(e)),
        };
        let mut entries = Vec::new();
        let mut problems = Vec::new();
        for (at, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) => entries.push(entry),
                Err(e) => problems.push(format!(
                    "{}:{}: {}",
                    path.display(),
                    at + 1,
                    crate::event::terminal_safe(&e.to_string())
                )),
            }
        }
        Ok(Case {
            name: name.to_owned(),
            path,
            entries,
            problems,
        })
    }

    /// The current case, if one is open.
    pub fn current(index_dir: &Path) -> Result<Case, CaseError> {
        let name = current_name(index_dir).ok_or(CaseError::NoneOpen)?;
        Case::open(index_dir, &name)
    }

    /// Adds `entry` at the end of the case file: one write under an exclusive lock.
    pub fn append(&mut self, entry: Entry) -> Result<(), CaseError> {
        let mut line = serde_json::to_string(&entry).map_err(|e| CaseError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io(&self.path))?;
        #[cfg(unix)]
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| io(&self.path)(e.into()))?;
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(io(&self.path))?;
        self.entries.push(entry);
        Ok(())
    }

    /// The pins, oldest first.
    pub fn pins(&self) -> impl Iterator<Item = (&str, &DateTime<Utc>, &Pinned, &[String])> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Pin {
                id,
                at,
                item,
                trail,
            } => Some((id.as_str(), at, item, trail.as_slice())),
            _ => None,
        })
    }

    /// The notes on the pin `id` (`None`: on the case itself), oldest first.
    pub fn notes_on<'a>(&'a self, id: Option<&'a str>) -> impl Iterator<Item = &'a str> + 'a {
        self.entries.iter().filter_map(move |entry| match entry {
            Entry::Note { on, text, .. } if on.as_deref() == id => Some(text.as_str()),
            _ => None,
        })
    }

    /// Whether the event `event_id` is pinned.
    pub fn has_event(&self, event_id: &str) -> bool {
        self.pins().any(
            |(_, _, item, _)| matches!(item, Pinned::Event { event_id: e, .. } if e == event_id),
        )
    }
}

/// Every case beside the index, by name.
pub fn list(index_dir: &Path) -> Result<Vec<String>, CaseError> {
    let dir = cases_dir(index_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(&dir)(e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join(CASE_FILE).is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

pub fn current_name(index_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(cases_dir(index_dir).join(CURRENT_FILE)).ok()?;
    let name = text.trim().to_owned();
    check_name(&name).ok().map(|()| name)
}

pub fn set_current(index_dir: &Path, name: &str) -> Result<(), CaseError> {
    check_name(name)?;
    if !Case::file(index_dir, name).is_file() {
        return Err(CaseError::Missing(name.to_owned()));
    }
    let path = cases_dir(index_dir).join(CURRENT_FILE);
    crate::state_file::write_bytes(&path, format!("{name}\n").as_bytes()).map_err(io(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_line_is_named_and_the_rest_of_the_case_loads() {
        let dir = tempfile::tempdir().unwrap();
        let mut case = Case::create(dir.path(), "incident-42").unwrap();
        case.append(Entry::Note {
            id: new_id(),
            at: Utc::now(),
            on: None,
            text: "first".into(),
        })
        .unwrap();
        let mut text = std::fs::read_to_string(&case.path).unwrap();
        text.push_str("{\"kind\": \"note\", \"text\": \n");
        text.push_str(
            &serde_json::to_string(&Entry::Note {
                id: new_id(),
                at: Utc::now(),
                on: None,
                text: "after the damage".into(),
            })
            .unwrap(),
        );
        std::fs::write(&case.path, text).unwrap();
        let case = Case::current(dir.path()).unwrap();
        assert_eq!(
            case.notes_on(None).collect::<Vec<_>>(),
            ["first", "after the damage"]
        );
        assert_eq!(case.problems.len(), 1);
        assert!(
            case.problems[0].contains("case.jsonl:3: "),
            "{:?}",
            case.problems
        );
        assert!(matches!(
            Case::create(dir.path(), "incident-42"),
            Err(CaseError::Exists(_))
        ));
        assert!(matches!(
            Case::create(dir.path(), "../x"),
            Err(CaseError::BadName(_))
        ));
        assert_eq!(list(dir.path()).unwrap(), ["incident-42"]);
    }
}
