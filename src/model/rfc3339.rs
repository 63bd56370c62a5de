//! Writing times as RFC 3339 text without `core::fmt`.
//!
//! Every capture line holds several dates (`published_at`, `meta`'s
//! `created_at`, `expires_at`…). chrono writes them through the
//! `core::fmt` machinery (`write!` with padding specs for every part), which
//! was the largest single cost of writing a capture line. This writer makes
//! the same bytes with plain digit arithmetic into a stack buffer: written
//! by hand because no crate writes chrono's exact form (its serde form,
//! `SecondsFormat::AutoSi` with `Z`, or fixed milliseconds) faster; tests
//! compare it with chrono on many instants of every precision and on years
//! outside 0..=9999.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// How many fraction digits to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fraction {
    /// As chrono's serde form (`SecondsFormat::AutoSi`): none for whole
    /// seconds, else 3, 6 or 9 digits, the fewest that hold the value.
    Auto,
    /// Always 3 digits (`SecondsFormat::Millis`).
    Millis,
}

/// A time written as RFC 3339 in UTC (`Z`), on the stack.
#[derive(Clone, Copy)]
pub struct Rfc3339 {
    bytes: [u8; 40],
    len: usize,
}

impl Rfc3339 {
    /// `t` written as chrono's `to_rfc3339_opts(format, true)` writes it
    /// (with [`Fraction::Auto`], as chrono's `Serialize` writes it).
    pub fn new(t: DateTime<Utc>, fraction: Fraction) -> Rfc3339 {
        let mut w = Rfc3339 {
            bytes: [0; 40],
            len: 0,
        };
        let naive = t.naive_utc();
        let date = naive.date();
        let year = date.year();
        if (0..=9999).contains(&year) {
            w.digits(year as u32, 4);
        } else {
            // chrono writes `{year:+05}`: a sign, then at least 4 digits.
            w.push(if year < 0 { b'-' } else { b'+' });
            let abs = year.unsigned_abs();
            w.digits(abs, count_digits(abs).max(4));
        }
        w.push(b'-');
        w.digits(date.month(), 2);
        w.push(b'-');
        w.digits(date.day(), 2);
        w.push(b'T');
        let time = naive.time();
        let mut second = time.second();
        let mut nano = time.nanosecond();
        // A leap second is held as nanoseconds past 1e9 of second 59.
        if nano >= 1_000_000_000 {
            second += 1;
            nano -= 1_000_000_000;
        }
        w.digits(time.hour(), 2);
        w.push(b':');
        w.digits(time.minute(), 2);
        w.push(b':');
        w.digits(second, 2);
        match fraction {
            Fraction::Millis => w.fraction(nano / 1_000_000, 3),
            Fraction::Auto if nano == 0 => {}
            Fraction::Auto if nano % 1_000_000 == 0 => w.fraction(nano / 1_000_000, 3),
            Fraction::Auto if nano % 1_000 == 0 => w.fraction(nano / 1_000, 6),
            Fraction::Auto => w.fraction(nano, 9),
        }
        w.push(b'Z');
        w
    }

    /// `t` as chrono's `to_rfc3339` writes it: [`Fraction::Auto`], the
    /// zone as `+00:00`.
    pub fn with_offset(t: DateTime<Utc>) -> Rfc3339 {
        let mut w = Rfc3339::new(t, Fraction::Auto);
        w.len -= 1; // the `Z`
        for &b in b"+00:00" {
            w.push(b);
        }
        w
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits and punctuation are ever pushed.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    /// `n` in exactly `width` digits (zero-padded; `n` fits).
    fn digits(&mut self, mut n: u32, width: usize) {
        let end = self.len + width;
        for i in (self.len..end).rev() {
            self.bytes[i] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        self.len = end;
    }

    fn fraction(&mut self, n: u32, width: usize) {
        self.push(b'.');
        self.digits(n, width);
    }
}

fn count_digits(mut n: u32) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// Serde `serialize_with` for an optional time: the same text as chrono's
/// own `Serialize`, written without `core::fmt`.
pub fn serialize_option<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serializer.serialize_str(Rfc3339::new(*t, Fraction::Auto).as_str()),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, SecondsFormat, TimeDelta};

    use super::*;

    /// `t` as RFC 3339 with milliseconds (`2020-12-31T23:15:58.999Z`).
    fn millis(t: DateTime<Utc>) -> String {
        Rfc3339::new(t, Fraction::Millis).as_str().to_owned()
    }

    /// Instants of every precision over chrono's whole range of years.
    fn instants() -> Vec<DateTime<Utc>> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let min = DateTime::<Utc>::MIN_UTC.timestamp();
        let max = DateTime::<Utc>::MAX_UTC.timestamp();
        let mut out = vec![DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC];
        for i in 0..200_000u64 {
            let r = next();
            let seconds = match i % 4 {
                // Anywhere in chrono's range.
                0 => min + (r % (max - min) as u64) as i64,
                // Around years 0 and 10000.
                1 => -62_167_219_200 + (r % 400_000_000_000) as i64 - 200_000_000_000,
                2 => 253_402_300_800 + (r % 400_000_000) as i64 - 200_000_000,
                // Today's dates.
                _ => (r % 4_000_000_000) as i64,
            };
            let nanos = match (r >> 40) % 5 {
                0 => 0,
                1 => (r >> 20) as u32 % 1000 * 1_000_000,
                2 => (r >> 20) as u32 % 1_000_000 * 1000,
                3 => (r >> 20) as u32 % 1_000_000_000,
                _ => (r >> 20) as u32 % 10 * 100_000_000,
            };
            if let Some(t) = DateTime::from_timestamp(seconds, nanos) {
                out.push(t);
            }
        }
        out
    }

    #[test]
    fn writes_what_chrono_writes() {
        for t in instants() {
            let serde = serde_json::to_string(&t).unwrap();
            assert_eq!(
                serde,
                format!("\"{}\"", Rfc3339::new(t, Fraction::Auto).as_str())
            );
            assert_eq!(
                t.to_rfc3339_opts(SecondsFormat::Millis, true),
                millis(t),
                "{t:?}"
            );
            assert_eq!(t.to_rfc3339(), Rfc3339::with_offset(t).as_str(), "{t:?}");
        }
    }

    #[test]
    fn writes_leap_seconds_and_far_years_as_chrono() {
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .unwrap()
            .and_hms_nano_opt(23, 59, 59, 1_500_000_000)
            .unwrap()
            .and_utc();
        let far = [
            leap,
            leap + TimeDelta::nanoseconds(1),
            NaiveDate::from_ymd_opt(-1, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc(),
            NaiveDate::from_ymd_opt(10000, 2, 29)
                .unwrap()
                .and_hms_opt(1, 2, 3)
                .unwrap()
                .and_utc(),
            NaiveDate::from_ymd_opt(999, 12, 31)
                .unwrap()
                .and_hms_micro_opt(23, 59, 59, 123_456)
                .unwrap()
                .and_utc(),
        ];
        for t in far {
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", Rfc3339::new(t, Fraction::Auto).as_str())
            );
            assert_eq!(t.to_rfc3339_opts(SecondsFormat::Millis, true), millis(t));
            assert_eq!(t.to_rfc3339(), Rfc3339::with_offset(t).as_str());
        }
        assert_eq!(millis(far[0]), "2016-12-31T23:59:60.500Z");
        assert_eq!(
            Rfc3339::new(far[2], Fraction::Auto).as_str(),
            "-0001-01-01T00:00:00Z"
        );
    }

    #[test]
    fn serializes_an_option_as_chrono_does() {
        #[derive(serde::Serialize)]
        struct Fast(#[serde(serialize_with = "serialize_option")] Option<DateTime<Utc>>);
        for t in instants().into_iter().take(1000) {
            assert_eq!(
                serde_json::to_string(&Fast(Some(t))).unwrap(),
                serde_json::to_string(&Some(t)).unwrap()
            );
        }
        assert_eq!(serde_json::to_string(&Fast(None)).unwrap(), "null");
    }
}
