//! The `[keys]` section of `config.toml` as the user wrote it: one [`KeyTable`] per mode, read
//! with errors that name the key or action at fault.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::action::{ACTION_NAMES, POPUP_ACTIONS};
use super::{Action, Key, KeySeq, UNBOUND, parse_seq, seq_spec};

/// Whether one chord is the other or begins it (then one of them could never be typed).
pub(super) fn overlaps(a: &[Key], b: &[Key]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// One table of `[keys]` as the user wrote it: keys (or chords) and their actions, `None` for
/// `"none"` (unbound). Within one table a key has one action, and a key that acts cannot also begin
/// a chord.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyTable {
    pub bindings: Vec<(KeySeq, Option<Action>)>,
}

fn action_label(action: Option<Action>) -> &'static str {
    action.and_then(Action::name).unwrap_or(UNBOUND)
}

impl KeyTable {
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    /// Adds a binding; a second action for the same key, or a key that is also the start of a chord
    /// in this table, is a conflict.
    pub fn insert(&mut self, seq: KeySeq, action: Option<Action>) -> Result<(), String> {
        for (other, other_action) in &self.bindings {
            if *other == seq {
                if *other_action == action {
                    return Ok(());
                }
                return Err(format!(
                    "conflicting bindings: `{}` is bound to `{}` and to `{}` in the same table \
                     (written the same or differently)",
                    seq_spec(&seq),
                    action_label(*other_action),
                    action_label(action)
                ));
            }
            if overlaps(other, &seq) {
                let (short, long) = if other.len() < seq.len() {
                    (other, &seq)
                } else {
                    (&seq, other)
                };
                return Err(format!(
                    "conflicting bindings: `{}` is bound, so the chord `{}` could never be typed \
                     (in the same table)",
                    seq_spec(short),
                    seq_spec(long)
                ));
            }
        }
        self.bindings.push((seq, action));
        Ok(())
    }
}

/// `[keys]`: a table per mode laid over the defaults (`all` for the three panes, then the pane's
/// own, which wins over `all`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeyConfig {
    #[serde(skip_serializing_if = "KeyTable::is_empty")]
    pub all: KeyTable,
    #[serde(skip_serializing_if = "KeyTable::is_empty")]
    pub feeds: KeyTable,
    #[serde(skip_serializing_if = "KeyTable::is_empty")]
    pub headlines: KeyTable,
    #[serde(skip_serializing_if = "KeyTable::is_empty")]
    pub article: KeyTable,
    #[serde(
        skip_serializing_if = "KeyTable::is_empty",
        deserialize_with = "popup_table"
    )]
    pub popup: KeyTable,
}

impl KeyConfig {
    pub fn is_empty(&self) -> bool {
        *self == KeyConfig::default()
    }
}

/// Reads a key table; `popup` allows only what dialogs understand.
struct TableVisitor {
    popup: bool,
}

/// Reads a key spec (a map key), so a bad one is reported where it is written.
struct SeqSeed {
    popup: bool,
}

impl<'de> DeserializeSeed<'de> for SeqSeed {
    type Value = KeySeq;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<KeySeq, D::Error> {
        let spec = String::deserialize(deserializer)?;
        let seq = parse_seq(&spec).map_err(de::Error::custom)?;
        if self.popup {
            if seq.len() > 1 {
                return Err(de::Error::custom(format!(
                    "invalid key `{spec}` in [keys.popup]: dialogs take no chords"
                )));
            }
            if seq.iter().any(Key::types_text) {
                return Err(de::Error::custom(format!(
                    "invalid key `{spec}` in [keys.popup]: it types a character, which dialogs \
                     with text fields need; use a key with ctrl- or alt-, or a named key"
                )));
            }
        }
        Ok(seq)
    }
}

/// Reads an action name (a map value) and adds the binding, so a conflict is reported at the value.
struct ActionSeed<'a> {
    table: &'a mut KeyTable,
    seq: KeySeq,
    popup: bool,
}

impl<'de> DeserializeSeed<'de> for ActionSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        let name = String::deserialize(deserializer)?;
        let action = if name.trim() == UNBOUND {
            None
        } else {
            let Some(action) = Action::from_name(&name) else {
                let names: Vec<&str> = ACTION_NAMES.iter().map(|(_, n)| *n).collect();
                return Err(de::Error::custom(format!(
                    "unknown action `{name}`, expected `{UNBOUND}` or one of `{}`",
                    names.join("`, `")
                )));
            };
            Some(action)
        };
        if self.popup
            && let Some(action) = action
            && action.popup_key().is_none()
        {
            let names: Vec<&str> = POPUP_ACTIONS.iter().filter_map(|(a, _)| a.name()).collect();
            return Err(de::Error::custom(format!(
                "action `{name}` does nothing in dialogs; [keys.popup] takes `{UNBOUND}` or one of \
                 `{}`",
                names.join("`, `")
            )));
        }
        self.table
            .insert(self.seq, action)
            .map_err(de::Error::custom)
    }
}

impl<'de> Visitor<'de> for TableVisitor {
    type Value = KeyTable;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of keys and action names, e.g. \"ctrl-d\" = \"page_down\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyTable, A::Error> {
        let mut table = KeyTable::default();
        while let Some(seq) = map.next_key_seed(SeqSeed { popup: self.popup })? {
            map.next_value_seed(ActionSeed {
                table: &mut table,
                seq,
                popup: self.popup,
            })?;
        }
        Ok(table)
    }
}

impl<'de> Deserialize<'de> for KeyTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TableVisitor { popup: false })
    }
}

fn popup_table<'de, D: Deserializer<'de>>(deserializer: D) -> Result<KeyTable, D::Error> {
    deserializer.deserialize_map(TableVisitor { popup: true })
}

impl Serialize for KeyTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.bindings.len()))?;
        for (seq, action) in &self.bindings {
            map.serialize_entry(&seq_spec(seq), action_label(*action))?;
        }
        map.end()
    }
}
