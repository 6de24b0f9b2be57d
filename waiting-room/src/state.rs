//! Where a token stands, as the scripts report it and as clients read it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::QueueError;
use super::eta::{eta_seconds, RateSample};
use super::poll::poll_after_seconds;
use super::settings::QueueSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TokenStatus {
    /// In line; `position` says where, counting only fans still there. The
    /// place is kept while the client polls: one that has not polled for the
    /// grace (QUEUE_WAITING_GRACE_SECONDS, 60 s by default, at least 30 s),
    /// or for three of the intervals it was last told if that is longer, is
    /// dropped and the token reads EXPIRED.
    Waiting,
    /// Admitted: may use the protected endpoints until `expires_at`, unless
    /// the fan makes no guarded request (seat map, hold, release, payment)
    /// for the idle period (QUEUE_ACTIVE_IDLE_SECONDS, 120 s by default):
    /// then the slot is given back and the token reads EXPIRED. A hold keeps
    /// the slot until the hold's own expiry, and the idle period after.
    Active,
    /// Lapsed, idle, completed by a payment, abandoned (no poll within the
    /// grace), or replaced by a newer token. Joining again gives a new place
    /// at the back.
    Expired,
}

/// `GET /v1/queue/tokens/current`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"status": "WAITING", "position": 42, "eta_seconds": 9, "expires_at": "2026-12-05T10:10:00Z", "poll_after_seconds": 2}))]
pub struct TokenState {
    pub status: TokenStatus,
    /// 1 = next in line; 0 once ACTIVE (and when EXPIRED); null while the
    /// fan waits for the room's booking to open (pre-queued fans are placed
    /// in a random order at the opening).
    #[schema(required = true, example = 42)]
    pub position: Option<u64>,
    /// Estimated seconds until admission, from the measured admission rate;
    /// before the room's opening, the seconds until it opens; 0 once ACTIVE
    /// (and when EXPIRED).
    pub eta_seconds: u64,
    /// ACTIVE: when the token lapses (earlier if the fan goes idle).
    /// WAITING: when the place is given up if the client stops polling (every
    /// poll pushes it forward by the grace, or by three `poll_after_seconds`
    /// if that is longer). EXPIRED: when it ended, or null
    /// once that is no longer known.
    #[schema(required = true)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Poll no sooner than this many seconds (at least 1). While WAITING,
    /// half the ETA (so each poll lands about halfway to the turn), at most
    /// 20; the place is kept for at least three of these, so a client that
    /// polls as told never loses it. `Retry-After` carries the same figure
    /// while WAITING. Once ACTIVE or EXPIRED, a third of the grace.
    #[schema(minimum = 1, example = 2)]
    pub poll_after_seconds: u64,
}

/// The fields every state-reporting script ends with, in this order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScriptState {
    pub status: i64,
    pub position: i64,
    pub expires_at_ms: i64,
    pub now_ms: i64,
    pub admitted_in_window: i64,
    pub oldest_admission_ms: i64,
    /// The room's opening while the fan is pre-queued, else -1.
    pub opens_at_ms: i64,
}

impl ScriptState {
    pub fn into_state(self, settings: &QueueSettings) -> Result<TokenState, QueueError> {
        let status = match self.status {
            0 => TokenStatus::Expired,
            1 => TokenStatus::Waiting,
            2 => TokenStatus::Active,
            other => return Err(QueueError::Reply(format!("unknown status {other}"))),
        };
        let position = match status {
            TokenStatus::Waiting if self.position < 0 => None,
            TokenStatus::Waiting => Some(non_negative(self.position)),
            _ => Some(0),
        };
        let sample = RateSample {
            admitted: non_negative(self.admitted_in_window),
            oldest_ms: u64::try_from(self.oldest_admission_ms).ok(),
            now_ms: non_negative(self.now_ms),
        };
        let eta_seconds = match position {
            Some(position) => eta_seconds(
                position,
                sample,
                settings.admit_per_second,
                settings.rate_window,
            ),
            None => non_negative(self.opens_at_ms - self.now_ms).div_ceil(1000),
        };
        Ok(TokenState {
            status,
            position,
            eta_seconds,
            poll_after_seconds: poll_after_seconds(
                status == TokenStatus::Waiting,
                eta_seconds,
                settings.waiting_idle_timeout,
            ),
            expires_at: (self.expires_at_ms >= 0)
                .then(|| DateTime::from_timestamp_millis(self.expires_at_ms))
                .flatten(),
        })
    }
}

fn non_negative(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
