//! Which partitions this instance folds. Each partition is owned through a
//! session-level Postgres advisory lock held on a connection of its own, so
//! the database that stores the offsets also decides who advances them.
//!
//! Why not the broker's consumer group: a projector killed with SIGKILL
//! must hand its partitions over at once, and Postgres frees a dead
//! session's locks as soon as its socket closes, whatever the broker's
//! group coordinator does with a vanished member (tansu 0.6 keeps one for
//! minutes). The locks only decide who reads; a brief double ownership is
//! still folded exactly once, because each batch takes the row lock of its
//! partitions' stored offsets (see `offsets::lock`).
//!
//! Instances share the partitions evenly: each holds a member slot (one
//! more advisory lock), counts the slots held, and owns at most its share,
//! giving back the surplus when another instance joins.
//!
//! Ownership changes only between batches (`tick`), but the session is
//! kept busy while a batch runs too (`renew`, see `renewal`): a first
//! batch that rebuilds a long history must not outlive its own leases.

use std::collections::BTreeSet;
use std::time::Duration;

use infra::kafka::TopicPartition;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

/// How often ownership is reconsidered; also how soon a dead instance's
/// partitions are picked up: Postgres frees a killed instance's locks at
/// once, so this wait is most of a SIGKILL hand-over's fixed cost (issue 14
/// asks for 2 s). A tick is one `pg_locks` count when nothing changes.
pub const LEASE_TICK: Duration = Duration::from_millis(250);

/// How often a batch that runs long shows Postgres its lease session is
/// alive: well within `IDLE_SESSION_TIMEOUT`.
pub const RENEW_EVERY: Duration = Duration::from_secs(1);

/// A session that stops ticking (a hung process) is ended by Postgres after
/// this long, freeing its partitions for the other instances.
const IDLE_SESSION_TIMEOUT: Duration = Duration::from_secs(15);

/// How long keeping the session busy may take before it is given up as
/// lost: a batch waits while it runs, and a working session answers in
/// milliseconds.
const RENEW_TIMEOUT: Duration = Duration::from_secs(5);

/// More instances than this do not get a member slot (and fold nothing).
const MEMBER_SLOTS: i32 = 256;

/// What a tick changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Handover {
    pub gained: Vec<TopicPartition>,
    pub lost: Vec<TopicPartition>,
}

impl Handover {
    pub fn is_empty(&self) -> bool {
        self.gained.is_empty() && self.lost.is_empty()
    }
}

pub struct PartitionLeases {
    options: PgConnectOptions,
    group: String,
    session: Option<PgConnection>,
    members_key: i32,
    /// Every partition of the group, with its lock key, in a fixed order.
    partitions: Vec<(TopicPartition, i32)>,
    owned: BTreeSet<TopicPartition>,
    slot: Option<i32>,
    idle_timeout: Duration,
    /// Partitions whose session was found dead by `renew`, reported by the
    /// next `tick`.
    lost_meanwhile: Vec<TopicPartition>,
}

impl PartitionLeases {
    /// Leases for `group`, which owns nothing until it knows the partitions.
    pub fn new(options: PgConnectOptions, group: &str) -> Self {
        Self {
            options,
            group: group.to_owned(),
            session: None,
            members_key: lock_key(&format!("{group}\u{0}members")),
            partitions: Vec::new(),
            owned: BTreeSet::new(),
            slot: None,
            idle_timeout: IDLE_SESSION_TIMEOUT,
            lost_meanwhile: Vec::new(),
        }
    }

    /// Another bound on a silent session than the 15 s default (tests use
    /// a short one). Takes effect with the next session.
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The partitions to share out, as the brokers list them. A partition
    /// that disappears is not given up here: its lease goes with the session.
    pub fn set_partitions(&mut self, mut partitions: Vec<TopicPartition>) {
        partitions.sort();
        partitions.dedup();
        self.partitions = partitions
            .into_iter()
            .map(|at| {
                let key = lock_key(&format!("{}\u{0}{}", self.group, at.topic));
                (at, key)
            })
            .collect();
    }

    pub fn knows_partitions(&self) -> bool {
        !self.partitions.is_empty()
    }

    pub fn owned(&self) -> impl Iterator<Item = &TopicPartition> {
        self.owned.iter()
    }

    /// Takes free partitions up to this instance's share and gives back any
    /// surplus. When the session is lost, every partition is lost with it
    /// (Postgres has freed the locks); the next tick starts a new session.
    pub async fn tick(&mut self) -> Handover {
        let lost_meanwhile = std::mem::take(&mut self.lost_meanwhile);
        let mut handover = match self.try_tick().await {
            Ok(handover) => handover,
            Err(error) => {
                tracing::warn!(%error, "partition leases lost with their Postgres session; retrying");
                self.session = None;
                self.slot = None;
                Handover {
                    gained: Vec::new(),
                    lost: std::mem::take(&mut self.owned).into_iter().collect(),
                }
            }
        };
        handover.lost.splice(0..0, lost_meanwhile);
        handover
    }

    /// Shows Postgres the session is alive, so `idle_session_timeout` does
    /// not end it while a batch runs; ownership stays as it is. A session
    /// found dead has lost every lease: the next `tick` reports them lost
    /// and starts a new session. (The batch in flight still commits at most
    /// once: it holds its partitions' offset rows, see `offsets::lock`.)
    pub async fn renew(&mut self) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let alive = tokio::time::timeout(
            RENEW_TIMEOUT,
            sqlx::query("SELECT 1").execute(&mut *session),
        )
        .await;
        let error = match alive {
            Ok(Ok(_)) => return,
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {RENEW_TIMEOUT:?}"),
        };
        tracing::warn!(%error, "partition leases lost with their Postgres session while a batch ran");
        self.session = None;
        self.slot = None;
        self.lost_meanwhile.extend(std::mem::take(&mut self.owned));
    }

    /// Gives every partition back, e.g. before a clean shutdown.
    pub async fn release_all(&mut self) {
        if let Some(session) = self.session.take() {
            // Closing the session frees every lock it holds.
            let _ = session.close().await;
        }
        self.owned.clear();
        self.slot = None;
    }

    async fn try_tick(&mut self) -> Result<Handover, sqlx::Error> {
        let session = match &mut self.session {
            Some(session) => session,
            None => {
                let mut session = PgConnection::connect_with(&self.options).await?;
                // Postgres 14+; older servers only lose the hung-process bound.
                let set_timeout = format!(
                    "SET idle_session_timeout = {}",
                    self.idle_timeout.as_millis()
                );
                if let Err(error) = sqlx::query(&set_timeout).execute(&mut session).await {
                    tracing::debug!(%error, "idle_session_timeout not available");
                }
                self.session.insert(session)
            }
        };
        let members_key = self.members_key;
        if self.slot.is_none() {
            self.slot = take_member_slot(session, members_key).await?;
        }
        let Some(slot) = self.slot else {
            return Ok(Handover::default());
        };
        if self.partitions.is_empty() {
            return Ok(Handover::default());
        }
        let members = count_members(session, members_key).await?.max(1);
        let share = self.partitions.len().div_ceil(members);

        let mut handover = Handover::default();
        while self.owned.len() > share {
            let Some(at) = self.owned.pop_last() else {
                break;
            };
            let key = key_of(&self.partitions, &at);
            unlock(session, key, at.partition).await?;
            handover.lost.push(at);
        }
        if self.owned.len() < share {
            // Members start their search at different places, so joining
            // instances mostly try partitions nobody holds.
            let total = self.partitions.len();
            let start = (slot as usize * share) % total.max(1);
            for i in 0..total {
                if self.owned.len() >= share {
                    break;
                }
                let (at, key) = &self.partitions[(start + i) % total];
                if self.owned.contains(at) {
                    continue;
                }
                if try_lock(session, *key, at.partition).await? {
                    self.owned.insert(at.clone());
                    handover.gained.push(at.clone());
                }
            }
        }
        Ok(handover)
    }
}

fn key_of(partitions: &[(TopicPartition, i32)], at: &TopicPartition) -> i32 {
    partitions
        .iter()
        .find(|(p, _)| p == at)
        .map_or(0, |(_, key)| *key)
}

async fn take_member_slot(
    session: &mut PgConnection,
    members_key: i32,
) -> Result<Option<i32>, sqlx::Error> {
    for slot in 0..MEMBER_SLOTS {
        if try_lock(session, members_key, slot).await? {
            return Ok(Some(slot));
        }
    }
    tracing::warn!(
        slots = MEMBER_SLOTS,
        "every member slot is taken; this instance folds nothing"
    );
    Ok(None)
}

/// Instances holding a member slot in this database, this one included.
async fn count_members(session: &mut PgConnection, members_key: i32) -> Result<usize, sqlx::Error> {
    // Two-key advisory locks show key1 as classid and key2 as objid.
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks
         WHERE locktype = 'advisory' AND granted AND objsubid = 2
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND classid = $1::oid",
    )
    .bind(i64::from(members_key))
    .fetch_one(&mut *session)
    .await?;
    Ok(usize::try_from(count).unwrap_or(0))
}

async fn try_lock(session: &mut PgConnection, key: i32, id: i32) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
        .bind(key)
        .bind(id)
        .fetch_one(&mut *session)
        .await
}

async fn unlock(session: &mut PgConnection, key: i32, id: i32) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_advisory_unlock($1, $2)")
        .bind(key)
        .bind(id)
        .fetch_one(&mut *session)
        .await
}

/// A lock key that every build of the projector computes alike (FNV-1a),
/// kept non-negative so it reads back the same through `pg_locks`' oid.
fn lock_key(name: &str) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in name.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (hash & 0x7fff_ffff) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_are_stable_and_non_negative() {
        // Instances built at different times must agree on the keys.
        assert_eq!(lock_key(""), (0x811c_9dc5_u32 & 0x7fff_ffff) as i32);
        assert_eq!(lock_key("a"), (0xe40c_292c_u32 & 0x7fff_ffff) as i32);
        for name in ["g\u{0}t1", "g\u{0}t2", "other\u{0}members"] {
            assert!(lock_key(name) >= 0);
        }
        assert_ne!(lock_key("g\u{0}t1"), lock_key("g\u{0}t2"));
    }
}
