//! Leases that cannot lapse under work: a batch longer than the lease
//! session may stay silent keeps its partitions, because the session is
//! renewed while the batch runs.

use std::time::Duration;

use infra::kafka::TopicPartition;
use projector::pipeline::{renewing, PartitionLeases};

use crate::helpers::{spawn_log, TestLog};

/// Postgres ends a lease session silent for this long (15 s in
/// production; short here so the test is).
const IDLE_TIMEOUT: Duration = Duration::from_secs(3);
/// A batch well past the idle timeout: a long rebuild, as far as the
/// leases can tell.
const LONG_BATCH: Duration = Duration::from_secs(7);

fn leases(log: &TestLog) -> PartitionLeases {
    let mut leases = PartitionLeases::new(log.env.settings.database.connect_options(), "leases")
        .with_idle_timeout(IDLE_TIMEOUT);
    leases.set_partitions(vec![
        TopicPartition::new("orders", 0),
        TopicPartition::new("orders", 1),
    ]);
    leases
}

#[tokio::test]
async fn a_batch_longer_than_the_idle_timeout_keeps_its_leases() {
    let log = spawn_log().await;
    let mut owner = leases(&log);
    assert_eq!(owner.tick().await.gained.len(), 2);

    let answer = renewing(&mut owner, async {
        tokio::time::sleep(LONG_BATCH).await;
        "committed"
    })
    .await;
    assert_eq!(answer, "committed");

    // Nothing was lost, and the locks are still held: a newcomer finds
    // no partition free (its share would be one).
    assert!(owner.tick().await.is_empty());
    assert_eq!(owner.owned().count(), 2);
    let mut rival = leases(&log);
    let rival_took = rival.tick().await;
    assert!(rival_took.gained.is_empty(), "{rival_took:?}");
}

/// The same batch without renewals loses the leases: what the test above
/// guards against is real.
#[tokio::test]
async fn without_renewals_the_same_batch_outlives_its_leases() {
    let log = spawn_log().await;
    let mut owner = leases(&log);
    assert_eq!(owner.tick().await.gained.len(), 2);

    tokio::time::sleep(LONG_BATCH).await;

    let mut rival = leases(&log);
    assert_eq!(rival.tick().await.gained.len(), 2, "the leases lapsed");
    let lost = owner.tick().await.lost;
    assert_eq!(lost.len(), 2, "{lost:?}");
}

/// A session that dies while a batch runs (Postgres restarted, the
/// connection cut) is noticed by a renewal; the next tick reports its
/// partitions lost, so their state is dropped, then takes them again on a
/// new session.
#[tokio::test]
async fn leases_whose_session_dies_during_a_batch_are_reported_lost_after_it() {
    let log = spawn_log().await;
    let mut owner = leases(&log);
    assert_eq!(owner.tick().await.gained.len(), 2);

    let pool = log.pool.clone();
    renewing(&mut owner, async move {
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_locks
             WHERE locktype = 'advisory' AND pid <> pg_backend_pid()
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .execute(&pool)
        .await
        .unwrap();
        // Long enough for a renewal to find the session gone.
        tokio::time::sleep(Duration::from_secs(3)).await;
    })
    .await;

    let handover = owner.tick().await;
    assert_eq!(handover.lost.len(), 2, "{handover:?}");
    assert_eq!(handover.gained.len(), 2, "{handover:?}");
    assert_eq!(owner.owned().count(), 2);
}
