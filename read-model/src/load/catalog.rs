use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Window;
use crate::body::Body;
use crate::entry::View;

/// `[{concert_id,title,venue}]`, oldest first, with the end of the latest
/// booking window in progress.
pub async fn concerts(pool: &PgPool, window: &Window) -> Result<View, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "WITH hot AS (
             SELECT max(booking_opens_at) AS opens FROM schedules
             WHERE booking_opens_at BETWEEN $1 AND $2)
         SELECT c.concert_id, c.title, c.venue, hot.opens
         FROM concerts c CROSS JOIN hot
         ORDER BY c.registered_at, c.concert_id",
    )
    .bind(window.now - super::BOOKING_RUSH)
    .bind(window.now + window.lead)
    .fetch_all(pool)
    .await?;
    let mut body = Body::with_capacity(64 + rows.len() * 96);
    body.raw("[");
    for (i, (concert_id, title, venue, _)) in rows.iter().enumerate() {
        if i > 0 {
            body.raw(",");
        }
        body.raw("{").name("concert_id").uuid(*concert_id);
        body.raw(",").name("title").string(title);
        body.raw(",").name("venue").string(venue).raw("}");
    }
    body.raw("]");
    let hot_until_ms = rows
        .first()
        .and_then(|(.., opens)| *opens)
        .and_then(|opens| window.hot_until(opens));
    Ok(View {
        body: Some(body.bytes),
        patches: body.patches,
        owner: None,
        hot_until_ms,
    })
}

type ScheduleRow = (
    Option<Uuid>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<i32>,
    i64,
    Vec<DateTime<Utc>>,
);

/// `[{schedule_id,starts_at,booking_opens_at,total_seats,available_seats}]`
/// in start order; not found when the concert does not exist. A held
/// seat's expiry is kept so the count grows the moment the hold lapses.
pub async fn schedules(
    pool: &PgPool,
    concert_id: Uuid,
    window: &Window,
) -> Result<View, sqlx::Error> {
    let rows: Vec<ScheduleRow> = sqlx::query_as(
        "SELECT s.schedule_id, s.starts_at, s.booking_opens_at, s.total_seats,
                count(ss.seat_number) FILTER (WHERE ss.status = 'AVAILABLE'),
                coalesce(array_agg(ss.hold_expires_at)
                    FILTER (WHERE ss.status = 'HELD' AND ss.hold_expires_at IS NOT NULL), '{}')
         FROM concerts c
         LEFT JOIN schedules s ON s.concert_id = c.concert_id
         LEFT JOIN schedule_seats ss ON ss.schedule_id = s.schedule_id
         WHERE c.concert_id = $1
         GROUP BY s.schedule_id, s.starts_at, s.booking_opens_at, s.total_seats
         ORDER BY s.starts_at, s.schedule_id",
    )
    .bind(concert_id)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Ok(View::not_found());
    }
    let mut body = Body::with_capacity(2 + rows.len() * 192);
    let mut hot_until_ms = None;
    body.raw("[");
    let mut first = true;
    for (schedule_id, starts_at, opens, total, available, lapses) in rows {
        // The concert's own row when it has no schedules yet.
        let (Some(schedule_id), Some(starts_at), Some(opens), Some(total)) =
            (schedule_id, starts_at, opens, total)
        else {
            continue;
        };
        if !first {
            body.raw(",");
        }
        first = false;
        body.raw("{").name("schedule_id").uuid(schedule_id);
        body.raw(",").name("starts_at").time(starts_at);
        body.raw(",").name("booking_opens_at").time(opens);
        body.raw(",").name("total_seats").int(i64::from(total));
        body.raw(",").name("available_seats").count(
            available,
            lapses.iter().map(DateTime::timestamp_millis).collect(),
        );
        body.raw("}");
        hot_until_ms = hot_until_ms.max(window.hot_until(opens));
    }
    body.raw("]");
    Ok(View {
        body: Some(body.bytes),
        patches: body.patches,
        owner: None,
        hot_until_ms,
    })
}
