//! Themes: files that give semantic slots (`severity.critical`, `pane.border.focused`, `json.key`)
//! a style, inherit from another theme, and degrade to what the terminal can show.
//!
//! ```toml
//! inherits = "dark"
//! [palette]
//! accent = "#5fafff"
//! [pane.border]
//! focused = { fg = "accent", modifiers = ["bold"] }
//! "severity.critical" = { fg = "white", bg = "red" }
//! ```
//! A slot that a theme leaves out takes the style of its parent slot (`pane.border.focused` falls
//! back to `pane.border`, then `ui.text`).
use std::collections::HashMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::config_file::{find_user_file, line_of, ConfigError};

/// The shipped themes, by name; `dark` is the default.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("no-colour", include_str!("../../themes/no-colour.toml")),
];

pub const DEFAULT_THEME: &str = "dark";
pub const NO_COLOUR_THEME: &str = "no-colour";

macro_rules! slots {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// A place in the UI that a theme styles.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Slot { $($variant),* }

        impl Slot {
            pub const ALL: &'static [Slot] = &[$(Slot::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(Slot::$variant => $name),* }
            }
        }
    };
}

slots! {
    Text = "ui.text",
    Dim = "ui.dim",
    Header = "ui.header",
    Selection = "ui.selection",
    SelectionUnfocused = "ui.selection.unfocused",
    Breadcrumb = "ui.breadcrumb",
    BreadcrumbCurrent = "ui.breadcrumb.current",
    Query = "ui.query",
    QueryPrompt = "ui.query.prompt",
    QueryError = "ui.query.error",
    Status = "ui.status",
    StatusBusy = "ui.status.busy",
    StatusError = "ui.status.error",
    HelpKey = "ui.help.key",
    Histogram = "ui.histogram",
    Sparkline = "ui.sparkline",
    PaneBorder = "pane.border",
    PaneBorderFocused = "pane.border.focused",
    PaneTitle = "pane.title",
    PaneTitleFocused = "pane.title.focused",
    SeverityCritical = "severity.critical",
    SeverityHigh = "severity.high",
    SeverityMedium = "severity.medium",
    SeverityLow = "severity.low",
    SeverityInformational = "severity.informational",
    EventTime = "event.time",
    EventPrincipal = "event.principal",
    EventError = "event.error",
    JsonKey = "json.key",
    JsonString = "json.string",
    JsonNumber = "json.number",
    JsonBoolean = "json.boolean",
    JsonNull = "json.null",
    JsonPunctuation = "json.punctuation",
    JsonMatch = "json.match",
    JsonCursor = "json.cursor",
}

impl Slot {
    pub fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.iter().copied().find(|slot| slot.name() == name)
    }

    /// The slot whose style this one falls back to.
    pub fn parent(self) -> Option<Slot> {
        let mut name = self.name();
        while let Some((head, _)) = name.rsplit_once('.') {
            if let Some(parent) = Slot::from_name(head) {
                return Some(parent);
            }
            name = head;
        }
        (self != Slot::Text).then_some(Slot::Text)
    }
}

/// How many colours the terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    None,
    Ansi16,
    Ansi256,
    TrueColor,
}

/// What the environment says about colour, read once so that tests can pass their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThemeEnv {
    pub no_color: bool,
    pub depth: ColorDepth,
}

impl ThemeEnv {
    /// `NO_COLOR` (any non-empty value), `COLORTERM=truecolor|24bit`, `TERM=*256color*`.
    pub fn from_process() -> ThemeEnv {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        let no_color = !var("NO_COLOR").is_empty();
        let colorterm = var("COLORTERM").to_ascii_lowercase();
        let term = var("TERM").to_ascii_lowercase();
        let depth = if no_color || term == "dumb" {
            ColorDepth::None
        } else if colorterm == "truecolor" || colorterm == "24bit" {
            ColorDepth::TrueColor
        } else if term.contains("256") {
            ColorDepth::Ansi256
        } else {
            ColorDepth::Ansi16
        };
        ThemeEnv { no_color, depth }
    }

    pub const TRUE_COLOR: ThemeEnv = ThemeEnv {
        no_color: false,
        depth: ColorDepth::TrueColor,
    };
}

/// Styles by slot, already reduced to the terminal's colours.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    styles: HashMap<Slot, Style>,
}

impl Theme {
    /// The style of `slot`, or of its nearest parent that the theme sets.
    pub fn style(&self, slot: Slot) -> Style {
        let mut current = Some(slot);
        while let Some(slot) = current {
            if let Some(style) = self.styles.get(&slot) {
                return *style;
            }
            current = slot.parent();
        }
        Style::default()
    }

    /// The built-in default theme for `env` (parsed by a test, so this cannot fail in a release).
    pub fn builtin_default(env: ThemeEnv) -> Theme {
        let name = if env.no_color {
            NO_COLOUR_THEME
        } else {
            DEFAULT_THEME
        };
        load_named(name, None, env, 0).unwrap_or_else(|_| Theme {
            name: name.to_owned(),
            styles: HashMap::new(),
        })
    }
}

/// One theme file, parsed but not yet merged over what it inherits.
#[derive(Debug, Clone, Default)]
pub struct ThemeFile {
    pub inherits: Option<String>,
    pub styles: Vec<(Slot, Style)>,
    pub palette: HashMap<String, Color>,
    /// For each of `styles`, the palette names its foreground and background were given by: a
    /// theme that inherits it and redefines the name recolours the slot.
    pub palette_uses: Vec<PaletteUse>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaletteUse {
    pub fg: Option<String>,
    pub bg: Option<String>,
}

/// Parses one theme file's text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<ThemeFile, ConfigError> {
    let document = DeTable::parse(text).map_err(|e| ConfigError {
        file: file.to_owned(),
        line: e.span().map(|s| line_of(text, s.start)),
        key: None,
        message: e.message().to_owned(),
    })?;
    let mut parser = Parser {
        text,
        file,
        palette: HashMap::new(),
        parsed: ThemeFile::default(),
    };
    let table = document.get_ref();
    if let Some(palette) = table.get("palette") {
        parser.read_palette(palette)?;
    }
    parser.parsed.palette = parser.palette.clone();
    for (key, value) in table.iter() {
        let key_text: &str = key.get_ref();
        match key_text {
            "palette" => {}
            "inherits" => match value.get_ref() {
                DeValue::String(parent) => parser.parsed.inherits = Some(parent.to_string()),
                _ => {
                    return Err(parser.error(
                        value.span(),
                        key_text,
                        "`inherits` must be a theme name",
                    ))
                }
            },
            _ => parser.read_entry(key_text, value)?,
        }
    }
    Ok(parser.parsed)
}

struct Parser<'t> {
    text: &'t str,
    file: &'t str,
    palette: HashMap<String, Color>,
    parsed: ThemeFile,
}

impl Parser<'_> {
    fn error(&self, span: std::ops::Range<usize>, key: &str, message: &str) -> ConfigError {
        ConfigError {
            file: self.file.to_owned(),
            line: Some(line_of(self.text, span.start)),
            key: Some(key.to_owned()),
            message: message.to_owned(),
        }
    }

    fn read_palette(&mut self, palette: &Spanned<DeValue<'_>>) -> Result<(), ConfigError> {
        let DeValue::Table(entries) = palette.get_ref() else {
            return Err(self.error(
                palette.span(),
                "palette",
                "`palette` must be a table of name = colour",
            ));
        };
        for (name, value) in entries.iter() {
            let name_text: &str = name.get_ref();
            let colour = self.colour(value, name_text)?;
            self.palette.insert(name_text.to_owned(), colour);
        }
        Ok(())
    }

    /// A slot's style (`"red"` or `{ fg, bg, modifiers }`), or a table of deeper slots.
    fn read_entry(&mut self, path: &str, value: &Spanned<DeValue<'_>>) -> Result<(), ConfigError> {
        match value.get_ref() {
            DeValue::String(_) => {
                let slot = self.slot(path, value.span())?;
                let style = Style::default().fg(self.colour(value, path)?);
                let uses = PaletteUse {
                    fg: self.palette_name(value),
                    bg: None,
                };
                self.parsed.styles.push((slot, style));
                self.parsed.palette_uses.push(uses);
            }
            DeValue::Table(table) => {
                let mut style = Style::default();
                let mut uses = PaletteUse::default();
                let mut has_style = false;
                for (key, inner) in table.iter() {
                    let key_text: &str = key.get_ref();
                    let full = format!("{path}.{key_text}");
                    match key_text {
                        "fg" => {
                            style = style.fg(self.colour(inner, &full)?);
                            uses.fg = self.palette_name(inner);
                        }
                        "bg" => {
                            style = style.bg(self.colour(inner, &full)?);
                            uses.bg = self.palette_name(inner);
                        }
                        "modifiers" => style = style.add_modifier(self.modifiers(inner, &full)?),
                        _ => {
                            self.read_entry(&full, inner)?;
                            continue;
                        }
                    }
                    has_style = true;
                }
                if has_style {
                    let slot = self.slot(path, value.span())?;
                    self.parsed.styles.push((slot, style));
                    self.parsed.palette_uses.push(uses);
                }
            }
            _ => {
                return Err(self.error(
                    value.span(),
                    path,
                    "a slot's style is a colour string or a table { fg, bg, modifiers }",
                ))
            }
        }
        Ok(())
    }

    fn slot(&self, path: &str, span: std::ops::Range<usize>) -> Result<Slot, ConfigError> {
        Slot::from_name(path).ok_or_else(|| {
            self.error(
                span,
                path,
                "unknown slot (see themes/dark.toml for every slot)",
            )
        })
    }

    /// The palette entry a colour value names, if it names one.
    fn palette_name(&self, value: &Spanned<DeValue<'_>>) -> Option<String> {
        match value.get_ref() {
            DeValue::String(text) if self.palette.contains_key(text.as_ref()) => {
                Some(text.to_string())
            }
            _ => None,
        }
    }

    fn colour(&self, value: &Spanned<DeValue<'_>>, key: &str) -> Result<Color, ConfigError> {
        let DeValue::String(text) = value.get_ref() else {
            return Err(self.error(
                value.span(),
                key,
                "a colour is a string: a name, \"#rrggbb\" or \"0\"..\"255\"",
            ));
        };
        if let Some(colour) = self.palette.get(text.as_ref()) {
            return Ok(*colour);
        }
        parse_colour(text).ok_or_else(|| {
            self.error(
                value.span(),
                key,
                &format!("`{text}` is not a colour (a name, a palette entry, \"#rrggbb\" or \"0\"..\"255\")"),
            )
        })
    }

    fn modifiers(&self, value: &Spanned<DeValue<'_>>, key: &str) -> Result<Modifier, ConfigError> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.error(
                value.span(),
                key,
                "modifiers are a list, e.g. [\"bold\", \"reversed\"]",
            ));
        };
        let mut modifiers = Modifier::empty();
        for item in items.iter() {
            let name = match item.get_ref() {
                DeValue::String(name) => name.as_ref(),
                _ => "",
            };
            modifiers |=
                match name {
                    "bold" => Modifier::BOLD,
                    "dim" => Modifier::DIM,
                    "italic" => Modifier::ITALIC,
                    "underlined" => Modifier::UNDERLINED,
                    "reversed" => Modifier::REVERSED,
                    "crossed_out" => Modifier::CROSSED_OUT,
                    _ => return Err(self.error(
                        item.span(),
                        key,
                        "unknown modifier (bold, dim, italic, underlined, reversed, crossed_out)",
                    )),
                };
        }
        Ok(modifiers)
    }
}

/// `red`, `light_blue`, `dark_gray`, `reset`, `#rrggbb`, or `0`..`255`.
pub fn parse_colour(text: &str) -> Option<Color> {
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 || !hex.is_ascii() {
            return None;
        }
        let channel = |range: std::ops::Range<usize>| u8::from_str_radix(&hex[range], 16).ok();
        return Some(Color::Rgb(channel(0..2)?, channel(2..4)?, channel(4..6)?));
    }
    if let Ok(index) = text.parse::<u8>() {
        return Some(Color::Indexed(index));
    }
    Some(
        match text.to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "reset" | "default" => Color::Reset,
            "black" => Color::Black,
            "red" => Color::Red,
            "green" => Color::Green,
            "yellow" => Color::Yellow,
            "blue" => Color::Blue,
            "magenta" => Color::Magenta,
            "cyan" => Color::Cyan,
            "gray" | "grey" => Color::Gray,
            "dark_gray" | "dark_grey" | "darkgray" => Color::DarkGray,
            "light_red" => Color::LightRed,
            "light_green" => Color::LightGreen,
            "light_yellow" => Color::LightYellow,
            "light_blue" => Color::LightBlue,
            "light_magenta" => Color::LightMagenta,
            "light_cyan" => Color::LightCyan,
            "white" => Color::White,
            _ => return None,
        },
    )
}

/// The 16 ANSI colours with the RGB values xterm gives them, for reducing to 16 colours.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

fn indexed_rgb(index: u8) -> (u8, u8, u8) {
    match index {
        0..=15 => ANSI16[index as usize].1,
        16..=231 => {
            let i = index - 16;
            (
                CUBE_LEVELS[(i / 36) as usize],
                CUBE_LEVELS[(i / 6 % 6) as usize],
                CUBE_LEVELS[(i % 6) as usize],
            )
        }
        _ => {
            let level = 8 + (index - 232) * 10;
            (level, level, level)
        }
    }
}

fn distance(a: (u8, u8, u8), b: (u8, u8, u8)) -> u32 {
    let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).unsigned_abs();
    d(a.0, b.0).pow(2) + d(a.1, b.1).pow(2) + d(a.2, b.2).pow(2)
}

fn nearest_256(rgb: (u8, u8, u8)) -> Color {
    let best = (16..=255u8)
        .min_by_key(|index| distance(rgb, indexed_rgb(*index)))
        .unwrap_or(16);
    Color::Indexed(best)
}

fn nearest_16(rgb: (u8, u8, u8)) -> Color {
    ANSI16
        .iter()
        .min_by_key(|(_, value)| distance(rgb, *value))
        .map_or(Color::Reset, |(colour, _)| *colour)
}

/// `colour` as the terminal can show it.
pub fn degrade(colour: Color, depth: ColorDepth) -> Option<Color> {
    match (depth, colour) {
        (ColorDepth::None, _) => None,
        (ColorDepth::TrueColor, c) => Some(c),
        (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => Some(nearest_256((r, g, b))),
        (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => Some(nearest_16((r, g, b))),
        (ColorDepth::Ansi16, Color::Indexed(i)) => Some(nearest_16(indexed_rgb(i))),
        (_, c) => Some(c),
    }
}

fn degrade_style(style: Style, depth: ColorDepth) -> Style {
    Style {
        fg: style.fg.and_then(|c| degrade(c, depth)),
        bg: style.bg.and_then(|c| degrade(c, depth)),
        ..style
    }
}

fn builtin_text(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

const MAX_INHERITS: usize = 8;

/// A theme with its inherited themes merged in, colours not yet reduced to the terminal's.
#[derive(Default)]
struct Merged {
    palette: HashMap<String, Color>,
    styles: HashMap<Slot, (Style, PaletteUse)>,
}

impl Merged {
    /// `file` over what it inherits: its palette entries recolour the inherited slots that name
    /// them, then its own slots replace the inherited ones.
    fn apply(&mut self, file: ThemeFile) {
        for (style, uses) in self.styles.values_mut() {
            if let Some(colour) = uses.fg.as_ref().and_then(|name| file.palette.get(name)) {
                style.fg = Some(*colour);
            }
            if let Some(colour) = uses.bg.as_ref().and_then(|name| file.palette.get(name)) {
                style.bg = Some(*colour);
            }
        }
        self.palette.extend(file.palette);
        let uses = file
            .palette_uses
            .into_iter()
            .chain(std::iter::repeat_with(PaletteUse::default));
        for ((slot, style), uses) in file.styles.into_iter().zip(uses) {
            self.styles.insert(slot, (style, uses));
        }
    }
}

fn load_named(
    name: &str,
    config_dir: Option<&Path>,
    env: ThemeEnv,
    depth: usize,
) -> Result<Theme, ConfigError> {
    let merged = load_merged(name, config_dir, depth)?;
    Ok(Theme {
        name: name.to_owned(),
        styles: merged
            .styles
            .into_iter()
            .map(|(slot, (style, _))| (slot, degrade_style(style, env.depth)))
            .collect(),
    })
}

fn load_merged(name: &str, config_dir: Option<&Path>, depth: usize) -> Result<Merged, ConfigError> {
    let (file, user) = match find_user_file(config_dir, "themes", name)? {
        Some((path, text)) => (parse(&text, &path.display().to_string())?, true),
        None => {
            let text =
                builtin_text(name).ok_or_else(|| ConfigError::unknown_name("theme", name))?;
            (parse(text, &format!("themes/{name}.toml"))?, false)
        }
    };
    let mut merged = match &file.inherits {
        Some(_) if depth >= MAX_INHERITS => {
            return Err(ConfigError::unknown_name("theme (inherits too deep)", name))
        }
        Some(parent) if parent == name && user => load_merged(parent, None, depth + 1)?,
        Some(parent) => load_merged(parent, config_dir, depth + 1)?,
        None => Merged::default(),
    };
    merged.apply(file);
    Ok(merged)
}

/// The theme called `name` (the no-colour theme when `NO_COLOR` is set): the user's
/// `<config_dir>/themes/<name>.toml` when it exists, else the built-in one. When it is broken, the
/// built-in default is returned with the error to report.
pub fn load(name: &str, config_dir: Option<&Path>, env: ThemeEnv) -> (Theme, Option<ConfigError>) {
    let name = if env.no_color { NO_COLOUR_THEME } else { name };
    match load_named(name, config_dir, env, 0) {
        Ok(theme) => (theme, None),
        Err(error) => (Theme::builtin_default(env), Some(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_fall_back_to_their_parents() {
        assert_eq!(Slot::PaneBorderFocused.parent(), Some(Slot::PaneBorder));
        assert_eq!(Slot::SeverityCritical.parent(), Some(Slot::Text));
        assert_eq!(Slot::Text.parent(), None);
        let file = parse("[pane]\nborder = \"red\"\n", "t.toml").unwrap();
        assert_eq!(
            file.styles,
            vec![(Slot::PaneBorder, Style::default().fg(Color::Red))]
        );
    }

    #[test]
    fn nested_and_quoted_slot_names_both_work() {
        let text = "\"json.key\" = \"cyan\"\n[pane.border]\nfg = \"#ff0000\"\nfocused = { fg = \"blue\", modifiers = [\"bold\"] }\n";
        let file = parse(text, "t.toml").unwrap();
        assert!(file
            .styles
            .contains(&(Slot::PaneBorder, Style::default().fg(Color::Rgb(255, 0, 0)))));
        assert!(file.styles.contains(&(
            Slot::PaneBorderFocused,
            Style::default()
                .fg(Color::Blue)
                .add_modifier(Modifier::BOLD)
        )));
        assert!(file
            .styles
            .contains(&(Slot::JsonKey, Style::default().fg(Color::Cyan))));
    }

    #[test]
    fn colours_degrade_to_the_terminal() {
        let orange = Color::Rgb(255, 135, 0);
        assert_eq!(degrade(orange, ColorDepth::TrueColor), Some(orange));
        assert_eq!(
            degrade(orange, ColorDepth::Ansi256),
            Some(Color::Indexed(208))
        );
        assert_eq!(
            degrade(Color::Rgb(250, 10, 10), ColorDepth::Ansi16),
            Some(Color::LightRed)
        );
        assert_eq!(degrade(orange, ColorDepth::None), None);
    }

    #[test]
    fn a_child_palette_recolours_the_slots_it_inherits() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/mine.toml"),
            "inherits = \"dark\"\n[palette]\naccent = \"#00ff00\"\ncritical = \"#0000ff\"\n",
        )
        .unwrap();
        let (theme, error) = load("mine", Some(dir.path()), ThemeEnv::TRUE_COLOR);
        assert_eq!(error, None);
        // dark.toml: header = { fg = "accent", ... }; "query.error" = { fg = "critical", ... }.
        assert_eq!(theme.style(Slot::Header).fg, Some(Color::Rgb(0, 255, 0)));
        assert!(theme
            .style(Slot::Header)
            .add_modifier
            .contains(Modifier::BOLD));
        assert_eq!(
            theme.style(Slot::QueryError).fg,
            Some(Color::Rgb(0, 0, 255))
        );
        let (dark, _) = load("dark", None, ThemeEnv::TRUE_COLOR);
        assert_eq!(
            theme.style(Slot::Selection),
            dark.style(Slot::Selection),
            "slots on other palette entries stay"
        );
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let error = parse("[severity]\ncritical = \"not-a-colour\"\n", "mine.toml").unwrap_err();
        assert_eq!(error.line, Some(2));
        assert_eq!(error.key.as_deref(), Some("severity.critical"));
        let error = parse("\"json.kye\" = \"red\"\n", "mine.toml").unwrap_err();
        assert_eq!(error.key.as_deref(), Some("json.kye"));
    }
}
