//! Where the waiting room learns when a schedule's booking opens: the
//! service that mounts `issue_token` provides it (command-api reads its
//! catalog tables), so the waiting room depends on no catalog of its own.

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use uuid::Uuid;

use super::error::QueueError;

pub trait BookingWindows: Send + Sync + 'static {
    /// When booking opens for `schedule_id`; `None` when there is no such
    /// schedule. A dependency that is down is `QueueError::ScheduleLookup`.
    fn opens_at(
        &self,
        schedule_id: Uuid,
    ) -> LocalBoxFuture<'_, Result<Option<DateTime<Utc>>, QueueError>>;

    /// The time a window is judged at: the clock the service stamps its
    /// commands by, so a room opens when booking does.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
