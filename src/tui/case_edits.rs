//! The UI's additions to the case, written beside the index: pins and notes, a case started
//! when none is open, and the panes' marks kept in step.
use std::path::Path;

use chrono::Utc;

use super::state::{AppState, CaseState};
use super::update::CaseEdit;
use crate::case::store::new_id;
use crate::case::{Case, CaseError, Entry, Pinned};
use crate::detect::AlertSet;

/// The current case, or a new one named for today when none is open.
fn current_or_new(index_dir: &Path) -> Result<(Case, bool), CaseError> {
    match Case::current(index_dir) {
        Ok(case) => Ok((case, false)),
        Err(CaseError::NoneOpen | CaseError::Missing(_)) => {
            let day = Utc::now().format("%Y-%m-%d").to_string();
            let mut name = format!("case-{day}");
            let mut n = 1;
            while Case::open(index_dir, &name).is_ok() {
                n += 1;
                name = format!("case-{day}-{n}");
            }
            Case::create(index_dir, &name).map(|case| (case, true))
        }
        Err(e) => Err(e),
    }
}

/// The first case the UI shows: the current one, if any.
pub fn load(index_dir: &Path) -> CaseState {
    Case::current(index_dir)
        .map(|case| CaseState::of(&case))
        .unwrap_or_default()
}

pub fn apply(index_dir: &Path, state: &mut AppState, edit: CaseEdit) {
    if let Err(message) = try_apply(index_dir, state, edit) {
        state.status.fail(format!("case: {message}"));
    }
}

fn try_apply(index_dir: &Path, state: &mut AppState, edit: CaseEdit) -> Result<(), String> {
    let (mut case, started) = current_or_new(index_dir).map_err(|e| e.to_string())?;
    if started || state.case.name.as_deref() != Some(case.name.as_str()) {
        state.case = CaseState::of(&case);
    }
    let (item, trail) = match edit {
        CaseEdit::Note { text, on } => {
            case.append(Entry::Note {
                id: new_id(),
                at: Utc::now(),
                on: on.clone(),
                text,
            })
            .map_err(|e| e.to_string())?;
            state.status.say(format!(
                "noted in case {}{}",
                case.name,
                if on.is_some() {
                    " on the pinned event"
                } else {
                    ""
                }
            ));
            return Ok(());
        }
        CaseEdit::PinEvent {
            event_id,
            raw,
            trail,
        } => (Pinned::Event { event_id, raw }, trail),
        CaseEdit::PinPrincipal { principal, trail } => (Pinned::Principal { principal }, trail),
        CaseEdit::PinAlert { key, trail } => {
            let alerts = AlertSet::load(index_dir).map_err(|e| e.to_string())?;
            let alert = alerts
                .listed_with(true)
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|a| a.key == key)
                .ok_or("the alert is no longer in the feed")?;
            (
                Pinned::Alert {
                    alert: Box::new(alert),
                },
                trail,
            )
        }
    };
    let id = new_id();
    case.append(Entry::Pin {
        id: id.clone(),
        at: Utc::now(),
        item: item.clone(),
        trail,
    })
    .map_err(|e| e.to_string())?;
    state.case.add(&id, &item);
    state.status.say(format!(
        "{}pinned to case {} ({} pins) · M adds a note, C lists them",
        if started { "started a case; " } else { "" },
        case.name,
        state.case.pins
    ));
    Ok(())
}
