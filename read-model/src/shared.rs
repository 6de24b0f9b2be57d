//! What every part of the read model uses whatever the strategy: Redis
//! (through `Cache`), Postgres, the warm lead, the metrics and the copies
//! of hot entries. Strategies, the writer and the warmer are functions over
//! it; the `ReadModel` handle holds it next to the chosen strategy.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::PgPool;

use super::concert_of::ConcertOf;
use super::copies::Copies;
use super::entry::View;
use super::error::ReadError;
use super::load::Window;
use super::metrics::CacheMetrics;
use super::source::Source;
use super::store::Cache;

pub(crate) struct Shared {
    pub cache: Cache,
    pub pool: PgPool,
    /// How long before booking opens a schedule's entries are kept warm.
    pub warm_lead: chrono::Duration,
    pub metrics: CacheMetrics,
    /// Hot entries as last read, for kinds the strategy keeps copies of.
    pub copies: Copies,
    /// How long a load may take in ms, 0 for no bound (`ReadModel::bounded_by`).
    pub load_limit_ms: AtomicU64,
    /// Each schedule's concert, remembered (see `ConcertOf`).
    pub concert_of: ConcertOf,
}

impl Shared {
    pub fn window(&self) -> Window {
        Window {
            lead: self.warm_lead,
            now: Utc::now(),
        }
    }

    /// Loads from Postgres, counted, timed, and bounded: a database that
    /// takes the statement but never answers (a black hole, which no
    /// server-side timeout can end) fails the load as an I/O timeout, which
    /// reads as unavailable.
    ///
    /// `behind_pending`: the reader found a pending entry (a command
    /// answered `202`). Behind one, a decision whose entries are still owed
    /// reads as not found, so the pending entry stays the answer until the
    /// decision is readable, as its announcement waits (`Source::owed`).
    pub async fn load(
        &self,
        source: Source,
        behind_pending: bool,
    ) -> Result<(View, u32), ReadError> {
        self.metrics.db_fallback(source.kind());
        let started = Instant::now();
        let window = self.window();
        let loading = async {
            let view = source.load(&self.pool, &window).await?;
            if behind_pending && view.body.is_some() && source.owed(&self.pool).await? {
                return Ok::<View, sqlx::Error>(View::not_found());
            }
            Ok(view)
        };
        let view = match self.load_limit_ms.load(Ordering::Relaxed) {
            0 => loading.await?,
            ms => match tokio::time::timeout(Duration::from_millis(ms), loading).await {
                Ok(loaded) => loaded?,
                Err(_) => {
                    return Err(sqlx::Error::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer from Postgres within {ms} ms"),
                    ))
                    .into())
                }
            },
        };
        let delta_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        Ok((view, delta_ms))
    }
}
