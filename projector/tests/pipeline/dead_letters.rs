use uuid::Uuid;

use crate::helpers::{concert, eventually, sample, spawn_log};

#[tokio::test]
async fn a_garbage_record_goes_to_dead_letters_and_the_next_record_is_still_folded() {
    let log = spawn_log().await;
    let concert_id = Uuid::now_v7();
    let key = concert_id.to_string();
    // Same key, so the garbage sits right before the good record in one partition.
    let (partition, garbage_offset) = log.append_raw(&key, b"\x00 this is not an envelope").await;
    let (_, good_offset) = log.append(concert(concert_id, "After The Garbage")).await;
    assert_eq!(good_offset, garbage_offset + 1);

    let projector = log.spawn_projector().await;
    eventually("the good record folded", || async {
        log.count(&format!(
            "SELECT count(*) FROM concerts WHERE concert_id = '{concert_id}'"
        ))
        .await
            == 1
    })
    .await;

    let (offset, reason, payload): (i64, String, Vec<u8>) = sqlx::query_as(
        "SELECT record_offset, reason, payload FROM projector_dead_letters WHERE topic = $1 AND partition = $2",
    )
    .bind(&log.topics.catalog)
    .bind(partition)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!(offset, garbage_offset);
    assert!(reason.contains("not an envelope"), "{reason}");
    assert_eq!(payload, b"\x00 this is not an envelope");

    let metrics = projector.metrics().await;
    assert_eq!(
        sample(
            &metrics,
            r#"ticketfold_projector_poison_records_total{topic="concert.catalog.v1"}"#
        ),
        1.0,
        "{metrics}"
    );
    projector.stop().await;
}

#[tokio::test]
async fn an_event_with_out_of_range_values_goes_to_dead_letters() {
    let log = spawn_log().await;
    let concert_id = Uuid::now_v7();
    // A title of blanks parses as JSON but not as a domain title.
    log.append(concert(concert_id, "   ")).await;
    let next = Uuid::now_v7();
    log.append(concert(next, "Valid")).await;

    let projector = log.spawn_projector().await;
    eventually("the valid concert folded", || async {
        log.count(&format!(
            "SELECT count(*) FROM concerts WHERE concert_id = '{next}'"
        ))
        .await
            == 1
    })
    .await;
    eventually("the invalid one dead-lettered", || async {
        log.count("SELECT count(*) FROM projector_dead_letters")
            .await
            == 1
    })
    .await;
    assert_eq!(
        log.count(&format!(
            "SELECT count(*) FROM concerts WHERE concert_id = '{concert_id}'"
        ))
        .await,
        0
    );
    projector.stop().await;
}
