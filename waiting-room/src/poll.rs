//! How soon a client may poll its token again (`poll_after_seconds`), and how
//! long its place is kept if it stops.
//!
//! The server paces the room: a fan is told to poll again about halfway to
//! its turn (half its ETA), so each poll lands about halfway to the next, a
//! fan within two seconds of its turn polls every second and learns of it
//! within a second, and a fan far back polls rarely. A line of N fans
//! admitted at r a second then polls about 2r(1 + ln 20) + (N - 40r) / 20
//! times a second: with 10,000 waiting at 90 a second, about 1,000,
//! where a quarter of the ETA capped at a third of the grace cost about
//! 1,600 (60 s grace) and 1,800 (30 s).
//!
//! The interval is never above `LONGEST_INTERVAL`, and a waiting place is
//! kept for the grace or `POLLS_PER_GRACE` intervals after each poll,
//! whichever is longer: a fan who polls as told polls at least three times
//! before its place lapses, so a single lost or late poll never costs it.

use std::time::Duration;

/// The fewest polls a waiting fan makes before its place lapses when polling
/// as told.
pub const POLLS_PER_GRACE: u64 = 3;
/// A fan is told to poll again after this share of its ETA.
const POLLS_PER_WAIT: u64 = 2;
/// The longest a waiting fan is told to wait between polls. It bounds how
/// late a fan far back learns of an admission that came sooner than its
/// ETA said (the rate rises as the admission controller finds capacity: in
/// an overload run with 60 s here, fans told to come back in a minute while
/// the rate was still low held most of the active places unaware of their
/// turn, and admissions stalled for 45 s). A third of the default grace.
pub const LONGEST_INTERVAL: Duration = Duration::from_secs(20);

/// Seconds a client should wait before its next poll (at least 1).
/// Nothing changes for an active or ended token by waiting in the room: a
/// client that still polls one is told to do so rarely.
pub fn poll_after_seconds(waiting: bool, eta_seconds: u64, grace: Duration) -> u64 {
    if waiting {
        eta_seconds
            .div_ceil(POLLS_PER_WAIT)
            .clamp(1, LONGEST_INTERVAL.as_secs())
    } else {
        third_of_grace(grace)
    }
}

/// How long after a poll a waiting place is kept when the fan was told to
/// poll again in `poll_after_seconds`: the grace, or three intervals when
/// the interval is longer than a third of the grace. (A grace under three
/// seconds, which only tests set, keeps 1 s intervals to the grace.)
pub fn place_kept_for(poll_after_seconds: u64, grace: Duration) -> Duration {
    if poll_after_seconds <= third_of_grace(grace) {
        grace
    } else {
        // Past a third of the grace, three intervals are past the grace.
        Duration::from_secs(poll_after_seconds.saturating_mul(POLLS_PER_GRACE))
    }
}

/// A third of the grace, at least one second: how often a settled token is
/// told to poll, and the longest interval the grace alone covers three times.
fn third_of_grace(grace: Duration) -> u64 {
    (grace.as_secs() / POLLS_PER_GRACE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(60);

    #[test]
    fn the_head_of_the_line_polls_every_second() {
        assert_eq!(poll_after_seconds(true, 0, GRACE), 1);
        assert_eq!(poll_after_seconds(true, 2, GRACE), 1);
    }

    #[test]
    fn the_interval_is_half_the_wait_up_to_the_longest() {
        assert_eq!(poll_after_seconds(true, 20, GRACE), 10);
        assert_eq!(poll_after_seconds(true, 31, GRACE), 16);
        assert_eq!(poll_after_seconds(true, 120, GRACE), 20);
        assert_eq!(poll_after_seconds(true, u64::MAX, GRACE), 20);
    }

    #[test]
    fn each_poll_lands_about_halfway_to_the_turn() {
        // A fan whose ETA holds: every 20 s while far back, then halving,
        // never told to come back after its turn.
        let mut eta = 100;
        let mut polls = 0;
        while eta > 0 {
            let wait = poll_after_seconds(true, eta, GRACE);
            assert!(
                wait <= eta.max(1),
                "told to wait past the turn: {wait} of {eta}"
            );
            eta -= wait.min(eta);
            polls += 1;
        }
        assert_eq!(polls, 9, "100 s: 4 x 20 s, then 10, 5, 3, 1, 1");
    }

    #[test]
    fn a_fan_polling_as_told_polls_three_times_before_its_place_lapses() {
        for eta in [0, 1, 10, 100, 10_000, u64::MAX] {
            for grace in [1, 30, 60, 3600] {
                let grace = Duration::from_secs(grace);
                let interval = poll_after_seconds(true, eta, grace);
                assert!(interval >= 1);
                let kept = place_kept_for(interval, grace);
                assert!(kept >= grace, "never less than the grace");
                assert!(
                    interval * POLLS_PER_GRACE <= kept.as_secs().max(POLLS_PER_GRACE),
                    "eta {eta}, grace {grace:?}: every {interval} s, kept {kept:?}"
                );
            }
        }
    }

    #[test]
    fn a_place_is_kept_for_the_grace_unless_the_interval_needs_longer() {
        assert_eq!(place_kept_for(10, GRACE), GRACE);
        assert_eq!(place_kept_for(20, GRACE), GRACE);
        assert_eq!(place_kept_for(21, GRACE), Duration::from_secs(63));
        assert_eq!(
            place_kept_for(60, Duration::from_secs(30)),
            Duration::from_secs(180)
        );
        assert_eq!(
            place_kept_for(1, Duration::from_secs(1)),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn settled_tokens_poll_rarely() {
        assert_eq!(poll_after_seconds(false, 0, GRACE), 20);
        assert_eq!(poll_after_seconds(false, 1000, GRACE), 20);
    }
}
