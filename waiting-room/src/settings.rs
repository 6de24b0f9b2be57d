//! The queue's tunables. `infra::config` maps the QUEUE_* environment
//! variables into `QueueSettings::new`; everything else has a default that
//! suits production and can be overridden field by field (tests shorten TTLs).

use std::fmt;
use std::time::Duration;

use infra::config::AdmissionMode;

use super::pacing::{ControlTargets, RateControl};
use super::token_keys::TokenKeys;

/// Default grace of a waiting fan who stopped polling.
pub const DEFAULT_WAITING_GRACE: Duration = Duration::from_secs(60);
/// Default lead of a room's pre-queue before its booking opens.
pub const DEFAULT_PREQUEUE_LEAD: Duration = Duration::from_secs(30 * 60);
/// Default time to answer a proof-of-work challenge.
pub const DEFAULT_CHALLENGE_TTL: Duration = Duration::from_secs(120);
/// Default idle period after which an ACTIVE fan gives the slot back.
pub const DEFAULT_ACTIVE_IDLE: Duration = Duration::from_secs(120);

#[derive(Clone)]
pub struct QueueSettings {
    /// Users ACTIVE at once (QUEUE_ACTIVE_MAX).
    pub active_max: u32,
    /// New admissions per second, cluster-wide (QUEUE_ADMIT_PER_SECOND): the
    /// fixed rate, or the ceiling of the adaptive one.
    pub admit_per_second: u32,
    /// Fixed, or adaptive with its targets (QUEUE_ADMISSION). `new` makes it
    /// fixed, as tests of the admission mechanics expect.
    pub rate_control: RateControl,
    /// How long an admitted token stays ACTIVE (QUEUE_ACTIVE_TTL_SECONDS).
    pub active_ttl: Duration,
    /// HMAC keys for tokens and challenges: one signs, all verify
    /// (QUEUE_TOKEN_SECRET, QUEUE_TOKEN_KEYS, QUEUE_TOKEN_SIGNING_KEY).
    pub token_keys: TokenKeys,
    /// Token-bucket capacity: the most admissions one tick may release after a
    /// quiet spell. One second's worth keeps bursts short but lets a hand-over
    /// or a slow tick catch up.
    pub admit_burst: u32,
    /// The grace of a waiting fan (QUEUE_WAITING_GRACE_SECONDS): one who has
    /// not polled (issued or checked their token) for this long has left;
    /// the admitter drops the place (the token then reads EXPIRED) and
    /// positions and ETAs count only fans still there. A few poll intervals
    /// with a floor (`infra::config::MIN_WAITING_GRACE_SECONDS`, enforced
    /// where the variable is read; tests may go shorter), so a throttled
    /// background tab that polls about once a minute keeps its place.
    pub waiting_idle_timeout: Duration,
    /// An ACTIVE fan who does nothing guarded (no seat-map read, hold,
    /// release or payment) for this long gives the slot back before
    /// `active_ttl` (QUEUE_ACTIVE_IDLE_SECONDS). A hold pushes the fan's
    /// activity mark to the hold's expiry (`Queue::keep_active_until`), so a
    /// fan holding a seat keeps the slot until the hold is paid, released or
    /// lapses, and this long after.
    pub active_idle_timeout: Duration,
    /// How long before a schedule's booking opens its room takes fans
    /// (QUEUE_PREQUEUE_LEAD_SECONDS); they are placed at random at the opening.
    pub prequeue_lead: Duration,
    /// Window over which the admission rate behind `eta_seconds` is measured.
    pub rate_window: Duration,
    /// How often the admitter wakes up.
    pub tick: Duration,
    /// How long the admission lease lives without renewal; another instance
    /// takes over this long after the holder dies.
    pub lease_ttl: Duration,
    /// Upper bound on one queue operation against Redis, connecting included.
    /// Past it the caller gets `503 UNAVAILABLE`, never a hang.
    pub redis_timeout: Duration,
    /// Most users one admission step moves, so one script never blocks Redis
    /// for long whatever the rate and cap are.
    pub admit_batch_max: u32,
    /// Proof-of-work difficulty of a token request where the room sets none
    /// (QUEUE_CHALLENGE_BITS); 0 asks for no proof.
    pub challenge_bits: u8,
    /// How long an issued challenge may be answered: long enough for a slow
    /// phone at the highest sensible difficulty, short enough that a solved
    /// one cannot be stockpiled for a later on-sale.
    pub challenge_ttl: Duration,
}

impl QueueSettings {
    pub fn new(
        active_max: u32,
        admit_per_second: u32,
        active_ttl: Duration,
        token_secret: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            active_max,
            admit_per_second,
            rate_control: RateControl::Fixed,
            active_ttl,
            token_keys: TokenKeys::single(token_secret),
            admit_burst: admit_per_second.max(1),
            waiting_idle_timeout: DEFAULT_WAITING_GRACE,
            active_idle_timeout: DEFAULT_ACTIVE_IDLE,
            prequeue_lead: DEFAULT_PREQUEUE_LEAD,
            rate_window: Duration::from_secs(60),
            tick: Duration::from_millis(100),
            lease_ttl: Duration::from_secs(2),
            redis_timeout: Duration::from_secs(1),
            admit_batch_max: 500,
            challenge_bits: 0,
            challenge_ttl: DEFAULT_CHALLENGE_TTL,
        }
    }

    /// The tunables the environment sets (QUEUE_*, through `infra::config`);
    /// everything else keeps the production defaults of `new`.
    pub fn from_config(config: &infra::config::QueueSettings) -> Self {
        let mut settings = Self::new(
            config.active_max,
            config.admit_per_second,
            Duration::from_secs(config.active_ttl_seconds),
            config.token_keys.signing_secret().expose().as_bytes(),
        );
        settings.token_keys = TokenKeys::from_config(&config.token_keys);
        settings.rate_control = match config.admission {
            AdmissionMode::Fixed => RateControl::Fixed,
            AdmissionMode::Adaptive => RateControl::Adaptive(ControlTargets {
                p95_ms: config.target_p95_ms,
                in_flight: config.target_in_flight,
                lag_records: config.target_lag_records,
                floor_per_second: config.admit_floor_per_second,
            }),
        };
        settings.waiting_idle_timeout = Duration::from_secs(config.waiting_grace_seconds);
        settings.active_idle_timeout = Duration::from_secs(config.active_idle_seconds);
        settings.prequeue_lead = Duration::from_secs(config.prequeue_lead_seconds);
        settings.challenge_bits = config.challenge_bits;
        settings
    }

    /// Checks what the scripts rely on; `Queue::new` refuses anything else.
    pub fn validate(&self) -> Result<(), String> {
        let positive = [
            ("active_max", u64::from(self.active_max)),
            ("admit_per_second", u64::from(self.admit_per_second)),
            ("admit_burst", u64::from(self.admit_burst)),
            ("admit_batch_max", u64::from(self.admit_batch_max)),
            ("active_ttl", millis(self.active_ttl)),
            ("waiting_idle_timeout", millis(self.waiting_idle_timeout)),
            ("active_idle_timeout", millis(self.active_idle_timeout)),
            ("rate_window", millis(self.rate_window)),
            ("tick", millis(self.tick)),
            ("lease_ttl", millis(self.lease_ttl)),
            ("redis_timeout", millis(self.redis_timeout)),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(format!("{name} must be positive"));
        }
        self.token_keys.check()?;
        if self.lease_ttl <= self.tick {
            return Err(
                "lease_ttl must be longer than tick, or the lease lapses between renewals".into(),
            );
        }
        Ok(())
    }
}

/// Whole milliseconds, the unit every script works in.
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl fmt::Debug for QueueSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueSettings")
            .field("active_max", &self.active_max)
            .field("admit_per_second", &self.admit_per_second)
            .field("rate_control", &self.rate_control)
            .field("active_ttl", &self.active_ttl)
            .field("token_keys", &self.token_keys)
            .field("admit_burst", &self.admit_burst)
            .field("waiting_idle_timeout", &self.waiting_idle_timeout)
            .field("active_idle_timeout", &self.active_idle_timeout)
            .field("prequeue_lead", &self.prequeue_lead)
            .field("rate_window", &self.rate_window)
            .field("tick", &self.tick)
            .field("lease_ttl", &self.lease_ttl)
            .field("redis_timeout", &self.redis_timeout)
            .field("admit_batch_max", &self.admit_batch_max)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> QueueSettings {
        QueueSettings::new(1000, 50, Duration::from_secs(600), vec![7u8; 32])
    }

    #[test]
    fn defaults_from_plain_values_are_valid() {
        let settings = settings();
        assert_eq!(settings.admit_burst, 50);
        assert_eq!(settings.validate(), Ok(()));
    }

    #[test]
    fn short_secret_and_zero_limits_are_refused() {
        let mut short = settings();
        short.token_keys = TokenKeys::single(b"too short".to_vec());
        assert!(short.validate().unwrap_err().contains("token_secret"));
        let mut zero = settings();
        zero.active_max = 0;
        assert!(zero.validate().unwrap_err().contains("active_max"));
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let printed = format!("{:?}", settings());
        assert!(printed.contains("TokenKeys"));
        assert!(!printed.contains("[7, 7"));
    }
}
