//! Every shipped keymap and theme parses; broken user files give clear errors and the defaults.
use std::path::Path;

use ratatui::style::Color;

use trailhound::tui::action::Action;
use trailhound::tui::keymap::{self, KeyChord, Section};
use trailhound::tui::theme::{self, ColorDepth, Slot, ThemeEnv};

fn shipped(folder: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .map(|path| {
            let name = path
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&path).expect("read"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_keymap_parses_and_is_built_in() {
    let files = shipped("keymaps");
    assert!(files.len() >= 2);
    for (name, text) in &files {
        keymap::parse(text, name).unwrap_or_else(|e| panic!("keymaps/{name}.toml: {e}"));
        assert!(
            keymap::BUILTIN.iter().any(|(n, t)| n == name && t == text),
            "keymaps/{name}.toml is not in keymap::BUILTIN"
        );
        let (_, error) = keymap::load(name, None);
        assert_eq!(error, None, "{name}");
    }
}

#[test]
fn the_default_keymap_binds_what_the_issue_names() {
    let (keymap, _) = keymap::load("default", None);
    let global = |key: &str| {
        keymap.lookup(
            &[Section::Events, Section::Global],
            KeyChord::parse(key).expect("key"),
        )
    };
    for (key, action) in [
        ("q", Action::Quit),
        ("ctrl-c", Action::Quit),
        ("tab", Action::FocusNext),
        ("shift-tab", Action::FocusPrev),
        ("/", Action::EditQuery),
        ("?", Action::Help),
        ("u", Action::PivotUser),
        ("i", Action::PivotIp),
        ("r", Action::PivotRegion),
        ("b", Action::Back),
        ("backspace", Action::Back),
    ] {
        assert_eq!(global(key), Some(action), "{key}");
    }
    let prompt = |key: &str| keymap.lookup(&[Section::Prompt], KeyChord::parse(key).expect("key"));
    for (key, action) in [
        ("ctrl-u", Action::ClearLine),
        ("ctrl-a", Action::CursorHome),
        ("ctrl-e", Action::CursorEnd),
        ("esc", Action::Cancel),
        ("enter", Action::Apply),
        ("up", Action::HistoryPrev),
        ("down", Action::HistoryNext),
    ] {
        assert_eq!(prompt(key), Some(action), "{key}");
    }
}

#[test]
fn every_shipped_theme_parses_and_the_default_sets_every_slot() {
    let files = shipped("themes");
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["dark", "light", "high-contrast", "no-colour"] {
        assert!(
            names.contains(&expected),
            "themes/{expected}.toml is shipped"
        );
    }
    for (name, text) in &files {
        theme::parse(text, name).unwrap_or_else(|e| panic!("themes/{name}.toml: {e}"));
        assert!(
            theme::BUILTIN.iter().any(|(n, t)| n == name && t == text),
            "themes/{name}.toml is not in theme::BUILTIN"
        );
        let (_, error) = theme::load(name, None, ThemeEnv::TRUE_COLOR);
        assert_eq!(error, None, "{name}");
    }
    let dark = theme::parse(theme::BUILTIN[0].1, "dark").expect("dark");
    for slot in Slot::ALL {
        assert!(
            dark.styles.iter().any(|(s, _)| s == slot),
            "dark.toml, the reference theme, sets {}",
            slot.name()
        );
    }
}

#[test]
fn no_color_and_small_palettes_degrade() {
    let (no_colour, _) = theme::load(
        "dark",
        None,
        ThemeEnv {
            no_color: true,
            depth: ColorDepth::None,
        },
    );
    assert_eq!(no_colour.name, "no-colour");
    for slot in Slot::ALL {
        let style = no_colour.style(*slot);
        assert_eq!((style.fg, style.bg), (None, None), "{}", slot.name());
    }
    let (sixteen, _) = theme::load(
        "dark",
        None,
        ThemeEnv {
            no_color: false,
            depth: ColorDepth::Ansi16,
        },
    );
    let (two_five_six, _) = theme::load(
        "dark",
        None,
        ThemeEnv {
            no_color: false,
            depth: ColorDepth::Ansi256,
        },
    );
    for slot in Slot::ALL {
        for colour in [sixteen.style(*slot).fg, sixteen.style(*slot).bg]
            .into_iter()
            .flatten()
        {
            assert!(
                !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                "{}: {colour:?}",
                slot.name()
            );
        }
        for colour in [two_five_six.style(*slot).fg, two_five_six.style(*slot).bg]
            .into_iter()
            .flatten()
        {
            assert!(
                !matches!(colour, Color::Rgb(..)),
                "{}: {colour:?}",
                slot.name()
            );
        }
    }
}

fn user_folder(folder: &str, name: &str, text: &str) -> tempfile::TempDir {
    let config = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(config.path().join(folder)).expect("dir");
    std::fs::write(
        config.path().join(folder).join(format!("{name}.toml")),
        text,
    )
    .expect("write");
    config
}

#[test]
fn a_broken_user_keymap_names_file_line_and_key_and_the_default_is_used() {
    let config = user_folder(
        "keymaps",
        "default",
        "[global]\n\"q\" = \"quit\"\n\n\"ctrl-x\" = \"explode\"\n",
    );
    let (keymap, error) = keymap::load("default", Some(config.path()));
    let error = error.expect("an error");
    assert!(
        error.file.ends_with("keymaps/default.toml"),
        "{}",
        error.file
    );
    assert_eq!(
        (error.line, error.key.as_deref()),
        (Some(4), Some("ctrl-x"))
    );
    assert!(
        error.to_string().contains("unknown action `explode`"),
        "{error}"
    );
    assert_eq!(
        keymap.lookup(&[Section::Global], KeyChord::parse("u").expect("key")),
        Some(Action::PivotUser)
    );

    for (text, line, key) in [
        (
            "[global]\n\"ctrl-nope\" = \"quit\"\n",
            Some(2),
            Some("ctrl-nope"),
        ),
        ("[globl]\n\"q\" = \"quit\"\n", Some(1), Some("globl")),
        ("[global]\n\"q\" = quit\n", Some(2), None),
        ("[global]\n\"q\" = 3\n", Some(2), Some("q")),
    ] {
        let error = keymap::parse(text, "k.toml").expect_err(text);
        assert_eq!(
            (error.line, error.key.as_deref()),
            (line, key),
            "{text}: {error}"
        );
    }
    let (_, error) = keymap::load("no-such-keymap", Some(config.path()));
    assert!(error
        .expect("an error")
        .to_string()
        .contains("no-such-keymap"));
}

#[test]
fn a_broken_user_theme_names_file_line_and_key_and_the_default_is_used() {
    let config = user_folder(
        "themes",
        "mine",
        "inherits = \"dark\"\n[json]\nkey = \"blue\"\nstring = \"#12345\"\n",
    );
    let (theme, error) = theme::load("mine", Some(config.path()), ThemeEnv::TRUE_COLOR);
    let error = error.expect("an error");
    assert!(error.file.ends_with("themes/mine.toml"), "{}", error.file);
    assert_eq!(
        (error.line, error.key.as_deref()),
        (Some(4), Some("json.string"))
    );
    assert_eq!(theme.name, "dark", "the default theme is used");

    let config = user_folder(
        "themes",
        "mine",
        "inherits = \"light\"\n[json]\nkey = { fg = \"blue\", modifiers = [\"bold\"] }\n",
    );
    let (theme, error) = theme::load("mine", Some(config.path()), ThemeEnv::TRUE_COLOR);
    assert_eq!(error, None);
    assert_eq!(theme.style(Slot::JsonKey).fg, Some(Color::Blue));
    let (light, _) = theme::load("light", None, ThemeEnv::TRUE_COLOR);
    assert_eq!(
        theme.style(Slot::JsonString),
        light.style(Slot::JsonString),
        "the rest is inherited"
    );
}

#[test]
fn config_toml_sets_the_ui_theme_and_keymap_and_a_broken_one_is_reported_in_the_ui() {
    let dir = tempfile::tempdir().expect("dir");
    let good = dir.path().join("config.toml");
    std::fs::write(&good, "[ui]\ntheme = \"light\"\nkeymap = \"vim\"\n").expect("write");
    let options = |path: &Path| trailhound::cli::rules::RuleOptions {
        dirs: Vec::new(),
        config: Some(path.to_owned()),
    };
    let settings = trailhound::cli::rules::settings(&options(&good)).map_err(|e| format!("{e:#}"));
    let ui = trailhound::tui::Options::from_config(settings);
    if std::env::var_os(trailhound::tui::app::THEME_ENV).is_none() {
        assert_eq!(ui.theme, "light");
    }
    if std::env::var_os(trailhound::tui::app::KEYMAP_ENV).is_none() {
        assert_eq!(ui.keymap, "vim");
    }
    assert!(ui.config_errors.is_empty());

    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, "[ui]\ntheme = \"light\"\ncolour = 3\n").expect("write");
    let settings =
        trailhound::cli::rules::settings(&options(&broken)).map_err(|e| format!("{e:#}"));
    let mut ui = trailhound::tui::Options::from_config(settings);
    assert_eq!(ui.config_errors.len(), 1);
    let error = &ui.config_errors[0];
    assert!(error.contains("broken.toml:3"), "{error}");
    assert!(error.contains("colour"), "{error}");

    // The UI says it in the status line, as for a broken keymap or theme.
    let index_dir = dir.path().join("index");
    let index = trailhound::index::TrailIndex::open_or_create(&index_dir).expect("index");
    ui.config_dir = None;
    let app = trailhound::tui::App::new(index, &ui, (200, 30)).expect("app");
    assert!(app
        .state
        .status
        .config_errors
        .iter()
        .any(|e| e.contains("broken.toml:3")));
}
