//! End to end with the projector running in this process: the command is
//! appended, decided by the projector, and answered with the decision.

use std::collections::HashMap;

use futures::future::join_all;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{assert_problem, spawn_app, spawn_app_with, TestApp};

async fn hold(
    app: &TestApp,
    user: Uuid,
    token: &str,
    schedule_id: Uuid,
    seat: i64,
) -> reqwest::Response {
    app.hold(user, token, schedule_id, seat).await
}

#[tokio::test]
async fn the_admin_flow_registers_a_concert_and_adds_schedules() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;

    let response = app
        .admin(
            "/v1/admin/concerts",
            &json!({"title": " Spring Live ", "venue": "Olympic Hall"}),
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let concert: Value = response.json().await.unwrap();
    let concert_id = concert["concert_id"].as_str().unwrap();
    assert_eq!(concert, json!({"concert_id": concert_id}));

    let schedule = json!({
        "starts_at": "2030-05-01T19:00:00Z",
        "booking_opens_at": "2030-04-01T10:00:00+09:00",
        "seats": [{"number": 2, "price": 50000}, {"number": 1, "price": 70000}],
    });
    let response = app
        .admin(
            &format!("/v1/admin/concerts/{concert_id}/schedules"),
            &schedule,
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let added: Value = response.json().await.unwrap();
    assert!(added["schedule_id"].is_string(), "{added}");

    let response = app
        .admin(
            &format!("/v1/admin/concerts/{}/schedules", Uuid::now_v7()),
            &schedule,
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_problem(response, 404, "NOT_FOUND").await;
    projector.stop().await;
}

#[tokio::test]
async fn a_hold_is_answered_201_with_the_contract_body() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(3).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;

    let response = hold(&app, user, &token, schedule_id, 2).await;
    assert_eq!(response.status(), 201);
    let location = response
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let reservation_id = body["reservation_id"].as_str().unwrap();
    // Absolute, on query-api (PUBLIC_QUERY_URL's default), where it is read.
    assert_eq!(
        location,
        format!("http://127.0.0.1:8081/v1/reservations/{reservation_id}")
    );
    assert_eq!(body["schedule_id"], schedule_id.to_string());
    assert_eq!(body["seat_number"], 2);
    assert_eq!(body["status"], "HELD");
    assert_eq!(body["price"], 12_000);
    let expires_at: chrono::DateTime<chrono::Utc> =
        body["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(expires_at > chrono::Utc::now());
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "expires_at",
            "price",
            "reservation_id",
            "schedule_id",
            "seat_number",
            "status"
        ]
    );

    // The same seat again, by the same user: held by anyone is unavailable.
    let again = hold(&app, user, &token, schedule_id, 2).await;
    assert_problem(again, 409, "SEAT_UNAVAILABLE").await;
    // A seat the schedule does not have.
    let missing = hold(&app, user, &token, schedule_id, 99).await;
    assert_problem(missing, 404, "NOT_FOUND").await;
    projector.stop().await;
}

#[tokio::test]
async fn prefer_wait_0_answers_202_with_a_location() {
    let app = spawn_app_with(&[("PUBLIC_QUERY_URL", "https://read.tickets.example/")]).await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(1).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;

    let response = app
        .command(
            "/v1/reservations",
            user,
            Some(&token),
            &json!({"schedule_id": schedule_id, "seat_number": 1}),
        )
        .header("Prefer", "wait=0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(
        response.headers().get("preference-applied").unwrap(),
        "wait=0"
    );
    let location = response
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "PENDING");
    let reservation_id = body["reservation_id"].as_str().unwrap();
    assert_eq!(
        location,
        format!("https://read.tickets.example/v1/reservations/{reservation_id}")
    );
    assert_eq!(body["schedule_id"], schedule_id.to_string());
    projector.stop().await;
}

#[tokio::test]
async fn an_idempotent_replay_returns_the_same_answer_and_appends_once() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(2).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    let body = json!({"schedule_id": schedule_id, "seat_number": 1});
    let send = || {
        app.command("/v1/reservations", user, Some(&token), &body)
            .header("Idempotency-Key", "hold-seat-1")
            .header("Prefer", "wait=10")
            .send()
    };

    let before = app.log_size().await;
    let first = send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first_location = first.headers().get("location").cloned();
    let first: Value = first.json().await.unwrap();
    let after_first = app.log_size().await;
    assert!(after_first > before);

    let replay = send().await.unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers().get("idempotent-replayed").unwrap(), "true");
    assert_eq!(replay.headers().get("location").cloned(), first_location);
    let replayed: Value = replay.json().await.unwrap();
    assert_eq!(replayed, first);
    assert_eq!(app.log_size().await, after_first, "a replay appended");

    let reused = app
        .command(
            "/v1/reservations",
            user,
            Some(&token),
            &json!({"schedule_id": schedule_id, "seat_number": 2}),
        )
        .header("Idempotency-Key", "hold-seat-1")
        .send()
        .await
        .unwrap();
    assert_problem(reused, 409, "IDEMPOTENCY_KEY_REUSED").await;
    assert_eq!(app.log_size().await, after_first);
    projector.stop().await;
}

#[tokio::test]
async fn charges_answer_the_balance_and_refuse_past_the_limit() {
    let app = spawn_app_with(&[("MAX_BALANCE", "10000")]).await;
    let projector = app.spawn_projector().await;
    let user = Uuid::new_v4();
    let charge = |amount: i64| {
        app.command(
            "/v1/balance/charges",
            user,
            None,
            &json!({"amount": amount}),
        )
        .header("Prefer", "wait=10")
        .send()
    };
    let response = charge(6000).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"balance": 6000})
    );
    let response = charge(4001).await.unwrap();
    assert_problem(response, 409, "BALANCE_LIMIT_EXCEEDED").await;
    let response = charge(4000).await.unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"balance": 10000})
    );
    projector.stop().await;
}

#[tokio::test]
async fn a_retried_payment_gets_its_201_again_after_the_token_expired() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(1).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    let charged = app
        .command(
            "/v1/balance/charges",
            user,
            None,
            &json!({"amount": 50_000}),
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_eq!(charged.status(), 200);
    let held = hold(&app, user, &token, schedule_id, 1).await;
    assert_eq!(held.status(), 201);
    let held: Value = held.json().await.unwrap();
    let reservation_id = held["reservation_id"].as_str().unwrap();

    let pay = || {
        app.command(
            "/v1/payments",
            user,
            Some(&token),
            &json!({"reservation_id": reservation_id}),
        )
        .header("Idempotency-Key", "pay-once")
        .header("Prefer", "wait=10")
        .send()
    };
    let paid = pay().await.unwrap();
    assert_eq!(paid.status(), 201);
    let paid: Value = paid.json().await.unwrap();
    assert_eq!(paid["status"], "COMPLETED");
    assert_eq!(paid["amount"], 11_000);
    assert_eq!(paid["balance"], 39_000);
    assert_eq!(paid["reservation_id"], reservation_id);

    // Paying expired the token: a new command is refused...
    let refused = hold(&app, user, &token, schedule_id, 1).await;
    assert_problem(refused, 401, "QUEUE_TOKEN_INVALID").await;
    // ...but the retry of the payment gets its answer again, appending nothing.
    let before = app.log_size().await;
    let again = pay().await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.json::<Value>().await.unwrap(), paid);
    assert_eq!(app.log_size().await, before);
    projector.stop().await;
}

#[tokio::test]
async fn two_hundred_users_on_one_seat_one_wins_and_the_rest_are_409() {
    const USERS: usize = 200;
    let app = spawn_app_with(&[
        ("QUEUE_ACTIVE_MAX", "1000"),
        ("QUEUE_ADMIT_PER_SECOND", "1000"),
    ])
    .await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(1).await;
    let users: Vec<Uuid> = (0..USERS).map(|_| Uuid::new_v4()).collect();
    // Everyone joins the queue, then the admitter lets them all in.
    let tokens = join_all(users.iter().map(|user| app.active_token(*user))).await;

    let answers = join_all(
        users
            .iter()
            .zip(&tokens)
            .map(|(user, token)| hold(&app, *user, token, schedule_id, 1)),
    )
    .await;
    let mut by_outcome: HashMap<(u16, String), usize> = HashMap::new();
    let mut winner = None;
    for response in answers {
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        let outcome = body["code"]
            .as_str()
            .or(body["status"].as_str())
            .unwrap_or("?")
            .to_owned();
        if status == 201 {
            winner = body["reservation_id"].as_str().map(str::to_owned);
        }
        *by_outcome.entry((status, outcome)).or_default() += 1;
    }
    let expected = HashMap::from([
        ((201, "HELD".to_owned()), 1),
        ((409, "SEAT_UNAVAILABLE".to_owned()), USERS - 1),
    ]);
    assert_eq!(by_outcome, expected);

    // The winner is the first hold in partition order, not the fastest clock.
    let topic = app.settings().kafka.topic_prefix.clone() + infra::kafka::RESERVATIONS;
    let first_hold = app
        .read_topic(&topic)
        .await
        .into_iter()
        .find(|(_, _, envelope)| envelope.event_type == "SeatHoldRequested")
        .map(|(_, _, envelope)| envelope.data["reservation_id"].as_str().unwrap().to_owned());
    assert_eq!(first_hold, winner);

    let metrics = app.get("/metrics").await.text().await.unwrap();
    for series in [
        r#"ticketfold_commands_total{command_type="HOLD",outcome="accepted"} 1"#,
        r#"ticketfold_commands_total{command_type="HOLD",outcome="SEAT_UNAVAILABLE"} 199"#,
        r#"ticketfold_command_append_duration_seconds_count{command_type="HOLD"} 200"#,
        r#"ticketfold_command_wait_duration_seconds_count{command_type="HOLD"} 200"#,
    ] {
        assert!(metrics.contains(series), "{series} missing from {metrics}");
    }
    projector.stop().await;
}

#[tokio::test]
async fn a_retry_of_a_pending_hold_gets_the_same_commands_decision() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(1).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    let body = json!({"schedule_id": schedule_id, "seat_number": 1});
    let send = |wait: &'static str| {
        app.command("/v1/reservations", user, Some(&token), &body)
            .header("Idempotency-Key", "pending-then-decided")
            .header("Prefer", wait)
            .send()
    };
    let pending = send("wait=0").await.unwrap();
    assert_eq!(pending.status(), 202);
    let pending: Value = pending.json().await.unwrap();
    let after_first = app.log_size().await;

    let decided = send("wait=10").await.unwrap();
    assert_eq!(decided.status(), 201);
    let decided: Value = decided.json().await.unwrap();
    assert_eq!(decided["reservation_id"], pending["reservation_id"]);
    assert_eq!(decided["status"], "HELD");
    // Only the projector's own records may follow; no second hold.
    let holds = app
        .read_topic(&(app.settings().kafka.topic_prefix.clone() + infra::kafka::RESERVATIONS))
        .await
        .into_iter()
        .filter(|(_, _, envelope)| envelope.event_type == "SeatHoldRequested")
        .count();
    assert_eq!(holds, 1);
    assert!(app.log_size().await >= after_first);
    projector.stop().await;
}

#[tokio::test]
async fn releasing_a_hold_answers_200_and_again_200() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(1).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    let held: Value = hold(&app, user, &token, schedule_id, 1)
        .await
        .json()
        .await
        .unwrap();
    let reservation_id = held["reservation_id"].as_str().unwrap();
    for _ in 0..2 {
        let response = app
            .delete(&format!("/v1/reservations/{reservation_id}"))
            .header("X-User-Id", user.to_string())
            .header("X-Queue-Token", &token)
            .header("Prefer", "wait=10")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.json::<Value>().await.unwrap(),
            json!({"reservation_id": reservation_id, "status": "RELEASED"})
        );
    }
    // The seat is free for the next fan.
    let other = Uuid::new_v4();
    let other_token = app.active_token(other).await;
    assert_eq!(
        hold(&app, other, &other_token, schedule_id, 1)
            .await
            .status(),
        201
    );
    projector.stop().await;
}

#[tokio::test]
async fn a_payment_the_balance_cannot_cover_is_409_insufficient_balance() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(1).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    let held: Value = hold(&app, user, &token, schedule_id, 1)
        .await
        .json()
        .await
        .unwrap();
    let response = app
        .command(
            "/v1/payments",
            user,
            Some(&token),
            &json!({"reservation_id": held["reservation_id"]}),
        )
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_problem(response, 409, "INSUFFICIENT_BALANCE").await;
    projector.stop().await;
}

/// A payment (or release) of a hold this instance answered `201` finds the
/// hold's schedule and fan in memory, not in the `reservations` table: with
/// the row gone behind its back, the payment is still appended (`202` under
/// `wait=0`, the projector stopped), another fan is still refused `403`,
/// and a reservation it never answered still reads the table (`404`).
#[tokio::test]
async fn a_payment_of_a_hold_this_instance_answered_reads_its_owner_from_memory() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let schedule_id = app.open_schedule(1).await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    let held = hold(&app, user, &token, schedule_id, 1).await;
    assert_eq!(held.status(), 201);
    let held: Value = held.json().await.unwrap();
    let reservation_id = held["reservation_id"].as_str().unwrap().to_owned();
    projector.stop().await;

    let pool = infra::postgres::connect(&app.settings().database)
        .await
        .unwrap();
    let deleted = sqlx::query("DELETE FROM reservations WHERE reservation_id = $1::uuid")
        .bind(&reservation_id)
        .execute(&pool)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(deleted, 1, "the hold's row was committed before its 201");

    let pay = |user: Uuid, token: String, reservation_id: String| {
        app.command(
            "/v1/payments",
            user,
            Some(&token),
            &json!({ "reservation_id": reservation_id }),
        )
        .header("Prefer", "wait=0")
        .send()
    };
    let other = Uuid::new_v4();
    let other_token = app.active_token(other).await;
    assert_problem(
        pay(other, other_token.clone(), reservation_id.clone())
            .await
            .unwrap(),
        403,
        "FORBIDDEN",
    )
    .await;
    assert_problem(
        pay(other, other_token, Uuid::now_v7().to_string())
            .await
            .unwrap(),
        404,
        "NOT_FOUND",
    )
    .await;
    let paid = pay(user, token, reservation_id).await.unwrap();
    assert_eq!(paid.status(), 202, "appended, not refused as unknown");
    pool.close().await;
}
