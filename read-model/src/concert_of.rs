//! Which concert each schedule belongs to, as a write-through needs it: a
//! seat map that changed changes its concert's schedule list (available
//! counts). A schedule never moves to another concert, so the answer is
//! asked of Postgres once per schedule and remembered, instead of on every
//! write-through, where it was one more round trip before every decision's
//! announcement.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use sqlx::PgPool;
use uuid::Uuid;

/// Schedules remembered at most; past this the memory starts again empty
/// (the next write-throughs ask again), so it stays bounded however many
/// schedules a long-lived process sees.
const REMEMBERED: usize = 100_000;

#[derive(Default)]
pub(crate) struct ConcertOf {
    known: Mutex<HashMap<Uuid, Uuid>>,
}

impl ConcertOf {
    /// The concerts of `schedules`; a schedule not in the tables names none.
    pub async fn concerts(
        &self,
        pool: &PgPool,
        schedules: &BTreeSet<Uuid>,
    ) -> Result<BTreeSet<Uuid>, sqlx::Error> {
        let mut concerts = BTreeSet::new();
        let mut unknown = Vec::new();
        {
            let known = self.known();
            for schedule in schedules {
                match known.get(schedule) {
                    Some(concert) => {
                        concerts.insert(*concert);
                    }
                    None => unknown.push(*schedule),
                }
            }
        }
        if unknown.is_empty() {
            return Ok(concerts);
        }
        let found: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT schedule_id, concert_id FROM schedules WHERE schedule_id = ANY($1)",
        )
        .bind(unknown)
        .fetch_all(pool)
        .await?;
        let mut known = self.known();
        if known.len() + found.len() > REMEMBERED {
            known.clear();
        }
        for (schedule, concert) in found {
            known.insert(schedule, concert);
            concerts.insert(concert);
        }
        Ok(concerts)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Uuid>> {
        self.known.lock().unwrap_or_else(|e| e.into_inner())
    }
}
