//! Keys to actions, per mode. One table ([`BINDINGS`]) says which keys do what in which pane by
//! default and how the help describes it. The `[keys]` section of `config.toml` ([`KeyConfig`]) is
//! laid over it into the [`Keymap`] in effect; the key lookup, the help overlay and README's key table
//! are all read from a keymap, so they cannot drift apart. Actions are plain data named as serde
//! names them (`page_down`), which is how the config file writes them.
//!
//! Popups (dialogs with text fields) take their keys themselves; `[keys.popup]` can only give them
//! more keys for the moves they know (down, up, pages, top, bottom, Enter, Esc, Tab).
//!
//! The parts: what keys ask for (`action.rs`), keys and chords (`key.rs`), the default table
//! (`bindings.rs`) and `[keys]` as written (`config.rs`); this file lays them into the [`Keymap`].

use std::collections::HashMap;
use std::sync::LazyLock;

use crossterm::event::{KeyCode, KeyEvent};

mod action;
mod bindings;
mod config;
mod key;

pub use action::{Action, Mode, PANE_MODES, UNBOUND};
pub use bindings::{BINDINGS, Binding};
pub use config::{KeyConfig, KeyTable};
pub use key::{Key, KeySeq, parse_seq, seq_label, seq_spec};

use config::overlaps;
use key::code;

/// What a key (after the keys of a chord begun before it) asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    Action(Action),
    /// The start of a chord: wait for its next key.
    Pending(KeySeq),
    /// A chord begun was left with Esc.
    Cancelled,
    /// Nothing is bound to it.
    Nothing,
}

/// What a key sequence is in one mode's table.
enum Lookup {
    Bound(Option<Action>),
    Prefix,
    Unbound,
}

/// The keys in effect: the defaults with `[keys]` laid over them. In each mode a key (or chord) has
/// at most one action; a user binding replaces every default it overlaps (the same key, or a chord
/// starting with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    modes: HashMap<Mode, Vec<(KeySeq, Option<Action>)>>,
}

impl Default for Keymap {
    fn default() -> Self {
        DEFAULT_KEYMAP.clone()
    }
}

static DEFAULT_KEYMAP: LazyLock<Keymap> = LazyLock::new(|| Keymap::new(&KeyConfig::default()));

/// Lays a user's table over `bindings`: each binding takes the place of the first one it overlaps
/// (so the help lists keys in the same order), and the others it overlaps go.
fn lay_over(bindings: &mut Vec<(KeySeq, Option<Action>)>, table: &KeyTable) {
    for (seq, action) in &table.bindings {
        let at = bindings
            .iter()
            .position(|(other, _)| overlaps(other, seq))
            .unwrap_or(bindings.len());
        bindings.retain(|(other, _)| !overlaps(other, seq));
        bindings.insert(at.min(bindings.len()), (seq.clone(), *action));
    }
}

impl Keymap {
    /// The defaults, then `[keys.all]`, then each pane's own table.
    pub fn new(config: &KeyConfig) -> Keymap {
        let mut modes = HashMap::new();
        for mode in PANE_MODES {
            let mut bindings: Vec<(KeySeq, Option<Action>)> = BINDINGS
                .iter()
                .filter(|b| b.modes.contains(&mode))
                .flat_map(|b| b.actions.iter())
                .flat_map(|(action, keys)| keys.iter().map(|key| (vec![*key], Some(*action))))
                .collect();
            lay_over(&mut bindings, &config.all);
            let own = match mode {
                Mode::Feeds => &config.feeds,
                Mode::Headlines => &config.headlines,
                _ => &config.article,
            };
            lay_over(&mut bindings, own);
            modes.insert(mode, bindings);
        }
        let mut popup = Vec::new();
        lay_over(&mut popup, &config.popup);
        modes.insert(Mode::Popup, popup);
        Keymap { modes }
    }

    fn bindings(&self, mode: Mode) -> &[(KeySeq, Option<Action>)] {
        self.modes.get(&mode).map_or(&[], Vec::as_slice)
    }

    fn lookup(&self, mode: Mode, seq: &[Key]) -> Lookup {
        let mut prefix = false;
        for (bound, action) in self.bindings(mode) {
            if bound.as_slice() == seq {
                return Lookup::Bound(*action);
            }
            prefix |= bound.len() > seq.len() && bound.starts_with(seq);
        }
        if prefix {
            Lookup::Prefix
        } else {
            Lookup::Unbound
        }
    }

    /// What `event` asks for in `mode`, after the keys of a chord begun before it (`pending`). A key
    /// that does not continue the chord counts on its own.
    pub fn resolve(&self, mode: Mode, pending: &[Key], event: &KeyEvent) -> Resolved {
        let key = Key::from_event(event);
        if !pending.is_empty() {
            let mut seq = pending.to_vec();
            seq.push(key);
            match self.lookup(mode, &seq) {
                Lookup::Bound(Some(action)) => return Resolved::Action(action),
                Lookup::Bound(None) => return Resolved::Nothing,
                Lookup::Prefix => return Resolved::Pending(seq),
                Lookup::Unbound if key == code(KeyCode::Esc) => return Resolved::Cancelled,
                Lookup::Unbound => {}
            }
        }
        match self.lookup(mode, &[key]) {
            Lookup::Bound(Some(action)) => Resolved::Action(action),
            Lookup::Bound(None) => Resolved::Nothing,
            Lookup::Prefix => Resolved::Pending(vec![key]),
            Lookup::Unbound => match key.code {
                KeyCode::Char(c @ '1'..='9') if !key.ctrl && !key.alt && mode != Mode::Popup => {
                    Resolved::Action(Action::OpenLink(c as u8 - b'0'))
                }
                // Shift with a named key that has no binding of its own: the key without it.
                _ if key.shift => {
                    let plain = Key {
                        shift: false,
                        ..key
                    };
                    match self.lookup(mode, &[plain]) {
                        Lookup::Bound(Some(action)) => Resolved::Action(action),
                        _ => Resolved::Nothing,
                    }
                }
                _ => Resolved::Nothing,
            },
        }
    }

    /// The action a single key asks for in `mode` (`None` for keys that do nothing there, or begin
    /// a chord).
    pub fn action(&self, mode: Mode, event: &KeyEvent) -> Option<Action> {
        match self.resolve(mode, &[], event) {
            Resolved::Action(action) => Some(action),
            _ => None,
        }
    }

    /// Whether `event` was unbound in `mode` (`"none"`).
    pub fn is_unbound(&self, mode: Mode, event: &KeyEvent) -> bool {
        matches!(
            self.lookup(mode, &[Key::from_event(event)]),
            Lookup::Bound(None)
        )
    }

    /// The keys bound to `action` in `mode`, in the order they were bound.
    pub fn keys_for(&self, mode: Mode, action: Action) -> Vec<KeySeq> {
        self.bindings(mode)
            .iter()
            .filter(|(_, a)| *a == Some(action))
            .map(|(seq, _)| seq.clone())
            .collect()
    }

    /// The help's rows: (keys, what they do), in the default table's order. `Some(mode)`: the keys
    /// of that mode; `None`: of any pane (README). Rows without keys are left out.
    pub fn help_rows(&self, mode: Option<Mode>) -> Vec<(String, &'static str)> {
        let modes: Vec<Mode> = match mode {
            Some(mode) => vec![mode],
            None => PANE_MODES.to_vec(),
        };
        let mut rows = Vec::new();
        for binding in BINDINGS {
            if binding
                .actions
                .iter()
                .any(|(a, _)| matches!(a, Action::OpenLink(_)))
            {
                rows.push(("1 … 9".to_string(), binding.help));
                continue;
            }
            let groups: Vec<Vec<String>> = binding
                .actions
                .iter()
                .map(|(action, _)| {
                    let mut labels: Vec<String> = Vec::new();
                    for mode in &modes {
                        for seq in self.keys_for(*mode, *action) {
                            let label = seq_label(&seq);
                            if !labels.contains(&label) {
                                labels.push(label);
                            }
                        }
                    }
                    labels
                })
                .collect();
            // Keys pair up (`j / k`) as long as they are the defaults; changed ones are listed.
            let defaults: Vec<Vec<String>> = binding
                .actions
                .iter()
                .map(|(_, keys)| keys.iter().map(ToString::to_string).collect())
                .collect();
            let label = keys_label(&groups, groups == defaults);
            if !label.is_empty() {
                rows.push((label, binding.help));
            }
        }
        rows
    }

    /// The help as a Markdown table (README's key table is the default keymap's, checked by a test).
    pub fn markdown_table(&self) -> String {
        let mut out = String::from("| key | action |\n|---|---|\n");
        for (keys, what) in self.help_rows(None) {
            // A `|` would end the cell, even in code.
            let keys = keys.replace('|', "\\|");
            out.push_str(&format!("| `{keys}` | {what} |\n"));
        }
        out
    }
}

/// The keys of a help row: `q, Esc` for one action; for two, their keys side by side when they are
/// the default pairs (`j / k, ↓ / ↑`), else each action's keys (`x, ↓ / k, ↑`).
fn keys_label(groups: &[Vec<String>], paired: bool) -> String {
    match groups {
        [one] => one.join(", "),
        [a, b] if paired && a.len() == b.len() => a
            .iter()
            .zip(b)
            .map(|(x, y)| format!("{x} / {y}"))
            .collect::<Vec<_>>()
            .join(", "),
        groups => groups
            .iter()
            .filter(|g| !g.is_empty())
            .map(|g| g.join(", "))
            .collect::<Vec<_>>()
            .join(" / "),
    }
}

/// The action a key asks for in `mode` with the default keys; `None` for keys that do nothing there.
pub fn action_for(mode: Mode, key: KeyEvent) -> Option<Action> {
    DEFAULT_KEYMAP.action(mode, &key)
}

/// The default help rows (keys, what they do).
pub fn help_rows() -> Vec<(String, &'static str)> {
    DEFAULT_KEYMAP.help_rows(None)
}

/// The default keys as a Markdown table (README's key table is this, checked by a test).
pub fn markdown_table() -> String {
    DEFAULT_KEYMAP.markdown_table()
}

#[cfg(test)]
mod tests;
