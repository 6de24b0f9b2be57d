//! Redis: the one connection type every service and feature uses, and the
//! one key space they all name keys in.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::thread::ThreadId;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisError, RedisResult};

use crate::config::RedisSettings;
use crate::flight::SingleFlight;

mod round_trips;
pub use round_trips::{round_trips, ROUND_TRIP_BYTES};

/// Connecting, and any one command, give up after this long unless the
/// caller bounds the whole operation more tightly (`Redis::bounded`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1);

/// A client for the configured Redis: `rediss://` URLs verify the server
/// against `REDIS_TLS_CA_FILE` when it is set, else the system's roots.
pub fn client(settings: &RedisSettings) -> RedisResult<redis::Client> {
    let Some(ca_file) = &settings.ca_file else {
        return redis::Client::open(settings.url.as_str());
    };
    let root_cert = std::fs::read(ca_file).map_err(|error| {
        RedisError::from((
            ErrorKind::InvalidClientConfig,
            "cannot read REDIS_TLS_CA_FILE",
            format!("{}: {error}", ca_file.display()),
        ))
    })?;
    redis::Client::build_with_tls(
        settings.url.as_str(),
        redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root_cert),
        },
    )
}

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
/// recovers by itself when Redis comes back. Cheap to clone.
///
/// One multiplexed connection per thread that uses it (an actix worker, a
/// runtime thread), driven on that thread: a reply wakes the request where
/// it runs instead of hopping through another worker's queue. Connecting
/// never retries with backoff (even one retry sleeps about a second): a
/// refused connection fails at once and the next call tries again; once
/// made, a connection reconnects by itself after errors.
#[derive(Clone)]
pub struct Redis {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    keys: KeySpace,
    timeout: Duration,
    connections: RwLock<HashMap<ThreadId, ConnectionManager>>,
    /// One attempt to connect at a time per thread, shared by its waiters.
    connecting: SingleFlight<Result<ConnectionManager, String>>,
}

impl Redis {
    pub fn new(settings: &RedisSettings) -> RedisResult<Self> {
        Self::with_timeout(settings, DEFAULT_TIMEOUT)
    }

    /// As `new`, with connecting and each command bounded by `timeout`.
    pub fn with_timeout(settings: &RedisSettings, timeout: Duration) -> RedisResult<Self> {
        Ok(Self::from_client(
            client(settings)?,
            KeySpace::new(settings.key_prefix.clone()),
            timeout,
        ))
    }

    pub fn from_client(client: redis::Client, keys: KeySpace, timeout: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                client,
                keys,
                timeout,
                connections: RwLock::new(HashMap::new()),
                connecting: SingleFlight::default(),
            }),
        }
    }

    pub fn keys(&self) -> &KeySpace {
        &self.inner.keys
    }

    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The client, for what a multiplexed connection cannot carry
    /// (pub/sub subscriptions).
    pub fn client(&self) -> &redis::Client {
        &self.inner.client
    }

    /// This thread's connection, a cheap clone. Callers arriving while it
    /// is being made share that one attempt and its failure.
    pub async fn connection(&self) -> RedisResult<ConnectionManager> {
        let thread = std::thread::current().id();
        {
            let connections = self
                .inner
                .connections
                .read()
                .unwrap_or_else(|e| e.into_inner());
            if let Some(connection) = connections.get(&thread) {
                return Ok(connection.clone());
            }
        }
        let timeout = self.inner.timeout;
        let attempt = self
            .inner
            .connecting
            .run(&format!("{thread:?}"), || async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(timeout)
                    .set_response_timeout(timeout)
                    .set_number_of_retries(0);
                ConnectionManager::new_with_config(self.inner.client.clone(), config)
                    .await
                    .map_err(|e| e.to_string())
            })
            .await;
        match attempt.value {
            Ok(connection) => {
                let mut connections = self
                    .inner
                    .connections
                    .write()
                    .unwrap_or_else(|e| e.into_inner());
                connections.insert(thread, connection.clone());
                Ok(connection)
            }
            Err(reason) => Err(RedisError::from((
                ErrorKind::IoError,
                "cannot connect",
                reason,
            ))),
        }
    }

    /// Runs `operation` with a connection, connecting first if need be; the
    /// whole thing, connecting included, gets at most the timeout, so a
    /// caller never hangs on a Redis that does not answer.
    pub async fn bounded<T, E, F, Fut>(&self, operation: F) -> Result<T, Bounded<E>>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: From<RedisError>,
    {
        let attempt = async {
            let connection = self.connection().await.map_err(E::from)?;
            operation(connection).await
        };
        match tokio::time::timeout(self.inner.timeout, attempt).await {
            Ok(result) => result.map_err(Bounded::Failed),
            Err(_) => Err(Bounded::TimedOut(self.inner.timeout)),
        }
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

/// How a bounded operation failed.
#[derive(Debug)]
pub enum Bounded<E> {
    Failed(E),
    TimedOut(Duration),
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
