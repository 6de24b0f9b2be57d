//! The wait estimate. It divides the position by the admission rate actually
//! *measured* over the last window (admissions recorded in Redis), not by the
//! configured rate: when the active cap is what holds the line back (slots only
//! free up as users pay or lapse) the configured rate would promise far too
//! short waits. Only while there is no history at all (the first moments after
//! booking opens, or after a quiet spell longer than the window) is the
//! configured rate, the best case, the only thing to go by.
//!
//! Known bias: after a quiet spell with a short line the measurement is low and
//! the estimate pessimistic; it corrects itself within seconds once the line
//! moves, and at booking-open time, when the estimate matters, the line is busy.

use std::time::Duration;

use super::settings::millis;

/// Admissions seen in the rate window, as the scripts report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateSample {
    pub admitted: u64,
    /// Oldest admission in the window (Unix ms), if any.
    pub oldest_ms: Option<u64>,
    pub now_ms: u64,
}

/// A very young history would otherwise turn a handful of admissions in one
/// tick into an absurd per-second rate.
const MIN_SPAN: Duration = Duration::from_secs(1);

/// Seconds until a user at `position` (1 = next) is admitted; 0 at position 0.
pub(crate) fn eta_seconds(
    position: u64,
    sample: RateSample,
    configured_per_second: u32,
    window: Duration,
) -> u64 {
    if position == 0 {
        return 0;
    }
    let per_second = match sample.oldest_ms {
        Some(oldest) if sample.admitted > 0 => {
            let span = sample
                .now_ms
                .saturating_sub(oldest)
                .clamp(millis(MIN_SPAN), millis(window).max(millis(MIN_SPAN)));
            sample.admitted as f64 * 1000.0 / span as f64
        }
        _ => f64::from(configured_per_second.max(1)),
    };
    (position as f64 / per_second).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(60);
    const NOW: u64 = 1_767_225_600_000;

    fn sample(admitted: u64, seconds_ago: u64) -> RateSample {
        RateSample {
            admitted,
            oldest_ms: Some(NOW - seconds_ago * 1000),
            now_ms: NOW,
        }
    }

    #[test]
    fn active_users_wait_zero() {
        assert_eq!(eta_seconds(0, sample(0, 0), 50, WINDOW), 0);
    }

    #[test]
    fn without_history_the_configured_rate_is_used() {
        let empty = RateSample {
            admitted: 0,
            oldest_ms: None,
            now_ms: NOW,
        };
        assert_eq!(eta_seconds(500, empty, 50, WINDOW), 10);
        assert_eq!(eta_seconds(1, empty, 50, WINDOW), 1);
    }

    #[test]
    fn the_measured_rate_wins_over_the_configured_one() {
        // 600 admitted over the last minute: 10/s although 50/s is configured.
        assert_eq!(eta_seconds(100, sample(600, 60), 50, WINDOW), 10);
    }

    #[test]
    fn a_young_history_is_measured_over_its_own_span() {
        // 100 admissions in the last 2 s: 50/s, not 100/60.
        assert_eq!(eta_seconds(100, sample(100, 2), 10, WINDOW), 2);
    }

    #[test]
    fn a_burst_inside_one_tick_does_not_explode_the_rate() {
        assert_eq!(eta_seconds(100, sample(50, 0), 10, WINDOW), 2);
    }
}
