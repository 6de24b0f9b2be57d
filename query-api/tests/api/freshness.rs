//! A command that returned its final outcome is visible to every query that
//! starts after the response: the projector writes the read model through
//! before it announces a decision. Driven through the real write path.

use std::time::Duration;

use chrono::Utc;
use serde_json::json;

use crate::stack::spawn_stack;

#[tokio::test]
async fn holds_releases_payments_lapses_and_charges_read_back_at_once() {
    let stack = spawn_stack(&[("HOLD_TTL_SECONDS", "3")]).await;
    let app = &stack.query;
    let (concert, schedule) = stack
        .schedule(4, Utc::now() - chrono::Duration::days(1))
        .await;
    let (user, token) = stack.active_user().await;
    let seats = format!("/v1/schedules/{schedule}/seats");
    let status_of =
        |body: &serde_json::Value, seat: usize| body["seats"][seat - 1]["status"].clone();

    // Everything is in Redis from the start: the projector wrote it through.
    let (status, body) = app.get_as(&seats, user, Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["seats"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "AVAILABLE"));
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 0})
    );
    let schedules = format!("/v1/concerts/{concert}/schedules");
    assert_eq!(app.get_json(&schedules).await.1[0]["available_seats"], 4);

    // Hold.
    let hold = json!({"schedule_id": schedule, "seat_number": 1});
    let (status, held) = stack
        .post("/v1/reservations", Some((user, &token)), hold)
        .await;
    assert_eq!(status, 201, "{held}");
    let reservation = held["reservation_id"].as_str().unwrap().to_owned();
    assert_eq!(
        status_of(&app.get_as(&seats, user, Some(&token)).await.1, 1),
        "HELD"
    );
    assert_eq!(app.get_json(&schedules).await.1[0]["available_seats"], 3);
    let (status, body) = app
        .get_as(&format!("/v1/reservations/{reservation}"), user, None)
        .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("HELD")));
    // The time the command's answer states reads back exactly.
    assert_eq!(body["expires_at"], held["expires_at"]);

    // Release.
    let (status, body) = stack
        .command(
            reqwest::Method::DELETE,
            &format!("/v1/reservations/{reservation}"),
            Some((user, &token)),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        status_of(&app.get_as(&seats, user, Some(&token)).await.1, 1),
        "AVAILABLE"
    );
    let (_, body) = app
        .get_as(&format!("/v1/reservations/{reservation}"), user, None)
        .await;
    assert_eq!(body["status"], "RELEASED");

    // Charge: the same user's balance right after.
    let (status, body) = stack
        .post(
            "/v1/balance/charges",
            Some((user, "")),
            json!({"amount": 50_000}),
        )
        .await;
    assert_eq!((status, &body), (200, &json!({"balance": 50_000})));
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 50_000})
    );

    // Payment.
    let hold = json!({"schedule_id": schedule, "seat_number": 2});
    let (status, held) = stack
        .post("/v1/reservations", Some((user, &token)), hold)
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
    assert_eq!(paid["balance"], 50_000 - 12_000);
    assert_eq!(
        app.get_as("/v1/balance", user, None).await.1,
        json!({"balance": 38_000})
    );
    let (status, body) = app
        .get_as(
            &format!("/v1/payments/{}", paid["payment_id"].as_str().unwrap()),
            user,
            None,
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str(), body["balance"].as_i64()),
        (200, Some("COMPLETED"), Some(38_000))
    );
    let (_, body) = app
        .get_as(
            &format!(
                "/v1/reservations/{}",
                held["reservation_id"].as_str().unwrap()
            ),
            user,
            None,
        )
        .await;
    assert_eq!(body["status"], "CONFIRMED");
    // The payment ended the payer's token; another reader sees the sale.
    let (reader, reader_token) = stack.active_user().await;
    assert_eq!(
        status_of(&app.get_as(&seats, reader, Some(&reader_token)).await.1, 2),
        "SOLD"
    );

    // A hold that lapses: AVAILABLE the moment it expires, no event needed.
    let hold = json!({"schedule_id": schedule, "seat_number": 3});
    let (status, held) = stack
        .post("/v1/reservations", Some((reader, &reader_token)), hold)
        .await;
    assert_eq!(status, 201, "{held}");
    assert_eq!(
        status_of(&app.get_as(&seats, reader, Some(&reader_token)).await.1, 3),
        "HELD"
    );
    let expires: chrono::DateTime<Utc> = held["expires_at"].as_str().unwrap().parse().unwrap();
    let wait = (expires - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + Duration::from_millis(50)).await;
    assert_eq!(
        status_of(&app.get_as(&seats, reader, Some(&reader_token)).await.1, 3),
        "AVAILABLE"
    );
    let (_, body) = app
        .get_as(
            &format!(
                "/v1/reservations/{}",
                held["reservation_id"].as_str().unwrap()
            ),
            reader,
            None,
        )
        .await;
    assert_eq!(body["status"], "EXPIRED");
    assert_eq!(app.get_json(&schedules).await.1[0]["available_seats"], 3);

    // Written through from the start: no read went to Postgres but the
    // first balance read, for a user the wallet had never seen.
    for (kind, loads) in [
        ("seats", 0),
        ("schedules", 0),
        ("balance", 1),
        ("reservation", 0),
        ("payment", 0),
    ] {
        assert_eq!(app.loads(kind).await, loads, "{kind} loads");
    }
}

#[tokio::test]
async fn a_schedule_opening_in_three_minutes_is_warm_before_anyone_reads_it() {
    let stack = spawn_stack(&[("CACHE_WARM_LEAD_SECONDS", "180")]).await;
    let opens = Utc::now() + chrono::Duration::seconds(175);
    let (concert, schedule) = stack.schedule(10, opens).await;

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let app = &stack.query;
    while !app.in_redis(&format!("rm:warm:{schedule}")).await {
        assert!(tokio::time::Instant::now() < deadline, "never warmed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for key in [
        format!("rm:schedule:{schedule}:seats"),
        format!("rm:concert:{concert}:schedules"),
        "rm:concerts".to_owned(),
    ] {
        assert!(app.in_redis(&key).await, "{key} is not in Redis");
    }
    assert!(
        stack
            .projector_metric("ticketfold_cache_warmups_total")
            .await
            >= 1.0
    );
    let lead_sum = stack
        .projector_metric("ticketfold_cache_warmup_lead_seconds_sum")
        .await;
    assert!(
        lead_sum > 100.0 && lead_sum <= 180.0,
        "warmed {lead_sum} s ahead"
    );
    assert!(Utc::now() < opens, "warmed only after opening");

    // Nobody had asked; the first reader finds it there.
    assert_eq!(app.loads("seats").await, 0);
    let (user, token) = stack.active_user().await;
    let (status, _) = app
        .get_as(
            &format!("/v1/schedules/{schedule}/seats"),
            user,
            Some(&token),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(app.loads("seats").await, 0);
}
