#!/usr/bin/env bash
# Release builds of the three services that `make up` runs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$ROOT"
# The commit ticketfold_build_info reports (infra/src/telemetry/process.rs).
TICKETFOLD_COMMIT="${TICKETFOLD_COMMIT:-$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)}"
export TICKETFOLD_COMMIT
cargo build --release -p command-api -p query-api -p projector
