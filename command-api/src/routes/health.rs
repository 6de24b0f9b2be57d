//! `/healthz`, `/readyz`, `/metrics` and `/openapi.json` are served by
//! `infra::http`; this module decides what "ready" means here: the command
//! path needs Kafka to append, Postgres to decide and keep idempotency
//! keys, and Redis for decisions and the waiting queue.

use infra::http::{Readiness, DEFAULT_PROBE_TIMEOUT};
use infra::kafka::BrokerProbe;
use infra::redis::Redis;
use sqlx::PgPool;
use waiting_room::Queue;

pub fn readiness(pool: &PgPool, redis: &Redis, broker: &BrokerProbe, queue: &Queue) -> Readiness {
    let (pool, redis, broker, queue) = (pool.clone(), redis.clone(), broker.clone(), queue.clone());
    Readiness::new(DEFAULT_PROBE_TIMEOUT)
        .probe("kafka", move || {
            let broker = broker.clone();
            async move { broker.check(DEFAULT_PROBE_TIMEOUT).await }
        })
        .probe("postgres", move || {
            let pool = pool.clone();
            async move { infra::postgres::check(&pool, DEFAULT_PROBE_TIMEOUT).await }
        })
        .probe("redis", move || {
            let redis = redis.clone();
            async move { redis.ping(DEFAULT_PROBE_TIMEOUT).await }
        })
        .probe("queue", move || {
            let queue = queue.clone();
            async move { queue.ping().await.map_err(|error| error.to_string()) }
        })
}
