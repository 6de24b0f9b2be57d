//! What every service's `/metrics` must show an operator, asserted the same
//! way in each service's tests.

/// Panics unless `text` (a `/metrics` body) has `ticketfold_build_info` for
/// `service` at 1 and the process metrics the Processes dashboard reads.
pub fn assert_operator_metrics(text: &str, service: &str) {
    let build_info = text
        .lines()
        .find(|line| {
            line.starts_with("ticketfold_build_info{")
                && line.contains(&format!("service=\"{service}\""))
        })
        .unwrap_or_else(|| panic!("no ticketfold_build_info for {service}:\n{text}"));
    assert!(build_info.ends_with("} 1"), "{build_info}");
    assert!(build_info.contains("version=\""), "{build_info}");
    assert!(build_info.contains("commit=\""), "{build_info}");
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "process_start_time_seconds",
    ] {
        let value = text
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"));
        let value: f64 = value.trim().parse().expect("a number");
        assert!(value >= 0.0, "{name} {value}");
    }
}
