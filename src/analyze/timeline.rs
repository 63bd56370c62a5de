//! A histogram of event times for one line of a terminal: the bucket size
//! is the smallest round size (1 s, 5 s, … 1 d, 7 d, 30 d, 365 d) that fits
//! the events' time span into the width.

/// Round bucket sizes, in ms, smallest first.
const SIZES_MS: [(i64, &str); 17] = [
    (1_000, "1s"),
    (5_000, "5s"),
    (10_000, "10s"),
    (30_000, "30s"),
    (60_000, "1m"),
    (300_000, "5m"),
    (600_000, "10m"),
    (1_800_000, "30m"),
    (3_600_000, "1h"),
    (10_800_000, "3h"),
    (21_600_000, "6h"),
    (43_200_000, "12h"),
    (86_400_000, "1d"),
    (604_800_000, "7d"),
    (2_592_000_000, "30d"),
    (31_536_000_000, "365d"),
    (315_360_000_000, "3650d"),
];

/// Event counts per bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    /// Start of the first bucket, ms since the epoch (a multiple of the size).
    pub start_ms: i64,
    /// Bucket size, ms.
    pub bucket_ms: i64,
    /// The size as text (`5m`).
    pub bucket_name: &'static str,
    /// Events per bucket, first to last (at most the width asked for).
    pub counts: Vec<u64>,
}

/// The histogram of `times` (ms since the epoch) in at most `width`
/// buckets; `None` without times or width. `times` is walked twice.
pub fn histogram<I>(times: I, width: usize) -> Option<Histogram>
where
    I: Iterator<Item = i64> + Clone,
{
    if width == 0 {
        return None;
    }
    let (min, max) = times
        .clone()
        .fold(None, |acc: Option<(i64, i64)>, t| match acc {
            None => Some((t, t)),
            Some((lo, hi)) => Some((lo.min(t), hi.max(t))),
        })?;
    let &(bucket_ms, bucket_name) = SIZES_MS
        .iter()
        .find(|(size, _)| {
            let start = min.div_euclid(*size);
            let end = max.div_euclid(*size);
            end - start < width as i64
        })
        .unwrap_or(&SIZES_MS[SIZES_MS.len() - 1]);
    let first = min.div_euclid(bucket_ms);
    let n = (max.div_euclid(bucket_ms) - first + 1).clamp(1, width as i64) as usize;
    let mut counts = vec![0u64; n];
    for t in times {
        let i = (t.div_euclid(bucket_ms) - first).clamp(0, n as i64 - 1) as usize;
        counts[i] += 1;
    }
    Some(Histogram {
        start_ms: first * bucket_ms,
        bucket_ms,
        bucket_name,
        counts,
    })
}

/// One block character per count, scaled to the largest (a space for 0,
/// at least `▁` for any event).
pub fn sparkline(counts: &[u64]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = counts.iter().copied().max().unwrap_or(0);
    counts
        .iter()
        .map(|&c| {
            if c == 0 || max == 0 {
                ' '
            } else {
                let level = (c * 8).div_ceil(max).clamp(1, 8) as usize;
                LEVELS[level - 1]
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bucket_size_fits_the_span_into_the_width() {
        let minute = 60_000;
        let times = [0, 30_000, minute * 5, minute * 9 + 1];
        let h = histogram(times.iter().copied(), 10).unwrap();
        assert_eq!((h.bucket_ms, h.bucket_name), (minute, "1m"));
        assert_eq!(h.counts, [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
        // Narrower: 5-minute buckets.
        let h = histogram(times.iter().copied(), 5).unwrap();
        assert_eq!(h.bucket_name, "5m");
        assert_eq!(h.counts, [2, 2]);
        assert_eq!(histogram(std::iter::empty(), 10), None);
        assert_eq!(histogram(times.iter().copied(), 0), None);
        // Before 1970 too.
        let h = histogram([-1_500, 500].into_iter(), 4).unwrap();
        assert_eq!((h.start_ms, h.counts.clone()), (-2_000, vec![1, 0, 1]));
    }

    #[test]
    fn sparkline_scales_to_the_largest_count() {
        assert_eq!(sparkline(&[0, 1, 4, 8]), " ▁▄█");
        assert_eq!(sparkline(&[]), "");
    }
}
