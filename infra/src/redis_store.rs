//! Redis: a lazily connected, self-healing connection and key naming.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, RedisResult};
use tokio::sync::OnceCell;

use crate::config::RedisSettings;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Names keys under the configured prefix, so several deployments (and
/// parallel tests) share one Redis without colliding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpace {
    prefix: String,
}

impl KeySpace {
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// `key(&["schedule", id, "seats"])` is `<prefix>schedule:<id>:seats`.
    pub fn key(&self, parts: &[&str]) -> String {
        format!("{}{}", self.prefix, parts.join(":"))
    }

    /// A pattern matching every key of this space, for SCAN.
    pub fn pattern(&self) -> String {
        format!(
            "{}*",
            self.prefix
                .replace('*', "\\*")
                .replace('?', "\\?")
                .replace('[', "\\[")
        )
    }
}

/// A Redis connection made on first use rather than at start-up, so a
/// service whose Redis is down still starts, answers `/readyz` with 503 and
/// recovers by itself when Redis comes back.
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    manager: Arc<OnceCell<ConnectionManager>>,
    keys: KeySpace,
}

impl RedisStore {
    pub fn new(settings: &RedisSettings) -> RedisResult<Self> {
        Ok(Self {
            client: redis::Client::open(settings.url.as_str())?,
            manager: Arc::new(OnceCell::new()),
            keys: KeySpace::new(settings.key_prefix.clone()),
        })
    }

    pub fn keys(&self) -> &KeySpace {
        &self.keys
    }

    /// A cheap clone of the shared multiplexed connection. Commands on it
    /// fail after a bounded response timeout rather than hanging.
    pub async fn connection(&self) -> RedisResult<ConnectionManager> {
        let manager = self
            .manager
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(CONNECT_TIMEOUT)
                    .set_response_timeout(RESPONSE_TIMEOUT)
                    .set_number_of_retries(1)
                    .set_max_delay(500);
                ConnectionManager::new_with_config(self.client.clone(), config).await
            })
            .await?;
        Ok(manager.clone())
    }

    /// Readiness: a PING answered within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), String> {
        let round_trip = async {
            let mut conn = self.connection().await?;
            redis::cmd("PING").query_async::<String>(&mut conn).await
        };
        match tokio::time::timeout(timeout, round_trip).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(describe(&e)),
            Err(_) => Err(format!("no answer within {} ms", timeout.as_millis())),
        }
    }
}

fn describe(error: &RedisError) -> String {
    if error.is_connection_refusal() || error.is_io_error() {
        format!("unreachable: {error}")
    } else {
        error.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::KeySpace;

    #[test]
    fn keys_are_prefixed() {
        let keys = KeySpace::new("tf:");
        assert_eq!(
            keys.key(&["schedule", "42", "seats"]),
            "tf:schedule:42:seats"
        );
        assert_eq!(keys.pattern(), "tf:*");
    }
}
