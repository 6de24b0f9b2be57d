use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::window::Window;
use super::wire::wire;
use crate::body;
use crate::entry::{Lapsed, View};
use crate::views::{SeatMapView, SeatStatus, SeatView};

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
    let mut seats = Vec::with_capacity(rows.len());
    let mut lapses = Vec::with_capacity(rows.len());
    for (_, number, price, status, expires) in rows {
        // The schedule's own row when it has no seats.
        let (Some(number), Some(price), Some(status)) = (number, price, status) else {
            continue;
        };
        seats.push(SeatView {
            number: i64::from(number),
            price,
            status: wire("schedule_seats.status", &status)?,
        });
        lapses.push(expires);
    }
    Ok(View {
        hot_until_ms,
        ..build(SeatMapView { schedule_id, seats }, &lapses)
    })
}

/// The seat map's body; `lapses[i]`, when set, is when the i-th seat's
/// hold lapses.
fn build(map: SeatMapView, lapses: &[Option<DateTime<Utc>>]) -> View {
    let bytes = body::serialize(&map);
    // `status` is a member of the seats only: the i-th is the i-th seat's.
    let patches = body::members(&bytes, "status")
        .zip(map.seats.iter().zip(lapses))
        .filter_map(|(at, (seat, lapse))| match (seat.status, lapse) {
            (SeatStatus::Held, Some(lapse)) => body::flip(&bytes, at, *lapse, Lapsed::Available),
            _ => None,
        })
        .collect();
    View {
        patches,
        ..View::found(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Entry, Served};
    use chrono::TimeZone;

    fn seat(number: i64, status: SeatStatus) -> SeatView {
        SeatView {
            number,
            price: 10_000 + number * 1_000,
            status,
        }
    }

    fn served(view: &View, at: DateTime<Utc>) -> bytes::Bytes {
        let entry = Entry::decode(Entry::encode(view, 0, 0).into()).unwrap();
        match entry.serve(at.timestamp_millis()) {
            Served::Found(body) => body,
            Served::NotFound => panic!("found"),
        }
    }

    #[test]
    fn holds_read_available_once_they_lapse_and_the_bytes_stay_as_they_were() {
        let schedule_id = Uuid::from_u128(7);
        let t = |minute| Utc.with_ymd_and_hms(2030, 4, 1, 10, minute, 0).unwrap();
        let seats = vec![
            seat(1, SeatStatus::Held),
            seat(2, SeatStatus::Sold),
            seat(3, SeatStatus::Held),
            seat(4, SeatStatus::Held),
            seat(5, SeatStatus::Available),
        ];
        // Seat 3's hold is locked by a payment in flight: no expiry.
        let lapses = [Some(t(5)), None, None, Some(t(10)), None];
        let map = SeatMapView { schedule_id, seats };
        let view = build(map.clone(), &lapses);
        assert_eq!(view.patches.len(), 2);

        let before = served(&view, t(4));
        // What the hand-written loader wrote, byte for byte.
        assert_eq!(
            std::str::from_utf8(&before).unwrap(),
            format!(
                "{{\"schedule_id\":\"{schedule_id}\",\"seats\":[\
                 {{\"number\":1,\"price\":11000,\"status\":\"HELD\"}},\
                 {{\"number\":2,\"price\":12000,\"status\":\"SOLD\"}},\
                 {{\"number\":3,\"price\":13000,\"status\":\"HELD\"}},\
                 {{\"number\":4,\"price\":14000,\"status\":\"HELD\"}},\
                 {{\"number\":5,\"price\":15000,\"status\":\"AVAILABLE\"}}]}}"
            )
        );
        let read = |at| serde_json::from_slice::<SeatMapView>(&served(&view, at)).unwrap();
        assert_eq!(read(t(4)), map);
        let statuses =
            |at| -> Vec<SeatStatus> { read(at).seats.iter().map(|s| s.status).collect() };
        use SeatStatus::{Available, Held, Sold};
        assert_eq!(statuses(t(5)), [Available, Sold, Held, Held, Available]);
        assert_eq!(
            statuses(t(10)),
            [Available, Sold, Held, Available, Available]
        );
    }

    #[test]
    fn a_schedule_without_seats_reads_an_empty_map() {
        let view = build(
            SeatMapView {
                schedule_id: Uuid::nil(),
                seats: Vec::new(),
            },
            &[],
        );
        assert!(view.patches.is_empty());
        assert_eq!(
            view.body.unwrap(),
            br#"{"schedule_id":"00000000-0000-0000-0000-000000000000","seats":[]}"#
        );
    }
}
