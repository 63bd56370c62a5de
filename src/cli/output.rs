//! Writing to stdout and stderr: one line at a time, a closed pipe ends the
//! command quietly, and stderr progress only on a terminal.

use std::io::{self, IsTerminal, Write};

/// Buffered stdout that reports a closed pipe as "stop" rather than an error.
pub struct Out {
    inner: io::BufWriter<io::Stdout>,
}

impl Out {
    /// Lock-free buffered stdout.
    pub fn new() -> Self {
        Out {
            inner: io::BufWriter::with_capacity(1 << 16, io::stdout()),
        }
    }

    /// Write one line. `Ok(false)` when the reader went away (`| head`).
    pub fn line(&mut self, text: &str) -> io::Result<bool> {
        let result = self
            .inner
            .write_all(text.as_bytes())
            .and_then(|()| self.inner.write_all(b"\n"));
        closed_pipe_is_stop(result)
    }

    /// Flush; `Ok(false)` when the reader went away.
    pub fn flush(&mut self) -> io::Result<bool> {
        closed_pipe_is_stop(self.inner.flush())
    }
}

fn closed_pipe_is_stop(result: io::Result<()>) -> io::Result<bool> {
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// Whether stdout is a pipe whose reader went away, found without writing
/// (a follow that has nothing to print yet still notices `| head` ending).
/// poll(2) with no events asked reports POLLERR on such a pipe.
pub fn stdout_closed() -> bool {
    #[cfg(unix)]
    {
        let mut fd = libc::pollfd {
            fd: 1,
            events: 0,
            revents: 0,
        };
        // SAFETY: one valid pollfd, no timeout.
        let n = unsafe { libc::poll(&mut fd, 1, 0) };
        n > 0 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// A warning on stderr, prefixed with `evscope:`, secrets masked.
pub fn warn(message: &str) {
    let _ = writeln!(
        io::stderr(),
        "evscope: {}",
        crate::sanitize::escape_masked(message)
    );
}

/// Progress on stderr, rewritten in place, only when stderr is a terminal.
pub fn progress(message: &str) {
    let mut err = io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[2K{message}");
        let _ = err.flush();
    }
}

/// End a progress line.
pub fn progress_done() {
    let mut err = io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}
