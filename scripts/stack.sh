# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables here are used by the scripts that source this file
# What `make up` runs: the services (in start order), their ports and pid files.

STACK_SERVICES=(projector command-api query-api)
UP_BROKER_NAME=up
UP_BROKER_PORT=9092

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
service_log() { printf '%s' "$RUN_DIR/$1.log"; }
