//! Everything a key can do, as data: keymaps bind these names, help shows their descriptions.
use serde::{Deserialize, Serialize};

/// A user-visible action. The serde name is what keymap files use (`"u" = "pivot_user"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    Zoom,
    Help,
    EditQuery,
    Back,
    Forward,
    ToggleSort,
    TimeWindowCycle,
    TimeWindowAround,
    TimeWindowAll,
    MoveDown,
    MoveUp,
    PageDown,
    PageUp,
    MoveTop,
    MoveBottom,
    OpenDetail,
    OpenAlert,
    ToggleAcknowledge,
    ToggleHideAcknowledged,
    PullHistory,
    PullDialog,
    AthenaDialog,
    Pin,
    CaseNote,
    ShowCase,
    OpenPin,
    NewLine,
    ExportDialog,
    ToggleFollow,
    IngestDialog,
    ShowActivity,
    ToggleFold,
    FoldAll,
    UnfoldAll,
    BucketPrev,
    BucketNext,
    NarrowToBucket,
    PivotUser,
    PivotIp,
    PivotRegion,
    PivotAccessKey,
    PivotEvent,
    PivotSession,
    NarrowUser,
    NarrowIp,
    NarrowRegion,
    NarrowAccessKey,
    NarrowEvent,
    NarrowSession,
    ExcludeUser,
    ExcludeIp,
    ExcludeRegion,
    ExcludeAccessKey,
    ExcludeEvent,
    ExcludeSession,
    PivotField,
    NarrowField,
    ExcludeField,
    CopyValue,
    CopyPath,
    CopyEvent,
    Find,
    FindNext,
    FindPrev,
    Apply,
    Cancel,
    ClearLine,
    CursorHome,
    CursorEnd,
    CursorLeft,
    CursorRight,
    DeleteBack,
    DeleteForward,
    DeleteWord,
    HistoryPrev,
    HistoryNext,
    CloseHelp,
    /// Typing into the query or find line: produced for unbound printable keys, never bound.
    #[serde(skip)]
    Insert(char),
}

/// Which event field a pivot filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PivotField {
    User,
    Ip,
    Region,
    AccessKey,
    Event,
    Session,
}

/// How a pivot combines with the current filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PivotMode {
    /// The pivot's filter replaces the current one.
    Replace,
    /// The current filter AND the pivot's.
    Narrow,
    /// The current filter AND NOT the pivot's.
    Exclude,
}

impl Action {
    /// Every bindable action, in the order help lists them.
    pub const ALL: &'static [Action] = &[
        Action::Quit,
        Action::Help,
        Action::FocusNext,
        Action::FocusPrev,
        Action::Zoom,
        Action::EditQuery,
        Action::Back,
        Action::Forward,
        Action::ToggleSort,
        Action::TimeWindowCycle,
        Action::TimeWindowAround,
        Action::TimeWindowAll,
        Action::MoveDown,
        Action::MoveUp,
        Action::PageDown,
        Action::PageUp,
        Action::MoveTop,
        Action::MoveBottom,
        Action::OpenDetail,
        Action::OpenAlert,
        Action::ToggleAcknowledge,
        Action::ToggleHideAcknowledged,
        Action::PullHistory,
        Action::PullDialog,
        Action::AthenaDialog,
        Action::Pin,
        Action::CaseNote,
        Action::ShowCase,
        Action::OpenPin,
        Action::NewLine,
        Action::ExportDialog,
        Action::ToggleFollow,
        Action::IngestDialog,
        Action::ShowActivity,
        Action::ToggleFold,
        Action::FoldAll,
        Action::UnfoldAll,
        Action::BucketPrev,
        Action::BucketNext,
        Action::NarrowToBucket,
        Action::PivotUser,
        Action::PivotIp,
        Action::PivotRegion,
        Action::PivotAccessKey,
        Action::PivotEvent,
        Action::PivotSession,
        Action::NarrowUser,
        Action::NarrowIp,
        Action::NarrowRegion,
        Action::NarrowAccessKey,
        Action::NarrowEvent,
        Action::NarrowSession,
        Action::ExcludeUser,
        Action::ExcludeIp,
        Action::ExcludeRegion,
        Action::ExcludeAccessKey,
        Action::ExcludeEvent,
        Action::ExcludeSession,
        Action::PivotField,
        Action::NarrowField,
        Action::ExcludeField,
        Action::CopyValue,
        Action::CopyPath,
        Action::CopyEvent,
        Action::Find,
        Action::FindNext,
        Action::FindPrev,
        Action::Apply,
        Action::Cancel,
        Action::ClearLine,
        Action::CursorHome,
        Action::CursorEnd,
        Action::CursorLeft,
        Action::CursorRight,
        Action::DeleteBack,
        Action::DeleteForward,
        Action::DeleteWord,
        Action::HistoryPrev,
        Action::HistoryNext,
        Action::CloseHelp,
    ];

    /// The action a keymap name stands for; internal actions have no name.
    pub fn from_name(name: &str) -> Option<Action> {
        use serde::de::IntoDeserializer;
        let deserializer: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Action::deserialize(deserializer).ok()
    }

    /// The name keymap files use.
    pub fn name(&self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The one line help shows.
    pub fn description(&self) -> &'static str {
        match self {
            Action::Quit => "Quit trailhound",
            Action::FocusNext => "Focus the next pane",
            Action::FocusPrev => "Focus the previous pane",
            Action::Zoom => "Zoom the focused pane, or restore the layout",
            Action::Help => "Show this help",
            Action::EditQuery => "Edit the query (starts from the current one)",
            Action::Back => "Go back to the previous view",
            Action::Forward => "Go forward again after going back",
            Action::ToggleSort => "Sort by time: newest first or oldest first",
            Action::TimeWindowCycle => {
                "Time window: all, then the last 1h/6h/1d/7d/30d up to the index's newest event"
            }
            Action::TimeWindowAround => {
                "Time window of 15 minutes either side of the selected event"
            }
            Action::TimeWindowAll => "Drop the time window",
            Action::MoveDown => "Move down",
            Action::MoveUp => "Move up",
            Action::PageDown => "Move down a page",
            Action::PageUp => "Move up a page",
            Action::MoveTop => "Move to the first line",
            Action::MoveBottom => "Move to the last line",
            Action::OpenDetail => "Focus the detail of the selected event",
            Action::OpenAlert => "Show the selected alert's events and its principal's timeline",
            Action::ToggleAcknowledge => "Acknowledge the selected alert, or un-acknowledge it",
            Action::ToggleHideAcknowledged => "Hide acknowledged alerts, or show them again",
            Action::PullHistory => {
                "Load the selected event's principal's 90-day history from LookupEvents, in the background"
            }
            Action::PullDialog => "Pull the event history from LookupEvents (edit the options first)",
            Action::Pin => {
                "Pin the selected event, alert or timeline principal to the current case (with the queries that led to it)"
            }
            Action::CaseNote => "Write a note in the current case (on the selected event when it is pinned)",
            Action::ShowCase => "Show the current case: its pins in time order with their notes and queries",
            Action::OpenPin => "In the case: go to the selected pin's events",
            Action::NewLine => "In a note: start a new line",
            Action::ExportDialog => {
                "Export the list (.jsonl, .csv), the case's report (.md, .html), or from the detail pane the event (.json)"
            }
            Action::AthenaDialog => {
                "Ask Athena for the current query over the whole trail bucket, in the background (edit the window and scope first)"
            }
            Action::ToggleFollow => "Start or stop following LookupEvents in the accounts and regions pulled",
            Action::IngestDialog => "Ingest a trail archive, file or folder, in the background",
            Action::ShowActivity => "Show the running ingest or pull by region, and messages in full",
            Action::ToggleFold => "Fold or unfold the object or array at the cursor",
            Action::FoldAll => "Fold every object and array below the top level",
            Action::UnfoldAll => "Unfold everything",
            Action::BucketPrev => "Select the previous stretch of the activity line",
            Action::BucketNext => "Select the next stretch of the activity line",
            Action::NarrowToBucket => "Narrow the list to the selected stretch of time",
            Action::PivotUser => "Show only the selected event's principal",
            Action::PivotIp => "Show only the selected event's source IP",
            Action::PivotRegion => "Show only the selected event's region",
            Action::PivotAccessKey => "Show only the selected event's access key",
            Action::PivotEvent => "Show only the selected event's event name",
            Action::PivotSession => "Show only the selected event's session",
            Action::NarrowUser => "Narrow the filter to the selected event's principal",
            Action::NarrowIp => "Narrow the filter to the selected event's source IP",
            Action::NarrowRegion => "Narrow the filter to the selected event's region",
            Action::NarrowAccessKey => "Narrow the filter to the selected event's access key",
            Action::NarrowEvent => "Narrow the filter to the selected event's event name",
            Action::NarrowSession => "Narrow the filter to the selected event's session",
            Action::ExcludeUser => "Exclude the selected event's principal",
            Action::ExcludeIp => "Exclude the selected event's source IP",
            Action::ExcludeRegion => "Exclude the selected event's region",
            Action::ExcludeAccessKey => "Exclude the selected event's access key",
            Action::ExcludeEvent => "Exclude the selected event's event name",
            Action::ExcludeSession => "Exclude the selected event's session",
            Action::PivotField => "Show only events with the field under the cursor's value",
            Action::NarrowField => "Narrow the filter to the field under the cursor's value",
            Action::ExcludeField => "Exclude the field under the cursor's value",
            Action::CopyValue => "Copy the value under the cursor (OSC 52)",
            Action::CopyPath => "Copy the path of the field under the cursor (OSC 52)",
            Action::CopyEvent => "Copy the whole event (OSC 52)",
            Action::Find => "Find text in the event",
            Action::FindNext => "Next match of the find text",
            Action::FindPrev => "Previous match of the find text",
            Action::Apply => "Apply the line",
            Action::Cancel => "Cancel editing",
            Action::ClearLine => "Clear the line",
            Action::CursorHome => "Cursor to the start of the line",
            Action::CursorEnd => "Cursor to the end of the line",
            Action::CursorLeft => "Cursor left",
            Action::CursorRight => "Cursor right",
            Action::DeleteBack => "Delete the character before the cursor",
            Action::DeleteForward => "Delete the character under the cursor",
            Action::DeleteWord => "Delete the word before the cursor",
            Action::HistoryPrev => "Previous query from the history",
            Action::HistoryNext => "Next query from the history",
            Action::CloseHelp => "Close the help (or the background work)",
            Action::Insert(_) => "Type a character",
        }
    }

    /// The field and combination of a pivot on the selected event.
    pub fn pivot(&self) -> Option<(PivotField, PivotMode)> {
        use PivotField as F;
        use PivotMode as M;
        Some(match self {
            Action::PivotUser => (F::User, M::Replace),
            Action::PivotIp => (F::Ip, M::Replace),
            Action::PivotRegion => (F::Region, M::Replace),
            Action::PivotAccessKey => (F::AccessKey, M::Replace),
            Action::PivotEvent => (F::Event, M::Replace),
            Action::PivotSession => (F::Session, M::Replace),
            Action::NarrowUser => (F::User, M::Narrow),
            Action::NarrowIp => (F::Ip, M::Narrow),
            Action::NarrowRegion => (F::Region, M::Narrow),
            Action::NarrowAccessKey => (F::AccessKey, M::Narrow),
            Action::NarrowEvent => (F::Event, M::Narrow),
            Action::NarrowSession => (F::Session, M::Narrow),
            Action::ExcludeUser => (F::User, M::Exclude),
            Action::ExcludeIp => (F::Ip, M::Exclude),
            Action::ExcludeRegion => (F::Region, M::Exclude),
            Action::ExcludeAccessKey => (F::AccessKey, M::Exclude),
            Action::ExcludeEvent => (F::Event, M::Exclude),
            Action::ExcludeSession => (F::Session, M::Exclude),
            _ => return None,
        })
    }

    /// The mode of a pivot on the detail pane's field under the cursor.
    pub fn field_pivot(&self) -> Option<PivotMode> {
        match self {
            Action::PivotField => Some(PivotMode::Replace),
            Action::NarrowField => Some(PivotMode::Narrow),
            Action::ExcludeField => Some(PivotMode::Exclude),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bindable_action_round_trips_through_its_name() {
        for action in Action::ALL {
            assert_eq!(
                Action::from_name(&action.name()),
                Some(*action),
                "{action:?}"
            );
            assert!(!action.description().is_empty());
        }
    }

    #[test]
    fn internal_actions_cannot_be_named() {
        assert_eq!(Action::from_name("insert"), None);
        assert_eq!(Action::from_name("pivot_usr"), None);
    }
}
