#!/usr/bin/env bash
# `make chaos`: the fault-injection suite (tools/ticketfold_tools/chaos.py).
# Its own supervised tansu (sqlite) and a supervised sandbox stack of the
# debug binaries, a booking mix of fans, SIGKILL and SIGSTOP of every
# process, Redis keys deleted, Postgres backends terminated; then the checks.
# Report in .run/chaos/<time>/report.md; exit status 1 when a check fails.
#
#   scripts/chaos.sh [--short] [--fans N] [--gap SECONDS] [--dir DIR] [--bin-dir DIR] [--keep]
#
# Without --bin-dir the debug binaries are built first (cargo build --bins;
# a no-op after `make test`'s cargo steps).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bin_given=no
for arg in "$@"; do
  [ "$arg" != --bin-dir ] || bin_given=yes
done

"$ROOT/scripts/ensure-deps.sh" base
cd "$ROOT"
args=("$@")
if [ "$bin_given" = no ]; then
  say "building the debug binaries (cargo build --bins -p projector -p command-api -p query-api)"
  cargo build --quiet --bins -p projector -p command-api -p query-api
  args+=(--bin-dir "$ROOT/target/debug")
fi
export PYTHONPATH="$ROOT/tools${PYTHONPATH:+:$PYTHONPATH}"
exec python3 -m ticketfold_tools.chaos "${args[@]}"
