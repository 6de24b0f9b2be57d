use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::wire::wire;
use crate::body;
use crate::entry::{Lapsed, View};
use crate::views::{ReservationStatus, ReservationView};

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
    let reservation = ReservationView {
        reservation_id,
        schedule_id,
        seat_number: i64::from(seat_number),
        status: wire("reservations.status", &status)?,
        price,
        expires_at,
    };
    Ok(build(&reservation, !payment_pending).owned_by(owner))
}

/// The reservation's body; a `HELD` one that `lapses` reads `EXPIRED`
/// from its `expires_at` on.
fn build(reservation: &ReservationView, lapses: bool) -> View {
    let bytes = body::serialize(reservation);
    let patches = match (reservation.status, lapses) {
        (ReservationStatus::Held, true) => body::members(&bytes, "status")
            .next()
            .and_then(|at| body::flip(&bytes, at, reservation.expires_at, Lapsed::Expired))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    View {
        patches,
        ..View::found(bytes)
    }
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
    let reservation = ReservationView {
        reservation_id,
        schedule_id,
        seat_number,
        status: ReservationStatus::Pending,
        price: None,
        expires_at,
    };
    View::found(body::serialize(&reservation)).owned_by(owner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, Served};
    use chrono::TimeZone;

    fn read(view: &View, at: DateTime<Utc>) -> (String, ReservationView) {
        let entry = Entry::decode(Entry::encode(view, 0, 0).into()).unwrap();
        let Served::Found(body) = entry.serve(at.timestamp_millis()) else {
            panic!("found");
        };
        let text = String::from_utf8(body.to_vec()).unwrap();
        let view = serde_json::from_str(&text).unwrap();
        (text, view)
    }

    fn held(price: Option<i64>, status: ReservationStatus) -> ReservationView {
        ReservationView {
            reservation_id: Uuid::from_u128(1),
            schedule_id: Uuid::from_u128(2),
            seat_number: 3,
            status,
            price,
            expires_at: Utc.with_ymd_and_hms(2030, 4, 1, 10, 5, 0).unwrap(),
        }
    }

    #[test]
    fn a_held_reservation_reads_expired_once_its_hold_lapses() {
        let reservation = held(Some(13_000), ReservationStatus::Held);
        let view = build(&reservation, true);
        let (text, before) = read(&view, reservation.expires_at - chrono::Duration::seconds(1));
        assert_eq!(
            text,
            "{\"reservation_id\":\"00000000-0000-0000-0000-000000000001\",\
             \"schedule_id\":\"00000000-0000-0000-0000-000000000002\",\
             \"seat_number\":3,\"status\":\"HELD\",\"price\":13000,\
             \"expires_at\":\"2030-04-01T10:05:00Z\"}"
        );
        assert_eq!(before, reservation);
        let (_, after) = read(&view, reservation.expires_at);
        assert_eq!(
            after,
            held(Some(13_000), ReservationStatus::Expired),
            "only the status changes"
        );

        // A payment in flight keeps it HELD; other statuses never flip.
        assert!(build(&reservation, false).patches.is_empty());
        assert!(build(&held(None, ReservationStatus::Rejected), true)
            .patches
            .is_empty());
    }

    #[test]
    fn a_pending_hold_has_no_price_yet() {
        let pending = held(None, ReservationStatus::Pending);
        let view = pending_reservation(
            pending.reservation_id,
            pending.schedule_id,
            pending.seat_number,
            Uuid::from_u128(9),
            pending.expires_at,
        );
        assert_eq!(view.owner, Some(Uuid::from_u128(9)));
        let (text, read) = read(&view, pending.expires_at);
        assert_eq!(read, pending);
        assert!(
            text.contains(r#""status":"PENDING","price":null,"#),
            "{text}"
        );
    }
}
