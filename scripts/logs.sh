#!/usr/bin/env bash
# Follows every log of the `make up` stack (services and brokers).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

shopt -s nullglob
logs=("$RUN_DIR"/*.log)
[ ${#logs[@]} -gt 0 ] || die "no logs in ${RUN_DIR#"$ROOT"/}/ yet; start the stack with 'make up'"
exec tail -n 20 -F "${logs[@]}"
