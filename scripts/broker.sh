#!/usr/bin/env bash
# A local tansu (Kafka-compatible) broker on 127.0.0.1:<port>, run in the
# background with its pid file and log in .run/.
#
#   scripts/broker.sh start <name> <port> <storage-url>
#   scripts/broker.sh stop <name>
#   scripts/broker.sh status <name>
#
# <storage-url> is memory://tansu/ (gone when the broker stops) or
# sqlite://<file>. tansu resolves sqlite paths against its working directory,
# even ones written sqlite:///abs/path, so it runs inside .run/ and
# sqlite://tansu.db is .run/tansu.db.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  die "usage: $0 start <name> <port> <storage-url> | stop <name> | status <name>"
}

[ $# -ge 2 ] || usage
action=$1
name=$2
pidfile="$RUN_DIR/broker-$name.pid"
log="$RUN_DIR/broker-$name.log"

start() {
  local port=$1 storage=$2 bin pid
  if pid=$(live_pid "$pidfile" tansu); then
    say "broker $name already running (pid $pid)"
    return 0
  fi
  port_open 127.0.0.1 "$port" && die "127.0.0.1:$port is already taken by another process"
  bin=$(tansu_bin)
  [ -n "$bin" ] || die "tansu not found; run scripts/ensure-deps.sh"

  mkdir -p "$RUN_DIR"
  # tansu logs through RUST_LOG; the caller's RUST_LOG is meant for our services.
  # NO_COLOR keeps escape codes out of the log file.
  (cd "$RUN_DIR" && start_background "$pidfile" "$log" \
    env RUST_LOG="${TANSU_LOG:-warn}" NO_COLOR=1 "$bin" broker \
    --listener-url "tcp://127.0.0.1:$port" \
    --advertised-listener-url "tcp://127.0.0.1:$port" \
    --storage-engine "$storage")
  pid=$(head -n 1 "$pidfile")

  if ! wait_for_port 127.0.0.1 "$port" 60 "$pid"; then
    show_log_tail "$log"
    stop_background "$pidfile" tansu 5 "broker $name" >/dev/null
    die "broker $name did not start listening on 127.0.0.1:$port"
  fi
  say "broker $name listening on 127.0.0.1:$port (pid $pid, storage $storage, log ${log#"$ROOT"/})"
}

case "$action" in
  start)
    [ $# -eq 4 ] || usage
    start "$3" "$4"
    ;;
  stop)
    stop_background "$pidfile" tansu 15 "broker $name"
    ;;
  status)
    if pid=$(live_pid "$pidfile" tansu); then
      say "broker $name running (pid $pid)"
    else
      say "broker $name not running"
      exit 1
    fi
    ;;
  *) usage ;;
esac
