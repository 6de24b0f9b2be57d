//! What every service says about itself, for operators: which build runs
//! (`ticketfold_build_info`) and how its OS process is doing (`process_*`:
//! CPU seconds, resident memory, open and maximum file descriptors, start
//! time, threads).
//!
//! The `process_*` names are the Prometheus client libraries' standard ones,
//! not ticketfold's own, so the dashboards and alerts any Prometheus user
//! already has work on them unchanged; every metric ticketfold defines
//! itself starts with `ticketfold_`.

use prometheus::{IntGaugeVec, Opts, Registry};

/// The version every crate of the workspace shares.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit the binary was built from: `TICKETFOLD_COMMIT` at build time
/// (the Dockerfile's build argument, `make build`), `unknown` otherwise. Not
/// read from `.git` by a build script: a rebuild of every crate on each
/// commit would buy a label nobody reads on a developer's machine.
pub const COMMIT: &str = match option_env!("TICKETFOLD_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

/// Registers `ticketfold_build_info{version,commit,service} 1` and, on
/// Linux, the process collector.
pub fn register(registry: &Registry, service: &str) -> prometheus::Result<()> {
    let build_info = IntGaugeVec::new(
        Opts::new(
            "ticketfold_build_info",
            "Always 1; the labels say which build of which service runs",
        ),
        &["version", "commit", "service"],
    )?;
    build_info
        .with_label_values(&[VERSION, COMMIT, service])
        .set(1);
    registry.register(Box::new(build_info))?;
    register_process_collector(registry)
}

#[cfg(target_os = "linux")]
fn register_process_collector(registry: &Registry) -> prometheus::Result<()> {
    // Reads /proc/self at every scrape: nothing to keep up to date.
    let collector = prometheus::process_collector::ProcessCollector::for_self();
    registry.register(Box::new(collector))
}

#[cfg(not(target_os = "linux"))]
fn register_process_collector(_registry: &Registry) -> prometheus::Result<()> {
    Ok(())
}
