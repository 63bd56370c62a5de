//! Ctrl-C while a job runs or a question waits for its answer.
//!
//! Once evscope listens for Ctrl-C (a scan does, to stop between two
//! events), the signal no longer ends the process: whatever waits must
//! listen for it too. A job's watcher does, and so does a question asked
//! on the terminal (which otherwise kept waiting for a line).

use std::io::{BufRead, Write};

/// Ctrl-C, listened for from when this is built until it is dropped, by
/// one listener: a listener made anew after each progress update missed a
/// Ctrl-C pressed while the update was shown (the signal reaches only the
/// listeners there are when it arrives).
pub(super) struct Interrupts {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    pub(super) fn register() -> Interrupts {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Interrupts {
                signal: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Interrupts {}
    }

    /// The next Ctrl-C (never, once signals can no longer be received).
    pub(super) async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.signal {
            if signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
            return;
        }
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// `question` asked on standard error and the line typed on the terminal
/// in answer, or `None` when Ctrl-C was pressed instead. Ctrl-C is
/// listened for before the question shows: one pressed as soon as it
/// shows counts. Called from the CLI's commands, on its multi-thread
/// runtime; anywhere else the line is read plainly.
pub(super) fn answer(question: &str) -> std::io::Result<Option<String>> {
    fn ask(question: &str) {
        eprint!("{question}");
        let _ = std::io::stderr().flush();
    }
    fn plain() -> std::io::Result<String> {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line)
    }
    let handle = match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => h,
        _ => {
            ask(question);
            return plain().map(Some);
        }
    };
    let mut interrupts = Interrupts::register();
    ask(question);
    // The reading thread is left blocked when Ctrl-C wins: the process
    // ends without waiting for it.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(plain());
    });
    tokio::task::block_in_place(|| {
        handle.block_on(async {
            tokio::select! {
                line = rx => match line {
                    Ok(line) => line.map(Some),
                    Err(_) => Err(std::io::Error::other("the terminal could not be read")),
                },
                () = interrupts.recv() => Ok(None),
            }
        })
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::Interrupts;

    /// The listener is there from when it is registered: a Ctrl-C that
    /// arrives before anything waits (while progress is shown) is received
    /// by the next wait.
    #[tokio::test]
    async fn a_ctrl_c_before_the_wait_is_received() {
        let mut interrupts = Interrupts::register();
        // SAFETY: signals this process; the listener above handles SIGINT.
        let sent = unsafe { libc::kill(libc::getpid(), libc::SIGINT) };
        assert_eq!(sent, 0);
        tokio::time::timeout(std::time::Duration::from_secs(5), interrupts.recv())
            .await
            .expect("the Ctrl-C sent before the wait is received");
    }
}
