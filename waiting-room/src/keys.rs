//! Where the queue lives in Redis. Everything sits under `<prefix>queue:`:
//!
//! | key | type | holds |
//! |---|---|---|
//! | `seq` | string | arrival counter; a join's number is its place in line |
//! | `line` | zset | waiting users: member user id, score arrival number |
//! | `seen` | zset | waiting users: member user id, score last poll (ms) |
//! | `active` | zset | admitted users: member user id, score lapse time (ms) |
//! | `active_seen` | zset | admitted users: member user id, score last guarded request (ms), or a live hold's expiry |
//! | `user:<user_id>` | string | the user's current token id |
//! | `token:<token_id>` | hash | `user` (owner), `iat`, `seq`, and once decided `admitted`, `lapse` |
//! | `admissions` | zset | member arrival number, score admission time (ms): the measured rate |
//! | `bucket` | hash | admission token bucket: `tokens`, `ts` |
//! | `lease` | string | owner id of the admitter allowed to admit, with a PX expiry |
//! | `signal:<second>` | hash | the booking signal filed in that second (Redis clock): `reports`, `in_flight`, latency counts `b0`..`bN` |
//! | `control` | hash | the admission controller's last step: `rate`, `p95_ms`, `in_flight`, `samples`, `verdict` |
//!
//! Per-user and per-token keys are derived inside most scripts from `base`;
//! the ACTIVE check is given them as keys, as Redis prefers.
//! On Redis Cluster put a hash tag in the prefix (e.g. `{tf}:`) so every key
//! of the queue lands in one slot, as the scripts need.

use infra::redis::KeySpace;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub(crate) struct QueueKeys {
    pub base: String,
    pub seq: String,
    pub line: String,
    pub seen: String,
    pub active: String,
    pub active_seen: String,
    pub admissions: String,
    pub bucket: String,
    pub lease: String,
}

impl QueueKeys {
    pub fn new(space: &KeySpace) -> Self {
        let base = space.key(&["queue", ""]);
        let key = |name: &str| format!("{base}{name}");
        Self {
            seq: key("seq"),
            line: key("line"),
            seen: key("seen"),
            active: key("active"),
            active_seen: key("active_seen"),
            admissions: key("admissions"),
            bucket: key("bucket"),
            lease: key("lease"),
            base,
        }
    }

    /// Any other key of the queue, e.g. `control`.
    pub fn key(&self, name: &str) -> String {
        format!("{}{name}", self.base)
    }

    /// `user:<user_id>`, for the scripts that are given it rather than `base`.
    pub fn user(&self, user_id: Uuid) -> String {
        format!("{}user:{user_id}", self.base)
    }

    /// `token:<token_id>`, likewise.
    pub fn token(&self, token_id: Uuid) -> String {
        format!("{}token:{token_id}", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_sits_under_the_prefix() {
        let keys = QueueKeys::new(&KeySpace::new("t42:"));
        assert_eq!(keys.base, "t42:queue:");
        for key in [
            &keys.seq,
            &keys.line,
            &keys.seen,
            &keys.active,
            &keys.active_seen,
            &keys.admissions,
            &keys.bucket,
            &keys.lease,
        ] {
            assert!(key.starts_with("t42:queue:"), "{key}");
        }
        let id = Uuid::nil();
        assert_eq!(keys.user(id), format!("t42:queue:user:{id}"));
        assert_eq!(keys.token(id), format!("t42:queue:token:{id}"));
    }
}
