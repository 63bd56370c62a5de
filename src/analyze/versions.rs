//! Which versions of each event type are in use, and which fields each
//! type's events carry: how a team knows when a version can be retired and
//! tells fat events from thin ones.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::contracts::{Contracts, compare_optional_versions, same_version};

/// How deep field paths are followed into a body.
pub const MAX_DEPTH: usize = 8;
/// At most this many distinct field paths are counted per type.
pub const MAX_FIELDS: usize = 500;

/// The name events without a type are counted under.
pub const NO_TYPE: &str = "(no type)";

/// One version of a type, as used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionUse {
    /// The version (`None`: the events name none).
    pub version: Option<String>,
    /// Events of this version.
    pub events: u64,
    /// The earliest event time seen (event time, else publish time).
    pub first_seen: Option<DateTime<Utc>>,
    /// The latest.
    pub last_seen: Option<DateTime<Utc>>,
    /// Whether its contract marks it deprecated.
    pub deprecated: bool,
    /// Whether a contract names this version.
    pub in_contracts: bool,
}

/// How many events of a type carry a field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldShare {
    /// The field's path in the body (`detail.category`, `items[].sku`).
    pub path: String,
    /// Events that carry it.
    pub events: u64,
    /// `events` over the type's events, 0 to 1.
    pub share: f64,
}

/// Everything about one event type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeVersions {
    /// The type ([`NO_TYPE`] for events without one).
    #[serde(rename = "type")]
    pub event_type: String,
    /// Its events.
    pub events: u64,
    /// Its versions, oldest first; contract versions no event uses are
    /// listed with 0 events.
    pub versions: Vec<VersionUse>,
    /// Its fields, most carried first, then by path.
    pub fields: Vec<FieldShare>,
    /// Whether more than [`MAX_FIELDS`] paths were seen (the rest are not
    /// counted).
    pub fields_truncated: bool,
}

/// Events of a version, with the earliest and latest time seen.
type Seen = (u64, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

#[derive(Debug, Default)]
struct TypeAcc {
    events: u64,
    versions: BTreeMap<Option<String>, Seen>,
    fields: BTreeMap<String, u64>,
    truncated: bool,
}

/// Collects version use and field shares; feed with [`Versions::add`].
#[derive(Debug, Default)]
pub struct Versions {
    types: BTreeMap<String, TypeAcc>,
}

impl Versions {
    /// Count one event.
    pub fn add(
        &mut self,
        event_type: Option<&str>,
        version: Option<&str>,
        at: Option<DateTime<Utc>>,
        body: Option<&Value>,
    ) {
        let acc = self
            .types
            .entry(event_type.unwrap_or(NO_TYPE).to_string())
            .or_default();
        acc.events += 1;
        let (n, first, last) = acc.versions.entry(version.map(str::to_string)).or_default();
        *n += 1;
        if let Some(at) = at {
            *first = Some(first.map_or(at, |f| f.min(at)));
            *last = Some(last.map_or(at, |l| l.max(at)));
        }
        if let Some(body) = body {
            let mut paths = BTreeSet::new();
            field_paths(body, "", 0, &mut paths);
            for path in paths {
                let room = acc.fields.len() < MAX_FIELDS;
                match acc.fields.get_mut(&path) {
                    Some(n) => *n += 1,
                    None if room => {
                        acc.fields.insert(path, 1);
                    }
                    None => acc.truncated = true,
                }
            }
        }
    }

    /// The types, by name; versions marked from `contracts` when given.
    pub fn finish(self, contracts: Option<&Contracts>) -> Vec<TypeVersions> {
        self.types
            .into_iter()
            .map(|(event_type, acc)| {
                let known = contracts
                    .and_then(|c| c.of_type(&event_type))
                    .unwrap_or(&[]);
                let mut versions: Vec<VersionUse> = acc
                    .versions
                    .into_iter()
                    .map(|(version, (events, first_seen, last_seen))| {
                        let contract = version.as_deref().and_then(|v| {
                            known.iter().find(|c| {
                                c.version.as_deref().is_some_and(|cv| same_version(cv, v))
                            })
                        });
                        VersionUse {
                            deprecated: contract.is_some_and(|c| c.deprecated),
                            in_contracts: contract.is_some(),
                            version,
                            events,
                            first_seen,
                            last_seen,
                        }
                    })
                    .collect();
                for contract in known {
                    let Some(cv) = &contract.version else {
                        continue;
                    };
                    let used = versions
                        .iter()
                        .any(|v| v.version.as_deref().is_some_and(|v| same_version(v, cv)));
                    if !used {
                        versions.push(VersionUse {
                            version: Some(cv.clone()),
                            events: 0,
                            first_seen: None,
                            last_seen: None,
                            deprecated: contract.deprecated,
                            in_contracts: true,
                        });
                    }
                }
                versions.sort_by(|a, b| {
                    compare_optional_versions(a.version.as_deref(), b.version.as_deref())
                });
                let mut fields: Vec<FieldShare> = acc
                    .fields
                    .into_iter()
                    .map(|(path, events)| FieldShare {
                        share: events as f64 / acc.events as f64,
                        path,
                        events,
                    })
                    .collect();
                fields.sort_by(|a, b| b.events.cmp(&a.events).then_with(|| a.path.cmp(&b.path)));
                TypeVersions {
                    event_type,
                    events: acc.events,
                    versions,
                    fields,
                    fields_truncated: acc.truncated,
                }
            })
            .collect()
    }
}

/// Every field path under `value` (objects by name, arrays as `[]`).
fn field_paths(value: &Value, prefix: &str, depth: usize, out: &mut BTreeSet<String>) {
    if depth >= MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(fields) => {
            for (name, v) in fields {
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                field_paths(v, &path, depth + 1, out);
                out.insert(path);
            }
        }
        Value::Array(items) => {
            let path = format!("{prefix}[]");
            for item in items {
                field_paths(item, &path, depth + 1, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn versions_are_counted_with_first_and_last_seen_and_fields_with_their_share() {
        let mut v = Versions::default();
        let fat =
            json!({"id": "r", "detail": {"category": "A", "owner": "o"}, "items": [{"sku": 1}]});
        let thin = json!({"id": "r", "detail": {}});
        v.add(
            Some("Req"),
            Some("2"),
            at("2024-01-02T00:00:00Z"),
            Some(&fat),
        );
        v.add(
            Some("Req"),
            Some("2"),
            at("2024-01-01T00:00:00Z"),
            Some(&thin),
        );
        v.add(
            Some("Req"),
            Some("10"),
            at("2024-01-03T00:00:00Z"),
            Some(&thin),
        );
        v.add(None, None, None, None);
        let types = v.finish(None);
        assert_eq!(types.len(), 2);
        assert_eq!(types[0].event_type, NO_TYPE);
        let req = &types[1];
        assert_eq!(req.events, 3);
        let versions: Vec<(Option<&str>, u64)> = req
            .versions
            .iter()
            .map(|v| (v.version.as_deref(), v.events))
            .collect();
        assert_eq!(versions, vec![(Some("2"), 2), (Some("10"), 1)]);
        assert_eq!(req.versions[0].first_seen, at("2024-01-01T00:00:00Z"));
        assert_eq!(req.versions[0].last_seen, at("2024-01-02T00:00:00Z"));
        let shares: Vec<(&str, u64)> = req
            .fields
            .iter()
            .map(|f| (f.path.as_str(), f.events))
            .collect();
        assert_eq!(
            shares,
            vec![
                ("detail", 3),
                ("id", 3),
                ("detail.category", 1),
                ("detail.owner", 1),
                ("items", 1),
                ("items[].sku", 1)
            ]
        );
        assert!((req.fields[2].share - 1.0 / 3.0).abs() < 1e-9);
    }
}
