use infra::decision::{CommandType, Verdict};
use serde_json::json;
use uuid::Uuid;
use waiting_room::QueueError;

use crate::helpers::{charge, hold, outcome, payment, price_of, spawn_log, total, TestLog};

async fn balance(log: &TestLog, user: Uuid) -> (i64, i64) {
    sqlx::query_as("SELECT balance, in_flight FROM wallets WHERE user_id = $1")
        .bind(user)
        .fetch_optional(&log.pool)
        .await
        .unwrap()
        .unwrap_or((0, 0))
}

async fn seat(log: &TestLog, schedule_id: Uuid, seat: i64) -> (String, Option<Uuid>) {
    sqlx::query_as(
        "SELECT status, reservation_id FROM schedule_seats WHERE schedule_id = $1 AND seat_number = $2",
    )
    .bind(schedule_id)
    .bind(seat as i32)
    .fetch_one(&log.pool)
    .await
    .unwrap()
}

async fn entries(log: &TestLog, user: Uuid) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT kind, amount FROM wallet_entries WHERE user_id = $1 ORDER BY occurred_at, kind",
    )
    .bind(user)
    .fetch_all(&log.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_payment_debits_the_price_sells_the_seat_and_ends_the_payers_token() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let queue = log.queue();
    let schedule_id = log.open_schedule(3).await;
    let alice = Uuid::now_v7();
    let ticket = queue.join(alice).await.unwrap();
    queue.admit_once().await.unwrap();
    queue
        .active_pass(alice, Some(&ticket.token))
        .await
        .expect("an active token before paying");

    let charged = log.decision(log.ask(charge(alice, 100_000)).await).await;
    assert_eq!(charged.body, json!({ "balance": 100_000 }));
    let reservation = Uuid::now_v7();
    log.decision(log.ask(hold(schedule_id, reservation, alice, 1, 10)).await)
        .await;
    let before = projector.metrics().await;
    let payment_id = Uuid::now_v7();
    let paid = log
        .ask(payment(schedule_id, payment_id, reservation, alice, 20))
        .await;

    let decision = log.decision(paid).await;
    assert_eq!(decision.verdict, Verdict::Accepted, "{decision:?}");
    assert_eq!(decision.command_type, CommandType::Payment);
    let price = price_of(1);
    assert_eq!(
        decision.body,
        json!({
            "payment_id": payment_id,
            "reservation_id": reservation,
            "amount": price,
            "status": "COMPLETED",
            "balance": 100_000 - price,
        })
    );
    // The token ended before the answer was recorded.
    assert!(matches!(
        queue.active_pass(alice, Some(&ticket.token)).await,
        Err(QueueError::TokenExpired)
    ));
    assert_eq!(
        seat(&log, schedule_id, 1).await,
        ("SOLD".into(), Some(reservation))
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM reservations WHERE reservation_id = $1")
            .bind(reservation)
            .fetch_one(&log.pool)
            .await
            .unwrap();
    assert_eq!(status, "CONFIRMED");
    // Nothing else was written meanwhile, so every follow-up of the payment
    // (on the wallets partition and back on the reservations one) landed
    // where its partition stood and was folded at once, not after a fetch.
    let after = projector.metrics().await;
    let appended = total(&after, "ticketfold_projector_follow_ups_total")
        - total(&before, "ticketfold_projector_follow_ups_total");
    let at_once = total(
        &after,
        "ticketfold_projector_follow_ups_folded_at_once_total",
    ) - total(
        &before,
        "ticketfold_projector_follow_ups_folded_at_once_total",
    );
    assert!(
        appended >= 2.0,
        "the payment appended its follow-ups: {after}"
    );
    assert_eq!(at_once, appended, "{after}");
    // And folded in the batch that appended them: the request's payment
    // row, the debit and the confirmed reservation were written by one
    // transaction (one commit on a payment's path, not three).
    let writers: Vec<String> = sqlx::query_scalar(
        "SELECT xmin::text FROM payments WHERE payment_id = $1
         UNION ALL SELECT xmin::text FROM wallet_entries WHERE kind = 'DEBIT' AND reference_id = $1
         UNION ALL SELECT xmin::text FROM reservations WHERE reservation_id = $2",
    )
    .bind(payment_id)
    .bind(reservation)
    .fetch_all(&log.pool)
    .await
    .unwrap();
    assert_eq!(writers.len(), 3, "{writers:?}");
    assert!(
        writers.iter().all(|writer| *writer == writers[0]),
        "written by one transaction: {writers:?}"
    );
    let row: (String, Option<i64>, Option<i64>, Uuid) = sqlx::query_as(
        "SELECT status, amount, balance_after, command_id FROM payments WHERE payment_id = $1",
    )
    .bind(payment_id)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!(
        row,
        ("COMPLETED".into(), Some(price), Some(100_000 - price), paid)
    );

    log.settled().await;
    assert_eq!(
        balance(&log, alice).await,
        (100_000 - price, 0),
        "debit committed"
    );
    assert_eq!(
        entries(&log, alice).await,
        [("CHARGE".to_owned(), 100_000), ("DEBIT".to_owned(), price)]
    );
    // Paying for a sold seat again changes nothing.
    let again = log
        .ask(payment(schedule_id, Uuid::now_v7(), reservation, alice, 30))
        .await;
    assert_eq!(outcome(&log.decision(again).await), "ALREADY_CONFIRMED");
    assert_eq!(balance(&log, alice).await.0, 100_000 - price);
    projector.stop().await;
}

#[tokio::test]
async fn a_short_balance_fails_the_payment_and_changes_nothing() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule_id = log.open_schedule(3).await;
    let (bob, eve) = (Uuid::now_v7(), Uuid::now_v7());
    log.decision(log.ask(charge(bob, 10_000)).await).await;
    let reservation = Uuid::now_v7();
    log.decision(log.ask(hold(schedule_id, reservation, bob, 2, 10)).await)
        .await;

    let short = Uuid::now_v7();
    let paid = log
        .ask(payment(schedule_id, short, reservation, bob, 20))
        .await;
    let decision = log.decision(paid).await;
    assert_eq!(outcome(&decision), "INSUFFICIENT_BALANCE");
    log.settled().await;
    assert_eq!(balance(&log, bob).await, (10_000, 0));
    assert_eq!(entries(&log, bob).await, [("CHARGE".to_owned(), 10_000)]);
    assert_eq!(
        seat(&log, schedule_id, 2).await,
        ("HELD".into(), Some(reservation))
    );
    let (status, pending): (String, bool) = sqlx::query_as(
        "SELECT status, payment_pending FROM reservations WHERE reservation_id = $1",
    )
    .bind(reservation)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), pending), ("HELD", false));
    let failure: (String, Option<String>) =
        sqlx::query_as("SELECT status, failure_code FROM payments WHERE payment_id = $1")
            .bind(short)
            .fetch_one(&log.pool)
            .await
            .unwrap();
    assert_eq!(
        failure,
        ("FAILED".into(), Some("INSUFFICIENT_BALANCE".into()))
    );

    // Not Eve's hold to pay; no such reservation; then Bob tops up and pays.
    let forbidden = log
        .ask(payment(schedule_id, Uuid::now_v7(), reservation, eve, 21))
        .await;
    assert_eq!(outcome(&log.decision(forbidden).await), "FORBIDDEN");
    let unknown = log
        .ask(payment(
            schedule_id,
            Uuid::now_v7(),
            Uuid::now_v7(),
            bob,
            22,
        ))
        .await;
    assert_eq!(outcome(&log.decision(unknown).await), "NOT_FOUND");
    log.decision(log.ask(charge(bob, 100_000)).await).await;
    let retried = log
        .ask(payment(schedule_id, Uuid::now_v7(), reservation, bob, 30))
        .await;
    assert_eq!(outcome(&log.decision(retried).await), "ACCEPTED");
    log.settled().await;
    assert_eq!(balance(&log, bob).await, (110_000 - price_of(2), 0));
    projector.stop().await;
}

#[tokio::test]
async fn a_lapsed_hold_cannot_be_paid_and_its_seat_goes_to_the_next_holder() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule_id = log.open_schedule(3).await;
    let (carol, dave) = (Uuid::now_v7(), Uuid::now_v7());
    log.decision(log.ask(charge(carol, 100_000)).await).await;
    let lapsed = Uuid::now_v7();
    log.decision(log.ask(hold(schedule_id, lapsed, carol, 3, 10)).await)
        .await;

    // Event time, not the clock: the hold expired at 310 s.
    let late = log
        .ask(payment(schedule_id, Uuid::now_v7(), lapsed, carol, 400))
        .await;
    assert_eq!(outcome(&log.decision(late).await), "HOLD_EXPIRED");
    let taken_over = Uuid::now_v7();
    let next = log.ask(hold(schedule_id, taken_over, dave, 3, 401)).await;
    assert_eq!(outcome(&log.decision(next).await), "ACCEPTED");

    log.settled().await;
    assert_eq!(balance(&log, carol).await, (100_000, 0));
    assert_eq!(
        seat(&log, schedule_id, 3).await,
        ("HELD".into(), Some(taken_over))
    );
    let still: (String, chrono::DateTime<chrono::Utc>) =
        sqlx::query_as("SELECT status, expires_at FROM reservations WHERE reservation_id = $1")
            .bind(lapsed)
            .fetch_one(&log.pool)
            .await
            .unwrap();
    assert_eq!(
        still,
        ("HELD".into(), crate::helpers::at(310)),
        "reads EXPIRED by its time"
    );
    projector.stop().await;
}

#[tokio::test]
async fn a_second_payment_while_one_is_in_flight_is_refused() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule_id = log.open_schedule(3).await;
    let frank = Uuid::now_v7();
    log.decision(log.ask(charge(frank, 200_000)).await).await;
    let reservation = Uuid::now_v7();
    log.decision(log.ask(hold(schedule_id, reservation, frank, 1, 10)).await)
        .await;
    // Stopped, so both requests are on the log before the first one's
    // debit can come back: they are decided one after the other.
    projector.stop().await;
    let first = log
        .ask(payment(schedule_id, Uuid::now_v7(), reservation, frank, 20))
        .await;
    let second = log
        .ask(payment(schedule_id, Uuid::now_v7(), reservation, frank, 21))
        .await;
    let projector = log.spawn_projector().await;
    assert_eq!(outcome(&log.decision(second).await), "PAYMENT_IN_PROGRESS");
    assert_eq!(outcome(&log.decision(first).await), "ACCEPTED");
    log.settled().await;
    assert_eq!(balance(&log, frank).await, (200_000 - price_of(1), 0));
    projector.stop().await;
}
