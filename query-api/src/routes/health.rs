//! `/healthz`, `/readyz`, `/metrics` and `/openapi.json` are served by
//! `infra::http`; this module decides what "ready" means here: reads come
//! from Redis, with Postgres read tables behind it.

use infra::http::{Readiness, DEFAULT_PROBE_TIMEOUT};
use infra::redis::Redis;
use sqlx::PgPool;

pub fn readiness(pool: &PgPool, redis: &Redis) -> Readiness {
    let (pool, redis) = (pool.clone(), redis.clone());
    Readiness::new(DEFAULT_PROBE_TIMEOUT)
        .probe("postgres", move || {
            let pool = pool.clone();
            async move { infra::postgres::check(&pool, DEFAULT_PROBE_TIMEOUT).await }
        })
        .probe("redis", move || {
            let redis = redis.clone();
            async move { redis.ping(DEFAULT_PROBE_TIMEOUT).await }
        })
}
