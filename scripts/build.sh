#!/usr/bin/env bash
# Release builds of the three services that `make up` runs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cd "$ROOT"
cargo build --release -p command-api -p query-api -p projector
