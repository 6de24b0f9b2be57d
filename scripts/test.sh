#!/usr/bin/env bash
# `make test`: every test of the workspace against a real broker, Postgres and
# Redis, then the Prometheus rules, the dashboards against a live stack and a
# short load run. Each step is a function.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=scripts/web.sh
source "$ROOT/scripts/web.sh"

TEST_BROKER_NAME="test"
TEST_BROKER_PORT=19092

started_broker=no
scratch=
analysis_dir=
stop_test_broker() {
  if [ "$started_broker" = yes ]; then
    "$ROOT/scripts/broker.sh" stop "$TEST_BROKER_NAME" || true
  fi
  if [ -n "$scratch" ]; then
    rm -rf "$scratch"
  fi
  if [ -n "$analysis_dir" ]; then
    rm -rf "$analysis_dir"
  fi
}
trap stop_test_broker EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step_dependencies() {
  "$ROOT/scripts/ensure-deps.sh"
}

# What only some steps need (Prometheus, k6), installed when a step asks.
needs() {
  "$ROOT/scripts/ensure-deps.sh" "$@"
}

# Runs a check, printing its output only when it fails.
quietly() {
  local label=$1 output
  shift
  if output=$("$@" 2>&1); then
    say "$label: ok"
  else
    printf '%s\n' "$output" >&2
    die "$label failed"
  fi
}

# The Prometheus configuration, rules and their unit tests, and the
# dashboards' static checks (uids, datasource, metric names): no stack needed.
step_prometheus_rules() {
  local dir="$ROOT/dashboards/prometheus"
  needs prometheus
  quietly "promtool check config dashboards/prometheus/prometheus.yml" promtool check config "$dir/prometheus.yml"
  quietly "promtool check rules dashboards/prometheus/rules/*.yml" promtool check rules "$dir"/rules/*.yml
  say "promtool test rules dashboards/prometheus/tests/*.yml"
  (cd "$dir" && promtool test rules tests/*.yml)
  say "scripts/python-check.sh (mypy --strict, pytest of the Python tooling)"
  "$ROOT/scripts/python-check.sh"
  say "scripts/check-import-cycles.py (no file imports what imports it back)"
  python3 "$ROOT/scripts/check-import-cycles.py"
  say "dashboards/check.py --static"
  python3 "$ROOT/dashboards/check.py" --static
  say "scripts/check-deploy.sh (Dockerfile, compose and Kubernetes manifests, offline)"
  "$ROOT/scripts/check-deploy.sh"
}

# A throw-away in-memory broker, unless the caller points the tests at their
# own (TEST_KAFKA_BROKERS) or one already listens on the test port.
step_test_broker() {
  if [ -n "${TEST_KAFKA_BROKERS:-}" ]; then
    say "using the broker at TEST_KAFKA_BROKERS=$TEST_KAFKA_BROKERS"
    return 0
  fi
  if port_open 127.0.0.1 "$TEST_BROKER_PORT"; then
    say "using the broker already listening on 127.0.0.1:$TEST_BROKER_PORT"
  else
    started_broker=yes
    "$ROOT/scripts/broker.sh" start "$TEST_BROKER_NAME" "$TEST_BROKER_PORT" memory://tansu/
  fi
  export TEST_KAFKA_BROKERS="127.0.0.1:$TEST_BROKER_PORT"
}

# Each test drops its own database when it ends, but a run that was killed
# (or a test that aborted) leaves its tf_test_* databases behind, and on a
# developer's server they pile up run after run. Dropped here: those nobody
# is connected to that were created over TEST_DATABASE_MAX_AGE_HOURS (6)
# ago, so a run going on beside this one keeps its own. Creation time is
# the database's PG_VERSION file's (pg_stat_file: superuser or
# pg_read_server_files); without that right nothing is dropped.
step_sweep_test_databases() {
  local url=$TEST_DATABASE_URL hours=${TEST_DATABASE_MAX_AGE_HOURS:-6} name dropped=0
  command -v psql >/dev/null 2>&1 || return 0
  local stale
  stale=$(psql "$url" -Atqc "SELECT datname FROM pg_database d
      WHERE datname LIKE 'tf\_test\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = d.oid)
        AND (pg_stat_file('base/' || d.oid || '/PG_VERSION')).modification
            < now() - make_interval(hours => $hours)" 2>/dev/null) || return 0
  for name in $stale; do
    psql "$url" -qc "DROP DATABASE IF EXISTS \"$name\"" >/dev/null 2>&1 && dropped=$((dropped + 1))
  done
  [ "$dropped" -eq 0 ] || say "dropped $dropped test databases left by runs over $hours h old"
}

step_cargo_tests() {
  export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
  step_sweep_test_databases
  # projector/tests/pipeline/analysis.rs leaves its export here for
  # step_analysis_example.
  analysis_dir=$(mktemp -d "${TMPDIR:-/tmp}/tf-analysis.XXXXXX")
  export ANALYSIS_EXPORT_DIR="$analysis_dir"
  cd "$ROOT"
  if cargo nextest --version >/dev/null 2>&1; then
    say "cargo nextest run --workspace"
    cargo nextest run --workspace --no-fail-fast
  else
    say "cargo-nextest not found; cargo test --workspace"
    cargo test --workspace --no-fail-fast
  fi
}

# docs/analysis.md's DuckDB example against the real export the cargo
# tests left (a booking run through a live projector, exported with the
# built binary): it must reproduce the figures the read tables hold.
step_analysis_example() {
  local dir=$analysis_dir
  for file in records.jsonl decisions.jsonl expected.json; do
    [ -s "$dir/$file" ] || die "$dir/$file is missing: projector/tests/pipeline/analysis.rs did not run"
  done
  if ! python3 -c 'import duckdb' >/dev/null 2>&1; then
    say "installing duckdb (pip)"
    python3 -m pip install --quiet duckdb
  fi
  say "scripts/analyse-export.py (docs/analysis.md) against the test's export"
  python3 "$ROOT/scripts/analyse-export.py" "$dir/records.jsonl" "$dir/decisions.jsonl" --expect "$dir/expected.json"
  rm -rf "$dir"
}

# The debug binaries of the three services, as the cargo tests built them
# (a no-op right after them), for the steps that run a whole stack.
step_service_binaries() {
  cd "$ROOT"
  cargo test --workspace --no-run --quiet
  local svc
  for svc in command-api query-api projector; do
    [ -x "$ROOT/target/debug/$svc" ] || die "target/debug/$svc was not built"
  done
}

# Schemathesis against both OpenAPI documents (openapi/*.json) on a
# throw-away stack of the debug binaries (scripts/fuzz-api.py): a short,
# seeded run that fails on any 5xx and on any answer the documents do not
# describe. Installed with pip when missing, as the Python checks are.
step_schemathesis() {
  if ! command -v schemathesis >/dev/null 2>&1 && ! python3 -c 'import schemathesis' >/dev/null 2>&1; then
    say "installing schemathesis (pip)"
    python3 -m pip install --quiet schemathesis
  fi
  say "schemathesis: command-api and query-api against openapi/*.json (scripts/fuzz-api.py)"
  python3 "$ROOT/scripts/fuzz-api.py" --bin-dir "$ROOT/target/debug"
}

# The fan's booking page in a real browser: Debian's Chromium, headless,
# driven by playwright-core, against throw-away stacks of the debug binaries
# (web/e2e/stack.mjs, on free ports beside everything else). Screenshots of
# each step are written to web/test-results/.
step_browser() {
  needs node chromium
  web_install
  quietly "web: generated client matches openapi/*.json (npm run check-generated)" \
    npm --prefix "$WEB_DIR" run --silent check-generated
  quietly "web: tsc and vite build" npm --prefix "$WEB_DIR" run --silent build
  say "web: browser tests (node --test web/e2e/*.test.mjs; screenshots in web/test-results/)"
  # A bound of its own: a browser test that hangs fails this step with its
  # output, rather than running the whole CI job out of time in silence.
  (cd "$WEB_DIR" && BIN_DIR="$ROOT/target/debug" timeout --kill-after=30 1200 npm test)
}

# The dashboards tell the truth: a real Prometheus scraping a throw-away
# stack under a short load; every panel query and recording rule must
# return data (see dashboards/check.py).
step_dashboards_truth() {
  needs prometheus k6
  say "dashboards/check.py (Prometheus + a throw-away stack + a short k6 load)"
  python3 "$ROOT/dashboards/check.py" --bin-dir "$ROOT/target/debug"
}

# `make chaos` in its short form (scripts/chaos.sh --short): its own
# supervised broker and stack of the debug binaries, a few faults (the
# projector and command-api killed, the broker paused, Redis keys deleted,
# Postgres backends terminated) under a short booking mix, then every
# consistency check. Fails when a check fails; the run is kept in .run/chaos/.
step_chaos_short() {
  say "scripts/chaos.sh --short (fault injection; report in .run/chaos/)"
  "$ROOT/scripts/chaos.sh" --short --bin-dir "$ROOT/target/debug"
}

# `make load` in its short mode, on throw-away stacks: the scenarios run
# with both cache strategies and the report is written. Thresholds are not
# judged here (no wall-clock assertions in tests); the report is.
step_load_short() {
  needs k6
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/tf-load-short.XXXXXX")
  say "load/run.sh --short --sandbox"
  if ! "$ROOT/load/run.sh" --short --sandbox --bin-dir "$ROOT/target/debug" --out "$scratch/report"; then
    local kept=$scratch
    scratch=
    die "load/run.sh --short failed; its logs are kept in $kept"
  fi
  python3 - "$scratch/report" <<'PY'
import json, sys
from pathlib import Path
report = Path(sys.argv[1])
summary = json.loads((report / "summary.json").read_text())
missing = [
    f"{strategy}/{scenario}"
    for strategy in ("naive", "protected")
    for scenario in ("queue", "reservation", "stampede")
    if not summary["runs"].get(strategy, {}).get(scenario, {}).get("booking", {}).get("requests")
]
files = ["report.md", "overload.md", "overload.svg"] + [f"latency-{s}.svg" for s in ("queue", "reservation", "stampede")]
missing += [name for name in files if not (report / name).is_file()]
overload = json.loads((report / "overload.json").read_text()) if (report / "overload.json").is_file() else {}
if not overload.get("requests"):
    missing.append("overload (no booking request)")
if not overload.get("fans", {}).get("arrivals") or not overload.get("admissions"):
    missing.append("overload (no arrival or admission counted)")
if not any(second.get("waiting") is not None for second in overload.get("timeline", [])):
    missing.append("overload (no queue length sampled)")
if missing:
    sys.exit(f"load report incomplete: {', '.join(missing)}")
print("==> load report complete: 3 scenarios x 2 strategies and overload, report.md, summary.json, overload.md, charts")
PY
}

step_dependencies
step_prometheus_rules
step_test_broker
step_cargo_tests
step_analysis_example
step_service_binaries
step_schemathesis
step_browser
step_dashboards_truth
step_load_short
# Last: its checks can fail on a real finding (see README, Fault injection)
# without hiding what the steps above would say.
step_chaos_short
