use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::body::Body;
use crate::entry::{Lapsed, View};

type ReservationRow = (Uuid, Uuid, i32, Option<i64>, String, bool, DateTime<Utc>);

/// `{reservation_id,schedule_id,seat_number,status,price,expires_at}`, for
/// its owner only. A HELD reservation reads EXPIRED once `expires_at` has
/// passed, unless a payment for it is in flight.
pub async fn reservation(pool: &PgPool, reservation_id: Uuid) -> Result<View, sqlx::Error> {
    let row: Option<ReservationRow> = sqlx::query_as(
        "SELECT user_id, schedule_id, seat_number, price, status, payment_pending, expires_at
         FROM reservations WHERE reservation_id = $1",
    )
    .bind(reservation_id)
    .fetch_optional(pool)
    .await?;
    let Some((owner, schedule_id, seat_number, price, status, payment_pending, expires_at)) = row
    else {
        return Ok(View::not_found());
    };
    let mut body = Body::with_capacity(200);
    body.raw("{").name("reservation_id").uuid(reservation_id);
    body.raw(",").name("schedule_id").uuid(schedule_id);
    body.raw(",")
        .name("seat_number")
        .int(i64::from(seat_number));
    let lapse = (!payment_pending).then_some((expires_at, Lapsed::Expired));
    body.raw(",").name("status").status(&status, lapse);
    body.raw(",").name("price").opt_int(price);
    body.raw(",").name("expires_at").time(expires_at).raw("}");
    let patches = std::mem::take(&mut body.patches);
    Ok(View {
        patches,
        ..View::found(body.bytes).owned_by(owner)
    })
}

/// A hold in the log but not decided yet: `PENDING`, no price yet, and the
/// expiry it gets if it is granted. Its owner's only, like the decided one.
pub fn pending_reservation(
    reservation_id: Uuid,
    schedule_id: Uuid,
    seat_number: i64,
    owner: Uuid,
    expires_at: DateTime<Utc>,
) -> View {
    let mut body = Body::with_capacity(200);
    body.raw("{").name("reservation_id").uuid(reservation_id);
    body.raw(",").name("schedule_id").uuid(schedule_id);
    body.raw(",").name("seat_number").int(seat_number);
    body.raw(",").name("status").string("PENDING");
    body.raw(",").name("price").raw("null");
    body.raw(",").name("expires_at").time(expires_at).raw("}");
    View::found(body.bytes).owned_by(owner)
}
