use futures::StreamExt;
use infra::decision::{CommandType, Verdict};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{at, hold, outcome, release, request, spawn_log, subscribe, PATIENCE};

#[tokio::test]
async fn holds_and_releases_are_decided_answered_and_shown() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let mut announced = subscribe(&log).await;
    let schedule_id = log.open_schedule(6).await;
    let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
    let mine = Uuid::now_v7();

    let held = log.ask(hold(schedule_id, mine, alice, 2, 10)).await;
    let taken = log.ask(hold(schedule_id, Uuid::now_v7(), bob, 2, 11)).await;
    let nowhere = log
        .ask(hold(schedule_id, Uuid::now_v7(), bob, 99, 12))
        .await;
    let early = log
        .ask(hold(schedule_id, Uuid::now_v7(), bob, 3, -60))
        .await;

    let decision = log.decision(held).await;
    assert_eq!(decision.verdict, Verdict::Accepted, "{decision:?}");
    assert_eq!(decision.command_type, CommandType::Hold);
    assert_eq!(decision.user_id, Some(alice));
    assert_eq!(
        decision.body,
        json!({
            "reservation_id": mine,
            "schedule_id": schedule_id,
            "seat_number": 2,
            "status": "HELD",
            "price": 52_000,
            "expires_at": at(310),
        })
    );
    assert_eq!(outcome(&log.decision(taken).await), "SEAT_UNAVAILABLE");
    assert_eq!(outcome(&log.decision(nowhere).await), "NOT_FOUND");
    assert_eq!(outcome(&log.decision(early).await), "BOOKING_NOT_OPEN");
    assert!(log.decision(taken).await.body["detail"].is_string());

    // The winner is announced on the channel too.
    let heard = tokio::time::timeout(PATIENCE, async {
        while let Some(decision) = announced.next().await {
            if decision.command_id == held {
                return decision;
            }
        }
        panic!("the channel closed");
    })
    .await
    .expect("the decision is announced");
    assert_eq!(heard.verdict, Verdict::Accepted);
    // By then the read model has the hold: entries are rewritten first.
    let keys = read_model::ReadKeys::new(&infra::redis::KeySpace::new(
        log.env.settings.redis.key_prefix.clone(),
    ));
    let mut redis = redis::Client::open(log.env.settings.redis.url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    for key in [keys.seats(schedule_id).key, keys.reservation(mine).key] {
        let exists: bool = redis::cmd("EXISTS")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap();
        assert!(exists, "{key} written through before the announcement");
    }

    let (status, price, expires_at): (String, Option<i64>, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as(
            "SELECT status, price, expires_at FROM reservations WHERE reservation_id = $1",
        )
        .bind(mine)
        .fetch_one(&log.pool)
        .await
        .unwrap();
    assert_eq!(
        (status.as_str(), price, expires_at),
        ("HELD", Some(52_000), at(310))
    );
    let seat: (String, Option<Uuid>, Option<chrono::DateTime<chrono::Utc>>) = sqlx::query_as(
        "SELECT status, reservation_id, hold_expires_at FROM schedule_seats
         WHERE schedule_id = $1 AND seat_number = 2",
    )
    .bind(schedule_id)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!(seat, ("HELD".to_owned(), Some(mine), Some(at(310))));
    assert_eq!(
        log.count("SELECT count(*) FROM reservations WHERE status = 'REJECTED'")
            .await,
        3
    );

    // Someone else's hold cannot be released; the holder's can, twice.
    let forbidden = log.ask(release(schedule_id, mine, bob, 20)).await;
    assert_eq!(outcome(&log.decision(forbidden).await), "FORBIDDEN");
    for when in [21, 22] {
        let released = log.ask(release(schedule_id, mine, alice, when)).await;
        let decision = log.decision(released).await;
        assert_eq!(decision.verdict, Verdict::Accepted);
        assert_eq!(
            decision.body,
            json!({"reservation_id": mine, "status": "RELEASED"})
        );
    }
    let seat: (String, Option<Uuid>) = sqlx::query_as(
        "SELECT status, reservation_id FROM schedule_seats WHERE schedule_id = $1 AND seat_number = 2",
    )
    .bind(schedule_id)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!(seat, ("AVAILABLE".to_owned(), None));
    projector.stop().await;
}

#[tokio::test]
async fn a_request_appended_twice_is_decided_once() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule_id = log.open_schedule(3).await;
    let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
    let first = Uuid::now_v7();
    log.decision(log.ask(hold(schedule_id, first, alice, 1, 10)).await)
        .await;

    // Bob's request is refused while Alice holds the seat...
    let late = Uuid::now_v7();
    let refused = request(&hold(schedule_id, late, bob, 1, 30));
    log.append_envelope(&refused).await;
    assert_eq!(
        outcome(&log.decision(refused.event_id).await),
        "SEAT_UNAVAILABLE"
    );
    // ...and when the seat is free again, the same record appended again
    // (a retried append) must not turn into a hold.
    log.decision(log.ask(release(schedule_id, first, alice, 40)).await)
        .await;
    log.append_envelope(&refused).await;
    let marker = log
        .ask(hold(schedule_id, Uuid::now_v7(), alice, 2, 50))
        .await;
    log.decision(marker).await;

    assert_eq!(
        outcome(&log.decision(refused.event_id).await),
        "SEAT_UNAVAILABLE"
    );
    let (status, code): (String, Option<String>) =
        sqlx::query_as("SELECT status, rejection_code FROM reservations WHERE reservation_id = $1")
            .bind(late)
            .fetch_one(&log.pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), code.as_deref()),
        ("REJECTED", Some("SEAT_UNAVAILABLE"))
    );
    let seat: String = sqlx::query_scalar(
        "SELECT status FROM schedule_seats WHERE schedule_id = $1 AND seat_number = 1",
    )
    .bind(schedule_id)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!(seat, "AVAILABLE");
    crate::helpers::eventually("the duplicate counted", || async {
        projector.metrics().await.contains(
            r#"ticketfold_projector_duplicate_records_total{topic="concert.reservations.v1"} 1"#,
        )
    })
    .await;
    projector.stop().await;
}

#[tokio::test]
async fn the_hold_limit_counts_live_holds_of_one_user() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule_id = log.open_schedule(8).await;
    let alice = Uuid::now_v7();
    let mut asked = Vec::new();
    for seat in 1..=5 {
        asked.push(
            log.ask(hold(schedule_id, Uuid::now_v7(), alice, seat, 10))
                .await,
        );
    }
    let mut outcomes = Vec::new();
    for id in asked {
        outcomes.push(outcome(&log.decision(id).await));
    }
    assert_eq!(
        outcomes,
        [
            "ACCEPTED",
            "ACCEPTED",
            "ACCEPTED",
            "ACCEPTED",
            "HOLD_LIMIT_REACHED"
        ]
    );
    // Once the first holds have lapsed (event time), they stop counting.
    let later = log
        .ask(hold(schedule_id, Uuid::now_v7(), alice, 6, 400))
        .await;
    assert_eq!(outcome(&log.decision(later).await), "ACCEPTED");
    projector.stop().await;
}
