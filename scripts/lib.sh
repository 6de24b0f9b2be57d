# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables here are used by the scripts that source this file
# Sourced by the scripts in this folder: where things live, messages,
# port probes and the background processes that `make up` and `make test` own.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR="$ROOT/.run"
TANSU_VERSION=0.6.0

# rustup puts cargo (and `cargo install`ed tools such as tansu) here, but a
# non-login shell on a fresh machine may not have it on PATH yet.
if [ -d "$HOME/.cargo/bin" ]; then
  case ":$PATH:" in
    *":$HOME/.cargo/bin:"*) ;;
    *) PATH="$PATH:$HOME/.cargo/bin" ;;
  esac
  export PATH
fi

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# True when something accepts TCP connections on host:port.
port_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# HTTP status of GET http://<host>:<port><path>, 000 when nothing answers.
http_status() {
  local host=$1 port=$2 path=$3 code
  if command -v curl >/dev/null 2>&1; then
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$host:$port$path") || true
  else
    code=$(
      exec 2>/dev/null 3<>"/dev/tcp/$host/$port" || exit 0
      printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$path" "$host" "$port" >&3
      IFS=' ' read -r -t 2 _ status _ <&3 && printf '%s' "$status"
    ) || true
  fi
  printf '%s' "${code:-000}"
}

# Where to reach a listen address such as 0.0.0.0:8080, [::]:8080 or
# 10.0.0.5:8080 from this machine, as "<host> <port>".
addr_endpoint() {
  local host=${1%:*} port=${1##*:}
  case "$host" in
    '' | 0.0.0.0 | '[::]' | '::' | localhost) host=127.0.0.1 ;;
  esac
  printf '%s %s' "$host" "$port"
}

# A zombie still answers kill -0; it is not running.
pid_running() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ "$state" != Z ]
}

# Prints the pid recorded in <pidfile> when that process is alive and is still
# <program> (a recycled pid must never be signalled).
live_pid() {
  local pidfile=$1 program=$2 pid argv0
  [ -f "$pidfile" ] || return 1
  pid=$(head -n 1 "$pidfile" 2>/dev/null)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_running "$pid" || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    argv0=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | head -n 1)
    [ "$(basename -- "$argv0")" = "$program" ] || return 1
  fi
  printf '%s' "$pid"
}

# Runs a command detached from the terminal (its own session, so closing the
# terminal or a Ctrl-C in a later command does not reach it), appending to <log>.
start_background() {
  local pidfile=$1 log=$2
  shift 2
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")"
  if command -v setsid >/dev/null 2>&1; then
    setsid "$@" </dev/null >>"$log" 2>&1 &
  else
    nohup "$@" </dev/null >>"$log" 2>&1 &
  fi
  printf '%s\n' "$!" >"$pidfile"
}

# Prints the pid recorded in <pidfile> when that process is alive and is
# still a scripts/supervise.sh (its argv is bash, then the script's path).
live_supervisor() {
  local pidfile=$1 pid script
  [ -f "$pidfile" ] || return 1
  pid=$(head -n 1 "$pidfile" 2>/dev/null)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_running "$pid" || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    script=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | sed -n 2p)
    [ "$(basename -- "$script")" = supervise.sh ] || return 1
  fi
  printf '%s' "$pid"
}

# Runs <command> under scripts/supervise.sh (restarted whenever it exits),
# detached as start_background does: the supervisor's pid goes to
# <supervisor-pidfile>, the program's to <child-pidfile> (rewritten at each
# restart). Returns once the program has started. Either the command alone,
# or `--liveness <probe> -- <command>` (see scripts/supervise.sh).
start_supervised() {
  local supervisor_pidfile=$1 child_pidfile=$2 log=$3 label=$4 tries=0
  shift 4
  [ "$1" = --liveness ] || set -- -- "$@"
  rm -f "$child_pidfile" "$child_pidfile.exits"
  start_background "$supervisor_pidfile" "$log" "$ROOT/scripts/supervise.sh" "$label" "$child_pidfile" "$@"
  until [ -s "$child_pidfile" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || return 1
    sleep 0.1
  done
}

# SIGTERM <pid>, up to <grace> seconds to end, then SIGKILL.
terminate() {
  local pid=$1 grace=$2 label=$3 deadline
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + grace))
  while pid_running "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.2
  done
  if pid_running "$pid"; then
    warn "$label (pid $pid) still running after ${grace}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  say "stopped $label (pid $pid)"
}

# Stops a supervisor (it stops its program first: SIGTERM, then SIGKILL
# after its own grace) and removes its pid file.
stop_supervised() {
  local pidfile=$1 grace=${2:-20} label=${3:-supervisor} pid
  if pid=$(live_supervisor "$pidfile"); then
    # Its program gets <grace> seconds from the supervisor; it gets 5 more.
    terminate "$pid" $((grace + 5)) "$label"
  fi
  rm -f "$pidfile"
}

# SIGTERM, up to <grace> seconds to finish, then SIGKILL; removes the pid file
# whether or not the process was still there.
stop_background() {
  local pidfile=$1 program=$2 grace=${3:-20} label=${4:-$2} pid
  if pid=$(live_pid "$pidfile" "$program"); then
    terminate "$pid" "$grace" "$label"
  fi
  rm -f "$pidfile"
}

# Waits until host:port accepts connections; gives up after <seconds> or as
# soon as the optional <pid> dies.
wait_for_port() {
  local host=$1 port=$2 seconds=$3 pid=${4:-} deadline
  deadline=$((SECONDS + seconds))
  until port_open "$host" "$port"; do
    if [ -n "$pid" ] && ! pid_running "$pid"; then
      return 1
    fi
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

show_log_tail() {
  local log=$1
  [ -f "$log" ] || return 0
  printf -- '--- last lines of %s ---\n' "${log#"$ROOT"/}" >&2
  tail -n 40 "$log" >&2
  printf -- '---\n' >&2
}

# The tansu binary on PATH or in ~/.cargo/bin; empty when there is none.
tansu_bin() {
  if command -v tansu >/dev/null 2>&1; then
    command -v tansu
  elif [ -x "$HOME/.cargo/bin/tansu" ]; then
    printf '%s' "$HOME/.cargo/bin/tansu"
  fi
}
