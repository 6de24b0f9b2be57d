# Thin entry points: the work lives in scripts/ (fmt and lint are one cargo command each).
.PHONY: up down test logs build fmt lint

up:
	scripts/up.sh

down:
	scripts/down.sh

test:
	scripts/test.sh

logs:
	scripts/logs.sh

build:
	scripts/build.sh

fmt:
	cargo fmt --all

lint:
	cargo clippy --workspace --all-targets -- -D warnings
