//! Warming ahead of the booking window: each schedule's concert list,
//! schedule list and seat map are loaded into Redis `CACHE_WARM_LEAD_SECONDS`
//! before `booking_opens_at`, with a lifetime that lasts through the rush
//! (see `policy`), so the first wave of readers finds them there. A marker
//! (`warm:<schedule>`, living as long as the window) records the warm-up:
//! entries a read loaded earlier, with an ordinary TTL, are loaded again
//! with the window's. The projector runs `warm_due` every few seconds;
//! anything evicted or flushed during the window is loaded again on the
//! next round.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::WriteError;
use super::load::BOOKING_RUSH;
use super::{ReadModel, Source};
use crate::config::CacheStrategy;

/// A schedule loaded by one round of warming.
#[derive(Debug, Clone, PartialEq)]
pub struct Warmed {
    pub schedule_id: Uuid,
    /// Seconds before `booking_opens_at` it was loaded (0 once open).
    pub lead_seconds: f64,
}

impl ReadModel {
    /// Loads every schedule inside its window whose entries are not all in
    /// Redis. Does nothing under the naive strategy (it had no warming).
    pub async fn warm_due(&self) -> Result<Vec<Warmed>, WriteError> {
        if self.inner.policy.strategy == CacheStrategy::Naive {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let due: Vec<(Uuid, Uuid, DateTime<Utc>)> = sqlx::query_as(
            "SELECT schedule_id, concert_id, booking_opens_at FROM schedules
             WHERE booking_opens_at > $1 AND booking_opens_at <= $2
             ORDER BY booking_opens_at, schedule_id",
        )
        .bind(now - BOOKING_RUSH)
        .bind(now + self.inner.policy.warm_lead)
        .fetch_all(&self.inner.pool)
        .await?;
        let keys = &self.inner.cache.keys;
        let groups: Vec<Vec<String>> = due
            .iter()
            .map(|(schedule, concert, _)| {
                vec![
                    keys.warm(*schedule),
                    keys.concerts().key,
                    keys.schedules(*concert).key,
                    keys.seats(*schedule).key,
                ]
            })
            .collect();
        let present = self.inner.cache.count_existing(&groups).await?;
        let mut warmed = Vec::new();
        for ((schedule_id, concert_id, opens), (group, present)) in
            due.into_iter().zip(groups.iter().zip(present))
        {
            if present >= group.len() {
                continue;
            }
            self.write(&[
                Source::Concerts,
                Source::Schedules(concert_id),
                Source::Seats(schedule_id),
            ])
            .await?;
            let window_end = opens + BOOKING_RUSH;
            self.inner
                .cache
                .mark(
                    &keys.warm(schedule_id),
                    (window_end - Utc::now()).num_milliseconds(),
                )
                .await?;
            let lead_seconds = ((opens - Utc::now()).num_milliseconds() as f64 / 1000.0).max(0.0);
            self.inner.metrics.warmed(lead_seconds);
            warmed.push(Warmed {
                schedule_id,
                lead_seconds,
            });
        }
        Ok(warmed)
    }
}
