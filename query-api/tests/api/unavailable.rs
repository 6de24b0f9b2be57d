//! Dependencies failing: Redis down (served from Postgres, still one load
//! per key at a time), Redis flushed mid-run (one load per key per
//! instance), Postgres down behind a warm cache (still served), and both
//! down (503 with Retry-After).

use futures::future::join_all;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{spawn_app_behind_proxy, spawn_app_with, TestApp};
use crate::seed;

/// Reads `path` `n` times at once as `user`; answers every (status, body).
async fn burst(
    app: &TestApp,
    path: &str,
    user: Uuid,
    token: Option<&str>,
    n: usize,
) -> Vec<(u16, Value)> {
    join_all((0..n).map(|_| app.get_as(path, user, token))).await
}

#[tokio::test]
async fn with_redis_down_reads_come_from_postgres_one_load_at_a_time() {
    let redis_url = format!("redis://127.0.0.1:{}", infra::testing::closed_port());
    let app = spawn_app_behind_proxy(&[("REDIS_URL", &redis_url)]).await;
    let (concert, _) = seed::open_schedule(&app.pool, 3).await;
    let user = Uuid::new_v4();
    seed::wallet(&app.pool, user, 7_000).await;
    // Slow answers, so every read of the burst arrives during one load.
    app.proxy().slow_down(300);

    let schedules = format!("/v1/concerts/{concert}/schedules");
    let (lists, balances) = futures::join!(
        burst(&app, &schedules, user, None, 50),
        burst(&app, "/v1/balance", user, None, 50)
    );
    assert!(lists
        .iter()
        .all(|(status, body)| *status == 200 && body[0]["available_seats"] == 3));
    assert!(balances
        .iter()
        .all(|answer| *answer == (200, json!({"balance": 7_000}))));
    let (schedule_loads, balance_loads) =
        (app.loads("schedules").await, app.loads("balance").await);
    assert!(
        schedule_loads < 50 && balance_loads < 50,
        "{schedule_loads}, {balance_loads}"
    );
    assert!(
        app.metric("ticketfold_cache_single_flight_waits_total{kind=\"balance\"}")
            .await
            > 0.0,
        "nothing was coalesced"
    );
}

#[tokio::test]
async fn after_redis_is_flushed_each_key_is_loaded_once_per_instance() {
    let first = spawn_app_with(&[]).await;
    let second = first.another_instance().await;
    let (concert, schedule) = seed::open_schedule(&first.pool, 20).await;
    let user = Uuid::new_v4();
    seed::wallet(&first.pool, user, 1_000).await;
    let (reader, token) = first.admitted_user().await;
    let seats = format!("/v1/schedules/{schedule}/seats");
    let schedules = format!("/v1/concerts/{concert}/schedules");
    for app in [&first, &second] {
        assert_eq!(app.get_json("/v1/concerts").await.0, 200);
        assert_eq!(app.get_json(&schedules).await.0, 200);
        assert_eq!(app.get_as("/v1/balance", user, None).await.0, 200);
        assert_eq!(app.get_as(&seats, reader, Some(&token)).await.0, 200);
    }
    let kinds = ["concerts", "schedules", "balance", "seats"];
    let mut before = Vec::new();
    for app in [&first, &second] {
        for kind in kinds {
            before.push(app.loads(kind).await);
        }
    }

    first.flush_redis().await;
    // The queue went with it: the reader needs a place again.
    let (reader, token) = first.admitted_user().await;
    let mut reads = Vec::new();
    for app in [&first, &second] {
        for _ in 0..25 {
            reads.push(futures::future::Either::Left(async {
                let (a, b, c) = futures::join!(
                    app.get_json("/v1/concerts"),
                    app.get_json(&schedules),
                    app.get_as("/v1/balance", user, None)
                );
                assert_eq!((a.0, b.0, c.0), (200, 200, 200));
                assert_eq!(b.1[0]["available_seats"], 20);
                assert_eq!(c.1, json!({"balance": 1_000}));
            }));
            reads.push(futures::future::Either::Right(async {
                let (status, body) = app.get_as(&seats, reader, Some(&token)).await;
                assert_eq!(status, 200, "{body}");
                assert_eq!(body["seats"].as_array().unwrap().len(), 20);
            }));
        }
    }
    join_all(reads).await;

    let mut after = Vec::new();
    for app in [&first, &second] {
        for kind in kinds {
            after.push(app.loads(kind).await);
        }
    }
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        assert!(
            a - b <= 1,
            "{} loaded {} times on instance {}",
            kinds[i % 4],
            a - b,
            i / 4
        );
    }
}

#[tokio::test]
async fn with_postgres_down_cached_answers_still_come_and_the_rest_are_503() {
    let redis_url = format!("redis://127.0.0.1:{}", infra::testing::closed_port());
    let cached = spawn_app_behind_proxy(&[]).await;
    let (concert, _) = seed::open_schedule(&cached.pool, 2).await;
    assert_eq!(cached.get_json("/v1/concerts").await.0, 200);

    cached.proxy().cut();
    let (status, body) = cached.get_json("/v1/concerts").await;
    assert_eq!(
        (status, body[0]["concert_id"].clone()),
        (200, json!(concert))
    );
    let response = cached
        .get(&format!("/v1/concerts/{concert}/schedules"))
        .await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "UNAVAILABLE");

    let bare = spawn_app_behind_proxy(&[("REDIS_URL", &redis_url)]).await;
    bare.proxy().cut();
    for path in [
        "/v1/concerts".to_owned(),
        format!("/v1/concerts/{concert}/schedules"),
    ] {
        let response = bare.get(&path).await;
        assert_eq!(response.status(), 503, "{path}");
        assert_eq!(response.headers().get("retry-after").unwrap(), "1");
    }
    let (status, body) = bare.get_as("/v1/balance", Uuid::new_v4(), None).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("UNAVAILABLE")));
}
