//! The expiration facet.
//!
//! Sources, first usable one wins (each tried in its mapping's path order):
//! 1. `expires_at` (`expiresAt`, `expiry`...): a date string, or an epoch
//!    number or numeric string, seconds or ms by magnitude.
//! 2. `expiration_time` (the classic `expirationTime`): milliseconds. Below
//!    [`EPOCH_MS_CUTOFF`] (1e11, i.e. ~3.2 years of lifetime, or March 1973
//!    as an epoch) it is a lifetime counted from the creation time;
//!    from it on, an absolute epoch in ms.
//! 3. `ttl`: below [`TTL_EPOCH_SECONDS`] (1e9 s, ~31.7 years) a lifetime in
//!    seconds from the creation time; from it on an epoch in seconds; from
//!    [`EPOCH_MS_CUTOFF`] on an epoch in ms.
//! 4. `retention_expires_at`: the queue's retention expiry (a date).
//!
//! The creation time a lifetime counts from is the event's own (the first
//! valid `created_at`), else the broker's `published_at`. A lifetime with
//! neither is a [`ProblemKind::MissingField`]. Every present value that is
//! not usable (not a date, not a number, negative, out of range) is a
//! [`ProblemKind::BadDate`] naming the field and value, even when an earlier
//! source already gave the expiry.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use super::dates::{self, EPOCH_MS_CUTOFF};
use super::mappings::Compiled;
use super::path::{CompiledPath, Found, Scope};
use crate::model::{Problem, ProblemKind};

/// `ttl` values at or above this are epochs (in seconds), below it lifetimes.
pub const TTL_EPOCH_SECONDS: f64 = 1e9;

/// An expiry and a short account of where it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expiry {
    pub(crate) at: DateTime<Utc>,
    pub(crate) why: String,
}

/// The time a lifetime counts from, and what it is called.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Base<'n> {
    pub(crate) at: DateTime<Utc>,
    pub(crate) name: &'n str,
}

/// Resolve the expiry, recording problems for unusable values.
pub(crate) fn expiry(
    scope: &mut Scope<'_>,
    m: &Compiled,
    base: Option<Base<'_>>,
    problems: &mut Vec<Problem>,
) -> Option<Expiry> {
    let mut found: Option<Expiry> = None;
    let mut keep = |e: Option<Expiry>| {
        if found.is_none() {
            found = e;
        }
    };
    for p in &m.expires_at {
        keep(absolute(scope, p, problems));
    }
    for p in &m.expiration_time {
        keep(numeric(scope, p, Unit::ExpirationTime, base, problems));
    }
    for p in &m.ttl {
        keep(numeric(scope, p, Unit::Ttl, base, problems));
    }
    for p in &m.retention_expires_at {
        keep(absolute(scope, p, problems).map(|e| Expiry {
            why: format!("queue retention ends {}", stamp(e.at)),
            ..e
        }));
    }
    found
}

/// The `Expired` problem when `expiry` is before `now`.
pub(crate) fn expired_problem(expiry: &Expiry, now: DateTime<Utc>) -> Option<Problem> {
    (now > expiry.at).then(|| {
        Problem::new(
            ProblemKind::Expired,
            format!(
                "expired {} ago ({})",
                dates::humanize(now - expiry.at),
                expiry.why
            ),
        )
    })
}

fn absolute(
    scope: &mut Scope<'_>,
    p: &CompiledPath,
    problems: &mut Vec<Problem>,
) -> Option<Expiry> {
    date_at(scope, p, problems).map(|(at, v)| Expiry {
        at,
        why: format!("{} {}", p.name(), v.show()),
    })
}

/// The date `p` finds (a date string, or an epoch by magnitude), with the
/// value it was read from. Absent, null or blank: `None`. Anything else
/// that is not a date: `None` and a `BadDate` problem.
pub(crate) fn date_at<'a>(
    scope: &mut Scope<'a>,
    p: &CompiledPath,
    problems: &mut Vec<Problem>,
) -> Option<(DateTime<Utc>, Found<'a>)> {
    let v = scope.first(p)?;
    if v.as_str().is_some_and(|s| s.trim().is_empty()) {
        return None;
    }
    match dates::date(&v) {
        Some(at) => Some((at, v)),
        None => {
            problems.push(bad_date(p, &v.show(), "is not a date"));
            None
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Unit {
    ExpirationTime,
    Ttl,
}

fn numeric(
    scope: &mut Scope<'_>,
    p: &CompiledPath,
    unit: Unit,
    base: Option<Base<'_>>,
    problems: &mut Vec<Problem>,
) -> Option<Expiry> {
    let v = scope.first(p)?;
    if v.as_str().is_some_and(|s| s.trim().is_empty()) {
        return None;
    }
    let shown = v.show();
    let Some(n) = dates::number(&v) else {
        problems.push(bad_date(p, &shown, "is not a number"));
        return None;
    };
    if n < 0.0 {
        problems.push(bad_date(p, &shown, "is negative"));
        return None;
    }
    let (epoch_ms, lifetime_ms, unit_name) = match unit {
        Unit::ExpirationTime if n >= EPOCH_MS_CUTOFF => (Some(n), None, "ms"),
        Unit::ExpirationTime => (None, Some(n), "ms"),
        Unit::Ttl if n >= EPOCH_MS_CUTOFF => (Some(n), None, "ms"),
        Unit::Ttl if n >= TTL_EPOCH_SECONDS => (Some(n * 1000.0), None, "s"),
        Unit::Ttl => (None, Some(n * 1000.0), "s"),
    };
    if let Some(ms) = epoch_ms {
        let Some(at) = dates::from_epoch_ms(ms) else {
            problems.push(bad_date(p, &shown, "is out of range"));
            return None;
        };
        return Some(Expiry {
            at,
            why: format!("{} {shown} = {}", p.name(), stamp(at)),
        });
    }
    let ms = lifetime_ms?;
    let Some(base) = base else {
        problems.push(Problem::new(
            ProblemKind::MissingField,
            format!(
                "{} {shown} is a lifetime in {unit_name} ({}) but the event has no creation time and no published_at to count it from",
                p.name(),
                p.text()
            ),
        ));
        return None;
    };
    // ms < 1e11 (or ttl < 1e9 s), so the cast cannot overflow.
    let at =
        TimeDelta::try_milliseconds(ms.round() as i64).and_then(|d| base.at.checked_add_signed(d));
    let Some(at) = at else {
        problems.push(bad_date(p, &shown, "is out of range"));
        return None;
    };
    Some(Expiry {
        at,
        why: format!(
            "{} {shown} {unit_name} after {} {}",
            p.name(),
            base.name,
            stamp(base.at)
        ),
    })
}

/// A `BadDate` problem naming the field, its value and its path.
pub(crate) fn bad_date(p: &CompiledPath, shown: &str, what: &str) -> Problem {
    Problem::new(
        ProblemKind::BadDate,
        format!("{} {shown} {what} ({})", p.name(), p.text()),
    )
}

/// A time as RFC 3339 with milliseconds, in UTC.
pub(crate) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}
