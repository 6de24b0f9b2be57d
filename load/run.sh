#!/usr/bin/env bash
# `make load`: the k6 scenarios (queue, reservation, stampede), each once with
# CACHE_STRATEGY=naive and once with protected, then load/report/ (report.md,
# summary.json, latency-<scenario>.svg); and the overload scenario, once with
# the default settings (protected, adaptive admission), reported apart
# (overload.md, overload.json, overload.svg).
#
#   load/run.sh [--short] [--sandbox [--bin-dir DIR]] [--out DIR] [--strict]
#               [--scenarios "queue reservation stampede overload"] [--strategies "naive protected"]
#   load/run.sh --capacity [--short] [--sandbox [--bin-dir DIR] | --floor] [--out DIR]
#
# --capacity runs the capacity step benchmark instead (scenarios/capacity.js:
# CAPACITY_STEPS fans/s, CAPACITY_STEP_SECONDS each, admission fixed at
# 100000/s so every fan books at once, CACHE_STRATEGY=protected), samples the
# CPU of every process meanwhile and writes capacity.md, capacity.json and
# capacity.svg: per step p95/p99, 5xx, connection errors, CPU, and the
# highest step that held the SLO.
#
# --capacity --floor runs the same steps against load/floor (contract-floor:
# the fan flow's contract answered from memory, no stack behind it, one
# worker thread on FLOOR_PORT, 18380) instead of a stack: what k6 itself
# costs per fan on this machine, and the highest rate it can drive at all.
# No design of the contract measured with k6 on the same cores can serve
# more than that.
#
# overload: about OVERLOAD_FACTOR (3) times OVERLOAD_CAPACITY fans/s (default:
# the highest step held in <out>/capacity.json) for OVERLOAD_SECONDS; LEAVER_SHARE
# of them leave mid-wait; the services run with their default settings.
# command-api's /metrics is sampled every second meanwhile.
#
# k6 runs at niceness K6_NICE (default -10: ahead of the stack for the
# cores, so that it reports the stack's latency and not its own wait for a
# core; 0 shares the cores evenly), on K6_GOMAXPROCS (8) Go threads. Every
# report's machine line says which.
#
# By default it runs against the `make up` stack: it runs `make up` once (so
# every run uses the same release binaries), then before every scenario
# restarts the three services with the strategy under test and empties the
# waiting queue (the keys under ${REDIS_KEY_PREFIX:-tf:}queue:), and
# vacuums the database when the server runs without autovacuum, so each
# scenario starts from the same place. The stack is left up, with the last
# strategy (protected); `make down` stops it. Like `make up`, your
# environment reaches the services.
#
# --sandbox runs each scenario on a throw-away stack instead (load/sandbox.py:
# its own database, topics, Redis prefix and ports; TEST_KAFKA_BROKERS names
# the broker), which is how `make test` runs the short mode. --short runs a few
# seconds per scenario. Exit status: non-zero when a run could not be made;
# with --strict also when a k6 threshold (p95 < 1 s, no server errors, no
# unexpected 4xx) was crossed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
# shellcheck source=scripts/stack.sh
source "$ROOT/scripts/stack.sh"
# shellcheck source=load/k6.sh
source "$ROOT/load/k6.sh"

mode=full
target=up
out="$ROOT/load/report"
strict=no
bin_dir=
scenarios="queue reservation stampede overload"
strategies="naive protected"
capacity=no
# Extra settings for the services under test (NAME=VALUE).
service_env=()

usage() {
  sed -n '2,44p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --short) mode=short ;;
    --sandbox) target=sandbox ;;
    --strict) strict=yes ;;
    --capacity) capacity=yes ;;
    --floor) target=floor ;;
    --out)
      [ $# -ge 2 ] || usage
      out=$2
      shift
      ;;
    --bin-dir)
      [ $# -ge 2 ] || usage
      bin_dir=$2
      shift
      ;;
    --scenarios)
      [ $# -ge 2 ] || usage
      scenarios=$2
      shift
      ;;
    --strategies)
      [ $# -ge 2 ] || usage
      strategies=$2
      shift
      ;;
    -h | --help) usage ;;
    *) usage ;;
  esac
  shift
done

if [ "$capacity" = yes ]; then
  scenarios=capacity
  strategies=protected
fi
[ "$target" != floor ] || [ "$capacity" = yes ] || die "--floor goes with --capacity"

for scenario in $scenarios; do
  [ -f "$ROOT/load/scenarios/$scenario.js" ] || die "no scenario load/scenarios/$scenario.js"
done
for strategy in $strategies; do
  case "$strategy" in naive | protected) ;; *) die "unknown strategy $strategy (naive or protected)" ;; esac
done

K6_BIN=$(k6_bin)
if [ -z "$K6_BIN" ]; then
  "$ROOT/scripts/ensure-deps.sh" k6
  K6_BIN=$(k6_bin)
fi

raw="$out/raw"
# The capacity run keeps its raw results apart from the scenarios' report.
[ "$capacity" = no ] || raw="$out/raw-capacity"
rm -rf "$raw"
mkdir -p "$raw"
sandbox_dir=
sampler_pid=
crossed=no

cleanup() {
  stop_cpu_sampler
  stop_metrics_sampler
  stop_floor
  if [ -n "$sandbox_dir" ] && [ -f "$sandbox_dir/sandbox.json" ]; then
    python3 "$ROOT/load/sandbox.py" down --dir "$sandbox_dir" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

redis_cli() {
  redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" "$@"
}

# The waiting queue of the `make up` stack, emptied while its services are
# stopped: a scenario's fans stay ACTIVE for QUEUE_ACTIVE_TTL_SECONDS and
# would otherwise fill the next scenario's active set. The admission
# controller's record (`queue:control`: its rate and the rate the stack was
# proven to sustain) is the stack's, not a scenario's, and stays, as it does
# across restarts in production; COLD_START=1 drops it too.
empty_up_queue() {
  local root="${REDIS_KEY_PREFIX:-tf:}queue:"
  redis_cli --scan --pattern "${root}*" |
    { if [ "${COLD_START:-0}" = 1 ]; then cat; else grep -vxF "${root}control" || true; fi; } |
    xargs -r -n 500 redis-cli -u "${REDIS_URL:-redis://127.0.0.1:6379}" UNLINK >/dev/null
}

# `make up` once (build, broker, set-up), so every run uses the same binaries.
bring_up_stack() {
  local log="$raw/make-up.log"
  say "make up (log ${log#"$ROOT"/})"
  if ! "$ROOT/scripts/up.sh" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "make up failed"
  fi
}

# The services of `make up` stopped and started again with <strategy>, on
# the queue emptied in between, each under a supervisor of its own as `make
# up` starts them; same pid files and logs, so `make down` still stops them.
# The supervisor goes first: a service stopped under it would be started
# again with the old settings, beside (or instead of) the one started here.
restart_up_services() {
  local strategy=$1 svc pid host port deadline
  for svc in command-api query-api projector; do
    stop_supervised "$(service_supervisor_pidfile "$svc")" 20 "$svc's supervisor" >/dev/null
    stop_background "$(service_pidfile "$svc")" "$svc" 20 >/dev/null
  done
  empty_up_queue
  # `make up` above may have rebuilt the binaries of a stack that was
  # already up: their migrations go in before they start, as `make up`
  # applies them on a new stack (idempotent).
  if ! "$ROOT/target/release/projector" migrate >>"$RUN_DIR/projector-setup.log" 2>&1; then
    show_log_tail "$RUN_DIR/projector-setup.log"
    die "projector migrate failed"
  fi
  for svc in "${STACK_SERVICES[@]}"; do
    local args=()
    read -r -a args <<<"$(service_args "$svc")"
    printf '=== %s: started by load/run.sh, CACHE_STRATEGY=%s ===\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$strategy" >>"$(service_log "$svc")"
    (
      [ "${#service_env[@]}" -eq 0 ] || export "${service_env[@]}"
      CACHE_STRATEGY=$strategy \
        QUEUE_TOKEN_SECRET=${QUEUE_TOKEN_SECRET:-$(cat "$RUN_DIR/queue_token_secret")} \
        ADMIN_KEY=${ADMIN_KEY:-$(cat "$RUN_DIR/admin_key")} \
        start_supervised "$(service_supervisor_pidfile "$svc")" "$(service_pidfile "$svc")" "$(service_log "$svc")" \
          "$svc" "$ROOT/target/release/$svc" "${args[@]}"
    ) || die "$svc was not started by its supervisor"
  done
  deadline=$((SECONDS + ${UP_READY_TIMEOUT:-120}))
  for svc in "${STACK_SERVICES[@]}"; do
    pid=$(head -n 1 "$(service_pidfile "$svc")")
    read -r host port <<<"$(service_endpoint "$svc")"
    until [ "$(http_status "$host" "$port" /readyz)" = 200 ]; do
      if ! pid_running "$pid" || [ "$SECONDS" -ge "$deadline" ]; then
        show_log_tail "$(service_log "$svc")"
        die "$svc did not become ready with CACHE_STRATEGY=$strategy"
      fi
      sleep 0.5
    done
  done
}

# Points the scenario at the `make up` stack, restarted with <strategy>.
start_up_stack() {
  restart_up_services "$1"
  COMMAND_API_URL=$(service_url command-api)
  QUERY_API_URL=$(service_url query-api)
  PROJECTOR_URL=$(service_url projector)
  STACK_ADMIN_KEY=${ADMIN_KEY:-$(cat "$RUN_DIR/admin_key")}
  STACK_REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
  STACK_REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX-tf:}
}

start_sandbox() {
  local strategy=$1 dir=$2 assignments
  local args=(up --dir "$dir" --env "CACHE_STRATEGY=$strategy") setting
  for setting in "${service_env[@]}"; do
    args+=(--env "$setting")
  done
  [ -z "$bin_dir" ] || args+=(--bin-dir "$bin_dir")
  sandbox_dir=$dir
  assignments=$(python3 "$ROOT/load/sandbox.py" "${args[@]}") || die "the sandbox stack did not start (logs in $dir)"
  COMMAND_API_URL=$(sed -n 's/^COMMAND_API_URL=//p' <<<"$assignments")
  QUERY_API_URL=$(sed -n 's/^QUERY_API_URL=//p' <<<"$assignments")
  PROJECTOR_URL=$(sed -n 's/^PROJECTOR_URL=//p' <<<"$assignments")
  STACK_ADMIN_KEY=$(sed -n 's/^ADMIN_KEY=//p' <<<"$assignments")
  STACK_REDIS_URL=$(sed -n 's/^REDIS_URL=//p' <<<"$assignments")
  STACK_REDIS_KEY_PREFIX=$(sed -n 's/^REDIS_KEY_PREFIX=//p' <<<"$assignments")
}

# The contract floor (load/floor), built when missing, on FLOOR_PORT.
floor_pid=
start_floor() {
  local port=${FLOOR_PORT:-18380} bin="$ROOT/target/release/contract-floor" deadline
  if [ ! -x "$bin" ]; then
    say "building contract-floor (cargo build --release -p contract-floor)"
    (cd "$ROOT" && cargo build --release -p contract-floor) >"$raw/floor-build.log" 2>&1 ||
      die "contract-floor did not build (log ${raw#"$ROOT"/}/floor-build.log)"
  fi
  "$bin" "$port" 1 >"$raw/floor.log" 2>&1 &
  floor_pid=$!
  deadline=$((SECONDS + 10))
  until [ "$(http_status 127.0.0.1 "$port" /healthz)" = 200 ]; do
    pid_running "$floor_pid" && [ "$SECONDS" -lt "$deadline" ] ||
      die "contract-floor did not start (log ${raw#"$ROOT"/}/floor.log)"
    sleep 0.2
  done
  COMMAND_API_URL=http://127.0.0.1:$port
  QUERY_API_URL=$COMMAND_API_URL
  PROJECTOR_URL=$COMMAND_API_URL
  STACK_ADMIN_KEY=floor
  STACK_REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
  STACK_REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX-tf:}
}

stop_floor() {
  [ -n "$floor_pid" ] || return 0
  kill -TERM "$floor_pid" 2>/dev/null || true
  wait "$floor_pid" 2>/dev/null || true
  floor_pid=
}

stop_sandbox() {
  [ -n "$sandbox_dir" ] || return 0
  python3 "$ROOT/load/sandbox.py" down --dir "$sandbox_dir"
  sandbox_dir=
}

# Every service's /metrics, for the database fallbacks and cache reads a run
# caused (python3 rather than curl: one dependency fewer on a bare machine).
snapshot_metrics() {
  python3 - "$1" "$COMMAND_API_URL" "$QUERY_API_URL" "$PROJECTOR_URL" <<'PY'
import sys, urllib.request
with open(sys.argv[1], "w") as out:
    for url in sys.argv[2:]:
        out.write(f"# scraped from {url}\n")
        try:
            with urllib.request.urlopen(url + "/metrics", timeout=5) as response:
                out.write(response.read().decode())
        except OSError as error:
            out.write(f"# (no answer: {error})\n")
PY
}

# A Postgres without autovacuum (this machine's is configured so, for its
# CI) keeps every dead row the runs leave: the churned tables and their
# indexes only grow, and a stack's latency grows with the runs made on it,
# which no production Postgres does. So on such a server each run on the
# `make up` stack starts from a vacuumed database, as autovacuum would
# have left it between bursts; the report's context says so.
vacuumed=no
vacuum_when_autovacuum_is_off() {
  local url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ticketfold}
  vacuumed=no
  command -v psql >/dev/null 2>&1 || return 0
  [ "$(psql "$url" -Atqc 'SHOW autovacuum' 2>/dev/null)" = off ] || return 0
  say "autovacuum is off on this Postgres: VACUUM (ANALYZE) of the stack's database first"
  if psql "$url" -qc 'VACUUM (ANALYZE)' >/dev/null; then
    vacuumed=yes
  else
    warn "VACUUM failed; the run goes on without it"
  fi
}

# k6 shares the cores with the stack it measures. Starved of CPU it reports
# its own wait for a core as the server's latency (seconds-long p95s while
# the server answered in 100-200 ms) and delivers arrivals in clumps. At a
# higher priority it takes what it needs first, as a load generator on a
# machine of its own would, and the stack runs on what is left, so what k6
# measures is the stack's latency on the cores k6 leaves it. K6_NICE sets
# the niceness (default -10; 0 runs k6 like any other process); where the
# user may not raise a priority k6 runs at 0 and the report says so.
k6_niceness() {
  local wanted=${K6_NICE:--10}
  [[ "$wanted" =~ ^-?[0-9]+$ ]] || die "K6_NICE must be a whole number, got '$wanted'"
  # GNU nice warns and runs the command anyway when it may not set the value.
  if [ -n "$(nice -n "$wanted" true 2>&1)" ]; then
    warn "k6 cannot run at niceness $wanted here (no permission); it runs at 0, sharing the cores evenly"
    wanted=0
  fi
  printf '%s' "$wanted"
}
K6_NICENESS=$(k6_niceness)
# Go runs k6's goroutines on GOMAXPROCS threads, by default one per core.
# Two threads busy with the VUs' JavaScript leave the goroutines that read
# and time the answers waiting behind them: in a 30 s overload run k6's
# medians fell from 400-560 ms to 93-122 ms with 8 threads (the server's
# own figures unchanged), since the kernel then interleaves the threads at
# k6's priority. K6_GOMAXPROCS sets it (default 8).
K6_THREADS=${K6_GOMAXPROCS:-8}
[[ "$K6_THREADS" =~ ^[1-9][0-9]*$ ]] || die "K6_GOMAXPROCS must be a positive whole number, got '$K6_THREADS'"

# What the numbers depend on besides the code: the machine's load when the
# run started, the source revision, the k6 version and priority, whether the
# database was vacuumed first.
record_context() {
  local file=$1 commit
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1)" ]; then
    commit="$commit + uncommitted changes"
  fi
  printf '{"cpus": %s, "load_average": %s, "commit": "%s", "k6": "%s", "k6_niceness": %s, "k6_gomaxprocs": %s, "started_at": "%s", "vacuumed_first": "%s"}\n' \
    "$(nproc)" "$(cut -d' ' -f1 /proc/loadavg)" "$commit" "$K6_VERSION" "$K6_NICENESS" "$K6_THREADS" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$vacuumed" >"$file"
}

# The pid of each service under test, as NAME=PID arguments for the CPU sampler.
service_pids() {
  local svc pid
  if [ "$target" = floor ]; then
    printf -- '--pid contract-floor=%s\n' "$floor_pid"
    return 0
  fi
  for svc in command-api query-api projector; do
    if [ -n "$sandbox_dir" ]; then
      pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pids"][sys.argv[2]])' "$sandbox_dir/sandbox.json" "$svc")
    else
      pid=$(head -n 1 "$(service_pidfile "$svc")")
    fi
    printf -- '--pid %s=%s\n' "$svc" "$pid"
  done
}

# CPU of every process while k6 runs (tools/ticketfold_tools/capacity.py
# sample): the services by pid; the broker, Postgres, Redis and k6 by name
# (on a shared machine they may serve others too).
start_cpu_sampler() {
  local dir=$1 args=() comms=(--comm tansu=tansu --comm postgres=postgres --comm redis=redis-server --comm k6=k6)
  read -r -a args <<<"$(service_pids | tr '\n' ' ')"
  # The floor has no broker, database or Redis behind it.
  [ "$target" != floor ] || comms=(--comm k6=k6)
  PYTHONPATH="$ROOT/tools${PYTHONPATH:+:$PYTHONPATH}" python3 -m ticketfold_tools.capacity sample \
    --out "$dir/cpu.jsonl" "${args[@]}" "${comms[@]}" &
  sampler_pid=$!
}

stop_cpu_sampler() {
  [ -n "$sampler_pid" ] || return 0
  kill -TERM "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=
}

# command-api's queue metrics every second (overload), for the report's time series.
metrics_sampler_pid=
start_metrics_sampler() {
  PYTHONPATH="$ROOT/tools${PYTHONPATH:+:$PYTHONPATH}" python3 -m ticketfold_tools.overload sample \
    --url "$COMMAND_API_URL" --out "$1/metrics.jsonl" &
  metrics_sampler_pid=$!
}

stop_metrics_sampler() {
  [ -n "$metrics_sampler_pid" ] || return 0
  kill -TERM "$metrics_sampler_pid" 2>/dev/null || true
  wait "$metrics_sampler_pid" 2>/dev/null || true
  metrics_sampler_pid=
}

# The capacity the overload scenario is sized on: OVERLOAD_CAPACITY, else the
# fans/s served while the SLO held in the last capacity.json (older reports:
# the highest step held), else the scenario's default.
overload_capacity() {
  if [ -n "${OVERLOAD_CAPACITY:-}" ]; then
    printf '%s given' "$OVERLOAD_CAPACITY"
  elif [ "$mode" = full ] && [ -f "$out/capacity.json" ]; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d.get("capacity_fans_per_second") or d.get("highest_step_held"); print(f"{round(v)} from capacity.json" if v else "")' "$out/capacity.json"
  fi
}

run_scenario() {
  local strategy=$1 scenario=$2 dir=$3 rc=0
  if [ "$target" = up ]; then
    vacuum_when_autovacuum_is_off
  fi
  record_context "$dir/context.json"
  snapshot_metrics "$dir/metrics-before.txt"
  if [ "$capacity" = yes ]; then
    python3 - "$dir/context.json" "$mode" <<'PY2'
import json, os, sys
path, mode = sys.argv[1], sys.argv[2]
context = json.load(open(path))
context["step_seconds"] = float(os.environ.get("CAPACITY_STEP_SECONDS") or (5 if mode == "short" else 30))
context["steps"] = os.environ.get("CAPACITY_STEPS") or ("5 10" if mode == "short" else "20 50 100 150 200 300")
json.dump(context, open(path, "w"))
PY2
    start_cpu_sampler "$dir"
  fi
  if [ "$scenario" = overload ]; then
    SHORT=$([ "$mode" = short ] && echo 1 || echo 0) python3 - "$dir/context.json" <<'PY2'
import json, os, sys
path = sys.argv[1]
short = os.environ["SHORT"] == "1"
context = json.load(open(path))
capacity = float(os.environ.get("OVERLOAD_CAPACITY") or (5 if short else 50))
factor = float(os.environ.get("OVERLOAD_FACTOR") or 3)
context.update(
    capacity=capacity,
    capacity_source=os.environ.get("CAPACITY_SOURCE") or "the scenario's default",
    overload_factor=factor,
    overload_rate=max(1, round(capacity * factor)),
    overload_seconds=float(os.environ.get("OVERLOAD_SECONDS") or (8 if short else 60)),
    give_up_seconds=float(os.environ.get("OVERLOAD_GIVE_UP_SECONDS") or (45 if short else 300)),
    leaver_share=float(os.environ.get("LEAVER_SHARE") or 0.2),
    # What the services were started with (the default unless set).
    waiting_grace_seconds=float(os.environ.get("QUEUE_WAITING_GRACE_SECONDS") or 60),
)
json.dump(context, open(path, "w"))
PY2
    start_metrics_sampler "$dir"
  fi
  say "k6: $scenario, CACHE_STRATEGY=$strategy ($mode)"
  SHORT=$([ "$mode" = short ] && echo 1 || echo 0) \
    CACHE_STRATEGY=$strategy \
    COMMAND_API_URL=$COMMAND_API_URL QUERY_API_URL=$QUERY_API_URL \
    ADMIN_KEY=$STACK_ADMIN_KEY REDIS_URL=$STACK_REDIS_URL REDIS_KEY_PREFIX=$STACK_REDIS_KEY_PREFIX \
    SUMMARY_FILE="$dir/summary.json" K6_NO_USAGE_REPORT=true \
    GOMAXPROCS=$K6_THREADS nice -n "$K6_NICENESS" "$K6_BIN" run --quiet --no-color --out "json=$dir/points.json.gz" \
    "$ROOT/load/scenarios/$scenario.js" >"$dir/k6.log" 2>&1 || rc=$?
  stop_cpu_sampler
  stop_metrics_sampler
  cut -d' ' -f1 /proc/loadavg >"$dir/loadavg-after.txt"
  snapshot_metrics "$dir/metrics-after.txt"
  grep -v '^time=' "$dir/k6.log" | sed 's/^/    /' || true
  case "$rc" in
    0) ;;
    99) crossed=yes ;; # thresholds crossed: the report says which
    *)
      tail -n 30 "$dir/k6.log" >&2
      die "k6 failed on $scenario (exit $rc, log ${dir#"$ROOT"/}/k6.log)"
      ;;
  esac
}

[ "$target" != up ] || bring_up_stack
for strategy in $strategies; do
  for scenario in $scenarios; do
    # overload runs once, with the default settings (protected).
    if [ "$scenario" = overload ] && [ "$strategy" != protected ]; then
      continue
    fi
    service_env=()
    if [ "$capacity" = yes ]; then
      service_env=(QUEUE_ADMISSION=fixed QUEUE_ADMIT_PER_SECOND=100000 QUEUE_ACTIVE_MAX=100000)
    elif [ "$scenario" = overload ]; then
      # The default settings, as the issue asks: the waiting grace at 60 s.
      found=$(overload_capacity)
      if [ -n "$found" ]; then
        export OVERLOAD_CAPACITY=${found%% *} CAPACITY_SOURCE=${found#* }
      fi
    fi
    dir="$raw/$strategy/$scenario"
    mkdir -p "$dir"
    if [ "$target" = sandbox ]; then
      start_sandbox "$strategy" "$dir/stack"
    elif [ "$target" = floor ]; then
      start_floor
    else
      say "restarting the make up services with CACHE_STRATEGY=$strategy, queue emptied"
      start_up_stack "$strategy"
    fi
    run_scenario "$strategy" "$scenario" "$dir"
    stop_sandbox
    stop_floor
  done
done

if [ "$target" = sandbox ]; then
  description="a throw-away stack per scenario (load/sandbox.py)"
elif [ "$target" = floor ]; then
  description="the contract floor (load/floor: the contract answered from memory, no stack behind it)"
else
  description="the \`make up\` stack ($(service_url command-api), $(service_url query-api))"
fi
if [ "$capacity" = yes ]; then
  PYTHONPATH="$ROOT/tools${PYTHONPATH:+:$PYTHONPATH}" python3 -m ticketfold_tools.capacity report \
    --raw "$raw/protected/capacity" --out "$out" --mode "$mode" --target "$description"
  exit 0
fi
if [ -d "$raw/protected/overload" ]; then
  overload_args=(--raw "$raw/protected/overload" --out "$out" --mode "$mode" --target "$description")
  overload_args+=(--capacity "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capacity"])' "$raw/protected/overload/context.json")")
  PYTHONPATH="$ROOT/tools${PYTHONPATH:+:$PYTHONPATH}" python3 -m ticketfold_tools.overload report "${overload_args[@]}"
fi
if [ -n "$(ls "$raw"/*/{queue,reservation,stampede} -d 2>/dev/null)" ]; then
  python3 "$ROOT/load/report.py" --raw "$raw" --out "$out" --mode "$mode" --target "$description"
fi
if [ "$crossed" = yes ]; then
  warn "k6 thresholds were crossed; see ${out#"$ROOT"/}/report.md"
  [ "$strict" = no ] || exit 1
fi
