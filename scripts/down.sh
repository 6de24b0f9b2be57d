#!/usr/bin/env bash
# `make down`: stops what `make up` started, writers first, the broker last.
# Everything kept in .run/ (the sqlite event log, secrets, logs) stays, so the
# next `make up` resumes with every earlier event.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/stack.sh
source "$ROOT/scripts/stack.sh"

stop_background "$RUN_DIR/web.pid" node 5 "the web app"
# command-api first so nothing new is appended while the projector folds what
# is already in the log.
# Each supervisor stops its service (SIGTERM, 20 s, SIGKILL) and does not
# start it again; a service started before supervision is stopped directly.
for svc in command-api query-api projector; do
  stop_supervised "$(service_supervisor_pidfile "$svc")" 20 "$svc's supervisor"
  stop_background "$(service_pidfile "$svc")" "$svc" 20
done
"$ROOT/scripts/broker.sh" stop "$UP_BROKER_NAME"
say "the stack is down"
