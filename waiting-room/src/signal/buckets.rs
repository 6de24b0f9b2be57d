//! The latency buckets the booking signal is counted in. Fixed edges, so
//! counts from every instance and every second add up, and a percentile is
//! read off the merged counts without keeping a single sample.

/// Upper edges in milliseconds; the last bucket takes everything slower.
pub const EDGES_MS: [u64; 22] = [
    1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 5000,
    10_000,
];
/// One bucket per edge, plus the overflow bucket.
pub const BUCKETS: usize = EDGES_MS.len() + 1;

/// The bucket a latency falls in.
pub fn bucket_of(millis: u64) -> usize {
    EDGES_MS.partition_point(|&edge| edge < millis)
}

/// The upper edge of the bucket holding the `quantile` sample (0 < q <= 1):
/// never below the true figure, at most one bucket above it. The overflow
/// bucket reads as twice the last edge. `None` without samples.
pub fn quantile_ms(counts: &[u64; BUCKETS], quantile: f64) -> Option<u64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = ((total as f64) * quantile).ceil().max(1.0) as u64;
    let mut seen = 0;
    for (bucket, count) in counts.iter().enumerate() {
        seen += count;
        if seen >= rank {
            return Some(edge_ms(bucket));
        }
    }
    Some(edge_ms(BUCKETS - 1))
}

fn edge_ms(bucket: usize) -> u64 {
    EDGES_MS
        .get(bucket)
        .copied()
        .unwrap_or(EDGES_MS[EDGES_MS.len() - 1] * 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_land_in_the_bucket_of_their_upper_edge() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(1), 0);
        assert_eq!(bucket_of(2), 1);
        assert_eq!(bucket_of(11), 6);
        assert_eq!(bucket_of(10_000), EDGES_MS.len() - 1);
        assert_eq!(bucket_of(60_000), BUCKETS - 1);
    }

    #[test]
    fn the_p95_is_the_edge_where_95_percent_are_counted() {
        let mut counts = [0; BUCKETS];
        counts[bucket_of(8)] = 95;
        counts[bucket_of(400)] = 5;
        assert_eq!(quantile_ms(&counts, 0.95), Some(10));
        counts[bucket_of(400)] = 6;
        assert_eq!(quantile_ms(&counts, 0.95), Some(500));
    }

    #[test]
    fn no_samples_no_figure_and_overflow_reads_past_the_last_edge() {
        let mut counts = [0; BUCKETS];
        assert_eq!(quantile_ms(&counts, 0.95), None);
        counts[BUCKETS - 1] = 1;
        assert_eq!(quantile_ms(&counts, 0.95), Some(20_000));
    }
}
