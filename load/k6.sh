# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables here are used by the scripts that source this file
# Where k6 is: sourced by scripts/ensure-deps.sh (which installs it) and
# load/run.sh (which runs it). The version is pinned so reports compare.

K6_VERSION=1.1.0
K6_VENV=${K6_VENV:-${XDG_DATA_HOME:-$HOME/.local/share}/ticketfold/k6-$K6_VERSION}

# Prints the path of a k6 $K6_VERSION: $K6 when set, then the one on PATH,
# then the one ensure-deps installs; prints nothing when there is none.
k6_bin() {
  local candidate
  for candidate in "${K6:-}" "$(command -v k6 2>/dev/null)" "$K6_VENV/bin/k6"; do
    [ -x "$candidate" ] || continue
    if "$candidate" version 2>/dev/null | grep -qF "k6 v$K6_VERSION "; then
      printf '%s' "$candidate"
      return 0
    fi
  done
}
