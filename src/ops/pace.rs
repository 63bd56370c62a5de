//! Paced replay: when each event of a replay may be sent. At once (the
//! default), at a fixed rate (`--rate N/s`), or keeping the gaps between
//! the events' own times, sped up or slowed down (`--pace original[:SPEED]`).

use std::time::Duration;

use crate::model::Event;

/// How fast a replay sends.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Pace {
    /// As fast as the target takes them.
    #[default]
    Asap,
    /// At most this many events per second.
    Rate(f64),
    /// The original gaps between the events' times, divided by this speed
    /// (2: twice as fast; 0.5: half as fast).
    Original(f64),
}

/// The fastest and slowest `--rate` (events per second) and `SPEED`.
const RANGE: std::ops::RangeInclusive<f64> = 0.001..=100_000.0;

impl Pace {
    /// `--rate`: `N/s`, `N/m`, `N/h` or `N` (per second).
    pub fn parse_rate(text: &str) -> Result<Pace, String> {
        let text = text.trim();
        let bad = || format!("bad rate `{text}`: write events per second, e.g. 10/s, 120/m, 0.5");
        let (number, per) = match text.split_once('/') {
            Some((n, unit)) => (n, unit.trim()),
            None => (text, "s"),
        };
        let scale = match per {
            "s" | "sec" => 1.0,
            "m" | "min" => 1.0 / 60.0,
            "h" => 1.0 / 3600.0,
            _ => return Err(bad()),
        };
        let value: f64 = number.trim().parse().map_err(|_| bad())?;
        let rate = value * scale;
        if !rate.is_finite() || !RANGE.contains(&rate) {
            return Err(bad());
        }
        Ok(Pace::Rate(rate))
    }

    /// `--pace`: `original` or `original:SPEED` (`original:2`, `original:0.5`).
    pub fn parse_pace(text: &str) -> Result<Pace, String> {
        let text = text.trim();
        let bad = || {
            format!(
                "bad pace `{text}`: write original, or original:SPEED (original:2 twice as fast, original:0.5 half as fast)"
            )
        };
        let speed = match text.split_once(':') {
            None if text == "original" => 1.0,
            Some(("original", speed)) => speed.trim().parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        };
        if !f64::is_finite(speed) || !RANGE.contains(&speed) {
            return Err(bad());
        }
        Ok(Pace::Original(speed))
    }

    /// The pace of `--rate` and `--pace` given together or alone; both at
    /// once is an error.
    pub fn from_flags(rate: Option<&str>, pace: Option<&str>) -> Result<Pace, String> {
        match (rate, pace) {
            (Some(_), Some(_)) => Err("give --rate or --pace, not both".into()),
            (Some(rate), None) => Pace::parse_rate(rate),
            (None, Some(pace)) => Pace::parse_pace(pace),
            (None, None) => Ok(Pace::Asap),
        }
    }

    /// Split `TARGET [--rate N/s | --pace original[:SPEED]]` (the TUI's
    /// replay prompt and `:replay`) into the target and the pace.
    pub fn split_target(text: &str) -> Result<(String, Pace), String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let mut target = Vec::new();
        let (mut rate, mut pace) = (None, None);
        let mut i = 0;
        while i < words.len() {
            let (flag, inline) = match words[i].split_once('=') {
                Some((f, v)) => (f, Some(v)),
                None => (words[i], None),
            };
            let slot = match flag {
                "--rate" => &mut rate,
                "--pace" => &mut pace,
                _ => {
                    target.push(words[i]);
                    i += 1;
                    continue;
                }
            };
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    *words
                        .get(i)
                        .ok_or_else(|| format!("{flag} needs a value"))?
                }
            };
            *slot = Some(value);
            i += 1;
        }
        Ok((target.join(" "), Pace::from_flags(rate, pace)?))
    }

    /// How the journal and reports name it: `10/s`, `original:2`, or
    /// `None` at once.
    pub fn label(self) -> Option<String> {
        match self {
            Pace::Asap => None,
            Pace::Rate(r) => Some(format!("{r}/s")),
            Pace::Original(s) => Some(format!("original:{s}")),
        }
    }

    /// When each of `events` may be sent, from the start of the replay.
    /// At once: all at zero. At a rate: one every 1/rate seconds. Original:
    /// the gaps between consecutive events' publish times, divided by the
    /// speed; a gap
    /// that is unknown or negative (events out of order) counts as none.
    pub fn schedule(self, events: &[Event]) -> Vec<Duration> {
        match self {
            Pace::Asap => vec![Duration::ZERO; events.len()],
            Pace::Rate(rate) => (0..events.len())
                .map(|i| Duration::from_secs_f64(i as f64 / rate))
                .collect(),
            Pace::Original(speed) => {
                let mut at = 0.0_f64;
                let mut last = None;
                events
                    .iter()
                    .map(|event| {
                        let time = event.published_at;
                        if let (Some(prev), Some(now)) = (last, time) {
                            let gap: chrono::TimeDelta = now - prev;
                            let gap = gap.num_microseconds().unwrap_or(i64::MAX) as f64 / 1e6;
                            if gap > 0.0 {
                                at += gap / speed;
                            }
                        }
                        if time.is_some() {
                            last = time;
                        }
                        Duration::from_secs_f64(at.min(1e9))
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(secs: Option<i64>) -> Event {
        Event {
            published_at: secs.map(|s| chrono::Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()),
            ..Event::new("e", "test", "{}")
        }
    }

    #[test]
    fn flags_parse_and_refuse_nonsense() {
        assert_eq!(Pace::parse_rate("10/s"), Ok(Pace::Rate(10.0)));
        assert_eq!(Pace::parse_rate("120/m"), Ok(Pace::Rate(2.0)));
        assert_eq!(Pace::parse_rate("0.5"), Ok(Pace::Rate(0.5)));
        for bad in ["0", "-1/s", "x/s", "10/d", "NaN", "inf"] {
            assert!(Pace::parse_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(Pace::parse_pace("original"), Ok(Pace::Original(1.0)));
        assert_eq!(Pace::parse_pace("original:2"), Ok(Pace::Original(2.0)));
        for bad in ["fast", "original:0", "original:x", "original:-2"] {
            assert!(Pace::parse_pace(bad).is_err(), "{bad}");
        }
        assert!(Pace::from_flags(Some("1"), Some("original")).is_err());
        assert_eq!(
            Pace::split_target("out.jsonl --pace original:4"),
            Ok(("out.jsonl".to_string(), Pace::Original(4.0)))
        );
        assert_eq!(
            Pace::split_target("sqs://q --rate=5/s"),
            Ok(("sqs://q".to_string(), Pace::Rate(5.0)))
        );
        assert!(Pace::split_target("q --rate").is_err());
    }

    #[test]
    fn schedules_keep_rates_and_original_gaps() {
        let events = [
            at(Some(0)),
            at(Some(10)),
            at(None),
            at(Some(5)),
            at(Some(30)),
        ];
        let secs = |pace: Pace| -> Vec<f64> {
            pace.schedule(&events)
                .iter()
                .map(Duration::as_secs_f64)
                .collect()
        };
        assert_eq!(secs(Pace::Asap), [0.0; 5]);
        assert_eq!(secs(Pace::Rate(2.0)), [0.0, 0.5, 1.0, 1.5, 2.0]);
        // 10 s gap, unknown (none), backwards (none), then 25 s after the 5.
        assert_eq!(secs(Pace::Original(1.0)), [0.0, 10.0, 10.0, 10.0, 35.0]);
        assert_eq!(secs(Pace::Original(5.0)), [0.0, 2.0, 2.0, 2.0, 7.0]);
    }
}
