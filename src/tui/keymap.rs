//! Key bindings as data: a table per mode, compiled-in defaults merged with
//! the config file's `[keys.<mode>]` tables. The help screen and the hint
//! bar are generated from the same table.

use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

use super::action::Action;

/// The key tables: one per input mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyMode {
    /// Browsing sources, the events table and the detail.
    List,
    /// Editing the filter expression.
    Filter,
    /// The `:` command line and the target prompts.
    Command,
    /// A confirmation or error popup.
    Dialog,
    /// The help screen.
    Help,
    /// The flows view.
    Flows,
}

impl KeyMode {
    /// Every mode, in help order.
    pub const ALL: [KeyMode; 6] = [
        KeyMode::List,
        KeyMode::Filter,
        KeyMode::Command,
        KeyMode::Dialog,
        KeyMode::Help,
        KeyMode::Flows,
    ];

    /// The config table name (`[keys.list]`).
    pub fn name(self) -> &'static str {
        match self {
            KeyMode::List => "list",
            KeyMode::Filter => "filter",
            KeyMode::Command => "command",
            KeyMode::Dialog => "dialog",
            KeyMode::Help => "help",
            KeyMode::Flows => "flows",
        }
    }

    fn parse(name: &str) -> Option<KeyMode> {
        KeyMode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// A key with its modifiers, as written in the config (`ctrl-r`, `G`, `pagedown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl and Alt (Shift is folded into the character or `backtab`).
    pub modifiers: KeyModifiers,
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
];

impl Key {
    /// Parse `ctrl-r`, `alt-x`, `shift-tab`, `G`, `?`, `-`, `f5`, `pagedown`.
    pub fn parse(text: &str) -> Result<Key, String> {
        if text.is_empty() {
            return Err("empty key".into());
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        let mut shift = false;
        while let Some((head, tail)) = rest.split_once('-') {
            if tail.is_empty() {
                break; // "ctrl--": the key is '-'
            }
            match head.to_ascii_lowercase().as_str() {
                "ctrl" | "c" => modifiers |= KeyModifiers::CONTROL,
                "alt" | "a" | "m" | "meta" => modifiers |= KeyModifiers::ALT,
                "shift" | "s" => shift = true,
                other => return Err(format!("unknown modifier `{other}`")),
            }
            rest = tail;
        }
        let ctrl = modifiers.contains(KeyModifiers::CONTROL);
        let code = if rest.chars().count() == 1 {
            let c = rest.chars().next().unwrap_or(' ');
            // Only what a terminal can send: ctrl with shift arrives as
            // plain ctrl (and ctrl-X as ctrl-x), and shift with anything
            // but a letter types another character.
            if ctrl && (shift || c.is_ascii_uppercase()) && c.is_ascii_alphabetic() {
                let lower = c.to_ascii_lowercase();
                return Err(format!(
                    "terminals send ctrl with shift or a capital letter as ctrl-{lower}: bind `ctrl-{lower}` (or `alt-{}`)",
                    c.to_ascii_uppercase()
                ));
            }
            if shift && !c.is_ascii_alphabetic() {
                return Err(format!(
                    "shift-{c} arrives as the character shift types: bind that character instead (e.g. `!` for shift-1 on a US keyboard)"
                ));
            }
            KeyCode::Char(if shift { c.to_ascii_uppercase() } else { c })
        } else {
            let lower = rest.to_ascii_lowercase();
            if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
                match (shift, *code) {
                    (true, KeyCode::Tab) => KeyCode::BackTab,
                    (true, _) => {
                        return Err(format!(
                            "evscope does not tell shift-{lower} from {lower}: bind `{lower}` or another key"
                        ));
                    }
                    (false, code) => code,
                }
            } else if shift {
                return Err(format!(
                    "evscope does not tell shift-{rest} from {rest}: bind another key"
                ));
            } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                if !(1..=24).contains(&n) {
                    return Err(format!("no function key `{rest}`"));
                }
                KeyCode::F(n)
            } else {
                return Err(format!(
                    "unknown key `{rest}` (use a character or one of {}, f1..f12)",
                    NAMED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ));
            }
        };
        Ok(Key { code, modifiers })
    }

    /// The key of a terminal key press, normalized like parsed keys.
    pub fn from_event(event: &KeyEvent) -> Key {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        if code == KeyCode::BackTab {
            modifiers -= KeyModifiers::SHIFT;
        }
        Key { code, modifiers }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "f{n}"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            code => {
                let name = NAMED
                    .iter()
                    .find(|(_, c)| *c == code)
                    .map_or("?", |(n, _)| *n);
                f.write_str(name)
            }
        }
    }
}

/// One key bound to one action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The key.
    pub key: Key,
    /// What it does.
    pub action: Action,
}

/// Why the `[keys]` config is unusable. Each names the offending key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// `[keys.foo]` where `foo` is not a mode.
    #[error("[keys.{mode}]: unknown mode (use list, filter, command, dialog or help)")]
    UnknownMode {
        /// The table name.
        mode: String,
    },
    /// `[keys] list = 3`.
    #[error("[keys.{mode}]: must be a table of \"key\" = \"action\"")]
    NotATable {
        /// The table name.
        mode: String,
    },
    /// A key that does not parse.
    #[error("[keys.{mode}] \"{key}\": {reason}")]
    BadKey {
        /// The table name.
        mode: String,
        /// The key as written.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An action that does not exist.
    #[error("[keys.{mode}] \"{key}\": unknown action {action} (see `?` in evscope for the names)")]
    BadAction {
        /// The table name.
        mode: String,
        /// The key as written.
        key: String,
        /// The action as written.
        action: String,
    },
}

/// The bindings of every mode.
#[derive(Debug, Clone)]
pub struct Keymap {
    modes: Vec<(KeyMode, Vec<Binding>)>,
}

/// The compiled-in bindings: (mode, key, action).
const DEFAULTS: &[(KeyMode, &str, Action)] = {
    use Action::*;
    use KeyMode::{Command as C, Dialog as D, Filter as F, Flows as W, Help as H, List as L};
    &[
        (L, "?", Help),
        (L, "j", Down),
        (L, "down", Down),
        (L, "k", Up),
        (L, "up", Up),
        (L, "pagedown", PageDown),
        (L, "ctrl-d", PageDown),
        (L, "pageup", PageUp),
        (L, "ctrl-u", PageUp),
        (L, "g", Top),
        (L, "home", Top),
        (L, "G", Bottom),
        (L, "end", Bottom),
        (L, "tab", NextPane),
        (L, "backtab", PrevPane),
        (L, "enter", Activate),
        (L, "l", NextTab),
        (L, "right", NextTab),
        (L, "h", PrevTab),
        (L, "left", PrevTab),
        (L, "1", TabBody),
        (L, "2", TabAttributes),
        (L, "3", TabFacets),
        (L, "4", TabRaw),
        (L, "5", TabFlow),
        (L, "]", NextSource),
        (L, "[", PrevSource),
        (L, "/", Filter),
        (L, ":", Command),
        (L, "esc", ClearFilter),
        (L, "E", PresetExpired),
        (L, "M", PresetMalformed),
        (L, "C", PresetCorrelated),
        (L, "V", PresetContract),
        (L, "T", PresetSameType),
        (L, "c", PresetSameCorrelation),
        (L, "F", PresetTroubledFlows),
        (L, "f", Flows),
        (L, "o", SortNext),
        (L, "O", SortReverse),
        (L, "space", ToggleSelect),
        (L, "a", SelectAll),
        (L, "u", ClearSelection),
        (L, "r", Replay),
        (L, "R", Redrive),
        (L, "d", Delete),
        (L, "P", Purge),
        (L, "e", Edit),
        (L, "y", Copy),
        (L, "t", Follow),
        (L, "s", Reveal),
        (L, "X", CancelJob),
        (L, "ctrl-r", Reload),
        (L, "q", Quit),
        (L, "ctrl-c", Quit),
        (F, "enter", Submit),
        (F, "esc", Cancel),
        (F, "ctrl-c", Cancel),
        (F, "tab", Complete),
        (F, "backspace", Backspace),
        (F, "delete", DeleteChar),
        (F, "left", CursorLeft),
        (F, "right", CursorRight),
        (F, "home", CursorHome),
        (F, "ctrl-a", CursorHome),
        (F, "end", CursorEnd),
        (F, "ctrl-e", CursorEnd),
        (F, "ctrl-w", DeleteWord),
        (F, "ctrl-u", ClearLine),
        (F, "ctrl-r", PickFilter),
        (F, "up", HistoryPrev),
        (F, "down", HistoryNext),
        (C, "enter", Submit),
        (C, "esc", Cancel),
        (C, "ctrl-c", Cancel),
        (C, "tab", Complete),
        (C, "backspace", Backspace),
        (C, "delete", DeleteChar),
        (C, "left", CursorLeft),
        (C, "right", CursorRight),
        (C, "home", CursorHome),
        (C, "ctrl-a", CursorHome),
        (C, "end", CursorEnd),
        (C, "ctrl-e", CursorEnd),
        (C, "ctrl-w", DeleteWord),
        (C, "ctrl-u", ClearLine),
        (C, "up", HistoryPrev),
        (C, "down", HistoryNext),
        (D, "y", Confirm),
        (D, "enter", Confirm),
        (D, "n", Cancel),
        (D, "esc", Cancel),
        (D, "q", Cancel),
        (D, "ctrl-c", Cancel),
        (W, "esc", Cancel),
        (W, "q", Cancel),
        (W, "f", Cancel),
        (W, "ctrl-c", Cancel),
        (W, "j", Down),
        (W, "down", Down),
        (W, "k", Up),
        (W, "up", Up),
        (W, "pagedown", PageDown),
        (W, "pageup", PageUp),
        (W, "g", Top),
        (W, "G", Bottom),
        (W, "enter", Submit),
        (W, "s", NextFlowState),
        (W, "tab", NextFlowState),
        (H, "esc", Cancel),
        (H, "q", Cancel),
        (H, "?", Cancel),
        (H, "ctrl-c", Cancel),
        (H, "j", Down),
        (H, "down", Down),
        (H, "k", Up),
        (H, "up", Up),
        (H, "pagedown", PageDown),
        (H, "space", PageDown),
        (H, "pageup", PageUp),
        (H, "g", Top),
        (H, "home", Top),
        (H, "G", Bottom),
        (H, "end", Bottom),
        // The stats view (:stats) moves and picks with the help keys.
        (H, "enter", Activate),
        (H, "h", PrevTab),
        (H, "left", PrevTab),
        (H, "l", NextTab),
        (H, "right", NextTab),
    ]
};

impl Default for Keymap {
    fn default() -> Self {
        let mut modes: Vec<(KeyMode, Vec<Binding>)> =
            KeyMode::ALL.iter().map(|m| (*m, Vec::new())).collect();
        for (mode, key, action) in DEFAULTS {
            // The table above is checked by a test; a typo there is a bug.
            if let Ok(key) = Key::parse(key) {
                if let Some((_, list)) = modes.iter_mut().find(|(m, _)| m == mode) {
                    list.push(Binding {
                        key,
                        action: action.clone(),
                    });
                }
            }
        }
        Keymap { modes }
    }
}

impl Keymap {
    /// The defaults with the config's `[keys]` tables applied over them: a
    /// key bound in the config replaces its default binding, and `"none"`
    /// unbinds it.
    pub fn from_config(keys: &toml::Table) -> Result<Keymap, KeymapError> {
        let mut keymap = Keymap::default();
        for (mode_name, table) in keys {
            let mode = KeyMode::parse(mode_name).ok_or_else(|| KeymapError::UnknownMode {
                mode: mode_name.clone(),
            })?;
            let table = table.as_table().ok_or_else(|| KeymapError::NotATable {
                mode: mode_name.clone(),
            })?;
            for (key_text, value) in table {
                let key = Key::parse(key_text).map_err(|reason| KeymapError::BadKey {
                    mode: mode_name.clone(),
                    key: key_text.clone(),
                    reason,
                })?;
                let action =
                    Action::deserialize(value.clone()).map_err(|_| KeymapError::BadAction {
                        mode: mode_name.clone(),
                        key: key_text.clone(),
                        action: value.to_string(),
                    })?;
                keymap.bind(mode, key, action);
            }
        }
        Ok(keymap)
    }

    /// Bind `key` in `mode`, replacing what it did; `Action::Unbound` removes it.
    pub fn bind(&mut self, mode: KeyMode, key: Key, action: Action) {
        let Some((_, list)) = self.modes.iter_mut().find(|(m, _)| *m == mode) else {
            return;
        };
        list.retain(|b| b.key != key);
        if action != Action::Unbound {
            list.push(Binding { key, action });
        }
    }

    /// The action bound to a key press in `mode`.
    pub fn action(&self, mode: KeyMode, event: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(event);
        self.bindings(mode)
            .iter()
            .find(|b| b.key == key)
            .map(|b| b.action.clone())
    }

    /// The bindings of a mode, in table order.
    pub fn bindings(&self, mode: KeyMode) -> &[Binding] {
        self.modes
            .iter()
            .find(|(m, _)| *m == mode)
            .map_or(&[], |(_, list)| list.as_slice())
    }

    /// The keys bound to `action` in `mode`, in table order.
    pub fn keys_for(&self, mode: KeyMode, action: &Action) -> Vec<Key> {
        self.bindings(mode)
            .iter()
            .filter(|b| &b.action == action)
            .map(|b| b.key)
            .collect()
    }

    /// Each action of a mode once, with all its keys: what help lists.
    pub fn grouped(&self, mode: KeyMode) -> Vec<(Action, Vec<Key>)> {
        let mut out: Vec<(Action, Vec<Key>)> = Vec::new();
        for binding in self.bindings(mode) {
            match out.iter_mut().find(|(a, _)| *a == binding.action) {
                Some((_, keys)) => keys.push(binding.key),
                None => out.push((binding.action.clone(), vec![binding.key])),
            }
        }
        out
    }
}

/// Every binding as a Markdown list per mode (the README's key list).
pub fn markdown(keymap: &Keymap) -> String {
    let mut out = String::new();
    for mode in KeyMode::ALL {
        out.push_str(&format!("\n`[keys.{}]`\n\n", mode.name()));
        out.push_str("| keys | action | does |\n|---|---|---|\n");
        for (action, keys) in keymap.grouped(mode) {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            let name = serde_name(&action);
            out.push_str(&format!(
                "| {} | `{name}` | {} |\n",
                keys.join(" "),
                action.description().replace('|', "\\|")
            ));
        }
    }
    out
}

/// The config name of an action (`page_down`).
fn serde_name(action: &Action) -> String {
    let debug = format!("{action:?}");
    let mut out = String::new();
    for (i, c) in debug.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventKind;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: KeyEventKind::Press,
            state: ratatui::crossterm::event::KeyEventState::NONE,
        }
    }

    #[test]
    fn every_default_parses() {
        for (_, key, _) in DEFAULTS {
            assert!(Key::parse(key).is_ok(), "{key}");
        }
        let count: usize = KeyMode::ALL
            .iter()
            .map(|m| Keymap::default().bindings(*m).len())
            .sum();
        assert_eq!(count, DEFAULTS.len());
    }

    #[test]
    fn parses_and_prints_keys() {
        for text in [
            "ctrl-r",
            "G",
            "?",
            "pagedown",
            "shift-tab",
            "f5",
            "space",
            "-",
        ] {
            let key = Key::parse(text).unwrap();
            let printed = key.to_string();
            assert_eq!(Key::parse(&printed).unwrap(), key, "{text} -> {printed}");
        }
        assert_eq!(Key::parse("shift-g").unwrap(), Key::parse("G").unwrap());
    }

    #[test]
    fn keys_no_terminal_sends_are_refused() {
        for (text, says) in [
            ("ctrl-shift-x", "bind `ctrl-x`"),
            ("ctrl-X", "bind `ctrl-x`"),
            ("c-s-x", "bind `ctrl-x`"),
            ("shift-1", "shift-1 arrives as the character shift types"),
            ("shift-?", "shift-? arrives as the character"),
            ("shift-up", "does not tell shift-up from up"),
            ("shift-f5", "does not tell shift-f5 from f5"),
        ] {
            let error = Key::parse(text).expect_err(text);
            assert!(error.contains(says), "{text}: {error}");
        }
    }

    #[test]
    fn every_key_that_parses_matches_its_press() {
        // What a terminal sends for each accepted spelling.
        for (text, code, modifiers) in [
            (
                "alt-shift-x",
                KeyCode::Char('X'),
                KeyModifiers::ALT | KeyModifiers::SHIFT,
            ),
            ("shift-x", KeyCode::Char('X'), KeyModifiers::SHIFT),
            ("ctrl-x", KeyCode::Char('x'), KeyModifiers::CONTROL),
            ("shift-tab", KeyCode::BackTab, KeyModifiers::SHIFT),
            ("!", KeyCode::Char('!'), KeyModifiers::SHIFT),
            ("alt-x", KeyCode::Char('x'), KeyModifiers::ALT),
        ] {
            let parsed = Key::parse(text).unwrap();
            let pressed = Key::from_event(&press(code, modifiers));
            assert_eq!(parsed, pressed, "{text}");
        }
    }

    #[test]
    fn matches_terminal_events() {
        let keymap = Keymap::default();
        let shift_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(keymap.action(KeyMode::List, &shift_g), Some(Action::Bottom));
        let backtab = press(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            keymap.action(KeyMode::List, &backtab),
            Some(Action::PrevPane)
        );
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(keymap.action(KeyMode::List, &ctrl_c), Some(Action::Quit));
    }

    #[test]
    fn config_overrides_and_unbinds() {
        let keys: toml::Table =
            toml::from_str("[list]\n\"ctrl-r\" = \"replay\"\n\"q\" = \"none\"\n").unwrap();
        let keymap = Keymap::from_config(&keys).unwrap();
        let ctrl_r = press(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert_eq!(keymap.action(KeyMode::List, &ctrl_r), Some(Action::Replay));
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(keymap.action(KeyMode::List, &q), None);
    }

    #[test]
    fn bad_config_names_the_key() {
        let error = |text: &str| {
            let keys: toml::Table = toml::from_str(text).unwrap();
            Keymap::from_config(&keys).unwrap_err().to_string()
        };
        assert_eq!(
            error("[list]\n\"ctlr-r\" = \"replay\"\n"),
            "[keys.list] \"ctlr-r\": unknown modifier `ctlr`"
        );
        assert_eq!(
            error("[list]\n\"x\" = \"replya\"\n"),
            "[keys.list] \"x\": unknown action \"replya\" (see `?` in evscope for the names)"
        );
        assert_eq!(
            error("[lists]\n\"x\" = \"quit\"\n"),
            "[keys.lists]: unknown mode (use list, filter, command, dialog or help)"
        );
        assert!(
            error("[list]\n\"ctrl-shift-x\" = \"quit\"\n")
                .starts_with("[keys.list] \"ctrl-shift-x\": terminals send ctrl with shift")
        );
        assert!(
            error("[list]\n\"pgdn\" = \"quit\"\n")
                .starts_with("[keys.list] \"pgdn\": unknown key `pgdn`")
        );
    }
}
