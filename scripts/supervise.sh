#!/usr/bin/env bash
# Runs one program and starts it again whenever it exits, until this
# supervisor is told to stop. `make up` runs the broker and each service
# under it, and so does the chaos suite's stack (sandbox.py --supervise).
#
#   scripts/supervise.sh <label> <child-pidfile> [--liveness <probe>] -- <command> [args...]
#
# - The program's pid is written to <child-pidfile> each time it starts (the
#   supervisor's own pid is whatever its starter records), and its exits are
#   noted in <child-pidfile>.exits ("<epoch> <label> exit <status> after <s>s").
# - Back-off between restarts: 1 s, doubled after each exit that came less
#   than 30 s after its start, at most 30 s; back to 1 s after a run of 30 s
#   or more. A program that fails at start-up (a configuration error) is
#   therefore retried every 30 s, not in a tight loop.
# - A stopped program (SIGSTOP) is not an exit: it is left alone until it
#   is continued or killed (or, with a probe, until the probe gives up).
# - --liveness <probe>: a shell command run every 5 s once the program has
#   had 20 s to start (at most 5 s each); after 3 failures in a row the
#   program is killed (SIGKILL) and so started again. For a process that
#   can be broken while still running: tansu's storage task can die while
#   its listener lives on (scripts/kafka-alive.sh is the broker's probe).
#   SUPERVISE_PROBE_EVERY and SUPERVISE_PROBE_GRACE change the 5 s and 20 s.
# - SIGTERM or SIGINT to the supervisor: SIGTERM to the program, up to
#   SUPERVISE_STOP_GRACE seconds (20) for it to finish, then SIGKILL; the
#   child pid file is removed and the supervisor exits 0.
#
# Output (the program's and these notes) goes wherever the supervisor's
# standard output goes: the caller's log file.
set -uo pipefail

usage() {
  printf 'usage: %s <label> <child-pidfile> [--liveness <probe>] -- <command> [args...]\n' "$0" >&2
  exit 2
}
[ $# -ge 4 ] || usage
label=$1
child_pidfile=$2
shift 2
liveness=
if [ "$1" = --liveness ]; then
  [ $# -ge 4 ] || usage
  liveness=$2
  shift 2
fi
[ "$1" = "--" ] || usage
shift

grace=${SUPERVISE_STOP_GRACE:-20}
max_backoff=${SUPERVISE_MAX_BACKOFF:-30}
stable_after=30
child=
watcher=
stopping=no
probe_every=${SUPERVISE_PROBE_EVERY:-5}
probe_grace=${SUPERVISE_PROBE_GRACE:-20}
probe_failures=3

note() { printf '=== %s supervise: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

# Runs the liveness probe against one start of the program; kills the
# program after probe_failures failures in a row.
watch() {
  local pid=$1 failed=0
  sleep "$probe_grace"
  while kill -0 "$pid" 2>/dev/null; do
    if timeout 5 bash -c "$liveness" >/dev/null 2>&1; then
      failed=0
    else
      failed=$((failed + 1))
      if [ "$failed" -ge "$probe_failures" ]; then
        note "$label (pid $pid) failed its liveness probe $failed times in a row; SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        return 0
      fi
    fi
    sleep "$probe_every"
  done
}

end_watcher() {
  if [ -n "$watcher" ]; then
    kill "$watcher" 2>/dev/null
    wait "$watcher" 2>/dev/null
    watcher=
  fi
}

stop() {
  stopping=yes
  end_watcher
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    # A stopped program cannot act on SIGTERM until it is continued.
    kill -TERM "$child" 2>/dev/null
    kill -CONT "$child" 2>/dev/null
    local deadline=$((SECONDS + grace))
    while kill -0 "$child" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.2
    done
    if kill -0 "$child" 2>/dev/null; then
      note "$label (pid $child) still running after ${grace}s; SIGKILL"
      kill -KILL "$child" 2>/dev/null
    fi
    wait "$child" 2>/dev/null
  fi
  rm -f "$child_pidfile"
  note "$label stopped"
  exit 0
}
trap stop TERM INT

backoff=1
while [ "$stopping" = no ]; do
  started=$SECONDS
  "$@" </dev/null &
  child=$!
  printf '%s\n' "$child" >"$child_pidfile"
  if [ -n "$liveness" ]; then
    watch "$child" &
    watcher=$!
  fi
  # `wait` returns early when a trapped signal arrives; the trap then stops
  # the child and exits. Otherwise it returns the child's exit status (it
  # does not return for a child that is merely stopped: job control is off).
  wait "$child"
  status=$?
  while kill -0 "$child" 2>/dev/null; do
    wait "$child"
    status=$?
  done
  ran=$((SECONDS - started))
  end_watcher
  [ "$stopping" = no ] || break
  printf '%s %s exit %s after %ss\n' "$(date +%s)" "$label" "$status" "$ran" >>"$child_pidfile.exits"
  if [ "$ran" -ge "$stable_after" ]; then
    backoff=1
  fi
  note "$label (pid $child) exited with status $status after ${ran}s; restarting in ${backoff}s"
  sleep "$backoff" &
  wait $! 2>/dev/null
  if [ "$ran" -lt "$stable_after" ]; then
    backoff=$((backoff * 2 > max_backoff ? max_backoff : backoff * 2))
  fi
done
