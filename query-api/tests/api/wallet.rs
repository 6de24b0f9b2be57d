//! The caller's own data: balance, reservations, payments, charges. Each is
//! the caller's only: anyone else's reads as 404.

use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::spawn_app;
use crate::seed;

#[tokio::test]
async fn a_balance_is_zero_for_a_stranger_and_needs_a_caller() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    seed::wallet(&app.pool, user, 25_000).await;

    assert_eq!(
        app.get_as("/v1/balance", user, None).await,
        (200, json!({"balance": 25_000}))
    );
    assert_eq!(
        app.get_as("/v1/balance", Uuid::new_v4(), None).await,
        (200, json!({"balance": 0}))
    );
    let response = app.get("/v1/balance").await;
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_reservation_is_its_owners_only_and_expires_when_its_hold_lapses() {
    let app = spawn_app().await;
    let (_, schedule) = seed::open_schedule(&app.pool, 3).await;
    let owner = Uuid::new_v4();
    let expires = seed::now() + Duration::minutes(5);
    let held = seed::hold(&app.pool, schedule, 2, owner, expires).await;
    let lapsed = seed::hold(
        &app.pool,
        schedule,
        3,
        owner,
        seed::now() - Duration::seconds(1),
    )
    .await;

    let (status, body) = app
        .get_as(&format!("/v1/reservations/{held}"), owner, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "reservation_id": held,
            "schedule_id": schedule,
            "seat_number": 2,
            "status": "HELD",
            "price": seed::price(2),
            "expires_at": expires,
        })
    );
    let (_, body) = app
        .get_as(&format!("/v1/reservations/{lapsed}"), owner, None)
        .await;
    assert_eq!(body["status"], "EXPIRED");

    // Someone else, even right after the owner cached it: not found.
    let (status, body) = app
        .get_as(&format!("/v1/reservations/{held}"), Uuid::new_v4(), None)
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("NOT_FOUND")));
    let (status, _) = app
        .get_as(&format!("/v1/reservations/{}", Uuid::new_v4()), owner, None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get_as("/v1/reservations/nope", owner, None).await;
    assert_eq!(status, 404);
    let response = app.get(&format!("/v1/reservations/{held}")).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_payment_reads_pending_then_its_outcome_for_its_payer_only() {
    let app = spawn_app().await;
    let (_, schedule) = seed::open_schedule(&app.pool, 2).await;
    let payer = Uuid::new_v4();
    let reservation = seed::hold(
        &app.pool,
        schedule,
        1,
        payer,
        seed::now() + Duration::minutes(5),
    )
    .await;
    let pending = seed::payment(
        &app.pool,
        reservation,
        schedule,
        payer,
        "REQUESTED",
        None,
        None,
    )
    .await;
    let done = seed::payment(
        &app.pool,
        reservation,
        schedule,
        payer,
        "COMPLETED",
        None,
        Some(3_000),
    )
    .await;
    let failed = seed::payment(
        &app.pool,
        reservation,
        schedule,
        payer,
        "FAILED",
        Some("HOLD_EXPIRED"),
        None,
    )
    .await;

    let (status, body) = app
        .get_as(&format!("/v1/payments/{pending}"), payer, None)
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("PENDING")));
    let (_, body) = app
        .get_as(&format!("/v1/payments/{done}"), payer, None)
        .await;
    assert_eq!(
        body,
        json!({"payment_id": done, "reservation_id": reservation, "status": "COMPLETED",
               "amount": 12_000, "balance": 3_000, "code": null})
    );
    let (_, body) = app
        .get_as(&format!("/v1/payments/{failed}"), payer, None)
        .await;
    assert_eq!(
        (body["status"].as_str(), body["code"].as_str()),
        (Some("FAILED"), Some("HOLD_EXPIRED"))
    );

    let (status, _) = app
        .get_as(&format!("/v1/payments/{done}"), Uuid::new_v4(), None)
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get_as(&format!("/v1/payments/{}", Uuid::new_v4()), payer, None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_charge_reads_its_outcome_for_its_owner_only() {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let accepted = seed::charge(&app.pool, user, 5_000, 5_000).await;
    let refused = seed::refused_charge(&app.pool, user, "BALANCE_LIMIT_EXCEEDED").await;

    let (status, body) = app
        .get_as(&format!("/v1/balance/charges/{accepted}"), user, None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"charge_id": accepted, "status": "COMPLETED", "amount": 5_000, "balance": 5_000, "code": null})
    );
    let (_, body) = app
        .get_as(&format!("/v1/balance/charges/{refused}"), user, None)
        .await;
    assert_eq!(
        (body["status"].as_str(), body["code"].as_str()),
        (Some("REJECTED"), Some("BALANCE_LIMIT_EXCEEDED"))
    );
    let (status, _) = app
        .get_as(
            &format!("/v1/balance/charges/{accepted}"),
            Uuid::new_v4(),
            None,
        )
        .await;
    assert_eq!(status, 404);
}
