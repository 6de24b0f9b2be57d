//! How soon a client may poll its token again (`poll_after_seconds`).
//!
//! The server paces the room: a fan far back polls rarely, one about to be
//! admitted polls every second, so ten thousand waiting fans cost a few
//! hundred polls a second, not ten thousand. The interval is about a quarter
//! of the fan's ETA (about four polls before the turn comes, so an admitted
//! fan learns it within a quarter of the wait), never below one second and
//! never above a third of the waiting grace: a fan who polls as told always
//! polls at least three times within the grace, so a single lost or late
//! poll never costs the place.

use std::time::Duration;

/// The fewest polls a waiting fan makes within the grace when polling as told.
pub const POLLS_PER_GRACE: u64 = 3;
/// The ETA is split in this many polls.
const POLLS_PER_WAIT: u64 = 4;

/// Seconds a client should wait before its next poll (at least 1).
/// Nothing changes for an active or ended token by waiting in the room: a
/// client that still polls one is told to do so rarely.
pub fn poll_after_seconds(waiting: bool, eta_seconds: u64, grace: Duration) -> u64 {
    let longest = longest_interval(grace);
    if waiting {
        eta_seconds.div_ceil(POLLS_PER_WAIT).clamp(1, longest)
    } else {
        longest
    }
}

/// A third of the grace, at least one second.
pub fn longest_interval(grace: Duration) -> u64 {
    (grace.as_secs() / POLLS_PER_GRACE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(60);

    #[test]
    fn the_head_of_the_line_polls_every_second() {
        assert_eq!(poll_after_seconds(true, 0, GRACE), 1);
        assert_eq!(poll_after_seconds(true, 3, GRACE), 1);
    }

    #[test]
    fn the_interval_grows_with_the_wait() {
        assert_eq!(poll_after_seconds(true, 20, GRACE), 5);
        assert_eq!(poll_after_seconds(true, 40, GRACE), 10);
    }

    #[test]
    fn a_fan_polling_as_told_polls_three_times_within_the_grace() {
        for eta in [0, 1, 10, 100, 10_000, u64::MAX] {
            for grace in [1, 30, 60, 3600] {
                let grace = Duration::from_secs(grace);
                let interval = poll_after_seconds(true, eta, grace);
                assert!(interval >= 1);
                assert!(
                    interval * POLLS_PER_GRACE <= grace.as_secs().max(POLLS_PER_GRACE),
                    "eta {eta}, grace {grace:?}: every {interval} s"
                );
            }
        }
    }

    #[test]
    fn settled_tokens_poll_rarely() {
        assert_eq!(poll_after_seconds(false, 0, GRACE), 20);
        assert_eq!(poll_after_seconds(false, 0, GRACE), 20);
    }
}
