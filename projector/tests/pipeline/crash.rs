use schemas::Envelope;

use crate::helpers::{eventually, exported, sample, spawn_log};
use crate::workload::{assert_books_balance, Workload};

#[tokio::test]
async fn a_projector_sigkilled_mid_run_resumes_to_what_a_clean_replay_builds() {
    let log = spawn_log().await;
    let projector = log.spawn_projector_process().await;
    // The run: 2,000 requests from 200 users over 3 schedules.
    let schedules = [
        log.open_schedule(40).await,
        log.open_schedule(40).await,
        log.open_schedule(40).await,
    ];
    let workload = Workload::cycles(&schedules, 200, 40, 7, 2);
    assert_eq!(workload.len(), 2_000);
    for round in 0..3 {
        workload.append_round(&log, round).await;
    }
    // Mid-saga: some payments through, more in flight.
    eventually("some payments to complete", || async {
        log.count("SELECT count(*) FROM payments WHERE status = 'COMPLETED'")
            .await
            > 0
    })
    .await;
    projector.sigkill();

    for round in 3..8 {
        workload.append_round(&log, round).await;
    }
    // Settling within the test's patience means the new process got the
    // dead one's partitions at once, not after a group-membership timeout.
    let restarted = log.spawn_projector_process().await;
    log.settled().await;

    let decided: i64 =
        sqlx::query_scalar("SELECT count(*) FROM command_outcomes WHERE command_id = ANY($1)")
            .bind(workload.command_ids())
            .fetch_one(&log.pool)
            .await
            .unwrap();
    assert_eq!(
        decided as usize,
        workload.len(),
        "every request is answered"
    );
    assert_books_balance(&log).await;

    let live = projector::checksum::compute(&projector::checksum::pool_for(
        &log.env.settings.database,
        None,
    ))
    .await
    .unwrap();
    let replayed = projector::replay::run(
        &log.env.settings.database,
        &log.env.settings.kafka,
        Default::default(),
    )
    .await
    .expect("the replay runs");
    assert_eq!(
        replayed.checksum, live,
        "the live tables are what the log says"
    );
    assert!(live.rows.iter().any(|(t, n)| *t == "payments" && *n > 0));
    let metrics = restarted.metrics().await;
    assert!(
        sample(&metrics, "ticketfold_projector_state_rebuild_records_total") > 0.0,
        "the new projector rebuilt its state from the log: {metrics}"
    );

    // A re-run after a crash appends the same follow-ups once more (same
    // event ids): they are absorbed, nothing moves.
    let follow_ups: Vec<Envelope> = exported(&log, None)
        .await
        .into_iter()
        .filter(|line| !line["envelope"]["causation_id"].is_null())
        .map(|line| serde_json::from_value(line["envelope"].clone()).unwrap())
        .collect();
    assert!(follow_ups.len() > 4, "{follow_ups:?}");
    for follow_up in &follow_ups {
        log.append_envelope(follow_up).await;
    }
    log.settled().await;
    assert_books_balance(&log).await;
    let after = projector::checksum::compute(&projector::checksum::pool_for(
        &log.env.settings.database,
        None,
    ))
    .await
    .unwrap();
    assert_eq!(after, live, "re-produced follow-ups change nothing");
    restarted.terminate().await;
}
