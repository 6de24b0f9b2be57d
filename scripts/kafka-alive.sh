#!/usr/bin/env bash
# Exit 0 when the Kafka broker at <host> <port> answers a Metadata request
# (v0, all topics) within 3 s. tansu's storage runs apart from its network
# side: when the storage task dies (tansu 0.6's sqlite engine panics in its
# idempotent-producer check after produce timeouts) the process keeps
# listening and answers nothing, so only a request that needs the storage
# tells a live broker from a dead one. scripts/supervise.sh runs this as the
# broker's liveness probe.
#
#   scripts/kafka-alive.sh <host> <port>
set -uo pipefail
[ $# -eq 2 ] || { printf 'usage: %s <host> <port>\n' "$0" >&2; exit 2; }
exec 3<>"/dev/tcp/$1/$2" || exit 1
# size 19; api_key 3 (Metadata), version 0, correlation id 1, client id
# "probe", topics: an empty array (all of them).
printf '\x00\x00\x00\x13\x00\x03\x00\x00\x00\x00\x00\x01\x00\x05probe\x00\x00\x00\x00' >&3 || exit 1
reply=$(timeout 3 head -c 8 <&3 | od -An -tx1 | tr -d ' \n')
# The response's size (4 bytes), then the correlation id we sent.
[ "${reply:8:8}" = 00000001 ]
