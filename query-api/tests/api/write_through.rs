//! The writer side of the read model, as the projector drives it: entries
//! rewritten right after a commit are what the next read sees (no load),
//! and schedules are warmed ahead of their booking window.

use std::collections::BTreeSet;

use chrono::Duration;
use read_model::{CacheMetrics, Changed, ReadModel};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::seed;

fn read_model(app: &TestApp) -> ReadModel {
    read_model_on(app, app.pool.clone())
}

fn read_model_on(app: &TestApp, pool: sqlx::PgPool) -> ReadModel {
    let settings = app.settings();
    ReadModel::new(
        &settings.redis,
        pool,
        &settings.cache,
        CacheMetrics::unregistered().unwrap(),
    )
    .unwrap()
}

fn set(id: Uuid) -> BTreeSet<Uuid> {
    BTreeSet::from([id])
}

#[tokio::test]
async fn a_change_written_through_is_what_the_next_read_sees_without_a_load() {
    let app = spawn_app().await;
    let writer = read_model(&app);
    let (concert, schedule) = seed::open_schedule(&app.pool, 3).await;
    let (user, token) = app.admitted_user().await;
    let seats = format!("/v1/schedules/{schedule}/seats");
    let (_, before) = app.get_as(&seats, user, Some(&token)).await;
    assert_eq!(before["seats"][0]["status"], "AVAILABLE");

    seed::hold(
        &app.pool,
        schedule,
        1,
        Uuid::new_v4(),
        seed::now() + Duration::minutes(5),
    )
    .await;
    let written = writer
        .write_changes(&Changed {
            seat_maps: set(schedule),
            ..Changed::default()
        })
        .await
        .unwrap();
    assert_eq!(written, 2, "the seat map and the concert's schedule list");

    let (_, after) = app.get_as(&seats, user, Some(&token)).await;
    assert_eq!(after["seats"][0]["status"], "HELD");
    let (_, schedules) = app
        .get_json(&format!("/v1/concerts/{concert}/schedules"))
        .await;
    assert_eq!(schedules[0]["available_seats"], 2);
    assert_eq!(app.loads("seats").await, 1);
    assert_eq!(app.loads("schedules").await, 0);
}

#[tokio::test]
async fn a_write_through_larger_than_one_round_trip_is_all_readable_without_a_load() {
    let app = spawn_app().await;
    let writer = read_model(&app);
    let concert = seed::concert(&app.pool, "Stadium").await;
    let mut schedules = BTreeSet::new();
    for _ in 0..3 {
        schedules.insert(
            seed::schedule(&app.pool, concert, seed::now() - Duration::days(1), 4_000).await,
        );
    }
    let (user, token) = app.admitted_user().await;

    let written = writer
        .write_changes(&Changed {
            seat_maps: schedules.clone(),
            ..Changed::default()
        })
        .await
        .unwrap();
    assert_eq!(
        written, 4,
        "three seat maps and the concert's schedule list"
    );

    let mut bytes = 0;
    for schedule in &schedules {
        let (status, seats) = app
            .get_as(
                &format!("/v1/schedules/{schedule}/seats"),
                user,
                Some(&token),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(seats["seats"].as_array().unwrap().len(), 4_000);
        bytes += seats.to_string().len();
    }
    assert!(
        bytes > infra::redis::ROUND_TRIP_BYTES,
        "the seat maps ({bytes} bytes) must need more than one round trip"
    );
    assert_eq!(
        app.loads("seats").await,
        0,
        "every seat map was written through"
    );
}

#[tokio::test]
async fn a_balance_written_through_after_a_charge_reads_at_once() {
    let app = spawn_app().await;
    let writer = read_model(&app);
    let user = Uuid::new_v4();
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 0})
    );

    let charge = seed::charge(&app.pool, user, 8_000, 8_000).await;
    writer
        .write_changes(&Changed {
            balances: set(user),
            charges: BTreeSet::from([(user, charge)]),
            ..Changed::default()
        })
        .await
        .unwrap();
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 8_000})
    );
    let (_, body) = app
        .get_as(&format!("/v1/balance/charges/{charge}"), user, None)
        .await;
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(
        (app.loads("balance").await, app.loads("charge").await),
        (1, 0)
    );
}

#[tokio::test]
async fn under_the_naive_strategy_a_change_deletes_the_entry_instead() {
    let app = spawn_app_with(&[("CACHE_STRATEGY", "naive")]).await;
    let writer = read_model(&app);
    let user = Uuid::new_v4();
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 0})
    );
    seed::wallet(&app.pool, user, 900).await;
    // Cache-aside: until the entry goes, the old answer stands.
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 0})
    );

    writer
        .write_changes(&Changed {
            balances: set(user),
            ..Changed::default()
        })
        .await
        .unwrap();
    assert!(!app.in_redis(&format!("rm:balance:{user}")).await);
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 900})
    );
    assert_eq!(app.loads("balance").await, 2);
}

#[tokio::test]
async fn a_schedule_opening_within_the_lead_is_warmed_before_anyone_reads_it() {
    let app = spawn_app().await;
    let warmer = read_model(&app);
    let concert = seed::concert(&app.pool, "Rush").await;
    let soon = seed::schedule(
        &app.pool,
        concert,
        seed::now() + Duration::minutes(3) - Duration::seconds(5),
        4,
    )
    .await;
    let later = seed::schedule(&app.pool, concert, seed::now() + Duration::minutes(10), 4).await;

    let round = warmer.warm_due().await.unwrap();
    let warmed = &round.warmed;
    assert_eq!(warmed.len(), 1, "{warmed:?}");
    assert_eq!(warmed[0].schedule_id, soon);
    assert!(
        (170.0..=180.0).contains(&warmed[0].lead_seconds),
        "{warmed:?}"
    );
    assert_eq!((round.due, round.cold), (1, 0), "{round:?}");
    for key in [
        format!("rm:schedule:{soon}:seats"),
        format!("rm:concert:{concert}:schedules"),
        "rm:concerts".to_owned(),
    ] {
        assert!(app.in_redis(&key).await, "{key} is not warm");
    }
    assert!(!app.in_redis(&format!("rm:schedule:{later}:seats")).await);
    let again = warmer.warm_due().await.unwrap();
    assert!(again.warmed.is_empty(), "warmed twice: {again:?}");
    assert_eq!((again.due, again.cold), (1, 0), "{again:?}");

    // The first readers find it there.
    let (user, token) = app.admitted_user().await;
    let (status, _) = app
        .get_as(&format!("/v1/schedules/{soon}/seats"), user, Some(&token))
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.loads("seats").await, 0);
    assert_eq!(
        app.metric("ticketfold_cache_requests_total{kind=\"seats\",result=\"hit\"}")
            .await,
        1.0
    );

    // Flushed during the window: warmed again on the next round.
    app.flush_redis().await;
    assert_eq!(warmer.warm_due().await.unwrap().warmed.len(), 1);
}

#[tokio::test]
async fn finding_the_windows_due_reads_no_schedule_outside_them() {
    let app = spawn_app().await;
    let past = seed::concert(&app.pool, "Years of concerts").await;
    // A long history: 5,000 schedules whose booking opened long ago.
    sqlx::query(
        "INSERT INTO schedules (schedule_id, concert_id, starts_at, booking_opens_at, total_seats)
         SELECT gen_random_uuid(), $1, now() - n * interval '1 hour',
                now() - n * interval '1 hour' - interval '30 days', 1
         FROM generate_series(1, 5000) AS n",
    )
    .bind(past)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE schedules")
        .execute(&app.pool)
        .await
        .unwrap();
    let concert = seed::concert(&app.pool, "Tonight").await;
    let soon = seed::schedule(&app.pool, concert, seed::now() + Duration::minutes(2), 1).await;
    let (sequential_before, _) = app.scans_of("schedules").await;
    // Counting ended every connection: the warmer gets a pool of its own.
    let pool = sqlx::PgPool::connect_with(app.settings().database.connect_options())
        .await
        .unwrap();
    let warmer = read_model_on(&app, pool);

    let round = warmer.warm_due().await.unwrap();
    assert_eq!(round.warmed.len(), 1, "{round:?}");
    assert_eq!(round.warmed[0].schedule_id, soon);
    // Every 2 s, on a table that only grows: the window is found through
    // an index, never by reading every schedule.
    let (sequential, _) = app.scans_of("schedules").await;
    assert_eq!(
        sequential, sequential_before,
        "the warmer scanned every schedule"
    );
}

#[tokio::test]
async fn the_naive_strategy_does_not_warm() {
    let app = spawn_app_with(&[("CACHE_STRATEGY", "naive")]).await;
    let (concert, _) = seed::open_schedule(&app.pool, 1).await;
    seed::schedule(&app.pool, concert, seed::now() + Duration::minutes(1), 1).await;
    let round = read_model(&app).warm_due().await.unwrap();
    assert!(round.warmed.is_empty(), "{round:?}");
    // The window a minute away was not warmed, and the round says so: the
    // naive strategy's cold windows show on the alerts. (The other schedule
    // opened a day ago, past its rush.)
    assert_eq!((round.due, round.cold), (1, 1), "{round:?}");
}

#[tokio::test]
async fn with_redis_unreachable_every_due_schedule_is_reported_cold() {
    let app = spawn_app().await;
    let concert = seed::concert(&app.pool, "Rush").await;
    for minutes in [1, 2] {
        seed::schedule(
            &app.pool,
            concert,
            seed::now() + Duration::minutes(minutes),
            1,
        )
        .await;
    }
    let mut settings = app.settings().clone();
    settings.redis.url = format!("redis://127.0.0.1:{}", infra::testing::closed_port());
    let unreachable = ReadModel::new(
        &settings.redis,
        app.pool.clone(),
        &settings.cache,
        CacheMetrics::unregistered().unwrap(),
    )
    .unwrap();

    let failure = unreachable.warm_due().await.unwrap_err();
    let round = failure.round.expect("the due schedules were listed");
    assert_eq!((round.due, round.cold), (2, 2), "{round:?}");
    assert!(round.warmed.is_empty());
}
