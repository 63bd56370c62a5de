//! The state of the terminal UI. Plain data plus small helpers; how it
//! changes is in [`super::update`], how it looks is in [`super::views`].

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use super::content::{DLine, Tab};
use super::decode::Decoder;
use super::input::LineInput;
use super::jobs::Effect;
use super::keymap::{KeyMode, Keymap};
use super::layout::Areas;
use super::marks::Marks;
use super::safe::Safe;
use super::store::Store;
use super::summary::{Flags, Summary};
use super::theme::Theme;
use crate::backend::{Backend, SourceInfo};
use crate::capture::Document;
use crate::filter::Filter;
use crate::model::Event;
use crate::ops::{JobControl, Progress};

/// What keys currently do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Browsing.
    List,
    /// Editing the filter.
    Filter,
    /// The `:` command line.
    Command,
    /// Asking for a target.
    Prompt(Prompt),
    /// A popup waits for an answer.
    Dialog,
    /// The help screen.
    Help,
    /// The flows view: every flow, failed and stuck first.
    Flows,
    /// The stats view (`:stats`).
    Stats,
    /// The compare view (`:diff`).
    Compare,
    /// The picker of saved and recent filters.
    Picker,
}

impl Mode {
    /// The key table of this mode.
    pub fn keys(self) -> KeyMode {
        match self {
            Mode::List => KeyMode::List,
            Mode::Filter => KeyMode::Filter,
            Mode::Command | Mode::Prompt(_) => KeyMode::Command,
            Mode::Dialog => KeyMode::Dialog,
            Mode::Flows => KeyMode::Flows,
            // Moving, picking and closing, as in the help screen.
            Mode::Help | Mode::Stats | Mode::Compare | Mode::Picker => KeyMode::Help,
        }
    }
}

/// What a prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Where to replay the selected events (or the edited one).
    ReplayTarget,
}

/// The panes focus moves between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The sources pane or bar.
    Sources,
    /// The events table.
    Table,
    /// The detail.
    Detail,
}

/// A quick filter over row summaries, combined with the expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Preset {
    /// Expired events.
    Expired,
    /// Malformed events.
    Malformed,
    /// Events with a correlation id.
    Correlated,
    /// Events that break their contract.
    ContractViolations,
    /// Events of this type.
    SameType(Arc<Safe>),
    /// Events with this correlation id.
    SameCorrelation(Safe),
    /// Events of failed or stuck flows (decided per row from the flows
    /// state, see [`App::troubled_flow`]).
    TroubledFlows,
}

impl Preset {
    /// Whether a row passes.
    pub fn keeps(&self, summary: &Summary) -> bool {
        match self {
            Preset::Expired => summary.flags.has(Flags::EXPIRED),
            Preset::Malformed => summary.flags.has(Flags::MALFORMED),
            Preset::Correlated => summary.correlation.is_some(),
            Preset::ContractViolations => summary.flags.has(Flags::CONTRACT),
            Preset::SameType(t) => summary
                .event_type
                .as_ref()
                .is_some_and(|s| Arc::ptr_eq(s, t) || s == t),
            Preset::SameCorrelation(c) => summary.correlation.as_ref() == Some(c),
            Preset::TroubledFlows => summary.correlation.is_some(),
        }
    }

    /// How the status bar names it.
    pub fn label(&self) -> String {
        match self {
            Preset::Expired => "expired".into(),
            Preset::Malformed => "malformed".into(),
            Preset::Correlated => "has correlation id".into(),
            Preset::ContractViolations => "breaks its contract".into(),
            Preset::SameType(t) => format!("type = {t}"),
            Preset::SameCorrelation(c) => format!("correlation = {c}"),
            Preset::TroubledFlows => "failed or stuck flows".into(),
        }
    }
}

/// How far a source got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadState {
    /// Being opened.
    Opening,
    /// Being read.
    Loading,
    /// Read to the end.
    Loaded,
    /// Failed, with the reason.
    Failed(Safe),
    /// A scope (a Pulsar namespace, `sqs://`, `sqs://PREFIX*`) listed: its
    /// sources were opened as slots of their own, this many of them.
    Expanded(usize),
}

/// One opened source.
#[derive(Clone)]
pub struct SourceSlot {
    /// What the user named.
    pub uri: String,
    /// What the backend says about it, once opened.
    pub info: Option<SourceInfo>,
    /// The backend, once opened.
    pub backend: Option<Arc<dyn Backend>>,
    /// Progress.
    pub state: LoadState,
    /// Rows loaded.
    pub loaded: usize,
    /// Expired rows (from summaries).
    pub expired: usize,
    /// Malformed rows (from summaries).
    pub malformed: usize,
    /// Rows that break their contract (from summaries).
    pub contract_violations: usize,
    /// Rows received as often as the queue's redrive policy allows (from
    /// summaries): the next receive moves them to the dead-letter queue.
    pub at_max_receives: usize,
    /// The scope slot this source was listed by, if any.
    pub group: Option<usize>,
}

impl SourceSlot {
    /// A source about to be opened.
    pub fn new(uri: &str) -> SourceSlot {
        SourceSlot {
            uri: uri.to_string(),
            info: None,
            backend: None,
            state: LoadState::Opening,
            loaded: 0,
            expired: 0,
            malformed: 0,
            contract_violations: 0,
            at_max_receives: 0,
            group: None,
        }
    }

    /// Whether it is a scope whose sources are slots of their own.
    pub fn is_group(&self) -> bool {
        matches!(self.state, LoadState::Expanded(_))
    }

    /// Whether it is a dead-letter queue.
    pub fn is_dlq(&self) -> bool {
        self.info.as_ref().is_some_and(|i| i.dlq_of.is_some())
    }

    /// The display name.
    pub fn name(&self) -> Safe {
        Safe::masked(self.info.as_ref().map_or(&self.uri, |i| &i.name))
    }

    /// The URI as the backend names it.
    pub fn uri(&self) -> &str {
        self.info.as_ref().map_or(&self.uri, |i| &i.uri)
    }
}

/// The rows shown: all, or those passing scope, preset and filter.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// Row indices shown, ascending; `None` when every row is.
    pub rows: Option<Vec<u32>>,
    /// Rows examined so far (the rest wait for summaries or filter results).
    pub scanned: usize,
    /// When the table is sorted: the first shown rows in sorted order (rows
    /// shown since the last sort follow them, until the next one).
    pub sorted: Option<Vec<u32>>,
}

/// The filter expression in effect.
#[derive(Debug, Clone, Default)]
pub struct FilterState {
    /// The expression as typed (empty: none).
    pub text: String,
    /// The parsed filter, when not match-all.
    pub filter: Option<Filter>,
    /// Bumped for every new filter; results of older ones are dropped.
    pub generation: u64,
    /// Whether each row matched, for rows `0..hits.len()`.
    pub hits: Vec<bool>,
}

/// The live filter: the table follows the expression being typed.
#[derive(Debug, Clone, Default)]
pub struct LiveFilter {
    /// The last keystroke's wake-up token.
    pub token: u64,
    /// The token whose wake-up will apply the expression typed.
    pub pending: Option<u64>,
    /// The filter in effect when typing began (esc goes back to it).
    pub before: Option<(String, Option<Filter>)>,
    /// Typing stopped the scan of the filter in effect.
    pub cancelled: bool,
}

/// The picker of saved and recent filters.
#[derive(Debug, Clone, PartialEq)]
pub struct Picker {
    /// What each line shows, and the expression it applies.
    pub items: Vec<(Safe, String)>,
    /// The line under the cursor.
    pub cursor: usize,
}

/// A filter expression that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// Why.
    pub message: Safe,
    /// Where, in characters, when known.
    pub position: Option<usize>,
}

/// A popup.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Ask before a destructive operation.
    Confirm {
        /// The question.
        title: Safe,
        /// What will happen.
        body: Vec<Safe>,
        /// What "yes" does.
        op: PendingOp,
    },
    /// In a production context, the context's name typed back before an
    /// operation that changes a source runs (see [`super::context`]).
    TypeBack {
        /// What asks.
        title: Safe,
        /// What will happen.
        body: Vec<Safe>,
        /// The name to type.
        name: String,
        /// What was typed.
        input: LineInput,
        /// Why the last answer was refused.
        error: Option<Safe>,
    },
    /// An error worth stopping for.
    Error {
        /// What failed.
        title: Safe,
        /// Why.
        message: Safe,
    },
}

/// An operation waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingOp {
    /// Browse a source whose reads have side effects (SQS receive counts).
    Browse {
        /// The load generation the source was opened in.
        epoch: u64,
        /// The source slot.
        slot: usize,
    },
    /// Move events out of a dead-letter queue.
    Redrive {
        /// The source slot.
        slot: usize,
        /// The target URI.
        target: String,
        /// Only these ids, or all.
        ids: Option<std::collections::BTreeSet<String>>,
    },
    /// Delete these events from a source.
    Delete {
        /// The source slot.
        slot: usize,
        /// The ids of the events.
        ids: std::collections::BTreeSet<String>,
    },
    /// Delete every event of a source.
    Purge {
        /// The source slot.
        slot: usize,
    },
    /// Export rows over an existing file.
    Export {
        /// Where to.
        destination: crate::backend::file::export::Destination,
        /// The rows.
        rows: Vec<usize>,
        /// The load generation the rows belong to.
        epoch: u64,
    },
    /// Follow a source whose consumers it costs (SQS holds their messages).
    Follow {
        /// The load generation the source was opened in.
        epoch: u64,
        /// The source slot.
        slot: usize,
    },
}

/// How a status message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Neutral.
    Info,
    /// Something worked.
    Success,
    /// Worth a look.
    Warning,
    /// Something failed.
    Error,
}

/// The last operation's result or the last error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// How it looks.
    pub level: Level,
    /// What to say.
    pub text: Safe,
}

/// A running operation.
#[derive(Debug, Clone)]
pub struct JobState {
    /// Its id.
    pub id: u64,
    /// "replay", "redrive", "export".
    pub verb: &'static str,
    /// Where to.
    pub target: Safe,
    /// How far.
    pub progress: Progress,
    /// To cancel it.
    pub control: JobControl,
    /// Source slots to read again when it ends.
    pub reload: bool,
}

/// The detail pane.
#[derive(Debug, Clone)]
pub struct DetailState {
    /// The tab shown.
    pub tab: Tab,
    /// First line shown.
    pub scroll: usize,
    /// Secrets shown as found.
    pub reveal: bool,
    /// The decoded event under the cursor: (row, document or error).
    pub document: Option<(usize, Result<Arc<Document>, Safe>)>,
    /// The lines of the tab shown, for (row, tab, reveal).
    pub lines: Vec<DLine>,
    /// Which (row, tab, reveal) `lines` were built for.
    pub built_for: Option<(usize, Tab, bool)>,
}

/// Everything the UI knows.
pub struct App {
    /// The time relative times are computed from (injected, for stable tests).
    pub now: DateTime<Utc>,
    /// Operations that change sources are refused.
    pub read_only: bool,
    /// Sources whose side-effecting browse the user already confirmed.
    pub browse_confirmed: std::collections::BTreeSet<String>,
    /// Sources whose follow cost the user accepted (asked once per queue).
    pub follow_confirmed: std::collections::BTreeSet<String>,
    /// Follow cautions waiting for the dialog to be free.
    pub follow_cautions: std::collections::VecDeque<(u64, usize, crate::backend::HoldCaution)>,
    /// Per source slot, what its follow session holds from its consumers.
    pub holding: std::collections::BTreeMap<usize, crate::backend::HoldStatus>,
    /// Key bindings.
    pub keymap: Keymap,
    /// Colors.
    pub theme: Theme,
    /// Where user themes live.
    pub config_dir: Option<PathBuf>,
    /// The file this session logs to (named on the help screen).
    pub log_file: Option<PathBuf>,
    /// Input mode.
    pub mode: Mode,
    /// Focused pane.
    pub focus: Pane,
    /// Terminal size.
    pub size: (u16, u16),
    /// Opened sources, in slot order.
    pub sources: Vec<SourceSlot>,
    /// The item under the cursor in the sources pane (0 is "all").
    pub source_cursor: usize,
    /// Show only this slot's events.
    pub scope: Option<usize>,
    /// Every row.
    pub store: Store,
    /// The rows shown.
    pub view: View,
    /// The filter expression in effect.
    pub filter: FilterState,
    /// The table's columns.
    pub columns: super::columns::TableColumns,
    /// The columns the config asks for (`:columns reset` goes back to them).
    pub configured_columns: super::columns::TableColumns,
    /// The table's sort.
    pub sort: super::sort::SortState,
    /// The quick filter in effect.
    pub preset: Option<Preset>,
    /// The filter being edited.
    pub filter_input: LineInput,
    /// The live filter's bookkeeping.
    pub live: LiveFilter,
    /// Saved filters (`[filters]`, `:filter save`).
    pub saved_filters: super::history::SavedFilters,
    /// Where the filter and command histories are kept across runs (none:
    /// for this run only).
    pub history_dir: Option<PathBuf>,
    /// The filter picker, while open.
    pub picker: Option<Picker>,
    /// The command line or prompt being edited.
    pub command_input: LineInput,
    /// Why the text being edited is wrong.
    pub input_error: Option<InputError>,
    /// Position of the cursor in the shown rows.
    pub cursor: usize,
    /// First shown row on screen.
    pub offset: usize,
    /// Rows selected for an operation.
    pub marks: Marks,
    /// The detail pane.
    pub detail: DetailState,
    /// Flows of the loaded rows, linked in the background.
    pub flows: super::flows::FlowsState,
    /// The popup, in dialog mode.
    pub dialog: Option<Dialog>,
    /// First line of the help screen.
    pub help_scroll: usize,
    /// Per source slot, the ids (escaped, as rows show them) of events the
    /// journal says were already redriven out of it (a Pulsar topic keeps
    /// them): their rows show `R` in the dead-letter flag's place.
    pub redriven: std::collections::HashMap<usize, std::collections::HashSet<Safe>>,
    /// Per source slot, what its redrive subscription acknowledged, as the
    /// server says (Pulsar with the admin API): those rows show `R` too.
    pub redrive_acknowledged:
        std::collections::HashMap<usize, std::sync::Arc<dyn crate::backend::Acknowledged>>,
    /// The journal (`:journal`), shown on the help screen's overlay instead
    /// of the help while set; closing it clears it.
    pub journal_view: Option<Vec<Safe>>,
    /// The stats view, while open.
    pub stats: Option<super::stats_view::StatsView>,
    /// The last stats request (a newer one stops an older one's work).
    pub stats_generation: u64,
    /// The compare view, while open.
    pub compare: Option<super::compare_view::CompareView>,
    /// The last result or error.
    pub status: Option<Status>,
    /// The running operation.
    pub job: Option<JobState>,
    /// Following new events.
    pub following: bool,
    /// Per source slot, the ids of the decoded events already shown, kept
    /// once the slot is followed: a follow session may hand over events
    /// the browse showed (SQS makes browsed messages visible again, so a
    /// tail receives them once more); those are dropped.
    pub follow_seen: std::collections::HashMap<usize, std::collections::HashSet<String>>,
    /// Source slots to follow again once they are loaded (a followed file
    /// was truncated or replaced, and everything was read again).
    pub refollow: std::collections::BTreeSet<usize>,
    /// An edited event waiting for its replay target.
    pub edited: Option<Event>,
    /// The user asked to quit.
    pub quit: bool,
    /// The context (`--context`, `:context`) and its production guard.
    pub context: super::context::ContextState,
    /// Load generation; a reload bumps it.
    pub epoch: u64,
    pub(super) next_job: u64,
    pub(super) effects: Vec<Effect>,
    pub(super) decoder: Arc<dyn Decoder>,
}

impl App {
    /// What every follow holds from consumers now: messages, and the
    /// longest hold; `None` when none holds any.
    pub fn holding_line(&self) -> Option<String> {
        let held: usize = self.holding.values().map(|s| s.held).sum();
        let longest = self.holding.values().map(|s| s.longest).max()?;
        crate::backend::HoldStatus {
            held,
            longest,
            ..Default::default()
        }
        .holding_line()
    }

    /// A UI over `uris`, opened by the effects it queues.
    pub fn new(
        uris: &[String],
        keymap: Keymap,
        theme: Theme,
        decoder: Arc<dyn Decoder>,
        read_only: bool,
        now: DateTime<Utc>,
    ) -> App {
        let mut app = App {
            now,
            read_only,
            browse_confirmed: Default::default(),
            follow_confirmed: Default::default(),
            follow_cautions: Default::default(),
            holding: Default::default(),
            keymap,
            theme,
            config_dir: None,
            log_file: None,
            mode: Mode::List,
            focus: Pane::Table,
            size: (80, 24),
            sources: Vec::new(),
            source_cursor: 0,
            scope: None,
            store: Store::default(),
            view: View::default(),
            filter: FilterState::default(),
            columns: Default::default(),
            configured_columns: Default::default(),
            sort: Default::default(),
            preset: None,
            filter_input: LineInput::default(),
            live: Default::default(),
            saved_filters: Default::default(),
            history_dir: None,
            picker: None,
            command_input: LineInput::default(),
            input_error: None,
            cursor: 0,
            offset: 0,
            marks: Marks::default(),
            detail: DetailState {
                tab: Tab::Body,
                scroll: 0,
                reveal: false,
                document: None,
                lines: Vec::new(),
                built_for: None,
            },
            flows: Default::default(),
            dialog: None,
            help_scroll: 0,
            journal_view: None,
            redriven: Default::default(),
            redrive_acknowledged: Default::default(),
            stats: None,
            stats_generation: 0,
            compare: None,
            status: None,
            job: None,
            following: false,
            follow_seen: Default::default(),
            refollow: Default::default(),
            edited: None,
            quit: false,
            context: Default::default(),
            epoch: 1,
            next_job: 1,
            effects: Vec::new(),
            decoder,
        };
        for uri in uris {
            app.open_source(uri);
        }
        app
    }

    /// Queue opening another source.
    pub fn open_source(&mut self, uri: &str) {
        self.open_member(uri, None);
    }

    /// Open a source listed by the scope in slot `group` (if any).
    pub fn open_member(&mut self, uri: &str, group: Option<usize>) {
        let slot = self.sources.len();
        self.sources.push(SourceSlot {
            group,
            ..SourceSlot::new(uri)
        });
        self.effects.push(Effect::Open {
            epoch: self.epoch,
            slot,
            uri: uri.to_string(),
        });
    }

    /// Queue work again (tests that run some effects themselves).
    pub fn push_effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }

    /// Take the work `update` asked for.
    /// In a production context, operations that change a source are held
    /// here until the context's name is typed back ([`super::context::guard`]).
    pub fn take_effects(&mut self) -> Vec<Effect> {
        let effects = std::mem::take(&mut self.effects);
        super::context::guard(self, effects)
    }

    /// The screen areas for the current size.
    pub fn areas(&self) -> Areas {
        Areas::of(super::context::inner(
            self,
            Rect::new(0, 0, self.size.0, self.size.1),
        ))
    }

    /// Number of rows shown.
    pub fn shown(&self) -> usize {
        match &self.view.rows {
            Some(rows) => rows.len(),
            None => self.store.len(),
        }
    }

    /// The row at a position of the view.
    pub fn row_at(&self, position: usize) -> Option<usize> {
        if let Some(row) = self.view.sorted.as_ref().and_then(|s| s.get(position)) {
            return Some(*row as usize);
        }
        match &self.view.rows {
            Some(rows) => rows.get(position).map(|r| *r as usize),
            None => (position < self.store.len()).then_some(position),
        }
    }

    /// Where a row is shown, if it is.
    pub fn position_of(&self, row: usize) -> Option<usize> {
        let sorted = self.view.sorted.as_deref().unwrap_or_default();
        if let Some(at) = sorted.iter().position(|r| *r as usize == row) {
            return Some(at);
        }
        // Rows shown after the last sort follow the sorted ones.
        let tail = sorted.len();
        match &self.view.rows {
            Some(rows) => rows
                .get(tail..)?
                .binary_search(&(row as u32))
                .ok()
                .map(|at| at + tail),
            None => (row >= tail && row < self.store.len()).then_some(row),
        }
    }

    /// The row under the cursor.
    pub fn current_row(&self) -> Option<usize> {
        self.row_at(self.cursor)
    }

    /// Whether the journal, or the source's redrive subscription, says the
    /// row's event (id `id`, as the row shows it) was already redriven out
    /// of its source.
    pub fn row_redriven(&self, row: usize, id: &Safe) -> bool {
        let Some(slot) = self.store.slot(row) else {
            return false;
        };
        self.redriven.get(&slot).is_some_and(|ids| ids.contains(id))
            || self
                .redrive_acknowledged
                .get(&slot)
                .is_some_and(|acknowledged| acknowledged.contains(id.as_str()))
    }

    /// The state of a row's flow, once the flows are linked.
    pub fn flow_state(&self, row: usize) -> Option<crate::analyze::flows::FlowState> {
        self.flows.result.as_ref()?.state_of_row(row)
    }

    /// Whether a row's flow has failed or is stuck.
    pub fn troubled_flow(&self, row: usize) -> bool {
        use crate::analyze::flows::FlowState;
        matches!(
            self.flow_state(row),
            Some(FlowState::Failed | FlowState::Stuck)
        )
    }

    /// Whether a row's source is a dead-letter queue.
    pub fn row_in_dlq(&self, row: usize) -> bool {
        self.store
            .slot(row)
            .and_then(|s| self.sources.get(s))
            .is_some_and(SourceSlot::is_dlq)
    }

    /// Source slots in display order: each dead-letter queue right after
    /// the queue it belongs to. With its nesting depth (1 for a DLQ shown
    /// under its queue).
    pub fn source_order(&self) -> Vec<(usize, u8)> {
        let owner = |slot: &SourceSlot| -> Option<usize> {
            let of = slot.info.as_ref()?.dlq_of.as_ref()?;
            self.sources.iter().position(|s| s.uri() == of)
        };
        let owners: Vec<Option<usize>> = self.sources.iter().map(owner).collect();
        // A source's children: the members of its scope, then its DLQs.
        // Each slot has at most one parent, so this walk visits it once.
        let parent = |j: usize| owners[j].or(self.sources[j].group);
        fn walk(
            at: usize,
            depth: u8,
            parent: &dyn Fn(usize) -> Option<usize>,
            n: usize,
            order: &mut Vec<(usize, u8)>,
        ) {
            order.push((at, depth));
            for j in 0..n {
                if parent(j) == Some(at) {
                    walk(j, depth.saturating_add(1), parent, n, order);
                }
            }
        }
        let mut order: Vec<(usize, u8)> = Vec::new();
        for i in 0..self.sources.len() {
            if parent(i).is_none() {
                walk(i, 0, &parent, self.sources.len(), &mut order);
            }
        }
        order
    }

    /// Whether scoping to slot `scope` shows the rows of slot `slot`: the
    /// slot itself, or a member of the scope it lists (with their DLQs).
    pub fn covers(&self, scope: usize, slot: usize) -> bool {
        slot == scope || self.sources.get(slot).and_then(|s| s.group) == Some(scope)
    }

    /// The source operations act on when scoped: the scoped slot, unless it
    /// is a scope of many sources.
    pub fn scoped_source(&self) -> Option<usize> {
        self.scope
            .filter(|s| self.sources.get(*s).is_some_and(|s| !s.is_group()))
    }

    /// Whether the view hides some rows.
    pub fn constrained(&self) -> bool {
        self.scope.is_some() || self.preset.is_some() || self.filter.filter.is_some()
    }

    /// Whether every row has been examined by the view.
    pub fn view_complete(&self) -> bool {
        self.view.scanned >= self.store.len() || !self.constrained()
    }
}
