//! The seat map's queue-token check rides in the read model's round trip:
//! a warm read costs one round trip to Redis, counted on the wire, and
//! every token state still gets the contract's code.

use std::time::Duration;

use read_model::{CacheMetrics, Escort, ReadModel, Served, Source};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{spawn_app_with, TestApp};
use crate::redis_proxy::RedisProxy;
use crate::seed;
use crate::stack::spawn_stack;

fn code(answer: &(u16, serde_json::Value)) -> (u16, Option<&str>) {
    (answer.0, answer.1["code"].as_str())
}

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

#[tokio::test]
async fn an_active_token_reads_and_every_other_token_gets_its_code() {
    let app = spawn_app_with(&[("QUEUE_ACTIVE_MAX", "2")]).await;
    let (_, schedule) = seed::open_schedule(&app.pool, 3).await;
    let queue = app.queue();
    let (active, other, done, waiting) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let done_token = queue.join(done).await.unwrap().token;
    queue.admit_once().await.unwrap();
    // What a completed payment does to the payer's token.
    queue.complete(done).await.unwrap();
    let active_token = queue.join(active).await.unwrap().token;
    let other_token = queue.join(other).await.unwrap().token;
    queue.admit_once().await.unwrap();
    let waiting_token = queue.join(waiting).await.unwrap().token;
    let seats = format!("/v1/schedules/{schedule}/seats");
    let unknown = format!("/v1/schedules/{}/seats", Uuid::new_v4());

    // Refused callers first, while the entry is cold: none of them may
    // cost a load.
    let refusals = [
        (
            "waiting",
            waiting,
            &waiting_token,
            403,
            "QUEUE_TOKEN_NOT_ACTIVE",
        ),
        ("completed", done, &done_token, 401, "QUEUE_TOKEN_INVALID"),
        (
            "another user's active",
            waiting,
            &other_token,
            403,
            "FORBIDDEN",
        ),
        (
            "another user's waiting",
            active,
            &waiting_token,
            403,
            "FORBIDDEN",
        ),
        // Expiry outranks ownership.
        (
            "another user's completed",
            active,
            &done_token,
            401,
            "QUEUE_TOKEN_INVALID",
        ),
    ];
    for path in [&seats, &unknown] {
        for (case, user, token, status, expected) in refusals {
            let answer = app.get_as(path, user, Some(token)).await;
            assert_eq!(code(&answer), (status, Some(expected)), "{case}: {path}");
        }
    }
    assert_eq!(app.loads("seats").await, 0, "a refused caller loaded");

    let (status, body) = app.get_as(&seats, active, Some(&active_token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schedule_id"], json!(schedule));
    assert_eq!(body["seats"].as_array().unwrap().len(), 3);
    let answer = app.get_as(&unknown, active, Some(&active_token)).await;
    assert_eq!(code(&answer), (404, Some("NOT_FOUND")));
    // Warm now: the refusals are the same from a cached entry.
    for (case, user, token, status, expected) in refusals {
        let answer = app.get_as(&seats, user, Some(token)).await;
        assert_eq!(code(&answer), (status, Some(expected)), "{case}, warm");
    }

    // The waiting user is admitted once a slot frees up, and reads at once.
    queue.complete(other).await.unwrap();
    queue.admit_once().await.unwrap();
    let (status, _) = app.get_as(&seats, waiting, Some(&waiting_token)).await;
    assert_eq!(status, 200);
    // The completed user joined again: the old token is over.
    let fresh = queue.join(done).await.unwrap().token;
    let answer = app.get_as(&seats, done, Some(&done_token)).await;
    assert_eq!(code(&answer), (401, Some("QUEUE_TOKEN_INVALID")));
    let answer = app.get_as(&seats, done, Some(&fresh)).await;
    assert_eq!(code(&answer), (403, Some("QUEUE_TOKEN_NOT_ACTIVE")));
}

#[tokio::test]
async fn a_token_past_its_lapse_is_refused_before_any_purge() {
    let app = spawn_app_with(&[("QUEUE_ACTIVE_TTL_SECONDS", "1")]).await;
    let (_, schedule) = seed::open_schedule(&app.pool, 2).await;
    let (user, token) = app.admitted_user().await;
    let lapse = app
        .queue()
        .pass(user, Some(&token))
        .await
        .unwrap()
        .state
        .expires_at
        .unwrap();

    let wait = (lapse - chrono::Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(100)).await;
    // No admitter runs beside query-api: the user is still in the active
    // set, and only the lapse time says the token is over.
    let client = redis::Client::open(app.settings().redis.url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let score: Option<f64> = redis::cmd("ZSCORE")
        .arg(format!("{}queue:active", app.settings().redis.key_prefix))
        .arg(user.to_string())
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(score.is_some(), "the lapsed user was purged already");
    let answer = app
        .get_as(
            &format!("/v1/schedules/{schedule}/seats"),
            user,
            Some(&token),
        )
        .await;
    assert_eq!(code(&answer), (401, Some("QUEUE_TOKEN_INVALID")));
}

#[tokio::test]
async fn after_paying_the_payers_token_no_longer_reads_the_seat_map() {
    let stack = spawn_stack(&[]).await;
    let app = &stack.query;
    let (_, schedule) = stack
        .schedule(2, chrono::Utc::now() - chrono::Duration::days(1))
        .await;
    let (user, token) = stack.active_user().await;
    let seats = format!("/v1/schedules/{schedule}/seats");
    assert_eq!(app.get_as(&seats, user, Some(&token)).await.0, 200);

    // The hold and the payment pass command-api's ACTIVE check.
    let (status, body) = stack
        .post(
            "/v1/balance/charges",
            Some((user, "")),
            json!({"amount": 50_000}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, held) = stack
        .post(
            "/v1/reservations",
            Some((user, &token)),
            json!({"schedule_id": schedule, "seat_number": 1}),
        )
        .await;
    assert_eq!(status, 201, "{held}");
    let (status, paid) = stack
        .post(
            "/v1/payments",
            Some((user, &token)),
            json!({"reservation_id": held["reservation_id"]}),
        )
        .await;
    assert_eq!(status, 201, "{paid}");

    let answer = app.get_as(&seats, user, Some(&token)).await;
    assert_eq!(code(&answer), (401, Some("QUEUE_TOKEN_INVALID")));
    let (status, body) = stack
        .post(
            "/v1/reservations",
            Some((user, &token)),
            json!({"schedule_id": schedule, "seat_number": 2}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("QUEUE_TOKEN_INVALID"))
    );
    // Someone else still sees the seat sold.
    let (reader, reader_token) = stack.active_user().await;
    let (status, body) = app.get_as(&seats, reader, Some(&reader_token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["seats"][0]["status"], "SOLD");
}

/// The round trips one seat-map read makes once everything is warm.
async fn round_trips_of_a_warm_read(strategy: &str) -> Vec<Vec<String>> {
    let redis = RedisProxy::start(&redis_url());
    let app = spawn_app_with(&[("REDIS_URL", redis.url()), ("CACHE_STRATEGY", strategy)]).await;
    let (_, schedule) = seed::open_schedule(&app.pool, 3).await;
    let (user, token) = app.admitted_user().await;
    let seats = format!("/v1/schedules/{schedule}/seats");
    // Cold, filled, then kept: every connection is made by now, and the
    // keep-alive client keeps the next read on the same worker.
    for _ in 0..3 {
        assert_eq!(app.get_as(&seats, user, Some(&token)).await.0, 200);
    }
    let loads = app.loads("seats").await;

    redis.take();
    let (status, body) = app.get_as(&seats, user, Some(&token)).await;
    let trips = redis.take();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["seats"].as_array().unwrap().len(), 3);
    assert_eq!(app.loads("seats").await, loads, "served from Redis");
    trips
}

#[tokio::test]
async fn a_warm_seat_map_read_costs_one_round_trip_to_redis() {
    let trips = round_trips_of_a_warm_read("protected").await;
    // The ACTIVE check and the copy's revalidation, pipelined.
    assert_eq!(trips, [["EVALSHA", "EVALSHA"]], "{trips:?}");
}

#[tokio::test]
async fn a_warm_seat_map_read_costs_one_round_trip_to_redis_under_the_naive_strategy() {
    let trips = round_trips_of_a_warm_read("naive").await;
    assert_eq!(trips, [["EVALSHA", "GET"]], "{trips:?}");
}

#[tokio::test]
async fn with_redis_down_the_seat_map_is_503_and_a_forgery_still_401() {
    let redis_url = format!("redis://127.0.0.1:{}", infra::testing::closed_port());
    let app = spawn_app_with(&[("REDIS_URL", &redis_url)]).await;
    let (_, schedule) = seed::open_schedule(&app.pool, 2).await;
    let seats = format!("/v1/schedules/{schedule}/seats");
    // Signed with the service's secret, though Redis never saw it.
    let signer = waiting_room::TokenSigner::new(
        app.settings()
            .queue
            .token_keys
            .signing_secret()
            .expose()
            .as_bytes(),
    );
    let user = Uuid::new_v4();
    let token = signer.sign(&waiting_room::TokenClaims {
        user_id: user,
        token_id: Uuid::now_v7(),
        issued_at_ms: 0,
        room: waiting_room::Room::Global,
    });

    // Twice: first the failing look, then Redis skipped after the failure.
    for round in 0..2 {
        let answer = app.get_as(&seats, user, Some(&token)).await;
        assert_eq!(code(&answer), (503, Some("UNAVAILABLE")), "round {round}");
    }
    let answer = app.get_as(&seats, user, Some("forged")).await;
    assert_eq!(code(&answer), (401, Some("QUEUE_TOKEN_INVALID")));
}

/// A script Redis has never seen (a restart or `SCRIPT FLUSH` leaves every
/// script so): the look loads it and sends the round trip again.
#[tokio::test]
async fn an_escort_redis_does_not_have_is_loaded_and_sent_again() {
    let app: TestApp = spawn_app_with(&[]).await;
    let (_, schedule) = seed::open_schedule(&app.pool, 2).await;
    let settings = app.settings();
    let metrics = CacheMetrics::register(infra::telemetry::Metrics::new().registry()).unwrap();
    let model =
        ReadModel::new(&settings.redis, app.pool.clone(), &settings.cache, metrics).unwrap();
    let source = Source::Seats(schedule);
    let Served::Found(body) = model.serve(source, None).await.unwrap() else {
        panic!("the schedule exists");
    };

    // Once without the process's copy (a `GET`), once with it (a script).
    for round in 0..2 {
        let unseen: &'static redis::Script = Box::leak(Box::new(redis::Script::new(&format!(
            "-- {}\nreturn tonumber(ARGV[1]) + 1",
            Uuid::new_v4()
        ))));
        let mut command = redis::cmd("EVALSHA");
        command.arg(unseen.get_hash()).arg(0).arg(41);
        let escort = Escort {
            command,
            script: Some(unseen),
        };
        let (reply, look) = model.look(source, escort).await.expect("redis is up");
        assert_eq!(reply, redis::Value::Int(42), "round {round}");
        assert_eq!(
            model.serve_look(look, None).await.unwrap(),
            Served::Found(body.clone()),
            "round {round}"
        );
    }
}

#[tokio::test]
async fn a_schedule_rooms_token_reads_its_own_seat_map_only() {
    let app = spawn_app_with(&[]).await;
    let (_, mine) = seed::open_schedule(&app.pool, 3).await;
    let (_, other) = seed::open_schedule(&app.pool, 3).await;
    let queue = app.queue();
    let fan = Uuid::new_v4();
    let entry = waiting_room::Entry {
        room: waiting_room::Room::Schedule(mine),
        opens_at: Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
    };
    let token = queue.enter(fan, entry).await.unwrap().token;
    queue.admit_once().await.unwrap();

    let own = app
        .get_as(&format!("/v1/schedules/{mine}/seats"), fan, Some(&token))
        .await;
    assert_eq!(own.0, 200, "{}", own.1);
    for _ in 0..2 {
        // Cold, then warm: the refusal does not depend on the read path.
        let elsewhere = app
            .get_as(&format!("/v1/schedules/{other}/seats"), fan, Some(&token))
            .await;
        assert_eq!(
            code(&elsewhere),
            (403, Some("FORBIDDEN")),
            "{}",
            elsewhere.1
        );
    }
}
