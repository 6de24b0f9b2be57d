use infra::decision::Verdict;
use schemas::{follow_up_event_id, OPEN_INVENTORY_STEP};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{concert, exported, outcome, request, schedule, spawn_log};

#[tokio::test]
async fn catalog_requests_are_decided_and_an_accepted_schedule_opens_its_inventory() {
    let log = spawn_log().await;
    let projector = log.spawn_projector().await;
    let (concert_id, schedule_id) = (Uuid::now_v7(), Uuid::now_v7());

    // No concert yet: the schedule is refused and nothing is opened.
    let orphan = log.ask(schedule(concert_id, Uuid::now_v7(), 2)).await;
    let decision = log.decision(orphan).await;
    assert_eq!(outcome(&decision), "NOT_FOUND");
    assert_eq!(decision.user_id, None);

    let registered = log.ask(concert(concert_id, "Spring Tour")).await;
    let decision = log.decision(registered).await;
    assert_eq!(decision.verdict, Verdict::Accepted);
    assert_eq!(decision.body, json!({ "concert_id": concert_id }));
    // The same registration again (another event id) answers the same;
    // the same id for something else is a bug upstream.
    let again = log.ask(concert(concert_id, "Spring Tour")).await;
    assert_eq!(outcome(&log.decision(again).await), "ACCEPTED");
    let clash = log.ask(concert(concert_id, "Autumn Tour")).await;
    assert_eq!(outcome(&log.decision(clash).await), "INTERNAL");

    let added = request(&schedule(concert_id, schedule_id, 3));
    log.append_envelope(&added).await;
    let decision = log.decision(added.event_id).await;
    assert_eq!(decision.body, json!({ "schedule_id": schedule_id }));

    let opened: Vec<_> = exported(&log, Some("concert.reservations.v1"))
        .await
        .into_iter()
        .filter(|line| line["envelope"]["event_type"] == "SeatInventoryOpened")
        .collect();
    assert_eq!(opened.len(), 1, "{opened:?}");
    let envelope = &opened[0]["envelope"];
    assert_eq!(
        envelope["event_id"],
        follow_up_event_id(added.event_id, OPEN_INVENTORY_STEP).to_string()
    );
    assert_eq!(envelope["causation_id"], added.event_id.to_string());
    assert_eq!(envelope["key"], schedule_id.to_string());

    crate::helpers::eventually("the seats of the opened schedule", || async {
        log.count(&format!(
            "SELECT count(*) FROM schedule_seats WHERE schedule_id = '{schedule_id}' AND status = 'AVAILABLE'"
        ))
        .await
            == 3
    })
    .await;
    assert_eq!(log.count("SELECT count(*) FROM schedules").await, 1);
    projector.stop().await;
}
