//! The location facet: country and its code format, IP address, GPS.
//!
//! The IP is shown as found; `ip_valid` says whether it parses as an IPv4 or
//! IPv6 address, and an unparseable one is not a problem.
//!
//! A GPS mapping matches an object (or a JSON-encoded string of one) with a
//! `latitude`/`lat` key or a `longitude`/`longitud`/`lon`/`lng` key; values
//! may be numbers or numeric strings. Coordinates that are missing, not
//! numbers, or out of range (-90..=90, -180..=180) give no `gps` and one
//! [`ProblemKind::InvalidPayload`] problem: the event carries a position that
//! cannot be trusted, which is a malformed payload value.

use std::net::IpAddr;

use serde_json::{Map, Value};

use super::mappings::Compiled;
use super::path::{CompiledPath, Found, Paths, Scope};
use super::{dates, first_text};
use crate::model::{Gps, Location, Problem, ProblemKind};

const LATITUDE: &[&str] = &["latitude", "lat", "Latitude"];
const LONGITUDE: &[&str] = &["longitude", "longitud", "lon", "lng", "Longitude"];

/// The location facet, or `None` when the event names no location.
pub(crate) fn location(
    scope: &mut Scope<'_>,
    m: &Compiled,
    problems: &mut Vec<Problem>,
) -> Option<Location> {
    let country = first_text(scope, &m.country);
    let country_code_format = first_text(scope, &m.country_code_format);
    let ip = first_text(scope, &m.ip);
    let gps = gps(scope, &m.gps, problems);
    if country.is_none() && country_code_format.is_none() && ip.is_none() && gps.is_none() {
        return None;
    }
    let ip_valid = ip.as_deref().map(|ip| ip.trim().parse::<IpAddr>().is_ok());
    Some(Location {
        country,
        country_code_format,
        ip,
        ip_valid,
        gps,
    })
}

fn gps(scope: &mut Scope<'_>, paths: &Paths, problems: &mut Vec<Problem>) -> Option<Gps> {
    for p in scope.candidates(paths) {
        let Some(found) = scope.first(p) else {
            continue;
        };
        let matched = match found.as_str() {
            Some(_) => match scope.decode(&found).as_deref() {
                Some(Value::Object(o)) => read_gps(p, o, problems),
                _ => None,
            },
            None => match &*found.value() {
                Value::Object(o) => read_gps(p, o, problems),
                _ => None,
            },
        };
        if let Some(gps) = matched {
            return gps;
        }
    }
    None
}

/// `None` when the object has no coordinate key (not a match); else the
/// coordinates, or `Some(None)` and a problem when they are not usable.
fn read_gps(
    p: &CompiledPath,
    o: &Map<String, Value>,
    problems: &mut Vec<Problem>,
) -> Option<Option<Gps>> {
    let lat = LATITUDE.iter().find_map(|k| o.get(*k).map(|v| (*k, v)));
    let lon = LONGITUDE.iter().find_map(|k| o.get(*k).map(|v| (*k, v)));
    if lat.is_none() && lon.is_none() {
        return None;
    }
    let check = |coord: Option<(&str, &Value)>, what: &str, max: f64| -> Result<f64, String> {
        let Some((key, v)) = coord else {
            return Err(format!("has no {what}"));
        };
        let v = Found::Ref(v);
        match dates::number(&v) {
            Some(n) if n.abs() <= max => Ok(n),
            Some(n) => Err(format!("{key} {n} is out of range -{max}..={max}")),
            None => Err(format!("{key} {} is not a number", v.show())),
        }
    };
    let lat = check(lat, "latitude", 90.0);
    let lon = check(lon, "longitude", 180.0);
    match (lat, lon) {
        (Ok(latitude), Ok(longitude)) => Some(Some(Gps {
            latitude,
            longitude,
        })),
        (Err(e), _) | (_, Err(e)) => {
            problems.push(Problem::new(
                ProblemKind::InvalidPayload,
                format!("{} {e} ({})", p.name(), p.text()),
            ));
            Some(None)
        }
    }
}
