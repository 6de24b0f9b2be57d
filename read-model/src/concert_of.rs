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

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use infra::testing::TestEnvironment;

    use super::*;

    async fn register(pool: &PgPool, concert: Uuid, schedule: Uuid) {
        sqlx::query(
            "INSERT INTO schedules (schedule_id, concert_id, starts_at, booking_opens_at, total_seats)
             VALUES ($1, $2, $3, $3, 1)",
        )
        .bind(schedule)
        .bind(concert)
        .bind(Utc::now())
        .execute(pool)
        .await
        .expect("a schedule row");
    }

    /// Given two schedules of one concert and one of another, the concerts
    /// are found; a schedule the tables do not hold names none; and an
    /// answer once found is not asked of Postgres again: the row moved to
    /// another concert behind its back still answers the first (a schedule
    /// never moves, so a second query would only be a wasted round trip).
    #[tokio::test(flavor = "multi_thread")]
    async fn each_schedules_concert_is_asked_of_postgres_once() {
        let env = TestEnvironment::new(&[]).expect("test settings");
        env.provision().await.expect("a test database");
        let pool = infra::postgres::connect(&env.settings.database)
            .await
            .expect("a pool");
        let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
        let (a, b, c, unknown) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        register(&pool, first, a).await;
        register(&pool, first, b).await;
        register(&pool, second, c).await;
        let concert_of = ConcertOf::default();

        let found = concert_of
            .concerts(&pool, &BTreeSet::from([a, b, unknown]))
            .await
            .expect("found");
        assert_eq!(found, BTreeSet::from([first]));
        assert_eq!(concert_of.known().len(), 2, "the unknown one is not kept");

        sqlx::query("UPDATE schedules SET concert_id = $1 WHERE schedule_id = $2")
            .bind(second)
            .bind(a)
            .execute(&pool)
            .await
            .expect("moved");
        let found = concert_of
            .concerts(&pool, &BTreeSet::from([a, c]))
            .await
            .expect("found");
        assert_eq!(
            found,
            BTreeSet::from([first, second]),
            "a remembered, c asked"
        );

        register(&pool, second, unknown).await;
        let found = concert_of
            .concerts(&pool, &BTreeSet::from([unknown]))
            .await
            .expect("found");
        assert_eq!(
            found,
            BTreeSet::from([second]),
            "a schedule registered later is found"
        );
        pool.close().await;
    }
}
