#!/usr/bin/env bash
# `make up`: the whole stack on this machine, in the background, state in .run/.
# The caller's environment reaches every service, so
#   HOLD_TTL_SECONDS=6 make up
# runs with 6-second holds.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/stack.sh
source "$ROOT/scripts/stack.sh"
# shellcheck source=scripts/web.sh
source "$ROOT/scripts/web.sh"

READY_TIMEOUT=${UP_READY_TIMEOUT:-120}

# The configuration the services read; secrets are listed apart and never recorded.
CONFIG_VARS=(
  DATABASE_URL REDIS_URL KAFKA_BROKERS TOPIC_PREFIX REDIS_KEY_PREFIX
  KAFKA_PARTITIONS_CATALOG KAFKA_PARTITIONS_RESERVATIONS KAFKA_PARTITIONS_WALLETS
  KAFKA_REPLICATION_FACTOR KAFKA_FETCH_WAIT_MS KAFKA_HANDOFF COMMAND_API_ADDR QUERY_API_ADDR PROJECTOR_ADDR
  QUEUE_ACTIVE_MAX QUEUE_ADMISSION QUEUE_ADMIT_PER_SECOND QUEUE_ADMIT_FLOOR_PER_SECOND
  QUEUE_TARGET_P95_MS QUEUE_TARGET_IN_FLIGHT QUEUE_TARGET_LAG_RECORDS QUEUE_ACTIVE_TTL_SECONDS
  QUEUE_CHALLENGE_BITS
  QUEUE_WAITING_GRACE_SECONDS QUEUE_ACTIVE_IDLE_SECONDS QUEUE_PREQUEUE_LEAD_SECONDS
  HOLD_TTL_SECONDS MAX_HOLDS_PER_USER MAX_SINGLE_CHARGE MAX_BALANCE
  CACHE_STRATEGY CACHE_TTL_SECONDS CACHE_WARM_LEAD_SECONDS
  PROJECTOR_SNAPSHOT_EVERY_RECORDS PROJECTOR_SNAPSHOT_EVERY_SECONDS PROJECTOR_PARK_AFTER_SECONDS
  PROJECTOR_SYNCHRONOUS_COMMIT
  CORS_ALLOWED_ORIGINS PUBLIC_QUERY_URL RUST_LOG LOG_FORMAT
)

# Up: the broker and every service running, each under its supervisor (a
# stack started before supervision, or a service between two restarts,
# is not "up": the start below then supervises what is missing).
stack_running() {
  local svc
  live_supervisor "$RUN_DIR/broker-$UP_BROKER_NAME.supervisor.pid" >/dev/null || return 1
  live_pid "$RUN_DIR/broker-$UP_BROKER_NAME.pid" tansu >/dev/null || return 1
  for svc in "${STACK_SERVICES[@]}"; do
    live_supervisor "$(service_supervisor_pidfile "$svc")" >/dev/null || return 1
    live_pid "$(service_pidfile "$svc")" "$svc" >/dev/null || return 1
  done
  live_pid "$RUN_DIR/web.pid" node >/dev/null
}

# A secret generated once and kept in .run/, readable by its owner only.
kept_secret() {
  local file=$1
  if [ ! -s "$file" ]; then
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$file")
  fi
  cat "$file"
}

secret_source() {
  if [ -n "${!1:-}" ]; then
    printf "the caller's environment"
  else
    printf '%s' "${2#"$ROOT"/}"
  fi
}

record_env() {
  local file="$RUN_DIR/env" name
  {
    printf '# Configuration of the stack started by "make up" on %s.\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '# For reference only; unset names use the built-in defaults (README.md).\n'
    printf '# QUEUE_TOKEN_SECRET from %s; ADMIN_KEY from %s.\n' "$secret_token_source" "$admin_key_source"
    for name in "${CONFIG_VARS[@]}"; do
      if [ -n "${!name+set}" ]; then
        # Passwords in connection URLs stay out of the record.
        printf '%s=%s\n' "$name" "$(printf '%s' "${!name}" | sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#')"
      else
        printf '# %s (default)\n' "$name"
      fi
    done
  } >"$file"
}

print_urls() {
  cat <<EOF

  command-api  $(service_url command-api)
  query-api    $(service_url query-api)
  projector    $(service_url projector)/metrics
  web app      http://127.0.0.1:$UP_WEB_PORT/ (the fan's booking page)
  Kafka        127.0.0.1:$UP_BROKER_PORT (tansu, log kept in .run/tansu.db)
  admin key    ${admin_key_source:-see .run/env} (send it as X-Admin-Key)
  config       .run/env      logs: make logs      stop: make down
EOF
}

start_services() {
  local svc pid args host port
  for svc in "${STACK_SERVICES[@]}"; do
    if pid=$(live_supervisor "$(service_supervisor_pidfile "$svc")"); then
      say "$svc already running (supervisor pid $pid)"
      continue
    fi
    if pid=$(live_pid "$(service_pidfile "$svc")" "$svc"); then
      say "$svc already running (pid $pid, not supervised: 'make down' then 'make up' supervises it)"
      continue
    fi
    # Otherwise the readiness wait could be answered by a stranger.
    read -r host port <<<"$(service_endpoint "$svc")"
    if port_open "$host" "$port"; then
      die "$host:$port, where $svc should listen, is taken by another process"
    fi
    read -r -a args <<<"$(service_args "$svc")"
    # Logs are kept across restarts; the marker shows where this run begins.
    printf '=== %s: started by make up ===\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$(service_log "$svc")"
    # Under scripts/supervise.sh: a crashed or killed service is started
    # again (1 s back-off, doubling while it keeps failing, at most 30 s).
    start_supervised "$(service_supervisor_pidfile "$svc")" "$(service_pidfile "$svc")" "$(service_log "$svc")" \
      "$svc" "$ROOT/target/release/$svc" "${args[@]}" ||
      fail_service "$svc" "was not started by its supervisor"
    say "started $svc (pid $(head -n 1 "$(service_pidfile "$svc")"), supervised, log .run/$svc.log)"
  done
}

# web/dist served by web/serve.mjs, its /config.js naming this stack's APIs.
start_web() {
  local pidfile="$RUN_DIR/web.pid" log="$RUN_DIR/web.log" pid
  if pid=$(live_pid "$pidfile" node); then
    say "web app already running (pid $pid)"
    return 0
  fi
  if port_open 127.0.0.1 "$UP_WEB_PORT"; then
    die "127.0.0.1:$UP_WEB_PORT, where the web app should listen, is taken by another process"
  fi
  printf '=== %s: started by make up ===\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$log"
  start_background "$pidfile" "$log" node "$WEB_DIR/serve.mjs" --host 127.0.0.1 --port "$UP_WEB_PORT" \
    --command-api "$(service_url command-api)" --query-api "$(service_url query-api)"
  if ! wait_for_port 127.0.0.1 "$UP_WEB_PORT" 15 "$(head -n 1 "$pidfile")"; then
    show_log_tail "$log"
    die "the web app did not start; the rest of the stack is still running ('make down' stops it)"
  fi
  say "started the web app (pid $(head -n 1 "$pidfile"), log .run/web.log)"
}

fail_service() {
  show_log_tail "$(service_log "$1")"
  die "$1 $2; the rest of the stack is still running ('make down' stops it)"
}

wait_until_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) pending svc pid host port
  pending=("${STACK_SERVICES[@]}")
  while [ ${#pending[@]} -gt 0 ]; do
    local still=()
    for svc in "${pending[@]}"; do
      # Its supervisor notes every exit; one during start-up is a failure
      # to report, not something to retry for the whole timeout.
      local last
      last=$(tail -n 1 "$(service_pidfile "$svc").exits" 2>/dev/null || true)
      if [ -n "$last" ] && [ "${last%% *}" -ge "$UP_STARTED" ]; then
        fail_service "$svc" "exited during start-up (${last#* })"
      fi
      read -r host port <<<"$(service_endpoint "$svc")"
      if [ "$(http_status "$host" "$port" /readyz)" != 200 ]; then
        still+=("$svc")
      fi
    done
    pending=("${still[@]+"${still[@]}"}")
    [ ${#pending[@]} -gt 0 ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail_service "${pending[0]}" "not ready (GET /readyz != 200) after ${READY_TIMEOUT}s"
    fi
    sleep 0.5
  done
}

cd "$ROOT"
UP_STARTED=$(date +%s)
if stack_running; then
  admin_key_source=$(sed -n 's/^# .*ADMIN_KEY from \(.*\)\.$/\1/p' "$RUN_DIR/env" 2>/dev/null)
  say "the stack is already up"
  print_urls
  exit 0
fi

"$ROOT/scripts/ensure-deps.sh" base node
say "building release binaries"
"$ROOT/scripts/build.sh"
web_build
"$ROOT/scripts/broker.sh" start "$UP_BROKER_NAME" "$UP_BROKER_PORT" sqlite://tansu.db --supervise

mkdir -p "$RUN_DIR"
secret_token_source=$(secret_source QUEUE_TOKEN_SECRET "$RUN_DIR/queue_token_secret")
admin_key_source=$(secret_source ADMIN_KEY "$RUN_DIR/admin_key")
QUEUE_TOKEN_SECRET=${QUEUE_TOKEN_SECRET:-$(kept_secret "$RUN_DIR/queue_token_secret")}
ADMIN_KEY=${ADMIN_KEY:-$(kept_secret "$RUN_DIR/admin_key")}
export QUEUE_TOKEN_SECRET ADMIN_KEY
record_env

say "creating the database, migrations and topics (projector setup)"
if ! "$ROOT/target/release/projector" setup >"$RUN_DIR/projector-setup.log" 2>&1; then
  show_log_tail "$RUN_DIR/projector-setup.log"
  die "projector setup failed"
fi

start_services
say "waiting for /readyz (up to ${READY_TIMEOUT}s)"
wait_until_ready
start_web
say "the stack is up"
print_urls
