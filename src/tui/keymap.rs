//! Keymap files: per-pane sections and a global one binding key chords to action names.
//!
//! ```toml
//! inherits = "default"      # optional: start from another keymap
//! [global]
//! "q" = "quit"
//! [events]
//! "j" = "move_down"
//! ```
//! A file that does not parse, names an unknown section, key or action is rejected whole, with the
//! file, line and key, and the caller falls back to the built-in default.
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use toml::de::{DeTable, DeValue};

use super::action::Action;
use super::config_file::{find_user_file, line_of, ConfigError};

/// The shipped keymaps, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// A group of bindings: one per pane, the global fallback, and the two modal lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Global,
    Alerts,
    Events,
    Detail,
    Timeline,
    Prompt,
    Help,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Global,
        Section::Alerts,
        Section::Events,
        Section::Detail,
        Section::Timeline,
        Section::Prompt,
        Section::Help,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Section::Global => "global",
            Section::Alerts => "alerts",
            Section::Events => "events",
            Section::Detail => "detail",
            Section::Timeline => "timeline",
            Section::Prompt => "prompt",
            Section::Help => "help",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Section::Global => "Everywhere",
            Section::Alerts => "Alerts pane",
            Section::Events => "Events pane",
            Section::Detail => "Detail pane",
            Section::Timeline => "Timeline pane",
            Section::Prompt => "Query and find line",
            Section::Help => "This help",
        }
    }

    fn from_name(name: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A key with its modifiers, normalised so that a file's `"U"` matches the terminal's shift-u.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl KeyChord {
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        let mut modifiers =
            modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::BackTab => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        KeyChord { code, modifiers }
    }

    pub fn from_event(event: &KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }

    /// Parses `q`, `U`, `?`, `ctrl-c`, `alt-u`, `shift-tab`, `pagedown`, `f5`, `space`, `-`.
    pub fn parse(text: &str) -> Result<KeyChord, String> {
        let mut rest = text;
        let mut modifiers = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, modifier) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            if rest.len() == prefix.len() {
                break;
            }
            modifiers |= modifier;
            rest = &rest[prefix.len()..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if modifiers.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                    KeyCode::Char(c.to_ascii_uppercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            (None, _) => return Err("empty key".to_owned()),
            _ => named_key(&rest.to_ascii_lowercase())
                .ok_or_else(|| format!("`{rest}` is not a key name"))?,
        };
        if code == KeyCode::Tab && modifiers.contains(KeyModifiers::SHIFT) {
            return Ok(KeyChord::new(KeyCode::BackTab, modifiers));
        }
        Ok(KeyChord::new(code, modifiers))
    }
}

fn named_key(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "insert" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "space" => KeyCode::Char(' '),
        _ => {
            let number: u8 = name.strip_prefix('f')?.parse().ok()?;
            if (1..=24).contains(&number) {
                KeyCode::F(number)
            } else {
                return None;
            }
        }
    })
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::PageUp => f.write_str("pageup"),
            KeyCode::PageDown => f.write_str("pagedown"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Bindings, looked up section by section.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    bindings: HashMap<(Section, KeyChord), Action>,
}

impl Keymap {
    /// The built-in default keymap (it is parsed by a test, so this cannot fail in a release).
    pub fn builtin_default() -> Keymap {
        resolve_builtin("default", 0).unwrap_or_default()
    }

    /// The first binding of `chord` in `sections`, in order.
    pub fn lookup(&self, sections: &[Section], chord: KeyChord) -> Option<Action> {
        sections
            .iter()
            .find_map(|section| self.bindings.get(&(*section, chord)).copied())
    }

    /// A section's bindings as (keys, action), in the order of [`Action::ALL`].
    pub fn section_bindings(&self, section: Section) -> Vec<(Vec<KeyChord>, Action)> {
        let mut by_action: Vec<(Vec<KeyChord>, Action)> = Vec::new();
        for action in Action::ALL {
            let mut keys: Vec<KeyChord> = self
                .bindings
                .iter()
                .filter(|((s, _), a)| *s == section && *a == action)
                .map(|((_, chord), _)| *chord)
                .collect();
            if !keys.is_empty() {
                keys.sort_by_key(|chord| chord.to_string());
                by_action.push((keys, *action));
            }
        }
        by_action
    }

    fn merge(&mut self, file: KeymapFile) {
        for (section, chord, action) in file.bindings {
            self.bindings.insert((section, chord), action);
        }
    }
}

/// One keymap file, parsed but not yet merged over what it inherits.
#[derive(Debug, Clone)]
pub struct KeymapFile {
    pub inherits: Option<String>,
    pub bindings: Vec<(Section, KeyChord, Action)>,
}

/// Parses one keymap file's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<KeymapFile, ConfigError> {
    let error =
        |span: Option<std::ops::Range<usize>>, key: Option<&str>, message: String| ConfigError {
            file: file.to_owned(),
            line: span.map(|s| line_of(text, s.start)),
            key: key.map(str::to_owned),
            message,
        };
    let document =
        DeTable::parse(text).map_err(|e| error(e.span(), None, e.message().to_owned()))?;
    let mut parsed = KeymapFile {
        inherits: None,
        bindings: Vec::new(),
    };
    for (name, value) in document.get_ref().iter() {
        let name_text: &str = name.get_ref();
        if name_text == "inherits" {
            match value.get_ref() {
                DeValue::String(parent) => parsed.inherits = Some(parent.to_string()),
                _ => {
                    return Err(error(
                        Some(value.span()),
                        Some(name_text),
                        "`inherits` must be a keymap name".into(),
                    ))
                }
            }
            continue;
        }
        let Some(section) = Section::from_name(name_text) else {
            return Err(error(
                Some(name.span()),
                Some(name_text),
                format!(
                    "unknown section (expected inherits or one of: {})",
                    Section::ALL.map(Section::name).join(", ")
                ),
            ));
        };
        let DeValue::Table(table) = value.get_ref() else {
            return Err(error(
                Some(value.span()),
                Some(name_text),
                "a section must be a table of \"key\" = \"action\"".into(),
            ));
        };
        for (key, action) in table.iter() {
            let key_text: &str = key.get_ref();
            let chord = KeyChord::parse(key_text)
                .map_err(|message| error(Some(key.span()), Some(key_text), message))?;
            let DeValue::String(action_name) = action.get_ref() else {
                return Err(error(
                    Some(action.span()),
                    Some(key_text),
                    "the action must be a string".into(),
                ));
            };
            let action = Action::from_name(action_name).ok_or_else(|| {
                error(
                    Some(action.span()),
                    Some(key_text),
                    format!("unknown action `{action_name}`"),
                )
            })?;
            parsed.bindings.push((section, chord, action));
        }
    }
    Ok(parsed)
}

fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

const MAX_INHERITS: usize = 8;

fn resolve_builtin(name: &str, depth: usize) -> Result<Keymap, ConfigError> {
    let text = builtin_text(name).ok_or_else(|| ConfigError::unknown_name("keymap", name))?;
    let file = parse(text, &format!("keymaps/{name}.toml"))?;
    resolve(file, name, depth, None)
}

/// Merges `file` (called `name`) over what it inherits; a user's file that inherits its own name
/// starts from the built-in of that name.
fn resolve(
    file: KeymapFile,
    name: &str,
    depth: usize,
    config_dir: Option<&Path>,
) -> Result<Keymap, ConfigError> {
    let mut keymap = match &file.inherits {
        Some(_) if depth >= MAX_INHERITS => {
            return Err(ConfigError::unknown_name(
                "keymap (inherits too deep)",
                name,
            ))
        }
        Some(parent) if parent == name => resolve_builtin(parent, depth + 1)?,
        Some(parent) => load_named(parent, config_dir, depth + 1)?,
        None => Keymap::default(),
    };
    keymap.merge(file);
    Ok(keymap)
}

fn load_named(name: &str, config_dir: Option<&Path>, depth: usize) -> Result<Keymap, ConfigError> {
    match find_user_file(config_dir, "keymaps", name)? {
        Some((path, text)) => {
            let file = parse(&text, &path.display().to_string())?;
            resolve(file, name, depth, config_dir)
        }
        None => resolve_builtin(name, depth),
    }
}

/// The keymap called `name`: `<config_dir>/keymaps/<name>.toml` when it exists, else the built-in
/// one. When it is broken, the built-in default is returned with the error to report.
pub fn load(name: &str, config_dir: Option<&Path>) -> (Keymap, Option<ConfigError>) {
    match load_named(name, config_dir, 0) {
        Ok(keymap) => (keymap, None),
        Err(error) => (Keymap::builtin_default(), Some(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chords_parse_and_print_back() {
        for text in [
            "q",
            "U",
            "?",
            "ctrl-c",
            "alt-u",
            "shift-tab",
            "pagedown",
            "f5",
            "space",
            "-",
            "alt--",
        ] {
            let chord = KeyChord::parse(text).unwrap();
            assert_eq!(
                KeyChord::parse(&chord.to_string()).unwrap(),
                chord,
                "{text}"
            );
        }
        assert_eq!(
            KeyChord::parse("shift-u").unwrap(),
            KeyChord::parse("U").unwrap()
        );
        assert!(KeyChord::parse("ctrl-nope").is_err());
    }

    #[test]
    fn terminal_shift_letters_match_uppercase_bindings() {
        let event = KeyEvent::new(KeyCode::Char('U'), KeyModifiers::SHIFT);
        assert_eq!(KeyChord::from_event(&event), KeyChord::parse("U").unwrap());
        let event = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            KeyChord::from_event(&event),
            KeyChord::parse("shift-tab").unwrap()
        );
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let text = "[global]\n\"q\" = \"quit\"\n\"x\" = \"pivot_usr\"\n";
        let error = parse(text, "mine.toml").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert_eq!(error.key.as_deref(), Some("x"));
        assert!(error.to_string().contains("mine.toml:3"), "{error}");
        assert!(error.to_string().contains("pivot_usr"), "{error}");
    }
}
