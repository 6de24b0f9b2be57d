//! How long entries live and when they are refreshed, under the protected
//! strategy (the naive one keeps its flat TTL: see `naive`).
//!
//! An entry is *fresh* until `fresh_until` (the TTL, jittered so entries
//! loaded together do not expire together, or the end of the booking
//! window it belongs to, whichever is later). After that it stays in Redis
//! for a grace period in which it is served *stale* while one loader
//! refreshes it. Shortly before `fresh_until`, each read refreshes it early
//! with a probability that rises as expiry nears and with how long the
//! load takes (XFetch: Vattani, Chierichetti, Lowenstein, "Optimal
//! Probabilistic Cache Stampede Prevention", VLDB 2015).

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

/// Spread of TTLs around the configured one: ±10 %.
const JITTER: f64 = 0.1;
/// XFetch's β: 1 is the paper's optimum for an exponential arrival process.
const XFETCH_BETA: f64 = 1.0;
/// How long "nothing here" is remembered (the catalog writes through over it).
const ABSENCE_TTL_MS: i64 = 5_000;

/// Freshness and lifetime of one write, in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    pub fresh_until_ms: i64,
    /// The Redis PX.
    pub expire_ms: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    ttl_ms: i64,
}

impl Policy {
    /// With `CACHE_TTL_SECONDS`.
    pub fn new(ttl_seconds: u64) -> Self {
        Self {
            ttl_ms: i64::try_from(ttl_seconds.saturating_mul(1000)).unwrap_or(i64::MAX),
        }
    }

    /// The lifetime of an entry written at `now_ms`.
    pub fn lifetime(&self, now_ms: i64, not_found: bool, hot_until_ms: Option<i64>) -> Lifetime {
        let (ttl, fresh) = if not_found {
            let ttl = ABSENCE_TTL_MS.min(self.ttl_ms);
            (ttl, ttl)
        } else {
            (self.ttl_ms, jittered(self.ttl_ms))
        };
        let fresh = fresh.max(hot_until_ms.map_or(0, |until| until - now_ms));
        Lifetime {
            fresh_until_ms: now_ms + fresh,
            expire_ms: fresh + grace(ttl),
        }
    }
}

/// How long a stale entry may still be served while it is refreshed.
fn grace(ttl_ms: i64) -> i64 {
    (ttl_ms / 5).clamp(1_000, 60_000)
}

fn jittered(ttl_ms: i64) -> i64 {
    let spread = (ttl_ms as f64 * JITTER) as i64;
    if spread == 0 {
        return ttl_ms.max(1);
    }
    (ttl_ms - spread + (random() * (2 * spread) as f64) as i64).max(1)
}

/// XFetch: refresh now, ahead of `fresh_until`, with probability
/// `exp(-(fresh_until - now) / (β · delta))`.
pub fn refresh_early(now_ms: i64, fresh_until_ms: i64, delta_ms: u32) -> bool {
    let delta = f64::from(delta_ms.max(1));
    // 1 - random() is in (0, 1], so its log is finite.
    let gap = -delta * XFETCH_BETA * (1.0 - random()).ln();
    now_ms as f64 + gap >= fresh_until_ms as f64
}

thread_local! {
    static STATE: Cell<u64> = Cell::new({
        let seed = RandomState::new().build_hasher().finish();
        seed | 1
    });
}

/// Uniform 64 bits; xorshift64*, per thread: no lock, no syscall.
pub fn random_u64() -> u64 {
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    })
}

/// Uniform in [0, 1).
pub fn random() -> f64 {
    (random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_jittered_around_the_ttl_and_cover_the_booking_window() {
        let policy = Policy::new(300);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let life = policy.lifetime(0, false, None);
            assert!(
                (270_000..=330_000).contains(&life.fresh_until_ms),
                "{life:?}"
            );
            assert_eq!(life.expire_ms, life.fresh_until_ms + 60_000);
            seen.insert(life.fresh_until_ms);
        }
        assert!(seen.len() > 1, "no jitter");
        let hot = policy.lifetime(0, false, Some(3_600_000));
        assert_eq!(hot.fresh_until_ms, 3_600_000);
        assert_eq!(policy.lifetime(0, true, None).fresh_until_ms, 5_000);
    }

    #[test]
    fn early_refresh_only_happens_near_expiry() {
        let near = (0..1000)
            .filter(|_| refresh_early(9_990, 10_000, 10))
            .count();
        let far = (0..1000).filter(|_| refresh_early(0, 10_000, 10)).count();
        assert!(near > 200, "{near}");
        assert_eq!(far, 0);
        assert!(refresh_early(10_000, 10_000, 10));
    }
}
