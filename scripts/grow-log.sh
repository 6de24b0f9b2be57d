#!/usr/bin/env bash
# Grows the `make up` stack's log to RECORDS records (default 1,000,000) of
# fans who charge, hold and pay (projector/benches/growth.rs with
# BENCH_STACK=up), folded by the stack's own projector, so that a load run
# can measure the stack on a long log (issue 19):
#
#   make up && scripts/grow-log.sh 1000000
#   make load LOAD_ARGS="--capacity" CAPACITY_STEPS=20 CAPACITY_STEP_SECONDS=60
#
# The fans' schedules open in 2030, apart from anything a load run books.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/stack.sh
source "$ROOT/scripts/stack.sh"

records=${1:-1000000}
[[ "$records" =~ ^[0-9]+$ ]] || die "usage: scripts/grow-log.sh [RECORDS]"
port_open 127.0.0.1 "$UP_BROKER_PORT" || die "no broker on 127.0.0.1:$UP_BROKER_PORT: run make up first"
cd "$ROOT"
say "growing the make up stack's log to $records records"
BENCH_STACK=up BENCH_RECORDS=$records cargo bench -p projector --bench growth
