#!/usr/bin/env bash
# A local tansu (Kafka-compatible) broker on 127.0.0.1:<port>, run in the
# background with its pid file and log in .run/.
#
#   scripts/broker.sh start <name> <port> <storage-url> [--supervise]
#   scripts/broker.sh stop <name>
#   scripts/broker.sh status <name>
#
# --supervise runs tansu under scripts/supervise.sh, which starts it again
# whenever it exits (`make up` does this; the test broker, in memory, is not
# supervised: a restart would come back empty). broker-<name>.pid is then
# tansu's pid, rewritten at each restart, and broker-<name>.supervisor.pid the
# supervisor's, which `stop` ends first. A supervised broker is also probed
# (scripts/kafka-alive.sh every 5 s): tansu 0.6's sqlite storage can die
# while the process keeps listening, so three failed probes in a row kill it. BROKER_RUN_DIR (default .run/) is
# where the pid files and the log go and where tansu runs.
#
# <storage-url> is memory://tansu/ (gone when the broker stops) or
# sqlite://<file>. tansu resolves sqlite paths against its working directory,
# even ones written sqlite:///abs/path, so it runs inside .run/ and
# sqlite://tansu.db is .run/tansu.db.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  die "usage: $0 start <name> <port> <storage-url> [--supervise] | stop <name> | status <name>"
}

[ $# -ge 2 ] || usage
action=$1
name=$2
BROKER_RUN_DIR=${BROKER_RUN_DIR:-$RUN_DIR}
pidfile="$BROKER_RUN_DIR/broker-$name.pid"
supervisor_pidfile="$BROKER_RUN_DIR/broker-$name.supervisor.pid"
log="$BROKER_RUN_DIR/broker-$name.log"

start() {
  local port=$1 storage=$2 supervise=${3:-} bin pid
  if pid=$(live_supervisor "$supervisor_pidfile"); then
    say "broker $name already running (supervisor pid $pid)"
    return 0
  fi
  if pid=$(live_pid "$pidfile" tansu); then
    say "broker $name already running (pid $pid)"
    return 0
  fi
  port_open 127.0.0.1 "$port" && die "127.0.0.1:$port is already taken by another process"
  bin=$(tansu_bin)
  [ -n "$bin" ] || die "tansu not found; run scripts/ensure-deps.sh"

  mkdir -p "$BROKER_RUN_DIR"
  # tansu logs through RUST_LOG; the caller's RUST_LOG is meant for our services.
  # NO_COLOR keeps escape codes out of the log file.
  local command=(env RUST_LOG="${TANSU_LOG:-warn}" NO_COLOR=1 "$bin" broker
    --listener-url "tcp://127.0.0.1:$port"
    --advertised-listener-url "tcp://127.0.0.1:$port"
    --storage-engine "$storage")
  if [ "$supervise" = --supervise ]; then
    rm -f "$pidfile"
    # The probe asks for metadata, which needs tansu's storage: a broker
    # whose storage task died (it keeps listening) is killed and restarted.
    (cd "$BROKER_RUN_DIR" && start_supervised "$supervisor_pidfile" "$pidfile" "$log" "broker $name" \
      --liveness "$ROOT/scripts/kafka-alive.sh 127.0.0.1 $port" -- "${command[@]}") ||
      die "broker $name: its supervisor did not start tansu (log ${log#"$ROOT"/})"
    pid=$(head -n 1 "$pidfile")
  else
    (cd "$BROKER_RUN_DIR" && start_background "$pidfile" "$log" "${command[@]}")
    pid=$(head -n 1 "$pidfile")
  fi

  if ! wait_for_port 127.0.0.1 "$port" 60 "$pid"; then
    show_log_tail "$log"
    stop_supervised "$supervisor_pidfile" 5 "broker $name's supervisor" >/dev/null
    stop_background "$pidfile" tansu 5 "broker $name" >/dev/null
    die "broker $name did not start listening on 127.0.0.1:$port"
  fi
  say "broker $name listening on 127.0.0.1:$port (pid $pid${supervise:+, supervised}, storage $storage, log ${log#"$ROOT"/})"
  # tansu's sqlite storage has no index for a record's headers and scans
  # them all for every record it hands out, and each of our records has a
  # header (its traceparent): without this index a fetch slows down with
  # the log's length (scripts/tansu-sqlite.py, README: Latency and history).
  # The index lives in the file, so restarts keep it.
  case "$storage" in
    sqlite://*)
      python3 "$ROOT/scripts/tansu-sqlite.py" index "$BROKER_RUN_DIR/${storage#sqlite://}" ||
        die "broker $name: cannot index the headers of ${storage#sqlite://}"
      ;;
  esac
}

case "$action" in
  start)
    [ $# -eq 4 ] || [ $# -eq 5 ] || usage
    [ $# -eq 4 ] || [ "$5" = --supervise ] || usage
    start "$3" "$4" "${5:-}"
    ;;
  stop)
    stop_supervised "$supervisor_pidfile" 20 "broker $name's supervisor"
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
