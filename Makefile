# Thin entry points: the work lives in scripts/ (fmt and lint are one cargo command each).
.PHONY: up down test logs build fmt lint load fuzz bench chaos

up:
	scripts/up.sh

down:
	scripts/down.sh

test:
	scripts/test.sh

logs:
	scripts/logs.sh

# k6 scenarios against the make up stack, naive then protected; report in
# load/report/. LOAD_ARGS=--short for a quick run (see load/run.sh).
load:
	load/run.sh $(LOAD_ARGS)

build:
	scripts/build.sh

# The projector's growth benchmark at 200,000 and 1,000,000 records
# (scripts/bench.sh: BENCH_GROWTH_RECORDS, BENCH=hot_schedule).
bench:
	scripts/bench.sh

# libFuzzer on the queue-token parser and the record decoder, FUZZ_SECONDS
# (default 30) each (scripts/fuzz.sh; cargo-fuzz on stable, see there).
fuzz:
	scripts/fuzz.sh

# Fault injection under a booking mix, then the consistency checks
# (scripts/chaos.sh; CHAOS_ARGS=--short for make test's short form).
chaos:
	scripts/chaos.sh $(CHAOS_ARGS)

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings
