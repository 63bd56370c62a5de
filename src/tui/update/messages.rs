//! What background work reports, applied to the state.

use std::collections::HashSet;

use super::*;
use crate::backend::Record;
use crate::tui::app::{App, Dialog, JobState, Level, LoadState, Mode, PendingOp, Prompt};
use crate::tui::jobs::{Effect, JobOutcome, Msg};
use crate::tui::safe::Safe;

/// Apply what background work reported.
pub fn apply(app: &mut App, msg: Msg) {
    match msg {
        Msg::Opened {
            epoch,
            slot,
            backend,
            info,
        } if epoch == app.epoch => {
            if let Some(source) = app.sources.get_mut(slot) {
                let redriven = crate::ops::journal::redriven(backend.uri());
                app.redriven
                    .insert(slot, redriven.iter().map(|id| Safe::new(id)).collect());
                // The redrive subscription's position follows in its own message.
                app.redrive_acknowledged.remove(&slot);
                source.info = Some(info);
                source.backend = Some(backend);
                source.state = LoadState::Loading;
            }
        }
        Msg::RedriveAcknowledged {
            epoch,
            slot,
            acknowledged,
        } if epoch == app.epoch => {
            app.redrive_acknowledged.insert(slot, acknowledged);
        }
        Msg::BrowseCaution {
            epoch,
            slot,
            caution,
        } if epoch == app.epoch => {
            let Some(source) = app.sources.get(slot) else {
                return;
            };
            let uri = source.uri().to_string();
            if app.browse_confirmed.contains(&uri) {
                // One confirmation per queue and session.
                if let Some(backend) = source.backend.clone() {
                    app.effects.push(Effect::Browse {
                        epoch,
                        slot,
                        backend,
                    });
                }
                return;
            }
            let mut body: Vec<Safe> = caution.lines().map(Safe::new).collect();
            body.push(Safe::masked(""));
            body.push(Safe::masked(
                "evscope receives each message once and makes it visible again when done.",
            ));
            app.dialog = Some(Dialog::Confirm {
                title: Safe::masked(&format!("Receive from {uri}?")),
                body,
                op: PendingOp::Browse { epoch, slot },
            });
            app.mode = Mode::Dialog;
        }
        Msg::Expanded { epoch, slot, uris } if epoch == app.epoch => {
            let Some(source) = app.sources.get_mut(slot) else {
                return;
            };
            source.state = LoadState::Expanded(uris.len());
            if uris.is_empty() {
                let text = format!("{}: nothing there", source.uri);
                status(app, Level::Warning, &text);
            }
            for uri in uris {
                if !app.sources.iter().any(|s| s.uri == uri || s.uri() == uri) {
                    app.open_member(&uri, Some(slot));
                }
            }
        }
        Msg::LoadFailed { epoch, slot, error } if epoch == app.epoch => {
            if let Some(source) = app.sources.get_mut(slot) {
                source.state = LoadState::Failed(Safe::masked(&error));
            }
            if app.mode == Mode::List {
                app.dialog = Some(Dialog::Error {
                    title: Safe::masked("Cannot read a source"),
                    message: Safe::masked(&error),
                });
                app.mode = Mode::Dialog;
            }
            status(app, Level::Error, &error);
        }
        Msg::Records {
            epoch,
            slot,
            records,
        } if epoch == app.epoch => {
            if let Some(seen) = app.follow_seen.get_mut(&slot) {
                seen.extend(event_ids(&records));
            }
            push_records(app, slot, records);
        }
        Msg::Followed {
            epoch,
            slot,
            mut records,
        } if epoch == app.epoch => {
            if !app.follow_seen.contains_key(&slot) {
                let shown: HashSet<String> = app
                    .store
                    .chunks()
                    .iter()
                    .filter(|c| c.slot == slot)
                    .flat_map(|c| event_ids(&c.records).collect::<Vec<_>>())
                    .collect();
                app.follow_seen.insert(slot, shown);
            }
            if let Some(seen) = app.follow_seen.get_mut(&slot) {
                records.retain(|r| match r {
                    Record::Event(event) => seen.insert(event.id.clone()),
                    Record::Line { .. } => true,
                });
            }
            if !records.is_empty() {
                push_records(app, slot, records);
            }
        }
        Msg::Loaded { epoch, slot } if epoch == app.epoch => {
            if let Some(source) = app.sources.get_mut(slot) {
                source.state = LoadState::Loaded;
            }
            if app.refollow.remove(&slot) {
                follow_slot(app, slot);
            }
        }
        Msg::StartedOver { epoch, slot } if epoch == app.epoch => {
            let name = app.sources.get(slot).map_or("?", |s| s.uri()).to_string();
            let followed: std::collections::BTreeSet<usize> = if app.following {
                (0..app.sources.len()).collect()
            } else {
                Default::default()
            };
            reload(app);
            app.refollow = followed;
            status(
                app,
                Level::Warning,
                &format!("{name} was truncated or replaced: read again from its start"),
            );
        }
        Msg::Summaries {
            epoch,
            start,
            mut summaries,
        } if epoch == app.epoch => {
            if start == app.store.summarized() {
                gather_flows(app, start, &mut summaries);
            }
            for (n, summary) in summaries.iter().enumerate() {
                let Some(slot) = app.store.slot(start + n) else {
                    continue;
                };
                if let Some(source) = app.sources.get_mut(slot) {
                    source.expired +=
                        usize::from(summary.flags.has(crate::tui::summary::Flags::EXPIRED));
                    source.malformed +=
                        usize::from(summary.flags.has(crate::tui::summary::Flags::MALFORMED));
                    source.contract_violations +=
                        usize::from(summary.flags.has(crate::tui::summary::Flags::CONTRACT));
                    source.at_max_receives += usize::from(summary.at_max_receives);
                }
            }
            if app.store.add_summaries(start, summaries) {
                extend_view(app);
                super::sort::request(app);
            }
        }
        Msg::Flows(result) => {
            app.flows.running = false;
            if result.generation == app.flows.generation {
                app.flows.result = Some(result);
                if app.detail.tab == crate::tui::content::Tab::Flow {
                    app.detail.built_for = None;
                }
                if app.preset == Some(crate::tui::app::Preset::TroubledFlows) {
                    rebuild_view(app);
                }
                super::stats::flows_linked(app);
            }
            if app.flows.stale || app.flows.result.is_none() {
                request_flows(app);
            }
        }
        Msg::Compare { generation, report } => {
            if let Some(view) = app.compare.as_mut().filter(|v| v.generation == generation) {
                view.set_report(*report);
            }
        }
        Msg::Stats {
            generation,
            pivot,
            cells,
        } => {
            if let Some(view) = app.stats.as_mut().filter(|v| v.generation == generation) {
                view.pivot = Some(*pivot);
                view.cells = Some(*cells);
            }
        }
        Msg::FilterHits {
            generation,
            start,
            hits,
        } if generation == app.filter.generation && start == app.filter.hits.len() => {
            app.filter.hits.extend(hits);
            extend_view(app);
            super::sort::request(app);
        }
        Msg::Wake { token } => super::filters::wake(app, token),
        Msg::Sorted { generation, order } => super::sort::sorted(app, generation, order),
        Msg::ColumnValues {
            generation,
            start,
            values,
        } => super::sort::values(app, generation, start, values),
        Msg::Progress { job, progress } => {
            if let Some(state) = app.job.as_mut().filter(|j| j.id == job) {
                state.progress = progress;
            }
        }
        Msg::ContractsLoaded { path, result } => match result {
            Ok(contracts) => {
                let count = contracts.iter().count();
                if app.decoder.use_contracts(contracts.clone()) {
                    app.effects.push(Effect::UseContracts(contracts));
                    super::ops::reload(app);
                    status(
                        app,
                        Level::Success,
                        &format!(
                            "{count} contracts from {path}: every event is checked again (V: the violations)"
                        ),
                    );
                } else {
                    status(app, Level::Warning, "this view does not check contracts");
                }
            }
            Err(error) => status(app, Level::Error, &error),
        },
        Msg::JobDone { job, outcome } => {
            let Some(state) = app.job.take_if(|j| j.id == job) else {
                return;
            };
            finish_job(app, &state, outcome);
            if state.reload {
                reload(app);
            }
        }
        Msg::RedrivePlanned {
            slot,
            target,
            ids,
            count,
        } => match target {
            Ok(target) => {
                let name = app.sources.get(slot).map_or("?", |s| s.uri()).to_string();
                let what = if ids.is_some() {
                    format!("the {count} selected events")
                } else {
                    format!("ALL {count} events")
                };
                app.dialog = Some(Dialog::Confirm {
                    title: Safe::masked(&format!("Redrive {count} events?")),
                    body: vec![
                        Safe::masked(&format!("Move {what}")),
                        Safe::masked(&format!("from  {name}")),
                        Safe::masked(&format!("to    {}", crate::backend::target_label(&target))),
                        Safe::masked(""),
                        Safe::masked(
                            "Each event leaves the DLQ only after the target confirmed it.",
                        ),
                    ],
                    op: PendingOp::Redrive { slot, target, ids },
                });
                app.mode = Mode::Dialog;
            }
            Err(error) => status(app, Level::Error, &error),
        },
        Msg::Edited(Ok(event)) => {
            let id = event.id.clone();
            app.edited = Some(event);
            open_prompt(app, Prompt::ReplayTarget);
            status(
                app,
                Level::Info,
                &format!("edited {id}: where should it be replayed? (esc drops the edit)"),
            );
        }
        Msg::Edited(Err(error)) => status(app, Level::Error, &error),
        Msg::Shutdown => app.quit = true,
        Msg::Failed(error) => status(app, Level::Error, &error),
        Msg::Notice(notice) => status(app, Level::Warning, &notice),
        Msg::FollowCaution {
            epoch,
            slot,
            caution,
        } => {
            app.follow_cautions.push_back((epoch, slot, caution));
            super::ops::next_follow_caution(app);
        }
        Msg::Holding {
            slot,
            status: hold,
            ended,
        } => {
            if !ended {
                app.holding.insert(slot, hold);
                return;
            }
            app.holding.remove(&slot);
            let uri = app.sources.get(slot).map_or("?", |s| s.uri()).to_string();
            let mut text = hold
                .ended
                .as_ref()
                .map_or_else(|| format!("{uri}: released nothing"), |r| r.line(&uri));
            if let Some(more) = hold.let_go_line() {
                text.push_str(&format!("; {more}"));
            }
            let failed = hold.ended.as_ref().is_some_and(|r| r.failed > 0);
            status(
                app,
                if failed { Level::Warning } else { Level::Info },
                &text,
            );
        }
        Msg::FollowFailed { slot, error } => {
            let name = app.sources.get(slot).map_or("?", |s| s.uri()).to_string();
            status(app, Level::Error, &format!("following {name}: {error}"));
        }
        _ => {}
    }
    settle(app);
}

/// The ids of the decoded events among `records` (capture lines would
/// need decoding, and a file's tail never repeats what its browse read).
fn event_ids(records: &[Record]) -> impl Iterator<Item = String> + '_ {
    records.iter().filter_map(|r| match r {
        Record::Event(event) => Some(event.id.clone()),
        Record::Line { .. } => None,
    })
}

/// Add rows of `slot` to the store and the view.
fn push_records(app: &mut App, slot: usize, records: Vec<Record>) {
    let at_end = app.cursor + 1 >= app.shown();
    let count = records.len();
    let chunk = app.store.push(slot, records);
    if let Some(source) = app.sources.get_mut(slot) {
        source.loaded += count;
    }
    if let Some(filter) = &app.filter.filter {
        app.effects.push(Effect::FilterRows {
            generation: app.filter.generation,
            filter: filter.clone(),
            chunks: vec![chunk.clone()],
        });
    }
    super::sort::values_of_chunk(app, &chunk);
    app.effects.push(Effect::Summarize {
        epoch: app.epoch,
        chunk,
    });
    extend_view(app);
    super::sort::request(app);
    if app.following && at_end {
        app.cursor = app.shown().saturating_sub(1);
    }
}

pub(super) fn finish_job(app: &mut App, state: &JobState, outcome: Result<JobOutcome, String>) {
    match outcome {
        Err(error) => status(
            app,
            Level::Error,
            &format!("{} failed: {error}", state.verb),
        ),
        Ok(JobOutcome { report, .. }) if state.verb == "purge" => {
            if report.cancelled {
                status(app, Level::Info, "purge cancelled: nothing was deleted");
            } else {
                let text = format!("purged {}: every event deleted", state.target);
                status(app, Level::Success, &text);
            }
        }
        Ok(JobOutcome { report, target }) => {
            let verb = match state.verb {
                "replay" => "replayed",
                "redrive" => "moved",
                "delete" => "deleted",
                _ => "exported",
            };
            let mut text = if state.verb == "delete" {
                format!("delete {target}: {} {verb}", report.moved)
            } else {
                let target = crate::backend::target_label(&target);
                format!("{} → {target}: {} {verb}", state.verb, report.moved)
            };
            if !report.failed.is_empty() {
                text.push_str(&format!(", {} failed", report.failed.len()));
            }
            if !report.duplicated.is_empty() {
                text.push_str(&format!(
                    ", {} sent but still in the source (now in both)",
                    report.duplicated.len()
                ));
            }
            if let Some(first) = report.unreadable.first() {
                text.push_str(&format!(
                    ", {} unreadable left in the source ({first}{})",
                    report.unreadable.len(),
                    if report.unreadable.len() > 1 {
                        ", …"
                    } else {
                        ""
                    }
                ));
            }
            if report.cancelled {
                text.push_str(" (cancelled)");
            }
            if let Some(reason) = &report.stopped {
                text.push_str(&format!("; stopped early: {reason}"));
            }
            if let Some((id, reason)) = report.failed.first().or(report.duplicated.first()) {
                text.push_str(&format!("; first failure {id}: {reason}"));
            }
            let level = if report.is_clean() {
                Level::Success
            } else if report.moved > 0 {
                Level::Warning
            } else {
                Level::Error
            };
            status(app, level, &text);
        }
    }
}

/// Move the flow summaries out of new row summaries into the flows state,
/// and ask for a flows pass.
fn gather_flows(app: &mut App, start: usize, summaries: &mut [crate::tui::summary::Summary]) {
    let mut part = Vec::new();
    for (n, summary) in summaries.iter_mut().enumerate() {
        let Some(flow) = summary.flow.take() else {
            continue;
        };
        let Some(slot) = app.store.slot(start + n) else {
            continue;
        };
        part.push(crate::tui::flows::FlowInput {
            row: (start + n) as u32,
            slot: slot as u32,
            summary: *flow,
        });
    }
    if part.is_empty() {
        return;
    }
    app.flows.parts.push(part.into());
    request_flows(app);
}

/// Start a flows pass over what is gathered, or mark the running one
/// stale so another follows it: at most one runs at a time.
pub(in crate::tui) fn request_flows(app: &mut App) {
    if app.flows.running {
        app.flows.stale = true;
        return;
    }
    if app.flows.parts.is_empty() {
        return;
    }
    app.flows.generation += 1;
    app.flows.running = true;
    app.flows.stale = false;
    let mut settings = crate::analyze::flows::Settings::at(app.now);
    if let Some(d) = app.flows.stuck_after {
        settings.stuck_after = d;
    }
    settings.terminal = app.flows.terminal.clone();
    app.effects
        .push(Effect::ComputeFlows(crate::tui::flows::FlowsJob {
            generation: app.flows.generation,
            parts: app.flows.parts.clone(),
            slots: app
                .sources
                .iter()
                .map(|s| (s.uri().to_string(), s.is_dlq()))
                .collect(),
            settings,
        }));
}
