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

use chrono::{DateTime, TimeDelta, Utc};

use super::dates::{self, EPOCH_MS_CUTOFF};
use super::mappings::Compiled;
use super::path::{CompiledPath, Found, Scope};
use crate::model::rfc3339::{Fraction, Rfc3339};
use crate::model::{Problem, ProblemKind};

/// `ttl` values at or above this are epochs (in seconds), below it lifetimes.
pub const TTL_EPOCH_SECONDS: f64 = 1e9;

/// An expiry and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Expiry<'a> {
    pub(crate) at: DateTime<Utc>,
    pub(crate) why: Why<'a>,
}

/// Where an expiry came from; written out (see its `Display`) only when the
/// event has expired.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Why<'a> {
    /// An absolute date: `expiresAt "2020-12-31T00:00:00Z"`.
    Date { name: &'a str, value: Found<'a> },
    /// An epoch: `expirationTime 1580549400000 = 2020-02-01T09:30:00.000Z`.
    Epoch {
        name: &'a str,
        value: Found<'a>,
        at: DateTime<Utc>,
    },
    /// A lifetime: `expirationTime 300000 ms after creationDate <stamp>`.
    Lifetime {
        name: &'a str,
        value: Found<'a>,
        unit: &'static str,
        base: Base<'a>,
    },
    /// The queue's retention: `queue retention ends <stamp>`.
    Retention(DateTime<Utc>),
}

impl Why<'_> {
    /// The reason as text, at the end of `out` (without `core::fmt`: it is
    /// written for every expired event).
    fn write_to(&self, out: &mut String) {
        let stamp_of = |at: DateTime<Utc>, out: &mut String| {
            out.push_str(Rfc3339::new(at, Fraction::Millis).as_str());
        };
        match self {
            Why::Date { name, value } => {
                out.push_str(name);
                out.push(' ');
                value.show_into(out);
            }
            Why::Epoch { name, value, at } => {
                out.push_str(name);
                out.push(' ');
                value.show_into(out);
                out.push_str(" = ");
                stamp_of(*at, out);
            }
            Why::Lifetime {
                name,
                value,
                unit,
                base,
            } => {
                out.push_str(name);
                out.push(' ');
                value.show_into(out);
                out.push(' ');
                out.push_str(unit);
                out.push_str(" after ");
                out.push_str(base.name);
                out.push(' ');
                stamp_of(base.at, out);
            }
            Why::Retention(at) => {
                out.push_str("queue retention ends ");
                stamp_of(*at, out);
            }
        }
    }
}

/// The time a lifetime counts from, and what it is called.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Base<'n> {
    pub(crate) at: DateTime<Utc>,
    pub(crate) name: &'n str,
}

/// Resolve the expiry, recording problems for unusable values.
pub(crate) fn expiry<'a>(
    scope: &mut Scope<'a>,
    m: &'a Compiled,
    base: Option<Base<'a>>,
    problems: &mut Vec<Problem>,
) -> Option<Expiry<'a>> {
    // Every path is evaluated (each may add a problem); the first expiry
    // found is kept. (Expiries are set in place: they are too big to move
    // around cheaply.)
    let mut found: Option<Expiry<'a>> = None;
    for p in scope.candidates(&m.expires_at) {
        absolute(scope, p, false, problems, &mut found);
    }
    for p in scope.candidates(&m.expiration_time) {
        numeric(scope, p, Unit::ExpirationTime, base, problems, &mut found);
    }
    for p in scope.candidates(&m.ttl) {
        numeric(scope, p, Unit::Ttl, base, problems, &mut found);
    }
    for p in scope.candidates(&m.retention_expires_at) {
        absolute(scope, p, true, problems, &mut found);
    }
    found
}

/// Keep `expiry` in `found` unless an earlier one is there.
fn keep<'a>(found: &mut Option<Expiry<'a>>, expiry: impl FnOnce() -> Expiry<'a>) {
    if found.is_none() {
        *found = Some(expiry());
    }
}

/// Whether `expiry` is before `now`: the `expired` facet, without writing
/// the problem's message (see [`expired_problem`]).
pub(crate) fn has_expired(expiry: &Expiry<'_>, now: DateTime<Utc>) -> bool {
    now > expiry.at
}

/// The `Expired` problem when `expiry` is before `now`.
pub(crate) fn expired_problem(expiry: &Expiry<'_>, now: DateTime<Utc>) -> Option<Problem> {
    has_expired(expiry, now).then(|| {
        let mut message = String::with_capacity(96);
        message.push_str("expired ");
        dates::humanize_into(now - expiry.at, &mut message);
        message.push_str(" ago (");
        expiry.why.write_to(&mut message);
        message.push(')');
        Problem::new(ProblemKind::Expired, message)
    })
}

/// An absolute date; `retention`: the queue's retention expiry.
fn absolute<'a>(
    scope: &mut Scope<'a>,
    p: &'a CompiledPath,
    retention: bool,
    problems: &mut Vec<Problem>,
    found: &mut Option<Expiry<'a>>,
) {
    if let Some((at, value)) = date_at(scope, p, problems) {
        keep(found, || Expiry {
            at,
            why: if retention {
                Why::Retention(at)
            } else {
                Why::Date {
                    name: p.name(),
                    value,
                }
            },
        });
    }
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
    if v.as_str().is_some_and(|s| crate::model::trim(s).is_empty()) {
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

/// An `expirationTime` or `ttl` number (see [`Unit`]), kept in `found` when
/// it is the first expiry. `None` (for `?`) when it gives no expiry.
fn numeric<'a>(
    scope: &mut Scope<'a>,
    p: &'a CompiledPath,
    unit: Unit,
    base: Option<Base<'a>>,
    problems: &mut Vec<Problem>,
    found: &mut Option<Expiry<'a>>,
) -> Option<()> {
    let v = scope.first(p)?;
    if v.as_str().is_some_and(|s| crate::model::trim(s).is_empty()) {
        return None;
    }
    let Some(n) = dates::number(&v) else {
        problems.push(bad_date(p, &v.show(), "is not a number"));
        return None;
    };
    if n < 0.0 {
        problems.push(bad_date(p, &v.show(), "is negative"));
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
            problems.push(bad_date(p, &v.show(), "is out of range"));
            return None;
        };
        keep(found, || Expiry {
            at,
            why: Why::Epoch {
                name: p.name(),
                value: v,
                at,
            },
        });
        return Some(());
    }
    let ms = lifetime_ms?;
    let Some(base) = base else {
        problems.push(Problem::new(
            ProblemKind::MissingField,
            format!(
                "{} {} is a lifetime in {unit_name} ({}) but the event has no creation time and no published_at to count it from",
                p.name(),
                v.show(),
                p.text()
            ),
        ));
        return None;
    };
    // ms < 1e11 (or ttl < 1e9 s), so the cast cannot overflow.
    let at =
        TimeDelta::try_milliseconds(ms.round() as i64).and_then(|d| base.at.checked_add_signed(d));
    let Some(at) = at else {
        problems.push(bad_date(p, &v.show(), "is out of range"));
        return None;
    };
    keep(found, || Expiry {
        at,
        why: Why::Lifetime {
            name: p.name(),
            value: v,
            unit: unit_name,
            base,
        },
    });
    Some(())
}

/// A `BadDate` problem naming the field, its value and its path.
pub(crate) fn bad_date(p: &CompiledPath, shown: &str, what: &str) -> Problem {
    Problem::new(
        ProblemKind::BadDate,
        format!("{} {shown} {what} ({})", p.name(), p.text()),
    )
}
