//! A hold or charge answered `202` leaves a pending entry in the read model
//! where its decision will be written, once its record is in the log, so
//! its `Location` reads `PENDING` instead of 404. A decided one does not.

use read_model::PENDING_TTL;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_hold_or_charge_answered_202_leaves_a_pending_entry_for_its_caller() {
    // No projector: nothing is decided.
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;

    let response = app
        .command(
            "/v1/reservations",
            user,
            Some(&token),
            &json!({"schedule_id": Uuid::now_v7(), "seat_number": 3}),
        )
        .header("Prefer", "wait=0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let hold: Value = response.json().await.unwrap();
    let key = format!(
        "rm:reservation:{}",
        hold["reservation_id"].as_str().unwrap()
    );
    let (entry, ttl) = app.read_model_entry(&key).await.expect("a pending entry");
    assert!(entry.pending && !entry.not_found);
    assert_eq!(entry.owner, Some(user));
    assert!(0 < ttl && ttl <= PENDING_TTL.as_millis() as i64, "{ttl} ms");
    let body: Value = serde_json::from_slice(&entry.body).unwrap();
    assert_eq!(body["status"], "PENDING");
    assert_eq!(body["reservation_id"], hold["reservation_id"]);
    assert_eq!(body["seat_number"], 3);

    let response = app
        .command("/v1/balance/charges", user, None, &json!({"amount": 1000}))
        .header("Prefer", "wait=0")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let charge: Value = response.json().await.unwrap();
    let key = format!("rm:charge:{user}:{}", charge["charge_id"].as_str().unwrap());
    let (entry, _) = app.read_model_entry(&key).await.expect("a pending entry");
    assert!(entry.pending);
    assert_eq!(entry.owner, Some(user));
    assert_eq!(app.read_model_keys().await.len(), 2);
}

#[tokio::test]
async fn a_decided_hold_leaves_the_projectors_entry_not_a_pending_one() {
    let app = spawn_app().await;
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
        .header("Prefer", "wait=10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let held: Value = response.json().await.unwrap();
    let key = format!(
        "rm:reservation:{}",
        held["reservation_id"].as_str().unwrap()
    );
    let (entry, _) = app.read_model_entry(&key).await.expect("written through");
    assert!(!entry.pending);
    let body: Value = serde_json::from_slice(&entry.body).unwrap();
    assert_eq!(body["status"], "HELD");
    projector.stop().await;
}
