//! Date, epoch and duration parsing shared by the facets.
//!
//! Accepted date strings, all read as UTC unless they carry an offset:
//! RFC 3339 (`2020-12-30T23:15:58.999Z`, `+01:00`), the classic envelope's
//! `2020-12-30 23:15:58.999`, the same without fraction or with a `T`,
//! a bare `2020-12-30` (midnight), RFC 2822, and numeric strings read as
//! epochs. Epoch numbers are seconds below [`EPOCH_MS_CUTOFF`] and
//! milliseconds from it on.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use serde_json::Value;

use super::path::Found;

/// Epoch numbers at or above this are milliseconds, below it seconds.
/// 1e11 seconds is the year 5138 while 1e11 ms is March 1973, so every
/// plausible timestamp lands on the right side.
pub const EPOCH_MS_CUTOFF: f64 = 1e11;

/// A number from a JSON number or a numeric string (trimmed).
pub(crate) fn number(found: &Found<'_>) -> Option<f64> {
    let n = match found {
        Found::Str(s) => s.trim().parse::<f64>().ok()?,
        Found::Ref(v) => json_number(v)?,
        Found::Owned(v) => json_number(v)?,
    };
    n.is_finite().then_some(n)
}

fn json_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// The time `ms` milliseconds after the Unix epoch.
pub(crate) fn from_epoch_ms(ms: f64) -> Option<DateTime<Utc>> {
    if !ms.is_finite() || ms.abs() > 8.0e15 {
        return None;
    }
    // In range: the cast is exact enough (sub-millisecond parts dropped).
    DateTime::from_timestamp_millis(ms.round() as i64)
}

/// An epoch in seconds or milliseconds, told apart by magnitude.
pub(crate) fn from_epoch_auto(n: f64) -> Option<DateTime<Utc>> {
    if n.abs() >= EPOCH_MS_CUTOFF {
        from_epoch_ms(n)
    } else {
        from_epoch_ms(n * 1000.0)
    }
}

/// A date from a found value: a date string, a numeric string or a number
/// (epochs by magnitude).
pub(crate) fn date(found: &Found<'_>) -> Option<DateTime<Utc>> {
    match found.as_str() {
        Some(s) => parse_date(s),
        None => from_epoch_auto(number(found)?),
    }
}

/// Parse a date string in any of the accepted forms.
pub(crate) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    let s = crate::model::trim(s);
    if let Some(t) = parse_iso(s.as_bytes()) {
        return Some(t);
    }
    if let Ok(n) = s.parse::<f64>() {
        return from_epoch_auto(n);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    DateTime::parse_from_rfc2822(s).ok().map(|t| t.to_utc())
}

/// `YYYY-MM-DD[(T|t| )HH:MM[:SS][(.|,)fraction][Z|z|±HH[:]MM|±HH]]`.
fn parse_iso(b: &[u8]) -> Option<DateTime<Utc>> {
    let mut p = Cursor { b, i: 0 };
    let year = p.digits(4)?;
    p.expect(b'-')?;
    let month = p.digits(2)?;
    p.expect(b'-')?;
    let day = p.digits(2)?;
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    if p.done() {
        return Some(date.and_hms_opt(0, 0, 0)?.and_utc());
    }
    if !matches!(p.next()?, b'T' | b't' | b' ') {
        return None;
    }
    let hour = p.digits(2)?;
    p.expect(b':')?;
    let minute = p.digits(2)?;
    let mut second = 0;
    let mut nanos = 0;
    if p.peek() == Some(b':') {
        p.i += 1;
        second = p.digits(2)?;
        if matches!(p.peek(), Some(b'.' | b',')) {
            p.i += 1;
            let start = p.i;
            let mut scale = 100_000_000;
            while let Some(d) = p.peek().filter(u8::is_ascii_digit) {
                nanos += u32::from(d - b'0') * scale;
                scale /= 10;
                p.i += 1;
            }
            if p.i == start {
                return None;
            }
        }
    }
    let local = date
        .and_hms_nano_opt(hour, minute, second, nanos)?
        .and_utc();
    let offset_secs: i64 = match p.next() {
        None | Some(b'Z' | b'z') if p.done() => 0,
        Some(sign @ (b'+' | b'-')) => {
            let h = i64::from(p.digits(2)?);
            if p.peek() == Some(b':') {
                p.i += 1;
            }
            let m = if p.done() { 0 } else { i64::from(p.digits(2)?) };
            if !p.done() || h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            if sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    local.checked_sub_signed(TimeDelta::seconds(offset_secs))
}

struct Cursor<'b> {
    b: &'b [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn done(&self) -> bool {
        self.i >= self.b.len()
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..n {
            let d = self.next().filter(u8::is_ascii_digit)?;
            v = v * 10 + u32::from(d - b'0');
        }
        Some(v)
    }
}

/// A duration for people, its two largest units (`3h 12m`, `2d 4h`,
/// `45s`), written at the end of `out` without `core::fmt` (an expired
/// problem's message is written for every expired event).
pub(crate) fn humanize_into(d: TimeDelta, out: &mut String) {
    let total = d.num_seconds().unsigned_abs();
    let units = [(86_400, 'd'), (3_600, 'h'), (60, 'm'), (1, 's')];
    let Some(first) = units.iter().position(|(size, _)| total >= *size) else {
        out.push_str("0s");
        return;
    };
    let mut digits = itoa::Buffer::new();
    let (size, name) = units[first];
    out.push_str(digits.format(total / size));
    out.push(name);
    // The next unit, unless it is zero: `3h 0m` reads better as `3h`.
    if let Some(&(next, next_name)) = units.get(first + 1) {
        let n = total % size / next;
        if n > 0 {
            out.push(' ');
            out.push_str(digits.format(n));
            out.push(next_name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("valid")
    }

    #[test]
    fn parses_the_accepted_forms() {
        let base = utc(2020, 12, 30, 23, 15, 58);
        let ms = TimeDelta::milliseconds(999);
        assert_eq!(parse_date("2020-12-30 23:15:58.999"), Some(base + ms));
        assert_eq!(parse_date("2020-12-30T23:15:58.999Z"), Some(base + ms));
        assert_eq!(parse_date("2020-12-30T23:15:58Z"), Some(base));
        assert_eq!(parse_date("2020-12-30T23:15:58"), Some(base));
        assert_eq!(parse_date("2020-12-31T00:15:58+01:00"), Some(base));
        assert_eq!(parse_date("2020-12-30T20:15:58-0300"), Some(base));
        assert_eq!(
            parse_date("2020-12-30T23:15Z"),
            Some(utc(2020, 12, 30, 23, 15, 0))
        );
        assert_eq!(parse_date("2020-12-30"), Some(utc(2020, 12, 30, 0, 0, 0)));
        assert_eq!(
            parse_date("2021-01-01T00:00:00.123456789Z"),
            Some(utc(2021, 1, 1, 0, 0, 0) + TimeDelta::nanoseconds(123_456_789))
        );
        assert_eq!(parse_date("Wed, 30 Dec 2020 23:15:58 +0000"), Some(base));
        assert_eq!(parse_date("1609370158"), Some(base));
        assert_eq!(parse_date("1609370158999"), Some(base + ms));
    }

    #[test]
    fn rejects_bad_dates() {
        for bad in [
            "2020-13-01 00:00:00",
            "2020-02-30",
            "2020-12-30 25:00:00",
            "30/12/2020",
            "yesterday",
            "2020-12-30T23:15:58.Z",
            "2020-12-30T23:15:58+1",
            "2020-12-30T23:15:58Zjunk",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn epoch_numbers_by_magnitude() {
        let t = utc(2020, 2, 1, 9, 30, 0);
        assert_eq!(date(&Found::Owned(json!(1580549400))), Some(t));
        assert_eq!(date(&Found::Owned(json!(1580549400000_u64))), Some(t));
        assert_eq!(date(&Found::Owned(json!(1e300))), None);
        assert_eq!(date(&Found::Owned(json!(true))), None);
    }

    /// The text `humanize_into` writes after what `out` holds already.
    fn humanize(d: TimeDelta) -> String {
        let mut out = String::from("x");
        humanize_into(d, &mut out);
        out.split_off(1)
    }

    #[test]
    fn humanizes_durations() {
        assert_eq!(
            humanize(TimeDelta::seconds(3 * 3600 + 12 * 60 + 5)),
            "3h 12m"
        );
        assert_eq!(humanize(TimeDelta::seconds(2 * 86_400 + 4 * 3600)), "2d 4h");
        assert_eq!(humanize(TimeDelta::seconds(86_400 + 30)), "1d");
        assert_eq!(humanize(TimeDelta::seconds(45)), "45s");
        assert_eq!(humanize(TimeDelta::seconds(0)), "0s");
        assert_eq!(humanize(TimeDelta::seconds(-90)), "1m 30s");
        assert_eq!(humanize(TimeDelta::seconds(3 * 3600 + 59)), "3h");
        assert_eq!(humanize(TimeDelta::seconds(60)), "1m");
        assert_eq!(humanize(TimeDelta::seconds(400 * 86_400 + 61)), "400d");
    }
}
