//! One key ([`Key`]) and key sequences (chords): parsed from the config file's spelling (`ctrl-d`,
//! `g g`) and written back for the help and README.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key: a code and the modifiers that must be held. Shift is part of a character (`G`, `?`) and
/// only a modifier of its own for named keys (`shift-up`); Shift-Tab is [`KeyCode::BackTab`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

pub(super) const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
        alt: false,
        shift: false,
    }
}

pub(super) const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
        alt: false,
        shift: false,
    }
}

pub(super) const fn alt(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: false,
        alt: true,
        shift: false,
    }
}

pub(super) const fn code(code: KeyCode) -> Key {
    Key {
        code,
        ctrl: false,
        alt: false,
        shift: false,
    }
}

/// Names of keys in the config file (lower case), besides single characters.
const KEY_NAMES: &[(&str, KeyCode)] = &[
    ("space", KeyCode::Char(' ')),
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pgup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("pgdn", KeyCode::PageDown),
    ("pgdown", KeyCode::PageDown),
];

/// What a key may be written as, for error messages.
const KEY_EXPECTED: &str = "a character (`j`, `G`, `?`) or a key name (space, enter, esc, tab, \
     backspace, delete, insert, up, down, left, right, home, end, pageup, pagedown, f1 … f24), \
     after ctrl-, alt- or shift- if held; a chord is keys separated by spaces (`g g`)";

impl Key {
    /// The key of a terminal event, in the form bindings are written in: Shift dropped where the
    /// character carries it, Ctrl-letters in lower case (terminals differ on it).
    pub fn from_event(event: &KeyEvent) -> Key {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        let shift = event.modifiers.contains(KeyModifiers::SHIFT);
        match event.code {
            KeyCode::Char(c) => Key {
                code: KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                ctrl,
                alt,
                shift: false,
            },
            KeyCode::BackTab => Key {
                code: KeyCode::BackTab,
                ctrl,
                alt,
                shift: false,
            },
            code => Key {
                code,
                ctrl,
                alt,
                shift,
            },
        }
    }

    /// Reads one key as `config.toml` writes it: `j`, `G`, `?`, `space`, `ctrl-d`, `alt-v`,
    /// `shift-tab`, `f5`, `pagedown` (names and modifiers in any case, `+` for `-`).
    pub fn parse(spec: &str) -> Result<Key, String> {
        let bad = |why: &str| format!("invalid key `{spec}`: {why}; expected {KEY_EXPECTED}");
        let mut key = Key {
            code: KeyCode::Null,
            ctrl: false,
            alt: false,
            shift: false,
        };
        let mut rest = spec;
        loop {
            if rest.chars().count() <= 1 {
                break;
            }
            let Some(at) = rest.find(['-', '+']).filter(|&at| at > 0) else {
                break;
            };
            let (word, after) = (&rest[..at], &rest[at + 1..]);
            if after.is_empty() {
                break;
            }
            match word.to_ascii_lowercase().as_str() {
                "ctrl" | "control" | "c" => key.ctrl = true,
                "alt" | "meta" | "m" => key.alt = true,
                "shift" | "s" => key.shift = true,
                _ => break,
            }
            rest = after;
        }
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (None, _) => return Err(bad("no key")),
            (Some(c), None) if c.is_control() => return Err(bad("a control character")),
            (Some(c), None) => KeyCode::Char(c),
            _ => {
                let name = rest.to_ascii_lowercase();
                if let Some((_, code)) = KEY_NAMES.iter().find(|(n, _)| *n == name) {
                    *code
                } else if let Some(n) = name
                    .strip_prefix('f')
                    .and_then(|n| n.parse::<u8>().ok())
                    .filter(|n| (1..=24).contains(n))
                {
                    KeyCode::F(n)
                } else {
                    return Err(bad("unknown key name"));
                }
            }
        };
        match key.code {
            KeyCode::Char(c) if key.shift => {
                if !c.is_alphabetic() || key.ctrl {
                    return Err(bad(
                        "shift- goes with letters and named keys; write the character itself (`?`)",
                    ));
                }
                key.code = KeyCode::Char(c.to_uppercase().next().unwrap_or(c));
                key.shift = false;
            }
            KeyCode::Char(c) if key.ctrl => key.code = KeyCode::Char(c.to_ascii_lowercase()),
            KeyCode::Tab if key.shift => {
                key.code = KeyCode::BackTab;
                key.shift = false;
            }
            _ => {}
        }
        Ok(key)
    }

    /// The key as `config.toml` writes it (`ctrl-d`, `space`, `shift-tab`).
    pub fn spec(&self) -> String {
        let mut out = String::new();
        if self.ctrl {
            out.push_str("ctrl-");
        }
        if self.alt {
            out.push_str("alt-");
        }
        if self.shift {
            out.push_str("shift-");
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::BackTab => out.push_str("shift-tab"),
            KeyCode::F(n) => out.push_str(&format!("f{n}")),
            code => out.push_str(
                KEY_NAMES
                    .iter()
                    .find(|(_, c)| *c == code)
                    .map_or("?", |(n, _)| n),
            ),
        }
        out
    }

    /// A key that types a character (dialogs with text fields need those).
    pub(super) fn types_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && !self.ctrl && !self.alt
    }
}

/// How the help and README write a key: `j`, `↓`, `Ctrl-N`, `Alt-V`, `Shift-Tab`, `Space`.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        if self.shift {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.ctrl => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other}"),
        }
    }
}

/// A key, or a chord of keys pressed one after the other (`g g`).
pub type KeySeq = Vec<Key>;

/// The longest chord.
const MAX_CHORD: usize = 3;

/// Reads a key or a chord (`g g`, `ctrl-x ctrl-s`); a lone space is the space bar.
pub fn parse_seq(spec: &str) -> Result<KeySeq, String> {
    if spec == " " {
        return Ok(vec![k(' ')]);
    }
    let parts: Vec<&str> = spec.split_whitespace().collect();
    if parts.is_empty() {
        return Err(format!("invalid key `{spec}`: expected {KEY_EXPECTED}"));
    }
    if parts.len() > MAX_CHORD {
        return Err(format!(
            "invalid key `{spec}`: a chord has at most {MAX_CHORD} keys"
        ));
    }
    parts.into_iter().map(Key::parse).collect()
}

/// A chord as `config.toml` writes it.
pub fn seq_spec(seq: &[Key]) -> String {
    seq.iter().map(Key::spec).collect::<Vec<_>>().join(" ")
}

/// A chord as the help writes it.
pub fn seq_label(seq: &[Key]) -> String {
    seq.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}
