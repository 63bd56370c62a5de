//! Starting operations: replay, redrive, delete, purge, export, follow, reload.

use std::collections::BTreeSet;

use super::*;
use crate::backend::file::export::Destination;
use crate::backend::{Operation, Record, SourceUri};
use crate::ops::JobControl;
use crate::tui::action::Action;
use crate::tui::app::{App, Dialog, JobState, Level, LoadState, Mode, PendingOp, View};
use crate::tui::jobs::Effect;
use crate::tui::safe::Safe;

/// The rows an operation acts on: the selection, or the row under the cursor.
pub(super) fn operation_rows(app: &App) -> Vec<usize> {
    if app.marks.is_empty() {
        app.current_row().into_iter().collect()
    } else {
        app.marks.iter().collect()
    }
}

/// The event ids of `rows` (rows whose record does not decode are left out).
fn event_ids(app: &App, rows: &[usize]) -> BTreeSet<String> {
    rows.iter()
        .filter_map(|r| app.store.record(*r))
        .filter_map(|(record, _)| record.decode().ok().map(|(e, _)| e.id))
        .collect()
}

pub(super) fn busy(app: &mut App) -> bool {
    if let Some(job) = &app.job {
        let text = format!("a {} is running: wait for it or cancel it (X)", job.verb);
        status(app, Level::Warning, &text);
        return true;
    }
    false
}

pub(super) fn new_job(
    app: &mut App,
    verb: &'static str,
    target: &str,
    reload: bool,
) -> (u64, JobControl) {
    let id = app.next_job;
    app.next_job += 1;
    let control = JobControl::new();
    app.job = Some(JobState {
        id,
        verb,
        target: Safe::masked(target),
        progress: Default::default(),
        control: control.clone(),
        reload,
    });
    (id, control)
}

/// Whether `target` names one of the open sources.
pub(super) fn is_open_source(app: &App, target: &str) -> bool {
    let normalized = SourceUri::parse(target).map(|u| u.to_uri_string());
    app.sources
        .iter()
        .any(|s| s.uri() == target || normalized.as_deref().is_ok_and(|n| n == s.uri()))
}

pub(super) fn start_replay(app: &mut App, text: &str) {
    if busy(app) {
        return;
    }
    // `TARGET [--rate N/s | --pace original[:SPEED]]`.
    let (target, pace) = match crate::ops::Pace::split_target(text) {
        Ok(split) => split,
        Err(error) => {
            status(app, Level::Error, &error);
            return;
        }
    };
    let target = target.as_str();
    let rows = match app.edited {
        Some(_) => app.current_row().into_iter().collect(),
        None => operation_rows(app),
    };
    // Where the events come from, for the journal.
    let mut sources: Vec<String> = rows
        .iter()
        .filter_map(|&row| app.store.slot(row))
        .filter_map(|slot| app.sources.get(slot).map(|s| s.uri().to_string()))
        .collect();
    sources.sort();
    sources.dedup();
    let (records, events, count) = match app.edited.take() {
        Some(event) => (Vec::new(), vec![event], 1),
        None => {
            let records: Vec<Record> = rows
                .into_iter()
                .filter_map(|row| app.store.record(row).map(|(r, _)| r.clone()))
                .collect();
            let count = records.len();
            (records, Vec::new(), count)
        }
    };
    let reload = is_open_source(app, target);
    let (job, control) = new_job(app, "replay", target, reload);
    app.effects.push(Effect::Replay {
        job,
        control,
        target: target.to_string(),
        records,
        events,
        sources,
        pace,
    });
    status(
        app,
        Level::Info,
        &format!("replaying {count} events to {target}…"),
    );
}

pub(super) fn start_redrive(app: &mut App, target: Option<String>) {
    if busy(app) {
        return;
    }
    let Some(slot) = app
        .scoped_source()
        .or_else(|| app.current_row().and_then(|r| app.store.slot(r)))
    else {
        status(app, Level::Warning, "nothing to redrive: no source");
        return;
    };
    let source = &app.sources[slot];
    let name = source.uri().to_string();
    let Some(backend) = source.backend.clone() else {
        status(app, Level::Warning, &format!("{name} is not open yet"));
        return;
    };
    if target.is_none() && !source.is_dlq() {
        status(
            app,
            Level::Warning,
            &format!(
                "{name} is not a dead-letter queue; scope to a DLQ ([ ]) or name a target: `:redrive TARGET`"
            ),
        );
        return;
    }
    if !backend.capabilities().can(Operation::Redrive) {
        status(
            app,
            Level::Warning,
            &format!(
                "{name} cannot give events up (the demo and stdin are read-only; export it to a file and open that to redrive)"
            ),
        );
        return;
    }
    let loaded = source.loaded;
    if refuse_by_read_only(app, backend.as_ref(), &Action::Redrive) {
        return;
    }
    let (ids, count) = if app.marks.is_empty() {
        (None, loaded)
    } else {
        let rows: Vec<usize> = app
            .marks
            .iter()
            .filter(|r| app.store.slot(*r) == Some(slot))
            .collect();
        if rows.is_empty() {
            let text = format!(
                "none of the {} selected events is in {name}",
                app.marks.count()
            );
            status(app, Level::Warning, &text);
            return;
        }
        let ids = event_ids(app, &rows);
        let count = ids.len();
        (Some(ids), count)
    };
    app.effects.push(Effect::PlanRedrive {
        slot,
        backend,
        target,
        ids,
        count,
    });
    status(
        app,
        Level::Info,
        &format!("planning the redrive of {name}…"),
    );
}

/// Refuse `action` when `backend` was opened read-only (its capabilities
/// say so), with the same words as a disabled key.
fn refuse_by_read_only(
    app: &mut App,
    backend: &dyn crate::backend::Backend,
    action: &Action,
) -> bool {
    let read_only = backend.capabilities().read_only;
    if read_only {
        disabled_by_read_only(app, action);
    }
    read_only
}

/// Whether `slot`'s source can do `operation` (delete or purge), as its
/// capabilities say; otherwise says why in the status bar.
fn removable(app: &mut App, slot: usize, verb: &str, operation: Operation) -> bool {
    let source = &app.sources[slot];
    let name = source.uri().to_string();
    let Some(backend) = source.backend.clone() else {
        status(app, Level::Warning, &format!("{name} is not open yet"));
        return false;
    };
    if !backend.capabilities().can(operation) {
        let text = match backend.cannot(operation) {
            Some(why) => format!("{name}: cannot {verb}: {why}"),
            None => {
                format!(
                    "{name} cannot change: nothing to {verb} (the demo and stdin are read-only)"
                )
            }
        };
        status(app, Level::Warning, &text);
        return false;
    }
    let action = match operation {
        Operation::Purge => Action::Purge,
        _ => Action::Delete,
    };
    !refuse_by_read_only(app, backend.as_ref(), &action)
}

/// Ask before deleting the selected events (or the one under the cursor).
pub(super) fn start_delete(app: &mut App) {
    if busy(app) {
        return;
    }
    let rows = operation_rows(app);
    if rows.is_empty() {
        status(app, Level::Warning, "nothing to delete: no event here");
        return;
    }
    let slots: BTreeSet<usize> = rows.iter().filter_map(|r| app.store.slot(*r)).collect();
    let [slot] = slots.iter().copied().collect::<Vec<_>>()[..] else {
        let text = format!(
            "the {} selected events come from {} sources: delete from one at a time (scope with [ ])",
            rows.len(),
            slots.len()
        );
        status(app, Level::Warning, &text);
        return;
    };
    if !removable(app, slot, "delete", Operation::Delete) {
        return;
    }
    let ids = event_ids(app, &rows);
    if ids.is_empty() {
        status(
            app,
            Level::Warning,
            "nothing to delete: the events are unreadable (no id)",
        );
        return;
    }
    let name = app.sources[slot].uri().to_string();
    let count = ids.len();
    let what = match (&ids.first(), app.marks.is_empty()) {
        (Some(id), true) => format!("Delete the event {id}"),
        _ => format!("Delete the {count} selected events"),
    };
    let mut body = vec![
        Safe::masked(&what),
        Safe::masked(&format!("from  {name}")),
        Safe::masked(""),
        Safe::masked("They are gone for good: this cannot be undone."),
    ];
    if app.sources[slot].info.as_ref().map(|i| i.kind) == Some(crate::backend::SourceKind::Sqs) {
        body.push(Safe::masked(
            "SQS: evscope receives the queue's messages to find these (each receive counts).",
        ));
    }
    if count < rows.len() {
        body.push(Safe::masked(&format!(
            "({} selected rows share ids: every event with one of these ids goes)",
            rows.len()
        )));
    }
    app.dialog = Some(Dialog::Confirm {
        title: Safe::masked(&format!(
            "Delete {count} event{} from {name}?",
            if count == 1 { "" } else { "s" }
        )),
        body,
        op: PendingOp::Delete { slot, ids },
    });
    app.mode = Mode::Dialog;
}

/// Ask before purging the scoped source (or the one under the cursor).
pub(super) fn start_purge(app: &mut App) {
    if busy(app) {
        return;
    }
    let Some(slot) = app
        .scoped_source()
        .or_else(|| app.current_row().and_then(|r| app.store.slot(r)))
        .or((app.sources.len() == 1).then_some(0))
    else {
        status(
            app,
            Level::Warning,
            "nothing to purge: scope to a source ([ ]) or put the cursor on one of its events",
        );
        return;
    };
    if !removable(app, slot, "purge", Operation::Purge) {
        return;
    }
    let source = &app.sources[slot];
    let name = source.uri().to_string();
    let count = source
        .info
        .as_ref()
        .and_then(|i| i.count)
        .map_or(source.loaded, |c| c as usize);
    let mut body = vec![
        Safe::masked(&format!("Delete ALL {count} events of")),
        Safe::masked(&format!("      {name}")),
        Safe::masked(""),
        Safe::masked("They are gone for good: this cannot be undone."),
    ];
    if source.info.as_ref().map(|i| i.kind) == Some(crate::backend::SourceKind::Sqs) {
        body.push(Safe::masked(
            "SQS may take up to 60 seconds, and allows one purge per queue every 60 seconds.",
        ));
    }
    app.dialog = Some(Dialog::Confirm {
        title: Safe::masked(&format!("Purge {name} ({count} events)?")),
        body,
        op: PendingOp::Purge { slot },
    });
    app.mode = Mode::Dialog;
}

pub(super) fn start_export(app: &mut App, path: &str) {
    if busy(app) {
        return;
    }
    let rows: Vec<usize> = if app.marks.is_empty() {
        (0..app.shown()).filter_map(|p| app.row_at(p)).collect()
    } else {
        app.marks.iter().collect()
    };
    let records = records_of(app, rows.iter().copied());
    let mut sources = Vec::new();
    for record in &records {
        if let Record::Line { file, .. } = record {
            if let Some(id) = file.identity().filter(|id| !sources.contains(id)) {
                sources.push(id);
            }
        }
    }
    let destination = match Destination::find(std::path::Path::new(path), &sources) {
        Ok(Destination::Stdout) => {
            status(
                app,
                Level::Error,
                "export: the terminal UI cannot write to standard output; name a file",
            );
            return;
        }
        Ok(destination) => destination,
        Err(error) => {
            status(app, Level::Error, &format!("export: {error}"));
            return;
        }
    };
    if destination.replaces_a_file() {
        if let Err(error) = destination.check_overwrite(true, app.read_only) {
            status(app, Level::Error, &format!("export: {error}"));
            return;
        }
        app.dialog = Some(Dialog::Confirm {
            title: Safe::new(&format!("Replace {path}?")),
            body: vec![Safe::new(&format!(
                "{path} exists: it will be replaced by {} exported events (its mode, owner and links are kept).",
                records.len()
            ))],
            op: PendingOp::Export {
                destination,
                rows,
                epoch: app.epoch,
            },
        });
        app.mode = Mode::Dialog;
        return;
    }
    run_export(app, destination, records);
}

/// The records of these rows.
pub(super) fn records_of(app: &App, rows: impl IntoIterator<Item = usize>) -> Vec<Record> {
    rows.into_iter()
        .filter_map(|row| app.store.record(row).map(|(r, _)| r.clone()))
        .collect()
}

/// Start writing `records` to `destination`.
pub(super) fn run_export(app: &mut App, destination: Destination, records: Vec<Record>) {
    let path = destination.name();
    let count = records.len();
    let (job, control) = new_job(app, "export", &path, false);
    app.effects.push(Effect::Export {
        job,
        control,
        destination,
        records,
    });
    status(
        app,
        Level::Info,
        &format!("exporting {count} events to {path}…"),
    );
}

/// Follow one loaded source again (after it was read again); `false`
/// when it cannot be followed.
pub(super) fn follow_slot(app: &mut App, slot: usize) -> bool {
    let Some(source) = app.sources.get(slot) else {
        return false;
    };
    let Some(backend) = source.backend.clone() else {
        return false;
    };
    if !backend.capabilities().tail {
        return false;
    }
    let confirmed = app.follow_confirmed.contains(source.uri());
    app.effects.push(Effect::Follow {
        epoch: app.epoch,
        slot,
        backend,
        confirmed,
    });
    app.following = true;
    true
}

pub(super) fn toggle_follow(app: &mut App) {
    if app.following {
        app.following = false;
        app.follow_cautions.clear();
        app.effects.push(Effect::StopFollowing);
        let what = if app.holding.values().any(|s| s.held > 0) {
            "stopped following: releasing the messages held…"
        } else {
            "stopped following"
        };
        status(app, Level::Info, what);
        return;
    }
    let followed = (0..app.sources.len())
        .filter(|&slot| follow_slot(app, slot))
        .count();
    if followed == 0 {
        status(
            app,
            Level::Warning,
            "none of these sources can be followed (the demo and stdin do not change)",
        );
        return;
    }
    app.following = true;
    app.cursor = app.shown().saturating_sub(1);
    status(
        app,
        Level::Info,
        &format!(
            "following {followed} source{} for new events (t stops)",
            if followed == 1 { "" } else { "s" }
        ),
    );
}

/// Read every source again (after an operation changed them).
pub(super) fn reload(app: &mut App) {
    app.effects.push(Effect::StopLoading);
    app.epoch += 1;
    app.following = false;
    app.follow_cautions.clear();
    app.holding.clear();
    app.follow_seen.clear();
    app.refollow.clear();
    app.store = Default::default();
    app.marks.clear();
    app.detail.document = None;
    app.detail.built_for = None;
    app.filter.generation += 1;
    app.filter.hits.clear();
    app.view = View::default();
    app.flows.parts.clear();
    app.flows.result = None;
    app.flows.generation += 1;
    super::sort::recompute_values(app);
    for (slot, source) in app.sources.iter_mut().enumerate() {
        source.loaded = 0;
        source.expired = 0;
        source.malformed = 0;
        source.contract_violations = 0;
        source.at_max_receives = 0;
        source.state = LoadState::Opening;
        app.effects.push(Effect::Open {
            epoch: app.epoch,
            slot,
            uri: source.uri.clone(),
        });
    }
    rebuild_view(app);
}

/// Ask the next waiting follow caution, when no dialog is open.
pub(super) fn next_follow_caution(app: &mut App) {
    while app.dialog.is_none() {
        let Some((epoch, slot, caution)) = app.follow_cautions.pop_front() else {
            return;
        };
        if !app.following || epoch != app.epoch {
            continue;
        }
        let Some(source) = app.sources.get(slot) else {
            continue;
        };
        let uri = source.uri().to_string();
        if app.follow_confirmed.contains(&uri) {
            if let Some(backend) = source.backend.clone() {
                app.effects.push(Effect::Follow {
                    epoch,
                    slot,
                    backend,
                    confirmed: true,
                });
            }
            continue;
        }
        let consumed = if caution.consumed { "yes" } else { "no" };
        let body = vec![
            Safe::new(&caution.text),
            Safe::new(""),
            Safe::new(&format!(
                "in flight now: {} · looks consumed: {consumed}",
                caution.in_flight
            )),
            Safe::new(
                "The status bar shows what evscope holds; t stops following and releases it at once.",
            ),
        ];
        app.dialog = Some(crate::tui::app::Dialog::Confirm {
            title: Safe::new(&format!("Follow {uri}?")),
            body,
            op: crate::tui::app::PendingOp::Follow { epoch, slot },
        });
        app.mode = crate::tui::app::Mode::Dialog;
    }
}
