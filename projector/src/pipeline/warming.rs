//! Loading each schedule into the read model ahead of its booking window,
//! so the first wave of readers finds it in Redis (`read_model`),
//! and retrying write-throughs that failed while no batch comes to do it.

use std::time::Duration;

use tokio::sync::watch;

use super::stop::wait_or_stop;
use super::Effects;

/// Anything evicted or flushed inside a window is loaded again this soon.
const WARM_EVERY: Duration = Duration::from_secs(2);

pub async fn keep_warm(effects: Effects, mut stop: watch::Receiver<bool>) {
    loop {
        effects.retry_unwritten().await;
        match effects.warm().await {
            Ok(round) if !round.warmed.is_empty() => {
                tracing::info!(
                    warmed = ?round.warmed,
                    "schedules loaded into the read model ahead of booking"
                )
            }
            Ok(_) => {}
            Err(failure) => tracing::warn!(
                error = %failure.error,
                cold = failure.round.as_ref().map(|round| round.cold),
                "warming the read model failed"
            ),
        }
        if wait_or_stop(&mut stop, WARM_EVERY).await {
            return;
        }
    }
}
