use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Window;
use crate::body::Body;
use crate::entry::{Lapsed, View};

type SeatRow = (
    DateTime<Utc>,
    Option<i32>,
    Option<i64>,
    Option<String>,
    Option<DateTime<Utc>>,
);

/// `{schedule_id,seats:[{number,price,status}]}`; not found when the
/// schedule does not exist. A hold with an expiry reads AVAILABLE from
/// then on; one locked by a payment in flight (no expiry) stays HELD.
pub async fn seat_map(
    pool: &PgPool,
    schedule_id: Uuid,
    window: &Window,
) -> Result<View, sqlx::Error> {
    let rows: Vec<SeatRow> = sqlx::query_as(
        "SELECT s.booking_opens_at, ss.seat_number, ss.price, ss.status, ss.hold_expires_at
         FROM schedules s
         LEFT JOIN schedule_seats ss ON ss.schedule_id = s.schedule_id
         WHERE s.schedule_id = $1
         ORDER BY ss.seat_number",
    )
    .bind(schedule_id)
    .fetch_all(pool)
    .await?;
    let Some((opens, ..)) = rows.first() else {
        return Ok(View::not_found());
    };
    let hot_until_ms = window.hot_until(*opens);
    let mut body = Body::with_capacity(64 + rows.len() * 48);
    body.raw("{").name("schedule_id").uuid(schedule_id);
    body.raw(",").name("seats").raw("[");
    let mut first = true;
    for (_, number, price, status, expires) in rows {
        let (Some(number), Some(price), Some(status)) = (number, price, status) else {
            continue;
        };
        if !first {
            body.raw(",");
        }
        first = false;
        body.raw("{").name("number").int(i64::from(number));
        body.raw(",").name("price").int(price);
        body.raw(",")
            .name("status")
            .status(&status, expires.map(|at| (at, Lapsed::Available)));
        body.raw("}");
    }
    body.raw("]}");
    Ok(View {
        body: Some(body.bytes),
        patches: body.patches,
        owner: None,
        hot_until_ms,
    })
}
