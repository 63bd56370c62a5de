//! What a live session (following an SQS queue) costs the source's other
//! consumers, in terms the UI and the CLI show: the caution before it
//! starts, what it holds while it runs, and what it released at its end.
//! Backends fill these in; nothing here knows about the UI.

use std::time::Duration;

/// What following a source will cost its consumers, asked before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldCaution {
    /// One sentence naming the cost, the bound and the queue's state.
    pub text: String,
    /// Messages in flight (received by some consumer, not yet deleted) now.
    pub in_flight: u64,
    /// Whether the source looks consumed: messages in flight, or messages
    /// received by someone else shortly before.
    pub consumed: bool,
}

/// The end of a live session: what it made visible again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Released {
    /// Messages made visible again at once.
    pub released: usize,
    /// Messages that could not be (the endpoint is gone): they come back by
    /// themselves within [`Released::back_within`].
    pub failed: usize,
    /// Why the first failure failed.
    pub reason: Option<String>,
    /// The visibility timeout they were hidden with.
    pub back_within: Duration,
}

/// What a source's live sessions hold from its consumers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HoldStatus {
    /// Messages held now.
    pub held: usize,
    /// How long the one held longest has been held.
    pub longest: Duration,
    /// The bound on a hold; `None`: until the session ends.
    pub max_hold: Option<Duration>,
    /// Messages let go because they were held for `max_hold`.
    pub let_go: u64,
    /// Of those, messages received again after the consumers had a chance
    /// (still there): held again, not shown again.
    pub re_received: u64,
    /// The last session that ended, when one did.
    pub ended: Option<Released>,
}

impl HoldStatus {
    /// "holding 12 from consumers · longest 8 s", when holding any.
    pub fn holding_line(&self) -> Option<String> {
        (self.held > 0).then(|| {
            format!(
                "holding {} from consumers · longest {} s",
                self.held,
                self.longest.as_secs()
            )
        })
    }

    /// What the bound did: "let 4 go after 30 s, 2 re-received", when it
    /// let any go.
    pub fn let_go_line(&self) -> Option<String> {
        let bound = self.max_hold?;
        (self.let_go > 0).then(|| {
            format!(
                "let {} go after {} s (max hold), {} re-received after consumers had a chance",
                self.let_go,
                bound.as_secs_f64(),
                self.re_received
            )
        })
    }
}

impl Released {
    /// "released 12 held messages" or, when the endpoint could not be
    /// reached, when the rest come back by themselves.
    pub fn line(&self, uri: &str) -> String {
        let mut line = format!(
            "{uri}: released {} held message{}",
            self.released,
            if self.released == 1 { "" } else { "s" }
        );
        if self.failed > 0 {
            let back = chrono::Local::now()
                + chrono::Duration::from_std(self.back_within).unwrap_or_default();
            line.push_str(&format!(
                "; could not release {} ({}): they become visible by themselves within {} s (by {})",
                self.failed,
                self.reason.as_deref().unwrap_or("no answer"),
                self.back_within.as_secs(),
                back.format("%H:%M:%S")
            ));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_what_is_held_and_released() {
        let status = HoldStatus {
            held: 3,
            longest: Duration::from_millis(8_900),
            max_hold: Some(Duration::from_secs(30)),
            let_go: 2,
            re_received: 1,
            ended: None,
        };
        assert_eq!(
            status.holding_line().unwrap(),
            "holding 3 from consumers · longest 8 s"
        );
        assert!(
            status
                .let_go_line()
                .unwrap()
                .starts_with("let 2 go after 30 s")
        );
        assert_eq!(HoldStatus::default().holding_line(), None);
        let done = Released {
            released: 1,
            failed: 0,
            reason: None,
            back_within: Duration::from_secs(30),
        };
        assert_eq!(done.line("sqs://q"), "sqs://q: released 1 held message");
        let gone = Released {
            failed: 2,
            reason: Some("cannot connect".into()),
            ..done
        };
        assert!(gone.line("sqs://q").contains(
            "could not release 2 (cannot connect): they become visible by themselves within 30 s"
        ));
    }
}
