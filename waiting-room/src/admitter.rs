//! The background admitter. Every instance may run one; the lease makes sure
//! only one admits at a time, and the others take over within `lease_ttl` if
//! it dies. Followers still refresh the queue-size gauges every tick.

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use uuid::Uuid;

use super::admission::Admission;
use super::admit::admit_step;
use super::error::QueueError;
use super::handle::Queue;
use super::lease::{hold_lease, release_lease};

pub struct Admitter {
    queue: Queue,
    owner: String,
    leading: bool,
    failing: bool,
}

impl Admitter {
    pub fn new(queue: Queue) -> Self {
        Self {
            queue,
            owner: Uuid::new_v4().to_string(),
            leading: false,
            failing: false,
        }
    }

    /// Whether this admitter held the lease at its last tick.
    pub fn is_leading(&self) -> bool {
        self.leading
    }

    /// One tick: take or renew the lease, then admit if it is held. The
    /// admission script checks the lease again (fencing), so a tick that lost
    /// the lease in between admits nobody.
    pub async fn tick(&mut self) -> Result<Admission, QueueError> {
        let result = self.try_tick().await;
        match &result {
            Ok(admission) => {
                self.queue.store().metrics.record(admission);
                self.set_leading(admission.led);
                if self.failing {
                    tracing::info!("queue admitter reaches redis again");
                    self.failing = false;
                }
            }
            Err(error) => {
                self.set_leading(false);
                if !self.failing {
                    // Logged once per outage, not ten times a second.
                    tracing::warn!(error = %error, "queue admitter cannot reach redis");
                    self.failing = true;
                }
            }
        }
        result
    }

    async fn try_tick(&self) -> Result<Admission, QueueError> {
        hold_lease(self.queue.store(), &self.owner).await?;
        // Followers run the step too: fenced off by the lease check inside the
        // script, it admits nobody but reports the sizes for the gauges.
        admit_step(self.queue.store(), &self.owner).await
    }

    /// Gives the lease up, if held, so another instance takes over at once.
    pub async fn release(&mut self) -> Result<(), QueueError> {
        let released = release_lease(self.queue.store(), &self.owner).await;
        self.set_leading(false);
        released.map(|_| ())
    }

    /// Runs ticks in a tokio task until `AdmitterHandle::shutdown` (or until
    /// the handle is dropped), then releases the lease.
    pub fn spawn(mut self) -> AdmitterHandle {
        let (stop, mut stopped) = watch::channel(false);
        let period = self.queue.settings().tick;
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = ticks.tick() => {
                        // Errors are logged by `tick`; the next tick retries.
                        let _ = self.tick().await;
                    }
                }
            }
            if let Err(error) = self.release().await {
                tracing::warn!(error = %error, "queue admitter could not release its lease");
            }
        });
        AdmitterHandle { stop, task }
    }

    fn set_leading(&mut self, leading: bool) {
        if leading != self.leading {
            tracing::info!(owner = %self.owner, leading, "queue admission lease changed hands");
        }
        self.leading = leading;
        self.queue.store().metrics.lease_held(leading);
    }
}

/// Stops a spawned admitter.
pub struct AdmitterHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl AdmitterHandle {
    /// Lets the tick in progress finish (bounded by the Redis timeout),
    /// releases the lease and waits for the task to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::warn!(error = %error, "queue admitter task ended abnormally");
        }
    }
}
