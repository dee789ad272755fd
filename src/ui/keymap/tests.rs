//! The keymap's tests: names, parsing, laying `[keys]` over the defaults, help.

use crossterm::event::KeyModifiers;

use super::action::ACTION_NAMES;
use super::key::{alt, ctrl, k};
use super::*;

fn table(text: &str) -> Result<KeyConfig, String> {
    toml::from_str::<KeyConfig>(text).map_err(|e| e.to_string())
}

fn press(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

#[test]
fn names_are_serdes() {
    for (action, name) in ACTION_NAMES {
        assert_eq!(
            serde_json::to_string(action).unwrap(),
            format!("\"{name}\"")
        );
        assert_eq!(Action::from_name(name), Some(*action));
    }
    assert_eq!(Action::from_name("page-down"), Some(Action::PageDown));
    assert_eq!(Action::from_name("open_link"), None);
}

#[test]
fn every_bindable_action_has_a_help_row() {
    for action in Action::bindable() {
        assert!(
            BINDINGS
                .iter()
                .any(|b| b.actions.iter().any(|(a, _)| *a == action)),
            "{action:?}"
        );
    }
}

#[test]
fn keys_parse_in_every_spelling() {
    let cases: &[(&str, Key)] = &[
        ("j", k('j')),
        ("G", k('G')),
        ("?", k('?')),
        ("-", k('-')),
        ("+", k('+')),
        (" ", k(' ')),
        ("space", k(' ')),
        ("Space", k(' ')),
        ("ctrl-d", ctrl('d')),
        ("Ctrl-D", ctrl('d')),
        ("C-d", ctrl('d')),
        ("ctrl+d", ctrl('d')),
        ("ctrl--", ctrl('-')),
        ("alt-v", alt('v')),
        ("M-v", alt('v')),
        ("alt-V", alt('V')),
        ("shift-a", k('A')),
        ("shift-tab", code(KeyCode::BackTab)),
        ("backtab", code(KeyCode::BackTab)),
        ("f5", code(KeyCode::F(5))),
        ("F12", code(KeyCode::F(12))),
        ("pgdn", code(KeyCode::PageDown)),
        ("enter", code(KeyCode::Enter)),
        ("esc", code(KeyCode::Esc)),
        (
            "shift-up",
            Key {
                shift: true,
                ..code(KeyCode::Up)
            },
        ),
    ];
    for (spec, key) in cases {
        assert_eq!(Key::parse(spec).as_ref(), Ok(key), "{spec:?}");
        // The canonical spelling reads back as the same key.
        assert_eq!(Key::parse(&key.spec()).as_ref(), Ok(key), "{spec:?}");
    }
    assert_eq!(parse_seq("g g"), Ok(vec![k('g'), k('g')]));
    assert_eq!(parse_seq("ctrl-x  ctrl-s"), Ok(vec![ctrl('x'), ctrl('s')]));
    for bad in [
        "", "ctrl-", "f0", "f25", "hyper-x", "pagedwn", "shift-?", "a b c d", "\u{7}",
    ] {
        assert!(parse_seq(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn events_match_as_terminals_send_them() {
    let map = Keymap::default();
    let ev = |code, mods| KeyEvent::new(code, mods);
    // Ctrl-letters in either case, Shift carried by the character or not.
    assert_eq!(
        map.action(Mode::Feeds, &ev(KeyCode::Char('D'), KeyModifiers::CONTROL)),
        Some(Action::PageDown)
    );
    assert_eq!(
        map.action(Mode::Feeds, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        Some(Action::Bottom)
    );
    assert_eq!(
        map.action(Mode::Feeds, &ev(KeyCode::BackTab, KeyModifiers::SHIFT)),
        Some(Action::PrevPane)
    );
    // Shift with an arrow that has no binding of its own: the arrow.
    assert_eq!(
        map.action(Mode::Feeds, &ev(KeyCode::Down, KeyModifiers::SHIFT)),
        Some(Action::Down)
    );
    assert_eq!(
        map.action(Mode::Feeds, &ev(KeyCode::Char('v'), KeyModifiers::ALT)),
        Some(Action::PageUp)
    );
    assert_eq!(
        map.action(Mode::Feeds, &ev(KeyCode::Char('<'), KeyModifiers::ALT)),
        Some(Action::Top)
    );
    assert_eq!(
        map.action(Mode::Feeds, &press('3')),
        Some(Action::OpenLink(3))
    );
    assert_eq!(map.action(Mode::Popup, &press('j')), None);
}

#[test]
fn a_user_binding_replaces_the_default_for_that_key() {
    let config = table(
        "[all]\nx = \"toggle_read\"\nm = \"none\"\nj = \"up\"\n\
         [article]\nx = \"toggle_star\"\n\"3\" = \"none\"\n",
    )
    .unwrap();
    let map = Keymap::new(&config);
    for mode in PANE_MODES {
        assert_eq!(map.action(mode, &press('m')), None, "{mode:?}");
        assert_eq!(map.action(mode, &press('j')), Some(Action::Up));
        // Other keys of the action stay.
        assert_eq!(
            map.action(mode, &KeyEvent::new(KeyCode::Down, KeyModifiers::NONE)),
            Some(Action::Down)
        );
    }
    assert_eq!(
        map.action(Mode::Feeds, &press('x')),
        Some(Action::ToggleRead)
    );
    // The pane's own table wins over `all`.
    assert_eq!(
        map.action(Mode::Article, &press('x')),
        Some(Action::ToggleStar)
    );
    assert_eq!(map.action(Mode::Article, &press('3')), None);
    assert_eq!(
        map.action(Mode::Feeds, &press('3')),
        Some(Action::OpenLink(3))
    );
    assert_eq!(
        map.keys_for(Mode::Headlines, Action::ToggleRead),
        vec![vec![k('x')]]
    );
}

#[test]
fn chords_wait_for_their_second_key() {
    let config = table("[headlines]\n\"g g\" = \"top\"\n\"g x\" = \"quit\"\n").unwrap();
    let map = Keymap::new(&config);
    // The chord replaced the default `g` in headlines only.
    assert_eq!(
        map.resolve(Mode::Headlines, &[], &press('g')),
        Resolved::Pending(vec![k('g')])
    );
    assert_eq!(
        map.resolve(Mode::Headlines, &[k('g')], &press('g')),
        Resolved::Action(Action::Top)
    );
    assert_eq!(
        map.resolve(Mode::Headlines, &[k('g')], &press('x')),
        Resolved::Action(Action::Quit)
    );
    // A key that does not continue the chord counts on its own; Esc only cancels.
    assert_eq!(
        map.resolve(Mode::Headlines, &[k('g')], &press('j')),
        Resolved::Action(Action::Down)
    );
    assert_eq!(
        map.resolve(
            Mode::Headlines,
            &[k('g')],
            &KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)
        ),
        Resolved::Cancelled
    );
    assert_eq!(map.action(Mode::Feeds, &press('g')), Some(Action::Top));
    let rows = map.help_rows(Some(Mode::Headlines));
    assert!(
        rows.iter()
            .any(|(keys, _)| keys == "g g, Home, Alt-< / G, End, Alt->"),
        "{rows:?}"
    );
}

#[test]
fn conflicts_are_errors_with_the_place() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[feeds]\n\"ctrl-d\" = \"down\"\n\"Ctrl-D\" = \"quit\"\n",
            &["column 12", "`ctrl-d` is bound to", "`down`", "`quit`"],
        ),
        (
            "[headlines]\ng = \"top\"\n\"g g\" = \"bottom\"\n",
            &[
                "line 3",
                "`g` is bound, so the chord `g g` could never be typed",
            ],
        ),
        (
            "[article]\nx = \"explode\"\n",
            &[
                "line 2, column 5",
                "unknown action `explode`",
                "`page_down`",
            ],
        ),
        (
            "[article]\n\"ctrl-shift\" = \"quit\"\n",
            &["line 2, column 1", "invalid key `ctrl-shift`", "f1 … f24"],
        ),
        (
            "[panes]\nx = \"quit\"\n",
            &["unknown field `panes`", "`headlines`"],
        ),
        (
            "[popup]\nj = \"down\"\n",
            &["line 2, column 1", "types a character"],
        ),
        (
            "[popup]\n\"ctrl-r\" = \"refresh_all\"\n",
            &["line 2, column 12", "does nothing in dialogs", "`down`"],
        ),
    ];
    for (text, expected) in cases {
        let err = table(text).expect_err(text);
        for e in *expected {
            assert!(err.contains(e), "{text}: no {e:?} in {err}");
        }
    }
    // The same binding twice is no conflict; a pane's table over `all` is none either.
    let config = table("[all]\nx = \"quit\"\n[feeds]\nx = \"help\"\nX = \"help\"\n").unwrap();
    assert_eq!(
        Keymap::new(&config).action(Mode::Feeds, &press('x')),
        Some(Action::Help)
    );
}

#[test]
fn after_merging_no_key_has_two_actions() {
    let config =
        table("[all]\n\"g g\" = \"top\"\nj = \"up\"\n[feeds]\ng = \"help\"\n\"j k\" = \"quit\"\n")
            .unwrap();
    let map = Keymap::new(&config);
    for mode in PANE_MODES {
        let bindings = map.bindings(mode);
        for (i, (a, _)) in bindings.iter().enumerate() {
            for (b, _) in &bindings[i + 1..] {
                assert!(!overlaps(a, b), "{mode:?}: {a:?} and {b:?}");
            }
        }
    }
    assert_eq!(map.action(Mode::Feeds, &press('g')), Some(Action::Help));
    assert_eq!(
        map.resolve(Mode::Feeds, &[k('j')], &press('k')),
        Resolved::Action(Action::Quit)
    );
}

#[test]
fn tables_print_back_as_they_read() {
    let text = "[feeds]\n\"ctrl-d\" = \"quit\"\n\"g g\" = \"top\"\nx = \"none\"\n\
                [popup]\n\"ctrl-j\" = \"down\"\n";
    let config = table(text).unwrap();
    let printed = toml::to_string(&config).unwrap();
    assert_eq!(toml::from_str::<KeyConfig>(&printed).unwrap(), config);
    assert!(printed.contains("\"g g\" = \"top\""), "{printed}");
}

#[test]
fn the_default_help_pairs_the_keys() {
    let rows = help_rows();
    assert_eq!(rows[0].0, "j / k, ↓ / ↑, Ctrl-N / Ctrl-P");
    assert_eq!(rows[1].0, "h / l, ← / →, Shift-Tab / Tab");
    assert!(rows.iter().any(|(k, _)| k == "q, Esc, Ctrl-G"));
    assert!(
        rows.iter()
            .any(|(k, _)| k == "Space / b, PgDn / PgUp, Ctrl-D / Ctrl-U, Ctrl-V / Alt-v")
    );
    // Feed-list keys show in the feed list's help only.
    let headlines = Keymap::default().help_rows(Some(Mode::Headlines));
    assert!(!headlines.iter().any(|(k, _)| k == "e"));
    assert!(
        Keymap::default()
            .help_rows(Some(Mode::Feeds))
            .iter()
            .any(|(k, _)| k == "e")
    );
}
