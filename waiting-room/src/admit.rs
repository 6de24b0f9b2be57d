//! One admission step: purge lapsed, abandoned and idle places, then move users
//! from the head of the line into the active set, within the rate and cap.

use std::time::Duration;

use uuid::Uuid;

use super::admission::{Admission, Admitted};
use super::error::QueueError;
use super::scripts::ADMIT;
use super::settings::millis;
use super::store::Store;

type AdmitReply = (i64, i64, i64, i64, i64, Vec<(String, i64)>, i64);

/// The admission rate of one step: per second, and the most one step may
/// release after a quiet spell (one second's worth).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pace {
    pub per_second: u32,
    pub burst: u32,
}

impl Pace {
    /// The configured fixed rate and burst.
    pub fn fixed(settings: &super::settings::QueueSettings) -> Self {
        Self {
            per_second: settings.admit_per_second,
            burst: settings.admit_burst,
        }
    }

    /// A controller's rate: a second's worth of burst.
    pub fn adaptive(per_second: u32) -> Self {
        Self {
            per_second: per_second.max(1),
            burst: per_second.max(1),
        }
    }
}

/// `owner` non-empty: admit only while that owner holds the lease.
pub(crate) async fn admit_step(
    inner: &Store,
    owner: &str,
    pace: Pace,
) -> Result<Admission, QueueError> {
    let settings = &inner.settings;
    let keys = &inner.keys;
    let ended_ttl = inner.ended_record_ttl_ms();
    let reply: AdmitReply = inner
        .run(|mut connection| async move {
            let mut invocation = ADMIT.prepare_invoke();
            invocation
                .key(&keys.line)
                .key(&keys.seen)
                .key(&keys.active)
                .key(&keys.admissions)
                .key(&keys.bucket)
                .key(&keys.lease)
                .key(&keys.active_seen)
                .arg(&keys.base)
                .arg(owner)
                .arg(settings.active_max)
                .arg(pace.per_second)
                .arg(pace.burst)
                .arg(millis(settings.active_ttl))
                .arg(millis(settings.waiting_idle_timeout))
                .arg(millis(settings.rate_window))
                .arg(settings.admit_batch_max)
                .arg(ended_ttl)
                .arg(millis(settings.active_idle_timeout));
            Ok(invocation.invoke_async(&mut connection).await?)
        })
        .await?;
    let (led, lapsed, abandoned, active, waiting, admitted, idle) = reply;
    let admitted = admitted
        .into_iter()
        .map(|(user_id, waited_ms)| {
            Ok(Admitted {
                user_id: Uuid::parse_str(&user_id)
                    .map_err(|_| QueueError::Reply(format!("user id {user_id:?}")))?,
                waited: Duration::from_millis(u64::try_from(waited_ms).unwrap_or(0)),
            })
        })
        .collect::<Result<_, QueueError>>()?;
    let count = |value: i64| u64::try_from(value).unwrap_or(0);
    Ok(Admission {
        led: led == 1,
        admitted,
        lapsed: count(lapsed),
        abandoned: count(abandoned),
        idle: count(idle),
        active: count(active),
        waiting: count(waiting),
    })
}
