//! Records handed off by their appender, as command-api hands them off
//! (`infra::handoff`), are folded as they arrive rather than after the
//! broker's fetch: once each, and deciding what a replay of the log
//! decides.

use infra::decision::Verdict;
use infra::handoff::Handoffs;
use infra::redis::Redis;
use projector::replay::{self, ReplayOptions};
use uuid::Uuid;

use crate::helpers::{charge, hold, payment, spawn_log_with, total, TestLog};
use crate::workload::assert_books_balance;

const FANS: i64 = 4;

async fn accepted(log: &TestLog, command_id: Uuid) {
    let decision = log.decision(command_id).await;
    assert_eq!(decision.verdict, Verdict::Accepted, "{decision:?}");
}

#[tokio::test]
async fn records_handed_off_are_folded_as_they_arrive_once_each_and_replay_the_same() {
    // A fetch wait of seconds: tansu sleeps it out, so there a record is
    // fetched seconds after its hand-off, and every hand-off below arrives
    // first. (A broker that answers at once could fetch some first; they
    // would then be folded from the fetch and their hand-offs dropped.)
    let log = spawn_log_with(&[("KAFKA_FETCH_WAIT_MS", "2000")]).await;
    let projector = log.spawn_projector().await;
    // Folded from the fetch: from here the projector folds the schedule's
    // reservations partition and the fans' wallets partitions, so it knows
    // where they stand.
    let schedule_id = log.open_schedule(FANS).await;
    let fans: Vec<Uuid> = (0..FANS).map(|_| Uuid::now_v7()).collect();
    for fan in &fans {
        accepted(&log, log.ask(charge(*fan, 100_000)).await).await;
    }
    let handoffs = Handoffs::start(Redis::new(&log.env.settings.redis).unwrap());
    let before = projector.metrics().await;

    for (seat, fan) in (1..).zip(&fans) {
        let reservation = Uuid::now_v7();
        let held = log
            .ask_handing_off(hold(schedule_id, reservation, *fan, seat, 10), &handoffs)
            .await;
        accepted(&log, held).await;
        let paid = log
            .ask_handing_off(
                payment(schedule_id, Uuid::now_v7(), reservation, *fan, 20),
                &handoffs,
            )
            .await;
        accepted(&log, paid).await;
    }
    log.settled().await;

    let after = projector.metrics().await;
    let delta = |family: &str| total(&after, family) - total(&before, family);
    assert_eq!(
        delta("ticketfold_projector_handoffs_folded_total"),
        (2 * FANS) as f64,
        "every hold and payment folded as it was handed off: {after}"
    );
    // Once each: the copies fetched later were passed over, not folded
    // again. Every record appended meanwhile is a request handed off or a
    // payment's follow-up.
    assert!(delta("ticketfold_projector_follow_ups_total") >= (2 * FANS) as f64);
    assert_eq!(
        delta("ticketfold_projector_events_folded_total"),
        (2 * FANS) as f64 + delta("ticketfold_projector_follow_ups_total"),
        "{after}"
    );
    assert_eq!(
        delta("ticketfold_projector_duplicate_records_total"),
        0.0,
        "{after}"
    );
    let sold = log
        .count("SELECT count(*) FROM schedule_seats WHERE status = 'SOLD'")
        .await;
    assert_eq!(sold, FANS);
    projector.stop().await;
    assert_books_balance(&log).await;

    let live = log.checksum().await;
    let report = replay::run(
        &log.env.settings.database,
        &log.env.settings.kafka,
        ReplayOptions {
            schema: Some("replay_handoffs".into()),
            ..Default::default()
        },
    )
    .await
    .expect("the replay runs");
    assert_eq!(report.checksum, live);
}
