//! Everything a user can ask for, as data. Key bindings map keys to these
//! (see [`super::keymap`]); `update` turns them into state changes.

use serde::Deserialize;

/// One user intent. The serde names (`snake_case`) are what the config
/// file's `[keys.<mode>]` tables use: `"ctrl-r" = "replay"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Leave evscope.
    Quit,
    /// Show every key binding.
    Help,
    /// Move up one line in the focused pane.
    Up,
    /// Move down one line in the focused pane.
    Down,
    /// Move up one page.
    PageUp,
    /// Move down one page.
    PageDown,
    /// Go to the first line.
    Top,
    /// Go to the last line.
    Bottom,
    /// Focus the next pane.
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Open what is under the cursor (scope to a source, focus the detail).
    Activate,
    /// Show the next detail tab.
    NextTab,
    /// Show the previous detail tab.
    PrevTab,
    /// Show the body tab.
    TabBody,
    /// Show the attributes tab.
    TabAttributes,
    /// Show the facets tab.
    TabFacets,
    /// Show the raw tab.
    TabRaw,
    /// Show the flow tab.
    TabFlow,
    /// Show only the next source's events.
    NextSource,
    /// Show only the previous source's events.
    PrevSource,
    /// Edit the filter expression.
    Filter,
    /// Open the command line.
    Command,
    /// Drop the filter expression, the preset and the source scope.
    ClearFilter,
    /// Show only expired events.
    PresetExpired,
    /// Show only malformed events.
    PresetMalformed,
    /// Show only events with a correlation id.
    PresetCorrelated,
    /// Show only events that break their contract.
    PresetContract,
    /// Show only events of the selected event's type.
    PresetSameType,
    /// Show only events sharing the selected event's correlation id.
    PresetSameCorrelation,
    /// Show only events of failed or stuck flows.
    PresetTroubledFlows,
    /// Open the flows view.
    Flows,
    /// Open the picker of saved and recent filters.
    PickFilter,
    /// Sort by the next column (after the last: arrival order).
    SortNext,
    /// Flip the sort direction.
    SortReverse,
    /// Flows view: show the next state only (all, failed, stuck, open,
    /// complete).
    NextFlowState,
    /// Select or unselect the event under the cursor.
    ToggleSelect,
    /// Select every shown event.
    SelectAll,
    /// Unselect everything.
    ClearSelection,
    /// Send copies of the selected events to a target.
    Replay,
    /// Move the selected (or all) events out of a dead-letter queue.
    Redrive,
    /// Delete the selected events (or the one under the cursor) for good.
    Delete,
    /// Delete every event of the source for good.
    Purge,
    /// Edit the event in $EDITOR, then replay it.
    Edit,
    /// Copy the event to the clipboard (OSC 52).
    Copy,
    /// Follow new events.
    Follow,
    /// Show or mask secrets.
    Reveal,
    /// Cancel the running operation.
    CancelJob,
    /// Read every source again.
    Reload,
    /// Run the input line.
    Submit,
    /// Close the input line, dialog or help.
    Cancel,
    /// Complete the word under the cursor.
    Complete,
    /// Delete the character before the cursor.
    Backspace,
    /// Delete the character under the cursor.
    DeleteChar,
    /// Move the cursor left.
    CursorLeft,
    /// Move the cursor right.
    CursorRight,
    /// Move the cursor to the start of the line.
    CursorHome,
    /// Move the cursor to the end of the line.
    CursorEnd,
    /// Delete the word before the cursor.
    DeleteWord,
    /// Delete the whole line.
    ClearLine,
    /// Recall the previous entry.
    HistoryPrev,
    /// Recall the next entry.
    HistoryNext,
    /// Answer yes.
    Confirm,
    /// Unbind a key: `"q" = "none"`.
    #[serde(rename = "none")]
    Unbound,
    /// Type a character (input lines).
    #[serde(skip)]
    Insert(char),
    /// Paste text (input lines).
    #[serde(skip)]
    Paste(String),
    /// The terminal changed size.
    #[serde(skip)]
    Resize(u16, u16),
    /// A mouse click at a cell.
    #[serde(skip)]
    Click(u16, u16),
    /// The mouse wheel over a cell: `true` scrolls down.
    #[serde(skip)]
    Wheel(u16, u16, bool),
}

impl Action {
    /// What the action does, for the help screen.
    pub fn description(&self) -> &'static str {
        use Action::*;
        match self {
            Quit => "quit",
            Help => "show this help",
            Up => "move up",
            Down => "move down",
            PageUp => "page up",
            PageDown => "page down",
            Top => "go to the first line",
            Bottom => "go to the last line",
            NextPane => "focus the next pane",
            PrevPane => "focus the previous pane",
            Activate => "open: scope to the source / focus the detail",
            NextTab => "next detail tab",
            PrevTab => "previous detail tab",
            TabBody => "detail: body",
            TabAttributes => "detail: attributes and system metadata",
            TabFacets => "detail: facets (expiration, location, security, correlation)",
            TabRaw => "detail: raw capture line",
            TabFlow => "detail: the event's flow across sources (causation tree)",
            NextSource => "show the next source only",
            PrevSource => "show the previous source only",
            Filter => "edit the filter expression",
            Command => "command line (open, replay, redrive, delete, purge, export, …)",
            ClearFilter => "clear filter, preset and source scope",
            PresetExpired => "preset: expired events",
            PresetMalformed => "preset: malformed events",
            PresetCorrelated => "preset: events with a correlation id",
            PresetContract => "preset: events that break their contract (--contracts)",
            PresetSameType => "preset: same type as the selected event",
            PresetSameCorrelation => "preset: same correlation id as the selected event",
            PresetTroubledFlows => "preset: events of failed or stuck flows",
            Flows => "flows view: every flow, failed and stuck first",
            PickFilter => "pick a saved or recent filter",
            SortNext => "sort by the next column (then arrival order)",
            SortReverse => "flip the sort: ascending / descending",
            NextFlowState => "show one state: all, failed, stuck, open, complete",
            ToggleSelect => "select / unselect the event",
            SelectAll => "select every shown event",
            ClearSelection => "clear the selection",
            Replay => "replay selected events to a target",
            Redrive => "redrive selected (or all) DLQ events to their source",
            Delete => "delete the selected (or current) events for good",
            Purge => "purge: delete every event of the source",
            Edit => "edit the event in $EDITOR, then replay it",
            Copy => "copy the event to the clipboard (OSC 52)",
            Follow => "follow new events",
            Reveal => "reveal / mask secrets",
            CancelJob => "cancel the running operation",
            Reload => "read every source again",
            Submit => "run / apply",
            Cancel => "close",
            Complete => "complete",
            Backspace => "delete the previous character",
            DeleteChar => "delete the character under the cursor",
            CursorLeft => "cursor left",
            CursorRight => "cursor right",
            CursorHome => "cursor to the start",
            CursorEnd => "cursor to the end",
            DeleteWord => "delete the previous word",
            ClearLine => "clear the line",
            HistoryPrev => "previous entry",
            HistoryNext => "next entry",
            Confirm => "yes, do it",
            Unbound => "(unbound)",
            Insert(_) => "type",
            Paste(_) => "paste",
            Resize(..) => "resize",
            Click(..) => "click",
            Wheel(..) => "scroll",
        }
    }

    /// A one-word label for the hint bar.
    pub fn hint(&self) -> &'static str {
        use Action::*;
        match self {
            Quit => "quit",
            Help => "help",
            Filter => "filter",
            Command => "cmd",
            ToggleSelect => "select",
            Replay => "replay",
            Redrive => "redrive",
            Delete => "delete",
            Edit => "edit",
            Copy => "copy",
            Follow => "follow",
            NextPane => "pane",
            NextTab => "tab",
            PresetExpired => "expired",
            PresetMalformed => "malformed",
            PresetSameCorrelation => "same corr",
            NextFlowState => "state",
            Reveal => "reveal",
            Submit => "apply",
            Cancel => "close",
            Complete => "complete",
            Confirm => "yes",
            CancelJob => "cancel job",
            HistoryPrev => "history",
            _ => "",
        }
    }

    /// Whether the action changes a source (refused with `--read-only`).
    pub fn changes_sources(&self) -> bool {
        matches!(
            self,
            Action::Replay | Action::Redrive | Action::Delete | Action::Purge | Action::Edit
        )
    }
}
