//! Sorting the table (`o`, `O`, `:sort`) and choosing its columns
//! (`:columns`, `:column add|remove`). Sorts and custom values are computed
//! in the background; this asks for them and takes their answers.

use std::sync::Arc;

use super::*;
use crate::tui::app::{App, Level};
use crate::tui::column_values::ColumnJob;
use crate::tui::columns::ColumnId;
use crate::tui::jobs::Effect;
use crate::tui::sort::{SortJob, SortKey};

/// Sort the shown rows again from scratch (the view was rebuilt).
pub(super) fn restart(app: &mut App) {
    app.sort.running = false;
    app.sort.again = false;
    request(app);
}

/// Ask for a sort of the rows shown now; while one runs, ask again when it
/// ends (rows keep arriving while a big source loads).
pub(super) fn request(app: &mut App) {
    let Some(key) = app.sort.key else {
        app.view.sorted = None;
        return;
    };
    if app.sort.running {
        app.sort.again = true;
        return;
    }
    app.sort.generation += 1;
    app.sort.running = true;
    let values = match key.column {
        ColumnId::Custom(n) => app.columns.values.get(n).cloned(),
        _ => None,
    };
    let rows = app.view.rows.clone().map(Arc::new);
    let len = rows.as_ref().map_or(app.store.len(), |r| r.len());
    app.effects.push(Effect::Sort(SortJob {
        generation: app.sort.generation,
        key,
        rows,
        len,
        summaries: app.store.summaries().clone(),
        values,
    }));
}

/// A sort's answer: show it, keeping the cursor on its event.
pub(super) fn sorted(app: &mut App, generation: u64, order: Vec<u32>) {
    if generation != app.sort.generation || app.sort.key.is_none() {
        return;
    }
    app.sort.running = false;
    let keep = app.current_row();
    app.view.sorted = Some(order);
    if let Some(at) = keep.and_then(|row| app.position_of(row)) {
        app.cursor = at;
        let rows = app.areas().table_rows().max(1);
        if app.cursor < app.offset || app.cursor >= app.offset + rows {
            app.offset = app.cursor.saturating_sub(rows / 2);
        }
    }
    if std::mem::take(&mut app.sort.again) {
        request(app);
    }
}

/// Sort by `key` (`None`: arrival order).
pub(super) fn set(app: &mut App, key: Option<SortKey>) {
    app.sort.key = key;
    let text = match key {
        Some(key) => format!(
            "sorted by {} {}",
            app.columns.name(key.column),
            if key.descending {
                "descending"
            } else {
                "ascending"
            }
        ),
        None => {
            let keep = app.current_row();
            app.view.sorted = None;
            app.cursor = keep.and_then(|row| app.position_of(row)).unwrap_or(0);
            "arrival order".into()
        }
    };
    restart(app);
    status(app, Level::Info, &text);
}

/// `o`: sort by the next shown column, ascending; after the last, arrival order.
pub(super) fn cycle(app: &mut App) {
    let shown: Vec<ColumnId> = app.columns.shown.iter().map(|s| s.id).collect();
    let next = match app.sort.key {
        None => shown.first().copied(),
        Some(key) => shown
            .iter()
            .position(|c| *c == key.column)
            .and_then(|at| shown.get(at + 1).copied()),
    };
    set(
        app,
        next.map(|column| SortKey {
            column,
            descending: false,
        }),
    );
}

/// `O`: flip the direction (sorting newest first when unsorted).
pub(super) fn flip(app: &mut App) {
    let key = match app.sort.key {
        Some(key) => SortKey {
            descending: !key.descending,
            ..key
        },
        None => SortKey {
            column: ColumnId::Time,
            descending: true,
        },
    };
    set(app, Some(key));
}

/// `:sort COLUMN [asc|desc]`, `:sort off`.
pub(super) fn command(app: &mut App, column: &str, direction: Option<&str>) {
    if column == "off" || column == "none" {
        set(app, None);
        return;
    }
    let Some(id) = app.columns.find(column) else {
        let text = format!(
            "sort: no column `{column}` (columns: {}, or off)",
            app.columns.names().join(", ")
        );
        status(app, Level::Error, &text);
        return;
    };
    let descending = match direction {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            let text = format!("sort: `{other}` is not a direction: asc or desc");
            status(app, Level::Error, &text);
            return;
        }
    };
    set(
        app,
        Some(SortKey {
            column: id,
            descending,
        }),
    );
}

/// Read the custom columns' values of every row again (they changed, or
/// the rows were read again).
pub(super) fn recompute_values(app: &mut App) {
    let columns = &mut app.columns;
    columns.generation += 1;
    for values in &mut columns.values {
        *values = Default::default();
    }
    if !columns.custom.is_empty() && !app.store.is_empty() {
        app.effects.push(Effect::ColumnValues(ColumnJob {
            generation: columns.generation,
            columns: Arc::new(columns.custom.clone()),
            chunks: app.store.chunks().to_vec(),
        }));
    }
}

/// Read the custom columns' values of newly loaded rows.
pub(super) fn values_of_chunk(app: &mut App, chunk: &crate::tui::store::Chunk) {
    if app.columns.custom.is_empty() {
        return;
    }
    app.effects.push(Effect::ColumnValues(ColumnJob {
        generation: app.columns.generation,
        columns: Arc::new(app.columns.custom.clone()),
        chunks: vec![chunk.clone()],
    }));
}

/// Custom values arrived.
pub(super) fn values(
    app: &mut App,
    generation: u64,
    start: usize,
    values: Vec<Vec<Option<crate::tui::columns::Cell>>>,
) {
    if generation != app.columns.generation {
        return;
    }
    for (column, values) in app.columns.values.iter_mut().zip(values) {
        column.extend_at(start, values);
    }
    if matches!(
        app.sort.key,
        Some(SortKey {
            column: ColumnId::Custom(_),
            ..
        })
    ) {
        request(app);
    }
}

/// `:columns [NAME[:WIDTH]...]`, `:columns reset`: show these columns.
pub(super) fn columns_command(app: &mut App, words: &[String]) {
    if words.is_empty() {
        let text = format!(
            "columns: {} (all: {})",
            app.columns.describe(),
            app.columns.names().join(", ")
        );
        status(app, Level::Info, &text);
        return;
    }
    let result = if words == ["reset"] {
        // The configured columns, by name (custom ones added since stay
        // available, hidden).
        let configured = app.configured_columns.describe();
        app.columns.show(configured.split(' '))
    } else {
        app.columns.show(words.iter().map(String::as_str))
    };
    match result {
        Ok(()) => {
            if app
                .sort
                .key
                .is_some_and(|k| !app.columns.shown.iter().any(|s| s.id == k.column))
            {
                set(app, None);
            }
            let text = format!("columns: {}", app.columns.describe());
            status(app, Level::Success, &text);
        }
        Err(error) => status(app, Level::Error, &format!("columns: {error}")),
    }
}

/// `:column add NAME PATH`, `:column remove NAME`.
pub(super) fn column_command(app: &mut App, verb: &str, name: &str, path: Option<&str>) {
    let result = match (verb, path) {
        ("add", Some(path)) => app.columns.add_custom(name, path).map(|id| {
            app.columns
                .shown
                .push(crate::tui::columns::ColumnSpec { id, width: None });
            format!(
                "column {name} = {path} (sort: :sort {name}; filter: @{})",
                path.trim().trim_start_matches('$')
            )
        }),
        ("add", None) => {
            Err("`column add` needs NAME PATH: column add amount $.body.data.amount".into())
        }
        ("remove", _) => {
            if app
                .sort
                .key
                .is_some_and(|k| app.columns.find(name) == Some(k.column))
            {
                set(app, None);
            }
            app.columns
                .remove_custom(name)
                .map(|()| format!("column {name} removed"))
        }
        _ => Err(format!(
            "`column {verb}`: use `column add NAME PATH` or `column remove NAME`"
        )),
    };
    match result {
        Ok(text) => {
            recompute_values(app);
            status(app, Level::Success, &text);
        }
        Err(error) => status(app, Level::Error, &error),
    }
}
