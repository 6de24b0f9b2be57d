use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::window::{Window, BOOKING_RUSH};
use crate::body;
use crate::entry::View;
use crate::views::{ConcertView, ScheduleView};

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
    .bind(window.now - BOOKING_RUSH)
    .bind(window.now + window.lead)
    .fetch_all(pool)
    .await?;
    let hot_until_ms = rows
        .first()
        .and_then(|(.., opens)| *opens)
        .and_then(|opens| window.hot_until(opens));
    let concerts: Vec<ConcertView> = rows
        .into_iter()
        .map(|(concert_id, title, venue, _)| ConcertView {
            concert_id,
            title,
            venue,
        })
        .collect();
    Ok(View {
        hot_until_ms,
        ..View::found(body::serialize(&concerts))
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
        // Available seats are counted as they change
        // (`schedule_availability`, kept by triggers on `schedule_seats`):
        // counting them here read every seat of every schedule, 4-5 ms for
        // 30 schedules of 408 seats, after every hold and payment (issue
        // 13). The held seats' expiries come through a partial index.
        "SELECT s.schedule_id, s.starts_at, s.booking_opens_at, s.total_seats,
                coalesce(a.available, 0)::bigint, held.hold_expiries
         FROM concerts c
         LEFT JOIN schedules s ON s.concert_id = c.concert_id
         LEFT JOIN schedule_availability a ON a.schedule_id = s.schedule_id
         LEFT JOIN LATERAL (
             SELECT coalesce(array_agg(ss.hold_expires_at)
                        FILTER (WHERE ss.hold_expires_at IS NOT NULL), '{}')
                        AS hold_expiries
             FROM schedule_seats ss
             WHERE ss.schedule_id = s.schedule_id AND ss.status = 'HELD'
         ) held ON true
         WHERE c.concert_id = $1
         ORDER BY s.starts_at, s.schedule_id",
    )
    .bind(concert_id)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Ok(View::not_found());
    }
    let mut hot_until_ms = None;
    let mut schedules = Vec::with_capacity(rows.len());
    let mut lapses = Vec::with_capacity(rows.len());
    for (schedule_id, starts_at, opens, total, available, held) in rows {
        // The concert's own row when it has no schedules yet.
        let (Some(schedule_id), Some(starts_at), Some(opens), Some(total)) =
            (schedule_id, starts_at, opens, total)
        else {
            continue;
        };
        schedules.push(ScheduleView {
            schedule_id,
            starts_at,
            booking_opens_at: opens,
            total_seats: i64::from(total),
            available_seats: available.max(0),
        });
        lapses.push(held.iter().map(DateTime::timestamp_millis).collect());
        hot_until_ms = hot_until_ms.max(window.hot_until(opens));
    }
    Ok(View {
        hot_until_ms,
        ..build_schedules(&schedules, lapses)
    })
}

/// The schedules' body; `lapses[i]` are the expiries of the holds on the
/// i-th schedule, each of which makes one more seat available.
fn build_schedules(schedules: &[ScheduleView], lapses: Vec<Vec<i64>>) -> View {
    let bytes = body::serialize(&schedules);
    // One `available_seats` per schedule: the i-th is the i-th schedule's.
    let patches = body::members(&bytes, "available_seats")
        .zip(lapses)
        .filter_map(|(at, lapses)| body::count(&bytes, at, lapses))
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

    #[test]
    fn available_counts_grow_as_holds_lapse_and_the_bytes_stay_as_they_were() {
        let t = |minute| Utc.with_ymd_and_hms(2030, 4, 1, 10, minute, 0).unwrap();
        let schedule = |n: u128, available| ScheduleView {
            schedule_id: Uuid::from_u128(n),
            starts_at: t(0) + chrono::Duration::days(30),
            booking_opens_at: t(0),
            total_seats: 100,
            available_seats: available,
        };
        let schedules = vec![schedule(1, 9), schedule(2, 0), schedule(3, 99)];
        let ms = |minute| t(minute).timestamp_millis();
        let view = build_schedules(&schedules, vec![vec![ms(5)], vec![], vec![ms(7), ms(5)]]);
        assert_eq!(view.patches.len(), 2);
        let entry = Entry::decode(Entry::encode(&view, 0, 0).into()).unwrap();
        let read = |minute| -> (String, Vec<ScheduleView>) {
            let Served::Found(body) = entry.serve(ms(minute)) else {
                panic!("found");
            };
            let text = String::from_utf8(body.to_vec()).unwrap();
            let read = serde_json::from_str(&text).unwrap();
            (text, read)
        };
        let (text, before) = read(4);
        assert_eq!(before, schedules);
        assert!(
            text.starts_with(
                "[{\"schedule_id\":\"00000000-0000-0000-0000-000000000001\",\
                 \"starts_at\":\"2030-05-01T10:00:00Z\",\
                 \"booking_opens_at\":\"2030-04-01T10:00:00Z\",\
                 \"total_seats\":100,\"available_seats\":9},"
            ),
            "{text}"
        );
        let counts =
            |minute| -> Vec<i64> { read(minute).1.iter().map(|s| s.available_seats).collect() };
        assert_eq!(counts(5), [10, 0, 100]);
        assert_eq!(counts(7), [10, 0, 101]);
    }

    #[test]
    fn concerts_read_as_they_were_written_by_hand() {
        let concerts = vec![ConcertView {
            concert_id: Uuid::nil(),
            title: "Spring \"Live\"".into(),
            venue: "Hall".into(),
        }];
        assert_eq!(
            body::serialize(&concerts),
            br#"[{"concert_id":"00000000-0000-0000-0000-000000000000","title":"Spring \"Live\"","venue":"Hall"}]"#
        );
    }
}
