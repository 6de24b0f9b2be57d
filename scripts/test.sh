#!/usr/bin/env bash
# `make test`: every test of the workspace against a real broker, Postgres and
# Redis. Each step is a function so later checks (promtool, a short k6 run)
# slot in as further steps.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEST_BROKER_NAME="test"
TEST_BROKER_PORT=19092

started_broker=no
stop_test_broker() {
  if [ "$started_broker" = yes ]; then
    "$ROOT/scripts/broker.sh" stop "$TEST_BROKER_NAME" || true
  fi
}
trap stop_test_broker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step_dependencies() {
  "$ROOT/scripts/ensure-deps.sh"
}

# A throw-away in-memory broker, unless the caller points the tests at their
# own (TEST_KAFKA_BROKERS) or one already listens on the test port.
step_test_broker() {
  if [ -n "${TEST_KAFKA_BROKERS:-}" ]; then
    say "using the broker at TEST_KAFKA_BROKERS=$TEST_KAFKA_BROKERS"
    return 0
  fi
  if port_open 127.0.0.1 "$TEST_BROKER_PORT"; then
    say "using the broker already listening on 127.0.0.1:$TEST_BROKER_PORT"
  else
    started_broker=yes
    "$ROOT/scripts/broker.sh" start "$TEST_BROKER_NAME" "$TEST_BROKER_PORT" memory://tansu/
  fi
  export TEST_KAFKA_BROKERS="127.0.0.1:$TEST_BROKER_PORT"
}

step_cargo_tests() {
  export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
  cd "$ROOT"
  if cargo nextest --version >/dev/null 2>&1; then
    say "cargo nextest run --workspace"
    cargo nextest run --workspace --no-fail-fast
  else
    say "cargo-nextest not found; cargo test --workspace"
    cargo test --workspace --no-fail-fast
  fi
}

step_dependencies
step_test_broker
step_cargo_tests
