//! Every body command-api answers with, and every body it or the projector
//! stores for it, reads strictly as its one owner type: each field of the
//! type, nothing else, and the same values when the type writes it back.

use std::str::FromStr;
use std::time::Duration;

use infra::decision::{CommandType, Refusal};
use infra::problem::ProblemBody;
use read_model::{
    Accepted, BalanceView, ChargePending, ConcertPending, ConcertRegistered, HoldPending,
    HoldPlaced, HoldReleased, PaymentCompleted, PaymentPending, ReleasePending, ScheduleAdded,
    SchedulePending,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;
use waiting_room::IssuedToken;

use crate::helpers::{content_type, spawn_app, PATIENCE};

/// `body` as `T`, asserting that `T` writes back exactly `body`.
fn strictly<T: DeserializeOwned + Serialize>(what: &str, body: &Value) -> T {
    let typed: T = serde_json::from_value(body.clone())
        .unwrap_or_else(|error| panic!("{what}: {error}: {body}"));
    assert_eq!(&serde_json::to_value(&typed).unwrap(), body, "{what}");
    typed
}

/// Sends `request`: its status and JSON body, after checking the content
/// type (problem+json for errors).
async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let kind = content_type(&response).to_owned();
    let body: Value = response.json().await.expect("a JSON body");
    let expected = if status >= 400 {
        "application/problem+json"
    } else {
        "application/json"
    };
    assert_eq!(kind, expected, "{status}: {body}");
    (status, body)
}

/// An answer that must be `status`, read as `T`.
async fn expect<T: DeserializeOwned + Serialize>(
    what: &str,
    status: u16,
    request: reqwest::RequestBuilder,
) -> T {
    let (got, body) = answer(request).await;
    assert_eq!(got, status, "{what}: {body}");
    strictly(what, &body)
}

async fn problem(what: &str, status: u16, request: reqwest::RequestBuilder) -> ProblemBody {
    let problem: ProblemBody = expect(what, status, request).await;
    assert_eq!(problem.status, status, "{what}");
    problem
}

fn as_user(request: reqwest::RequestBuilder, user: Uuid, token: &str) -> reqwest::RequestBuilder {
    request
        .header("X-User-Id", user.to_string())
        .header("X-Queue-Token", token)
}

#[tokio::test]
async fn every_answer_and_every_stored_body_reads_as_its_owner_type() {
    let app = spawn_app().await;
    let projector = app.spawn_projector().await;
    let decided = |request: reqwest::RequestBuilder| request.header("Prefer", "wait=10");
    let undecided = |request: reqwest::RequestBuilder| request.header("Prefer", "wait=0");

    // Queue tokens: a new place, then the same place again.
    let user = Uuid::new_v4();
    let join = || {
        app.post("/v1/queue/tokens")
            .header("X-User-Id", user.to_string())
    };
    let first: IssuedToken = expect("a new token", 201, join()).await;
    let again: IssuedToken = expect("the same token", 200, join()).await;
    assert_eq!(again.token, first.token);
    let token = app.active_token(user).await;

    // Catalog administration, decided and undecided.
    let concert = json!({"title": "Shapes Live", "venue": "Hall"});
    let registered: ConcertRegistered = expect(
        "a registered concert",
        201,
        decided(app.admin("/v1/admin/concerts", &concert)),
    )
    .await;
    let now = chrono::Utc::now();
    let schedule = json!({
        "starts_at": (now + chrono::Duration::days(30)).to_rfc3339(),
        "booking_opens_at": (now - chrono::Duration::days(1)).to_rfc3339(),
        "seats": (1..=4).map(|n| json!({"number": n, "price": 10_000 + n * 1_000})).collect::<Vec<_>>(),
    });
    let schedules = format!("/v1/admin/concerts/{}/schedules", registered.concert_id);
    let added: ScheduleAdded = expect(
        "an added schedule",
        201,
        decided(app.admin(&schedules, &schedule)),
    )
    .await;
    let schedule_id = added.schedule_id;
    let _: ConcertPending = expect(
        "a pending concert",
        202,
        undecided(app.admin("/v1/admin/concerts", &concert)),
    )
    .await;
    let _: SchedulePending = expect(
        "a pending schedule",
        202,
        undecided(app.admin(&schedules, &schedule)),
    )
    .await;

    // The wallet, decided (with an Idempotency-Key, so it is stored) and
    // undecided.
    let charge = |amount: i64| {
        app.post("/v1/balance/charges")
            .header("X-User-Id", user.to_string())
            .json(&json!({ "amount": amount }))
    };
    let charged: BalanceView = expect(
        "a charge",
        200,
        decided(charge(50_000)).header("Idempotency-Key", "shapes-charge"),
    )
    .await;
    assert_eq!(charged.balance, 50_000);
    let _: ChargePending = expect("a pending charge", 202, undecided(charge(1_000))).await;

    // Holds: granted, refused, released, and undecided.
    let hold = |seat: i64| {
        as_user(app.post("/v1/reservations"), user, &token)
            .json(&json!({"schedule_id": schedule_id, "seat_number": seat}))
    };
    let HoldPlaced(held) = expect(
        "a hold",
        201,
        decided(hold(1)).header("Idempotency-Key", "shapes-hold"),
    )
    .await;
    assert_eq!(held.price, Some(11_000));
    let refused = problem("a refused hold", 409, decided(hold(1))).await;
    assert_eq!(refused.code.as_str(), "SEAT_UNAVAILABLE");
    let HoldPlaced(second) = expect("a second hold", 201, decided(hold(2))).await;
    let release = |reservation_id: Uuid| {
        as_user(
            app.delete(&format!("/v1/reservations/{reservation_id}")),
            user,
            &token,
        )
    };
    let _: HoldReleased = expect("a release", 200, decided(release(second.reservation_id))).await;
    let _: HoldPending = expect("a pending hold", 202, undecided(hold(3))).await;
    let _: ReleasePending = expect(
        "a pending release",
        202,
        undecided(release(second.reservation_id)),
    )
    .await;

    // Payments: undecided (of the released hold: refused once decided),
    // then completed, which expires the token.
    let pay = |reservation_id: Uuid| {
        as_user(app.post("/v1/payments"), user, &token)
            .json(&json!({ "reservation_id": reservation_id }))
    };
    let _: PaymentPending = expect(
        "a pending payment",
        202,
        undecided(pay(second.reservation_id)),
    )
    .await;
    let paid: PaymentCompleted = expect(
        "a payment",
        201,
        decided(pay(held.reservation_id)).header("Idempotency-Key", "shapes-pay"),
    )
    .await;
    assert_eq!(paid.amount, 11_000);
    // 50,000 charged, and 1,000 more if the undecided charge is by now.
    assert!([39_000, 40_000].contains(&paid.balance), "{paid:?}");

    // Refusals from every layer: the route table, the body limit, the
    // caller, the queue token, the body, the admin key.
    problem(
        "an unknown route",
        404,
        app.client.get(app.url("/v1/nowhere")),
    )
    .await;
    problem(
        "a wrong method",
        405,
        app.client.get(app.url("/v1/payments")),
    )
    .await;
    problem(
        "an oversized body",
        413,
        app.post("/v1/reservations").body(vec![b'x'; 17 * 1024]),
    )
    .await;
    problem(
        "no caller",
        401,
        app.post("/v1/balance/charges").json(&json!({"amount": 1})),
    )
    .await;
    problem(
        "a forged token",
        401,
        as_user(app.post("/v1/reservations"), user, "forged")
            .json(&json!({"schedule_id": schedule_id, "seat_number": 4})),
    )
    .await;
    problem("a malformed body", 400, charge(-1)).await;
    problem(
        "no admin key",
        401,
        app.post("/v1/admin/concerts").json(&concert),
    )
    .await;

    // What is stored: every decision, once all are decided...
    let pool = infra::postgres::connect(&app.settings().database)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let outcomes = loop {
        let rows: Vec<(String, String, Value)> =
            sqlx::query_as("SELECT command_type, outcome, body FROM command_outcomes")
                .fetch_all(&pool)
                .await
                .unwrap();
        // Every one of the 14 commands that reached the log.
        if rows.len() >= 14 {
            break rows;
        }
        assert!(tokio::time::Instant::now() < deadline, "{rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut refusals = 0;
    for (command_type, outcome, body) in &outcomes {
        let what = format!("a stored {command_type} {outcome}");
        if outcome == "ACCEPTED" {
            let command_type = CommandType::from_str(command_type).unwrap();
            let typed = Accepted::from_value(command_type, body.clone())
                .unwrap_or_else(|error| panic!("{what}: {error}: {body}"));
            assert_eq!(&typed.to_value(), body, "{what}");
        } else {
            strictly::<Refusal>(&what, body);
            refusals += 1;
        }
    }
    assert!(refusals >= 2, "{outcomes:?}");

    // ... every 202 and final answer kept for an Idempotency-Key ...
    let kept: Vec<(String, Value, Option<i16>, Option<Value>)> = sqlx::query_as(
        "SELECT command_type, pending_body, response_status, response_body FROM idempotency_keys",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(kept.len(), 3, "{kept:?}");
    for (command_type, pending, status, body) in kept {
        let what = format!("a kept {command_type} answer");
        let command_type = CommandType::from_str(&command_type).unwrap();
        match command_type {
            CommandType::Charge => {
                strictly::<ChargePending>(&what, &pending);
            }
            CommandType::Hold => {
                strictly::<HoldPending>(&what, &pending);
            }
            CommandType::Payment => {
                strictly::<PaymentPending>(&what, &pending);
            }
            other => panic!("no key was sent for {other:?}"),
        }
        assert_eq!(status, Some(command_type.success_status() as i16), "{what}");
        let body = body.expect("a final answer");
        let typed = Accepted::from_value(command_type, body.clone())
            .unwrap_or_else(|error| panic!("{what}: {error}: {body}"));
        assert_eq!(typed.to_value(), body, "{what}");
    }

    // ... and a replay answers the kept body, as its type.
    let replayed: BalanceView = expect(
        "a replayed charge",
        200,
        decided(charge(50_000)).header("Idempotency-Key", "shapes-charge"),
    )
    .await;
    assert_eq!(replayed, charged);
    projector.stop().await;
}
