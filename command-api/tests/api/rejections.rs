//! Every 4xx of the contract's table and precedence list, one test each,
//! each proving that nothing was appended to the log.

use futures::StreamExt;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{
    assert_problem, assert_refused_without_append, spawn_app, spawn_app_with, TestApp,
};

fn hold(schedule_id: Uuid, seat: Value) -> Value {
    json!({"schedule_id": schedule_id, "seat_number": seat})
}

/// An app and a user with an ACTIVE token.
async fn admitted() -> (TestApp, Uuid, String) {
    let app = spawn_app().await;
    let user = Uuid::new_v4();
    let token = app.active_token(user).await;
    (app, user, token)
}

async fn refused_hold(body: Value) {
    let (app, user, token) = admitted().await;
    let request = app.command("/v1/reservations", user, Some(&token), &body);
    let problem = assert_refused_without_append(&app, request, 400, "VALIDATION_FAILED").await;
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

// --- 413 ---------------------------------------------------------------

#[tokio::test]
async fn an_oversized_body_is_413_before_anything_else() {
    let app = spawn_app().await;
    // No X-User-Id, no token: the size is checked first.
    let big =
        json!({"schedule_id": Uuid::now_v7(), "seat_number": 1, "pad": "x".repeat(17 * 1024)});
    let request = app.post("/v1/reservations").json(&big);
    assert_refused_without_append(&app, request, 413, "PAYLOAD_TOO_LARGE").await;
}

#[tokio::test]
async fn an_oversized_chunked_body_is_413_too() {
    let (app, user, token) = admitted().await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..20).map(|_| Ok(vec![b' '; 1024])).collect();
    let request = app
        .post("/v1/balance/charges")
        .header("X-User-Id", user.to_string())
        .header("X-Queue-Token", token)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)));
    assert_refused_without_append(&app, request, 413, "PAYLOAD_TOO_LARGE").await;
}

#[tokio::test]
async fn an_oversized_chunked_body_still_arriving_is_413_before_the_caller_is_checked() {
    let app = spawn_app().await;
    // No X-User-Id and no token, and the body trickles in: the headers are
    // all there long before the size is known, yet the size answers.
    let trickle = || {
        futures::stream::iter(0..20).then(|_| async {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            Ok::<_, std::io::Error>(vec![b' '; 1024])
        })
    };
    for path in ["/v1/reservations", "/v1/admin/concerts"] {
        let request = app
            .post(path)
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(trickle()));
        assert_refused_without_append(&app, request, 413, "PAYLOAD_TOO_LARGE").await;
    }
}

// --- 401 ---------------------------------------------------------------

#[tokio::test]
async fn a_hold_without_x_user_id_is_401_unauthenticated_before_the_token_and_body() {
    let app = spawn_app().await;
    let request = app.post("/v1/reservations").json(&json!({"bad": true}));
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
}

#[tokio::test]
async fn a_user_id_that_is_not_a_uuid_or_nil_is_401_unauthenticated() {
    let app = spawn_app().await;
    for user in ["alice", "", "00000000-0000-0000-0000-000000000000"] {
        let request = app
            .post("/v1/balance/charges")
            .header("X-User-Id", user)
            .json(&json!({"amount": 1000}));
        assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
    }
}

#[tokio::test]
async fn a_charge_without_x_user_id_is_401_unauthenticated() {
    let app = spawn_app().await;
    let request = app
        .post("/v1/balance/charges")
        .json(&json!({"amount": 1000}));
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
}

#[tokio::test]
async fn a_hold_without_a_queue_token_is_401_queue_token_invalid_before_the_body() {
    let app = spawn_app().await;
    let request = app.command("/v1/reservations", Uuid::new_v4(), None, &json!({"bad": 1}));
    assert_refused_without_append(&app, request, 401, "QUEUE_TOKEN_INVALID").await;
}

#[tokio::test]
async fn a_forged_queue_token_is_401_queue_token_invalid() {
    let (app, user, token) = admitted().await;
    // Same length, one character changed: the signature no longer holds.
    let mut forged = token.into_bytes();
    forged[10] = if forged[10] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    for bad in [forged.as_str(), "not-a-token"] {
        let request = app.command(
            "/v1/reservations",
            user,
            Some(bad),
            &hold(Uuid::now_v7(), json!(1)),
        );
        assert_refused_without_append(&app, request, 401, "QUEUE_TOKEN_INVALID").await;
    }
}

#[tokio::test]
async fn a_payment_without_a_queue_token_is_401_queue_token_invalid() {
    let app = spawn_app().await;
    let request = app.command(
        "/v1/payments",
        Uuid::new_v4(),
        None,
        &json!({"reservation_id": Uuid::now_v7()}),
    );
    assert_refused_without_append(&app, request, 401, "QUEUE_TOKEN_INVALID").await;
}

#[tokio::test]
async fn a_release_without_a_queue_token_is_401_queue_token_invalid() {
    let app = spawn_app().await;
    let request = app
        .delete(&format!("/v1/reservations/{}", Uuid::now_v7()))
        .header("X-User-Id", Uuid::new_v4().to_string());
    assert_refused_without_append(&app, request, 401, "QUEUE_TOKEN_INVALID").await;
}

#[tokio::test]
async fn admin_calls_without_the_key_or_with_a_wrong_one_are_401_unauthenticated() {
    let app = spawn_app().await;
    let concert = json!({"title": "T", "venue": "V"});
    let request = app.post("/v1/admin/concerts").json(&concert);
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
    let request = app
        .post("/v1/admin/concerts")
        .header("X-Admin-Key", "guess")
        .json(&concert);
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
    let request = app
        .post(&format!("/v1/admin/concerts/{}/schedules", Uuid::now_v7()))
        .header("X-Admin-Key", "guess")
        .json(&json!({}));
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
}

#[tokio::test]
async fn admin_calls_are_401_when_no_admin_key_is_configured() {
    let app = spawn_app_with(&[("ADMIN_KEY", "")]).await;
    let request = app
        .post("/v1/admin/concerts")
        .header("X-Admin-Key", "")
        .json(&json!({"title": "T", "venue": "V"}));
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
}

// --- 403 ---------------------------------------------------------------

#[tokio::test]
async fn another_users_token_is_403_forbidden() {
    let (app, _owner, token) = admitted().await;
    let request = app.command(
        "/v1/reservations",
        Uuid::new_v4(),
        Some(&token),
        &hold(Uuid::now_v7(), json!(1)),
    );
    assert_refused_without_append(&app, request, 403, "FORBIDDEN").await;
}

async fn someone_elses_reservation(app: &TestApp) -> Uuid {
    // A row as the projector writes it for a decided hold.
    let pool = infra::postgres::connect(&app.settings().database)
        .await
        .unwrap();
    let reservation_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO reservations (reservation_id, schedule_id, user_id, seat_number, price, status, \
             requested_at, expires_at, updated_at) \
         VALUES ($1, $2, $3, 1, 10000, 'HELD', now(), now() + interval '5 minutes', now())",
    )
    .bind(reservation_id)
    .bind(Uuid::now_v7())
    .bind(Uuid::new_v4())
    .execute(&pool)
    .await
    .unwrap();
    reservation_id
}

#[tokio::test]
async fn paying_for_another_users_hold_is_403_forbidden() {
    let (app, user, token) = admitted().await;
    let reservation_id = someone_elses_reservation(&app).await;
    let request = app.command(
        "/v1/payments",
        user,
        Some(&token),
        &json!({"reservation_id": reservation_id}),
    );
    assert_refused_without_append(&app, request, 403, "FORBIDDEN").await;
}

#[tokio::test]
async fn releasing_another_users_hold_is_403_forbidden() {
    let (app, user, token) = admitted().await;
    let reservation_id = someone_elses_reservation(&app).await;
    let request = app
        .delete(&format!("/v1/reservations/{reservation_id}"))
        .header("X-User-Id", user.to_string())
        .header("X-Queue-Token", token);
    assert_refused_without_append(&app, request, 403, "FORBIDDEN").await;
}

// --- 404 ---------------------------------------------------------------

#[tokio::test]
async fn paying_for_an_unknown_reservation_is_404() {
    let (app, user, token) = admitted().await;
    let request = app.command(
        "/v1/payments",
        user,
        Some(&token),
        &json!({"reservation_id": Uuid::now_v7()}),
    );
    assert_refused_without_append(&app, request, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn releasing_an_unknown_reservation_is_404() {
    let (app, user, token) = admitted().await;
    let request = app
        .delete(&format!("/v1/reservations/{}", Uuid::now_v7()))
        .header("X-User-Id", user.to_string())
        .header("X-Queue-Token", token);
    assert_refused_without_append(&app, request, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn an_id_in_the_path_that_is_not_a_uuid_is_404() {
    let (app, user, token) = admitted().await;
    let request = app
        .delete("/v1/reservations/not-a-uuid")
        .header("X-User-Id", user.to_string())
        .header("X-Queue-Token", token);
    assert_refused_without_append(&app, request, 404, "NOT_FOUND").await;
    let request = app.admin("/v1/admin/concerts/42/schedules", &json!({}));
    assert_refused_without_append(&app, request, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn a_nil_concert_id_is_404_after_the_admin_key_and_before_the_key_and_body() {
    let app = spawn_app().await;
    let path = format!("/v1/admin/concerts/{}/schedules", Uuid::nil());
    let request = app
        .post(&path)
        .header("X-Admin-Key", "guess")
        .json(&json!({}));
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
    let request = app.admin(&path, &json!({})).header("Idempotency-Key", "");
    assert_refused_without_append(&app, request, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn an_unknown_route_is_404() {
    let app = spawn_app().await;
    let request = app.post("/v1/reservations/holds/extra").json(&json!({}));
    assert_refused_without_append(&app, request, 404, "NOT_FOUND").await;
}

// --- 405 ---------------------------------------------------------------

#[tokio::test]
async fn a_wrong_method_on_a_command_path_is_405() {
    let app = spawn_app().await;
    for (method, path) in [
        (reqwest::Method::GET, "/v1/reservations".to_owned()),
        (reqwest::Method::PUT, "/v1/balance/charges".to_owned()),
        (reqwest::Method::GET, "/v1/payments".to_owned()),
        (
            reqwest::Method::POST,
            format!("/v1/reservations/{}", Uuid::now_v7()),
        ),
        (reqwest::Method::GET, "/v1/queue/tokens".to_owned()),
        (reqwest::Method::DELETE, "/v1/admin/concerts".to_owned()),
    ] {
        let request = app.client.request(method, app.url(&path));
        assert_refused_without_append(&app, request, 405, "METHOD_NOT_ALLOWED").await;
    }
}

// --- 400 ---------------------------------------------------------------

#[tokio::test]
async fn a_seat_number_of_1_point_0_is_400() {
    refused_hold(hold(Uuid::now_v7(), json!(1.0))).await;
}

#[tokio::test]
async fn a_seat_number_as_a_string_is_400() {
    refused_hold(hold(Uuid::now_v7(), json!("1"))).await;
}

#[tokio::test]
async fn an_unknown_field_is_400() {
    refused_hold(json!({"schedule_id": Uuid::now_v7(), "seat_number": 1, "vip": true})).await;
}

#[tokio::test]
async fn a_missing_field_is_400() {
    refused_hold(json!({"schedule_id": Uuid::now_v7()})).await;
}

#[tokio::test]
async fn out_of_range_values_are_400() {
    refused_hold(hold(Uuid::now_v7(), json!(0))).await;
    refused_hold(hold(Uuid::nil(), json!(1))).await;
    refused_hold(json!({"schedule_id": "not-a-uuid", "seat_number": 1})).await;
}

#[tokio::test]
async fn malformed_json_or_another_content_type_is_400() {
    let (app, user, token) = admitted().await;
    let request = app
        .post("/v1/reservations")
        .header("X-User-Id", user.to_string())
        .header("X-Queue-Token", &token)
        .header("content-type", "application/json")
        .body("{\"schedule_id\": ");
    assert_refused_without_append(&app, request, 400, "VALIDATION_FAILED").await;
    let request = app
        .post("/v1/reservations")
        .header("X-User-Id", user.to_string())
        .header("X-Queue-Token", &token)
        .header("content-type", "text/plain")
        .body(hold(Uuid::now_v7(), json!(1)).to_string());
    assert_refused_without_append(&app, request, 400, "VALIDATION_FAILED").await;
}

#[tokio::test]
async fn a_charge_of_zero_or_less_is_400_validation_failed() {
    let app = spawn_app().await;
    for amount in [json!(0), json!(-5)] {
        let request = app.command(
            "/v1/balance/charges",
            Uuid::new_v4(),
            None,
            &json!({"amount": amount}),
        );
        assert_refused_without_append(&app, request, 400, "VALIDATION_FAILED").await;
    }
}

#[tokio::test]
async fn a_charge_amount_that_is_not_an_integer_is_400() {
    let app = spawn_app().await;
    for amount in [json!(1.0), json!("1000"), json!(1e30), Value::Null] {
        let request = app.command(
            "/v1/balance/charges",
            Uuid::new_v4(),
            None,
            &json!({"amount": amount}),
        );
        assert_refused_without_append(&app, request, 400, "VALIDATION_FAILED").await;
    }
}

#[tokio::test]
async fn a_charge_over_the_single_charge_limit_is_400_charge_limit_exceeded() {
    let app = spawn_app_with(&[("MAX_SINGLE_CHARGE", "5000")]).await;
    let request = app.command(
        "/v1/balance/charges",
        Uuid::new_v4(),
        None,
        &json!({"amount": 5001}),
    );
    assert_refused_without_append(&app, request, 400, "CHARGE_LIMIT_EXCEEDED").await;
}

#[tokio::test]
async fn an_idempotency_key_that_is_empty_or_over_255_characters_is_400() {
    let app = spawn_app().await;
    for key in [String::new(), "k".repeat(256)] {
        let request = app
            .command(
                "/v1/balance/charges",
                Uuid::new_v4(),
                None,
                &json!({"amount": 1000}),
            )
            .header("Idempotency-Key", key);
        assert_refused_without_append(&app, request, 400, "VALIDATION_FAILED").await;
    }
}

#[tokio::test]
async fn invalid_catalog_bodies_are_400() {
    let app = spawn_app().await;
    let request = app.admin("/v1/admin/concerts", &json!({"title": "  ", "venue": "V"}));
    assert_refused_without_append(&app, request, 400, "VALIDATION_FAILED").await;
    let concert = Uuid::now_v7();
    let path = format!("/v1/admin/concerts/{concert}/schedules");
    for body in [
        // Booking opens after the show starts.
        json!({"starts_at": "2030-05-01T19:00:00Z", "booking_opens_at": "2030-06-01T10:00:00Z",
               "seats": [{"number": 1, "price": 1000}]}),
        // A seat twice.
        json!({"starts_at": "2030-05-01T19:00:00Z", "booking_opens_at": "2030-04-01T10:00:00Z",
               "seats": [{"number": 1, "price": 1000}, {"number": 1, "price": 2000}]}),
        // No seats.
        json!({"starts_at": "2030-05-01T19:00:00Z", "booking_opens_at": "2030-04-01T10:00:00Z",
               "seats": []}),
        // Not a time.
        json!({"starts_at": "soon", "booking_opens_at": "2030-04-01T10:00:00Z",
               "seats": [{"number": 1, "price": 1000}]}),
        // A negative price.
        json!({"starts_at": "2030-05-01T19:00:00Z", "booking_opens_at": "2030-04-01T10:00:00Z",
               "seats": [{"number": 1, "price": -1}]}),
    ] {
        let request = app.admin(&path, &body);
        assert_refused_without_append(&app, request, 400, "VALIDATION_FAILED").await;
    }
}

#[tokio::test]
async fn refusals_before_the_body_are_counted_under_their_command() {
    let app = spawn_app().await;
    let request = app
        .post("/v1/balance/charges")
        .json(&json!({"amount": 1000}));
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
    let request = app.command("/v1/payments", Uuid::new_v4(), None, &json!({}));
    assert_refused_without_append(&app, request, 401, "QUEUE_TOKEN_INVALID").await;
    let request = app
        .post("/v1/admin/concerts")
        .json(&json!({"title": "T", "venue": "V"}));
    assert_refused_without_append(&app, request, 401, "UNAUTHENTICATED").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for command_type in ["CHARGE", "PAYMENT", "REGISTER_CONCERT"] {
        let counted = format!(
            r#"ticketfold_commands_total{{command_type="{command_type}",outcome="rejected_4xx"}} 1"#
        );
        assert!(metrics.contains(&counted), "{counted} in {metrics}");
    }
}

#[tokio::test]
async fn every_error_is_problem_json_with_the_contract_fields() {
    let app = spawn_app().await;
    let response = app
        .post("/v1/balance/charges")
        .json(&json!({"amount": 1}))
        .send()
        .await
        .unwrap();
    let body = assert_problem(response, 401, "UNAUTHENTICATED").await;
    for field in ["type", "title", "status", "detail", "code"] {
        assert!(body.get(field).is_some(), "{field} missing from {body}");
    }
}
