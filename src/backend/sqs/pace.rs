//! How many receive calls to make at once: as many as the messages still
//! expected need (10 a call, up to a maximum), then a single long-polling
//! probe to make sure the queue is drained: short polls can come back empty
//! on real SQS while messages remain, a 1-second long poll cannot.

/// Paces the receive rounds of one browse or drain.
#[derive(Debug, Clone)]
pub(crate) struct Pacer {
    expected: usize,
    received: usize,
    max_width: usize,
    width: usize,
    probing: bool,
}

impl Pacer {
    /// `expected` messages at the start (the queue's visible count), at
    /// most `max_width` calls at once (1 for a FIFO queue).
    pub fn new(expected: u64, max_width: usize) -> Pacer {
        let expected = usize::try_from(expected).unwrap_or(usize::MAX);
        let mut pacer = Pacer {
            expected,
            received: 0,
            max_width: max_width.max(1),
            width: 1,
            probing: expected == 0,
        };
        pacer.width = pacer.width_for_rest();
        pacer
    }

    /// One long poll at a time until messages come: waiting for messages
    /// in flight elsewhere to become visible again.
    pub fn waiting() -> Pacer {
        Pacer {
            expected: 0,
            received: 0,
            max_width: 1,
            width: 1,
            probing: true,
        }
    }

    fn width_for_rest(&self) -> usize {
        self.expected
            .saturating_sub(self.received)
            .div_ceil(10)
            .clamp(1, self.max_width)
    }

    /// Calls to make in the next round, and the long-poll wait in seconds.
    pub fn next(&self) -> (usize, u32) {
        (self.width, u32::from(self.probing))
    }

    /// Record a round: `got` messages, `short` when some call returned
    /// fewer than it asked for. `false` when the queue is drained.
    pub fn record(&mut self, got: usize, short: bool) -> bool {
        if got == 0 && self.probing {
            return false;
        }
        self.received += got;
        if short || got == 0 || self.received >= self.expected {
            self.probing = true;
            self.width = 1;
        } else {
            self.probing = false;
            self.width = self.width_for_rest();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_is_read_in_wide_rounds_then_probed_once() {
        let mut p = Pacer::new(1000, 10);
        let mut calls = 0;
        let mut left = 1000usize;
        loop {
            let (width, _) = p.next();
            calls += width;
            let got = left.min(width * 10);
            left -= got;
            let short = got < width * 10;
            if !p.record(got, short) {
                break;
            }
        }
        assert_eq!(left, 0);
        assert_eq!(calls, 101);
    }

    #[test]
    fn an_empty_queue_costs_one_probe() {
        let mut p = Pacer::new(0, 10);
        assert_eq!(p.next(), (1, 1));
        assert!(!p.record(0, true));
    }

    #[test]
    fn more_than_expected_keeps_probing_until_empty() {
        let mut p = Pacer::new(10, 10);
        assert_eq!(p.next(), (1, 0));
        assert!(p.record(10, false));
        assert_eq!(p.next(), (1, 1));
        assert!(p.record(10, false));
        assert!(p.record(3, true));
        assert!(!p.record(0, true));
    }
}
