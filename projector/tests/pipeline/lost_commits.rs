//! The fold's commits do not wait for the disk (`PROJECTOR_SYNCHRONOUS_COMMIT`
//! is `off` by default): a Postgres crash may lose its last commits, leaving
//! the tables at an earlier point of the log than Redis, the announcements
//! and the saga follow-ups already appended. A copy of the database taken
//! earlier is exactly such a state. A projector folding on from it must
//! reach the tables the lost commits held, decision for decision, with no
//! follow-up applied twice.

use crate::helpers::{spawn_log, total};
use crate::workload::{assert_books_balance, Workload};

const DUPLICATES: &str = "ticketfold_projector_duplicate_records_total";

#[tokio::test]
async fn commits_a_crash_lost_are_folded_again_from_the_log_to_the_same_tables() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedules = [log.open_schedule(8).await, log.open_schedule(8).await];
    let workload = Workload::cycles(&schedules, 12, 8, 11, 2);
    for round in 0..4 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    projector.stop().await;
    // What Postgres keeps if it loses every commit from here on.
    let kept = log.database_copy().await;
    let confirmed_then = kept
        .count("SELECT count(*) FROM payments WHERE status = 'COMPLETED'")
        .await;

    let projector = log.spawn_projector().await;
    for round in 4..8 {
        workload.append_round(&log, round).await;
    }
    log.settled().await;
    projector.stop().await;
    let lost = log.checksum().await;
    let confirmed = log
        .count("SELECT count(*) FROM payments WHERE status = 'COMPLETED'")
        .await;
    assert!(
        confirmed > confirmed_then,
        "the lost commits completed payments, whose follow-ups are in the log"
    );

    // Postgres is back with only what it kept: the projector folds the tail
    // again, appends the same follow-ups again, and drops them as seen.
    let again = kept.spawn_projector().await;
    kept.settled().await;
    let duplicates = total(&again.metrics().await, DUPLICATES);
    again.stop().await;
    assert!(
        duplicates > 0.0,
        "the follow-ups appended again were dropped as seen"
    );
    assert_eq!(kept.checksum().await, lost);
    assert_books_balance(&kept).await;
}
