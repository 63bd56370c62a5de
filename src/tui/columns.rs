//! The events table's columns: which show, in what order and how wide
//! (`[columns]` in the config, `:columns` in the TUI), and columns of the
//! user's own, read from each event by a JSONPath into its capture
//! document (`:column add amount $.body.data.amount`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::safe::Safe;
use super::store::Chunked;
use crate::analyze::field::{FieldPath, label_of, number_of};
use crate::capture::Document;

/// A column of the events table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnId {
    /// The flag letters and the flow-state marker.
    Flags,
    /// The publish time.
    Time,
    /// The event type.
    Type,
    /// The event id.
    Id,
    /// The partition key or message group id.
    Key,
    /// How often the event was received.
    Receives,
    /// The correlation id.
    Correlation,
    /// The n-th custom column.
    Custom(usize),
}

/// The built-in columns, in their default order, with their names.
pub const BUILT_IN: [(ColumnId, &str); 7] = [
    (ColumnId::Flags, "flags"),
    (ColumnId::Time, "time"),
    (ColumnId::Type, "type"),
    (ColumnId::Id, "id"),
    (ColumnId::Key, "key"),
    (ColumnId::Receives, "rcv"),
    (ColumnId::Correlation, "correlation"),
];

/// Width of the flags column: five letters and the flow-state marker.
pub const FLAGS_WIDTH: usize = 6;

/// How a column takes its width: fixed, or a share of what is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sizing {
    Fixed(usize),
    /// Shares of the free width when wide, and when narrow (0: hidden).
    Share {
        wide: usize,
        narrow: usize,
    },
}

impl ColumnId {
    fn sizing(self) -> Sizing {
        match self {
            ColumnId::Flags => Sizing::Fixed(FLAGS_WIDTH),
            ColumnId::Time => Sizing::Fixed(14),
            ColumnId::Receives => Sizing::Fixed(3),
            ColumnId::Type => Sizing::Share {
                wide: 24,
                narrow: 30,
            },
            ColumnId::Id => Sizing::Share {
                wide: 28,
                narrow: 36,
            },
            ColumnId::Key => Sizing::Share {
                wide: 18,
                narrow: 0,
            },
            ColumnId::Correlation => Sizing::Share {
                wide: 30,
                narrow: 34,
            },
            ColumnId::Custom(_) => Sizing::Share {
                wide: 20,
                narrow: 20,
            },
        }
    }
}

/// A shown column, with the width the user gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Which column.
    pub id: ColumnId,
    /// Its width in cells, when the user fixed one.
    pub width: Option<u16>,
}

/// A column of the user's: a name and a path.
#[derive(Debug, Clone)]
pub struct CustomColumn {
    /// Its name (the header shows it in capitals).
    pub name: String,
    /// Where its value is.
    pub path: FieldPath,
}

/// A custom column's value in one row: escaped and masked text, and the
/// number it holds when it is one (for sorting).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// What the table shows.
    pub text: Safe,
    /// The value as a number, when it is one.
    pub number: Option<f64>,
}

/// Longest custom value kept.
const CELL_MAX: usize = 200;

impl CustomColumn {
    /// The value of this column in an inspected event (secrets masked).
    pub fn cell(&self, document: &Document) -> Option<Cell> {
        let value = self.path.find(document)?;
        Some(Cell {
            text: Safe::capped(&label_of(&value), CELL_MAX),
            number: number_of(&value),
        })
    }
}

/// `[columns]` in the config file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ColumnsConfig {
    /// The columns shown, in order (built-in and custom names).
    pub show: Option<Vec<String>>,
    /// Fixed widths by column name.
    #[serde(default)]
    pub width: BTreeMap<String, u16>,
    /// Columns read from each event by a JSONPath.
    #[serde(default)]
    pub custom: Vec<CustomColumnConfig>,
}

/// `[[columns.custom]]` in the config file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustomColumnConfig {
    /// The column's name.
    pub name: String,
    /// A JSONPath into the capture document (`$.body.data.amount`).
    pub path: String,
}

/// The table's columns: the shown ones in order, the custom ones, and the
/// values of the custom ones per row (computed in the background).
#[derive(Debug, Clone)]
pub struct TableColumns {
    /// The shown columns, left to right.
    pub shown: Vec<ColumnSpec>,
    /// The custom columns (shown or not).
    pub custom: Vec<CustomColumn>,
    /// Per custom column, its value per row, filled in row order.
    pub values: Vec<Chunked<Option<Cell>>>,
    /// Bumped whenever the custom columns change; older values are dropped.
    pub generation: u64,
}

impl Default for TableColumns {
    fn default() -> Self {
        TableColumns {
            shown: BUILT_IN
                .iter()
                .map(|(id, _)| ColumnSpec {
                    id: *id,
                    width: None,
                })
                .collect(),
            custom: Vec::new(),
            values: Vec::new(),
            generation: 0,
        }
    }
}

/// Widest column a user can ask for.
const WIDTH_MAX: u16 = 500;

impl TableColumns {
    /// The columns a config asks for.
    pub fn from_config(config: &ColumnsConfig) -> Result<TableColumns, String> {
        let mut columns = TableColumns::default();
        for custom in &config.custom {
            columns.add_custom(&custom.name, &custom.path)?;
        }
        if let Some(show) = &config.show {
            columns.show(show.iter().map(String::as_str))?;
        }
        for (name, width) in &config.width {
            columns.set_width(name, Some(*width))?;
        }
        Ok(columns)
    }

    /// The name of a column.
    pub fn name(&self, id: ColumnId) -> &str {
        match id {
            ColumnId::Custom(n) => self.custom.get(n).map_or("?", |c| c.name.as_str()),
            id => BUILT_IN
                .iter()
                .find(|(b, _)| *b == id)
                .map_or("?", |(_, name)| name),
        }
    }

    /// What the header shows for a column.
    pub fn header(&self, id: ColumnId) -> String {
        match id {
            ColumnId::Time => "TIME (UTC)".into(),
            id => self.name(id).to_uppercase(),
        }
    }

    /// The column a name means (any case).
    pub fn find(&self, name: &str) -> Option<ColumnId> {
        let name = name.trim().to_lowercase();
        BUILT_IN
            .iter()
            .find(|(_, n)| *n == name || (name == "receives" && *n == "rcv"))
            .map(|(id, _)| *id)
            .or_else(|| {
                self.custom
                    .iter()
                    .position(|c| c.name.to_lowercase() == name)
                    .map(ColumnId::Custom)
            })
    }

    /// Every column name, built-in then custom (for completion and errors).
    pub fn names(&self) -> Vec<String> {
        BUILT_IN
            .iter()
            .map(|(_, n)| n.to_string())
            .chain(self.custom.iter().map(|c| c.name.clone()))
            .collect()
    }

    fn unknown(&self, name: &str) -> String {
        format!("no column `{name}` (columns: {})", self.names().join(", "))
    }

    /// Add a custom column (not shown yet). Its values start empty.
    pub fn add_custom(&mut self, name: &str, path: &str) -> Result<ColumnId, String> {
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(format!(
                "column name `{name}`: use letters, digits, `_` and `-`"
            ));
        }
        if self.find(name).is_some() {
            return Err(format!("there is a column `{name}` already"));
        }
        let path = FieldPath::parse(path).map_err(|e| format!("column `{name}`: {e}"))?;
        self.custom.push(CustomColumn {
            name: name.to_string(),
            path,
        });
        self.values.push(Chunked::default());
        self.generation += 1;
        Ok(ColumnId::Custom(self.custom.len() - 1))
    }

    /// Remove a custom column (and hide it).
    pub fn remove_custom(&mut self, name: &str) -> Result<(), String> {
        let Some(ColumnId::Custom(n)) = self.find(name) else {
            return Err(format!("`{name}` is not a custom column"));
        };
        self.custom.remove(n);
        self.values.remove(n);
        self.shown.retain(|s| s.id != ColumnId::Custom(n));
        for spec in &mut self.shown {
            if let ColumnId::Custom(m) = &mut spec.id {
                if *m > n {
                    *m -= 1;
                }
            }
        }
        self.generation += 1;
        Ok(())
    }

    /// Show these columns, in this order; each name may carry a width
    /// (`type:20`).
    pub fn show<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
        let mut shown = Vec::new();
        for word in names {
            let (name, width) = match word.split_once(':') {
                Some((name, width)) => (name, Some(parse_width(name, width)?)),
                None => (word, None),
            };
            let id = self.find(name).ok_or_else(|| self.unknown(name))?;
            if shown.iter().any(|s: &ColumnSpec| s.id == id) {
                return Err(format!("column `{name}` is named twice"));
            }
            let width = width.or_else(|| self.spec(id).and_then(|s| s.width));
            shown.push(ColumnSpec { id, width });
        }
        if shown.is_empty() {
            return Err("name at least one column".into());
        }
        self.shown = shown;
        Ok(())
    }

    /// Fix a column's width, or let it share the free width (`None`).
    pub fn set_width(&mut self, name: &str, width: Option<u16>) -> Result<(), String> {
        let id = self.find(name).ok_or_else(|| self.unknown(name))?;
        if let Some(w) = width {
            parse_width(name, &w.to_string())?;
        }
        for spec in self.shown.iter_mut().filter(|s| s.id == id) {
            spec.width = width;
        }
        Ok(())
    }

    fn spec(&self, id: ColumnId) -> Option<&ColumnSpec> {
        self.shown.iter().find(|s| s.id == id)
    }

    /// The shown columns as `:columns` takes them (`flags time type:20`).
    pub fn describe(&self) -> String {
        self.shown
            .iter()
            .map(|s| match s.width {
                Some(w) => format!("{}:{w}", self.name(s.id)),
                None => self.name(s.id).to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The custom columns shown, with their index.
    pub fn shown_custom(&self) -> impl Iterator<Item = usize> + '_ {
        self.shown.iter().filter_map(|s| match s.id {
            ColumnId::Custom(n) => Some(n),
            _ => None,
        })
    }

    /// A custom column's value in a row: `None` while not computed yet,
    /// `Some(None)` when the event has no such value.
    pub fn value(&self, n: usize, row: usize) -> Option<Option<&Cell>> {
        self.values.get(n)?.get(row).map(Option::as_ref)
    }

    /// The width of each shown column for a table `width` cells wide
    /// (after the mark column; one space follows each column). Columns
    /// that share the free width split it by their shares; when it is
    /// narrow the key column gives its place to the others.
    pub fn widths(&self, width: usize, mark: usize) -> Vec<usize> {
        let sizing: Vec<Sizing> = self
            .shown
            .iter()
            .map(|s| match s.width {
                Some(w) => Sizing::Fixed(w as usize),
                None => s.id.sizing(),
            })
            .collect();
        let fixed: usize = sizing
            .iter()
            .map(|s| match s {
                Sizing::Fixed(w) => *w,
                Sizing::Share { .. } => 0,
            })
            .sum();
        let mut free = width.saturating_sub(mark + fixed + self.shown.len());
        let wide_total: usize = sizing
            .iter()
            .map(|s| match s {
                Sizing::Share { wide, .. } => *wide,
                Sizing::Fixed(_) => 0,
            })
            .sum();
        let narrow = free * 100 < 47 * wide_total;
        let share = |s: &Sizing| match s {
            Sizing::Share { wide, .. } if !narrow => *wide,
            Sizing::Share { narrow, .. } => *narrow,
            Sizing::Fixed(_) => 0,
        };
        // A hidden column gives its separator back.
        free += sizing
            .iter()
            .filter(|s| matches!(s, Sizing::Share { .. }) && share(s) == 0)
            .count();
        let total: usize = sizing.iter().map(share).sum::<usize>().max(1);
        let last = sizing.iter().rposition(|s| share(s) > 0);
        let mut given = 0;
        sizing
            .iter()
            .enumerate()
            .map(|(i, s)| match s {
                Sizing::Fixed(w) => *w,
                Sizing::Share { .. } if Some(i) == last => free.saturating_sub(given),
                s => {
                    let w = free * share(s) / total;
                    given += w;
                    w
                }
            })
            .collect()
    }
}

fn parse_width(name: &str, width: &str) -> Result<u16, String> {
    match width.trim().parse::<u16>() {
        Ok(w) if (1..=WIDTH_MAX).contains(&w) => Ok(w),
        _ => Err(format!(
            "column `{name}`: width `{width}` should be a number from 1 to {WIDTH_MAX}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_widths_share_the_free_space_and_drop_the_key_when_narrow() {
        let columns = TableColumns::default();
        // 100 cells: 100 - 1 - (6 + 14 + 3) - 7 = 69 free.
        assert_eq!(columns.widths(100, 1), vec![6, 14, 16, 19, 12, 3, 22]);
        // 60 cells: 29 free, too narrow for the key; its separator is given back.
        assert_eq!(columns.widths(60, 1), vec![6, 14, 9, 10, 0, 3, 11]);
    }

    #[test]
    fn custom_columns_show_in_order_with_widths() {
        let mut columns = TableColumns::default();
        columns.add_custom("amount", "$.body.data.amount").unwrap();
        columns.show(["time", "amount:10", "TYPE"]).unwrap();
        assert_eq!(columns.describe(), "time amount:10 type");
        assert_eq!(columns.widths(60, 1), vec![14, 10, 32]);
        assert_eq!(columns.header(ColumnId::Custom(0)), "AMOUNT");
        assert!(columns.show(["nope"]).unwrap_err().contains("amount"));
        assert!(columns.show(["time", "time"]).is_err());
        assert!(columns.show(["time:0"]).is_err());
        assert!(columns.add_custom("amount", "$.x").is_err());
        assert!(columns.add_custom("bad name", "$.x").is_err());
        assert!(columns.add_custom("x", "$.[").is_err());
        columns.remove_custom("amount").unwrap();
        assert_eq!(columns.describe(), "time type");
    }

    #[test]
    fn a_config_names_columns_custom_ones_and_widths() {
        let config: ColumnsConfig = toml::from_str(
            r#"
            show = ["flags", "time", "amount", "id"]
            width = { id = 30 }
            [[custom]]
            name = "amount"
            path = "$.body.data.amount"
            "#,
        )
        .unwrap();
        let columns = TableColumns::from_config(&config).unwrap();
        assert_eq!(columns.describe(), "flags time amount id:30");
        let bad = ColumnsConfig {
            show: Some(vec!["nope".into()]),
            ..Default::default()
        };
        assert!(TableColumns::from_config(&bad).is_err());
    }
}
