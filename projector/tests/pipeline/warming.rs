//! The warmer's own report, read from `/metrics` as Prometheus would: a
//! schedule inside its booking window that a round could not warm is
//! counted cold, and once a round warms it, none is.

use chrono::{Duration, Utc};
use infra::redis::KeySpace;
use read_model::ReadKeys;
use schemas::v1;
use uuid::Uuid;

use crate::helpers::{concert, eventually, request, spawn_log, TestLog, TestProjector};

/// The value of `series` (name and labels as exported) in a scrape.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

async fn read(projector: &TestProjector, series: &str) -> f64 {
    let metrics = projector.metrics().await;
    sample(&metrics, series).unwrap_or_else(|| panic!("{series} is not exported:\n{metrics}"))
}

/// A schedule whose booking opens a minute from now: inside the default
/// 180 s lead, and inside its window for the hour after.
async fn schedule_opening_soon(log: &TestLog) -> Uuid {
    let (concert_id, schedule_id) = (Uuid::now_v7(), Uuid::now_v7());
    log.append(concert(concert_id, "Rush")).await;
    let added = request(
        &v1::ScheduleAdded {
            concert_id,
            schedule_id,
            starts_at: Utc::now() + Duration::days(30),
            booking_opens_at: Utc::now() + Duration::minutes(1),
            seats: (1..=4)
                .map(|number| v1::PricedSeat {
                    number,
                    price: 50_000,
                })
                .collect(),
        }
        .into(),
    );
    log.append_envelope(&added).await;
    let decision = log.decision(added.event_id).await;
    assert_eq!(
        decision.verdict,
        infra::decision::Verdict::Accepted,
        "{decision:?}"
    );
    schedule_id
}

async fn rename(log: &TestLog, from: &str, to: &str) {
    sqlx::query(&format!("ALTER TABLE {from} RENAME TO {to}"))
        .execute(&log.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_due_schedule_left_cold_is_counted_until_a_round_warms_it() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule = schedule_opening_soon(&log).await;

    // Warmed by a round: due, none cold.
    eventually("the schedule warmed", || async {
        let metrics = projector.metrics().await;
        sample(&metrics, "ticketfold_cache_warmups_total") == Some(1.0)
            && sample(&metrics, "ticketfold_cache_warmer_due_schedules") == Some(1.0)
            && sample(&metrics, "ticketfold_cache_warmer_cold_schedules") == Some(0.0)
    })
    .await;
    let warmed_at = read(
        &projector,
        "ticketfold_cache_warmer_last_success_timestamp_seconds",
    )
    .await;
    assert!(warmed_at > 0.0);

    // Its seat map can no longer be loaded, and its warm marker is gone:
    // the next rounds find it cold and fail to write it.
    rename(&log, "schedule_seats", "schedule_seats_away").await;
    let settings = &log.env.settings.redis;
    let marker = ReadKeys::new(&KeySpace::new(settings.key_prefix.clone())).warm(schedule);
    let mut redis = redis::Client::open(settings.url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    redis::cmd("DEL")
        .arg(&marker)
        .query_async::<()>(&mut redis)
        .await
        .unwrap();
    eventually("the schedule counted cold", || async {
        let metrics = projector.metrics().await;
        sample(&metrics, "ticketfold_cache_warmer_cold_schedules") == Some(1.0)
            && sample(&metrics, "ticketfold_cache_warmer_due_schedules") == Some(1.0)
    })
    .await;
    let failed = read(
        &projector,
        "ticketfold_cache_warmer_rounds_total{result=\"failed\"}",
    )
    .await;
    assert!(failed >= 1.0, "{failed}");
    eventually("another failed round", || async {
        read(
            &projector,
            "ticketfold_cache_warmer_rounds_total{result=\"failed\"}",
        )
        .await
            > failed
    })
    .await;
    let metrics = projector.metrics().await;
    assert_eq!(
        sample(&metrics, "ticketfold_cache_warmer_cold_schedules"),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &metrics,
            "ticketfold_cache_warmer_last_success_timestamp_seconds"
        ),
        Some(warmed_at),
        "no round succeeded while the schedule could not be warmed"
    );

    // Loadable again: the next round warms it and none is cold.
    rename(&log, "schedule_seats_away", "schedule_seats").await;
    eventually("the schedule warmed again", || async {
        let metrics = projector.metrics().await;
        sample(&metrics, "ticketfold_cache_warmups_total") == Some(2.0)
            && sample(&metrics, "ticketfold_cache_warmer_cold_schedules") == Some(0.0)
    })
    .await;
    assert!(
        read(
            &projector,
            "ticketfold_cache_warmer_last_success_timestamp_seconds"
        )
        .await
            > warmed_at
    );
    assert_eq!(
        redis::cmd("EXISTS")
            .arg(&marker)
            .query_async::<i64>(&mut redis)
            .await
            .unwrap(),
        1
    );
    projector.stop().await;
}
