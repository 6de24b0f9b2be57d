# syntax=docker/dockerfile:1
# One image, the three services: command-api, query-api and projector
# (`projector setup` is the one-shot set-up). Built reproducibly: the
# toolchain and base images are pinned, the build uses Cargo.lock as is
# (--locked), and every file carries SOURCE_DATE_EPOCH's time.
#
#   docker build -t ticketfold:dev .
#   docker run --rm ticketfold:dev command-api
#
# Not built on the machine this was written on (no container engine runs
# there); `scripts/check-deploy.sh` checks it offline (see deploy/README.md).

ARG RUST_VERSION=1.95.0
ARG DEBIAN_RELEASE=bookworm

FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
# rdkafka's bundled librdkafka builds with cmake and a C toolchain.
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake g++ make pkg-config libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ARG SOURCE_DATE_EPOCH=0
# The commit in ticketfold_build_info (`--build-arg TICKETFOLD_COMMIT=$(git
# rev-parse --short=12 HEAD)`); the context carries no .git to read it from.
ARG TICKETFOLD_COMMIT=unknown
ENV CARGO_INCREMENTAL=0 \
    TICKETFOLD_COMMIT=${TICKETFOLD_COMMIT} \
    RUSTFLAGS="--remap-path-prefix=/src=. --remap-path-prefix=/usr/local/cargo=cargo"
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p command-api -p query-api -p projector \
 && mkdir -p /out \
 && cp target/release/command-api target/release/query-api target/release/projector /out/ \
 && touch -d "@${SOURCE_DATE_EPOCH}" /out/*

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# libssl3: librdkafka's TLS and SASL SCRAM link the system OpenSSL.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin ticketfold
COPY --from=build --chown=root:root --chmod=0755 /out/ /usr/local/bin/
USER 10001:10001
# command-api 8080, query-api 8081, projector 8082 (health and metrics).
EXPOSE 8080 8081 8082
ENV LOG_FORMAT=json
CMD ["command-api"]
