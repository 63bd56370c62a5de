//! Owning the terminal: raw mode, the alternate screen and mouse capture
//! on the way in; restored on every way out (drop, error, panic, signal),
//! each step even when the one before failed.

use std::io::{self, Write};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

/// Put the terminal in UI mode.
fn enter() -> io::Result<()> {
    enable_raw_mode()?;
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        cursor::Hide
    )
}

/// Give the terminal back as it was. Every step runs even if one fails.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(out, DisableBracketedPaste);
    let _ = execute!(out, DisableMouseCapture);
    let _ = execute!(out, LeaveAlternateScreen);
    let _ = execute!(out, cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Enter UI mode and return the guard and a terminal over stdout.
    pub fn enter() -> io::Result<(TerminalGuard, Terminal<CrosstermBackend<io::Stdout>>)> {
        let guard = TerminalGuard { _private: () };
        enter()?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Restore the terminal before any panic message is printed, then run the
/// hook that was installed before (the binary's one-line report).
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// What the event loop needs from the real terminal besides drawing.
pub trait Host {
    /// Leave UI mode (to run an editor).
    fn suspend(&mut self) -> io::Result<()>;
    /// Enter UI mode again.
    fn resume(&mut self) -> io::Result<()>;
    /// Write bytes straight to the terminal (an OSC 52 sequence).
    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()>;
}

/// The real terminal on stdout.
#[derive(Debug, Default)]
pub struct StdoutHost;

impl Host for StdoutHost {
    fn suspend(&mut self) -> io::Result<()> {
        restore();
        Ok(())
    }

    fn resume(&mut self) -> io::Result<()> {
        enter()
    }

    fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut out = io::stdout();
        out.write_all(bytes)?;
        out.flush()
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard. The payload is
/// base64, so nothing in `text` can act on the terminal.
pub fn osc52(text: &str) -> Vec<u8> {
    use base64::Engine;
    let payload = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{payload}\x07").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_hook_restores_then_chains() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let reported = Arc::new(AtomicBool::new(false));
        let flag = reported.clone();
        let original = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |_| flag.store(true, Ordering::SeqCst)));
        install_panic_hook();
        let result = std::panic::catch_unwind(|| panic!("boom"));
        let _ = std::panic::take_hook();
        std::panic::set_hook(original);
        assert!(result.is_err());
        assert!(reported.load(Ordering::SeqCst), "the previous hook ran");
    }

    #[test]
    fn osc52_is_base64() {
        let seq = osc52("a\x1b]0;x\x07");
        let text = String::from_utf8(seq).unwrap();
        assert!(text.starts_with("\x1b]52;c;"));
        let payload = &text[7..text.len() - 1];
        assert!(
            payload
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
        );
    }
}
