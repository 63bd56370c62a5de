//! Themes: styles assigned to meanings (roles), not to widgets. Built-in
//! themes are compiled in; `<config dir>/themes/NAME.toml` adds or
//! overrides one; a partial file falls back to the default theme for the
//! roles it leaves out; `NO_COLOR` drops colors and keeps bold and reverse.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

/// What a style means. Views ask for a role, never for a color.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Plain text.
    Text,
    /// Pane borders.
    Border,
    /// The border of the focused pane.
    BorderFocus,
    /// Pane titles.
    Title,
    /// Secondary text: hints, placeholders, unknown values.
    Muted,
    /// Table headers and field labels.
    Header,
    /// The row or item under the cursor.
    Selection,
    /// Rows selected for an operation.
    Marked,
    /// Expired events.
    Expired,
    /// Malformed events.
    Malformed,
    /// Dead-letter queues and events in them.
    Dlq,
    /// Tokens, signatures and masked secrets.
    Secret,
    /// Events with a location.
    Located,
    /// Warnings.
    Warning,
    /// Errors.
    Error,
    /// Successful results.
    Success,
    /// JSON object keys.
    JsonKey,
    /// JSON strings.
    JsonString,
    /// JSON numbers.
    JsonNumber,
    /// JSON true and false.
    JsonBool,
    /// JSON null.
    JsonNull,
    /// JSON brackets, commas and colons.
    JsonPunct,
    /// The active detail tab.
    TabActive,
    /// The status bar.
    Status,
    /// Key names in the hint bar and help.
    Key,
    /// Progress gauges.
    Gauge,
    /// A production context: the outer frame and the type-back dialog.
    Danger,
}

impl Role {
    /// Every role with its name in theme files.
    pub const ALL: [(Role, &'static str); 27] = [
        (Role::Text, "text"),
        (Role::Border, "border"),
        (Role::BorderFocus, "border_focus"),
        (Role::Title, "title"),
        (Role::Muted, "muted"),
        (Role::Header, "header"),
        (Role::Selection, "selection"),
        (Role::Marked, "marked"),
        (Role::Expired, "expired"),
        (Role::Malformed, "malformed"),
        (Role::Dlq, "dlq"),
        (Role::Secret, "secret"),
        (Role::Located, "located"),
        (Role::Warning, "warning"),
        (Role::Error, "error"),
        (Role::Success, "success"),
        (Role::JsonKey, "json_key"),
        (Role::JsonString, "json_string"),
        (Role::JsonNumber, "json_number"),
        (Role::JsonBool, "json_bool"),
        (Role::JsonNull, "json_null"),
        (Role::JsonPunct, "json_punct"),
        (Role::TabActive, "tab_active"),
        (Role::Status, "status"),
        (Role::Key, "key"),
        (Role::Gauge, "gauge"),
        (Role::Danger, "danger"),
    ];

    fn index(self) -> usize {
        Role::ALL
            .iter()
            .position(|(r, _)| *r == self)
            .unwrap_or_default()
    }
}

/// The built-in themes: name and file text.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("solarized", include_str!("../../themes/solarized.toml")),
];

/// The theme used when none is named.
pub const DEFAULT_THEME: &str = "dark";

/// Why a theme cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    /// No built-in theme and no user file of that name.
    #[error("unknown theme `{name}` (built-in: {available}; or add {hint})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The built-in names.
        available: String,
        /// Where a user theme would be.
        hint: String,
    },
    /// The user theme file cannot be read.
    #[error("{path}: cannot read the theme: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a valid theme.
    #[error("{origin}: {message}")]
    Invalid {
        /// The file or built-in name.
        origin: String,
        /// What is wrong, naming the role.
        message: String,
    },
}

/// A style per role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// The theme's name.
    pub name: String,
    styles: Vec<Style>,
}

impl Theme {
    /// The style of a role.
    pub fn style(&self, role: Role) -> Style {
        self.styles[role.index()]
    }

    /// The default theme.
    pub fn default_theme() -> Theme {
        let text = BUILT_IN[0].1;
        let base = Theme {
            name: DEFAULT_THEME.into(),
            styles: vec![Style::default(); Role::ALL.len()],
        };
        // The built-in default is checked by a test; fall back to plain
        // styles rather than fail if it ever does not parse.
        base.overlay(DEFAULT_THEME, text, DEFAULT_THEME)
            .unwrap_or_else(|_| Theme {
                name: DEFAULT_THEME.into(),
                styles: vec![Style::default(); Role::ALL.len()],
            })
    }

    /// Find a theme: `<config_dir>/themes/NAME.toml` first, then the
    /// built-ins. Roles a file leaves out come from the default theme.
    pub fn load(name: &str, config_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let user = config_dir.map(|d| d.join("themes").join(format!("{name}.toml")));
        if let Some(path) = user.as_ref().filter(|p| p.exists()) {
            let text = std::fs::read_to_string(path).map_err(|source| ThemeError::Read {
                path: path.clone(),
                source,
            })?;
            return Theme::default_theme().overlay(name, &text, &path.display().to_string());
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => Theme::default_theme().overlay(name, text, name),
            None => Err(ThemeError::Unknown {
                name: name.into(),
                available: Self::names(None).join(", "),
                hint: user.map_or_else(
                    || "a theme file in the config directory".into(),
                    |p| p.display().to_string(),
                ),
            }),
        }
    }

    /// Theme names: built-in ones and the user's theme files.
    pub fn names(config_dir: Option<&Path>) -> Vec<String> {
        let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
        if let Some(dir) = config_dir {
            if let Ok(entries) = std::fs::read_dir(dir.join("themes")) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.extension().is_some_and(|e| e == "toml") {
                        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                            if !names.iter().any(|n| n == stem) {
                                names.push(stem.to_string());
                            }
                        }
                    }
                }
            }
        }
        names
    }

    /// This theme with the roles of a theme file applied over it.
    fn overlay(mut self, name: &str, text: &str, origin: &str) -> Result<Theme, ThemeError> {
        let invalid = |message: String| ThemeError::Invalid {
            origin: origin.to_string(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].matches('\n').count() + 1)
                .map_or_else(String::new, |l| format!("line {l}: "));
            invalid(format!("{line}{}", e.message().trim()))
        })?;
        for (key, value) in &table {
            if key == "name" {
                continue;
            }
            let Some((role, _)) = Role::ALL.iter().find(|(_, n)| n == key) else {
                return Err(invalid(format!(
                    "unknown role `{key}` (roles: {})",
                    Role::ALL.map(|(_, n)| n).join(", ")
                )));
            };
            let style = parse_style(value).map_err(|m| invalid(format!("role `{key}`: {m}")))?;
            self.styles[role.index()] = style;
        }
        self.name = name.to_string();
        Ok(self)
    }

    /// The theme without colors (for `NO_COLOR`): modifiers stay, and the
    /// selection is shown reversed.
    pub fn without_colors(mut self) -> Theme {
        for style in &mut self.styles {
            let modifiers = style.add_modifier;
            *style = Style::default().add_modifier(modifiers);
        }
        let selection = Role::Selection.index();
        self.styles[selection] = Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        let active = Role::TabActive.index();
        self.styles[active] = self.styles[active].add_modifier(Modifier::REVERSED);
        let marked = Role::Marked.index();
        self.styles[marked] = self.styles[marked].add_modifier(Modifier::BOLD);
        self
    }

    /// Whether `NO_COLOR` asks for no colors.
    pub fn no_color_requested() -> bool {
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
    }
}

/// `"red"` (a foreground color) or `{ fg, bg, bold, italic, underline,
/// reversed, dim }`.
fn parse_style(value: &toml::Value) -> Result<Style, String> {
    match value {
        toml::Value::String(color) => Ok(Style::default().fg(parse_color(color)?)),
        toml::Value::Table(table) => {
            let mut style = Style::default();
            for (key, value) in table {
                match (key.as_str(), value) {
                    ("fg", toml::Value::String(c)) => style = style.fg(parse_color(c)?),
                    ("bg", toml::Value::String(c)) => style = style.bg(parse_color(c)?),
                    (flag, toml::Value::Boolean(on)) => {
                        let modifier = match flag {
                            "bold" => Modifier::BOLD,
                            "italic" => Modifier::ITALIC,
                            "underline" => Modifier::UNDERLINED,
                            "reversed" => Modifier::REVERSED,
                            "dim" => Modifier::DIM,
                            other => return Err(format!("unknown attribute `{other}`")),
                        };
                        if *on {
                            style = style.add_modifier(modifier);
                        }
                    }
                    (other, _) => {
                        return Err(format!(
                            "unknown or mistyped attribute `{other}` (use fg, bg = \"color\"; bold, italic, underline, reversed, dim = true)"
                        ));
                    }
                }
            }
            Ok(style)
        }
        _ => Err("expected a color name or a table like { fg = \"red\", bold = true }".into()),
    }
}

fn parse_color(text: &str) -> Result<Color, String> {
    Color::from_str(text).map_err(|_| {
        format!("bad color `{text}` (use a name like red, darkgray, lightblue, a #rrggbb value or 0-255)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_theme_parses() {
        for (name, _) in BUILT_IN {
            let theme = Theme::load(name, None).unwrap();
            assert_eq!(theme.name, *name);
        }
    }

    #[test]
    fn bad_theme_text_names_the_role() {
        let err = Theme::default_theme()
            .overlay("x", "border = \"blurple\"\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("x.toml: role `border`: bad color `blurple`"),
            "{err}"
        );
        let err = Theme::default_theme()
            .overlay("x", "bordr = \"red\"\n", "x.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.toml: unknown role `bordr`"), "{err}");
    }
}
