//! The controller's record filed in Redis (`control` hash) and read back.

use std::collections::HashMap;

use redis::AsyncCommands;

use crate::control::ControlRecord;
use crate::error::QueueError;
use crate::store::Store;

/// The record outlives a stopped stack by a day: a restarted one starts
/// from the rate it had rather than the floor, yet a stale figure goes.
const RECORD_TTL_SECONDS: i64 = 24 * 60 * 60;

pub(crate) async fn save_record(store: &Store, record: &ControlRecord) -> Result<(), QueueError> {
    let key = store.keys.key("control");
    let fields = [
        ("rate", record.rate.to_string()),
        (
            "p95_ms",
            record.p95_ms.map(|p95| p95.to_string()).unwrap_or_default(),
        ),
        ("in_flight", record.in_flight.to_string()),
        (
            "lag_records",
            record
                .lag_records
                .map(|lag| lag.to_string())
                .unwrap_or_default(),
        ),
        ("samples", record.samples.to_string()),
        ("verdict", record.verdict.clone()),
        (
            "proven",
            record
                .proven
                .map(|proven| proven.to_string())
                .unwrap_or_default(),
        ),
        ("waiting", record.waiting.to_string()),
    ];
    store
        .run(|mut connection| async move {
            redis::pipe()
                .hset_multiple(&key, &fields)
                .ignore()
                .expire(&key, RECORD_TTL_SECONDS)
                .ignore()
                .query_async::<()>(&mut connection)
                .await?;
            Ok(())
        })
        .await
}

pub(crate) async fn load_record(store: &Store) -> Result<Option<ControlRecord>, QueueError> {
    let key = store.keys.key("control");
    let fields: HashMap<String, String> = store
        .run(|mut connection| async move { Ok(connection.hgetall(&key).await?) })
        .await?;
    let Some(rate) = fields.get("rate").and_then(|rate| rate.parse().ok()) else {
        return Ok(None);
    };
    let number = |name: &str| fields.get(name).and_then(|value| value.parse().ok());
    Ok(Some(ControlRecord {
        rate,
        p95_ms: number("p95_ms").map(|p95: f64| p95 as u64),
        in_flight: number("in_flight").unwrap_or(0.0),
        lag_records: number("lag_records"),
        samples: number("samples")
            .map(|samples: f64| samples as u64)
            .unwrap_or(0),
        verdict: fields.get("verdict").cloned().unwrap_or_default(),
        proven: number("proven"),
        waiting: number("waiting")
            .map(|waiting: f64| waiting as u64)
            .unwrap_or(0),
    }))
}
