//! Logs, traces and metrics.

mod chain;
mod logging;
mod metrics;
mod process;
mod trace_context;
mod traces;

pub use chain::ErrorChain;
pub use logging::init_tracing;
pub use metrics::{metrics_text, record_http, Metrics, HTTP_DURATION_BUCKETS};
pub use trace_context::{TraceContext, TRACEPARENT, TRACESTATE};
pub use traces::Tracing;

#[doc(hidden)]
pub use metrics::__path_metrics_text;
