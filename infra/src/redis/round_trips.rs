//! Splitting a large pipeline into round trips of bounded size.
//!
//! redis-rs encodes each pipeline into its connection's write buffer in one
//! piece, and that buffer keeps the largest capacity it ever had for as long
//! as the connection lives. One write-through that merged a lagging
//! projector's batches (thousands of seat maps, tens of thousands of
//! decisions) would otherwise leave tens of megabytes reserved on every
//! connection it used, long after the projector is at rest.

/// What one round trip carries at most, unless a single item is larger
/// (it then goes alone). Large enough that a round trip's latency is
/// mostly Redis's work, not the trip.
pub const ROUND_TRIP_BYTES: usize = 256 * 1024;

/// `items` in consecutive runs whose `bytes` sum to at most `limit` each;
/// an item larger than `limit` is a run of its own. Order is kept, so what
/// a caller sends run by run is what one pipeline would have sent.
pub fn round_trips<T>(
    items: &[T],
    limit: usize,
    bytes: impl Fn(&T) -> usize,
) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut size = 0;
        let mut end = 0;
        for item in rest {
            let item_size = bytes(item);
            if end > 0 && size + item_size > limit {
                break;
            }
            size += item_size;
            end += 1;
        }
        let (run, later) = rest.split_at(end);
        rest = later;
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn runs_stay_within_the_limit_and_a_larger_item_goes_alone() {
        let sizes = [3, 4, 2, 10, 1, 1, 5];
        let runs: Vec<&[usize]> = round_trips(&sizes, 8, |size| *size).collect();
        assert_eq!(runs, [&[3, 4][..], &[2], &[10], &[1, 1, 5]]);
    }

    #[test]
    fn nothing_is_no_round_trip() {
        assert_eq!(round_trips(&[] as &[usize], 8, |size| *size).count(), 0);
    }

    proptest! {
        #[test]
        fn runs_are_the_items_in_order_each_within_the_limit_or_alone(
            sizes in proptest::collection::vec(0usize..40, 0..60),
            limit in 1usize..64,
        ) {
            let runs: Vec<&[usize]> = round_trips(&sizes, limit, |size| *size).collect();
            let joined: Vec<usize> = runs.iter().flat_map(|run| run.iter().copied()).collect();
            prop_assert_eq!(&joined, &sizes);
            for run in &runs {
                prop_assert!(!run.is_empty());
                prop_assert!(run.len() == 1 || run.iter().sum::<usize>() <= limit);
            }
            // Greedy: no run could have taken the next one's first item.
            for pair in runs.windows(2) {
                prop_assert!(pair[0].iter().sum::<usize>() + pair[1][0] > limit);
            }
        }
    }
}
