#!/usr/bin/env bash
# The Python tooling (tools/ticketfold_tools and its entry points
# load/report.py, load/sandbox.py, dashboards/check.py, scripts/fuzz-api.py),
# scripts/check-import-cycles.py and scripts/analyse-export.py: mypy --strict,
# then their tests. The tools themselves need only the standard library;
# analyse-export.py needs duckdb. pytest, mypy and duckdb are installed with
# pip when missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if ! python3 -m pytest --version >/dev/null 2>&1 || ! python3 -m mypy --version >/dev/null 2>&1; then
  say "installing pytest and mypy (pip)"
  python3 -m pip install --quiet pytest mypy
fi
if ! python3 -c 'import duckdb' >/dev/null 2>&1; then
  say "installing duckdb (pip)"
  python3 -m pip install --quiet duckdb
fi

cd "$ROOT"
say "mypy --strict tools/ticketfold_tools tools/tests and the entry points"
python3 -m mypy --strict --python-version 3.11 --cache-dir "$ROOT/tools/.mypy_cache" \
  tools/ticketfold_tools tools/tests load/report.py load/sandbox.py dashboards/check.py scripts/fuzz-api.py \
  scripts/check-import-cycles.py scripts/analyse-export.py scripts/tansu-sqlite.py
say "pytest tools/tests scripts/tests"
python3 -m pytest -q -p no:cacheprovider tools/tests scripts/tests
