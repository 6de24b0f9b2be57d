#!/usr/bin/env bash
# `make fuzz`: libFuzzer on the queue-token parser and the projector's
# record decoder (fuzz/), FUZZ_SECONDS (default 30) each, with cargo-fuzz.
#
# Only the stable toolchain is installed here. cargo-fuzz is made for
# nightly; RUSTC_BOOTSTRAP=1 lets stable rustc take any nightly-only flag it
# passes (fine for a throw-away fuzz build, never for a release). The first
# build compiles the projector's dependencies instrumented: ~20 minutes on
# the 2-core machine; later runs start at once.
# `-s none` turns off AddressSanitizer, which would need a sanitizer
# runtime the stable toolchain does not ship; the targets are safe Rust, so
# what is looked for is panics, which libFuzzer catches as crashes.
# New inputs go to fuzz/target/found/<target> (not committed); a crash is
# saved under fuzz/artifacts/<target>/ and fails the run. Add an input worth
# keeping to fuzz/corpus/<target>/: `make test` replays every corpus file.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

seconds=${FUZZ_SECONDS:-30}
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz (cargo install cargo-fuzz)"
  cargo install --locked cargo-fuzz
fi
cd "$ROOT/fuzz"
for target in queue_token record_decoder; do
  mkdir -p "target/found/$target"
  say "cargo fuzz run $target for ${seconds}s (-s none, RUSTC_BOOTSTRAP=1)"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -s none "target/found/$target" "corpus/$target" \
    -- -max_total_time="$seconds"
done
say "fuzzing found no crash"
