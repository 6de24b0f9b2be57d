//! Files this instance's booking signal in Redis once a second.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::flight::BookingSignal;
use crate::error::QueueError;
use crate::handle::Queue;
use crate::scripts::SIGNAL_REPORT;
use crate::settings::millis;
use crate::store::Store;

/// Reports are filed per second; a second's hash lives this long, well past
/// the window the controller reads.
const REPORT_TTL: Duration = Duration::from_secs(30);
const EVERY: Duration = Duration::from_secs(1);

/// Adds what `signal` counted since its last drain to the current second.
pub async fn report_signal(queue: &Queue, signal: &BookingSignal) -> Result<(), QueueError> {
    file(queue.store(), signal).await
}

async fn file(store: &Store, signal: &BookingSignal) -> Result<(), QueueError> {
    let counts = signal.drain();
    let in_flight = signal.in_flight();
    let base = &store.keys.root;
    store
        .run(|mut connection| async move {
            let mut invocation = SIGNAL_REPORT.prepare_invoke();
            invocation.arg(base).arg(millis(REPORT_TTL)).arg(in_flight);
            for count in counts {
                invocation.arg(count);
            }
            let _: i64 = invocation.invoke_async(&mut connection).await?;
            Ok(())
        })
        .await
}

/// The reporting task of one instance.
pub struct SignalReporter {
    task: JoinHandle<()>,
}

impl SignalReporter {
    pub fn spawn(queue: Queue, signal: BookingSignal) -> Self {
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(EVERY);
            every.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let mut failing = false;
            loop {
                every.tick().await;
                match report_signal(&queue, &signal).await {
                    Ok(()) if failing => {
                        tracing::info!("booking signal reaches redis again");
                        failing = false;
                    }
                    Ok(()) => {}
                    Err(error) => {
                        // That second's counts are lost; the controller reads
                        // a window of several, so one gap only thins it.
                        if !failing {
                            tracing::warn!(%error, "cannot report the booking signal");
                            failing = true;
                        }
                    }
                }
            }
        });
        Self { task }
    }

    pub fn stop(self) {
        self.task.abort();
    }
}
