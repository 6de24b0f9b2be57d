use uuid::Uuid;

use crate::helpers::{concert, eventually, sample, schedule, spawn_log};

const FOLDED_CONCERTS: &str = r#"ticketfold_projector_events_folded_total{event_type="ConcertRegistered",topic="concert.catalog.v1"}"#;
const FOLDED_SCHEDULES: &str = r#"ticketfold_projector_events_folded_total{event_type="ScheduleAdded",topic="concert.catalog.v1"}"#;
const SKIPPED: &str = r#"ticketfold_projector_records_skipped_total{topic="concert.catalog.v1"}"#;

#[tokio::test]
async fn appended_events_reach_the_read_tables_and_a_restart_folds_nothing_twice() {
    let log = spawn_log().await;
    let (concert_id, schedule_id) = (Uuid::now_v7(), Uuid::now_v7());
    let (partition, first) = log.append(concert(concert_id, "Spring Tour")).await;
    let (same_partition, second) = log.append(schedule(concert_id, schedule_id, 3)).await;
    assert_eq!(
        partition, same_partition,
        "one concert's records share a partition"
    );
    assert_eq!(second, first + 1);

    let projector = log.spawn_projector().await;
    eventually("the concert and its seats in Postgres", || async {
        log.count(&format!(
            "SELECT count(*) FROM schedule_seats WHERE schedule_id = '{schedule_id}'"
        ))
        .await
            == 3
    })
    .await;
    let (title, venue): (String, String) =
        sqlx::query_as("SELECT title, venue FROM concerts WHERE concert_id = $1")
            .bind(concert_id)
            .fetch_one(&log.pool)
            .await
            .unwrap();
    assert_eq!(
        (title.as_str(), venue.as_str()),
        ("Spring Tour", "Olympic Hall")
    );
    let (total_seats, price): (i32, i64) = sqlx::query_as(
        "SELECT s.total_seats, seat.price FROM schedules s JOIN schedule_seats seat USING (schedule_id)
         WHERE s.schedule_id = $1 AND seat.seat_number = 2",
    )
    .bind(schedule_id)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!((total_seats, price), (3, 52_000));
    let stored: i64 = sqlx::query_scalar(
        "SELECT next_offset FROM projector_offsets WHERE topic = $1 AND partition = $2",
    )
    .bind(&log.topics.catalog)
    .bind(partition)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!(stored, second + 1, "the offset is stored with the effects");
    let metrics = projector.metrics().await;
    assert_eq!(sample(&metrics, FOLDED_CONCERTS), 1.0, "{metrics}");
    assert_eq!(sample(&metrics, FOLDED_SCHEDULES), 1.0, "{metrics}");
    projector.stop().await;

    // A new projector resumes after the stored offsets: it folds the new
    // record only and does not even read the old ones again.
    let restarted = log.spawn_projector().await;
    let later = Uuid::now_v7();
    log.append(concert(later, "Encore")).await;
    eventually("the second concert in Postgres", || async {
        log.count(&format!(
            "SELECT count(*) FROM concerts WHERE concert_id = '{later}'"
        ))
        .await
            == 1
    })
    .await;
    let metrics = restarted.metrics().await;
    assert_eq!(sample(&metrics, FOLDED_CONCERTS), 1.0, "{metrics}");
    assert_eq!(sample(&metrics, FOLDED_SCHEDULES), 0.0, "{metrics}");
    assert_eq!(sample(&metrics, SKIPPED), 0.0, "{metrics}");
    assert_eq!(log.count("SELECT count(*) FROM concerts").await, 2);
    assert_eq!(log.count("SELECT count(*) FROM schedule_seats").await, 3);
    restarted.stop().await;
}
