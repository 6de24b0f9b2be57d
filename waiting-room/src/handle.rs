//! The queue handle services share: cheap to clone, one Redis connection.
//! Every method is one operation of its own file, over the shared `Store`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use infra::redis::{KeySpace, Redis};
use prometheus::Registry;
use redis::Value;
use uuid::Uuid;

use super::active::{self, ActiveCheck};
use super::admission::Admission;
use super::admit::{admit_step, Pace};
use super::error::QueueError;
use super::expire::end_place;
use super::join::{self, Ticket};
use super::keep::keep_active_until;
use super::keys::QueueKeys;
use super::metrics::QueueMetrics;
use super::operator::{self, ControlEntry, Limits, OperatorAction, RoomView};
use super::pass::{ActiveQueuePass, QueuePass};
use super::room::{Entry, Room};
use super::settings::QueueSettings;
use super::store::Store;
use super::token::TokenSigner;

#[derive(Clone)]
pub struct Queue {
    store: Arc<Store>,
}

impl Queue {
    /// Does not touch Redis: the connection is made on first use, so a service
    /// starts while Redis is down and answers `503 UNAVAILABLE` meanwhile.
    /// `key_prefix` is REDIS_KEY_PREFIX (`tf:` by default; tests use `t<uuid>:`).
    pub fn new(
        redis: redis::Client,
        key_prefix: impl AsRef<str>,
        settings: QueueSettings,
        registry: &Registry,
    ) -> Result<Self, QueueError> {
        settings.validate().map_err(QueueError::Settings)?;
        let keys = KeySpace::new(key_prefix.as_ref());
        let metrics = QueueMetrics::register(registry)?;
        Ok(Self {
            store: Arc::new(Store {
                redis: Redis::from_client(redis, keys.clone(), settings.redis_timeout),
                keys: QueueKeys::new(&keys),
                signer: TokenSigner::with_keys(&settings.token_keys),
                settings,
                metrics,
                turns: Default::default(),
            }),
        })
    }

    pub fn settings(&self) -> &QueueSettings {
        &self.store.settings
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// For `/readyz`: is Redis reachable within the timeout?
    pub async fn ping(&self) -> Result<(), QueueError> {
        self.store
            .run(|mut connection| async move {
                redis::cmd("PING")
                    .query_async::<()>(&mut connection)
                    .await?;
                Ok(())
            })
            .await
    }

    /// Puts the user at the back of the line, unless they are already waiting
    /// or active: then the same token and place come back, never a new place.
    /// A user whose token expired gets a new token at the back.
    pub async fn join(&self, user_id: Uuid) -> Result<Ticket, QueueError> {
        join::join(&self.store, user_id, Entry::global()).await
    }

    /// `join` in a room: a schedule's room, where a fan who joins before its
    /// opening is pre-queued and placed at random at the opening.
    pub async fn enter(&self, user_id: Uuid, entry: Entry) -> Result<Ticket, QueueError> {
        join::join(&self.store, user_id, entry).await
    }

    /// Checks for `QueuePass`, for callers outside an extractor.
    pub async fn pass(&self, user_id: Uuid, token: Option<&str>) -> Result<QueuePass, QueueError> {
        active::any_pass(&self.store, user_id, token).await
    }

    /// Checks for `ActiveQueuePass`, for callers outside an extractor: the
    /// cheap ACTIVE check, inspecting in full only a token it does not find
    /// ACTIVE.
    pub async fn active_pass(
        &self,
        user_id: Uuid,
        token: Option<&str>,
    ) -> Result<ActiveQueuePass, QueueError> {
        let check = self.active_check(user_id, token)?;
        self.check_active(check).await
    }

    /// Verifies the token (pure: a missing, forged or malformed one is
    /// `401` before Redis is asked) and prepares its ACTIVE check.
    pub fn active_check(
        &self,
        user_id: Uuid,
        token: Option<&str>,
    ) -> Result<ActiveCheck, QueueError> {
        active::active_check(&self.store, user_id, token)
    }

    /// Sends the check on the queue's own connection, then settles it.
    pub async fn check_active(&self, check: ActiveCheck) -> Result<ActiveQueuePass, QueueError> {
        active::check_active(&self.store, check).await
    }

    /// The pass, from the check's `reply` (however it was sent).
    pub async fn settle(
        &self,
        check: ActiveCheck,
        reply: Value,
    ) -> Result<ActiveQueuePass, QueueError> {
        active::settle(&self.store, check, reply).await
    }

    /// Keeps an ACTIVE user's slot from being given back as idle before
    /// `until`: what command-api calls with a hold's expiry when it takes a
    /// hold, so a fan holding a seat keeps the slot until the hold is paid,
    /// released or lapses. Returns whether the user is ACTIVE.
    pub async fn keep_active_until(
        &self,
        user_id: Uuid,
        room: Room,
        until: DateTime<Utc>,
    ) -> Result<bool, QueueError> {
        keep_active_until(&self.store, user_id, room, until).await
    }

    /// One step without the lease, for tests and operator tools. It is still
    /// safe beside running admitters: the cap and the token bucket live in
    /// Redis and the step is one atomic script.
    pub async fn admit_once(&self) -> Result<Admission, QueueError> {
        let rotation = self
            .store
            .turns
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let admission =
            admit_step(&self.store, "", Pace::fixed(&self.store.settings), rotation).await?;
        self.store.metrics.record(&admission);
        Ok(admission)
    }

    /// Expires the user's token now, waiting or active, and frees the slot
    /// for the next in line. Returns whether there was a live place to end.
    pub async fn expire_user(&self, user_id: Uuid) -> Result<bool, QueueError> {
        end_place(&self.store.redis, &self.store.keys, user_id, Room::Global).await
    }

    /// An operator's action on a room, recorded with `by` and the time.
    pub async fn operate(
        &self,
        room: Room,
        action: OperatorAction,
        by: &str,
    ) -> Result<ControlEntry, QueueError> {
        operator::act(&self.store, room, action, by).await
    }

    /// Sets (or with `None` clears) a room's operator limits, recorded.
    pub async fn limit(
        &self,
        room: Room,
        limits: Limits,
        by: &str,
    ) -> Result<ControlEntry, QueueError> {
        operator::set_limits(&self.store, room, limits, by).await
    }

    /// A room's state for operators.
    pub async fn room_view(&self, room: Room) -> Result<RoomView, QueueError> {
        operator::view(&self.store, room).await
    }

    /// The latest operator actions, newest first.
    pub async fn control_log(&self, count: usize) -> Result<Vec<ControlEntry>, QueueError> {
        operator::recent(&self.store, count).await
    }

    /// What the payment path calls once a payment has completed, before it
    /// answers 201.
    pub async fn complete(&self, user_id: Uuid) -> Result<bool, QueueError> {
        self.expire_user(user_id).await
    }
}
