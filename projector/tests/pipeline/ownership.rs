//! Partition ownership between projector processes: shared evenly, and a
//! SIGKILLed process's partitions taken over at once by the survivors.

use crate::helpers::{eventually, sample, spawn_log};
use crate::process::ProjectorProcess;

async fn owned(projector: &ProjectorProcess) -> f64 {
    sample(
        &projector.metrics().await,
        "ticketfold_projector_partitions_owned",
    )
}

#[tokio::test]
async fn partitions_are_shared_and_a_sigkilled_owner_is_replaced_at_once() {
    let log = spawn_log().await;
    let counts = log.env.settings.kafka.partitions;
    let total = f64::from(counts.catalog + counts.reservations + counts.wallets);

    let first = log.spawn_projector_process().await;
    eventually("the only projector owns every partition", || async {
        owned(&first).await == total
    })
    .await;

    let second = log.spawn_projector_process().await;
    eventually("two projectors split the partitions evenly", || async {
        let (a, b) = (owned(&first).await, owned(&second).await);
        a + b == total && (a - b).abs() <= 1.0
    })
    .await;

    first.sigkill();
    eventually("the survivor owns every partition", || async {
        owned(&second).await == total
    })
    .await;
    // And it folds them: a schedule opened now is projected.
    log.open_schedule(4).await;
    second.terminate().await;
}
