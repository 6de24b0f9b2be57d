//! The one clock commands are stamped by: Postgres's, read through the
//! offset between it and this host's clock. Every decision that depends on
//! time (booking open yet? hold lapsed?) is taken at a command's stamp, so
//! stamps from hosts whose clocks disagree would let the one running ahead
//! open booking early for its callers, or take a seat from a hold that is
//! still live by its promised `expires_at`. Measured against the database
//! every API instance already talks to, the stamps of all instances agree
//! to within a round trip, whatever their own clocks say.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Reads this host's wall clock (swapped only to run a service on a
/// skewed clock in tests).
pub type HostClock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Round trips per calibration; the shortest one's midpoint is kept.
const SAMPLES: usize = 3;

#[derive(Clone)]
pub struct ReferenceClock {
    host: HostClock,
    /// Postgres's time minus this host's, in microseconds.
    offset_us: Arc<AtomicI64>,
    calibrated: Arc<AtomicBool>,
}

impl std::fmt::Debug for ReferenceClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceClock")
            .field("offset_us", &self.offset_us.load(Ordering::Relaxed))
            .field("calibrated", &self.calibrated())
            .finish()
    }
}

impl Default for ReferenceClock {
    fn default() -> Self {
        Self::on_host(Arc::new(Utc::now))
    }
}

impl ReferenceClock {
    /// Uncalibrated: reads `host` as it is until `calibrate` succeeds.
    pub fn on_host(host: HostClock) -> Self {
        Self {
            host,
            offset_us: Arc::default(),
            calibrated: Arc::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.host)() + chrono::Duration::microseconds(self.offset_us.load(Ordering::Relaxed))
    }

    /// Postgres's time minus this host's, as last measured.
    pub fn offset(&self) -> chrono::Duration {
        chrono::Duration::microseconds(self.offset_us.load(Ordering::Relaxed))
    }

    /// False until a calibration has succeeded: stamps are the host's own.
    pub fn calibrated(&self) -> bool {
        self.calibrated.load(Ordering::Relaxed)
    }

    /// Measures the offset against `pool`'s server and keeps it: the
    /// server's `clock_timestamp()` against the midpoint of the shortest of
    /// a few round trips, so the error is at most half that round trip.
    pub async fn calibrate(&self, pool: &PgPool) -> Result<chrono::Duration, sqlx::Error> {
        let mut best: Option<(chrono::Duration, chrono::Duration)> = None;
        for _ in 0..SAMPLES {
            let sent = (self.host)();
            let server: DateTime<Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
                .fetch_one(pool)
                .await?;
            let received = (self.host)();
            let round_trip = received - sent;
            let offset = server - (sent + round_trip / 2);
            if best.is_none_or(|(_, shortest)| round_trip < shortest) {
                best = Some((offset, round_trip));
            }
        }
        let (offset, _) = best.expect("at least one sample");
        self.offset_us.store(
            offset.num_microseconds().unwrap_or(i64::MAX),
            Ordering::Relaxed,
        );
        self.calibrated.store(true, Ordering::Relaxed);
        Ok(offset)
    }

    /// Calibrates every `every` until the process ends, showing the offset
    /// in `gauge` (seconds); a failure keeps the last offset (clocks drift
    /// by milliseconds a day, not in seconds).
    pub fn keep_calibrated(
        &self,
        pool: PgPool,
        every: Duration,
        gauge: prometheus::Gauge,
    ) -> tokio::task::JoinHandle<()> {
        let clock = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let measured = clock.calibrate(&pool).await;
                gauge.set(clock.offset().num_microseconds().unwrap_or(0) as f64 / 1e6);
                match measured {
                    Ok(offset) if offset.num_seconds().abs() >= 1 => {
                        tracing::warn!(offset_ms = offset.num_milliseconds(), "this host's clock is off the database's; commands are stamped by the database's")
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, calibrated = clock.calibrated(), "cannot measure the clock offset; keeping the last one")
                    }
                }
            }
        })
    }
}
