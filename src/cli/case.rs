//! `trailhound case`: start, choose and fill a case, and export it as a report.
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Utc;

use super::exit;
use crate::case::store::{current_name, list, new_id, set_current};
use crate::case::{markdown, Case, Entry, Pinned, Report};
use crate::detect::AlertSet;
use crate::event::terminal_safe;
use crate::index::TrailIndex;

#[derive(clap::Subcommand)]
pub enum CaseAction {
    /// Start a case and make it the current one
    New { name: String },
    /// The cases beside the index (the current one marked)
    List,
    /// Make NAME the current case
    Use { name: String },
    /// Pin an event (by id, or the start of one) to the current case
    Pin {
        event_id: String,
        /// A note on it
        #[arg(long)]
        note: Option<String>,
        /// The query that led to it (repeatable, in order)
        #[arg(long = "trail")]
        trail: Vec<String>,
    },
    /// Pin an alert (by id) to the current case
    PinAlert {
        alert_id: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Pin a principal (a user or role ARN, as `user:` shows it) to the current case
    PinPrincipal {
        principal: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Add a note to the current case, or to one of its pins
    Note {
        text: String,
        /// The pin it is about (its id, as `case show` prints it)
        #[arg(long)]
        on: Option<String>,
    },
    /// The pins of a case in time order, with their notes
    Show { name: Option<String> },
    /// Write a case as a report
    Export {
        /// The case [default: the current one]
        name: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write to this file instead of standard output
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Markdown: renders on GitHub
    Md,
    /// One self-contained web page (no script, no fetch) with an activity chart
    Html,
    /// JSON Lines: one pin per line, its record or alert whole
    Jsonl,
}

pub fn run(index_dir: &Path, action: &CaseAction) -> anyhow::Result<i32> {
    match action {
        CaseAction::New { name } => {
            let case = Case::create(index_dir, name)?;
            eprintln!(
                "started case {} (now current): pin with `trailhound case pin EVENT_ID`",
                case.name
            );
        }
        CaseAction::List => {
            let current = current_name(index_dir);
            for name in list(index_dir)? {
                let case = Case::open(index_dir, &name)?;
                println!(
                    "{} {}  {} pins",
                    if current.as_deref() == Some(name.as_str()) {
                        "*"
                    } else {
                        " "
                    },
                    name,
                    case.pins().count()
                );
            }
        }
        CaseAction::Use { name } => {
            set_current(index_dir, name)?;
            eprintln!("{name} is the current case");
        }
        CaseAction::Pin {
            event_id,
            note,
            trail,
        } => {
            let index = TrailIndex::open(index_dir)?;
            let searcher = index.searcher()?;
            let found = match index.find_by_id(&searcher, event_id)? {
                Some(raw) => Some((event_id.clone(), raw)),
                None => match index.find_by_id_prefix(&searcher, event_id, 2)?.as_slice() {
                    [(id, raw)] => Some((id.clone(), raw.clone())),
                    _ => None,
                },
            };
            let Some((event_id, raw)) = found else {
                eprintln!(
                    "trailhound: no event `{}` in the index (or the start of more than one id)",
                    terminal_safe(event_id)
                );
                return Ok(exit::FAILURE);
            };
            pin(
                index_dir,
                Pinned::Event { event_id, raw },
                trail.clone(),
                note.as_deref(),
            )?;
        }
        CaseAction::PinAlert { alert_id, note } => {
            let alerts = AlertSet::load(index_dir)?;
            let key = alerts.resolve(alert_id).map_err(anyhow::Error::msg)?;
            let Some(alert) = alerts.listed_with(true)?.into_iter().find(|a| a.key == key) else {
                eprintln!("trailhound: no alert `{}`", terminal_safe(alert_id));
                return Ok(exit::FAILURE);
            };
            pin(
                index_dir,
                Pinned::Alert {
                    alert: Box::new(alert),
                },
                Vec::new(),
                note.as_deref(),
            )?;
        }
        CaseAction::PinPrincipal { principal, note } => {
            pin(
                index_dir,
                Pinned::Principal {
                    principal: principal.clone(),
                },
                Vec::new(),
                note.as_deref(),
            )?;
        }
        CaseAction::Note { text, on } => {
            let mut case = Case::current(index_dir)?;
            if let Some(on) = on {
                if !case.pins().any(|(id, ..)| id == on) {
                    eprintln!(
                        "trailhound: case {} has no pin `{}` (`trailhound case show` lists them)",
                        case.name,
                        terminal_safe(on)
                    );
                    return Ok(exit::FAILURE);
                }
            }
            case.append(Entry::Note {
                id: new_id(),
                at: Utc::now(),
                on: on.clone(),
                text: text.clone(),
            })?;
        }
        CaseAction::Show { name } => {
            let case = named_or_current(index_dir, name.as_deref())?;
            report_problems(&case);
            let report = Report::gather(&case, index_dir);
            println!("case {}: {} pins", case.name, report.pins.len());
            for pin in &report.pins {
                let when = pin
                    .time()
                    .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| "-".to_owned());
                let what = match &pin.evidence {
                    crate::case::report::Evidence::Event(e) => {
                        format!("event {} {} by {}", e.event_id, e.event_name, e.principal)
                    }
                    crate::case::report::Evidence::Alert(a) => {
                        format!("alert {} {} ({})", a.rule_id, a.title, a.severity)
                    }
                    crate::case::report::Evidence::Principal(p) => format!("principal {p}"),
                };
                println!("{}  {when}  {}", pin.id, terminal_safe(&what));
                for note in &pin.notes {
                    println!("      note: {}", terminal_safe(note));
                }
            }
        }
        CaseAction::Export {
            name,
            format,
            output,
        } => {
            let case = named_or_current(index_dir, name.as_deref())?;
            report_problems(&case);
            let report = Report::gather(&case, index_dir);
            let text = match format {
                ExportFormat::Md => markdown::render(&report),
                ExportFormat::Html => crate::case::html::render(&report),
                ExportFormat::Jsonl => jsonl(&report),
            };
            match output {
                Some(path) => {
                    crate::state_file::write_bytes(path, text.as_bytes())?;
                    println!(
                        "wrote the report of case {} to {}",
                        case.name,
                        terminal_safe(&path.display().to_string())
                    );
                }
                None => std::io::stdout().lock().write_all(text.as_bytes())?,
            }
        }
    }
    Ok(exit::OK)
}

fn named_or_current(index_dir: &Path, name: Option<&str>) -> anyhow::Result<Case> {
    Ok(match name {
        Some(name) => Case::open(index_dir, name)?,
        None => Case::current(index_dir)?,
    })
}

fn report_problems(case: &Case) {
    for problem in &case.problems {
        eprintln!("warning: {problem} (the line is left out; the rest of the case loads)");
    }
}

fn pin(
    index_dir: &Path,
    item: Pinned,
    trail: Vec<String>,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let mut case = Case::current(index_dir)?;
    let id = new_id();
    case.append(Entry::Pin {
        id: id.clone(),
        at: Utc::now(),
        item,
        trail,
    })?;
    if let Some(note) = note {
        case.append(Entry::Note {
            id: new_id(),
            at: Utc::now(),
            on: Some(id.clone()),
            text: note.to_owned(),
        })?;
    }
    eprintln!("pinned {id} to case {}", case.name);
    Ok(())
}

/// One pin per line, in time order: its kind, notes, trail and what it holds, whole.
fn jsonl(report: &Report) -> String {
    use crate::case::report::Evidence;
    let mut out = String::new();
    for pin in &report.pins {
        let (kind, held) = match &pin.evidence {
            Evidence::Event(event) => (
                "event",
                serde_json::from_str(&event.raw)
                    .unwrap_or(serde_json::Value::String(event.raw.clone())),
            ),
            Evidence::Alert(alert) => ("alert", serde_json::to_value(alert).unwrap_or_default()),
            Evidence::Principal(principal) => {
                ("principal", serde_json::Value::String(principal.clone()))
            }
        };
        let line = serde_json::json!({
            "pin": pin.id,
            "pinned_at": pin.pinned_at,
            "time": pin.time(),
            "kind": kind,
            "notes": pin.notes,
            "trail": pin.trail,
            kind: held,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    out
}
