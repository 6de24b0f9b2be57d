//! The built binary refuses to start on bad configuration with one clear
//! line naming the variable, a non-zero exit and no panic.

use std::process::{Command, Output};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn run(vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_query-api"));
    command.env_clear().env("QUERY_API_ADDR", "127.0.0.1:0");
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn assert_refused(output: &Output, variable: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "exited successfully; stderr: {stderr}"
    );
    assert!(
        stderr.contains(variable),
        "stderr does not name {variable}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

#[test]
fn an_unreachable_database_is_named() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("postgres://postgres@127.0.0.1:{port}/ticketfold");
    let output = run(&[("DATABASE_URL", &url), ("QUEUE_TOKEN_SECRET", SECRET)]);
    assert_refused(&output, "DATABASE_URL");
}

#[test]
fn a_malformed_database_url_is_a_configuration_error() {
    let output = run(&[
        ("DATABASE_URL", "mysql://root@127.0.0.1/tickets"),
        ("QUEUE_TOKEN_SECRET", SECRET),
    ]);
    assert_refused(&output, "DATABASE_URL");
    assert!(
        String::from_utf8_lossy(&output.stderr).starts_with("configuration error: DATABASE_URL: ")
    );
}

#[test]
fn a_missing_token_secret_is_a_configuration_error() {
    let output = run(&[]);
    assert_refused(&output, "QUEUE_TOKEN_SECRET");
    assert!(String::from_utf8_lossy(&output.stderr)
        .starts_with("configuration error: QUEUE_TOKEN_SECRET: "));
}
