//! The bound on how long a live session holds a message from the queue's
//! consumers (`--max-hold`, config `sqs.max_hold`), and the consumers'
//! chance after the bound let messages go.

use std::time::Duration;

/// How long a live session may hold a message from the queue's consumers
/// (`--max-hold`, config `sqs.max_hold`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaxHold {
    /// Until the session ends: the only way to see a whole backlog once.
    Forever,
    /// Make a message visible again after it was held this long.
    For(Duration),
}

impl MaxHold {
    /// `forever`, or a duration: `30s`, `2m`, `1h`, `500ms`, or seconds
    /// without a unit. Zero is refused (it would hold nothing). Written by
    /// hand: four units do not warrant a crate.
    pub fn parse(text: &str) -> Result<MaxHold, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("forever") {
            return Ok(MaxHold::Forever);
        }
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let bad =
            || format!("bad max hold `{text}`: write forever or a duration such as 30s, 2m, 500ms");
        let value: f64 = number.parse().map_err(|_| bad())?;
        let scale = match unit.trim() {
            "" | "s" | "sec" | "secs" => 1.0,
            "ms" => 0.001,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        let seconds = value * scale;
        if !seconds.is_finite() || seconds <= 0.0 || seconds > 365.0 * 86_400.0 {
            return Err(bad());
        }
        Ok(MaxHold::For(Duration::from_secs_f64(seconds)))
    }

    /// The bound, `None` for forever.
    pub fn bound(self) -> Option<Duration> {
        match self {
            MaxHold::Forever => None,
            MaxHold::For(d) => Some(d),
        }
    }
}

/// How long the consumers get after the bound let messages go, before this
/// session receives again: a quarter of the bound, between 1 and 10 s.
pub(crate) fn grace(bound: Duration) -> Duration {
    (bound / 4).clamp(Duration::from_secs(1), Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_hold_reads_durations_and_forever() {
        assert_eq!(MaxHold::parse("forever"), Ok(MaxHold::Forever));
        assert_eq!(
            MaxHold::parse("30s"),
            Ok(MaxHold::For(Duration::from_secs(30)))
        );
        assert_eq!(
            MaxHold::parse("2m"),
            Ok(MaxHold::For(Duration::from_secs(120)))
        );
        assert_eq!(
            MaxHold::parse("1.5"),
            Ok(MaxHold::For(Duration::from_millis(1500)))
        );
        assert_eq!(
            MaxHold::parse("500ms"),
            Ok(MaxHold::For(Duration::from_millis(500)))
        );
        for bad in ["", "0s", "-3s", "soon", "3 days", "1e9"] {
            assert!(MaxHold::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_consumers_chance_is_a_quarter_of_the_bound_within_limits() {
        assert_eq!(grace(Duration::from_secs(2)), Duration::from_secs(1));
        assert_eq!(grace(Duration::from_secs(20)), Duration::from_secs(5));
        assert_eq!(grace(Duration::from_secs(3600)), Duration::from_secs(10));
    }
}
