//! The read model's Redis commands: one round trip each, a command another
//! module sends along (`Escort`) included. A Redis that fails is skipped
//! for a moment (`Gate`) so that, while it is down, reads go straight to
//! Postgres instead of each waiting for a timeout.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use infra::config::RedisSettings;
use redis::aio::ConnectionManager;
use redis::{Cmd, ErrorKind, RedisError, Script, Value};

use super::entry::VERSION_AT;
use super::keys::{EntryKey, ReadKeys};
use infra::redis::{round_trips, KeySpace, Redis, ROUND_TRIP_BYTES};

/// How long Redis is skipped after it failed.
const SKIP_AFTER_FAILURE_MS: i64 = 500;
/// Connecting, and any one command, give up after this long.
const REDIS_TIMEOUT: Duration = Duration::from_secs(1);

/// `KEYS: entry, lease; ARGV: token, lease ms, stale version, version
/// from, version to`. An entry that is there is the answer, unless it is
/// the stale version the caller wants to replace; otherwise the lease.
const ACQUIRE: &str = r#"
local v = redis.call('GET', KEYS[1])
if v and (ARGV[3] == '' or string.sub(v, ARGV[4], ARGV[5]) ~= ARGV[3]) then
  return {1, v}
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {2} end
return {3}
"#;

/// `KEYS: entry, lease; ARGV: token, value, px`. Stores the value only if
/// the lease is still ours: a write-through since then deleted it, and its
/// value is newer than ours. Answers the entry that is there otherwise.
/// `px` 0 only gives the lease back.
const FILL: &str = r#"
if redis.call('GET', KEYS[2]) == ARGV[1] then
  if ARGV[3] ~= '0' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
  redis.call('DEL', KEYS[2])
  return {1}
end
local v = redis.call('GET', KEYS[1])
if v then return {2, v} end
return {3}
"#;

/// `KEYS: entry; ARGV: version`. Whether the entry still has that version
/// (1), or the entry as it is now (nil when missing).
const REVALIDATE: &str = r#"
if redis.call('GETRANGE', KEYS[1], ARGV[2], ARGV[3]) == ARGV[1] then return 1 end
return redis.call('GET', KEYS[1])
"#;

pub enum Fetched {
    /// The copy the caller holds is still the entry.
    Current,
    Changed(Bytes),
}

pub enum Acquired {
    /// The entry is there after all (or was refreshed already).
    Present(Bytes),
    /// This caller may load and fill.
    Lease,
    /// Another loader holds the lease.
    Busy,
}

pub enum Filled {
    Stored,
    /// A newer entry was written meanwhile; here it is.
    Superseded(Bytes),
    /// The lease was lost and nothing is there.
    Lost,
}

/// A command sent ahead of an entry's first look, in the same round trip:
/// how a guarded read (a seat map and its queue-token check) costs one.
pub struct Escort {
    pub command: Cmd,
    /// The script `command` calls, if any: loaded when Redis answers
    /// NOSCRIPT (a restarted or flushed Redis), then the round trip is sent
    /// again.
    pub script: Option<&'static Script>,
}

/// One write of an entry: `(key, value, px)`.
pub struct Put {
    pub key: EntryKey,
    pub value: Vec<u8>,
    pub expire_ms: i64,
}

pub struct Cache {
    /// No retries on connecting: a Redis that refuses is skipped for a
    /// moment instead (`skip_until_ms`).
    redis: Redis,
    pub keys: ReadKeys,
    skip_until_ms: AtomicI64,
    acquire: Script,
    fill: Script,
    revalidate: Script,
}

impl Cache {
    pub fn new(settings: &RedisSettings) -> Result<Self, RedisError> {
        Ok(Self {
            redis: Redis::with_timeout(settings, REDIS_TIMEOUT)?,
            keys: ReadKeys::new(&KeySpace::new(settings.key_prefix.clone())),
            skip_until_ms: AtomicI64::new(0),
            acquire: Script::new(ACQUIRE),
            fill: Script::new(FILL),
            revalidate: Script::new(REVALIDATE),
        })
    }

    /// False while Redis is being skipped after a failure.
    pub fn usable(&self, now_ms: i64) -> bool {
        now_ms >= self.skip_until_ms.load(Ordering::Relaxed)
    }

    /// Notes a failure; connection trouble makes Redis skipped for a moment.
    pub fn failed(&self, error: &RedisError, now_ms: i64) {
        if error.is_io_error()
            || error.is_connection_refusal()
            || error.is_connection_dropped()
            || error.is_timeout()
        {
            self.skip_until_ms
                .store(now_ms + SKIP_AFTER_FAILURE_MS, Ordering::Relaxed);
        }
        tracing::debug!(%error, "read model: redis failed");
    }

    async fn connection(&self) -> Result<ConnectionManager, RedisError> {
        self.redis.connection().await
    }

    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, RedisError> {
        let mut conn = self.connection().await?;
        let raw: Option<Vec<u8>> = redis::cmd("GET").arg(key).query_async(&mut conn).await?;
        Ok(raw.map(Bytes::from))
    }

    /// As `get`, with `escort` in the same round trip: its reply too.
    pub async fn get_escorted(
        &self,
        key: &str,
        escort: Escort,
    ) -> Result<(Value, Option<Bytes>), RedisError> {
        let mut get = redis::cmd("GET");
        get.arg(key);
        let (reply, value) = self.escorted(escort, get, None).await?;
        let raw = match value {
            Value::BulkString(raw) => Some(Bytes::from(raw)),
            Value::Nil => None,
            other => {
                return Err(RedisError::from((
                    ErrorKind::TypeError,
                    "GET answered neither a value nor nil",
                    format!("{other:?}"),
                )))
            }
        };
        Ok((reply, raw))
    }

    /// As `revalidate`, with `escort` in the same round trip: its reply too.
    pub async fn revalidate_escorted(
        &self,
        key: &str,
        version: &[u8; 8],
        escort: Escort,
    ) -> Result<(Value, Option<Fetched>), RedisError> {
        let mut revalidate = redis::cmd("EVALSHA");
        revalidate
            .arg(self.revalidate.get_hash())
            .arg(1)
            .arg(key)
            .arg(&version[..])
            .arg(VERSION_AT)
            .arg(VERSION_AT + version.len() - 1);
        let (reply, value) = self
            .escorted(escort, revalidate, Some(&self.revalidate))
            .await?;
        Ok((reply, fetched(value)))
    }

    /// `escort`, then `command` (which calls `script`, if any), pipelined:
    /// both replies, from one round trip unless a script had to be loaded.
    async fn escorted(
        &self,
        escort: Escort,
        command: Cmd,
        script: Option<&Script>,
    ) -> Result<(Value, Value), RedisError> {
        let mut conn = self.connection().await?;
        let mut pipe = redis::pipe();
        pipe.add_command(escort.command).add_command(command);
        let replies: Vec<Value> = match pipe.query_async(&mut conn).await {
            Err(error) if error.kind() == ErrorKind::NoScriptError => {
                for script in escort.script.into_iter().chain(script) {
                    script.load_async(&mut conn).await?;
                }
                pipe.query_async(&mut conn).await?
            }
            replies => replies?,
        };
        let mut replies = replies.into_iter();
        match (replies.next(), replies.next()) {
            (Some(reply), Some(value)) => Ok((reply, value)),
            _ => Err(RedisError::from((
                ErrorKind::TypeError,
                "a pipeline of two answered fewer replies",
            ))),
        }
    }

    /// The entry unless it still has `version`: `None` when missing.
    pub async fn revalidate(
        &self,
        key: &str,
        version: &[u8; 8],
    ) -> Result<Option<Fetched>, RedisError> {
        let mut conn = self.connection().await?;
        let reply: Value = self
            .revalidate
            .key(key)
            .arg(&version[..])
            .arg(VERSION_AT)
            .arg(VERSION_AT + version.len() - 1)
            .invoke_async(&mut conn)
            .await?;
        Ok(fetched(reply))
    }

    /// The lease to load `entry`, or the entry if it is there (and is not
    /// the `stale` version being refreshed).
    pub async fn acquire(
        &self,
        entry: &EntryKey,
        token: &str,
        lease_ms: u64,
        stale: Option<[u8; 8]>,
    ) -> Result<Acquired, RedisError> {
        let mut conn = self.connection().await?;
        let stale = stale.map(|version| version.to_vec()).unwrap_or_default();
        let reply: Vec<Value> = self
            .acquire
            .key(&entry.key)
            .key(self.keys.lease(entry))
            .arg(token)
            .arg(lease_ms)
            .arg(stale)
            // Lua strings count from 1, both ends included.
            .arg(VERSION_AT + 1)
            .arg(VERSION_AT + 8)
            .invoke_async(&mut conn)
            .await?;
        Ok(match (tag(&reply), reply.get(1)) {
            (1, Some(value)) => Acquired::Present(bytes(value)),
            (2, _) => Acquired::Lease,
            _ => Acquired::Busy,
        })
    }

    pub async fn fill(
        &self,
        entry: &EntryKey,
        token: &str,
        value: &[u8],
        expire_ms: i64,
    ) -> Result<Filled, RedisError> {
        let mut conn = self.connection().await?;
        let reply: Vec<Value> = self
            .fill
            .key(&entry.key)
            .key(self.keys.lease(entry))
            .arg(token)
            .arg(value)
            .arg(expire_ms.max(0))
            .invoke_async(&mut conn)
            .await?;
        Ok(match (tag(&reply), reply.get(1)) {
            (1, _) => Filled::Stored,
            (2, Some(value)) => Filled::Superseded(bytes(value)),
            _ => Filled::Lost,
        })
    }

    /// Write-through: each entry replaces what is there, in as few round
    /// trips as their size allows (see `infra::redis::round_trips`). The
    /// lease goes first, so a loader that read Postgres before the change
    /// cannot fill its older value over this one.
    pub async fn put(&self, puts: &[Put]) -> Result<(), RedisError> {
        if puts.is_empty() {
            return Ok(());
        }
        let mut conn = self.connection().await?;
        // The lease key is about as long as the entry's.
        let bytes = |put: &Put| 2 * put.key.key.len() + put.value.len();
        for run in round_trips(puts, ROUND_TRIP_BYTES, bytes) {
            let mut pipe = redis::pipe();
            for put in run {
                pipe.del(self.keys.lease(&put.key)).ignore();
                pipe.cmd("SET")
                    .arg(&put.key.key)
                    .arg(&put.value)
                    .arg("PX")
                    .arg(put.expire_ms.max(1))
                    .ignore();
            }
            pipe.query_async::<()>(&mut conn).await?;
        }
        Ok(())
    }

    /// Cache-aside fill of the original design: no lease, no questions.
    pub async fn set(&self, key: &str, value: &[u8], expire_ms: i64) -> Result<(), RedisError> {
        let mut conn = self.connection().await?;
        redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("PX")
            .arg(expire_ms.max(1))
            .query_async::<()>(&mut conn)
            .await
    }

    /// Stores `value` unless `key` holds something; whether it stored it.
    pub async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        expire_ms: i64,
    ) -> Result<bool, RedisError> {
        let mut conn = self.connection().await?;
        let stored: Option<String> = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(expire_ms.max(1))
            .query_async(&mut conn)
            .await?;
        Ok(stored.is_some())
    }

    /// A marker that lives `expire_ms`.
    pub async fn mark(&self, key: &str, expire_ms: i64) -> Result<(), RedisError> {
        self.set(key, b"1", expire_ms).await
    }

    pub async fn delete(&self, keys: &[String]) -> Result<(), RedisError> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut conn = self.connection().await?;
        redis::cmd("DEL")
            .arg(keys)
            .query_async::<()>(&mut conn)
            .await
    }

    /// Deletes every key matching `pattern`; answers how many.
    pub async fn delete_matching(&self, pattern: &str) -> Result<u64, RedisError> {
        let mut conn = self.connection().await?;
        let (mut cursor, mut deleted) = (0u64, 0u64);
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await?;
            if !keys.is_empty() {
                deleted += redis::cmd("UNLINK")
                    .arg(&keys)
                    .query_async::<u64>(&mut conn)
                    .await?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }

    /// How many of `keys` exist, per group, in one round trip.
    pub async fn count_existing(&self, groups: &[Vec<String>]) -> Result<Vec<usize>, RedisError> {
        if groups.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for keys in groups {
            pipe.cmd("EXISTS").arg(keys);
        }
        let mut conn = self.connection().await?;
        pipe.query_async(&mut conn).await
    }
}

/// What `REVALIDATE` answered.
fn fetched(reply: Value) -> Option<Fetched> {
    match reply {
        Value::Int(1) => Some(Fetched::Current),
        Value::BulkString(raw) => Some(Fetched::Changed(Bytes::from(raw))),
        _ => None,
    }
}

fn tag(reply: &[Value]) -> i64 {
    match reply.first() {
        Some(Value::Int(tag)) => *tag,
        _ => 0,
    }
}

fn bytes(value: &Value) -> Bytes {
    match value {
        Value::BulkString(raw) => Bytes::copy_from_slice(raw),
        _ => Bytes::new(),
    }
}
