//! 500 concurrent reads of one cold seat map, on two instances, with
//! Postgres answering a little slowly (as under load), so the reads arrive
//! while the first load is still running. Protected: at most one Postgres
//! load per instance, by the service's count and by Postgres's own; naive
//! (the original design): one per miss, i.e. many.

use futures::future::join_all;
use serde_json::Value;

use crate::helpers::{spawn_app_behind_proxy, TestApp};
use crate::seed;

const READS: usize = 500;
const SEATS: i32 = 200;
/// Added to every answer from Postgres.
const POSTGRES_DELAY_MS: u64 = 10;

struct Storm {
    bodies: Vec<Value>,
    /// Postgres loads per instance, as the service counts them.
    loads: [u64; 2],
    /// Seat-map queries Postgres ran, by its own statistics.
    scans: i64,
}

async fn storm(strategy: &str) -> Storm {
    let first = spawn_app_behind_proxy(&[("CACHE_STRATEGY", strategy)]).await;
    let second = first.another_instance().await;
    let (_, schedule) = seed::open_schedule(&first.pool, SEATS).await;
    seed::sell(&first.pool, schedule, 7).await;
    let (user, token) = first.admitted_user().await;
    let path = format!("/v1/schedules/{schedule}/seats");
    let scans_before = first.table_scans("schedules").await;
    first.proxy().slow_down(POSTGRES_DELAY_MS);

    let apps: [&TestApp; 2] = [&first, &second];
    let reads = (0..READS).map(|i| {
        let (app, path, token) = (apps[i % 2], &path, &token);
        async move {
            let (status, body) = app.get_as(path, user, Some(token)).await;
            assert_eq!(status, 200, "{body}");
            body
        }
    });
    let bodies = join_all(reads).await;

    first.proxy().slow_down(0);
    let loads = [first.loads("seats").await, second.loads("seats").await];
    let scans = first.table_scans("schedules").await - scans_before;
    Storm {
        bodies,
        loads,
        scans,
    }
}

#[tokio::test]
async fn a_cold_seat_map_read_500_times_at_once_loads_once_per_instance() {
    let storm = storm("protected").await;
    let expected = &storm.bodies[0];
    assert_eq!(expected["seats"].as_array().unwrap().len(), SEATS as usize);
    assert_eq!(expected["seats"][6]["status"], "SOLD");
    assert_eq!(expected["seats"][7]["status"], "AVAILABLE");
    assert!(
        storm.bodies.iter().all(|body| body == expected),
        "answers differ"
    );
    let [one, two] = storm.loads;
    assert!(one <= 1 && two <= 1, "loads per instance: {one}, {two}");
    assert!(one + two >= 1);
    assert_eq!(
        storm.scans as u64,
        one + two,
        "Postgres ran {} seat-map queries",
        storm.scans
    );
}

#[tokio::test]
async fn the_naive_strategy_loads_once_per_miss() {
    let storm = storm("naive").await;
    assert!(storm.bodies.iter().all(|body| body == &storm.bodies[0]));
    let loads = storm.loads[0] + storm.loads[1];
    assert!(loads >= 20, "only {loads} loads");
    assert_eq!(storm.scans as u64, loads);
    eprintln!("naive: {loads} Postgres loads for {READS} reads");
}
