//! Shared by the queue tests: a private key prefix per test against the real
//! Redis at TEST_REDIS_URL, removed again when the test ends (even by panic).

#![allow(dead_code)]

use std::time::Duration;

use prometheus::Registry;
use uuid::Uuid;
use waiting_room::{Queue, QueueSettings};

pub const SECRET: &[u8] = b"queue-tests-secret-0123456789abcdef-xyz";

pub fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// Settings where only the cap limits admission: the rate budget refills
/// faster than any test can spend it.
pub fn cap_only(active_max: u32) -> QueueSettings {
    let mut settings = QueueSettings::new(active_max, 1_000_000, Duration::from_secs(600), SECRET);
    settings.admit_burst = 1_000_000;
    settings
}

/// A key prefix of its own; its keys are deleted on drop.
pub struct Prefix(pub String);

impl Prefix {
    pub fn new() -> Self {
        Self(format!("t{}:", Uuid::new_v4().simple()))
    }

    pub fn queue(&self, settings: QueueSettings) -> Queue {
        self.queue_with(settings, &Registry::new())
    }

    pub fn queue_with(&self, settings: QueueSettings, registry: &Registry) -> Queue {
        let client = redis::Client::open(redis_url()).expect("TEST_REDIS_URL parses");
        Queue::new(client, &self.0, settings, registry).expect("queue builds")
    }

    /// A plain connection for looking at the queue from outside.
    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(redis_url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .expect("redis is reachable")
    }

    pub async fn active_count(&self) -> u64 {
        let mut redis = self.redis().await;
        redis::cmd("ZCARD")
            .arg(format!("{}queue:active", self.0))
            .query_async(&mut redis)
            .await
            .unwrap()
    }

    pub async fn waiting_count(&self) -> u64 {
        let mut redis = self.redis().await;
        redis::cmd("ZCARD")
            .arg(format!("{}queue:line", self.0))
            .query_async(&mut redis)
            .await
            .unwrap()
    }
}

impl Drop for Prefix {
    fn drop(&mut self) {
        let Ok(client) = redis::Client::open(redis_url()) else {
            return;
        };
        let Ok(mut redis) = client.get_connection() else {
            return;
        };
        let mut keys: Vec<String> = Vec::new();
        let mut cursor = 0u64;
        while let Ok((next, batch)) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{}*", self.0))
            .arg("COUNT")
            .arg(1000)
            .query::<(u64, Vec<String>)>(&mut redis)
        {
            keys.extend(batch);
            if next == 0 {
                break;
            }
            cursor = next;
        }
        for chunk in keys.chunks(500) {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(chunk).query(&mut redis);
        }
    }
}

/// The current value of an unlabelled metric in `registry` (0 when absent).
pub fn metric(registry: &Registry, name: &str) -> f64 {
    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .expect("metrics encode");
    text.lines()
        .filter_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .filter_map(|value| value.trim().parse().ok())
        .next()
        .unwrap_or(0.0)
}
