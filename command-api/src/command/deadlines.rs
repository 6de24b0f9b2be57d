//! The deadlines that bound a command's answer whatever its dependencies
//! do (a locked table, a black-holed database, a Redis that never answers):
//!
//! - *intake*: everything before the append (the route's lookups, the key
//!   claim, a retry's outcome read, the decision board) ends within the
//!   intake window of the request's receipt, or the command answers 503.
//!   Nothing is appended by then, so the 503 is true: it will not apply.
//! - the *append* itself gets the rest of the wait budget, at least
//!   `MIN_APPEND_WINDOW` (`write_path`).
//! - *closing*: what follows the budget (the final outcome read, noting the
//!   append, the pending entry, keeping the idempotent answer) shares one
//!   closing window; a step it cuts short only costs a retry some work.
//!
//! So a command with a wait budget of `w` answers within
//! `max(w, intake + MIN_APPEND_WINDOW) + closing`: with the defaults
//! (statement timeout 1 s, so intake 2 s and closing 1 s; the append's
//! least window 3.5 s) 6.5 s for `Prefer: wait=0` to `wait=5`, and
//! `w + 1 s` beyond.

use std::future::Future;
use std::time::{Duration, Instant};

use infra::config::RequestBounds;

use super::intake::Intake;
use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Two statement timeouts: the route's lookup and the key claim each
    /// get one, as the server itself would cancel them; a wait for a pooled
    /// connection counts against it (the pool alone would wait 3 s).
    intake: Duration,
    /// One statement timeout, as long as the end-of-budget outcome read
    /// was always given.
    closing: Duration,
}

impl Deadlines {
    pub fn new(bounds: RequestBounds) -> Self {
        Self {
            intake: bounds.statement_timeout.saturating_mul(2),
            closing: bounds.statement_timeout,
        }
    }

    /// When everything before the append must be done.
    pub fn intake_ends(&self, intake: &Intake) -> Instant {
        intake.received + self.intake
    }

    /// Runs a step of the intake; past its window, `dependency` is
    /// unavailable (503: nothing has been appended).
    pub async fn take_in<T>(
        &self,
        intake: &Intake,
        dependency: &'static str,
        step: impl Future<Output = Result<T, ApiError>>,
    ) -> Result<T, ApiError> {
        let ends = tokio::time::Instant::from_std(self.intake_ends(intake));
        match tokio::time::timeout_at(ends, step).await {
            Ok(result) => result,
            Err(_) => Err(ApiError::unavailable(
                dependency,
                format!(
                    "no answer within the command's intake window of {} ms",
                    self.intake.as_millis()
                ),
            )),
        }
    }

    /// When the closing steps must be done: one closing window after the
    /// budget ends (or after now, when the budget has run out already).
    pub fn closing_ends(&self, intake: &Intake) -> Instant {
        let budget_ends = intake.received + intake.budget.duration();
        budget_ends.max(Instant::now()) + self.closing
    }
}

impl Default for Deadlines {
    fn default() -> Self {
        Self::new(RequestBounds::default())
    }
}

/// `step`'s result if it finishes by `deadline`; `None` (cut short) if not.
pub async fn by<T>(deadline: Instant, step: impl Future<Output = T>) -> Option<T> {
    tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), step)
        .await
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_follow_the_statement_timeout() {
        let deadlines = Deadlines::default();
        assert_eq!(deadlines.intake, Duration::from_secs(2));
        assert_eq!(deadlines.closing, Duration::from_secs(1));
        let custom = Deadlines::new(RequestBounds {
            statement_timeout: Duration::from_millis(300),
            lock_timeout: Duration::from_millis(100),
        });
        assert_eq!(custom.intake, Duration::from_millis(600));
    }
}
