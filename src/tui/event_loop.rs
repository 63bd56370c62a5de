//! The main loop, generic over the ratatui backend so tests can drive it
//! on a `TestBackend`. It renders on change, not on a clock: it sleeps
//! until a key, a mouse event or a background message arrives, handles
//! everything queued, and draws at most once per [`FRAME`].

use std::io;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use std::task::Poll;

use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::Event;
use tokio::sync::mpsc;

use super::app::App;
use super::jobs::{Effect, Jobs, Msg};
use super::terminal::{Host, osc52};
use super::update::{apply, key_action, mouse_action, update};
use super::views;
use crate::model::Event as EvEvent;
use crate::ops::edit::EditDoc;

/// The shortest time between two frames.
pub const FRAME: Duration = Duration::from_millis(16);

/// Terminal input, recreated after the terminal was handed to an editor.
pub type Input = BoxStream<'static, io::Result<Event>>;

/// Run until the user quits.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    jobs: &mut Jobs,
    messages: &mut mpsc::UnboundedReceiver<Msg>,
    host: &mut impl Host,
    mut input: impl FnMut() -> Input,
    clock: impl Fn() -> DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut events = input();
    let size = terminal
        .size()
        .map_err(|e| anyhow::anyhow!("cannot read the terminal size: {e}"))?;
    update(app, super::action::Action::Resize(size.width, size.height));
    let mut dirty = true;
    let mut last_draw: Option<Instant> = None;
    let mut batch = Vec::with_capacity(256);
    loop {
        for effect in app.take_effects() {
            match effect {
                Effect::Copy { text } => {
                    if let Err(e) = host.write_raw(&osc52(&text)) {
                        apply(app, Msg::Failed(format!("copy failed: {e}")));
                    }
                }
                Effect::Edit { event } => {
                    drop(events);
                    let result = suspend_and_edit(host, &event);
                    events = input();
                    terminal
                        .clear()
                        .map_err(|e| anyhow::anyhow!("cannot redraw: {e}"))?;
                    app.now = clock();
                    apply(app, Msg::Edited(result));
                    dirty = true;
                }
                other => jobs.run(other),
            }
        }
        if app.quit {
            return Ok(());
        }
        let due = last_draw.is_none_or(|t| t.elapsed() >= FRAME);
        if dirty && due {
            terminal
                .draw(|frame| views::render(app, &app.theme, frame))
                .map_err(|e| anyhow::anyhow!("drawing failed: {e}"))?;
            dirty = false;
            last_draw = Some(Instant::now());
        }
        let next_frame = last_draw.map_or_else(Instant::now, |t| t + FRAME);
        tokio::select! {
            event = events.next() => {
                let Some(event) = event else { return Ok(()) };
                app.now = clock();
                handle(app, event?);
                // Everything else already queued, before drawing. `poll!`
                // registers this task's waker (a no-op waker would be kept by
                // crossterm's stream and later input would wake nobody).
                while let Poll::Ready(Some(event)) = futures::poll!(events.next()) {
                    handle(app, event?);
                }
                dirty = true;
            }
            received = messages.recv_many(&mut batch, 512) => {
                if received == 0 {
                    return Ok(());
                }
                app.now = clock();
                for msg in batch.drain(..) {
                    apply(app, msg);
                }
                dirty = true;
            }
            _ = tokio::time::sleep_until(next_frame.into()), if dirty => {}
        }
    }
}

fn handle(app: &mut App, event: Event) {
    let action = match event {
        Event::Key(key) => key_action(app, &key),
        Event::Mouse(mouse) => mouse_action(&mouse),
        Event::Resize(w, h) => Some(super::action::Action::Resize(w, h)),
        Event::Paste(text) => Some(super::action::Action::Paste(text)),
        _ => None,
    };
    if let Some(action) = action {
        update(app, action);
    }
}

/// The editor program and its arguments: `$VISUAL`, else `$EDITOR`, else
/// `vi`, split into words the way a shell does (`shlex`), so
/// `"/opt/My Editor/ed" --wait` and `code --wait` both work.
pub fn editor_command(
    visual: Option<&str>,
    editor: Option<&str>,
) -> Result<(String, Vec<String>), String> {
    let (name, value) = match (visual, editor) {
        (Some(v), _) if !v.trim().is_empty() => ("VISUAL", v),
        (_, Some(e)) if !e.trim().is_empty() => ("EDITOR", e),
        _ => return Ok(("vi".into(), Vec::new())),
    };
    let mut words = shlex::split(value)
        .filter(|w| !w.is_empty())
        .ok_or_else(|| format!("${name} is not a command line (unbalanced quotes?): {value}"))?
        .into_iter();
    let program = words.next().unwrap_or_else(|| "vi".into());
    Ok((program, words.collect()))
}

/// Hand the terminal to $VISUAL / $EDITOR with the event's edit document
/// ([`EditDoc`]: body, attributes with their data types, key or group id,
/// deduplication id), and read the edited copy back. An edit that does
/// not read back (broken JSON, a type SQS refuses) reopens the editor with
/// the error on top; saving it unchanged, or an editor that fails, gives up
/// and nothing is replayed.
fn suspend_and_edit(host: &mut impl Host, event: &EvEvent) -> Result<EvEvent, String> {
    let doc = EditDoc::of(event).ok_or("a binary body cannot be edited as text")?;
    let file = tempfile::Builder::new()
        .prefix("evscope-edit-")
        .suffix(".json")
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    let (program, args) = editor_command(
        std::env::var("VISUAL").ok().as_deref(),
        std::env::var("EDITOR").ok().as_deref(),
    )?;
    let path = file.path().to_path_buf();
    crate::ops::edit::edit_until_valid(event, doc, &path, || {
        host.suspend()
            .map_err(|e| format!("cannot leave the UI: {e}"))?;
        let status = tokio::task::block_in_place(|| {
            std::process::Command::new(&program)
                .args(&args)
                .arg(&path)
                .status()
        });
        let resumed = host.resume();
        let status = status.map_err(|e| format!("cannot run the editor `{program}`: {e}"))?;
        resumed.map_err(|e| format!("cannot return to the UI: {e}"))?;
        if !status.success() {
            return Err(format!("the editor exited with {status}: nothing replayed"));
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::editor_command;

    #[test]
    fn the_editor_is_split_like_a_shell_would() {
        let words = |visual: Option<&str>, editor: Option<&str>| {
            editor_command(visual, editor).map(|(p, a)| {
                let mut all = vec![p];
                all.extend(a);
                all
            })
        };
        assert_eq!(
            words(None, Some("\"/opt/My Editor/bin/ed\" --wait")).unwrap(),
            ["/opt/My Editor/bin/ed", "--wait"]
        );
        assert_eq!(
            words(None, Some("'/Applications/Sub Lime/subl' -w -n")).unwrap(),
            ["/Applications/Sub Lime/subl", "-w", "-n"]
        );
        assert_eq!(
            words(None, Some("/opt/My\\ Editor/ed")).unwrap(),
            ["/opt/My Editor/ed"]
        );
        assert_eq!(
            words(Some("code --wait"), Some("nano")).unwrap(),
            ["code", "--wait"]
        );
        assert_eq!(words(Some("  "), Some("nano")).unwrap(), ["nano"]);
        assert_eq!(words(None, None).unwrap(), ["vi"]);
        let error = words(None, Some("\"/opt/ed --wait")).unwrap_err();
        assert!(
            error.starts_with("$EDITOR is not a command line"),
            "{error}"
        );
    }
}
