//! Versions as contracts name them: `v2`, `2`, `2.0`, `1.4.1` and
//! `2021-10-13` are compared by their numeric parts, so `v2` is `2.0`.

use std::cmp::Ordering;

/// The numeric parts of a version (`v1.4` → `[1, 4]`), trailing zeros
/// dropped; `None` when it is not numeric (`beta`).
fn numeric(version: &str) -> Option<Vec<u64>> {
    let v = version.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let mut parts: Vec<u64> = v
        .split(['.', '-', '_'])
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

/// Whether two version names mean the same version.
pub fn same_version(a: &str, b: &str) -> bool {
    match (numeric(a), numeric(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// Orders versions oldest first: numeric ones by their parts, before any
/// that is not numeric, which compare as text.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    match (numeric(a), numeric(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// [`compare_versions`] for versions that may be missing: a contract or
/// an event without a version comes first.
pub fn compare_optional_versions(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => compare_versions(x, y),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_their_numbers() {
        assert!(same_version("v2", "2"));
        assert!(same_version("2.0", "V2"));
        assert!(same_version("beta", "BETA"));
        assert!(!same_version("2.1", "2"));
        assert_eq!(compare_versions("v10", "v9"), Ordering::Greater);
        assert_eq!(compare_versions("1.4.1", "1.10"), Ordering::Less);
        assert_eq!(compare_versions("2", "beta"), Ordering::Less);
    }
}
