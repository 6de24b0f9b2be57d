//! The background admitter. Every instance may run one; the lease makes sure
//! only one admits at a time, and the others take over within `lease_ttl` if
//! it dies. Followers still refresh the queue-size gauges every tick.
//!
//! With adaptive admission the leader also steps the rate controller once a
//! control period on the booking signal, and files the step in Redis, where
//! a new leader resumes from it and followers read it for their gauges.

use std::time::Instant;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use uuid::Uuid;

use super::admission::Admission;
use super::admit::{admit_step, Pace};
use super::control::{
    ControlRecord, Demand, RateControl, RateController, CONTROL_PERIOD, SIGNAL_WINDOW,
};
use super::control_record::{load_record, save_record};
use super::error::QueueError;
use super::handle::Queue;
use super::lease::{hold_lease, release_lease};
use super::signal::read_signal;

pub struct Admitter {
    queue: Queue,
    owner: String,
    leading: bool,
    failing: bool,
    /// `None` with fixed admission.
    controller: Option<RateController>,
    /// Whether the controller has taken over the rate filed in Redis since
    /// this admitter last became the leader.
    resumed: bool,
    next_control: Instant,
    /// Fans this admitter admitted since the last control step, and when
    /// that step was.
    admitted_since_control: u64,
    last_control: Instant,
    /// Which room goes first next tick.
    rotation: usize,
}

/// Periods the controller holds after a cut: as long as the window it
/// reads, so the cut shows in the signal before the next verdict.
const SETTLE_PERIODS: u32 = (SIGNAL_WINDOW.as_secs() / CONTROL_PERIOD.as_secs()) as u32;

impl Admitter {
    pub fn new(queue: Queue) -> Self {
        let settings = queue.settings();
        let controller = match settings.rate_control {
            RateControl::Fixed => None,
            RateControl::Adaptive(targets) => Some(RateController::new(
                targets,
                settings.admit_per_second,
                f64::from(targets.floor_per_second),
                SETTLE_PERIODS,
            )),
        };
        Self {
            queue,
            owner: Uuid::new_v4().to_string(),
            leading: false,
            failing: false,
            controller,
            resumed: false,
            next_control: Instant::now(),
            admitted_since_control: 0,
            last_control: Instant::now(),
            rotation: 0,
        }
    }

    /// Admissions per second in use now.
    pub fn rate(&self) -> u32 {
        self.pace().per_second
    }

    fn pace(&self) -> Pace {
        match &self.controller {
            Some(controller) => Pace::adaptive(controller.rate()),
            None => Pace::fixed(self.queue.settings()),
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

    async fn try_tick(&mut self) -> Result<Admission, QueueError> {
        hold_lease(self.queue.store(), &self.owner).await?;
        // Followers run the step too: fenced off by the lease check inside the
        // script, it admits nobody but reports the sizes for the gauges.
        self.rotation = self.rotation.wrapping_add(1);
        let admission =
            admit_step(self.queue.store(), &self.owner, self.pace(), self.rotation).await?;
        self.admitted_since_control += admission.admitted.len() as u64;
        let now = Instant::now();
        if now >= self.next_control {
            self.next_control = now + CONTROL_PERIOD;
            self.control(&admission).await?;
        }
        Ok(admission)
    }

    /// One control period: the leader steps the controller on the booking
    /// signal and files the step; a follower reads what the leader filed.
    async fn control(&mut self, admission: &Admission) -> Result<(), QueueError> {
        let demand = self.demand(admission);
        let store = self.queue.store();
        let settings = &store.settings;
        let RateControl::Adaptive(targets) = settings.rate_control else {
            let record = ControlRecord {
                rate: f64::from(settings.admit_per_second),
                verdict: "fixed".into(),
                ..ControlRecord::default()
            };
            store.metrics.control(&record, None);
            return Ok(());
        };
        let Some(controller) = self.controller.as_mut() else {
            return Ok(());
        };
        if !admission.led {
            self.resumed = false;
            if let Some(record) = load_record(store).await? {
                store.metrics.control(&record, Some(targets.p95_ms));
            }
            return Ok(());
        }
        if !self.resumed {
            if let Some(record) = load_record(store).await? {
                controller.resume(record.rate, record.proven, record.waiting);
            }
            self.resumed = true;
        }
        let reading = read_signal(store, SIGNAL_WINDOW).await?;
        let verdict = controller.step(&reading, demand);
        let verdict: &'static str = verdict.into();
        let record = ControlRecord {
            rate: f64::from(controller.rate()),
            p95_ms: reading.p95_ms,
            in_flight: reading.in_flight,
            lag_records: reading.lag_records,
            samples: reading.samples,
            verdict: verdict.into(),
            proven: controller.proven(),
            waiting: demand.waiting,
        };
        save_record(store, &record).await?;
        store.metrics.control(&record, Some(targets.p95_ms));
        store.metrics.control_step(verdict);
        tracing::debug!(rate = record.rate, p95_ms = ?record.p95_ms, in_flight = record.in_flight, samples = record.samples, verdict, "admission control step");
        Ok(())
    }

    /// The line and this admitter's admissions per second since the last
    /// control step (a leader admits alone, so its own are all there were).
    fn demand(&mut self, admission: &Admission) -> Demand {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last_control).as_secs_f64();
        let admitted = std::mem::take(&mut self.admitted_since_control);
        self.last_control = now;
        Demand {
            waiting: admission.waiting,
            admitted_per_second: admitted as f64 / elapsed.max(1e-3),
        }
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
