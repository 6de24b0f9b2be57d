# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables here are used by the scripts that source this file
# What `make up` runs: the services (in start order), their ports and pid files.

STACK_SERVICES=(projector command-api query-api)
UP_BROKER_NAME=up
UP_BROKER_PORT=9092
# The fan's booking page (web/, served by web/serve.mjs).
UP_WEB_PORT=8083

# Where a service listens, as "<host> <port>", from the variable it reads.
service_endpoint() {
  case "$1" in
    command-api) addr_endpoint "${COMMAND_API_ADDR:-0.0.0.0:8080}" ;;
    query-api) addr_endpoint "${QUERY_API_ADDR:-0.0.0.0:8081}" ;;
    projector) addr_endpoint "${PROJECTOR_ADDR:-0.0.0.0:8082}" ;;
  esac
}

service_url() {
  local host port
  read -r host port <<<"$(service_endpoint "$1")"
  printf 'http://%s:%s' "$host" "$port"
}

service_args() {
  case "$1" in
    projector) printf 'run' ;;
  esac
}

service_pidfile() { printf '%s' "$RUN_DIR/$1.pid"; }
# The supervisor that restarts the service (scripts/supervise.sh); the
# service's own pid file is rewritten at each restart.
service_supervisor_pidfile() { printf '%s' "$RUN_DIR/$1.supervisor.pid"; }
service_log() { printf '%s' "$RUN_DIR/$1.log"; }

# The broker layout and fetch wait of this one-machine stack, unless the
# caller sets them (the services' own defaults, 3/6/6 partitions and 5 ms,
# suit a real cluster). tansu's sqlite engine runs a few SQL queries per
# partition on every fetch, and the projector fetches every few milliseconds,
# so on two cores each partition costs CPU that the services need under load:
# one partition per topic measured fastest in `make load` (README,
# Performance). Records reach the projector as hand-offs (KAFKA_HANDOFF), so
# the fetch only brings what no hand-off did: a 200 ms wait costs decisions
# nothing and polls tansu a twentieth as often as the 10 ms it replaced.
# Topics that already exist in .run/tansu.db keep their partitions.
: "${KAFKA_PARTITIONS_CATALOG:=1}"
: "${KAFKA_PARTITIONS_RESERVATIONS:=1}"
: "${KAFKA_PARTITIONS_WALLETS:=1}"
: "${KAFKA_FETCH_WAIT_MS:=200}"
export KAFKA_PARTITIONS_CATALOG KAFKA_PARTITIONS_RESERVATIONS KAFKA_PARTITIONS_WALLETS KAFKA_FETCH_WAIT_MS

# The web app calls both APIs from its own origin, so they allow it, and
# command-api's Location headers name the query-api this stack serves.
: "${CORS_ALLOWED_ORIGINS:=http://127.0.0.1:$UP_WEB_PORT,http://localhost:$UP_WEB_PORT}"
: "${PUBLIC_QUERY_URL:=$(service_url query-api)}"
export CORS_ALLOWED_ORIGINS PUBLIC_QUERY_URL
