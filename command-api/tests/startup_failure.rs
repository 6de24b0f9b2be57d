//! The built binary refuses to start on bad configuration with one clear
//! line naming the variable, a non-zero exit and no panic.

use infra::testing::StartupRefusal;

fn binary() -> StartupRefusal {
    StartupRefusal::new(env!("CARGO_BIN_EXE_command-api"), "COMMAND_API_ADDR")
}

#[test]
fn an_unreachable_database_is_named() {
    binary().an_unreachable_database_is_named();
}

#[test]
fn a_malformed_database_url_is_a_configuration_error() {
    binary().a_malformed_database_url_is_a_configuration_error();
}

#[test]
fn a_missing_token_secret_is_a_configuration_error() {
    binary().a_missing_token_secret_is_a_configuration_error();
}
