//! `concert.catalog.v1` into `concerts`, `schedules` and `schedule_seats`.
//! The first registration of an id wins; a schedule for an unknown concert
//! adds nothing, as the catalog decider refuses it.

use futures::future::BoxFuture;
use futures::FutureExt;
use schemas::{v1, LogEvent};
use sqlx::PgConnection;

use super::{Decoded, Effect, Fold, FoldError};

pub struct CatalogFold;

impl Fold for CatalogFold {
    fn fold<'a>(
        &'a self,
        conn: &'a mut PgConnection,
        decoded: &'a Decoded,
    ) -> BoxFuture<'a, Result<Effect, FoldError>> {
        async move {
            // Parsing into the domain command checks every value's range.
            decoded.event.clone().into_command()?;
            match &decoded.event {
                LogEvent::ConcertRegistered(event) => register_concert(conn, event, decoded).await,
                LogEvent::ScheduleAdded(event) => add_schedule(conn, event).await,
                _ => Ok(Effect::Unchanged),
            }
        }
        .boxed()
    }
}

async fn register_concert(
    conn: &mut PgConnection,
    event: &v1::ConcertRegistered,
    decoded: &Decoded,
) -> Result<Effect, FoldError> {
    let inserted = sqlx::query(
        "INSERT INTO concerts (concert_id, title, venue, registered_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (concert_id) DO NOTHING",
    )
    .bind(event.concert_id)
    .bind(event.title.trim())
    .bind(event.venue.trim())
    .bind(decoded.meta.occurred_at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(if inserted == 1 {
        Effect::Applied
    } else {
        Effect::Unchanged
    })
}

async fn add_schedule(
    conn: &mut PgConnection,
    event: &v1::ScheduleAdded,
) -> Result<Effect, FoldError> {
    let concert_exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM concerts WHERE concert_id = $1)")
            .bind(event.concert_id)
            .fetch_one(&mut *conn)
            .await?;
    if !concert_exists {
        tracing::info!(concert_id = %event.concert_id, schedule_id = %event.schedule_id, "schedule refused: unknown concert");
        return Ok(Effect::Unchanged);
    }
    let inserted = sqlx::query(
        "INSERT INTO schedules (schedule_id, concert_id, starts_at, booking_opens_at, total_seats)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (schedule_id) DO NOTHING",
    )
    .bind(event.schedule_id)
    .bind(event.concert_id)
    .bind(event.starts_at)
    .bind(event.booking_opens_at)
    .bind(i32::try_from(event.seats.len()).unwrap_or(i32::MAX))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(Effect::Unchanged);
    }
    // One round trip for the whole seat plan, however large.
    let numbers: Vec<i32> = event
        .seats
        .iter()
        .map(|s| i32::try_from(s.number).unwrap_or(i32::MAX))
        .collect();
    let prices: Vec<i64> = event.seats.iter().map(|s| s.price).collect();
    sqlx::query(
        "INSERT INTO schedule_seats (schedule_id, seat_number, price)
         SELECT $1, number, price FROM UNNEST($2::int[], $3::bigint[]) AS seat(number, price)
         ON CONFLICT (schedule_id, seat_number) DO NOTHING",
    )
    .bind(event.schedule_id)
    .bind(&numbers)
    .bind(&prices)
    .execute(&mut *conn)
    .await?;
    Ok(Effect::Applied)
}
