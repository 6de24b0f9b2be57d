//! When each schedule's booking opens, as the catalog read table has it:
//! what the waiting room needs to open a schedule's room (the pre-queue
//! before the opening, the fair start at it).

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::LocalBoxFuture;
use infra::clock::ReferenceClock;
use sqlx::PgPool;
use uuid::Uuid;
use waiting_room::{BookingWindows, QueueError};

/// A join never waits on Postgres longer than this: past it, 503.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

pub struct CatalogWindows {
    pool: PgPool,
    clock: ReferenceClock,
}

impl CatalogWindows {
    pub fn new(pool: PgPool, clock: ReferenceClock) -> Self {
        Self { pool, clock }
    }
}

impl BookingWindows for CatalogWindows {
    fn opens_at(
        &self,
        schedule_id: Uuid,
    ) -> LocalBoxFuture<'_, Result<Option<DateTime<Utc>>, QueueError>> {
        Box::pin(async move {
            let read = sqlx::query_scalar::<_, DateTime<Utc>>(
                "SELECT booking_opens_at FROM schedules WHERE schedule_id = $1",
            )
            .bind(schedule_id)
            .fetch_optional(&self.pool);
            match tokio::time::timeout(LOOKUP_TIMEOUT, read).await {
                Ok(Ok(opens_at)) => Ok(opens_at),
                Ok(Err(error)) => Err(QueueError::ScheduleLookup(error.to_string())),
                Err(_) => Err(QueueError::ScheduleLookup(format!(
                    "no answer within {LOOKUP_TIMEOUT:?}"
                ))),
            }
        })
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
