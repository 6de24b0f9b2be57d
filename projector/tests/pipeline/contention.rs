use futures::future::join_all;
use uuid::Uuid;

use crate::helpers::{exported, hold, outcome, request, spawn_log};

#[tokio::test]
async fn of_200_holds_on_one_seat_the_first_in_partition_order_wins() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let schedule_id = log.open_schedule(3).await;

    // Same seat, same moment: only the order on the log can tell them apart.
    let requests: Vec<_> = (0..200)
        .map(|_| request(&hold(schedule_id, Uuid::now_v7(), Uuid::now_v7(), 2, 10)))
        .collect();
    join_all(requests.iter().map(|r| log.append_envelope(r))).await;
    let decisions = join_all(requests.iter().map(|r| log.decision(r.event_id))).await;

    let winners: Vec<_> = decisions
        .iter()
        .filter(|d| outcome(d) == "ACCEPTED")
        .collect();
    assert_eq!(winners.len(), 1, "exactly one hold wins");
    let losers = decisions
        .iter()
        .filter(|d| outcome(d) == "SEAT_UNAVAILABLE")
        .count();
    assert_eq!(losers, 199);

    // Read the partition back: the winner is the first of the 200 on it.
    let first_on_log = exported(&log, Some("concert.reservations.v1"))
        .await
        .into_iter()
        .filter(|line| {
            line["envelope"]["event_type"] == "SeatHoldRequested"
                && line["key"] == schedule_id.to_string()
        })
        .min_by_key(|line| line["offset"].as_i64().unwrap())
        .expect("the holds are on the log");
    assert_eq!(
        first_on_log["envelope"]["event_id"],
        winners[0].command_id.to_string()
    );
    let holder: Option<Uuid> = sqlx::query_scalar(
        "SELECT reservation_id FROM schedule_seats WHERE schedule_id = $1 AND seat_number = 2",
    )
    .bind(schedule_id)
    .fetch_one(&log.pool)
    .await
    .unwrap();
    assert_eq!(
        holder.map(|id| id.to_string()),
        first_on_log["envelope"]["data"]["reservation_id"]
            .as_str()
            .map(str::to_owned)
    );
    projector.stop().await;
}
