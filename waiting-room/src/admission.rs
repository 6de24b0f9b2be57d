//! One admission step: from the head of the line into the active set.

use std::time::Duration;

use uuid::Uuid;

use super::error::QueueError;
use super::handle::Queue;
use super::scripts::ADMIT;
use super::settings::millis;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    pub user_id: Uuid,
    /// From joining the line to admission.
    pub waited: Duration,
}

/// What one step did, and the queue's size right after it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admission {
    /// False when the step was fenced off: another admitter holds the lease.
    pub led: bool,
    /// In line order.
    pub admitted: Vec<Admitted>,
    /// Active tokens that had lapsed and gave their slots back.
    pub lapsed: u64,
    /// Waiting users who stopped polling and lost their place.
    pub abandoned: u64,
    pub active: u64,
    pub waiting: u64,
}

type AdmitReply = (i64, i64, i64, i64, i64, Vec<(String, i64)>);

impl Queue {
    /// One step without the lease, for tests and operator tools. It is still
    /// safe beside running admitters: the cap and the token bucket live in
    /// Redis and the step is one atomic script.
    pub async fn admit_once(&self) -> Result<Admission, QueueError> {
        let admission = self.admit_step("").await?;
        self.inner.metrics.record(&admission);
        Ok(admission)
    }

    /// `owner` non-empty: admit only while that owner holds the lease.
    pub(super) async fn admit_step(&self, owner: &str) -> Result<Admission, QueueError> {
        let inner = &self.inner;
        let settings = &inner.settings;
        let keys = &inner.keys;
        let ended_ttl = self.ended_record_ttl_ms();
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
                    .arg(&keys.base)
                    .arg(owner)
                    .arg(settings.active_max)
                    .arg(settings.admit_per_second)
                    .arg(settings.admit_burst)
                    .arg(millis(settings.active_ttl))
                    .arg(millis(settings.waiting_idle_timeout))
                    .arg(millis(settings.rate_window))
                    .arg(settings.admit_batch_max)
                    .arg(ended_ttl);
                Ok(invocation.invoke_async(&mut connection).await?)
            })
            .await?;
        let (led, lapsed, abandoned, active, waiting, admitted) = reply;
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
            active: count(active),
            waiting: count(waiting),
        })
    }
}
