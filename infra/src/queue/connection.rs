//! A Redis connection that is made on first use and remade after failures,
//! so an instance starts (and answers 503) while Redis is down instead of
//! refusing to boot, and every operation is bounded in time.

use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::error::QueueError;

pub(crate) struct RedisLink {
    client: redis::Client,
    manager: OnceCell<ConnectionManager>,
    timeout: Duration,
}

impl RedisLink {
    pub fn new(client: redis::Client, timeout: Duration) -> Self {
        Self {
            client,
            manager: OnceCell::new(),
            timeout,
        }
    }

    /// Runs `operation` with a connection, connecting first if need be; the
    /// whole thing, connecting included, gets at most `timeout`.
    pub async fn run<T, F, Fut>(&self, operation: F) -> Result<T, QueueError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, QueueError>>,
    {
        let attempt = async {
            let connection = self.connection().await?;
            operation(connection).await
        };
        tokio::time::timeout(self.timeout, attempt)
            .await
            .map_err(|_| QueueError::Timeout(self.timeout))?
    }

    async fn connection(&self) -> Result<ConnectionManager, QueueError> {
        let manager = self
            .manager
            .get_or_try_init(|| {
                // No retries with backoff (even one sleeps about a second):
                // a refused connection answers 503 at once and the next
                // request tries again. Once connected, the manager reconnects
                // by itself after errors, the same way.
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout)
                    .set_number_of_retries(0);
                ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await?;
        Ok(manager.clone())
    }
}
