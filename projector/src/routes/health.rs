//! `/healthz`, `/readyz`, `/metrics` and `/openapi.json` are served by
//! `infra::http`; this module decides what "ready" means here: the
//! projector reads Kafka, writes Postgres and keeps Redis warm.

use infra::http::{Readiness, DEFAULT_PROBE_TIMEOUT};
use infra::kafka::BrokerProbe;
use infra::redis::Redis;
use sqlx::PgPool;

pub fn readiness(pool: &PgPool, redis: &Redis, broker: &BrokerProbe) -> Readiness {
    let (pool, redis, broker) = (pool.clone(), redis.clone(), broker.clone());
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
}
