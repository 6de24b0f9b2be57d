//! Logs and metrics.

mod chain;
mod logging;
mod metrics;
mod process;

pub use chain::ErrorChain;
pub use logging::init_tracing;
pub use metrics::{metrics_text, record_http, Metrics, HTTP_DURATION_BUCKETS};

#[doc(hidden)]
pub use metrics::__path_metrics_text;
