//! The latency buckets the booking signal is counted in. Fixed edges, so
//! counts from every instance and every second add up, and a percentile is
//! read off the merged counts without keeping a single sample.
//!
//! The edges are dense where targets sit (every 25-100 ms from 100 ms to
//! 1 s): with coarse edges a p95 just under a 250 ms target read as 300 ms,
//! and the controller backed off from a stack that was holding its target.

/// Upper edges in milliseconds; the last bucket takes everything slower.
pub const EDGES_MS: [u64; 33] = [
    1, 2, 3, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 125, 150, 175, 200, 250, 300, 350, 400,
    500, 600, 750, 1000, 1250, 1500, 2000, 3000, 5000, 10_000,
];
/// One bucket per edge, plus the overflow bucket.
pub const BUCKETS: usize = EDGES_MS.len() + 1;

/// The bucket a latency falls in.
pub fn bucket_of(millis: u64) -> usize {
    EDGES_MS.partition_point(|&edge| edge < millis)
}

/// The `quantile` (0 < q <= 1) of the counted latencies, interpolated
/// linearly inside the bucket that holds its sample, as Prometheus'
/// `histogram_quantile` does: samples are taken as spread evenly between
/// the bucket's edges. Never outside that bucket. The overflow bucket reads
/// as twice the last edge. `None` without samples.
pub fn quantile_ms(counts: &[u64; BUCKETS], quantile: f64) -> Option<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = ((total as f64) * quantile).clamp(f64::MIN_POSITIVE, total as f64);
    let mut below = 0.0;
    for (bucket, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let through = below + count as f64;
        if through >= rank {
            if bucket == BUCKETS - 1 {
                return Some(overflow_ms());
            }
            let lower = if bucket == 0 {
                0.0
            } else {
                EDGES_MS[bucket - 1] as f64
            };
            let upper = EDGES_MS[bucket] as f64;
            return Some(lower + (upper - lower) * (rank - below) / count as f64);
        }
        below = through;
    }
    Some(overflow_ms())
}

fn overflow_ms() -> f64 {
    (EDGES_MS[EDGES_MS.len() - 1] * 2) as f64
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
        assert_eq!(
            bucket_of(240),
            EDGES_MS.iter().position(|&e| e == 250).unwrap()
        );
        assert_eq!(bucket_of(10_000), EDGES_MS.len() - 1);
        assert_eq!(bucket_of(60_000), BUCKETS - 1);
    }

    #[test]
    fn the_p95_is_interpolated_inside_its_bucket() {
        let mut counts = [0; BUCKETS];
        // 95 answers in (7, 10] ms: the 95th of 100 is the last of them.
        counts[bucket_of(8)] = 95;
        counts[bucket_of(400)] = 5;
        assert_eq!(quantile_ms(&counts, 0.95), Some(10.0));
        // Half of the (200, 250] bucket below the rank: halfway through it.
        let mut counts = [0; BUCKETS];
        counts[bucket_of(20)] = 90;
        counts[bucket_of(240)] = 10;
        assert_eq!(quantile_ms(&counts, 0.95), Some(225.0));
    }

    #[test]
    fn a_p95_under_the_target_reads_under_it() {
        // Every answer between 200 and 240 ms: whatever the spread inside
        // the bucket, the figure stays within (200, 250], never past it.
        let mut counts = [0; BUCKETS];
        counts[bucket_of(230)] = 1000;
        let p95 = quantile_ms(&counts, 0.95).unwrap();
        assert!(p95 > 200.0 && p95 <= 250.0, "{p95}");
    }

    #[test]
    fn no_samples_no_figure_and_overflow_reads_past_the_last_edge() {
        let mut counts = [0; BUCKETS];
        assert_eq!(quantile_ms(&counts, 0.95), None);
        counts[BUCKETS - 1] = 1;
        assert_eq!(quantile_ms(&counts, 0.95), Some(20_000.0));
    }
}
