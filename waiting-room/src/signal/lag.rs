//! The projector's share of the booking signal: how far behind the log it
//! is. A projector files its lag once a second; the admitter backs off when
//! the fold falls behind, however fast commands are still answered.

use std::time::Duration;

use infra::redis::Redis;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::error::QueueError;
use crate::keys::QueueKeys;
use crate::scripts::SIGNAL_LAG;
use crate::settings::millis;

const REPORT_TTL: Duration = Duration::from_secs(30);
const EVERY: Duration = Duration::from_secs(1);

/// Files a projector's lag in the booking signal. Like `Departures`, it
/// needs only Redis: a projector builds no `Queue`.
#[derive(Clone)]
pub struct LagReport {
    redis: Redis,
    keys: QueueKeys,
}

impl LagReport {
    pub fn new(redis: Redis) -> Self {
        let keys = QueueKeys::new(redis.keys());
        Self { redis, keys }
    }

    /// Adds `records` not yet folded to the current second.
    pub async fn file(&self, records: u64) -> Result<(), QueueError> {
        let base = &self.keys.root;
        self.redis
            .bounded(|mut connection| async move {
                let _: i64 = SIGNAL_LAG
                    .prepare_invoke()
                    .arg(base)
                    .arg(millis(REPORT_TTL))
                    .arg(records)
                    .invoke_async(&mut connection)
                    .await?;
                Ok::<_, QueueError>(())
            })
            .await?;
        Ok(())
    }

    /// Files `lag()` every second until the task is aborted.
    pub fn spawn(self, lag: impl Fn() -> u64 + Send + 'static) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(EVERY);
            every.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let mut failing = false;
            loop {
                every.tick().await;
                match self.file(lag()).await {
                    Ok(()) => failing = false,
                    Err(error) if !failing => {
                        tracing::warn!(%error, "cannot file the projector's lag in the booking signal");
                        failing = true;
                    }
                    Err(_) => {}
                }
            }
        })
    }
}
