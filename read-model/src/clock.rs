//! The one clock the read model reads: wall time in milliseconds, for
//! freshness and lapses. Redis and Postgres keep their own.

use chrono::Utc;

pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}
