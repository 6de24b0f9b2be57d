//! Withdrawals: the command API's answer to an append it could not confirm.
//! Of a request and its withdrawal, the one its partition holds first
//! decides, and a replay decides the same.

use chrono::Utc;
use infra::decision::Verdict;
use infra::problem::ErrorCode;
use projector::replay::{self, ReplayOptions};
use uuid::Uuid;

use crate::helpers::spawn_log;
use crate::records::{charge, hold, payment, request};

#[tokio::test]
async fn a_withdrawal_folded_first_refuses_its_request_for_good_and_a_later_copy_is_dropped() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule = log.open_schedule(2).await;
    let (fan, other) = (Uuid::new_v4(), Uuid::new_v4());
    let reservation = Uuid::now_v7();
    let withdrawn_hold = request(&hold(schedule, reservation, fan, 1, 10));
    let withdrawn_payment = request(&payment(schedule, Uuid::now_v7(), reservation, fan, 11));
    // The withdrawals land first; the requests they withdraw after them,
    // as an unconfirmed append that reaches the broker late would.
    for request in [&withdrawn_hold, &withdrawn_payment] {
        let withdrawal = schemas::withdrawal(request, Utc::now()).unwrap();
        log.append_envelope(&withdrawal).await;
    }
    log.append_envelope(&withdrawn_hold).await;
    log.append_envelope(&withdrawn_payment).await;
    let rival = log.ask(hold(schedule, Uuid::now_v7(), other, 1, 12)).await;

    for request in [&withdrawn_hold, &withdrawn_payment] {
        let decision = log.decision(request.event_id).await;
        assert_eq!(
            decision.verdict,
            Verdict::Refused(ErrorCode::Unavailable),
            "{decision:?}"
        );
    }
    // The seat was never taken by the withdrawn hold: the next fan gets it.
    let decision = log.decision(rival).await;
    assert_eq!(decision.verdict, Verdict::Accepted, "{decision:?}");
    log.settled().await;
    // Its poll reads a final refusal, and the late copy changed nothing.
    let rejected = log
        .count(&format!(
            "SELECT count(*) FROM reservations WHERE reservation_id = '{reservation}' \
             AND status = 'REJECTED' AND rejection_code = 'UNAVAILABLE'"
        ))
        .await;
    assert_eq!(rejected, 1);
    let failed = log
        .count(
            "SELECT count(*) FROM payments WHERE status = 'FAILED' AND failure_code = 'UNAVAILABLE'",
        )
        .await;
    assert_eq!(failed, 1);
    projector.stop().await;

    let live = log.checksum().await;
    let replayed = replay::run(
        &log.env.settings.database,
        &log.env.settings.kafka,
        ReplayOptions {
            schema: Some("replay_withdrawals".into()),
            ..Default::default()
        },
    )
    .await
    .expect("the replay runs");
    assert_eq!(replayed.checksum, live, "a replay decides the same");
}

#[tokio::test]
async fn a_request_folded_first_stands_and_its_withdrawal_changes_nothing() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let user = Uuid::new_v4();
    let top_up = request(&charge(user, 7_000));
    log.append_envelope(&top_up).await;
    let withdrawal = schemas::withdrawal(&top_up, Utc::now()).unwrap();
    log.append_envelope(&withdrawal).await;
    // Withdrawn twice (a retried append of the withdrawal): still nothing.
    log.append_envelope(&withdrawal).await;
    let after = log.ask(charge(user, 1_000)).await;

    let decision = log.decision(top_up.event_id).await;
    assert_eq!(decision.verdict, Verdict::Accepted, "{decision:?}");
    log.decision(after).await;
    log.settled().await;
    let balance = log
        .count(&format!(
            "SELECT balance FROM wallets WHERE user_id = '{user}'"
        ))
        .await;
    assert_eq!(balance, 8_000);
    let outcomes = log
        .count(&format!(
            "SELECT count(*) FROM command_outcomes WHERE command_id = '{}' AND outcome = 'ACCEPTED'",
            top_up.event_id
        ))
        .await;
    assert_eq!(outcomes, 1);
    projector.stop().await;
}
