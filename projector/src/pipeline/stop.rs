//! Waiting that gives way when the projector is asked to stop.

use std::time::Duration;

use tokio::sync::watch;

/// Returns once asked to stop.
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    // A dropped sender means nobody can ask any more: stop too.
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Sleeps for `pause`; answers true if asked to stop meanwhile.
pub async fn wait_or_stop(stop: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    tokio::select! {
        _ = stopped(stop) => true,
        _ = tokio::time::sleep(pause) => false,
    }
}
