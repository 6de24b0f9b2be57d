//! The Lua scripts behind every multi-step change, so that two instances can
//! never admit past the limit or lose a place. Each runs atomically in Redis.

use std::sync::LazyLock;

use redis::Script;

const PRELUDE: &str = include_str!("scripts/prelude.lua");

fn with_prelude(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}\n{body}"))
}

pub(crate) static JOIN: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/join.lua")));
pub(crate) static INSPECT: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/inspect.lua")));
pub(crate) static ACTIVE: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/active.lua")));
pub(crate) static ADMIT: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/admit.lua")));
pub(crate) static KEEP: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/keep.lua")));
pub(crate) static COMPLETE: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/complete.lua")));
pub(crate) static LEASE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/lease.lua")));
pub(crate) static RELEASE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("scripts/release.lua")));
pub(crate) static SIGNAL_REPORT: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/signal_report.lua")));
pub(crate) static SIGNAL_READ: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/signal_read.lua")));
pub(crate) static OPEN: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/open.lua")));
pub(crate) static LIVE: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/live.lua")));
pub(crate) static REQUEUE: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/requeue.lua")));
pub(crate) static SIGNAL_LAG: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/signal_lag.lua")));
pub(crate) static STRETCH: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("scripts/stretch.lua")));
