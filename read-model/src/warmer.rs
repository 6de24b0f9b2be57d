//! Warming ahead of the booking window: each schedule's concert list,
//! schedule list and seat map are loaded into Redis `CACHE_WARM_LEAD_SECONDS`
//! before `booking_opens_at`, with a lifetime that lasts through the rush
//! (see `policy`), so the first wave of readers finds them there. A marker
//! (`warm:<schedule>`, living as long as the window) records the warm-up:
//! entries a read loaded earlier, with an ordinary TTL, are loaded again
//! with the window's. The projector runs `warm_due` every few seconds;
//! anything evicted or flushed during the window is loaded again on the
//! next round.
//!
//! Each round also says how many schedules inside their window it leaves
//! cold, from the same `EXISTS` it decides by: a warm-up that did not
//! happen is the incident this exists for, so it has to show (`WarmMetrics`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::error::WriteError;
use super::load::BOOKING_RUSH;
use super::shared::Shared;
use super::source::Source;
use super::strategy::Strategy;
use super::writer::write;

/// A schedule loaded by one round of warming.
#[derive(Debug, Clone, PartialEq)]
pub struct Warmed {
    pub schedule_id: Uuid,
    /// Seconds before `booking_opens_at` it was loaded (0 once open).
    pub lead_seconds: f64,
}

/// What one round of warming found and did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarmRound {
    pub warmed: Vec<Warmed>,
    /// Schedules inside their window: booking opens within the lead, or
    /// opened less than `BOOKING_RUSH` ago.
    pub due: usize,
    /// Of those, the ones whose entries are not all in Redis after the
    /// round: none once a round completes under the protected strategy,
    /// every one under the naive strategy (it never warms).
    pub cold: usize,
}

/// A round cut short by `error`.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct WarmFailure {
    pub error: WriteError,
    /// How far it got; `None` when it could not even list the due
    /// schedules (Postgres failed).
    pub round: Option<WarmRound>,
}

/// Loads every schedule inside its window whose entries are not all in
/// Redis. Under a strategy that does not warm (the naive one) it only
/// counts them.
pub(crate) async fn warm_due(
    shared: &Shared,
    strategy: &dyn Strategy,
) -> Result<WarmRound, WarmFailure> {
    let now = Utc::now();
    let due: Vec<(Uuid, Uuid, DateTime<Utc>)> = sqlx::query_as(
        "SELECT schedule_id, concert_id, booking_opens_at FROM schedules
         WHERE booking_opens_at > $1 AND booking_opens_at <= $2
         ORDER BY booking_opens_at, schedule_id",
    )
    .bind(now - BOOKING_RUSH)
    .bind(now + shared.warm_lead)
    .fetch_all(&shared.pool)
    .await
    .map_err(|error| WarmFailure {
        error: error.into(),
        round: None,
    })?;
    let keys = &shared.cache.keys;
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
    // Until Redis answers, none is known to be warm (and no reader
    // could get at it anyway).
    let mut round = WarmRound {
        warmed: Vec::new(),
        due: due.len(),
        cold: due.len(),
    };
    let present = match shared.cache.count_existing(&groups).await {
        Ok(present) => present,
        Err(error) => {
            return Err(WarmFailure {
                error: error.into(),
                round: Some(round),
            })
        }
    };
    let cold: Vec<(Uuid, Uuid, DateTime<Utc>)> = due
        .into_iter()
        .zip(groups.iter().zip(present))
        .filter(|(_, (group, present))| *present < group.len())
        .map(|(schedule, _)| schedule)
        .collect();
    round.cold = cold.len();
    if !strategy.warms() {
        return Ok(round);
    }
    for (schedule_id, concert_id, opens) in cold {
        match warm(shared, strategy, schedule_id, concert_id, opens).await {
            Ok(warmed) => {
                round.cold -= 1;
                round.warmed.push(warmed);
            }
            Err(error) => {
                return Err(WarmFailure {
                    error,
                    round: Some(round),
                })
            }
        }
    }
    Ok(round)
}

async fn warm(
    shared: &Shared,
    strategy: &dyn Strategy,
    schedule_id: Uuid,
    concert_id: Uuid,
    opens: DateTime<Utc>,
) -> Result<Warmed, WriteError> {
    write(
        shared,
        strategy,
        &[
            Source::Concerts,
            Source::Schedules(concert_id),
            Source::Seats(schedule_id),
        ],
    )
    .await?;
    let window_end = opens + BOOKING_RUSH;
    shared
        .cache
        .mark(
            &shared.cache.keys.warm(schedule_id),
            (window_end - Utc::now()).num_milliseconds(),
        )
        .await?;
    let lead_seconds = ((opens - Utc::now()).num_milliseconds() as f64 / 1000.0).max(0.0);
    shared.metrics.warmed(lead_seconds);
    Ok(Warmed {
        schedule_id,
        lead_seconds,
    })
}
