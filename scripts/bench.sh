#!/usr/bin/env bash
# `make bench`: the projector's growth benchmark (projector/benches/growth.rs)
# at two log lengths, BENCH_GROWTH_RECORDS (default "200000 1000000"), against
# an in-memory broker of its own, so the figures are the projector's and not
# the local broker's sqlite storage (issue 19 measures that). Figures only:
# nothing here passes or fails on a timing.
#
#   make bench                                  # 200,000 then 1,000,000 records
#   make bench BENCH_GROWTH_RECORDS=5000000     # one larger run
#   make bench BENCH=hot_schedule               # the hot-schedule benchmark
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_BROKER_NAME="bench"
BENCH_BROKER_PORT=19392
started_broker=no
stop_bench_broker() {
  if [ "$started_broker" = yes ]; then
    "$ROOT/scripts/broker.sh" stop "$BENCH_BROKER_NAME" || true
  fi
}
trap stop_bench_broker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$ROOT/scripts/ensure-deps.sh"
if ! port_open 127.0.0.1 "$BENCH_BROKER_PORT"; then
  started_broker=yes
  "$ROOT/scripts/broker.sh" start "$BENCH_BROKER_NAME" "$BENCH_BROKER_PORT" memory://tansu/
fi
export TEST_KAFKA_BROKERS="127.0.0.1:$BENCH_BROKER_PORT"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
cd "$ROOT"

case "${BENCH:-growth}" in
  growth)
    for records in ${BENCH_GROWTH_RECORDS:-200000 1000000}; do
      say "growth benchmark at $records records"
      BENCH_RECORDS=$records cargo bench -p projector --bench growth
    done
    ;;
  hot_schedule)
    cargo bench -p projector --bench hot_schedule
    ;;
  *) die "BENCH must be growth or hot_schedule" ;;
esac
